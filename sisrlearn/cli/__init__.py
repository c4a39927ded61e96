"""The ``sisrlearn`` command: one sub-command per module of this package.

Every sub-command is a thin wrapper over a library function. A mistake the user can fix (a
bad argument, a missing or unreadable file, an unwritable output, a refused resume) is printed
as one line, ``sisrlearn: error: ...``, with exit status 2; a run that fails (a diverged
training) exits with 1; Ctrl-C exits with 130, also while the sub-commands are being loaded.
Anything else is a bug and shows its traceback; ``--debug`` shows the traceback of every error.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

# The sub-command modules, in the order of ``sisrlearn --help``; imported by ``build_parser``,
# inside the error boundary (they load torch and the models: seconds, where Ctrl-C may land).
SUBCOMMANDS = (
    "bench",
    "upscale",
    "train",
    "srgan",
    "dictionary",
    "colorize",
    "speed",
    "data",
    "exercises",
    "doctor",
)

# What the library raises about a user's files (with a message naming the file).
FILE_ERRORS = (
    FileExistsError,
    FileNotFoundError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)

# OSError numbers that are the user's environment, not a bug: reported in one line.
USER_ERRNOS = {
    errno.ENOSPC,
    errno.EFBIG,
    errno.ENAMETOOLONG,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.ENOENT,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.EEXIST,
    errno.EDQUOT,
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sisrlearn")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The ``sisrlearn`` parser: every sub-command, ``--version`` and ``--debug``."""
    parser = argparse.ArgumentParser(
        prog="sisrlearn",
        description="Single-image super-resolution, from a hand-made convnet to GANs and "
        "priors: benchmarks, training, upscaling and the course's tools.",
    )
    parser.add_argument("--version", action="version", version=f"sisrlearn {_version()}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of any error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f".{name}", __name__).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sisrlearn ARGV``; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # until the parser has read it
    try:
        args = build_parser().parse_args(argv)
        debug = args.debug
        args.argv = [a for a in argv if a != "--debug"]
        return args.func(args)
    except BrokenPipeError:  # the reader went away (`sisrlearn data list | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        if debug:
            raise
        print("\nsisrlearn: error: interrupted (Ctrl-C)", file=sys.stderr)
        return 130
    except Exception as err:
        if debug or not _expected(err):
            raise
        print(f"sisrlearn: error: {_message(err)}", file=sys.stderr)
        return 1 if isinstance(err, FloatingPointError) else 2


def _expected(err: Exception) -> bool:
    """Errors that come from the user's input or environment, not from a bug."""
    from ..datasets import DataFetchError
    from .common import UsageError

    expected = (UsageError, ValueError, FloatingPointError, MemoryError, DataFetchError)
    if isinstance(err, (*expected, *FILE_ERRORS)) or _out_of_memory(err):
        return True
    return isinstance(err, OSError) and (err.errno in USER_ERRNOS or err.filename is not None)


def _out_of_memory(err: Exception) -> bool:
    """torch's allocators raise a RuntimeError (CUDA: its subclass OutOfMemoryError)."""
    text = str(err)
    return isinstance(err, RuntimeError) and (
        type(err).__name__ == "OutOfMemoryError" or "can't allocate memory" in text
    )


def _message(err: Exception) -> str:
    if isinstance(err, MemoryError) and str(err):  # our own estimate, which says what to do
        return str(err).splitlines()[0]
    if isinstance(err, MemoryError) or _out_of_memory(err):
        return "out of memory; use a smaller image, --tile, or a smaller batch"
    if isinstance(err, OSError) and err.strerror:
        name = f"{err.filename}: " if err.filename else ""
        # atomic writes add a note naming the file they left unchanged
        return "; ".join([f"{name}{err.strerror}", *getattr(err, "__notes__", [])])
    return str(err).splitlines()[0] if str(err) else type(err).__name__
