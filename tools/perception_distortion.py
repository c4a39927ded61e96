"""PSNR and sharpness of SR methods on image folders: the perception-distortion figures of the
README (chapter 08).

    python tools/perception_distortion.py --data sisrlearn/data/Set5 \
        --methods bicubic srresnet_x4 srgan_x4 --scale 4

PSNR: ``sisrlearn bench``'s code (matlab protocol, Y channel). Sharpness:
``sisrlearn.srgan.sharpness`` (mean Sobel gradient magnitude of the luma) of each method's RGB
output from the rgb-protocol LR image, averaged over the colour images; the HR images' own
sharpness is printed as the reference.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from sisrlearn import bench, srgan, zoo  # noqa: F401  (zoo registers the shipped methods)
from sisrlearn.images import load_folder


def rows(folder: str | Path, methods: list[str], scale: int) -> tuple[float, list[tuple]]:
    """(HR sharpness, [(method, PSNR, sharpness), ...]) for one folder."""
    images = load_folder(folder)
    colour = {name: hr for name, hr in images.items() if hr.shape[0] == 3}
    if not colour:
        raise SystemExit(f"--data {folder} has no colour images")
    references = {name: bench.prepare(hr, scale, "rgb") for name, hr in colour.items()}
    hr_sharpness = sum(srgan.sharpness(ref).item() for _, ref in references.values()) / len(colour)
    table = []
    for name in methods:
        method = bench.get_method(name)
        psnr = bench._score(method, Path(folder).name, list(images.items()), scale, "matlab")
        sharp = []
        for lr, _ in references.values():
            with torch.no_grad():
                sr = bench.apply_method(method, lr.float(), scale).clamp(0, 1)
            sharp.append(srgan.sharpness(sr).item())
        table.append((name, psnr["psnr"], sum(sharp) / len(sharp)))
    return hr_sharpness, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", required=True, metavar="DIR")
    parser.add_argument("--methods", nargs="+", default=["bicubic", "srresnet_x4", "srgan_x4"])
    parser.add_argument("--scale", type=int, default=4)
    args = parser.parse_args()
    for folder in args.data:
        hr_sharpness, table = rows(folder, args.methods, args.scale)
        title = f"{Path(folder).name} x{args.scale}"
        print(f"\n| {title} | PSNR (dB) | sharpness (HR: {hr_sharpness:.4f}) |")
        print("|---|---|---|")
        for name, psnr, sharp in table:
            print(f"| {name} | {psnr:.2f} | {sharp:.4f} |")


if __name__ == "__main__":
    main()
