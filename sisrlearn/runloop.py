"""The pieces of a resumable training run that ``sisrlearn train`` and ``sisrlearn srgan``
share: a loader that reshuffles every epoch and can skip what a resumed run has seen, a clock
that carries the training time over a resume, the recipe's optimiser and the cosine schedule.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from .train import History

__all__ = ["Clock", "EpochLoader", "epoch_loader", "recipe_optimizer", "cosine_from"]


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
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=seed,
                                 drop_last=True)  # fmt: skip
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=True)
    return EpochLoader(loader, sampler, done_steps)


def recipe_optimizer(model: nn.Module, net: nn.Module, name: str, learning_rate: float):
    """Adam, or SGD (momentum 0.9) with the model's own per-layer rates (``param_groups``,
    e.g. SRCNN's 1:10 for the last layer) where it has them, as the papers train with SGD."""
    sgd_groups = name == "sgd" and hasattr(model, "param_groups")
    groups = model.param_groups(learning_rate) if sgd_groups else net.parameters()
    if name == "adam":
        return torch.optim.Adam(groups, lr=learning_rate)
    if name == "sgd":
        return torch.optim.SGD(groups, lr=learning_rate, momentum=0.9)
    raise ValueError(f"optimizer must be 'adam' or 'sgd', got {name!r}")


def cosine_from(done: int, total: int):
    """Cosine decay to 1% of the learning rate over ``total`` steps, starting at ``done``."""

    def factor(step: int) -> float:
        t = min(done + step, total) / total
        return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t))

    return lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, factor)
