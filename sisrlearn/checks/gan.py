"""Chapter 08 checkers: the LSGAN losses with general targets, the slides' one-sided hinge
(energy-based GAN), LSGAN's optimal discriminator, and the prediction of the hinge's gradient
on a confident real sample."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from ._core import check_prediction, run_cases


def _logits(seed: int, n: int, shift: float = 0.0) -> torch.Tensor:
    return (
        2 * torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        + shift
    )


def check_lsgan_losses(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``lsgan_losses(real_out, fake_out, a=-1.0, b=1.0, c=0.0)``: the pair (L_D, L_G) of
    Mao et al.'s least squares GAN: ``L_D = 0.5 E(D(x) - b)^2 + 0.5 E(D(G(z)) - a)^2`` and
    ``L_G = 0.5 E(D(G(z)) - c)^2``."""

    def reference(real, fake, a, b, c):
        d = 0.5 * ((real - b) ** 2).mean() + 0.5 * ((fake - a) ** 2).mean()
        return torch.stack([d, 0.5 * ((fake - c) ** 2).mean()])

    real, fake, fake5 = _logits(1, 8, 1.0), _logits(2, 8, -1.0), _logits(3, 5)
    cases = [
        (
            "a = -1, b = 1, c = 0 (the paper's Pearson chi-square choice)",
            (real, fake, -1.0, 1.0, 0.0),
            reference(real, fake, -1.0, 1.0, 0.0),
        ),
        (
            "a = 0, b = 1, c = 1 (the lecture's 0-1 coding)",
            (real, fake, 0.0, 1.0, 1.0),
            reference(real, fake, 0.0, 1.0, 1.0),
        ),
        (
            "8 real and 5 fake outputs, a = -1, b = 1, c = 0",
            (real, fake5, -1.0, 1.0, 0.0),
            reference(real, fake5, -1.0, 1.0, 0.0),
        ),
    ]
    hints = (
        "a is the target for fake samples, b for real ones (in D's loss); c is the value the "
        "generator wants D to give its samples. Each term is half a mean of squares.",
        "Average each batch separately (real and fake batches may differ in size), and return "
        "the pair (discriminator loss, generator loss) in that order.",
    )
    return run_cases(
        "check_lsgan_losses", student_fn, cases, hints=hints, atol=1e-10, strict=strict, hint=hint
    )


def check_energy_hinge(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``energy_hinge_d_loss(real_energy, fake_energy, margin)``: the slides' one-sided hinge
    (the energy-based GAN of Zhao et al.): ``E[D(x)] + E[max(0, m - D(G(z)))]``, where D
    gives low energies to real samples and high ones to fakes."""

    def reference(real, fake, m):
        return real.mean() + F.relu(m - fake).mean()

    real = _logits(4, 6).abs()
    fake = _logits(5, 9).abs() * 2
    cases = [
        ("fake energies all above the margin", (real, fake + 10.0, 1.0), real.mean()),
        ("6 real, 9 fake energies, margin 1", (real, fake, 1.0), reference(real, fake, 1.0)),
        ("the same, margin 3", (real, fake, 3.0), reference(real, fake, 3.0)),
        (
            "real energies 0",
            (torch.zeros(4, dtype=torch.float64), fake, 2.0),
            reference(torch.zeros(4, dtype=torch.float64), fake, 2.0),
        ),
    ]
    hints = (
        "Only the fakes meet a hinge: real samples pay their energy as it is, fakes pay only "
        "while their energy is below the margin. The sign is the opposite of the lecture's "
        "logits: low means real.",
        "Real term: the mean energy (no margin, no max). Fake term: the mean of "
        "max(0, margin - energy), zero once a fake's energy exceeds the margin.",
    )
    return run_cases(
        "check_energy_hinge", student_fn, cases, hints=hints, atol=1e-10, strict=strict, hint=hint
    )


def check_lsgan_optimal_discriminator(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``lsgan_optimal_discriminator(p_data, p_g, a, b)``: the D minimising LSGAN's
    discriminator loss pointwise; ``(a + b) / 2`` where both densities are 0."""
    x = torch.linspace(-4, 6, 51, dtype=torch.float64)
    p_data, p_g = torch.exp(-0.5 * x**2), torch.exp(-0.5 * (x - 2) ** 2)

    def by_search(p, q, a, b):  # the minimiser over a grid of D values, as an oracle
        d = torch.linspace(-2, 2, 40001, dtype=torch.float64)
        cost = p[:, None] * (d[None] - b) ** 2 + q[:, None] * (d[None] - a) ** 2
        return d[cost.argmin(dim=1)]

    zeros = torch.zeros(3, dtype=torch.float64)
    cases = [
        ("two Gaussians, a = 0, b = 1", (p_data, p_g, 0.0, 1.0), by_search(p_data, p_g, 0.0, 1.0)),
        (
            "two Gaussians, a = -1, b = 1",
            (p_data, p_g, -1.0, 1.0),
            by_search(p_data, p_g, -1.0, 1.0),
        ),
        (
            "both densities 0, a = -1, b = 1",
            (zeros, zeros, -1.0, 1.0),
            torch.zeros(3, dtype=torch.float64),
        ),
    ]
    hints = (
        "As in the lecture's derivation: at each x the loss is p_data (D - b)^2 + p_g (D - a)^2 "
        "(halves aside); minimise it over the number D.",
        "Setting the derivative to zero gives a weighted average of b and a, weighted by the "
        "two densities; where both are 0 every D is optimal, and the checker wants (a + b) / 2.",
    )
    return run_cases(
        "check_lsgan_optimal_discriminator",
        student_fn,
        cases,
        hints=hints,
        atol=2e-4,
        strict=strict,
        hint=hint,
    )


def check_prediction_hinge_gradient(
    predicted: float, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """The derivative of the hinge discriminator loss (margin 1) with respect to the logit of
    a real sample whose logit is already 3."""
    logit = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
    (hinge,) = torch.autograd.grad(F.relu(1.0 - logit).mean(), logit)
    logit = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
    (cross,) = torch.autograd.grad(F.softplus(-logit).mean(), logit)
    detail = (
        f"Measured: hinge {float(hinge):.4f}, cross-entropy {float(cross):.4f}. Past the "
        "margin the hinge is flat: a real sample that is already confidently real teaches D "
        "nothing more. The cross-entropy's gradient -(1 - sigmoid(l)) is small but never 0, "
        "so it keeps pushing real logits up (and fake ones down) forever."
    )
    hints = (
        "Write the real term max(0, m - l) at l = 3 and m = 1: is the max on its flat side or "
        "on its sloped side?",
        "m - l = -2 < 0, so the term is max(0, -2) = 0 in a whole neighbourhood of l = 3.",
    )
    return check_prediction(
        "check_prediction_hinge_gradient",
        predicted,
        float(hinge),
        tolerance=1e-6,
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
