"""Chapter 11 checkers: the annealed mean from logits, the colourfulness metric, the area
under the ab-error curve (plain and rebalanced), and the prediction of where the annealed
mean of a three-colour distribution lands."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._core import check_prediction, run_cases

# named colours of the prediction, in ab units
_COLOURS = {"red": (60.0, 40.0), "green": (-50.0, 50.0), "blue": (10.0, -50.0), "gray": (0.0, 0.0)}


def _toy_bins() -> torch.Tensor:
    """A 4x4 grid of ab bins, 10 apart (a small stand-in for the 229 bins)."""
    a, b = torch.meshgrid(torch.arange(-20.0, 20, 10), torch.arange(-20.0, 20, 10), indexing="ij")
    return torch.stack([a.reshape(-1), b.reshape(-1)], dim=1).double()


def check_annealed_mean_logits(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``annealed_mean_logits(logits, bins, temperature)``: the annealed mean of eq. 5 for a
    network's raw logits (P, Q) instead of probabilities, returning ab (P, 2)."""
    bins = _toy_bins()
    gen = torch.Generator().manual_seed(30)
    logits = 3 * torch.randn(5, 16, generator=gen, dtype=torch.float64)
    huge = logits * 200  # a nearly one-hot distribution

    def reference(z, t):
        log_p = torch.log_softmax(z, dim=1)
        w = torch.exp(log_p / t - torch.logsumexp(log_p / t, dim=1, keepdim=True))
        return w @ bins

    cases = [
        ("T = 1: the mean of the softmax", (logits, bins, 1.0), reference(logits, 1.0)),
        ("T = 0.38 (the paper)", (logits, bins, 0.38), reference(logits, 0.38)),
        (
            "logits x 200 (nearly one-hot), T = 0.38",
            (huge, bins, 0.38),
            reference(huge, 0.38),
        ),
    ]
    hints = (
        "The probabilities are softmax(logits), so log z is the logits minus a constant per "
        "pixel; what does dividing by T and taking a softmax again do to that constant?",
        "The constant cancels in the softmax, so there is no need to compute the "
        "probabilities and their log: temper the logits themselves (divide, not multiply, by "
        "T), then average the bin centres with those weights.",
    )
    return run_cases(
        "check_annealed_mean_logits",
        student_fn,
        cases,
        hints=hints,
        atol=1e-8,
        strict=strict,
        hint=hint,
    )


def check_colourfulness(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``colourfulness(rgb)``: Hasler and Suesstrunk's metric of an RGB image (3, H, W) in
    [0, 1], on the 0-255 scale: ``sqrt(std_rg^2 + std_yb^2) + 0.3 sqrt(mean_rg^2 + mean_yb^2)``
    with ``rg = R - G``, ``yb = (R + G) / 2 - B`` and population standard deviations."""
    from ..colorize import colourfulness

    gen = torch.Generator().manual_seed(31)
    small = torch.rand(3, 4, 4, generator=gen, dtype=torch.float64)
    red = torch.zeros(3, 2, 2, dtype=torch.float64)
    red[0] = 1.0
    cases = [
        ("a gray image (0)", (torch.full((3, 5, 5), 0.4, dtype=torch.float64),), 0.0),
        ("a flat pure red image", (red,), float(colourfulness(red))),
        ("a random 4 x 4 image", (small,), float(colourfulness(small))),
    ]
    hints = (
        "Work on the 0-255 scale (multiply by 255 first); build the two opponent channels rg "
        "and yb; the metric adds a spread term and 0.3 times a mean term.",
        "The spread term is the square root of the *sum of the variances* of rg and yb (not the "
        "sum of the standard deviations), with the population variance (unbiased=False); the "
        "mean term is the length of the vector (mean rg, mean yb).",
    )
    return run_cases(
        "check_colourfulness", student_fn, cases, hints=hints, atol=1e-4, strict=strict, hint=hint
    )


def _auc_reference(errors: torch.Tensor, weights: torch.Tensor | None, max_threshold: int) -> float:
    err = errors.double().numpy()
    w = np.ones_like(err) if weights is None else weights.double().numpy()
    t = np.arange(max_threshold + 1, dtype=float)
    within = (err[None, :] <= t[:, None]).astype(float) @ w / w.sum()
    return float(np.sum((within[1:] + within[:-1]) / 2) / max_threshold)


def check_ab_auc(student_fn: Callable, *, strict: bool | None = None, hint: bool = False) -> bool:
    """``ab_auc(errors, weights=None, max_threshold=150)``: for per-pixel ab errors (P,),
    the fraction of pixels with error <= t for t = 0, 1, ..., max_threshold (each pixel
    counted with its weight), integrated with the trapezoid rule and divided by max_threshold."""
    gen = torch.Generator().manual_seed(32)
    errors = 40 * torch.rand(50, generator=gen, dtype=torch.float64) ** 2
    weights = torch.rand(50, generator=gen, dtype=torch.float64) + 0.1
    cases = [
        ("all errors 0 (perfect: 1)", (torch.zeros(10, dtype=torch.float64), None, 150), 1.0),
        ("50 errors, unweighted", (errors, None, 150), _auc_reference(errors, None, 150)),
        ("50 errors, max_threshold 20", (errors, None, 20), _auc_reference(errors, None, 20)),
        (
            "50 errors, rebalanced by pixel weights",
            (errors, weights, 150),
            _auc_reference(errors, weights, 150),
        ),
    ]
    hints = (
        "First the curve: for every integer threshold t from 0 to max_threshold, the (weighted) "
        "share of pixels whose error is at most t. Then its area, divided by its width.",
        "A weighted share is sum of the weights of the pixels within t over the sum of all "
        "weights; the area uses the trapezoid rule (torch.trapezoid or numpy.trapezoid) over "
        "the thresholds, not the plain mean of the curve.",
    )
    return run_cases(
        "check_ab_auc", student_fn, cases, hints=hints, atol=1e-9, strict=strict, hint=hint
    )


def _three_colour_mean(temperature: float) -> torch.Tensor:
    from ..colorize import ab_bins, annealed_mean

    bins = ab_bins().double()
    probs = torch.zeros(1, len(bins), 1, 1, dtype=torch.float64)
    for name, p in (("red", 0.40), ("green", 0.35), ("blue", 0.25)):
        centre = torch.tensor([_COLOURS[name]], dtype=torch.float64)
        probs[0, int(torch.cdist(centre, bins).argmin()), 0, 0] = p
    return annealed_mean(probs, bins, temperature=temperature)[0, :, 0, 0]


def check_prediction_three_colours(
    predicted: str, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """40 % red, 35 % green, 25 % blue: which of ``"red"``, ``"green"``, ``"blue"``, ``"gray"``
    is nearest to the annealed mean at T = 0.38?"""
    ab = _three_colour_mean(0.38)
    distance = {
        k: float((ab - torch.tensor(v, dtype=torch.float64)).norm()) for k, v in _COLOURS.items()
    }
    measured = min(distance, key=distance.get)
    mean, mode_ish = _three_colour_mean(1.0), _three_colour_mean(0.1)
    detail = (
        f"Measured: ab = ({ab[0]:.1f}, {ab[1]:.1f}) at T = 0.38, distances "
        + ", ".join(f"{k} {v:.0f}" for k, v in distance.items())
        + f". The mean (T = 1) is ({mean[0]:.1f}, {mean[1]:.1f}); T = 0.1 gives "
        f"({mode_ish[0]:.1f}, {mode_ish[1]:.1f}). Tempering with T = 0.38 raises the "
        "probabilities to the power 1/T = 2.6: red's weight grows only from 40 % to about "
        "50 %, and the other two still pull the average towards the middle of the plane. The "
        "annealed mean is a compromise: it picks a side only when one mode clearly dominates."
    )
    hints = (
        "Compute the weights after tempering: each probability to the power 1 / 0.38, then "
        "normalised. Is red now dominant, or still one of three sizeable weights?",
        "With weights about 0.50, 0.35, 0.15 on red (60, 40), green (-50, 50) and blue "
        "(10, -50), average the ab vectors and measure the distance to each named colour.",
    )
    return check_prediction(
        "check_prediction_three_colours",
        predicted,
        measured,
        choices=tuple(_COLOURS),
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
