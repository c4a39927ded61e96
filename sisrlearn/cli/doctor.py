"""``sisrlearn doctor``: what this installation runs on, its data and its weights."""

from __future__ import annotations

import argparse

from ..doctor import report


def add_parser(sub) -> None:
    p = sub.add_parser(
        "doctor",
        help="device, versions, fast mode, bf16, data and weights",
        description="Report the device, package versions, whether bfloat16 "
        "pays off on this CPU, the datasets and the shipped weights.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(report())
    return 0
