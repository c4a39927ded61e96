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
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from . import bench
from .models import MODELS, build_model
from .runtime import budget, get_device
from .train import load_weights, sha256_of
from .trainer import model_as_method, model_method, train_recipe

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
    model = build_model(entry.model, **entry.kwargs)
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


def _zoo_method(name: str) -> bench.Method | None:
    entries = zoo_entries()
    if name not in entries:
        return None
    entry = entries[name]
    # loaded now, not on the first call, so that bench's timing counts inference only
    base = model_as_method(load_pretrained(name, device=get_device()), entry.model, name)

    def fn(lr: torch.Tensor, scale: int) -> torch.Tensor:
        if scale not in entry.scales:
            raise ValueError(
                f"method {name!r} was trained for scale {list(entry.scales)}, got scale={scale}"
            )
        return base.fn(lr, scale)

    return bench.Method(name, fn, base.channels, f"{entry.model} (shipped weights)", entry.scales)


bench.add_method_source(_zoo_method)
