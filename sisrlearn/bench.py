"""Methods x datasets x scales tables, under a stated protocol (``sisrlearn bench``).

A *method* turns a low-resolution image into one ``scale`` times larger. Methods live in a
registry that later chapters extend (trained models register under their zoo names).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ._validate import as_batch, check_scale, unbatch
from .color import rgb_to_y, rgb_to_ycbcr, ycbcr_to_rgb
from .images import list_images, load_image, modcrop
from .metrics import PROTOCOLS, evaluate
from .resize import imresize, upsample

__all__ = [
    "Method", "METHODS", "register_method", "get_method", "apply_method", "prepare",
    "benchmark", "markdown_table", "upscale", "PUBLISHED", "published", "write_markdown",
]  # fmt: skip


@dataclass(frozen=True)
class Method:
    """An SR method: ``fn(lr, scale)`` maps (N, C, h, w) to (N, C, h*scale, w*scale).

    ``channels`` says what ``fn`` accepts: ``"any"`` (works per channel, like bicubic),
    ``"y"`` (luma only: colour images go through YCbCr with bicubic chroma) or ``"rgb"``.
    """

    name: str
    fn: Callable[[torch.Tensor, int], torch.Tensor]
    channels: str = "any"
    description: str = ""
    scales: tuple[int, ...] | None = None  # a model trained for some scales only; None: any


METHODS: dict[str, Method] = {}
_LAZY_SOURCES: list[Callable[[str], Method | None]] = []


def register_method(
    name: str,
    fn: Callable[[torch.Tensor, int], torch.Tensor],
    *,
    channels: str = "any",
    description: str = "",
    overwrite: bool = False,
) -> Method:
    """Add a method to the registry (``overwrite=True`` to replace one of the same name)."""
    if channels not in ("any", "y", "rgb"):
        raise ValueError(f"channels must be 'any', 'y' or 'rgb', got {channels!r}")
    if name in METHODS and not overwrite:
        raise ValueError(f"method {name!r} is already registered; pass overwrite=True")
    METHODS[name] = Method(name, fn, channels, description)
    return METHODS[name]


def add_method_source(source: Callable[[str], Method | None]) -> None:
    """Register a lookup that builds methods on demand (the zoo uses it for its models)."""
    _LAZY_SOURCES.append(source)


def get_method(name: str) -> Method:
    """The registered method called ``name`` (an interpolator or a zoo model)."""
    if name in METHODS:
        return METHODS[name]
    for source in _LAZY_SOURCES:
        method = source(name)
        if method is not None:
            METHODS[name] = method
            return method
    raise ValueError(f"method must be one of {', '.join(sorted(METHODS))}, got {name!r}")


for _interp in ("bicubic", "nearest", "bilinear", "lanczos"):
    register_method(
        _interp,
        lambda lr, scale, _m=_interp: upsample(lr, scale, _m),
        description=f"{_interp} interpolation (MATLAB kernels)",
    )


def apply_method(method: Method | str, lr_img: torch.Tensor, scale: int) -> torch.Tensor:
    """Run a method on (C, h, w) or (N, C, h, w) RGB or grayscale input; not clipped."""
    method = get_method(method) if isinstance(method, str) else method
    check_scale(scale)
    lr, single = as_batch(lr_img, "lr_img", channels=(1, 3))
    if method.channels == "y" and lr.shape[1] == 3:
        ycbcr = rgb_to_ycbcr(lr)
        y_sr = method.fn(ycbcr[:, :1], scale)
        chroma = imresize(ycbcr[:, 1:], scale)
        out = ycbcr_to_rgb(torch.cat([y_sr.to(chroma), chroma], dim=1))
    elif method.channels == "rgb" and lr.shape[1] == 1:
        out = method.fn(lr.expand(-1, 3, -1, -1), scale).mean(dim=1, keepdim=True)
    else:
        out = method.fn(lr, scale)
    expected = (lr.shape[0], lr.shape[1], lr.shape[2] * scale, lr.shape[3] * scale)
    if tuple(out.shape) != expected:
        raise RuntimeError(f"method {method.name!r} returned {tuple(out.shape)} for x{scale}, "
                           f"expected {expected}")  # fmt: skip
    return unbatch(out.to(lr.dtype), single)


def upscale(
    img: torch.Tensor,
    scale: int,
    method: str = "bicubic",
    *,
    tile: int | None = None,
    overlap: int = 16,
) -> torch.Tensor:
    """Enlarge an image ``scale`` times with a registered method; clipped to [0, 1].

    Args:
        img: (C, H, W) or (N, C, H, W), RGB or grayscale, in [0, 1].
        tile: process the image in ``tile`` x ``tile`` LR tiles (bounded memory for large
            images); each tile is cut with ``overlap`` extra LR pixels on every side and only
            its centre is kept, so the result equals the untiled one when ``overlap`` covers
            the method's receptive field (16 LR pixels covers every model of the course).
        overlap: LR pixels of context around each tile.
    """
    if tile is None:
        return apply_method(method, img, scale).clamp(0.0, 1.0)
    if isinstance(tile, bool) or not isinstance(tile, int) or tile < 8:
        raise ValueError(f"tile must be an int >= 8 (LR pixels), got {tile!r}")
    if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 0:
        raise ValueError(f"overlap must be a non-negative int, got {overlap!r}")
    lr, single = as_batch(img, "img", channels=(1, 3))
    n, c, h, w = lr.shape
    out = torch.empty(n, c, h * scale, w * scale, dtype=lr.dtype)
    for top in range(0, h, tile):
        for left in range(0, w, tile):
            t0, l0 = max(top - overlap, 0), max(left - overlap, 0)
            t1, l1 = min(top + tile + overlap, h), min(left + tile + overlap, w)
            sr = apply_method(method, lr[..., t0:t1, l0:l1], scale)
            ty, lx = (top - t0) * scale, (left - l0) * scale
            th, tw = (min(top + tile, h) - top) * scale, (min(left + tile, w) - left) * scale
            out[..., top * scale : top * scale + th, left * scale : left * scale + tw] = (
                sr[..., ty : ty + th, lx : lx + tw].clamp(0.0, 1.0).cpu()
            )  # fmt: skip
    return unbatch(out, single)


def prepare(hr: torch.Tensor, scale: int, protocol: str = "matlab", *, channels: str = "any"):
    """The (LR input, reference) pair a protocol scores, from a (C, H, W) HR image.

    ``matlab``: reference = rounded Y of the mod-cropped HR; LR = MATLAB bicubic 1/scale of
    it in float64, not rounded (RGB for methods that need RGB). ``rgb``: reference = the HR
    RGB; LR = its bicubic 1/scale rounded to 8 bits, as a saved PNG would be.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    hr = modcrop(hr.double(), check_scale(scale))
    if protocol == "matlab":
        reference = hr if channels == "rgb" else rgb_to_y(hr, round_to_uint8=True)
        return imresize(reference, 1 / scale), reference
    lr = torch.round(imresize(hr, 1 / scale).clamp(0.0, 1.0) * 255.0) / 255.0
    return lr, hr


def benchmark(
    folders: Sequence[str | Path],
    methods: Sequence[str],
    scales: Sequence[int],
    *,
    protocol: str = "matlab",
    progress: bool = True,
) -> list[dict]:
    """Score every method on every folder at every scale.

    Returns one row per (method, dataset, scale): ``method, protocol, dataset, scale, psnr,
    ssim, num_images, seconds`` (seconds = time inside the method, summed over images) and
    ``per_image`` (image name -> PSNR).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    resolved = [get_method(m) for m in methods]
    for s in scales:
        check_scale(s)
    datasets = []
    for folder in folders:
        paths, _ = list_images(folder)
        if not paths:
            raise ValueError(f"folder {str(folder)!r} holds no image files")
        datasets.append((Path(folder).name, [(Path(p).stem, load_image(p)) for p in paths]))
    rows = []
    # a shipped model is scored only at the scales it was trained for
    jobs = [(m, d, s) for m in resolved for d in datasets for s in scales
            if m.scales is None or s in m.scales]  # fmt: skip
    if not jobs:
        raise ValueError(f"no method in {list(methods)} was trained for scales {list(scales)}")
    for method, (dataset, images), scale in tqdm(jobs, disable=not progress, desc="bench"):
        rows.append(_score(method, dataset, images, scale, protocol))
    return rows


def _score(method: Method, dataset: str, images: Iterable, scale: int, protocol: str) -> dict:
    psnrs, ssims, names, seconds = [], [], [], 0.0
    for name, hr in images:
        lr, reference = prepare(hr, scale, protocol, channels=method.channels)
        started = time.perf_counter()
        with torch.no_grad():
            sr = apply_method(method, lr, scale)
        seconds += time.perf_counter() - started
        result = evaluate(sr, reference, scale, protocol=protocol)
        psnrs.append(result["psnr"])
        ssims.append(result["ssim"])
        names.append(name)
    return {
        "method": method.name, "protocol": protocol, "dataset": dataset, "scale": scale,
        "psnr": sum(psnrs) / len(psnrs), "ssim": sum(ssims) / len(ssims),
        "num_images": len(psnrs), "seconds": seconds,
        "per_image": dict(zip(names, psnrs, strict=True)),
    }  # fmt: skip


# Published PSNR (dB, Y channel, MATLAB protocol) as (dataset, scale) -> value, by method
# family. Sources: the papers' own tables (SRCNN TPAMI 2016 and the ECCV 2014 T91 figures,
# FSRCNN ECCV 2016, ESPCN CVPR 2016 (91 images), VDSR CVPR 2016 Table 3, DRCN CVPR 2016,
# Yang et al. TIP 2010 (ScSR), SRGAN CVPR 2017, Deep Image Prior CVPR 2018).
PUBLISHED: dict[str, dict[tuple[str, int], float]] = {
    "bicubic": {("Set5", 2): 33.66, ("Set5", 3): 30.39, ("Set5", 4): 28.42,
                ("Set14", 2): 30.24, ("Set14", 3): 27.55, ("Set14", 4): 26.00},
    "srcnn": {("Set5", 2): 36.66, ("Set5", 3): 32.75, ("Set5", 4): 30.48,
              ("Set14", 2): 32.42, ("Set14", 3): 29.28, ("Set14", 4): 27.49},
    "srcnn (T91)": {("Set5", 2): 36.34, ("Set5", 3): 32.39, ("Set5", 4): 30.09},
    "fsrcnn": {("Set5", 2): 37.00, ("Set5", 3): 33.06},
    "espcn": {("Set5", 3): 32.55},
    "vdsr": {("Set5", 2): 37.53, ("Set5", 3): 33.66, ("Set5", 4): 31.35,
             ("Set14", 2): 33.03, ("Set14", 3): 29.77, ("Set14", 4): 28.01},
    "drcn": {("Set5", 2): 37.63, ("Set5", 3): 33.82, ("Set5", 4): 31.53,
             ("Set14", 2): 33.04, ("Set14", 3): 29.76, ("Set14", 4): 28.02},
    "scsr": {("Set5", 3): 31.42, ("Set14", 3): 28.31},
    "srresnet": {("Set5", 4): 32.05, ("Set14", 4): 28.49},
    "srgan": {("Set5", 4): 29.40, ("Set14", 4): 26.02},
    "dip": {("Set5", 4): 29.90},
}  # fmt: skip


def published(method: str, dataset: str, scale: int) -> float | None:
    """The published PSNR of a method's family (``srcnn_x3`` -> SRCNN), or None if unknown."""
    family = method.split("_x")[0]
    return PUBLISHED.get(family, {}).get((dataset, scale))


def markdown_table(rows: Sequence[dict]) -> str:
    """Rows from ``benchmark`` as a Markdown table (PSNR to 2 decimals, SSIM to 4), with the
    published PSNR beside ours where the paper reports the same dataset and scale."""
    lines = [
        "| method | protocol | dataset | scale | PSNR (dB) | paper | SSIM | images | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        paper = published(r["method"], r["dataset"], r["scale"])
        paper_text = f"{paper:.2f}" if paper is not None and r["protocol"] == "matlab" else ""
        lines.append(
            f"| {r['method']} | {r['protocol']} | {r['dataset']} | x{r['scale']} | "
            f"{r['psnr']:.2f} | {paper_text} | {r['ssim']:.4f} | {r['num_images']} | "
            f"{r['seconds']:.2f} |"
        )
    return "\n".join(lines)


MARKERS = ("<!-- sisrlearn bench: start -->", "<!-- sisrlearn bench: end -->")


def write_markdown(table: str, path: str | Path, markers: tuple[str, str] = MARKERS) -> Path:
    """Put ``table`` into a Markdown file between the two ``markers`` lines (the rest of the
    file is kept); a new file gets just the marked table. A file without markers is refused."""
    path = Path(path)
    block = f"{markers[0]}\n{table}\n{markers[1]}"
    if not path.exists():
        path.write_text(block + "\n")
        return path
    text = path.read_text()
    start, end = text.find(markers[0]), text.find(markers[1])
    if start < 0 or end < start:
        raise ValueError(f"{path} has no '{markers[0]}' ... '{markers[1]}' lines; add them "
                         "where the table should go (the rest of the file is kept)")  # fmt: skip
    path.write_text(text[:start] + block + text[end + len(markers[1]) :])
    return path
