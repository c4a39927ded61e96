"""Exercise 03 checkers: soft thresholding, one ISTA step, sparse-coding SR of a patch."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import run_cases


def check_soft_threshold(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 03: ``soft_threshold(x, theta) = sign(x) * max(|x| - theta, 0)``."""
    x = torch.tensor([-2.0, -0.5, -0.1, 0.0, 0.1, 0.5, 2.0], dtype=torch.float64)
    cases = [
        (
            "x = 2, theta = 0.5",
            (torch.tensor([2.0], dtype=torch.float64), 0.5),
            torch.tensor([1.5]),
            "large values move towards 0 by theta",
        ),
        (
            "x = -2, theta = 0.5",
            (torch.tensor([-2.0], dtype=torch.float64), 0.5),
            torch.tensor([-1.5]),
            "negative values shrink too: keep the sign, shrink |x|",
        ),
        (
            "|x| <= theta",
            (torch.tensor([-0.4, 0.3], dtype=torch.float64), 0.5),
            torch.tensor([0.0, 0.0]),
            "values inside [-theta, theta] become exactly 0",
        ),
        (
            "seven values, theta = 0.3",
            (x, 0.3),
            torch.sign(x) * torch.clamp(x.abs() - 0.3, min=0),
            "soft (not hard) thresholding: values above theta are also reduced by theta",
        ),
    ]
    return run_cases("check_soft_threshold", student_fn, cases, atol=1e-8, strict=strict)


def _lasso_example(seed: int = 5, m: int = 6, k: int = 10):
    gen = torch.Generator().manual_seed(seed)
    d = torch.randn(m, k, generator=gen, dtype=torch.float64)
    d = d / d.norm(dim=0)
    y = torch.randn(m, generator=gen, dtype=torch.float64)
    z = 0.3 * torch.randn(k, generator=gen, dtype=torch.float64)
    return y, d, z


def check_ista_step(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 03: ``ista_step(z, y, D, lam)``: one ISTA iteration for
    ``0.5 ||y - D z||^2 + lam ||z||_1``, step ``1/L`` with ``L = ||D||_2^2``."""
    y, d, z = _lasso_example()
    lip = torch.linalg.matrix_norm(d, ord=2) ** 2

    def reference(z, y, d, lam):
        grad_step = z + d.T @ (y - d @ z) / lip
        return torch.sign(grad_step) * torch.clamp(grad_step.abs() - lam / lip, min=0)

    zero = torch.zeros_like(z)
    cases = [
        (
            "from z = 0, lam = 0.1",
            (zero, y, d, 0.1),
            reference(zero, y, d, 0.1),
            "from zero the step is soft_threshold(D^T y / L, lam / L)",
        ),
        (
            "from a non-zero z, lam = 0.1",
            (z, y, d, 0.1),
            reference(z, y, d, 0.1),
            "gradient step z + D^T (y - D z) / L, then shrink by lam / L (not by lam)",
        ),
        (
            "lam = 0: a plain gradient step",
            (z, y, d, 0.0),
            reference(z, y, d, 0.0),
            "L is the largest eigenvalue of D^T D: torch.linalg.matrix_norm(D, ord=2) ** 2",
        ),
    ]
    return run_cases("check_ista_step", student_fn, cases, atol=1e-6, strict=strict)


def check_sr_patch(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 03: ``sr_patch(feature, patch_mean, lr_atoms, hr_atoms, lam)``: the HR patch
    (p*p,) of ScSR: code the unit-normalised LR feature over D_l (Lasso, ``lam``), then
    ``D_h z * ||feature|| + patch_mean``."""
    from ..sparse import ista

    gen = torch.Generator().manual_seed(6)
    dl = torch.randn(16, 12, generator=gen, dtype=torch.float64)
    dl = dl / dl.norm(dim=0)
    dh = 0.5 * torch.randn(4, 12, generator=gen, dtype=torch.float64)
    feature = 3.0 * (
        dl[:, 2] - 0.6 * dl[:, 7] + 0.05 * torch.randn(16, generator=gen, dtype=torch.float64)
    )

    def reference(feature, mean, dl, dh, lam):
        norm = feature.norm()
        z = ista(feature / norm, dl, lam=lam, num_iters=2000, fista=True)
        return dh @ z * norm + mean

    cases = [
        (
            "a feature near 2 atoms, mean 0",
            (feature, 0.0, dl, dh, 0.1),
            reference(feature, 0.0, dl, dh, 0.1),
            "normalise the feature to unit norm before coding, and multiply D_h z by its norm",
        ),
        (
            "the same with patch mean 0.4",
            (feature, 0.4, dl, dh, 0.1),
            reference(feature, 0.4, dl, dh, 0.1),
            "add the patch mean back to every pixel",
        ),
        (
            "lam = 0.3 (sparser)",
            (0.5 * feature, 0.2, dl, dh, 0.3),
            reference(0.5 * feature, 0.2, dl, dh, 0.3),
            "code over D_l (LR features) and rebuild with D_h (HR patches) using the same z",
        ),
    ]
    return run_cases("check_sr_patch", student_fn, cases, atol=2e-3, strict=strict)
