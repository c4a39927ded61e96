"""One checkpoint format for every resumable run (``sisrlearn train``, ``sisrlearn srgan``).

A checkpoint ``OUT.ckpt`` holds the run's kind (``"train"`` or ``"srgan"``), its settings (what
must not change across a resume: model, scale, batch size, learning rate, ...), the state of
every network and optimiser, and the histories as JSON text. ``load_checkpoint`` refuses a
checkpoint of another kind of run or one whose settings differ, naming each difference, so a
resumed run never mixes two recipes under one record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from ..files import atomic_torch_save

__all__ = ["load_checkpoint", "save_checkpoint"]

FORMAT = 2


def save_checkpoint(
    path: Path,
    *,
    kind: str,
    settings: Mapping[str, object],
    modules: Mapping[str, nn.Module],
    optimizers: Mapping[str, torch.optim.Optimizer],
    histories: Mapping[str, dict],
) -> None:
    """Write a checkpoint to ``path`` atomically (``sisrlearn.files.atomic_torch_save``: the
    previous checkpoint stays whole until the new one is complete)."""
    state = {
        "format": FORMAT,
        "kind": kind,
        "settings": json.dumps(dict(settings), sort_keys=True),
        "modules": {name: module.state_dict() for name, module in modules.items()},
        "optimizers": {name: opt.state_dict() for name, opt in optimizers.items()},
        "histories": {name: json.dumps(history) for name, history in histories.items()},
    }
    atomic_torch_save(state, path, overwrite=True, make_parents=True)


def load_checkpoint(
    path: Path,
    *,
    kind: str,
    settings: Mapping[str, object],
    modules: Mapping[str, nn.Module],
    optimizers: Mapping[str, torch.optim.Optimizer],
    device: torch.device | str = "cpu",
) -> dict[str, dict]:
    """Restore ``modules`` and ``optimizers`` from ``path``; return the histories by name.

    Raises ``ValueError`` (naming the file) for an unreadable file, a checkpoint of another
    kind of run, settings that differ from ``settings`` (each difference named) or networks
    that do not fit.
    """
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises several types for bad files
        raise ValueError(
            f"checkpoint {path} is not readable (truncated, corrupt or not a checkpoint): "
            f"{type(err).__name__}"
        ) from err
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"checkpoint {path} was not written by this version of sisrlearn")
    if state["kind"] != kind:
        raise ValueError(
            f"checkpoint {path} is from a `sisrlearn {state['kind']}` run, not `sisrlearn {kind}`"
        )
    saved = _flat(json.loads(state["settings"]))
    wanted = _flat(json.loads(json.dumps(dict(settings), sort_keys=True)))
    changed = [
        f"{key}: checkpoint {saved.get(key)!r}, now {wanted.get(key)!r}"
        for key in sorted(set(saved) | set(wanted))
        if saved.get(key) != wanted.get(key)
    ]
    if changed:
        raise ValueError(
            f"--resume must continue the same run; these settings differ from {path.name}: "
            + "; ".join(changed)
        )
    try:
        for name, module in modules.items():
            module.load_state_dict(state["modules"][name])
        for name, opt in optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
    except (KeyError, RuntimeError, ValueError) as err:
        raise ValueError(f"checkpoint {path} does not fit this run's networks: {err}") from err
    return {name: json.loads(text) for name, text in state["histories"].items()}


def _flat(settings: dict, prefix: str = "") -> dict:
    """Nested settings as one level, ``{"recipe.batch_size": 16, ...}``, so that a refused
    resume names each setting that differs, not a whole group of them."""
    flat = {}
    for key, value in settings.items():
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
