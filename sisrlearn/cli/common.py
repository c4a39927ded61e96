"""What the sub-commands share: argument types, the options of a training run, the output
checks done before any long work, and ``UsageError`` (a mistake reported in one line)."""

from __future__ import annotations

import argparse
import errno
import json
import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from ..bench import check_markers
from ..files import check_writable

__all__ = [
    "UsageError",
    "add_run_options",
    "check_markdown_file",
    "check_output_file",
    "learning_rate",
    "model_kwargs",
    "non_negative_int",
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


def non_negative_int(text: str) -> int:
    """argparse type: an int >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
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


def learning_rate(text: str) -> float:
    """argparse type: a learning rate, a number in (0, 10] (more is a typo: it diverges)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 10], got {text!r}") from None
    if not 0 < value <= 10:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 10], got {text!r}")
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
    """Check, before any work, that ``path`` can be written; return it.

    The checks of :func:`sisrlearn.files.check_writable` (a writable folder, or with
    ``create_folder`` one that can be made; not a folder itself; not a dangling symlink), plus
    the right suffix, a file name short enough for the temporary file written beside it, not
    one of the ``inputs`` and not an existing file, unless ``overwrite``. Every refusal is a
    ``UsageError`` that names ``flag`` and the file.
    """
    path = Path(path)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise UsageError(f"{flag} must end in one of {', '.join(sorted(suffixes))}, got {path}")
    try:
        target = check_writable(path, overwrite=True, make_parents=create_folder)
    except OSError as err:
        if err.errno == errno.ENAMETOOLONG:
            raise UsageError(f"{flag} {path}: a file name is too long") from None
        raise UsageError(f"{flag} {path}: {err}") from None
    except ValueError as err:
        raise UsageError(f"{flag} {path}: {err}") from None
    longest = _name_max(target.parent) - TEMP_NAME_EXTRA
    if len(target.name.encode()) > longest:
        raise UsageError(
            f"{flag} {path}: the file name is too long ({len(target.name.encode())} bytes; "
            f"at most {longest} here)"
        )
    if target.exists() and not overwrite:
        same = any(Path(p).exists() and target.samefile(p) for p in inputs)
        what = "is the input file" if same else "exists"
        raise UsageError(f"{flag} {path} {what}; pass --overwrite to replace it")
    return path


# What the temporary file beside the target adds to its name: ".NAME.XXXXXXXX.tmp".
TEMP_NAME_EXTRA = 14


def _name_max(folder: Path) -> int:
    """The longest file name the file system of ``folder`` (or the nearest existing folder
    above it) accepts, in bytes."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_markdown_file(path: str | Path, markers: tuple[str, str], *, flag: str) -> Path:
    """Check, before any work, that a Markdown table can be put into ``path``: writable, and
    if it exists, readable UTF-8 text with the two ``markers`` lines."""
    path = check_output_file(path, flag=flag, overwrite=True)
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{flag} {path} is not a UTF-8 text file") from None
        try:
            check_markers(text, path, markers)
        except ValueError as err:
            raise UsageError(f"{flag} {err}") from None
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
    if args.out is not None:  # the weights, the record and the checkpoint beside them
        out = check_output_file(
            args.out, flag="--out", overwrite=True, suffixes=[".pt"], create_folder=True
        )
        for suffix in (".json", ".ckpt"):
            check_output_file(
                out.with_suffix(suffix), flag="--out", overwrite=True, create_folder=True
            )
        if args.resume and not out.with_suffix(".ckpt").is_file():
            raise UsageError(
                f"--resume: there is no checkpoint {out.with_suffix('.ckpt')} (it is written "
                f"while training with --out {out})"
            )
    elif args.resume:
        raise UsageError("--resume needs --out FILE.pt (the checkpoint FILE.ckpt is beside it)")
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


def image_output(args: argparse.Namespace, usage: str) -> Path:
    """The checked output image of a command that takes ``IN [OUT]`` or ``IN --out OUT``."""
    from ..images import IMAGE_SUFFIXES

    if args.output and args.out and args.output != args.out:
        raise UsageError(f"give OUT once: got {args.output} and --out {args.out}")
    target = args.output or args.out
    if not target:
        raise UsageError(f"give the output file: {usage}")
    return check_output_file(
        target, flag="OUT", overwrite=args.overwrite, suffixes=IMAGE_SUFFIXES, inputs=[args.input]
    )
