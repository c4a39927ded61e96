"""Chapter 05 checkers: the pixel unshuffle, counting the overlaps of a deconvolution, ICNR
initialisation, and the prediction of when a deconvolution paints no checkerboard."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from ._core import check_prediction, run_cases


def check_pixel_unshuffle(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``pixel_unshuffle(x, r)``: (N, C, r h, r w) -> (N, C r^2, h, w), the inverse of the
    periodic shuffle, with reshape and permute only."""
    gen = torch.Generator().manual_seed(5)
    cases = []
    for what, shape, r in [
        ("one 4 x 4 channel, r = 2 (a 0..15 ramp)", (1, 1, 4, 4), 2),
        ("a batch of 2, 3 channels, 6 x 9, r = 3", (2, 3, 6, 9), 3),
        ("one 2 x 6 channel, r = 2", (1, 1, 2, 6), 2),
    ]:
        if shape == (1, 1, 4, 4):
            x = torch.arange(16.0).reshape(shape)
        else:
            x = torch.randn(shape, generator=gen)
        cases.append((what, (x, r), F.pixel_unshuffle(x, r)))
    hints = (
        "Undo the lecture's three steps in reverse order: split the two spatial axes, move the "
        "two sub-pixel axes next to the channels, merge them into the channel axis.",
        "Reshape (N, C, h, r, w, r); the sub-pixel offsets (a, b) are the axes of size r after "
        "h and after w; output channel c r^2 + a r + b means the axis order (N, C, a, b, h, w) "
        "before the last reshape.",
    )
    return run_cases(
        "check_pixel_unshuffle", student_fn, cases, hints=hints, atol=0, strict=strict, hint=hint
    )


def _overlaps_reference(k: int, r: int) -> torch.Tensor:
    """Taps per output phase of an all-ones stride-r deconvolution on a large flat input."""
    n = 2 * (k // r + 2)
    out = F.conv_transpose2d(
        torch.ones(1, 1, n, n, dtype=torch.float64),
        torch.ones(1, 1, k, k, dtype=torch.float64),
        stride=r,
    )
    start = r * math.ceil(k / r)  # every pixel from here is covered by full sums
    return out[0, 0, start : start + r, start : start + r]


def check_deconv_overlaps(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``deconv_overlaps(k, r)``: the (r, r) tensor of how many kernel taps of a k x k
    deconvolution with stride r (no padding) land on an output pixel, by its phase
    (row mod r, column mod r), away from the border."""
    cases = [
        (f"k = {k}, r = {r}", (k, r), _overlaps_reference(k, r))
        for k, r in [(3, 2), (4, 2), (5, 2), (9, 3), (3, 3), (5, 3)]
    ]
    hints = (
        "Work in one dimension first: output pixel y receives tap u of every input pixel i "
        "with y = i r + u. Which taps u can reach an output of phase p = y mod r?",
        "In 1-D with k = 3, r = 2: taps 0 and 2 land on even output pixels, tap 1 on odd "
        "ones. In 2-D a tap (u, v) reaches a pixel of phase (a, b) only if u fits a and v "
        "fits b, so the counts of the two axes combine.",
    )
    return run_cases(
        "check_deconv_overlaps", student_fn, cases, hints=hints, atol=0, strict=strict, hint=hint
    )


def check_icnr_weight(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``icnr_weight(base, r)``: from ``base`` (C, C_in, k, k), the (C r^2, C_in, k, k)
    weight of a sub-pixel convolution whose r^2 sub-filters of every output channel c are
    copies of ``base[c]``."""
    gen = torch.Generator().manual_seed(6)
    cases = []
    for what, shape, r in [
        ("C = 1, C_in = 1, 3 x 3, r = 2", (1, 1, 3, 3), 2),
        ("C = 3, C_in = 8, 3 x 3, r = 2 (RGB)", (3, 8, 3, 3), 2),
        ("C = 2, C_in = 4, 5 x 5, r = 3", (2, 4, 5, 5), 3),
    ]:
        base = torch.randn(shape, generator=gen)
        cases.append((what, (base, r), base.repeat_interleave(r * r, dim=0)))
    hints = (
        "After the convolution, the periodic shuffle puts channel c r^2 + a r + b at the "
        "sub-pixel (a, b) of output channel c. Which channels must hold copies of base[c]?",
        "The r^2 copies of base[c] must be the consecutive channels c r^2 ... c r^2 + r^2 - 1: "
        "repeat each filter in place (interleave), not the whole stack after itself (tile); "
        "with C = 1 both look the same, with RGB they do not.",
    )
    return run_cases(
        "check_icnr_weight", student_fn, cases, hints=hints, atol=0, strict=strict, hint=hint
    )


def _flat_spread(k: int, r: int) -> float:
    deconv = torch.nn.ConvTranspose2d(1, 1, k, stride=r, bias=False)
    with torch.no_grad():
        deconv.weight.fill_(1.0)
        out = deconv(torch.ones(1, 1, 12, 12))[0, 0]
    start = r * math.ceil(k / r)
    tile = out[start : start + 2 * r, start : start + 2 * r]
    return float(tile.max() - tile.min())


def check_prediction_flat_deconv(
    predicted: str, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """An all-ones 4 x 4 deconvolution with stride 2 on a flat image: ``"flat"`` or
    ``"checkerboard"``?"""
    spread = {k: _flat_spread(k, 2) for k in (3, 4)}
    measured = "flat" if spread[4] < 1e-9 else "checkerboard"
    detail = (
        f"Measured away from the border: max - min = {spread[4]:g} for k = 4, "
        f"{spread[3]:g} for k = 3 (both with stride 2). With k = 4 every output pixel gets "
        "exactly 2 x 2 taps, whatever its phase: the overlaps are even because 4 is a "
        "multiple of the stride. With k = 3 the phases get 1, 2 or 4 taps. Even overlap "
        "removes the pattern of the kernel's *layout*; learned weights can still differ "
        "between phases, which is why resize-convolution or ICNR are safer."
    )
    hints = (
        "Count, in one dimension, how many taps of a 4-wide kernel placed every 2 pixels "
        "cover each output pixel. Is the count the same for even and odd pixels?",
        "A k-wide kernel moved r pixels at a time covers every pixel the same number of "
        "times exactly when k is a multiple of r.",
    )
    return check_prediction(
        "check_prediction_flat_deconv",
        predicted,
        measured,
        choices=("flat", "checkerboard"),
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
