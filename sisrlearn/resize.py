"""MATLAB-compatible ``imresize`` in torch, and ``upsample`` for the classic interpolators.

MATLAB's ``imresize`` computes each output pixel as a weighted sum of input pixels along one
axis, then along the other. For output pixel ``x`` (1-based) the matching input position is
``u = x / scale + 0.5 * (1 - 1 / scale)``; the weights are the kernel evaluated at
``u - j`` for the ``ceil(width) + 2`` nearest input pixels ``j``, normalised to sum to one.
When shrinking (``scale < 1``) the kernel is stretched by ``1 / scale`` (antialiasing).
Borders are padded symmetrically (``...c b a | a b c ... x y z | z y x...``). The output
size is ``ceil(in * scale)``. The axis with the smaller scale goes first (rows on a tie).

Here each axis is a linear map, so it is built once as a dense (out, in) matrix, the mirrored
border folded in (a tap that falls outside adds its weight to the pixel it reflects onto),
and applied as one batched matrix product: ``W_h @ x`` for rows, ``x @ W_w.T`` for columns.

This is what the SRCNN/VDSR/DRCN evaluation code runs, so the published bicubic tables are
reproduced by ``imresize(imresize(hr_y, 1 / s), s)``.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable

import torch
import torch.nn.functional as F

from ._validate import as_batch, unbatch

__all__ = [
    "KERNELS",
    "MAX_OUTPUT_ELEMENTS",
    "cubic",
    "imresize",
    "resize_matrix",
    "upsample",
    "UPSAMPLE_METHODS",
]

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


MAX_OUTPUT_ELEMENTS = 2**28  # N * C * out_h * out_w; 1 GiB of float32
_MAX_TAPS = 2**20  # input pixels one output pixel may draw on (the stretched kernel's support)
_DENSE_MAX_ELEMENTS = 2**23  # larger (out x in) matrices are built and applied in row bands
_BAND_ROWS = 64  # output rows per band: narrow bands skip most of the zeros
_CACHE_MAX_BYTES = 2**28  # the weight matrices kept for reuse, all devices together
_cache: OrderedDict[tuple, torch.Tensor] = OrderedDict()
_cache_lock = threading.Lock()


def _num_taps(scale: float, kernel_name: str, antialiasing: bool) -> int:
    """Input positions each output pixel weighs: the kernel support, plus one each side."""
    width = KERNELS[kernel_name][1]
    if scale < 1 and antialiasing:
        width = width / scale
    return int(math.ceil(width)) + 2


def _contributions(
    in_len: int, rows: range, scale: float, kernel_name: str, antialiasing: bool, device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Float64 weights (R, P) and 0-based input indices (R, P) of the output pixels ``rows``.

    The indices are already reflected onto real pixels (symmetric padding), so one input
    pixel can appear more than once in a row.
    """
    kernel, width = KERNELS[kernel_name]
    if scale < 1 and antialiasing:
        h = lambda t: scale * kernel(scale * t)  # noqa: E731  (stretched kernel)
        width = width / scale
    else:
        h = kernel
    x = torch.arange(rows.start + 1, rows.stop + 1, dtype=torch.float64, device=device)
    u = x / scale + 0.5 * (1 - 1 / scale)  # input position, 1-based
    left = torch.floor(u - width / 2)
    taps = _num_taps(scale, kernel_name, antialiasing)
    indices = left[:, None] + torch.arange(taps, dtype=torch.float64, device=device)
    weights = h(u[:, None] - indices)
    weights = weights / weights.sum(dim=1, keepdim=True)
    # symmetric padding: the index pattern 0..n-1, n-1..0 repeats
    mirror = torch.cat([torch.arange(in_len, device=device), torch.arange(in_len - 1, -1, -1)])
    indices = mirror[(indices.long() - 1) % (2 * in_len)]
    return weights, indices


def _fold(weights: torch.Tensor, indices: torch.Tensor, first: int, cols: int) -> torch.Tensor:
    """Dense (R, cols) matrix over input pixels ``first .. first + cols - 1``.

    A pixel reached several times (through the mirrored border) gets its weights summed.
    """
    matrix = weights.new_zeros(weights.shape[0], cols)
    return matrix.scatter_add_(1, indices - first, weights)


def _weight_matrix(
    in_len: int, out_len: int, scale: float, kernel_name: str, antialiasing: bool, dtype, device
) -> torch.Tensor:
    """The (out_len, in_len) resampling matrix of one axis, built once and then reused."""
    key = (in_len, out_len, scale, kernel_name, antialiasing, dtype, torch.device(device))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    # a normal tensor even under inference_mode, so later autograd can save it for backward
    with torch.inference_mode(False):
        rows = range(out_len)
        weights, indices = _contributions(in_len, rows, scale, kernel_name, antialiasing, device)
        matrix = _fold(weights, indices, 0, in_len).to(dtype)
    with _cache_lock:
        _cache[key] = matrix
        total = sum(m.numel() * m.element_size() for m in _cache.values())
        while total > _CACHE_MAX_BYTES and len(_cache) > 1:
            total -= (old := _cache.popitem(last=False)[1]).numel() * old.element_size()
    return matrix


def _apply(matrix: torch.Tensor, x: torch.Tensor, dim: int) -> torch.Tensor:
    """``matrix`` (out, in) along the height (``dim = -2``) or width (``dim = -1``) of x."""
    return matrix @ x if dim == -2 else x @ matrix.T


def _resize_axis(x: torch.Tensor, dim: int, out_len: int, scale: float, kernel: str, aa: bool):
    in_len = x.shape[dim]
    if in_len * out_len <= _DENSE_MAX_ELEMENTS:
        matrix = _weight_matrix(in_len, out_len, scale, kernel, aa, x.dtype, x.device)
        return _apply(matrix, x, dim)
    # Too big for one dense matrix: a band of output rows at a time, each reading only the
    # input pixels its kernels reach; a band's matrix and its taps stay under
    # _DENSE_MAX_ELEMENTS.
    shape = list(x.shape)
    shape[dim] = out_len
    out = x.new_empty(shape)
    widest = max(in_len, _num_taps(scale, kernel, aa))  # a band's columns, or its taps
    step = max(1, min(_BAND_ROWS, _DENSE_MAX_ELEMENTS // widest))
    for start in range(0, out_len, step):
        rows = range(start, min(start + step, out_len))
        weights, indices = _contributions(in_len, rows, scale, kernel, aa, x.device)
        first, last = int(indices.min()), int(indices.max())
        band = _fold(weights, indices, first, last - first + 1).to(x.dtype)
        part = _apply(band, x.narrow(dim, first, last - first + 1), dim)
        out.narrow(dim, start, len(rows)).copy_(part)
    return out


def resize_matrix(
    in_len: int,
    scale: float,
    kernel: str = "cubic",
    *,
    antialiasing: bool = True,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """The (ceil(in_len * scale), in_len) matrix that ``imresize`` applies along one axis.

    ``imresize(x, scale)`` of an (..., H, W) image equals ``A_h @ x @ A_w.T`` with
    ``A_h = resize_matrix(H, scale)`` and ``A_w = resize_matrix(W, scale)`` (the mirrored
    border folded in), which is how a loss that downsamples at every step (Deep Image Prior's
    data term) can build its downsampler once. Not cached; computed in float64 and then
    converted to ``dtype``.
    """
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {sorted(KERNELS)}, got {kernel!r}")
    if isinstance(in_len, bool) or not isinstance(in_len, int) or in_len < 1:
        raise ValueError(f"in_len must be a positive int, got {in_len!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale < math.inf:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    out_len = math.ceil(in_len * scale - 1e-9)
    antialiasing = antialiasing and kernel != "nearest"
    rows = range(out_len)
    weights, indices = _contributions(in_len, rows, float(scale), kernel, antialiasing, device)
    return _fold(weights, indices, 0, in_len).to(dtype)


def _check_output(batch: torch.Tensor, out_size, asked: str, scales, kernel: str, aa: bool):
    """Refuse an empty or oversized output, or a kernel too wide to evaluate, in one line."""
    n, c, in_h, in_w = batch.shape
    out_h, out_w = out_size
    image = f"a {in_h}x{in_w} image"
    if out_h < 1 or out_w < 1:
        raise ValueError(f"{asked} gives an empty {out_h}x{out_w} output for {image}")
    elements = n * c * out_h * out_w
    if elements > MAX_OUTPUT_ELEMENTS:
        raise ValueError(
            f"{asked} turns {image} into {out_h}x{out_w}: {n}x{c}x{out_h}x{out_w} = {elements} "
            f"elements, more than MAX_OUTPUT_ELEMENTS = {MAX_OUTPUT_ELEMENTS}"
        )
    taps = max(_num_taps(s, kernel, aa) for s in scales)
    if taps > _MAX_TAPS:
        raise ValueError(
            f"{asked} is too small for {image}: each output pixel would weigh {taps} input "
            f"positions (at most {_MAX_TAPS}); ask for a larger scale or an explicit size"
        )


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

    Raises:
        ValueError: for a bad argument, an empty output, an output of more than
            ``MAX_OUTPUT_ELEMENTS`` elements, or a scale so small that one output pixel would
            draw on more than a million input positions.

    Each axis is one matrix product with an (out, in) weight matrix that is cached per size,
    scale, kernel, dtype and device. A float32 input on a GPU with TF32 matmuls enabled
    (``torch.backends.cuda.matmul.allow_tf32``) loses precision; keep TF32 off or pass float64.
    """
    batch, single = as_batch(img)
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {sorted(KERNELS)}, got {kernel!r}")
    if (scale is None) == (size is None):
        raise ValueError("give exactly one of scale and size")
    in_h, in_w = batch.shape[-2:]
    if scale is not None:
        if (
            isinstance(scale, bool)
            or not isinstance(scale, (int, float))
            or not 0 < scale < math.inf
        ):
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
    asked = f"scale={scale!r}" if scale is not None else f"size={tuple(size)!r}"
    _check_output(batch, (out_h, out_w), asked, scales, kernel, antialiasing)
    out = batch
    # MATLAB resizes the axis with the smaller scale first; rows first on a tie.
    order = (0, 1) if scales[0] <= scales[1] else (1, 0)
    for axis in order:
        dim = axis - 2  # -2: height, -1: width
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
