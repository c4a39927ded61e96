"""What a training run leaves behind: ``OUT.pt`` (the weights) and ``OUT.json`` beside it (the
record: model, arguments, sha256, the command, steps, time, hardware, thinned history), in the
format of an entry of the zoo index (``sisrlearn/weights/index.json``)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from ..files import atomic_write_text, check_writable
from ..runtime import cpu_model
from ..train import History, save_weights
from ..zoo import zoo_entries

__all__ = [
    "check_paths",
    "hardware",
    "lineage",
    "resolve_init",
    "thin_history",
    "write_json",
    "write_record",
]


def check_paths(out, *, resume: bool, overwrite: bool) -> tuple[Path | None, Path | None]:
    """(``OUT.pt``, ``OUT.ckpt``) of a run, or (None, None) without ``out``: refuses to replace
    an earlier run's files unless ``overwrite``, to resume without a checkpoint, and any of
    ``OUT.pt``, ``OUT.json``, ``OUT.ckpt`` that could not be written (checked now, before the
    training, by ``sisrlearn.files.check_writable``; missing folders will be created)."""
    if out is None:
        if resume:
            raise ValueError("resume needs out= (the checkpoint lives beside it)")
        return None, None
    out = Path(out)
    if out.suffix != ".pt":
        raise ValueError(f"out must end in .pt, got {str(out)!r}")
    ckpt = out.with_suffix(".ckpt")
    if resume and not ckpt.is_file():
        raise ValueError(f"resume needs a checkpoint {ckpt} (written while training with out=)")
    if not resume and not overwrite:
        for path in (out, out.with_suffix(".json")):
            if path.exists():
                raise FileExistsError(
                    f"{path} exists; pass overwrite=True (--overwrite) to replace it "
                    "or resume=True (--resume) to continue"
                )
    for path in (out, out.with_suffix(".json"), ckpt):
        check_writable(path, overwrite=True, make_parents=True)
    return out, ckpt


def thin_history(history: History, points: int = 100) -> dict:
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


def hardware(device: torch.device, *, cpu_bf16: bool = False) -> str:
    """What a record or a table says about the hardware: ``cpu (MODEL), N threads`` or
    ``cuda (GPU name)``."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type != "cpu":
        return str(device)
    threads = torch.get_num_threads()
    text = f"cpu ({cpu_model()}), {threads} thread{'s' if threads != 1 else ''}"
    return text + (", bfloat16 autocast" if cpu_bf16 else "")


def write_record(
    model: nn.Module,
    out: Path,
    *,
    model_name: str,
    kwargs: dict,
    scales: Sequence[int],
    recipe,
    history: History,
    device: torch.device,
    command: str,
    data: str | None = None,
    half: bool = False,
    cpu_bf16: bool = False,
    world: int = 1,
    extra: dict | None = None,
) -> None:
    """Write ``OUT.pt`` (the state_dict, checked finite) and ``OUT.json``, a record in the
    format of a zoo index entry: the recipe as trained, the history thinned to 100 points,
    plus ``extra``. Both files are replaced atomically."""
    # both files are written beside their targets first, then renamed: a failure in either
    # leaves the old pair whole
    staged = out.with_name(out.name + ".new")
    sha = save_weights(model, staged, overwrite=True, half=half)
    record = {
        "kind": "model",
        "model": model_name,
        "kwargs": kwargs,
        "scales": list(scales),
        "weights": out.name,
        "sha256": sha,
        "dtype": "float16" if half else "float32",
        "command": command,
        "data": data or "bundled sample images",
        "steps": history.step[-1] if history.step else 0,
        "seconds": round(history.seconds, 1),
        "hardware": hardware(device, cpu_bf16=cpu_bf16),
        "processes": world,
        "torch": torch.__version__,
        "recipe": asdict(recipe),
        **(extra or {}),
        "history": thin_history(history),
    }
    try:
        write_json(out.with_suffix(".json.new"), record)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    os.replace(staged, out)
    os.replace(out.with_suffix(".json.new"), out.with_suffix(".json"))


def write_json(path: Path, obj: object) -> None:
    """``obj`` as indented JSON at ``path``, replaced atomically (a failed write leaves the old
    file whole; ``sisrlearn.files.atomic_write_text``)."""
    atomic_write_text(path, json.dumps(obj, indent=1) + "\n", overwrite=True)


def resolve_init(init: str | Path) -> tuple[Path, dict, str]:
    """(weights file, its record, a label) for a shipped model name or a ``FILE.pt`` that
    ``sisrlearn train`` wrote (with its ``FILE.json`` record beside it)."""
    entries = {k: e for k, e in zoo_entries().items() if e.kind == "model"}
    if str(init) in entries:
        entry = entries[str(init)]
        return entry.weights, entry.record, entry.name
    path = Path(init)
    meta = path.with_suffix(".json")
    if path.suffix != ".pt" or not path.is_file() or not meta.is_file():
        raise ValueError(
            f"init must be a shipped model ({', '.join(sorted(entries))}) or a FILE.pt written "
            f"by `sisrlearn train` with FILE.json beside it, got {str(init)!r}"
        )
    try:
        record = json.loads(meta.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{meta} is not a readable record: {err}") from err
    if not isinstance(record, dict) or "model" not in record or "sha256" not in record:
        raise ValueError(f"{meta} is not a training record (no model or sha256 field)")
    return path, record, str(path)


def lineage(record: dict, label: str | Path) -> dict:
    """What a record keeps of the run it started from: name, sha256, steps, command, last
    validation scores, and that run's own lineage."""
    metrics = record.get("history", {}).get("metrics", {})
    return {
        "from": str(label),
        "sha256": record.get("sha256"),
        "steps": record.get("steps"),
        "command": record.get("command"),
        "metrics": {k: v[-1] for k, v in metrics.items() if v},
        **({"init": record["init"]} if "init" in record else {}),
    }
