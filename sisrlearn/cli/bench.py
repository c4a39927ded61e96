"""``sisrlearn bench``: score SR methods on datasets under a published protocol."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..bench import MARKERS, benchmark, markdown_table, write_markdown
from ..datasets import resolve_dataset
from ..files import atomic_write_text
from ..images import list_images
from ..methods import get_method, method_names
from .common import UsageError, check_markdown_file, check_output_file, positive_int


def add_parser(sub) -> None:
    p = sub.add_parser(
        "bench",
        help="score SR methods on datasets (Y-channel PSNR/SSIM)",
        description="Score SR methods on datasets under the protocol of the "
        "published tables; prints a Markdown table.",
    )
    p.add_argument(
        "--data",
        nargs="+",
        metavar="NAME|DIR",
        help="dataset names (set5, set14, a fetched one) or folders of HR images "
        "(default: set5 set14)",
    )
    p.add_argument(
        "--method",
        "--methods",
        dest="methods",
        nargs="+",
        default=["bicubic"],
        metavar="NAME",
        help="methods: bicubic, nearest, bilinear, lanczos, a shipped model "
        "(srcnn_x3), scsr or dip (default: %(default)s)",
    )
    p.add_argument(
        "--scale",
        "--scales",
        dest="scales",
        nargs="+",
        type=positive_int,
        default=[2, 3, 4],
        metavar="S",
        help="SR factors (default: 2 3 4)",
    )
    p.add_argument(
        "--protocol",
        choices=["matlab", "rgb"],
        default="matlab",
        help="matlab (SRCNN/VDSR tables) or rgb (EDSR/BasicSR) (default: %(default)s)",
    )
    p.add_argument(
        "--steps",
        type=positive_int,
        metavar="N",
        help="iterations per image of the dip method (default: the paper's 2000)",
    )
    p.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")
    p.add_argument(
        "--markdown",
        metavar="FILE",
        help="put the table between the '<!-- sisrlearn bench: start/end -->' lines "
        "of FILE (e.g. docs/benchmarks.md), keeping the rest",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing --json FILE")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # every output and name is checked before the (possibly long) benchmark starts
    if args.markdown:
        check_markdown_file(args.markdown, MARKERS, flag="--markdown")
    if args.json:
        json_file = check_output_file(args.json, flag="--json", overwrite=args.overwrite)
        if args.markdown and json_file.resolve() == Path(args.markdown).resolve():
            raise UsageError(f"--json and --markdown name the same file {json_file}")
    bad = [s for s in args.scales if s < 2]
    if bad:
        raise UsageError(f"--scale must be 2 or more (x1 is no super-resolution), got {bad[0]}")
    if args.steps is not None and "dip" not in args.methods:
        raise ValueError("--steps sets the iterations of the dip method; add dip to --method")
    valid = method_names()
    for name in args.methods:
        if name not in valid:
            raise ValueError(f"--method must be one of {', '.join(valid)}, got {name!r}")
        get_method(name, steps=args.steps if name == "dip" else None)
    for dataset in args.data or ():
        _, skipped = list_images(resolve_dataset(dataset))
        for path in skipped:
            print(f"note: skipping {path} (not an image file)", file=sys.stderr)
    rows = benchmark(
        args.data,
        args.methods,
        args.scales,
        protocol=args.protocol,
        dip_steps=args.steps,
        progress=not args.quiet,
    )
    table = markdown_table(rows)
    print(table)
    if args.markdown:
        print(f"wrote the table into {write_markdown(table, args.markdown)}", file=sys.stderr)
    if args.json:  # written whole or not at all (the old file stays until then)
        text = json.dumps(rows, indent=2) + "\n"
        path = atomic_write_text(args.json, text, overwrite=args.overwrite)
        print(f"wrote {path}", file=sys.stderr)
    return 0
