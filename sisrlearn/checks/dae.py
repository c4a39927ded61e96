"""Checkers for the denoising-autoencoder exercises: the MMSE prediction, gradient and
high-frequency energy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._core import run_cases


def check_mmse_prediction(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 06: ``mmse_prediction(candidates, probs)``: the prediction with the lowest
    expected squared error over candidate answers (K, ...) with probabilities (K,)."""
    edges = torch.stack([(torch.arange(8) >= p).double() for p in (3, 4, 5)])
    gen = torch.Generator().manual_seed(6)
    many = torch.rand(5, 2, 3, generator=gen, dtype=torch.float64)
    probs = torch.tensor([0.1, 0.2, 0.3, 0.25, 0.15], dtype=torch.float64)
    cases = [
        (
            "three edges, equal probabilities",
            (edges, torch.full((3,), 1 / 3)),
            edges.mean(0),
            "the minimiser of E||y_hat - y||^2 is E[y]: here the plain mean of the candidates",
        ),
        (
            "three edges, probabilities .5 .25 .25",
            (edges, torch.tensor([0.5, 0.25, 0.25])),
            0.5 * edges[0] + 0.25 * edges[1] + 0.25 * edges[2],
            "weight each candidate by its probability: sum_k p_k y_k",
        ),
        (
            "five 2x3 candidates",
            (many, probs),
            (probs.view(5, 1, 1) * many).sum(0),
            "reshape probs to (K, 1, 1, ...) so it broadcasts over each candidate, sum over dim 0",
        ),
    ]
    return run_cases("check_mmse_prediction", student_fn, cases, atol=1e-6, strict=strict)


def check_gradient_energy(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 06: ``gradient_energy(img)`` (N, C, H, W) -> (N,):
    ``(sum dx^2 + sum dy^2) / (C H W)`` with forward differences."""
    from ..dae import gradient_energy

    ramp = torch.arange(4, dtype=torch.float64).repeat(4, 1).view(1, 1, 4, 4) / 4
    gen = torch.Generator().manual_seed(7)
    noise = torch.rand(2, 3, 5, 6, generator=gen, dtype=torch.float64)
    cases = [
        (
            "a horizontal ramp 0, .25, .5, .75 (4x4)",
            (ramp,),
            [12 * 0.0625 / 16],
            "dx = img[..., :, 1:] - img[..., :, :-1]: 12 differences of 0.25; divide by H*W = 16",
        ),
        (
            "the same ramp turned 90 degrees",
            (ramp.transpose(-1, -2),),
            [12 * 0.0625 / 16],
            "add the vertical differences dy = img[..., 1:, :] - img[..., :-1, :] too",
        ),
        (
            "two random 3-channel 5x6 images",
            (noise,),
            gradient_energy(noise),
            "one value per image: sum over channels and pixels, divide by C*H*W",
        ),
    ]
    return run_cases("check_gradient_energy", student_fn, cases, atol=1e-6, strict=strict)


def check_high_frequency_energy(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 06: ``high_frequency_energy(img, cutoff)`` (N, C, H, W) -> (N,): the share of
    the mean-removed Fourier power at radial frequency above ``cutoff`` cycles per pixel."""
    from ..dae import high_frequency_energy

    gen = torch.Generator().manual_seed(8)
    noise = torch.rand(2, 1, 16, 16, generator=gen, dtype=torch.float64)
    checker = (torch.arange(8).view(-1, 1) + torch.arange(8)) % 2
    stripes = torch.cos(2 * np.pi * 0.125 * torch.arange(8, dtype=torch.float64)).repeat(8, 1)
    cases = [
        (
            "an 8x8 checkerboard (all power at 0.707 c/px)",
            (checker.double()[None, None], 0.25),
            [1.0],
            "fftfreq gives -0.5..0.5 cycles per pixel; radius sqrt(fy^2 + fx^2) > cutoff",
        ),
        (
            "stripes at 0.125 c/px, cutoff 0.25",
            (stripes[None, None] + 0.5, 0.25),
            [0.0],
            "remove the image's mean first, then compare the power above the cutoff with the total",
        ),
        (
            "two random 16x16 images, cutoff 0.3",
            (noise, 0.3),
            high_frequency_energy(noise, cutoff=0.3),
            "power = |fft2(img - mean)|^2; share = sum(power[radius > cutoff]) / sum(power)",
        ),
    ]
    return run_cases("check_high_frequency_energy", student_fn, cases, atol=1e-6, strict=strict)
