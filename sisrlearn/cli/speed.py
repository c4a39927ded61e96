"""``sisrlearn speed``: parameters, milliseconds per image and PSNR of every SR model."""

from __future__ import annotations

import argparse
import sys

import torch

from ..bench import write_markdown
from ..models import models_of_kind
from ..runs.records import hardware
from ..runtime import get_device
from ..speed import SPEED_MARKERS, markdown_table, speed_size
from .common import check_markdown_file, positive_int


def add_parser(sub) -> None:
    p = sub.add_parser(
        "speed",
        help="parameters, ms per image and PSNR of every SR model",
        description="Time every SR architecture (its shipped weights, or the "
        "paper's configuration untrained) and score the shipped ones.",
    )
    p.add_argument(
        "--data",
        metavar="NAME|DIR",
        help="HR images to time and score on (e.g. set5; default: a bundled crop)",
    )
    p.add_argument(
        "--model",
        "--models",
        dest="models",
        nargs="+",
        metavar="NAME",
        choices=models_of_kind("sr"),
        help="SR architectures (default: all: " + ", ".join(models_of_kind("sr")) + ")",
    )
    p.add_argument(
        "--scale",
        type=positive_int,
        default=3,
        help="scale of the architectures with no shipped weights (default: %(default)s)",
    )
    p.add_argument(
        "--side",
        type=positive_int,
        default=255,
        help="side of the bundled crop when --data is not given (default: %(default)s)",
    )
    p.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="timed runs per image; the median counts (default: %(default)s)",
    )
    p.add_argument(
        "--markdown",
        metavar="FILE",
        help="put the table between the '<!-- sisrlearn speed: start/end -->' lines "
        "of FILE (e.g. docs/benchmarks.md), keeping the rest",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.markdown:  # checked before the (long) timings start
        check_markdown_file(args.markdown, SPEED_MARKERS, flag="--markdown")
    rows = speed_size(
        args.models, images=args.data, side=args.side, scale=args.scale, repeats=args.repeats
    )
    table = markdown_table(rows)
    print(table)
    if args.markdown:
        path = write_markdown(table, args.markdown, SPEED_MARKERS)
        print(f"wrote the table into {path}", file=sys.stderr)
    print(f"hardware: {hardware(torch.device(get_device()))}", file=sys.stderr)
    return 0
