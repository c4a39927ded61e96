"""MATLAB-compatible ``imresize`` in torch, and ``upsample`` for the classic interpolators.

MATLAB's ``imresize`` computes each output pixel as a weighted sum of input pixels along one
axis, then along the other. For output pixel ``x`` (1-based) the matching input position is
``u = x / scale + 0.5 * (1 - 1 / scale)``; the weights are the kernel evaluated at
``u - j`` for the ``ceil(width) + 2`` nearest input pixels ``j``, normalised to sum to one.
When shrinking (``scale < 1``) the kernel is stretched by ``1 / scale`` (antialiasing).
Borders are padded symmetrically (``...c b a | a b c ... x y z | z y x...``). The output
size is ``ceil(in * scale)``. The axis with the smaller scale goes first (rows on a tie).

This is what the SRCNN/VDSR/DRCN evaluation code runs, so the published bicubic tables are
reproduced by ``imresize(imresize(hr_y, 1 / s), s)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from ._validate import as_batch, unbatch

__all__ = ["KERNELS", "cubic", "imresize", "upsample", "UPSAMPLE_METHODS"]

_EPS = 2.220446049250313e-16  # MATLAB's eps


def cubic(x: torch.Tensor, a: float = -0.5) -> torch.Tensor:
    """Keys' cubic convolution kernel (``a = -0.5``, MATLAB's ``cubic``), support [-2, 2]."""
    ax = x.abs()
    ax2, ax3 = ax**2, ax**3
    near = ((a + 2) * ax3 - (a + 3) * ax2 + 1) * (ax <= 1)
    far = (a * ax3 - 5 * a * ax2 + 8 * a * ax - 4 * a) * ((ax > 1) & (ax <= 2))
    return near + far


def _lanczos(lobes: int) -> Callable[[torch.Tensor], torch.Tensor]:
    def kernel(x: torch.Tensor) -> torch.Tensor:
        f = (torch.sin(math.pi * x) * torch.sin(math.pi * x / lobes) + _EPS) / (
            math.pi**2 * x**2 / lobes + _EPS
        )
        return f * (x.abs() < lobes)

    return kernel


def _box(x: torch.Tensor) -> torch.Tensor:
    return ((x >= -0.5) & (x < 0.5)).to(x.dtype)


def _triangle(x: torch.Tensor) -> torch.Tensor:
    return (x + 1) * ((x >= -1) & (x < 0)) + (1 - x) * ((x >= 0) & (x <= 1))


# name -> (kernel, support width), as MATLAB names them.
KERNELS: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], float]] = {
    "cubic": (cubic, 4.0),
    "bicubic": (cubic, 4.0),
    "lanczos2": (_lanczos(2), 4.0),
    "lanczos3": (_lanczos(3), 6.0),
    "triangle": (_triangle, 2.0),
    "bilinear": (_triangle, 2.0),
    "box": (_box, 1.0),
    "nearest": (_box, 1.0),
}


def _contributions(
    in_len: int, out_len: int, scale: float, kernel_name: str, antialiasing: bool, device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights (out_len, P) and 0-based input indices (out_len, P) for one axis."""
    kernel, width = KERNELS[kernel_name]
    if scale < 1 and antialiasing:
        h = lambda t: scale * kernel(scale * t)  # noqa: E731  (stretched kernel)
        width = width / scale
    else:
        h = kernel
    x = torch.arange(1, out_len + 1, dtype=torch.float64, device=device)
    u = x / scale + 0.5 * (1 - 1 / scale)  # input position, 1-based
    left = torch.floor(u - width / 2)
    taps = int(math.ceil(width)) + 2
    indices = left[:, None] + torch.arange(taps, dtype=torch.float64, device=device)
    weights = h(u[:, None] - indices)
    weights = weights / weights.sum(dim=1, keepdim=True)
    # symmetric padding: the index pattern 0..n-1, n-1..0 repeats
    mirror = torch.cat([torch.arange(in_len, device=device), torch.arange(in_len - 1, -1, -1)])
    indices = mirror[(indices.long() - 1) % (2 * in_len)]
    return weights, indices


def _resize_axis(x: torch.Tensor, dim: int, out_len: int, scale: float, kernel: str, aa: bool):
    weights, indices = _contributions(x.shape[dim], out_len, scale, kernel, aa, x.device)
    weights = weights.to(x.dtype)
    shape = [1] * x.dim()
    shape[dim] = out_len
    out = None
    for k in range(indices.shape[1]):  # a handful of taps, each a vectorised gather
        term = x.index_select(dim, indices[:, k]) * weights[:, k].view(shape)
        out = term if out is None else out + term
    return out


def imresize(
    img: torch.Tensor,
    scale: float | None = None,
    *,
    size: tuple[int, int] | None = None,
    kernel: str = "cubic",
    antialiasing: bool = True,
) -> torch.Tensor:
    """Resize like MATLAB's ``imresize`` (default bicubic with antialiasing).

    Args:
        img: (C, H, W) or (N, C, H, W) float tensor, any device. Computed in its dtype
            (pass float64 for the benchmark protocol); the result is not clipped or rounded.
        scale: the factor, e.g. ``1 / 3`` to shrink or ``3`` to enlarge; output side
            ``ceil(side * scale)``.
        size: ``(out_h, out_w)`` instead of ``scale``.
        kernel: ``"cubic"``, ``"lanczos2"``, ``"lanczos3"``, ``"triangle"``, ``"box"``
            (or the aliases ``"bicubic"``, ``"bilinear"``, ``"nearest"``).
        antialiasing: stretch the kernel when shrinking, as MATLAB does by default.

    Returns:
        The resized image, same layout and dtype as ``img``.
    """
    batch, single = as_batch(img)
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {sorted(KERNELS)}, got {kernel!r}")
    if (scale is None) == (size is None):
        raise ValueError("give exactly one of scale and size")
    in_h, in_w = batch.shape[-2:]
    if scale is not None:
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
            raise ValueError(f"scale must be a positive number, got {scale!r}")
        scales = (float(scale), float(scale))
        out_h, out_w = math.ceil(in_h * scale - 1e-9), math.ceil(in_w * scale - 1e-9)
    else:
        if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
            raise ValueError(f"size must be two positive ints (out_h, out_w), got {size!r}")
        out_h, out_w = size
        scales = (out_h / in_h, out_w / in_w)
    if kernel == "nearest":
        antialiasing = False
    out = batch
    # MATLAB resizes the axis with the smaller scale first; rows first on a tie.
    order = (0, 1) if scales[0] <= scales[1] else (1, 0)
    for axis in order:
        dim = out.dim() - 2 + axis
        out = _resize_axis(out, dim, (out_h, out_w)[axis], scales[axis], kernel, antialiasing)
    return unbatch(out, single)


UPSAMPLE_METHODS = ("nearest", "bilinear", "bicubic", "lanczos")


def upsample(img: torch.Tensor, scale: float, method: str = "bicubic") -> torch.Tensor:
    """Classic interpolation by ``scale``: ``nearest``, ``bilinear``, ``bicubic`` or ``lanczos``.

    ``nearest`` repeats pixels; the others are MATLAB's kernels (triangle, Keys cubic,
    Lanczos-3) through ``imresize``, so shrinking (``scale < 1``) is antialiased.
    """
    if method not in UPSAMPLE_METHODS:
        raise ValueError(f"method must be one of {', '.join(UPSAMPLE_METHODS)}, got {method!r}")
    if method == "nearest":
        batch, single = as_batch(img)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
            raise ValueError(f"scale must be a positive number, got {scale!r}")
        out_size = (math.ceil(batch.shape[-2] * scale), math.ceil(batch.shape[-1] * scale))
        return unbatch(F.interpolate(batch, size=out_size, mode="nearest"), single)
    kernel = {"bilinear": "triangle", "bicubic": "cubic", "lanczos": "lanczos3"}[method]
    return imresize(img, scale, kernel=kernel)
