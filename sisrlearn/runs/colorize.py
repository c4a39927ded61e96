"""``sisrlearn train colornet``: a colorization training run with its record.

The training itself is the chapter's :func:`sisrlearn.colorize.train_colornet`; this run adds
the output checks, the weights file and its record (as ``sisrlearn train`` writes for SR).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from ..colorize import train_colornet
from ..models import MODELS
from ..runtime import get_device
from ..train import History
from .records import check_paths, write_record

__all__ = ["train_color_model"]


def train_color_model(
    model_name: str = "colornet",
    data: str | Path | None = None,
    *,
    steps: int = 1000,
    patch_size: int = 64,
    batch_size: int = 16,
    learning_rate: float = 1e-3,
    rebalance: bool = True,
    model_kwargs: dict | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    command: str | None = None,
) -> tuple[nn.Module, History]:
    """Train ``colornet`` (classification, rebalanced) or ``colornet_reg`` (L2) on Lab crops of
    ``patch_size`` pixels of ``data`` (a dataset name or folder; plus the bundled colour
    images) and, with ``out``, write ``OUT.pt`` and its record ``OUT.json``."""
    out, _ = check_paths(out, resume=False, overwrite=overwrite)
    device = torch.device(device) if device is not None else get_device()
    model, history = train_colornet(
        model_name,
        data=data,
        steps=steps,
        crop=patch_size,
        batch_size=batch_size,
        learning_rate=learning_rate,
        rebalance=rebalance,
        model_kwargs=model_kwargs,
        seed=seed,
        device=device,
        progress=progress,
    )
    if out is not None:
        recipe = replace(
            MODELS[model_name].recipe,
            patch_size=patch_size,
            batch_size=batch_size,
            learning_rate=learning_rate,
            steps=steps,
        )
        write_record(
            model,
            out,
            model_name=model_name,
            kwargs=dict(model_kwargs or {}),
            scales=[],
            recipe=recipe,
            history=history,
            device=device,
            data=str(data) if data is not None else None,
            command=command or "(called from Python: sisrlearn.runs.train_color_model)",
            extra={"rebalance": rebalance},
        )
    return model, history
