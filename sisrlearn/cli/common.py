"""What the sub-commands share: argument types, the options of a training run, the output
checks done before any long work, and ``UsageError`` (a mistake reported in one line)."""

from __future__ import annotations

import argparse
import json
import os
import shlex
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "UsageError",
    "add_run_options",
    "check_output_file",
    "model_kwargs",
    "positive_float",
    "positive_int",
    "run_options",
]


class UsageError(Exception):
    """A mistake in the command line or its files, reported without a traceback."""


def positive_int(text: str) -> int:
    """argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def check_output_file(
    path: str | Path,
    *,
    flag: str,
    overwrite: bool,
    suffixes: Sequence[str] | None = None,
    inputs: Sequence[str | Path] = (),
    create_folder: bool = False,
) -> Path:
    """Check, before any work, that ``path`` can be written: the right suffix, a writable
    folder (``create_folder``: one that can be made), not a folder itself, not one of the
    ``inputs`` unless ``overwrite``, and not an existing file unless ``overwrite``."""
    path = Path(path)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise UsageError(f"{flag} must end in one of {', '.join(sorted(suffixes))}, got {path}")
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a folder; give a file name")
    if path.is_symlink() and not path.exists():
        raise UsageError(f"{flag} {path} is a dangling symbolic link; remove it or pick a name")
    folder = path.parent if str(path.parent) else Path(".")
    if create_folder:  # the nearest existing folder above must be writable
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise UsageError(f"{flag} {path}: {folder} {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: folder {folder} is not writable")
    if len(path.name.encode()) > 255 - 8:  # room for the temporary name beside it
        raise UsageError(f"{flag} {path}: the file name is too long")
    if path.exists() and not overwrite:
        raise UsageError(f"{flag} {path} exists; pass --overwrite to replace it")
    same = [p for p in inputs if path.exists() and Path(p).exists() and path.samefile(p)]
    if same and not overwrite:
        raise UsageError(f"{flag} {path} is the input file; pass --overwrite to replace it")
    return path


def add_run_options(p: argparse.ArgumentParser, *, every: int) -> None:
    """What every resumable training command takes: data, output, validation, checkpoints."""
    p.add_argument(
        "--data",
        metavar="NAME|DIR",
        default=None,
        help="HR training images: a dataset name (t91) or a folder (default: the "
        "bundled sample images)",
    )
    p.add_argument(
        "--out",
        metavar="FILE.pt",
        help="the weights; FILE.json gets the record (default: train without saving)",
    )
    p.add_argument(
        "--val",
        metavar="NAME|DIR",
        help="HR images scored every --eval-every steps (e.g. set5; default: none)",
    )
    p.add_argument(
        "--eval-every",
        type=positive_int,
        default=every,
        metavar="N",
        help="steps between validation scores (default: %(default)s)",
    )
    p.add_argument(
        "--checkpoint-every",
        type=positive_int,
        default=every,
        metavar="N",
        help="steps between checkpoints FILE.ckpt (default: %(default)s)",
    )
    p.add_argument(
        "--no-augment",
        action="store_true",
        help="no flips/rotations of the training crops (default: augment)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run checkpointed in FILE.ckpt (same settings)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace FILE.pt and FILE.json")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--bf16",
        action="store_true",
        help="CPU: train under bfloat16 autocast, about 3x faster on CPUs with AMX "
        "(sisrlearn doctor says; slower elsewhere); CUDA always uses it",
    )


def run_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of a resumable training run (``add_run_options``' flags)."""
    if args.out is not None:
        check_output_file(
            args.out, flag="--out", overwrite=True, suffixes=[".pt"], create_folder=True
        )
    return dict(
        data=args.data,
        out=args.out,
        val=args.val,
        eval_every=args.eval_every,
        checkpoint_every=args.checkpoint_every,
        augment=not args.no_augment,
        resume=args.resume,
        overwrite=args.overwrite,
        seed=args.seed,
        bf16=args.bf16,
        progress=not args.quiet,
        command=command_line(args.argv),
    )


def command_line(argv: Sequence[str]) -> str:
    """The ``sisrlearn`` command line ``argv`` as a shell line (for the JSON record)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    prefix = f"torchrun --nproc_per_node={world} -m sisrlearn" if world > 1 else "sisrlearn"
    return f"{prefix} {shlex.join(argv)}"


def model_kwargs(items: Sequence[str] | None) -> dict:
    """``--model-arg KEY=VALUE`` items as constructor arguments (VALUE read as JSON if it is)."""
    kwargs = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--model-arg expects KEY=VALUE, got {item!r}")
        try:
            kwargs[key] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key] = value
    return kwargs
