"""The model zoo: the weights that ship with sisrlearn, listed in ``weights/index.json``.

Every entry names a file in ``sisrlearn/weights/`` and its sha256, and records how it was
made: the network (a name of :data:`sisrlearn.models.MODELS` and its constructor arguments)
or, for ``kind: "dictionary"``, an ScSR coupled dictionary; the scales; the training command
(datasets by name: ``t91``, ``set5``); steps, seconds and the hardware; the recipe as trained;
the loss and validation history (at most 100 points); and the Set5/Set14 PSNR measured by
``sisrlearn bench``.

``load_pretrained(NAME)`` checks the sha256 and loads with ``weights_only=True``.
Names are ``MODEL_xS`` (``srcnn_x3``) for single-scale models, ``MODEL`` for multi-scale ones
(``vdsr``) and ``scsr_dict_xS`` for dictionaries.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from .files import atomic_write_text
from .models import MODELS, build_model, format_changed_arguments
from .train import load_weights, sha256_of

__all__ = [
    "INDEX",
    "WEIGHTS_DIR",
    "ZooEntry",
    "ZooError",
    "add_entry",
    "write_entry",
    "describe",
    "load_pretrained",
    "read_index",
    "verify_all",
    "zoo_entries",
]

WEIGHTS_DIR = Path(__file__).parent / "weights"
INDEX = WEIGHTS_DIR / "index.json"
ENTRY_KINDS = ("model", "dictionary")
REQUIRED = ("kind", "weights", "sha256", "scales")


class ZooError(ValueError):
    """A zoo index entry that cannot be used (missing field, bad file name, unknown model)."""


@dataclass(frozen=True)
class ZooEntry:
    """One shipped file, read from ``weights/index.json``."""

    name: str
    kind: str  # "model" or "dictionary"
    model: str | None  # registry name of the network (None for a dictionary)
    kwargs: dict
    scales: tuple[int, ...]
    weights: Path
    sha256: str
    record: dict  # the whole entry (command, steps, seconds, hardware, history, psnr)

    @property
    def scale(self) -> int | None:
        """The one scale of a single-scale entry, else None."""
        return self.scales[0] if len(self.scales) == 1 else None


def read_index(path: str | Path = INDEX) -> tuple[dict[str, ZooEntry], dict[str, str]]:
    """(usable entries by name, problems by name) of a zoo index file.

    An entry with a missing field, a weights path that leaves the weights folder or an unknown
    model is reported in ``problems`` rather than raised, so ``sisrlearn doctor`` can list it.
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return {}, {}
    except (OSError, json.JSONDecodeError) as err:
        raise ZooError(f"zoo index {path.name} is not readable JSON: {err}") from err
    entries, problems = {}, {}
    for name, record in (raw.get("entries") or {}).items():
        try:
            entries[name] = _entry(name, record, path.parent)
        except ZooError as err:
            problems[name] = str(err)
    return entries, problems


def _entry(name: str, record: object, folder: Path) -> ZooEntry:
    if not isinstance(record, dict):
        raise ZooError(f"entry {name!r} must be a JSON object")
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise ZooError(f"entry {name!r} lacks {', '.join(missing)}")
    if record["kind"] not in ENTRY_KINDS:
        raise ZooError(f"entry {name!r} has kind {record['kind']!r}, expected {ENTRY_KINDS}")
    weights = str(record["weights"])
    if Path(weights).name != weights or weights in ("", ".", ".."):
        raise ZooError(
            f"entry {name!r}: weights must be a file name in the weights folder, got {weights!r}"
        )
    model = record.get("model")
    if record["kind"] == "model" and model not in MODELS:
        raise ZooError(f"entry {name!r} names an unknown model {model!r}")
    scales = record["scales"]
    if not isinstance(scales, list) or not all(isinstance(s, int) and s >= 1 for s in scales):
        raise ZooError(f"entry {name!r}: scales must be a list of positive ints, got {scales!r}")
    return ZooEntry(
        name=name,
        kind=record["kind"],
        model=model,
        kwargs=dict(record.get("kwargs") or {}),
        scales=tuple(scales),
        weights=folder / weights,
        sha256=str(record["sha256"]),
        record=record,
    )


def _shipped() -> tuple[dict[str, ZooEntry], dict[str, str]]:
    try:
        stamp = INDEX.stat().st_mtime_ns
    except OSError:
        stamp = None
    return _read_cached(INDEX, stamp)


@functools.lru_cache(maxsize=4)
def _read_cached(path: Path, stamp: int | None) -> tuple[dict[str, ZooEntry], dict[str, str]]:
    return read_index(path)


def add_entry(name: str, record_file: str | Path, *, index: str | Path | None = None) -> Path:
    """Add (or replace) entry ``name`` in a zoo index from the ``FILE.json`` record that
    ``sisrlearn train``/``srgan``/``dictionary`` wrote beside ``FILE.pt``. The weights must
    already sit in the index's folder under the record's file name."""
    return write_entry(name, json.loads(Path(record_file).read_text()), index=index)


def write_entry(name: str, record: dict, *, index: str | Path | None = None) -> Path:
    """Add or replace entry ``name`` of a zoo index (default: the shipped one) with ``record``;
    the index file is replaced atomically."""
    index = Path(index) if index is not None else INDEX
    raw = json.loads(index.read_text()) if index.exists() else {"entries": {}}
    _entry(name, record, index.parent)  # refuse a record the zoo could not use
    raw["entries"][name] = record
    raw["entries"] = dict(sorted(raw["entries"].items()))
    atomic_write_text(index, json.dumps(raw, indent=1) + "\n", overwrite=True)
    return index


def zoo_entries() -> dict[str, ZooEntry]:
    """Every usable shipped entry, by name."""
    return dict(_shipped()[0])


def load_pretrained(name: str, *, device: torch.device | str | None = None) -> nn.Module:
    """The shipped network ``name`` in eval mode, sha256-checked (``weights_only=True``).

    Raises ``ValueError`` for an unknown name, a dictionary entry, a missing file or a sha256
    mismatch.
    """
    entries = {k: e for k, e in zoo_entries().items() if e.kind == "model"}
    if name not in entries:
        shipped = ", ".join(sorted(entries)) or "none"
        raise ValueError(f"name must be a shipped model ({shipped}), got {name!r}")
    entry = entries[name]
    if not entry.weights.is_file():
        raise ValueError(
            f"weights file {entry.weights.name} for {name!r} is missing; reinstall sisrlearn "
            f"or run: {entry.record.get('command', 'sisrlearn train')}"
        )
    model = build_model(entry.model, **entry.kwargs)
    load_weights(model, entry.weights, sha256=entry.sha256)
    return model.to(device or "cpu").eval()


def describe(name: str) -> str:
    """One line about a shipped entry for a reader: what it is, the data it learned from,
    the steps and time, and its Set5 PSNR (e.g. ``srcnn_x3: srcnn trained on t91, 24,000
    steps in 45 min; Set5 x3 32.55 dB``)."""
    entries = zoo_entries()
    if name not in entries:
        raise ValueError(
            f"name must be a shipped entry ({', '.join(sorted(entries))}), got {name!r}"
        )
    record = entries[name].record
    what = record.get("model") or "ScSR dictionary"
    if record.get("model") in MODELS:  # name a configuration other than the paper's
        changed = format_changed_arguments(record["model"], record.get("kwargs", {}))
        what += f" ({changed})" if changed else ""
    steps = f"{record['steps']:,} steps" if record.get("steps") else "learned"
    minutes = record.get("seconds", 0) / 60
    took = f"{minutes:.0f} min" if minutes >= 1 else f"{record.get('seconds', 0):.0f} s"
    text = f"{name}: {what} trained on {record.get('data', 'unknown data')}, {steps} in {took}"
    adversarial, init = record.get("adversarial"), record.get("init")
    if isinstance(adversarial, dict) and isinstance(init, dict):
        text = (
            f"{name}: {what} fine-tuned as SRGAN from {init.get('generator', 'a generator')} "
            f"on {record.get('data', 'unknown data')} ({adversarial.get('content', '?')} "
            f"content, adversarial weight {adversarial.get('weight', '?')}), {steps} in {took}"
        )
    scores = [
        f"Set5 x{scale} {value:.2f} dB"
        for scale, value in sorted((record.get("psnr") or {}).get("Set5", {}).items())
    ]
    return text + (f"; {', '.join(scores)}" if scores else "")


def verify_all() -> dict[str, str]:
    """Check every shipped file: name -> ``"ok"`` or what is wrong (missing file, sha256
    mismatch, or a broken index entry)."""
    entries, problems = _shipped()
    results = dict.fromkeys(entries, "ok") | problems
    for name, entry in entries.items():
        if not entry.weights.is_file():
            results[name] = f"missing file {entry.weights.name}"
        elif sha256_of(entry.weights) != entry.sha256:
            results[name] = "sha256 mismatch"
    return dict(sorted(results.items()))
