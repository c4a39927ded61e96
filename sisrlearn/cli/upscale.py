"""``sisrlearn upscale``: enlarge one image file with any SR method."""

from __future__ import annotations

import argparse
import warnings

import torch
from PIL import Image

from ..images import load_image, save_image
from ..methods import get_method, max_output_pixels, method_names, tile_count, upscale
from .common import UsageError, image_output, non_negative_int, positive_int


def add_parser(sub) -> None:
    p = sub.add_parser(
        "upscale",
        help="enlarge one image file",
        description="Enlarge one image file. Large images are processed in "
        "tiles (bounded memory), with the same result.",
    )
    p.add_argument("input", metavar="IN", help="the image file to enlarge")
    p.add_argument(
        "output", metavar="OUT", nargs="?", help="the image file to write (or give it with --out)"
    )
    p.add_argument("--out", metavar="OUT", help="the image file to write")
    p.add_argument("--scale", type=positive_int, required=True, help="SR factor, e.g. 2")
    p.add_argument(
        "--method",
        default="bicubic",
        metavar="NAME",
        help="bicubic, nearest, bilinear, lanczos, a shipped model (srcnn_x3), scsr "
        "or dip (default: %(default)s)",
    )
    p.add_argument(
        "--steps",
        type=positive_int,
        metavar="N",
        help="iterations of the dip method (default: the paper's 2000)",
    )
    p.add_argument(
        "--tile",
        type=positive_int,
        metavar="N",
        help="process N x N LR tiles (default: automatic above 512x512 pixels)",
    )
    p.add_argument(
        "--overlap",
        type=non_negative_int,
        default=16,
        metavar="N",
        help="LR pixels of context around each tile (default: %(default)s)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = image_output(args, "sisrlearn upscale IN OUT --scale S")
    if args.method not in method_names():
        raise ValueError(
            f"--method must be one of {', '.join(method_names())}, got {args.method!r}"
        )
    if args.steps is not None and args.method != "dip":
        raise UsageError("--steps sets the iterations of --method dip")
    method = get_method(args.method, steps=args.steps, progress=not args.quiet)
    if method.scales is not None and args.scale not in method.scales:
        raise UsageError(
            f"--method {args.method} was trained for --scale {', '.join(map(str, method.scales))}"
            f", got --scale {args.scale}"
        )
    if args.tile is not None and not method.tileable:
        raise UsageError(f"--tile: --method {args.method} fits the whole image at once")
    if args.tile is not None and args.tile < 8:
        raise UsageError(f"--tile must be 8 LR pixels or more, got {args.tile}")
    check_output_size(args.input, args.scale)
    img = load_image(args.input)
    h, w = img.shape[-2:]
    tile = args.tile if args.tile is not None else "auto"
    tiles = tile_count((h, w), args.scale, tile) if method.tileable else 1
    sr = upscale(
        img,
        args.scale,
        method,
        tile=tile if method.tileable else None,
        overlap=args.overlap,
        progress=not args.quiet and tiles > 1,
    )
    del img
    # 8-bit in place, as save_image would round it, without a second full-size float copy
    pixels = sr.mul_(255.0).round_().to(torch.uint8)
    del sr
    save_image(pixels, out, overwrite=args.overwrite)
    print(
        f"{args.input} ({w}x{h}) -> {out} ({w * args.scale}x{h * args.scale}, "
        f"{args.method}{f', {tiles} tiles' if tiles > 1 else ''})"
    )
    return 0


def check_output_size(path: str, scale: int) -> None:
    """Refuse, from the image file's header and before decoding it, an output above the
    pixel limit (``sisrlearn.methods.max_output_pixels``). An unreadable file passes here:
    ``load_image`` says what is wrong with it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
    except Exception:  # noqa: BLE001 - Pillow raises many types; load_image reports them
        return
    limit = max_output_pixels()
    if w * h * scale * scale > limit:
        raise UsageError(
            f"--scale {scale}: {path} ({w}x{h}) would become {w * scale}x{h * scale} = "
            f"{w * h * scale * scale / 1e6:,.0f} megapixels, above the limit of "
            f"{limit / 1e6:,.0f} (set SISRLEARN_MAX_PIXELS to raise it)"
        )
