"""``sisrlearn exercises``: generate the student notebooks from the solution notebooks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exercises import build_all
from .common import UsageError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "exercises",
        help="generate student notebooks from solution notebooks",
        description="Turn every solution notebook into its student version with nbgrader's "
        "generate_assignment preprocessors (answers replaced by a bare NotImplementedError "
        "stub, model answers by 'YOUR ANSWER HERE'; the checkers give the hints).",
    )
    p.add_argument(
        "--solutions",
        default="exercises/solutions",
        metavar="DIR",
        help="the solution notebooks (default: %(default)s)",
    )
    p.add_argument(
        "--out",
        default="exercises",
        metavar="DIR",
        help="where the student notebooks go (default: %(default)s)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="only report student notebooks that are out of date (exit 1 if any)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace existing student notebooks (a student's edits are lost)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    solutions, out = Path(args.solutions), Path(args.out)
    if not solutions.is_dir():
        raise UsageError(f"--solutions must be a folder of notebooks, got {solutions}")
    if out.exists() and out.resolve() == solutions.resolve():
        raise UsageError(f"--out {out} is the --solutions folder: the answers would be lost")
    changed = build_all(solutions, out, check=args.check, overwrite=args.overwrite)
    if args.check:
        if changed:
            print("out of date: " + ", ".join(str(p) for p in changed), file=sys.stderr)
            print("run `sisrlearn exercises --overwrite` to regenerate them", file=sys.stderr)
            return 1
        print("student notebooks are up to date")
        return 0
    for path in changed:
        print(f"wrote {path}")
    return 0
