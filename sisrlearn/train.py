"""Training: ``fit`` (the loop every chapter uses), its optimiser and schedule, model
evaluation, and weight files (``state_dict`` + sha256)."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from .files import atomic_torch_save, check_writable
from .runtime import autocast, bf16_layout

__all__ = [
    "History",
    "cosine_schedule",
    "evaluate_model",
    "fit",
    "load_weights",
    "make_optimizer",
    "read_state_dict",
    "repeat_batches",
    "save_weights",
    "sha256_of",
]


@dataclass
class History:
    """What ``fit`` records: the loss at every step and any evaluated metrics."""

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    eval_step: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "step": self.step,
            "loss": self.loss,
            "eval_step": self.eval_step,
            "metrics": self.metrics,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict) -> History:
        return cls(**data)


def make_optimizer(
    model: nn.Module, optimizer: str | torch.optim.Optimizer = "adam", learning_rate: float = 1e-3
) -> torch.optim.Optimizer:
    """Adam, or SGD with momentum 0.9, over the trainable parameters of ``model``.

    SGD uses the model's own per-layer learning rates where it defines ``param_groups(lr)``
    (SRCNN's 1:10 for the last layer), as the papers that train with SGD do. A ready
    optimizer is returned as it is.
    """
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    if optimizer == "sgd" and hasattr(model, "param_groups"):
        return torch.optim.SGD(model.param_groups(learning_rate), lr=learning_rate, momentum=0.9)
    params = [p for p in model.parameters() if p.requires_grad]
    if optimizer == "adam":
        return torch.optim.Adam(params, lr=learning_rate)
    if optimizer == "sgd":
        return torch.optim.SGD(params, lr=learning_rate, momentum=0.9)
    raise ValueError(
        f"optimizer must be 'adam', 'sgd' or a torch.optim.Optimizer, got {optimizer!r}"
    )


def cosine_schedule(
    total: int, *, start: int = 0, floor: float = 0.0
) -> Callable[[torch.optim.Optimizer], torch.optim.lr_scheduler.LambdaLR]:
    """A scheduler factory for ``fit``: cosine decay of the learning rate over ``total`` steps.

    The factor goes from 1 at step 0 to ``floor`` at step ``total`` (``sisrlearn train`` uses
    ``floor=0.01``); ``start`` is the step a resumed run begins at, so the curve continues.
    (Loshchilov & Hutter, "SGDR", ICLR 2017, without restarts.)
    """
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise ValueError(f"total must be a positive int, got {total!r}")

    def factor(step: int) -> float:
        t = min(start + step, total) / total
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t))

    return lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, factor)


def fit(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    steps: int,
    learning_rate: float = 1e-3,
    optimizer: str | torch.optim.Optimizer = "adam",
    scheduler: Callable[[torch.optim.Optimizer], object] | None = None,
    grad_clip: float | None = None,
    eval_fn: Callable[[nn.Module], dict[str, float]] | None = None,
    eval_every: int = 0,
    device: torch.device | str | None = None,
    history: History | None = None,
    progress: bool = True,
    cpu_bf16: bool = False,
) -> History:
    """Train ``model`` for ``steps`` optimisation steps, cycling over ``loader``.

    Args:
        model: the network; it stays on its device unless ``device`` is given.
        loader: yields ``(inputs, targets)`` batches (a DataLoader, or a list of batches).
        loss_fn: ``loss_fn(model(inputs), targets)`` -> scalar tensor.
        steps: number of optimisation steps (batches), not epochs.
        learning_rate: for the optimizer built here.
        optimizer: ``"adam"`` (default), ``"sgd"`` (momentum 0.9) or a ready optimizer.
        scheduler: ``scheduler(optimizer)`` -> an LR scheduler stepped after every step.
        grad_clip: clip the global gradient norm to this value.
        eval_fn: called as ``eval_fn(model)`` at every step number divisible by ``eval_every``
            (counted after ``history``'s last step when resuming) and at the end;
            returns named metrics, stored in ``History.metrics``.
        device: move the model there first (defaults to the model's own device).
        history: continue an earlier ``History`` (resuming); steps are numbered after it.
        progress: show a tqdm bar.
        cpu_bf16: on the CPU, run the forward pass under bfloat16 autocast with channels-last
            tensors (about 3x faster on CPUs with AMX; the weights and the optimizer stay
            float32). On CUDA, bfloat16 autocast is always on.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
    if device is not None:
        model.to(device)
    device = next(model.parameters()).device
    layout = bf16_layout(device, model, cpu=cpu_bf16)
    opt = make_optimizer(model, optimizer, learning_rate)
    sched = scheduler(opt) if scheduler is not None else None
    history = history or History()
    start_step = history.step[-1] if history.step else 0
    started = time.perf_counter()
    batches = repeat_batches(loader)
    model.train()
    bar = tqdm(range(steps), disable=not progress, desc="train", leave=False)
    for i in bar:
        inputs, targets = next(batches)
        inputs, targets = inputs.to(device, memory_format=layout), targets.to(device)
        with autocast(device, cpu=cpu_bf16):
            outputs = model(inputs)
        loss = loss_fn(outputs.float(), targets)
        if not torch.isfinite(loss):
            raise FloatingPointError(
                f"loss became {loss.item()} at step {start_step + i + 1}; "
                "lower learning_rate or set grad_clip"
            )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step()
        if sched is not None:
            sched.step()
        history.step.append(start_step + i + 1)
        history.loss.append(loss.item())
        bar.set_postfix(loss=f"{history.loss[-1]:.4g}", refresh=False)
        step = start_step + i + 1  # numbered after a resumed history, so is the schedule
        if eval_fn is not None and ((eval_every and step % eval_every == 0) or i == steps - 1):
            _record_eval(model, eval_fn, history, step)
    history.seconds += time.perf_counter() - started
    model.eval()
    return history


def repeat_batches(loader: Iterable) -> Iterator:
    """Iterate over ``loader`` again and again (a DataLoader reshuffles every pass)."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("loader must yield at least one (inputs, targets) batch")


def _record_eval(model: nn.Module, eval_fn, history: History, step: int) -> None:
    was_training = model.training
    model.eval()
    with torch.no_grad():
        results = eval_fn(model)
    model.train(was_training)
    if not results:
        return  # nothing measured at this step (e.g. only a checkpoint was due)
    history.eval_step.append(step)
    for name, value in results.items():
        history.metrics.setdefault(name, []).append(float(value))


@torch.no_grad()
def evaluate_model(
    model: nn.Module,
    pairs: Iterable[tuple[torch.Tensor, torch.Tensor]],
    metric: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> float:
    """Average ``metric(model(x), y)`` over ``(x, y)`` pairs (each (C, H, W) or a batch)."""
    model.eval()
    device = next(model.parameters()).device
    values = []
    for x, y in pairs:
        single = x.dim() == 3
        out = model((x[None] if single else x).to(device))
        values.append(float(metric(out[0] if single else out, y.to(device))))
    if not values:
        raise ValueError("pairs must hold at least one (input, target) pair")
    return sum(values) / len(values)


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _non_finite(state: dict[str, torch.Tensor]) -> tuple[int, list[str]]:
    """How many NaN/inf values a state_dict holds, and in which entries."""
    total, where = 0, []
    for key, value in state.items():
        if value.is_floating_point() and (bad := int((~torch.isfinite(value)).sum())):
            total, where = total + bad, [*where, key]
    return total, where


def _name_some(keys: list[str]) -> str:
    return ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")


def save_weights(
    model: nn.Module, path: str | Path, *, overwrite: bool = False, half: bool = False
) -> str:
    """Save ``model.state_dict()`` (tensors only; float16 if ``half``); return the file's sha256.

    The file is written to a temporary name and renamed into place: a failed write leaves
    the old file as it was. Missing folders are created.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
        ValueError: the model holds NaN/inf (training diverged), or a value too large for
            float16 with ``half=True``.
    """
    path = Path(path)
    check_writable(path, overwrite=overwrite, make_parents=True)
    state = {
        k: v.detach().cpu().contiguous().clone()
        for k, v in model.state_dict().items()
        if isinstance(v, torch.Tensor)
    }
    bad, where = _non_finite(state)
    if bad:
        raise ValueError(
            f"the model has {bad} non-finite values (NaN/inf) in {_name_some(where)}; "
            "training diverged: lower the learning rate"
        )
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
        bad, where = _non_finite(state)
        if bad:
            raise ValueError(
                f"half=True: {bad} values in {_name_some(where)} exceed float16's range "
                "(65504); save in float32 (half=False)"
            )
    atomic_torch_save(state, path, overwrite=overwrite, make_parents=True)
    return sha256_of(path)


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The state_dict in ``path`` (``weights_only=True``), or a ValueError naming the file."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises several types for bad files
        raise ValueError(f"{str(path)!r} is not a readable state_dict file: {err}") from err
    if not isinstance(state, dict):
        raise ValueError(f"{str(path)!r} holds a {type(state).__name__}, expected a state_dict")
    if isinstance(state.get("model"), dict):
        raise ValueError(
            f"{str(path)!r} is a training checkpoint, not a state_dict: its weights are "
            "torch.load(path)['model']"
        )
    odd = [str(k) for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if odd:
        raise ValueError(f"{str(path)!r} is not a state_dict: not tensors: {_name_some(odd)}")
    bad, where = _non_finite(state)
    if bad:
        raise ValueError(
            f"{str(path)!r} holds {bad} non-finite values (NaN/inf) in {_name_some(where)}: "
            "saved from a diverged run"
        )
    return state


def load_weights(
    model: nn.Module, path: str | Path, *, sha256: str | None = None, strict: bool = True
) -> nn.Module:
    """Load a ``state_dict`` file into ``model`` (``weights_only=True``: no pickled code runs).

    Args:
        sha256: if given, the file must have this hash (a corrupt or swapped file is refused).
        strict: every key must match, as in ``nn.Module.load_state_dict``.

    Raises:
        ValueError: naming the file, if it is missing, a folder, has another hash, is not a
            state_dict of finite tensors (a corrupt file, a training checkpoint), or does not
            fit ``model`` (another architecture or size).
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path must be a weights file, got the folder {str(path)!r}")
    if not path.is_file():
        raise ValueError(f"path must be an existing weights file, got {str(path)!r}")
    if sha256 is not None and (actual := sha256_of(path)) != sha256:
        raise ValueError(
            f"weights file {str(path)!r} has sha256 {actual[:16]}..., expected "
            f"{sha256[:16]}...: corrupt, or not the file expected"
        )
    state = read_state_dict(path)
    own = model.state_dict()
    state = {k: v.to(own[k].dtype) if k in own else v for k, v in state.items()}
    try:
        model.load_state_dict(state, strict=strict)
    except RuntimeError as err:
        raise ValueError(f"{str(path)!r} does not fit this {type(model).__name__}: {err}") from err
    return model
