"""``sisrlearn data``: the bundled datasets, and fetching more when the user asks."""

from __future__ import annotations

import argparse

from ..datasets import data_home, dataset_names, fetch, list_datasets


def add_parser(sub) -> None:
    p = sub.add_parser(
        "data",
        help="list the datasets, fetch more (BSD100, DIV2K, VGG19 ...)",
        description="List the bundled and fetched datasets, or fetch one "
        "(checked against its sha256). Nothing downloads unless "
        "you ask.",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="what is bundled, fetched, and where")
    listing.set_defaults(func=run_list)
    get = actions.add_parser("fetch", help="download one dataset into the cache")
    get.add_argument(
        "name",
        metavar="NAME",
        choices=dataset_names(),
        help="one of: " + ", ".join(dataset_names()),
    )
    get.add_argument("--quiet", action="store_true", help="no progress bar")
    get.set_defaults(func=run_fetch)


def run_list(args: argparse.Namespace) -> int:
    rows = list_datasets()
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        images = f"{r['images']} images" if r["images"] else "weights"
        print(
            f"{r['name']:<{width}}  {r['kind']:<10}  {images:<11}  {r['size']:<38.38}  {r['where']}"
        )
    print(f"cache: {data_home()} (set SISRLEARN_DATA to move it)")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    path = fetch(args.name, progress=not args.quiet)
    print(f"{args.name}: {path}")
    return 0
