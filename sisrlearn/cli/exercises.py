"""``sisrlearn exercises``: generate the student notebooks from the solution notebooks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..files import check_writable
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
    import nbformat  # here, not at the top: 2 s of imports every other command need not pay

    from ..exercises import build_all

    solutions, out = Path(args.solutions), Path(args.out)
    if not solutions.is_dir():
        raise UsageError(f"--solutions must be a folder of notebooks, got {solutions}")
    if out.exists() and out.resolve() == solutions.resolve():
        raise UsageError(f"--out {out} is the --solutions folder: the answers would be lost")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give the folder of the student notebooks")
    for source in sorted(solutions.glob("*.ipynb")):  # every notebook read before any write
        try:
            nbformat.read(str(source), as_version=4)
        except Exception as err:  # noqa: BLE001 - nbformat raises several types
            raise UsageError(f"--solutions: {source} is not a readable notebook") from err
    if not args.check:
        try:
            check_writable(out / "student.ipynb", overwrite=True, make_parents=True)
        except OSError as err:
            raise UsageError(f"--out {out}: {err}") from None
    try:
        changed = build_all(solutions, out, check=True)
        kept = [path for path in changed if path.exists()]
        if kept and not args.check and not args.overwrite:  # refused before any write
            raise UsageError(
                "--out: these student notebooks differ from their solutions (a student's "
                f"work?): {', '.join(str(p) for p in kept)}; pass --overwrite to replace them"
            )
        if not args.check:
            changed = build_all(solutions, out, overwrite=args.overwrite)
    except ImportError as err:  # nbgrader, a development dependency
        raise UsageError(str(err)) from None
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
