"""``sisrlearn colorize``: colorize one image file with a shipped or trained model."""

from __future__ import annotations

import argparse

from ..colorize import ANNEALED_T, colorize_image, load_colornet
from ..images import load_image, save_image
from .common import image_output, positive_float


def add_parser(sub) -> None:
    p = sub.add_parser(
        "colorize",
        help="colorize one image file (colour input: L only)",
        description="Colorize an image: a colour image is turned to its "
        "lightness L first. Train a model with sisrlearn train "
        "colornet.",
    )
    p.add_argument("input", metavar="IN", help="the image file")
    p.add_argument(
        "output", metavar="OUT", nargs="?", help="the image file to write (or give it with --out)"
    )
    p.add_argument("--out", metavar="OUT", help="the image file to write")
    p.add_argument(
        "--model",
        default="colornet",
        metavar="NAME|FILE.pt",
        help="a shipped colorization model (colornet, colornet_reg) or a FILE.pt from "
        "sisrlearn train colornet (default: %(default)s)",
    )
    p.add_argument(
        "--temperature",
        type=positive_float,
        default=ANNEALED_T,
        help="annealed-mean temperature T (default: the paper's %(default)s)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = image_output(args, "sisrlearn colorize IN OUT")
    model = load_colornet(args.model)  # unknown models fail before the image is read
    img = load_image(args.input)
    rgb = colorize_image(model, img, temperature=args.temperature)
    save_image(rgb, out, overwrite=args.overwrite)
    kind = "gray" if img.shape[0] == 1 else "colour, turned to L first"
    print(f"{args.input} ({kind}) -> {out} ({args.model})")
    return 0
