"""Chapter 03 checkers: FISTA, the elastic-net shrinkage, the Lipschitz constant by power
iteration, and the prediction of the Lasso's empty code."""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch

from ._core import check_prediction, run_cases


def _problem(seed: int, m: int = 8, k: int = 16):
    gen = torch.Generator().manual_seed(seed)
    d = torch.randn(m, k, generator=gen, dtype=torch.float64)
    d = d / d.norm(dim=0)
    y = torch.randn(m, generator=gen, dtype=torch.float64)
    return y, d


def check_fista(student_fn: Callable, *, strict: bool | None = None, hint: bool = False) -> bool:
    """``fista(y, D, lam, num_iters)``: Beck & Teboulle's FISTA for the Lasso from z = 0,
    the code (K,) after ``num_iters`` iterations."""
    from ..sparse import ista

    y, d = _problem(5)
    y2, d2 = _problem(7, m=12, k=30)
    cases = [
        (
            "one iteration (no momentum yet: one ISTA step)",
            (y, d, 0.1, 1),
            ista(y, d, lam=0.1, num_iters=1, fista=True),
        ),
        ("3 iterations, lam = 0.1", (y, d, 0.1, 3), ista(y, d, lam=0.1, num_iters=3, fista=True)),
        (
            "25 iterations, lam = 0.05",
            (y, d, 0.05, 25),
            ista(y, d, lam=0.05, num_iters=25, fista=True),
        ),
        (
            "a 12 x 30 dictionary, 40 iterations, lam = 0.2",
            (y2, d2, 0.2, 40),
            ista(y2, d2, lam=0.2, num_iters=40, fista=True),
        ),
    ]
    hints = (
        "FISTA is ISTA taken from an extrapolated point v, not from the last code: between "
        "iterations you have to remember the previous code and the scalar t.",
        "Check three things: the gradient step and the shrinkage are applied at v (not at z); "
        "the momentum factor is (t - 1) / t_next, which is 0 in the first iteration; t is "
        "updated only after it has been used.",
    )
    return run_cases(
        "check_fista", student_fn, cases, hints=hints, atol=1e-8, strict=strict, hint=hint
    )


@functools.lru_cache(maxsize=8)
def _prox_grid(theta: float, gamma: float) -> torch.Tensor:
    """The minimiser for 25 values of a in [-3, 3], by search on a 1e-4 grid (an oracle)."""
    a = torch.linspace(-3, 3, 25, dtype=torch.float64)
    z = torch.linspace(-4, 4, 80001, dtype=torch.float64)
    cost = 0.5 * (z[None] - a[:, None]) ** 2 + theta * z.abs() + 0.5 * gamma * z**2
    return z[cost.argmin(dim=1)]


def _prox_by_grid(a: torch.Tensor, theta: float, gamma: float) -> torch.Tensor:
    return _prox_grid(theta, gamma)


def check_prox_elastic_net(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``prox_elastic_net(a, theta, gamma)``: the minimiser over z of
    ``0.5 (z - a)^2 + theta |z| + 0.5 gamma z^2``, elementwise."""
    a = torch.linspace(-3, 3, 25, dtype=torch.float64)
    brute = _prox_by_grid
    cases = [
        ("gamma = 0 (plain soft thresholding), theta = 0.5", (a, 0.5, 0.0), brute(a, 0.5, 0.0)),
        ("theta = 0 (only the squared penalty), gamma = 1", (a, 0.0, 1.0), brute(a, 0.0, 1.0)),
        ("theta = 0.5, gamma = 1", (a, 0.5, 1.0), brute(a, 0.5, 1.0)),
        ("theta = 1.2, gamma = 0.25", (a, 1.2, 0.25), brute(a, 1.2, 0.25)),
    ]
    hints = (
        "Set the derivative to zero where z is not 0 (|z| has derivative sign(z) there), "
        "and find for which a the answer z = 0 is best, exactly as for the soft threshold.",
        "For z > 0: (z - a) + theta + gamma z = 0. The zero region is still |a| <= theta; "
        "outside it the soft-threshold result is shrunk once more, by a factor depending on gamma.",
    )
    return run_cases(
        "check_prox_elastic_net",
        student_fn,
        cases,
        hints=hints,
        atol=1e-4,
        strict=strict,
        hint=hint,
    )


def check_lipschitz_power(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``lipschitz_power(D, num_iters=200)``: L = ||D||_2^2, the largest eigenvalue of D^T D,
    estimated by power iteration (no SVD or matrix_norm)."""
    y, d = _problem(5)
    _, wide = _problem(9, m=6, k=40)
    tall = _problem(11, m=30, k=5)[1] * torch.tensor([3.0, 1.0, 1.0, 0.5, 0.2], dtype=torch.float64)

    def exact(m):
        return float(torch.linalg.matrix_norm(m, ord=2) ** 2)

    cases = [
        ("an 8 x 16 dictionary", (d, 200), exact(d)),
        ("a 6 x 40 dictionary", (wide, 200), exact(wide)),
        ("a 30 x 5 matrix with columns of different norms", (tall, 200), exact(tall)),
        ("the identity 4 x 4 (L = 1)", (torch.eye(4, dtype=torch.float64), 200), 1.0),
    ]
    hints = (
        "Repeatedly multiply a vector by D^T D and normalise it: it turns towards the top "
        "eigenvector. What does the eigenvalue then have to do with the vector's growth?",
        "Common slips: returning ||D v|| (the spectral norm) instead of its square; not "
        "normalising v at every step (it overflows or vanishes); measuring the growth before "
        "v has turned towards the top eigenvector.",
    )
    return run_cases(
        "check_lipschitz_power",
        student_fn,
        cases,
        hints=hints,
        atol=0,
        rtol=1e-5,
        strict=strict,
        hint=hint,
    )


@functools.lru_cache(maxsize=1)
def _empty_code_counts() -> list[int]:
    from ..sparse import ista

    counts = []
    for seed in (0, 1, 2):
        y, d = _problem(seed, m=20, k=50)
        lam = 1.01 * float((d.T @ y).abs().max())
        z = ista(y, d, lam=lam, num_iters=2000, fista=True)
        counts.append(int((z.abs() > 1e-10).sum()))
    return counts


def check_prediction_empty_code(
    predicted: int, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """How many non-zero coefficients does the Lasso code have when lam is 1 % above
    ``max |D^T y|``?"""
    counts = _empty_code_counts()
    measured = max(counts)
    detail = (
        f"Measured on three random problems: {counts} non-zeros. At z = 0 the gradient of "
        "the quadratic term is -D^T y; z = 0 is optimal exactly when every |(D^T y)_k| <= lam "
        "(the L1 term's subgradient can cancel it). Above lam_max = max |D^T y| the shrinkage "
        "kills everything: no atom is worth its price."
    )
    hints = (
        "Start ISTA from z = 0: what is the first gradient step, and what does the "
        "shrinkage by lam / L do to it when lam is larger than every entry of D^T y?",
        "From z = 0 one ISTA step gives h_{lam/L}(D^T y / L): every entry has |.| < lam / L, "
        "so the step returns z = 0 again, a fixed point, hence the solution.",
    )
    return check_prediction(
        "check_prediction_empty_code",
        predicted,
        measured,
        tolerance=0,
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
