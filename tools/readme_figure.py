"""The README's figure: one Set5 crop at x4, bicubic against the course's shipped networks.

python tools/readme_figure.py --out docs/figures/butterfly_x4.png
"""

from __future__ import annotations

import argparse
import sys

import matplotlib

matplotlib.use("Agg")

from sisrlearn.datasets import resolve_dataset  # noqa: E402
from sisrlearn.images import load_image, modcrop  # noqa: E402
from sisrlearn.methods import upscale  # noqa: E402
from sisrlearn.metrics import prepare  # noqa: E402
from sisrlearn.plot import compare_crops  # noqa: E402

METHODS = ("bicubic", "srcnn_x4", "srresnet_x4", "srgan_x4")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/figures/butterfly_x4.png", help="the PNG to write")
    args = parser.parse_args(argv)
    hr = modcrop(load_image(resolve_dataset("set5") / "butterfly.png"), 4)
    lr, _ = prepare(hr, 4, "rgb")  # the LR image a PNG would hold
    results = {name: upscale(lr.float(), 4, name, tile=None) for name in METHODS}
    fig = compare_crops(results, hr, box=(60, 100, 96, 96), shave=4, size=2.2)
    fig.savefig(args.out, dpi=110, bbox_inches="tight")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
