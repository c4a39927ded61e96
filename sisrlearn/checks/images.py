"""Chapter 01 checkers: PSNR, the Lanczos kernel, MATLAB's shrinking weights, a global SSIM,
and the prediction of the cubic kernel's overshoot."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ._core import check_prediction, run_cases


def check_psnr(student_fn: Callable, *, strict: bool | None = None, hint: bool = False) -> bool:
    """``psnr(sr, hr)`` for tensors in [0, 1] (peak 1), in dB."""
    from skimage.metrics import peak_signal_noise_ratio

    gen = torch.Generator().manual_seed(1)
    hr = torch.rand(1, 16, 16, generator=gen, dtype=torch.float64)
    sr = (hr + 0.05 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    flat = torch.zeros(1, 2, 2, dtype=torch.float64)
    cases = [
        ("sr = 0.1 everywhere, hr = 0 (MSE 0.01)", (flat + 0.1, flat), 20.0),
        ("sr = 0.5, hr = 0 (MSE 0.25)", (flat + 0.5, flat), 10 * np.log10(4.0)),
        (
            "a noisy 16x16 image, against scikit-image",
            (sr, hr),
            peak_signal_noise_ratio(hr.numpy(), sr.numpy(), data_range=1.0),
        ),
    ]
    hints = (
        "PSNR compares the peak (1 here) with the mean squared error, on a log scale in dB.",
        "Average the squared error over every pixel first; use log10, not the natural log; "
        "the factor is 10, because MSE is already a squared quantity.",
    )
    return run_cases(
        "check_psnr", student_fn, cases, hints=hints, atol=1e-3, strict=strict, hint=hint
    )


def _lanczos_reference(x: np.ndarray, a: int) -> np.ndarray:
    return np.sinc(x) * np.sinc(x / a) * (np.abs(x) < a)


def check_lanczos(student_fn: Callable, *, strict: bool | None = None, hint: bool = False) -> bool:
    """``lanczos(x, a=3)``: the Lanczos-``a`` kernel ``sinc(x) sinc(x / a)`` for ``|x| < a``,
    0 elsewhere, with the normalised ``sinc(x) = sin(pi x) / (pi x)``, for a tensor ``x``."""
    x = np.linspace(-3.5, 3.5, 29)
    cases = [
        ("x = 0 (the kernel interpolates: 1 at 0)", (torch.tensor([0.0]), 3), np.array([1.0])),
        (
            "x = 1, 2, -2 (0 at every other integer)",
            (torch.tensor([1.0, 2.0, -2.0]), 3),
            np.array([0.0, 0.0, 0.0]),
        ),
        (
            "x = 0.5 and 1.5, a = 3",
            (torch.tensor([0.5, 1.5], dtype=torch.float64), 3),
            _lanczos_reference(np.array([0.5, 1.5]), 3),
        ),
        (
            "29 offsets from -3.5 to 3.5, a = 2 (zero beyond |x| = 2)",
            (torch.tensor(x), 2),
            _lanczos_reference(x, 2),
        ),
    ]
    hints = (
        "The kernel is a product of two sincs, the second one stretched by a, and it is cut "
        "to the window |x| < a. Which sinc: sin(x)/x, or sin(pi x)/(pi x)?",
        "torch.sinc is already the normalised sinc (and is 1 at 0). Outside |x| < a the "
        "kernel must be exactly 0, however small the two sincs are there.",
    )
    return run_cases(
        "check_lanczos", student_fn, cases, hints=hints, atol=1e-6, strict=strict, hint=hint
    )


def _shrink_reference(n_in: int, factor: int) -> torch.Tensor:
    from ..resize import _weight_matrix

    return _weight_matrix(n_in, n_in // factor, 1 / factor, "cubic", True, torch.float64, "cpu")


def check_shrink_weights(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``shrink_weights(n_in, factor)``: the (n_in // factor, n_in) matrix of MATLAB's
    ``imresize(x, 1 / factor)`` along one axis: bicubic stretched by ``factor``
    (antialiasing), mirrored borders, rows normalised to sum 1."""
    cases = [
        ("n_in = 8, factor 2", (8, 2), _shrink_reference(8, 2)),
        ("n_in = 6, factor 2 (the mirror reaches both borders)", (6, 2), _shrink_reference(6, 2)),
        ("n_in = 12, factor 3", (12, 3), _shrink_reference(12, 3)),
    ]
    hints = (
        "Shrinking by `factor` is enlarging with scale 1 / factor in the lecture's recipe, "
        "but the kernel is stretched: h(t / factor) / factor, so its support is 4 * factor "
        "pixels wide, and output pixel i (from 1) sits at u = factor * i + (1 - factor) / 2.",
        "Loop over every input j (1-based) with |u - j| < 2 * factor; add the stretched "
        "weight at the mirrored index (the lecture's `mirror`: ... b a | a b ...); divide "
        "each row by its sum at the end. Without the stretch the matrix has only 4 taps "
        "per row and aliases.",
    )
    return run_cases(
        "check_shrink_weights", student_fn, cases, hints=hints, atol=1e-8, strict=strict, hint=hint
    )


def _ssim_reference(x: np.ndarray, y: np.ndarray, data_range: float) -> float:
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mx, my = x.mean(), y.mean()
    vx, vy, cxy = x.var(), y.var(), ((x - mx) * (y - my)).mean()
    return ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))


def check_ssim_global(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``ssim_global(x, y, data_range=1.0)``: SSIM with one window, the whole image: means,
    variances and covariance over all values (divided by N), C1 = (0.01 L)^2, C2 = (0.03 L)^2."""
    gen = torch.Generator().manual_seed(3)
    x = torch.rand(1, 12, 12, generator=gen, dtype=torch.float64)
    noisy = (x + 0.1 * torch.randn(x.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    ramp = torch.linspace(0, 1, 64, dtype=torch.float64).reshape(1, 8, 8)
    cases = [
        ("an image against itself", (x, x, 1.0), 1.0),
        (
            "an image against its noisy copy",
            (noisy, x, 1.0),
            _ssim_reference(noisy.numpy(), x.numpy(), 1.0),
        ),
        (
            "a ramp against its negative 1 - ramp (anti-correlated)",
            (ramp, 1 - ramp, 1.0),
            _ssim_reference(ramp.numpy(), 1 - ramp.numpy(), 1.0),
        ),
        (
            "the noisy pair on the 0-255 scale, data_range = 255",
            (255 * noisy, 255 * x, 255.0),
            _ssim_reference(noisy.numpy(), x.numpy(), 1.0),
        ),
    ]
    hints = (
        "Three comparisons in one formula: the means (luminance), the variances (contrast) "
        "and the covariance (structure); the constants only keep the fractions finite.",
        "Use the biased variance and covariance (divide by N: .var(unbiased=False), or the "
        "mean of the products of the centred values), sigma_xy in the numerator, sigma "
        "squared (not sigma) in the denominator, and scale C1, C2 with data_range squared.",
    )
    return run_cases(
        "check_ssim_global", student_fn, cases, hints=hints, atol=1e-6, strict=strict, hint=hint
    )


def _enlarged_step(scale: int, a: float) -> torch.Tensor:
    """A 0 -> 1 step of 16 samples enlarged ``scale`` times with Keys' cubic of parameter a."""
    from ..resize import cubic

    step = torch.cat([torch.zeros(8), torch.ones(8)]).double()
    out = []
    for i in range(1, 16 * scale + 1):
        u = i / scale + 0.5 * (1 - 1 / scale)
        j = torch.arange(math.floor(u) - 2, math.floor(u) + 4)
        w = cubic(u - j.double(), a)
        out.append((w * step[(j - 1).clamp(0, 15)]).sum() / w.sum())
    return torch.stack(out)


def check_prediction_overshoot(
    predicted: str, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """Which cubic kernel overshoots more at a step edge enlarged x4:
    ``"a=-0.5"`` (MATLAB), ``"a=-0.75"`` (OpenCV) or ``"equal"``?"""
    over = {a: float(_enlarged_step(4, a).max()) - 1 for a in (-0.5, -0.75)}
    measured = "a=-0.75" if over[-0.75] > over[-0.5] else "a=-0.5"
    detail = (
        f"Measured: a=-0.5 overshoots by {over[-0.5]:.3f}, a=-0.75 by {over[-0.75]:.3f} "
        "(and undershoots by as much on the dark side). The negative lobes of the kernel "
        "weigh the pixels across the edge with the wrong sign; a more negative a makes "
        "the lobes deeper, so the ringing is stronger and the edge looks sharper."
    )
    hints = (
        "Where does the kernel become negative, and what happens to a weighted sum of 0s "
        "and 1s when some weights are negative?",
        "Plot cubic(x, a) for both values of a on 1 < |x| < 2: the lobe of a = -0.75 is "
        "deeper. The overshoot is the sum of the negative weights that fall on the dark side.",
    )
    return check_prediction(
        "check_prediction_overshoot",
        predicted,
        measured,
        choices=("a=-0.5", "a=-0.75", "equal"),
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
