"""``sisrlearn dictionary``: learn an ScSR coupled dictionary (Yang et al. 2010)."""

from __future__ import annotations

import argparse

from ..runs import learn_dictionary
from .common import check_output_file, command_line, positive_float, positive_int


def add_parser(sub) -> None:
    p = sub.add_parser(
        "dictionary",
        help="learn an ScSR coupled dictionary",
        description="Learn a coupled LR/HR dictionary for sparse-coding SR "
        "(Yang et al., TIP 2010) and write it with its record.",
    )
    p.add_argument("--scale", type=positive_int, required=True, help="SR factor, e.g. 3")
    p.add_argument(
        "--data",
        default="t91",
        metavar="NAME|DIR",
        help="HR training images: a dataset name or a folder (default: %(default)s)",
    )
    p.add_argument(
        "--out", required=True, metavar="FILE.pt", help="the dictionary; FILE.json gets the record"
    )
    p.add_argument(
        "--atoms", type=positive_int, default=512, help="dictionary atoms (default: %(default)s)"
    )
    p.add_argument(
        "--patches",
        type=positive_int,
        default=20_000,
        help="training patch pairs (default: %(default)s)",
    )
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=1,
        help="passes of dictionary learning (default: %(default)s)",
    )
    p.add_argument(
        "--lam",
        type=positive_float,
        default=0.15,
        help="sparsity weight lambda (default: %(default)s)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace FILE.pt and FILE.json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = check_output_file(args.out, flag="--out", overwrite=args.overwrite, suffixes=[".pt"])
    check_output_file(out.with_suffix(".json"), flag="--out", overwrite=args.overwrite)
    out = learn_dictionary(
        args.data,
        args.scale,
        out=args.out,
        num_atoms=args.atoms,
        num_patches=args.patches,
        epochs=args.epochs,
        lam=args.lam,
        overwrite=args.overwrite,
        command=command_line(args.argv),
    )
    print(f"wrote {out} and {out.with_suffix('.json')}")
    return 0
