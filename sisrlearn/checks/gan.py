"""Checkers for the GAN-objectives exercises: the optimal discriminator and the losses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._core import run_cases


def check_optimal_discriminator(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 07: ``optimal_discriminator(p_data, p_g)`` -> ``p_data / (p_data + p_g)``,
    1/2 where both densities are 0 (Goodfellow et al. 2014, Proposition 1)."""
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    p_data = torch.exp(-0.5 * x**2)
    p_g = torch.exp(-0.5 * (x - 1) ** 2)
    cases = [
        (
            "p_data = [1, 0, 3], p_g = [1, 2, 1]",
            (torch.tensor([1.0, 0.0, 3.0]), torch.tensor([1.0, 2.0, 1.0])),
            [0.5, 0.0, 0.75],
            "D* = p_data / (p_data + p_g): the share of the density that is real",
        ),
        (
            "two Gaussians on a grid",
            (p_data, p_g),
            p_data / (p_data + p_g),
            "divide elementwise; D* is p_data's share, not p_g's",
        ),
        (
            "both densities 0 at the second point",
            (torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0])),
            [1.0, 0.5],
            "where p_data + p_g = 0 any D is optimal; return 0.5 there, not nan (torch.where)",
        ),
    ]
    return run_cases("check_optimal_discriminator", student_fn, cases, atol=1e-6, strict=strict)


def check_nonsaturating_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 07: ``nonsaturating_loss(fake_logits)`` -> mean of ``-log sigmoid(l)``, finite
    for any logit (softplus)."""
    logits = torch.tensor([-2.0, -0.5, 0.0, 1.5, 4.0], dtype=torch.float64)
    cases = [
        (
            "one logit 0 (D = 1/2)",
            (torch.tensor([0.0]),),
            float(np.log(2)),
            "the generator's loss is -log D(G(z)) with D = sigmoid(logit)",
        ),
        (
            "five logits",
            (logits,),
            torch.nn.functional.softplus(-logits).mean(),
            "-log sigmoid(l) = softplus(-l); average over the batch",
        ),
        (
            "extreme logits -200 and 50",
            (torch.tensor([-200.0, 50.0]),),
            100.0,
            "log(sigmoid(-200)) is -inf in float32: use softplus(-l) (stable) instead",
        ),
    ]
    return run_cases("check_nonsaturating_loss", student_fn, cases, atol=1e-5, strict=strict)


def check_hinge_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 07: ``hinge_d_loss(real_logits, fake_logits, margin)`` ->
    ``mean relu(m - real) + mean relu(m + fake)`` (Lim & Ye 2017)."""
    real = torch.tensor([2.0, -1.0, 0.5])
    fake = torch.tensor([0.5, -3.0])
    cases = [
        (
            "real [2, -1, .5], fake [.5, -3], m = 1",
            (real, fake, 1.0),
            1.0 / 3 * 2.5 + 0.75,
            "real: relu(m - l) per sample; fake: relu(m + l); average each, then add",
        ),
        (
            "the same with m = 2",
            (real, fake, 2.0),
            1.0 / 3 * 4.5 + 1.25,
            "use the margin argument, in both terms",
        ),
        (
            "confident D: real 5, fake -5, m = 1",
            (torch.tensor([5.0]), torch.tensor([-5.0]), 1.0),
            0.0,
            "beyond the margin the loss is 0: clip with relu (max(0, .)), never below",
        ),
    ]
    return run_cases("check_hinge_loss", student_fn, cases, atol=1e-5, strict=strict)
