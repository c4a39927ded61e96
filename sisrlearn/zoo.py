"""The model zoo: shipped weights, the training recipe behind them, and SR methods from models.

A zoo entry is a pair of files in ``sisrlearn/weights/`` written by ``sisrlearn train``:
``NAME.pt`` (a ``state_dict``, float16 where that keeps PSNR within 0.01 dB) and ``NAME.json``
(model, constructor arguments, scale, sha256 of the ``.pt``, the exact command, steps, time,
device and the thinned training history). ``load_pretrained(NAME)`` checks the sha256 and loads
with ``weights_only=True``; ``train_or_load(NAME)`` falls back to training with the recipe.

Names are ``MODEL_xS`` (``srcnn_x3``) for single-scale models, or ``MODEL`` for multi-scale
ones (``vdsr``). ``sisrlearn bench``/``upscale`` accept every shipped name as a method.
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import ConcatDataset, DataLoader

from . import bench
from ._validate import check_scale
from .images import load_folder, sample_set
from .models import MODELS, build_model
from .patches import PatchDataset
from .resize import imresize
from .runtime import budget, get_device, set_seed
from .train import History, fit, load_weights, save_weights, sha256_of

__all__ = [
    "WEIGHTS_DIR",
    "ZooEntry",
    "zoo_entries",
    "load_pretrained",
    "train_or_load",
    "verify_all",
    "model_method",
    "parse_name",
    "train_recipe",
]

WEIGHTS_DIR = Path(__file__).parent / "weights"


@dataclass(frozen=True)
class ZooEntry:
    """One shipped model, read from ``weights/NAME.json``."""

    name: str
    model: str
    kwargs: dict
    scale: int | None  # None: any of ``scales``
    scales: tuple[int, ...]
    weights: Path
    sha256: str
    record: dict  # the whole JSON (command, steps, seconds, device, history, validation)


def zoo_entries(folder: str | Path | None = None) -> dict[str, ZooEntry]:
    """Every shipped model in ``folder`` (default: the package's ``weights/``), by name."""
    folder = Path(folder) if folder is not None else WEIGHTS_DIR
    entries = {}
    for meta in sorted(folder.glob("*.json")):
        record = json.loads(meta.read_text())
        if "sha256" not in record or "model" not in record:
            continue  # a history file, not a zoo record
        scales = tuple(record.get("scales") or [record["scale"]])
        entries[meta.stem] = ZooEntry(
            name=meta.stem,
            model=record["model"],
            kwargs=record.get("kwargs", {}),
            scale=record.get("scale"),
            scales=scales,
            weights=folder / record["weights"],
            sha256=record["sha256"],
            record=record,
        )
    return entries


def parse_name(name: str) -> tuple[str, int | None]:
    """``"srcnn_x3"`` -> ``("srcnn", 3)``; ``"vdsr"`` -> ``("vdsr", None)``."""
    match = re.fullmatch(r"(.+)_x(\d+)", name)
    model, scale = (match.group(1), int(match.group(2))) if match else (name, None)
    if model not in MODELS:
        raise ValueError(
            f"name must be a zoo name such as 'srcnn_x3' (models: "
            f"{', '.join(sorted(MODELS))}), got {name!r}"
        )
    return model, scale


def load_pretrained(name: str, *, device: torch.device | str | None = None) -> nn.Module:
    """The shipped network ``name`` in eval mode, sha256-checked (``weights_only=True``).

    Raises ``ValueError`` for an unknown name, a missing file or a sha256 mismatch.
    """
    entries = zoo_entries()
    if name not in entries:
        shipped = ", ".join(sorted(entries)) or "none"
        raise ValueError(f"name must be a shipped model ({shipped}), got {name!r}")
    entry = entries[name]
    if not entry.weights.is_file():
        raise ValueError(
            f"weights file {entry.weights} for {name!r} is missing; reinstall "
            f"sisrlearn or run: {entry.record.get('command', 'sisrlearn train')}"
        )
    model = build_model(entry.model, **_build_kwargs(entry.model, entry.kwargs, entry.scale))
    load_weights(model, entry.weights, sha256=entry.sha256)
    return model.to(device or "cpu").eval()


def train_or_load(
    name: str,
    *,
    steps: int | None = None,
    data: str | Path | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> nn.Module:
    """The shipped weights of ``name`` if there are any; else train it with its recipe.

    Without shipped weights the model is trained on ``data`` (a folder; default: the bundled
    training images) for ``steps`` (default: ``budget(gpu=recipe, cpu=recipe // 10, fast=20)``).
    """
    if name in zoo_entries():
        return load_pretrained(name, device=device)
    model_name, scale = parse_name(name)
    recipe = MODELS[model_name].recipe
    if steps is None:
        steps = budget(gpu=recipe.steps, cpu=max(recipe.steps // 10, 1), fast=20)
    model, _ = train_recipe(
        model_name, scale or 2, data, steps=steps, device=device, progress=progress
    )
    return model.eval()


def verify_all() -> dict[str, bool]:
    """sha256 check of every shipped weights file: name -> ok."""
    return {
        name: e.weights.is_file() and sha256_of(e.weights) == e.sha256
        for name, e in zoo_entries().items()
    }


# ---------------------------------------------------------------------------- SR methods


def model_method(model: nn.Module, *, upsampled: bool, channels: str = "y"):
    """``fn(lr, scale)`` for ``bench``: bicubic-upscale first for pre-upsampling models."""
    model.eval()

    def fn(lr: torch.Tensor, scale: int) -> torch.Tensor:
        param = next(model.parameters())
        x = imresize(lr, scale) if upsampled else lr
        with torch.no_grad():
            out = model(x.to(param.device, torch.float32))
        return out.to(lr.dtype).cpu()

    return fn


def _zoo_method(name: str) -> bench.Method | None:
    entries = zoo_entries()
    if name not in entries:
        return None
    entry, model = entries[name], None
    recipe = MODELS[entry.model].recipe

    def fn(lr: torch.Tensor, scale: int) -> torch.Tensor:
        nonlocal model
        if scale not in entry.scales:
            raise ValueError(
                f"method {name!r} was trained for scale {list(entry.scales)}, got scale={scale}"
            )
        model = model or load_pretrained(name, device=get_device())
        return model_method(model, upsampled=recipe.upsampled, channels=recipe.channels)(lr, scale)

    return bench.Method(
        name, fn, "y" if recipe.channels == "y" else "rgb", f"{entry.model} (shipped weights)"
    )


bench.add_method_source(_zoo_method)


# ---------------------------------------------------------------------------- training


def _build_kwargs(model_name: str, kwargs: dict, scale: int | None) -> dict:
    recipe = MODELS[model_name].recipe
    out = dict(kwargs)
    if not recipe.upsampled and not recipe.scales and scale is not None:
        out.setdefault("scale", scale)
    return out


def _loss(name: str):
    if name == "mse":
        return nn.MSELoss()
    if name == "l1":
        return nn.L1Loss()
    raise ValueError(f"loss must be 'mse' or 'l1', got {name!r}")


def _validation(model: nn.Module, images: dict, scales: Sequence[int], recipe):
    """Mean PSNR (matlab protocol) on every scale: the same code path as ``sisrlearn bench``."""
    method = bench.Method(
        "training",
        model_method(model, upsampled=recipe.upsampled, channels=recipe.channels),
        "y" if recipe.channels == "y" else "rgb",
    )
    results = {}
    for s in scales:
        row = bench._score(method, "val", list(images.values()), s, "matlab")
        results[f"psnr_x{s}"] = row["psnr"]
    return results


def train_recipe(
    model_name: str,
    scale: int,
    data: str | Path | None = None,
    *,
    steps: int | None = None,
    out: str | Path | None = None,
    val: str | Path | None = None,
    eval_every: int = 1000,
    checkpoint_every: int = 1000,
    optimizer: str | None = None,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    model_kwargs: dict | None = None,
    augment: bool = True,
    resume: bool = False,
    overwrite: bool = False,
    half: bool = False,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    command: str | None = None,
) -> tuple[nn.Module, History]:
    """Train ``model_name`` with its registered :class:`~sisrlearn.models.Recipe`.

    Args:
        scale: SR factor (ignored by multi-scale recipes, which train on ``recipe.scales``).
        data: folder of HR training images (default: the bundled training images).
        steps: total optimisation steps (default: the recipe's).
        out: where to write the ``state_dict`` (``.pt``); beside it ``.json`` (record with
            command, history, sha256) and, while training, ``.ckpt`` (resumable checkpoint).
        val: folder of HR images scored (matlab protocol PSNR) every ``eval_every`` steps.
        optimizer, learning_rate, batch_size: override the recipe.
        model_kwargs: constructor arguments (e.g. ``f2=1`` for SRCNN 9-1-5).
        resume: continue from ``out``'s checkpoint up to ``steps`` in all.
        overwrite: replace an existing ``out``.
        half: store the weights in float16.

    Under ``torchrun`` (``WORLD_SIZE`` > 1) the model is wrapped in DistributedDataParallel
    (NCCL on GPUs, gloo on CPUs), each process takes ``batch_size / world_size`` sub-images
    of the global batch, and only rank 0 writes files.
    """
    if model_name not in MODELS:
        raise ValueError(f"model must be one of {', '.join(sorted(MODELS))}, got {model_name!r}")
    recipe = MODELS[model_name].recipe
    scales = tuple(recipe.scales) or (check_scale(scale),)
    steps = recipe.steps if steps is None else steps
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    optimizer = optimizer or recipe.optimizer
    learning_rate = learning_rate or recipe.learning_rate
    batch_size = batch_size or recipe.batch_size
    model_kwargs = dict(model_kwargs or {})
    out = Path(out) if out is not None else None
    ckpt = out.with_suffix(".ckpt") if out is not None else None
    if out is not None and out.suffix != ".pt":
        raise ValueError(f"out must end in .pt, got {str(out)!r}")
    if out is not None and not resume and not overwrite:
        for path in (out, out.with_suffix(".json")):
            if path.exists():
                raise FileExistsError(
                    f"{path} exists; pass overwrite=True (--overwrite) to "
                    "replace it or resume=True (--resume) to continue"
                )
    if resume and (ckpt is None or not ckpt.is_file()):
        raise ValueError(f"resume needs a checkpoint {ckpt} (written while training with out=)")

    world, rank = _distributed_setup()
    generator = set_seed(seed)
    device = torch.device(device) if device is not None else _device_for(rank)
    scale_kw = None if recipe.upsampled or recipe.scales else scales[0]
    kwargs = _build_kwargs(model_name, model_kwargs, scale_kw)
    model = build_model(model_name, **kwargs, **recipe.train_kwargs).to(device)
    border = getattr(model, "border", 0) if recipe.train_kwargs.get("padding") == "valid" else 0

    images = load_folder(data) if data is not None else sample_set("train")
    parts = [
        PatchDataset(
            images,
            s,
            patch_size=recipe.patch_size,
            stride=recipe.stride,
            label_crop=border,
            channels=recipe.channels,
            upsampled=recipe.upsampled,
            augment=augment,
            generator=generator,
        )
        for s in scales
    ]
    dataset = ConcatDataset(parts) if len(parts) > 1 else parts[0]
    if batch_size % world:
        raise ValueError(f"batch_size={batch_size} must divide by the {world} processes")
    sampler = torch.utils.data.DistributedSampler(
        dataset, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=True
    )

    net = model
    if world > 1:
        net = nn.parallel.DistributedDataParallel(model)
    opt = _optimizer(model, net, optimizer, learning_rate)
    history = History()
    if resume:
        state = torch.load(ckpt, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history = History.from_dict(json.loads(state["history"]))
    done = history.step[-1] if history.step else 0
    if done >= steps:
        raise ValueError(f"the checkpoint already has {done} steps; ask for more than that")
    loader = _EpochLoader(
        DataLoader(dataset, batch_size=batch_size // world, sampler=sampler, drop_last=True),
        sampler,
        done,
    )
    val_images = load_folder(val) if val is not None else None
    writer = rank == 0 and out is not None
    started = time.perf_counter()
    seconds_before = history.seconds

    def on_eval(_model: nn.Module) -> dict[str, float]:
        metrics, step = {}, history.step[-1]
        final = step == steps
        if val_images is not None and rank == 0 and (final or step % eval_every == 0):
            # score the inference form (e.g. SRCNN with "same" padding) of the current weights
            infer = build_model(model_name, **kwargs).to(device)
            infer.load_state_dict(_unwrap(model).state_dict())
            metrics = _validation(infer, val_images, scales, recipe)
        if writer and (final or step % checkpoint_every == 0):
            history.seconds = seconds_before + time.perf_counter() - started
            _save_checkpoint(ckpt, model, opt, history, metrics)
        return metrics

    sched = _cosine_from(done, steps)
    every = (
        math.gcd(eval_every, checkpoint_every)
        if eval_every and checkpoint_every
        else (eval_every or checkpoint_every)
    )
    try:
        fit(
            net,
            loader,
            _loss(recipe.loss),
            steps=steps - done,
            optimizer=opt,
            learning_rate=learning_rate,
            scheduler=sched,
            grad_clip=recipe.grad_clip,
            eval_fn=on_eval,
            eval_every=every,
            history=history,
            progress=progress and rank == 0,
        )
    except KeyboardInterrupt:
        if writer:
            history.seconds = seconds_before + time.perf_counter() - started
            _save_checkpoint(ckpt, model, opt, history)
            print(f"\ninterrupted: checkpoint {ckpt}; continue with --resume", file=sys.stderr)
        raise
    history.seconds = seconds_before + time.perf_counter() - started
    model.eval()
    if writer:
        _write_record(
            model,
            out,
            model_name,
            kwargs,
            scales,
            recipe,
            history,
            half=half,
            device=device,
            world=world,
            command=command,
            overwrite=True,
        )
        ckpt.unlink(missing_ok=True)
    return model, history


class _EpochLoader:
    """A DataLoader that tells its DistributedSampler the epoch (a new shuffle every pass).

    ``done_steps`` skips the batches a resumed run has already trained on, so stopping and
    resuming sees the same batches as one uninterrupted run.
    """

    def __init__(self, loader: DataLoader, sampler, done_steps: int = 0) -> None:
        if len(loader) == 0:
            raise ValueError(
                f"the training set has {len(loader.dataset)} sub-images, fewer than "
                f"one batch of {loader.batch_size}: lower batch_size or add images"
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


def _optimizer(model: nn.Module, net: nn.Module, name: str, lr: float):
    groups = model.param_groups(lr) if hasattr(model, "param_groups") else net.parameters()
    if name == "adam":
        return torch.optim.Adam(groups, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=0.9)
    raise ValueError(f"optimizer must be 'adam' or 'sgd', got {name!r}")


def _cosine_from(done: int, total: int):
    """Cosine decay to 1% of the learning rate over ``total`` steps, starting at ``done``."""

    def factor(step: int) -> float:
        t = min(done + step, total) / total
        return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t))

    return lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, factor)


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if hasattr(model, "module") else model


def _save_checkpoint(path: Path, model: nn.Module, opt, history: History, metrics=None) -> None:
    """Model, optimiser and history (with ``metrics`` of this step, which ``fit`` records
    only after the evaluation returns) in one file, replaced atomically."""
    history = History.from_dict(json.loads(json.dumps(history.to_dict())))
    if metrics:
        history.eval_step.append(history.step[-1])
        for name, value in metrics.items():
            history.metrics.setdefault(name, []).append(float(value))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".ckpt.tmp")
    torch.save(
        {
            "model": _unwrap(model).state_dict(),
            "optimizer": opt.state_dict(),
            "history": json.dumps(history.to_dict()),
        },
        tmp,
    )
    os.replace(tmp, path)


def _thin(history: History, points: int = 500) -> dict:
    """The history with the loss averaged into at most ``points`` bins (a small JSON)."""
    data = history.to_dict()
    n = len(history.loss)
    if n > points:
        size = math.ceil(n / points)
        data["step"] = [history.step[min(i + size, n) - 1] for i in range(0, n, size)]
        data["loss"] = [
            sum(history.loss[i : i + size]) / len(history.loss[i : i + size])
            for i in range(0, n, size)
        ]
    return data


def _write_record(
    model,
    out: Path,
    model_name,
    kwargs,
    scales,
    recipe,
    history,
    *,
    half,
    device,
    world,
    command,
    overwrite,
) -> None:
    sha = save_weights(model, out, overwrite=overwrite, half=half)
    dev = str(device)
    if device.type == "cpu":
        dev += f" ({torch.get_num_threads()} threads)"
    elif device.type == "cuda":
        dev += f" ({torch.cuda.get_device_name(device)})"
    record = {
        "model": model_name,
        "kwargs": kwargs,
        "scale": scales[0] if len(scales) == 1 else None,
        "scales": list(scales),
        "weights": out.name,
        "sha256": sha,
        "dtype": "float16" if half else "float32",
        "command": command or "(called from Python: sisrlearn.zoo.train_recipe)",
        "steps": history.step[-1] if history.step else 0,
        "seconds": round(history.seconds, 1),
        "device": dev,
        "processes": world,
        "torch": torch.__version__,
        "recipe": {k: v for k, v in vars(recipe).items()},
        "history": _thin(history),
    }
    out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")


def _distributed_setup() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 1, 0
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    return world, dist.get_rank()


def _device_for(rank: int) -> torch.device:
    device = get_device()
    if device.type == "cuda" and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        local = int(os.environ.get("LOCAL_RANK", rank))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return device


def command_line(argv: Sequence[str]) -> str:
    """The ``sisrlearn`` command line ``argv`` as a shell line (for the JSON record)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    prefix = f"torchrun --nproc_per_node={world} -m sisrlearn" if world > 1 else "sisrlearn"
    return f"{prefix} {shlex.join(argv)}"
