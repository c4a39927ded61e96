"""SR methods by name: interpolation, every shipped network, ScSR and Deep Image Prior.

A *method* turns a low-resolution image into one ``scale`` times larger. ``get_method(name)``
knows every name ``sisrlearn bench`` and ``sisrlearn upscale`` accept (``method_names()``):

- the interpolators ``bicubic``, ``nearest``, ``bilinear``, ``lanczos`` (MATLAB kernels);
- every shipped network of the zoo (``srcnn_x3``, ``vdsr``, ...), at the scales it was
  trained for;
- ``scsr`` (Yang et al.'s coupled dictionaries, at the scales a dictionary is shipped for);
- ``dip`` (Deep Image Prior: a fresh network fitted to each image, no training data).

``apply_method`` runs one on an image (Y-only methods get YCbCr with bicubic chroma),
``upscale`` adds clipping and tiling (bounded memory on large images), ``score_method``
scores one on HR images under a benchmark protocol (what ``bench`` and the training
validation call), and ``model_as_method`` wraps any trained network of the registry.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import torch
from torch import nn
from tqdm.auto import tqdm

from ._validate import as_batch, check_scale, unbatch
from .color import rgb_to_ycbcr, ycbcr_to_rgb
from .dip import sr_method as dip_sr_method
from .metrics import evaluate, prepare
from .models import MODELS
from .resize import imresize, upsample
from .runtime import get_device
from .sparse import scsr, shipped_dictionary, shipped_dictionary_scales
from .zoo import load_pretrained, zoo_entries

__all__ = [
    "INTERPOLATORS",
    "METHODS",
    "Method",
    "apply_method",
    "get_method",
    "method_names",
    "model_as_method",
    "register_method",
    "score_method",
    "upscale",
]

INTERPOLATORS = ("bicubic", "nearest", "bilinear", "lanczos")

# Above this many LR pixels, ``upscale`` works in tiles by default (bounded memory), tiles
# whose upscaled side is about AUTO_TILE_SIDE pixels (64 LR pixels at least). A network's
# activations on one tile dominate the memory beside the output itself: one 64-channel float32
# activation of a 768-pixel tile with its context is about 180 MB.
AUTO_TILE_PIXELS = 512 * 512
AUTO_TILE_SIDE = 768


@dataclass(frozen=True)
class Method:
    """An SR method: ``fn(lr, scale)`` maps (N, C, h, w) to (N, C, h*scale, w*scale).

    Attributes:
        channels: what ``fn`` accepts: ``"any"`` (works per channel, like bicubic), ``"y"``
            (luma only: colour images go through YCbCr with bicubic chroma) or ``"rgb"``.
        scales: the scales a trained model supports (None: any).
        tileable: whether cutting the image into overlapping tiles gives the same result
            (False for DIP, which fits one network to the whole image).
    """

    name: str
    fn: Callable[[torch.Tensor, int], torch.Tensor]
    channels: str = "any"
    description: str = ""
    scales: tuple[int, ...] | None = None
    tileable: bool = True


METHODS: dict[str, Method] = {}


def register_method(
    name: str,
    fn: Callable[[torch.Tensor, int], torch.Tensor],
    *,
    channels: str = "any",
    description: str = "",
    overwrite: bool = False,
) -> Method:
    """Add a method (e.g. one written in a notebook) under ``name``; ``overwrite=True``
    replaces one of the same name."""
    if channels not in ("any", "y", "rgb"):
        raise ValueError(f"channels must be 'any', 'y' or 'rgb', got {channels!r}")
    if name in METHODS and not overwrite:
        raise ValueError(f"method {name!r} is already registered; pass overwrite=True")
    METHODS[name] = Method(name, fn, channels, description)
    return METHODS[name]


for _interp in INTERPOLATORS:
    register_method(
        _interp,
        lambda lr, scale, _m=_interp: upsample(lr, scale, _m),
        description=f"{_interp} interpolation (MATLAB kernels)",
    )


def method_names() -> list[str]:
    """Every name ``get_method`` accepts: interpolators, registered methods, shipped models,
    ``scsr`` and ``dip``."""
    shipped = [name for name, e in zoo_entries().items() if e.kind == "model"]
    shipped = [name for name in shipped if MODELS[zoo_entries()[name].model].kind == "sr"]
    return list(dict.fromkeys([*METHODS, *sorted(shipped), "scsr", "dip"]))


def get_method(name: str, *, steps: int | None = None, progress: bool = False) -> Method:
    """The method called ``name`` (see ``method_names()``).

    ``steps`` sets the iterations per image of ``dip`` (default: the paper's 2000) and
    ``progress`` shows its progress bar.
    """
    if not isinstance(name, str):
        raise TypeError(f"method must be a name (str), got {type(name).__name__}")
    if steps is not None and name != "dip":
        raise ValueError(f"steps sets the iterations of the dip method, not of {name!r}")
    if name in METHODS:
        return METHODS[name]
    if name == "dip":
        steps = 2000 if steps is None else steps
        return Method(
            "dip",
            dip_sr_method(steps=steps, progress=progress),
            "any",
            f"Deep Image Prior, {steps} iterations per image",
            None,
            tileable=False,
        )
    if name == "scsr":
        return Method(
            "scsr",
            _scsr,
            "y",
            "ScSR (Yang et al. 2010): coupled dictionaries",
            tuple(shipped_dictionary_scales()),
        )
    entry = zoo_entries().get(name)
    if entry is not None and entry.kind == "model" and MODELS[entry.model].kind == "sr":
        model = load_pretrained(name, device=get_device())
        method = model_as_method(model, entry.model, name)
        return replace(method, description=f"{entry.model} (shipped weights)", scales=entry.scales)
    raise ValueError(f"method must be one of {', '.join(method_names())}, got {name!r}")


_DICTIONARIES: dict[int, object] = {}


def _scsr(lr: torch.Tensor, scale: int) -> torch.Tensor:
    if scale not in _DICTIONARIES:
        _DICTIONARIES[scale] = shipped_dictionary(scale)
    return scsr(lr, _DICTIONARIES[scale])


def model_as_method(model: nn.Module, model_name: str, name: str | None = None) -> Method:
    """A trained ``model_name`` network as a method. Its recipe says whether it takes the
    bicubic-upscaled input (SRCNN, VDSR, ...) and whether it works on Y or RGB."""
    recipe = MODELS[model_name].recipe
    if recipe is None or MODELS[model_name].kind != "sr":
        raise ValueError(f"model_name must be an SR network, got {model_name!r}")
    model.eval()

    def fn(lr: torch.Tensor, scale: int) -> torch.Tensor:
        batch, single = as_batch(lr, "lr")
        param = next(model.parameters())
        x = imresize(batch, scale) if recipe.upsampled else batch
        with torch.no_grad():
            out = model(x.to(param.device, torch.float32))
        return unbatch(out.to(lr.dtype).cpu(), single)

    channels = "y" if recipe.channels == "y" else "rgb"
    return Method(name or model_name, fn, channels)


def _check_scale_for(method: Method, scale: int) -> None:
    check_scale(scale)
    if method.scales is not None and scale not in method.scales:
        raise ValueError(
            f"method {method.name!r} was trained for scale {list(method.scales)}, got scale={scale}"
        )


def apply_method(method: Method | str, lr_img: torch.Tensor, scale: int) -> torch.Tensor:
    """Run a method on (C, h, w) or (N, C, h, w) RGB or grayscale input; not clipped."""
    method = get_method(method) if isinstance(method, str) else method
    _check_scale_for(method, scale)
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
        raise RuntimeError(
            f"method {method.name!r} returned {tuple(out.shape)} for x{scale}, expected {expected}"
        )
    return unbatch(out.to(lr.dtype), single)


def upscale(
    img: torch.Tensor,
    scale: int,
    method: Method | str = "bicubic",
    *,
    tile: int | str | None = "auto",
    overlap: int = 16,
    progress: bool = False,
) -> torch.Tensor:
    """Enlarge an image ``scale`` times with a method; clipped to [0, 1].

    Args:
        img: (C, H, W) or (N, C, H, W), RGB or grayscale, in [0, 1].
        method: a name from ``method_names()`` or a :class:`Method`.
        tile: process the image in ``tile`` x ``tile`` LR tiles (bounded memory); each tile
            is cut with ``overlap`` extra LR pixels on every side and only its centre is kept,
            so the result equals the untiled one when ``overlap`` covers the method's
            receptive field. ``"auto"`` (default) tiles images above ``AUTO_TILE_PIXELS`` LR
            pixels, with tiles whose upscaled side is about ``AUTO_TILE_SIDE`` pixels; None
            never tiles.
        overlap: LR pixels of context around each tile (16 covers the course's networks).
        progress: a progress bar over the tiles.
    """
    method = get_method(method) if isinstance(method, str) else method
    _check_scale_for(method, scale)
    lr, single = as_batch(img, "img", channels=(1, 3))
    n, c, h, w = lr.shape
    limit = max_output_pixels()
    if n * h * w * scale * scale > limit:
        raise ValueError(
            f"scale={scale} would make {n} image(s) of {w * scale}x{h * scale} pixels "
            f"({n * h * w * scale * scale / 1e6:.0f} megapixels), above the limit of "
            f"{limit / 1e6:.0f} (set SISRLEARN_MAX_PIXELS to raise it)"
        )
    if tile == "auto":
        tile = _auto_tile(h, w, scale) if method.tileable else None
    if tile is None:
        return apply_method(method, img, scale).clamp(0.0, 1.0)
    if isinstance(tile, bool) or not isinstance(tile, int) or tile < 8:
        raise ValueError(f"tile must be an int >= 8 (LR pixels), 'auto' or None, got {tile!r}")
    if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 0:
        raise ValueError(f"overlap must be a non-negative int, got {overlap!r}")
    if not method.tileable:
        raise ValueError(f"method {method.name!r} fits the whole image: use tile=None")
    out = torch.empty(n, c, h * scale, w * scale, dtype=lr.dtype)  # the one full-size tensor
    corners = [(top, left) for top in range(0, h, tile) for left in range(0, w, tile)]
    for top, left in tqdm(corners, disable=not progress, desc="tiles", unit="tile"):
        t0, l0 = max(top - overlap, 0), max(left - overlap, 0)
        t1, l1 = min(top + tile + overlap, h), min(left + tile + overlap, w)
        sr = apply_method(method, lr[..., t0:t1, l0:l1], scale)
        ty, lx = (top - t0) * scale, (left - l0) * scale
        th, tw = (min(top + tile, h) - top) * scale, (min(left + tile, w) - left) * scale
        window = out[..., top * scale : top * scale + th, left * scale : left * scale + tw]
        window.copy_(sr[..., ty : ty + th, lx : lx + tw]).clamp_(0.0, 1.0)
        del sr
    return unbatch(out, single)


def max_output_pixels() -> int:
    """The largest output ``upscale`` makes, in pixels: env ``SISRLEARN_MAX_PIXELS`` or 100
    megapixels (a 3-channel float32 image of that size takes 1.2 GB)."""
    text = os.environ.get("SISRLEARN_MAX_PIXELS", "100000000")
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"SISRLEARN_MAX_PIXELS must be a positive int, got {text!r}") from None
    if value < 1:
        raise ValueError(f"SISRLEARN_MAX_PIXELS must be a positive int, got {text!r}")
    return value


def tile_count(shape: tuple[int, int], scale: int, tile: int | str | None = "auto") -> int:
    """How many tiles ``upscale`` cuts an (H, W) LR image into (1: untiled)."""
    h, w = shape
    if tile == "auto":
        tile = _auto_tile(h, w, scale)
    return 1 if tile is None else math.ceil(h / tile) * math.ceil(w / tile)


def _auto_tile(h: int, w: int, scale: int) -> int | None:
    """The LR tile side ``tile="auto"`` picks for an (h, w) image, or None (untiled)."""
    return max(64, AUTO_TILE_SIDE // scale) if h * w > AUTO_TILE_PIXELS else None


def score_method(
    method: Method | str,
    images: Iterable[tuple[str, torch.Tensor]],
    scale: int,
    *,
    protocol: str = "matlab",
    dataset: str = "",
) -> dict:
    """Mean PSNR/SSIM of a method on (name, HR image) pairs under a benchmark protocol.

    Returns ``method, protocol, dataset, scale, psnr, ssim, num_images, seconds`` (time inside
    the method, summed) and ``per_image`` (name -> PSNR).
    """
    method = get_method(method) if isinstance(method, str) else method
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
    if not psnrs:
        raise ValueError("images must hold at least one (name, HR image) pair")
    return {
        "method": method.name,
        "protocol": protocol,
        "dataset": dataset,
        "scale": scale,
        "psnr": sum(psnrs) / len(psnrs),
        "ssim": sum(ssims) / len(ssims),
        "num_images": len(psnrs),
        "seconds": seconds,
        "per_image": dict(zip(names, psnrs, strict=True)),
    }
