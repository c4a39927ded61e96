"""``sisrlearn dictionary``: learn an ScSR coupled dictionary and write it with its record."""

from __future__ import annotations

import time
from pathlib import Path

import torch

from ..sparse import learn_coupled_dictionary, save_dictionary
from .recipe import training_images
from .records import hardware

__all__ = ["learn_dictionary"]


def learn_dictionary(
    data: str | Path | None,
    scale: int,
    *,
    out: str | Path,
    num_atoms: int = 512,
    num_patches: int = 20_000,
    epochs: int = 1,
    lam: float = 0.15,
    overwrite: bool = False,
    command: str | None = None,
) -> Path:
    """Learn a coupled dictionary (Yang et al., TIP 2010) on ``data`` (a dataset name or a
    folder) and write ``OUT.pt`` with its record ``OUT.json``; return ``OUT.pt``."""
    out = Path(out)
    if out.suffix != ".pt":
        raise ValueError(f"out must end in .pt, got {str(out)!r}")
    if not overwrite and (out.exists() or out.with_suffix(".json").exists()):
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    images = training_images(data)
    started = time.perf_counter()
    dictionary = learn_coupled_dictionary(
        images, scale, num_atoms=num_atoms, num_patches=num_patches, lam=lam, epochs=epochs
    )
    record = {
        "kind": "dictionary",
        "command": command or "(called from Python: sisrlearn.runs.learn_dictionary)",
        "data": str(data),
        "seconds": round(time.perf_counter() - started, 1),
        "hardware": hardware(torch.device("cpu")),
        "torch": torch.__version__,
    }
    save_dictionary(dictionary, out, overwrite=overwrite, record=record)
    return out
