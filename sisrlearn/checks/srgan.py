"""Chapter 09 checkers: the relativistic GAN losses (ESRGAN), the Gram matrix of a texture
loss, the gradient each term of SRGAN's loss sends to the image, and the prediction of what a
Gram matrix of raw pixels sees."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from ._core import check_prediction, run_cases


def _logits(seed: int, n: int, shift: float = 0.0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return 2 * torch.randn(n, 1, generator=gen, dtype=torch.float64) + shift


def _ragan_reference(real, fake):
    rel_real, rel_fake = real - fake.mean(), fake - real.mean()
    ones = torch.ones_like(rel_real)
    bce = F.binary_cross_entropy_with_logits
    d = bce(rel_real, ones) + bce(rel_fake, torch.zeros_like(rel_fake))
    g = bce(rel_real, torch.zeros_like(rel_real)) + bce(rel_fake, torch.ones_like(rel_fake))
    return torch.stack([d, g])


def check_relativistic_losses(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``relativistic_losses(real_logits, fake_logits)``: ESRGAN's relativistic average
    losses (L_D, L_G) from the raw scores C(x) of real and generated images."""
    real, fake = _logits(1, 6, 1.0), _logits(2, 6, -1.0)
    fake4 = _logits(3, 4)
    cases = [
        ("6 real, 6 fake logits", (real, fake), _ragan_reference(real, fake)),
        ("the same scores, real and fake swapped", (fake, real), _ragan_reference(fake, real)),
        ("6 real, 4 fake logits", (real, fake4), _ragan_reference(real, fake4)),
        (
            "all scores equal (D cannot tell): both losses 2 log 2",
            (torch.zeros(3, 1), torch.zeros(5, 1)),
            _ragan_reference(torch.zeros(3, 1), torch.zeros(5, 1)),
        ),
    ]
    hints = (
        "A relativistic D asks 'is this real image more real than the average fake?': compare "
        "each real score with the mean fake score and each fake score with the mean real score, "
        "then use the usual cross-entropy on those differences.",
        "Both losses have two terms. D wants real - mean(fake) classified 1 and fake - "
        "mean(real) classified 0; G wants the opposite labels, so G gets a gradient through "
        "the real images too. Use the stable BCE on logits.",
    )
    return run_cases(
        "check_relativistic_losses",
        student_fn,
        cases,
        hints=hints,
        atol=1e-9,
        strict=strict,
        hint=hint,
    )


def check_gram_matrix(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``gram_matrix(features)``: for (N, C, H, W) features, the (N, C, C) matrices
    ``G[n, i, j] = sum_p F[n, i, p] F[n, j, p] / (C H W)`` over the H W positions p."""
    gen = torch.Generator().manual_seed(4)
    cases = []
    for what, shape in [
        ("one 2-channel 3 x 3 map", (1, 2, 3, 3)),
        ("a batch of 2, 8 channels, 5 x 7", (2, 8, 5, 7)),
        ("one channel 4 x 4", (1, 1, 4, 4)),
    ]:
        x = torch.randn(shape, generator=gen, dtype=torch.float64)
        flat = x.flatten(2)
        cases.append((what, (x,), flat @ flat.transpose(1, 2) / flat[0].numel()))
    hints = (
        "Flatten the spatial positions: each image becomes a C x (H W) matrix F. The Gram "
        "matrix compares channels with channels, summing over positions.",
        "The result is F times its transpose, (C x HW) @ (HW x C) = C x C per image (not "
        "HW x HW), divided by C H W; torch.bmm or @ on (N, C, HW) tensors does the batch.",
    )
    return run_cases(
        "check_gram_matrix", student_fn, cases, hints=hints, atol=1e-10, strict=strict, hint=hint
    )


class _TinyCritic(torch.nn.Module):
    """A fixed small conv net that scores images (the checker's stand-in discriminator)."""

    def __init__(self) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(12)
        self.weight = torch.nn.Parameter(
            0.3 * torch.randn(4, 3, 3, 3, generator=gen, dtype=torch.float64)
        )
        self.head = torch.nn.Parameter(torch.randn(4, generator=gen, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = F.leaky_relu(F.conv2d(x, self.weight, padding=1), 0.2).mean(dim=(2, 3))
        return (feat * self.head).sum(dim=1, keepdim=True)


def _norms_reference(sr, hr, critic, weight):
    x = sr.clone().requires_grad_()
    (g_content,) = torch.autograd.grad(F.mse_loss(x, hr), x)
    x = sr.clone().requires_grad_()
    (g_adv,) = torch.autograd.grad(weight * F.softplus(-critic(x)).mean(), x)
    return torch.stack([g_content.norm(), g_adv.norm()])


def check_gradient_norms(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``gradient_norms(sr, hr, discriminator, weight)``: the pair (content, adversarial) of
    the norms of the gradients, with respect to ``sr``, of ``F.mse_loss(sr, hr)`` and of
    ``weight * softplus(-discriminator(sr)).mean()``."""
    gen = torch.Generator().manual_seed(13)
    hr = torch.rand(2, 3, 8, 8, generator=gen, dtype=torch.float64)
    sr = (hr + 0.05 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    critic = _TinyCritic()
    cases = [
        ("weight 1e-3 (SRGAN)", (sr, hr, critic, 1e-3), _norms_reference(sr, hr, critic, 1e-3)),
        ("weight 1", (sr, hr, critic, 1.0), _norms_reference(sr, hr, critic, 1.0)),
        (
            "a worse SR image (errors 4 x larger), weight 1e-3",
            ((hr + 4 * (sr - hr)).clamp(0, 1), hr, critic, 1e-3),
            _norms_reference((hr + 4 * (sr - hr)).clamp(0, 1), hr, critic, 1e-3),
        ),
    ]
    hints = (
        "How hard a term pushes the image is the size of its gradient with respect to the "
        "image, not the value of the loss: take each term's gradient separately "
        "(torch.autograd.grad) and return the two norms.",
        "Use a fresh sr.clone().requires_grad_() (or retain the graph) for each term; the "
        "adversarial term includes the weight; return (content_norm, adversarial_norm) as "
        "numbers, not the loss values.",
    )
    return run_cases(
        "check_gradient_norms", student_fn, cases, hints=hints, atol=1e-10, strict=strict, hint=hint
    )


def _shuffled_gram_losses() -> tuple[float, float]:
    from ..images import sample

    img = sample("astronaut")[None, :, 100:164, 180:244].double()
    perm = torch.randperm(64 * 64, generator=torch.Generator().manual_seed(0))
    shuffled = img.flatten(2)[:, :, perm].reshape(img.shape)

    def gram(x):
        flat = x.flatten(2)
        return flat @ flat.transpose(1, 2) / flat[0].numel()

    pixel_mse = float(F.mse_loss(shuffled, img))
    texture = float(F.mse_loss(gram(shuffled), gram(img)))
    return texture, pixel_mse


def check_prediction_shuffled_gram(
    predicted: str, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """The texture loss (MSE of Gram matrices) computed on the raw RGB pixels, between a photo
    and the same photo with its pixels randomly shuffled: ``"zero"``, ``"small"`` or
    ``"large"``?"""
    texture, pixel_mse = _shuffled_gram_losses()
    measured = "zero" if texture < 1e-12 else ("small" if texture < 0.1 * pixel_mse else "large")
    detail = (
        f"Measured: texture loss {texture:.2e}, pixel MSE {pixel_mse:.4f}. The Gram matrix of "
        "raw pixels sums products of the three colour values over all positions, so it does "
        "not depend on where the pixels are: shuffling changes nothing. It only sees the colour "
        "statistics. Texture losses therefore use *deep* features (VGG), whose channels respond "
        "to local patterns, so that their co-occurrences describe the texture."
    )
    hints = (
        "Write one entry of the Gram matrix as a sum over positions p. Does the sum change if "
        "the positions are visited in another order?",
        "G[i, j] = sum over p of F[i, p] F[j, p] / (C H W): a permutation of p reorders the "
        "terms of the sum and nothing else, as long as the features are the pixels themselves.",
    )
    return check_prediction(
        "check_prediction_shuffled_gram",
        predicted,
        measured,
        choices=("zero", "small", "large"),
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
