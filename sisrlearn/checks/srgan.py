"""Checkers for the SRGAN exercises: discriminator shapes, perceptual and generator losses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._core import run_cases


def check_discriminator_shapes(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 08: ``discriminator_shapes(input_size, num_features=64)`` -> the
    ``(channels, side)`` after each of the SRGAN discriminator's 8 convolutions."""

    def reference(size: int, feats: int) -> list[tuple[int, int]]:
        out, side = [], size
        for i in range(8):
            side = (side - 1) // 2 + 1 if i % 2 else side  # 3x3, padding 1, stride 2
            out.append((feats * 2 ** (i // 2), side))
        return out

    cases = [
        (
            "96x96 crops, 64 features",
            (96, 64),
            reference(96, 64),
            "stride 1 on convs 1, 3, 5, 7 and stride 2 on 2, 4, 6, 8; channels 64, 64, 128, ...",
        ),
        (
            "48x48 crops, 32 features",
            (48, 32),
            reference(48, 32),
            "channels are num_features * 2 ** (i // 2) for the i-th conv (i from 0)",
        ),
        (
            "100x100 crops (odd sizes on the way)",
            (100, 64),
            reference(100, 64),
            "with padding 1 a stride-2 3x3 conv gives floor((side - 1) / 2) + 1 = ceil(side / 2)",
        ),
    ]
    return run_cases("check_discriminator_shapes", student_fn, cases, atol=0, strict=strict)


def _toy_features() -> torch.nn.Module:
    gen = torch.Generator().manual_seed(9)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return net.double()


def check_perceptual_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 08: ``perceptual_loss(features, sr, hr)`` -> ``mean((features(sr) / 12.75 -
    features(hr) / 12.75) ** 2)`` (Ledig et al. 2017, VGG loss with rescaled feature maps)."""
    features = _toy_features()
    gen = torch.Generator().manual_seed(10)
    hr = torch.rand(2, 3, 8, 8, generator=gen, dtype=torch.float64)
    sr = (hr + 0.1 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)

    def expected(a, b):
        with torch.no_grad():
            return torch.mean((features(a) / 12.75 - features(b) / 12.75) ** 2)

    cases = [
        (
            "noisy sr vs hr, a small conv net as features",
            (features, sr, hr),
            expected(sr, hr),
            "compare the FEATURE maps, each divided by 12.75, with the mean squared error",
        ),
        ("sr = hr", (features, hr, hr), 0.0, "identical images have zero loss"),
        (
            "sr = 1 - hr",
            (features, 1 - hr, hr),
            expected(1 - hr, hr),
            "divide the features by 12.75 before squaring: the loss shrinks by 12.75 ** 2",
        ),
    ]
    return run_cases("check_perceptual_loss", student_fn, cases, atol=1e-8, strict=strict)


def check_srgan_generator_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 08: ``srgan_generator_loss(sr, hr, fake_logits)`` -> pixel MSE + 1e-3 times
    the non-saturating adversarial loss ``mean(-log sigmoid(fake_logits))``."""
    gen = torch.Generator().manual_seed(11)
    hr = torch.rand(2, 3, 8, 8, generator=gen, dtype=torch.float64)
    sr = (hr + 0.05 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    logits = torch.tensor([-3.0, 0.5], dtype=torch.float64)
    very_negative = torch.full((2,), -100.0, dtype=torch.float64)

    def expected(a, b, lg):
        return torch.mean((a - b) ** 2) + 1e-3 * torch.nn.functional.softplus(-lg).mean()

    cases = [
        (
            "sr = hr, logits 0 (adversarial term only)",
            (hr, hr, torch.zeros(2)),
            1e-3 * float(np.log(2)),
            "adversarial loss -log D(G(z)) = softplus(-logit), times 1e-3",
        ),
        (
            "noisy sr, logits [-3, 0.5]",
            (sr, hr, logits),
            expected(sr, hr, logits),
            "content = mean((sr - hr) ** 2); total = content + 1e-3 * adversarial",
        ),
        (
            "very negative logits (-100)",
            (sr, hr, very_negative),
            expected(sr, hr, very_negative),
            "use the non-saturating loss softplus(-l), not log(1 - sigmoid(l)) (which saturates)",
        ),
    ]
    return run_cases("check_srgan_generator_loss", student_fn, cases, atol=1e-7, strict=strict)
