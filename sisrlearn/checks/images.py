"""Exercise 01 checkers: PSNR, the Y channel, the cubic kernel."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._core import run_cases


def check_psnr(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 01: ``psnr(sr, hr)`` for tensors in [0, 1] (peak 1), in dB."""
    from skimage.metrics import peak_signal_noise_ratio

    gen = torch.Generator().manual_seed(1)
    hr = torch.rand(1, 16, 16, generator=gen, dtype=torch.float64)
    sr = (hr + 0.05 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    reference = peak_signal_noise_ratio(hr.numpy(), sr.numpy(), data_range=1.0)
    flat_hr = torch.zeros(1, 2, 2, dtype=torch.float64)
    cases = [
        (
            "sr = 0.1 everywhere, hr = 0 (MSE 0.01)",
            (flat_hr + 0.1, flat_hr),
            20.0,
            "PSNR = 10 * log10(1 / MSE); MSE is the mean of the squared differences",
        ),
        (
            "sr = 0.5, hr = 0 (MSE 0.25)",
            (flat_hr + 0.5, flat_hr),
            10 * np.log10(4.0),
            "use log10, not the natural log, and square the differences",
        ),
        (
            "noisy 16x16 image vs skimage",
            (sr, hr),
            reference,
            "average the squared error over every pixel and channel before the log",
        ),
    ]
    return run_cases("check_psnr", student_fn, cases, atol=1e-3, strict=strict)


def check_rgb_to_y(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 01: ``rgb_to_y(img)`` (3, H, W) RGB in [0, 1] -> (1, H, W) Y/255 (BT.601)."""
    colours = torch.tensor(
        [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.2, 0.5, 0.9]], dtype=torch.float64
    )
    img = colours.T.reshape(3, 1, 4)
    expected = (16 + colours @ torch.tensor([65.481, 128.553, 24.966], dtype=torch.float64)) / 255
    cases = [
        (
            "black pixel",
            (img[:, :, :1],),
            torch.tensor([[[16 / 255]]]),
            "Y has an offset: 16/255 for black (studio swing)",
        ),
        (
            "white pixel",
            (img[:, :, 1:2],),
            torch.tensor([[[235 / 255]]]),
            "white maps to 235/255: the weights 65.481, 128.553, 24.966 sum to 219",
        ),
        (
            "four colours",
            (img,),
            expected.reshape(1, 1, 4),
            "BT.601: (16 + 65.481 R + 128.553 G + 24.966 B) / 255, shape (1, H, W)",
        ),
    ]
    return run_cases("check_rgb_to_y", student_fn, cases, atol=1e-6, strict=strict)


def check_cubic(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 01: Keys' cubic kernel ``cubic(x)`` with a = -0.5, for a tensor of offsets."""
    from ..resize import cubic

    x = torch.linspace(-2.5, 2.5, 21, dtype=torch.float64)
    cases = [
        (
            "cubic(0) and cubic(1)",
            (torch.tensor([0.0, 1.0], dtype=torch.float64),),
            torch.tensor([1.0, 0.0]),
            "the kernel interpolates: 1 at 0, 0 at every other integer",
        ),
        (
            "cubic(0.5)",
            (torch.tensor([0.5], dtype=torch.float64),),
            torch.tensor([0.5625]),
            "use a = -0.5 (MATLAB); a = -0.75 (OpenCV) gives 0.59375",
        ),
        (
            "cubic(1.5) (negative lobe)",
            (torch.tensor([1.5], dtype=torch.float64),),
            torch.tensor([-0.0625]),
            "for 1 < |x| <= 2: a|x|^3 - 5a|x|^2 + 8a|x| - 4a",
        ),
        (
            "21 offsets from -2.5 to 2.5",
            (x,),
            cubic(x),
            "use |x| so the kernel is symmetric, and return 0 beyond |x| = 2",
        ),
    ]
    return run_cases("check_cubic", student_fn, cases, atol=1e-6, strict=strict)
