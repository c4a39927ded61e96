"""Chapter 07 checkers: the L1-optimal prediction (a weighted median), the posterior mean of
a noisy binary pixel, the Gaussian blur equivalent to a loss of detail, and the prediction
of what the L1 answer to the shifted edges looks like."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import check_prediction, run_cases


def _weighted_median_by_search(candidates: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
    """For every element, the candidate value with the lowest expected absolute error."""
    shape = (-1,) + (1,) * (candidates.dim() - 1)
    p = probs.to(candidates).view(shape)
    cost = (p[None] * (candidates[:, None] - candidates[None]).abs()).sum(dim=1)  # (K, ...)
    return candidates.gather(0, cost.argmin(dim=0, keepdim=True))[0]


def _shifted_edges() -> torch.Tensor:
    return torch.stack([(torch.arange(32) >= p).double() for p in range(13, 20)])


def check_mae_prediction(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``mae_prediction(candidates, probs)``: the prediction minimising the expected absolute
    error ``sum_k p_k |y_hat - y_k|`` elementwise, for candidates (K, ...) and probs (K,)."""
    gen = torch.Generator().manual_seed(8)
    values = torch.tensor([0.0, 1.0, 2.0, 3.0, 10.0], dtype=torch.float64)
    lopsided = torch.tensor([0.1, 0.2, 0.3, 0.25, 0.15], dtype=torch.float64)
    rand = torch.rand(4, 3, 3, generator=gen, dtype=torch.float64)
    probs4 = torch.tensor([0.41, 0.27, 0.19, 0.13], dtype=torch.float64)
    edges = _shifted_edges()
    uniform = torch.full((7,), 1 / 7, dtype=torch.float64)
    cases = [
        (
            "five numbers with an outlier, uniform probs",
            (values, torch.full((5,), 0.2, dtype=torch.float64)),
            torch.tensor(2.0, dtype=torch.float64),
        ),
        (
            "the same five numbers, probs 0.1 0.2 0.3 0.25 0.15",
            (values, lopsided),
            _weighted_median_by_search(values, lopsided),
        ),
        (
            "four random 3 x 3 images, probs 0.41 0.27 0.19 0.13",
            (rand, probs4),
            _weighted_median_by_search(rand, probs4),
        ),
        (
            "the lecture's 7 shifted edges, uniform",
            (edges, uniform),
            _weighted_median_by_search(edges, uniform),
        ),
    ]
    hints = (
        "The derivative of |y_hat - y_k| is the sign of y_hat - y_k: the expected error stops "
        "decreasing where the probability below y_hat reaches one half. That is a median, "
        "weighted by the probabilities, taken separately for every element.",
        "Sort the candidates along the first axis (torch.sort gives the order), reorder the "
        "probabilities the same way, accumulate them, and take the first sorted value where "
        "the running sum reaches 0.5. The mean is the MSE answer, not this one.",
    )
    return run_cases(
        "check_mae_prediction", student_fn, cases, hints=hints, atol=1e-12, strict=strict, hint=hint
    )


def check_posterior_mean_binary(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``posterior_mean_binary(noisy, sigma, p_ink)``: E[x | y] for a pixel x that is 1 (ink)
    with probability ``p_ink`` and 0 otherwise, observed as y = x + N(0, sigma^2)."""

    def reference(y, sigma, p):
        like1 = p * torch.exp(-((y - 1) ** 2) / (2 * sigma**2))
        like0 = (1 - p) * torch.exp(-(y**2) / (2 * sigma**2))
        return like1 / (like1 + like0)

    y = torch.linspace(-0.5, 1.5, 21, dtype=torch.float64)
    cases = [
        (
            "y = 0.5 exactly halfway, p_ink = 0.5",
            (torch.tensor([0.5], dtype=torch.float64), 0.3, 0.5),
            torch.tensor([0.5], dtype=torch.float64),
        ),
        ("21 values of y, sigma 0.3, p_ink 0.5", (y, 0.3, 0.5), reference(y, 0.3, 0.5)),
        (
            "21 values of y, sigma 0.3, p_ink 0.2 (ink is rare)",
            (y, 0.3, 0.2),
            reference(y, 0.3, 0.2),
        ),
        ("21 values of y, sigma 0.1, p_ink 0.2", (y, 0.1, 0.2), reference(y, 0.1, 0.2)),
    ]
    hints = (
        "Bayes: the posterior probability of ink is prior times likelihood, normalised over the "
        "two possible values; the posterior mean of a 0/1 variable is that probability.",
        "Each likelihood is a Gaussian density of y around 0 or 1 with variance sigma^2 (the "
        "normalising constants cancel); weight them by p_ink and 1 - p_ink before normalising.",
    )
    return run_cases(
        "check_posterior_mean_binary",
        student_fn,
        cases,
        hints=hints,
        atol=1e-9,
        strict=strict,
        hint=hint,
    )


def _test_image() -> torch.Tensor:
    from ..images import sample

    return sample("camera")[None, :, 200:232, 200:232].double()


def check_equivalent_blur(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``equivalent_blur(clean, energy, low=0.1, high=5.0, iters=30)``: the sigma in
    [low, high] for which ``dae.gradient_energy(gaussian_blur(clean, sigma)).mean()`` equals
    ``energy``, found by bisection."""
    from ..dae import gradient_energy
    from ..degrade import gaussian_blur

    camera = _test_image()
    gen = torch.Generator().manual_seed(9)
    noise = torch.nn.functional.avg_pool2d(
        torch.rand(1, 1, 34, 34, generator=gen, dtype=torch.float64), 3, 1
    )
    cases = []
    for what, img, sigma in [
        ("a camera crop blurred with sigma 1.3", camera, 1.3),
        ("a camera crop blurred with sigma 0.6", camera, 0.6),
        ("a smooth random image blurred with sigma 2.5", noise, 2.5),
    ]:
        energy = float(gradient_energy(gaussian_blur(img, sigma)).mean())
        cases.append((what, (img, energy), sigma))
    hints = (
        "More blur, less gradient energy: the energy falls as sigma grows. Bisection keeps an "
        "interval [low, high] that contains the answer and halves it at every step.",
        "At the midpoint, blur and measure: if the energy is still *above* the target the "
        "image is not blurry enough, so the answer lies in the upper half. Return the "
        "midpoint of the final interval (a sigma, not an energy).",
    )
    return run_cases(
        "check_equivalent_blur", student_fn, cases, hints=hints, atol=5e-3, strict=strict, hint=hint
    )


def check_prediction_l1_edge(
    predicted: str, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """The L1-optimal answer to the lecture's 7 equally likely shifted edges: ``"ramp"`` (like
    the MSE's) or ``"step"``?"""
    edges = _shifted_edges()
    answer = _weighted_median_by_search(edges, torch.full((7,), 1 / 7, dtype=torch.float64))
    is_step = bool(((answer == 0) | (answer == 1)).all()) and int((answer.diff() != 0).sum()) == 1
    measured = "step" if is_step else "ramp"
    position = int(answer.argmax()) if is_step else -1
    detail = (
        f"Measured: the L1 answer is a sharp step at position {position}, the middle of the "
        "seven (13 to 19). At every pixel the candidates are 0s and 1s; their median is 0 or 1, "
        "never in between, and it switches where half of the candidates have switched. The "
        "MSE's mean is a ramp; the absolute error picks a median, which is one of the values "
        "seen. (For images the per-pixel median need not be a plausible image either.)"
    )
    hints = (
        "Look at one pixel: the seven candidates give it the value 0 or 1. What is the median "
        "of a set of 0s and 1s, and what is their mean?",
        "A median of 0s and 1s is 0 or 1 (with 7 candidates, whichever is the majority), so "
        "every pixel of the answer is 0 or 1; only the mean can be in between.",
    )
    return check_prediction(
        "check_prediction_l1_edge",
        predicted,
        measured,
        choices=("ramp", "step"),
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
