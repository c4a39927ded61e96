"""The pieces of a resumable training run that ``sisrlearn train`` and ``sisrlearn srgan``
share: a loader that reshuffles every epoch and can skip what a resumed run has seen, and a
clock that carries the training time over a resume.
"""

from __future__ import annotations

import time

from torch.utils.data import DataLoader, Dataset, DistributedSampler

from ..train import History

__all__ = ["Clock", "EpochLoader", "epoch_loader"]


class Clock:
    """Training seconds, carried over a resume: ``stamp()`` updates ``history.seconds``."""

    def __init__(self, history: History) -> None:
        self.history, self.before, self.started = history, history.seconds, time.perf_counter()

    def stamp(self) -> History:
        self.history.seconds = self.before + time.perf_counter() - self.started
        return self.history


class EpochLoader:
    """A DataLoader that tells its DistributedSampler the epoch (a new shuffle every pass).

    ``done_steps`` skips the batches a resumed run has already trained on, so stopping and
    resuming sees the same batches as one uninterrupted run.
    """

    def __init__(self, loader: DataLoader, sampler, done_steps: int = 0) -> None:
        if len(loader) == 0:
            raise ValueError(
                f"the training set has {len(loader.dataset)} pairs, fewer than one batch "
                f"of {loader.batch_size}: lower batch_size or add images"
            )
        self.loader, self.sampler = loader, sampler
        self.epoch, self.skip = divmod(done_steps, len(loader))

    def __iter__(self):
        self.sampler.set_epoch(self.epoch)
        self.epoch += 1
        batches = iter(self.loader)
        for _ in range(self.skip):
            next(batches)
        self.skip = 0
        return batches


def epoch_loader(
    dataset: Dataset,
    batch_size: int,
    *,
    seed: int,
    done_steps: int = 0,
    world: int = 1,
    rank: int = 0,
) -> EpochLoader:
    """Shuffled batches of ``batch_size`` (this process's share under ``world`` processes), a new
    seeded order every epoch, skipping the ``done_steps`` batches a resumed run has seen."""
    sampler = DistributedSampler(
        dataset, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=True
    )
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=True)
    return EpochLoader(loader, sampler, done_steps)
