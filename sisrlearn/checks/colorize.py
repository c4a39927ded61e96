"""Exercise 10 checkers: soft encoding, rebalancing, the annealed mean."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import run_cases


def _toy_bins() -> torch.Tensor:
    """A 4x4 grid of ab bins, 10 apart (the exercise's small stand-in for the 229 bins)."""
    a, b = torch.meshgrid(torch.arange(-20.0, 20, 10), torch.arange(-20.0, 20, 10), indexing="ij")
    return torch.stack([a.reshape(-1), b.reshape(-1)], dim=1).double()


def check_soft_encode(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 10: ``soft_encode(points, bins, neighbours=5, sigma=5.0)``: points (P, 2),
    bins (Q, 2) -> (P, Q), a Gaussian of the distance over the nearest bins, rows sum to 1."""
    from ..colorize import soft_encode

    bins = _toy_bins()
    gen = torch.Generator().manual_seed(10)
    points = (torch.rand(6, 2, generator=gen, dtype=torch.float64) - 0.5) * 40

    def reference(p, k=5, sigma=5.0):
        return soft_encode(p.T[None, :, :, None], bins, neighbours=k, sigma=sigma)[0, :, :, 0].T

    cases = [
        (
            "a point on a bin centre (0, 0)",
            (torch.zeros(1, 2, dtype=torch.float64), bins),
            reference(torch.zeros(1, 2, dtype=torch.float64)),
            "the nearest bin gets the most weight; its 4 neighbours at distance 10 get exp(-2)",
        ),
        (
            "6 random points",
            (points, bins),
            reference(points),
            "w = exp(-d^2 / (2 sigma^2)) with d the DISTANCE (square it), only for the 5 nearest "
            "bins, then divide by the row sum",
        ),
        (
            "6 random points, neighbours=3, sigma=8",
            (points, bins, 3, 8.0),
            reference(points, 3, 8.0),
            "use the neighbours and sigma arguments",
        ),
    ]
    return run_cases("check_soft_encode", student_fn, cases, atol=1e-5, strict=strict)


def check_rebalancing_weights(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 10: ``rebalancing_weights(prior, lam=0.5)``: ``w ~ 1 / ((1 - lam) p + lam / Q)``
    scaled so that ``sum(p * w) = 1`` (Zhang et al. eq. 4)."""
    from ..colorize import rebalancing_weights

    prior = torch.tensor([0.6, 0.25, 0.1, 0.05, 0.0], dtype=torch.float64)
    skewed = torch.softmax(torch.linspace(0, 4, 8, dtype=torch.float64), dim=0)
    cases = [
        (
            "5-bin prior (one colour never seen)",
            (prior,),
            rebalancing_weights(prior),
            "mix with the uniform 1/Q first (so a never-seen colour gets a finite weight), invert, "
            "then scale so that the EXPECTATION under the prior, sum(p * w), is 1 (not the mean)",
        ),
        (
            "8-bin prior, lam = 0.2",
            (skewed, 0.2),
            rebalancing_weights(skewed, lam=0.2),
            "the mixture is (1 - lam) * p + lam / Q",
        ),
        (
            "uniform prior: every weight 1",
            (torch.full((4,), 0.25, dtype=torch.float64),),
            torch.ones(4),
            "with a uniform prior no colour is rarer than another",
        ),
    ]
    return run_cases("check_rebalancing_weights", student_fn, cases, atol=1e-6, strict=strict)


def check_annealed_mean(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 10: ``annealed_mean(probs, bins, temperature)``: probs (P, Q) -> ab (P, 2),
    the mean of ``f_T(z) = exp(log z / T) / sum`` (Zhang et al. eq. 5)."""
    from ..colorize import ANNEALED_T, annealed_mean

    bins = _toy_bins()
    gen = torch.Generator().manual_seed(11)
    probs = torch.softmax(2 * torch.randn(5, len(bins), generator=gen, dtype=torch.float64), 1)

    def reference(t: float) -> torch.Tensor:
        return annealed_mean(probs.T[None, :, :, None], bins, temperature=t)[0, :, :, 0].T

    cases = [
        (
            "T = 1 (the mean)",
            (probs, bins, 1.0),
            probs @ bins,
            "at T = 1, f_T(z) = z: the answer is sum_q z_q * bin_q",
        ),
        (
            "T = 0.38 (the paper's)",
            (probs, bins, ANNEALED_T),
            reference(ANNEALED_T),
            "f_T(z) = exp(log(z) / T), renormalised over the bins: z ** (1 / T), not z ** T, and "
            "not a softmax of z / T",
        ),
        (
            "T = 0.01 (close to the mode)",
            (probs, bins, 0.01),
            reference(0.01),
            "compute it as a softmax of log(z) / T so that small T does not overflow",
        ),
    ]
    return run_cases("check_annealed_mean", student_fn, cases, atol=1e-4, strict=strict)
