"""Exercises 06-08 checkers: the denoising autoencoder, GAN objectives, SRGAN."""

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
        ("p_data = [1, 0, 3], p_g = [1, 2, 1]",
         (torch.tensor([1.0, 0.0, 3.0]), torch.tensor([1.0, 2.0, 1.0])), [0.5, 0.0, 0.75],
         "D* = p_data / (p_data + p_g): the share of the density that is real"),
        ("two Gaussians on a grid", (p_data, p_g), p_data / (p_data + p_g),
         "divide elementwise; D* is p_data's share, not p_g's"),
        ("both densities 0 at the second point",
         (torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0])), [1.0, 0.5],
         "where p_data + p_g = 0 any D is optimal; return 0.5 there, not nan (torch.where)"),
    ]  # fmt: skip
    return run_cases("check_optimal_discriminator", student_fn, cases, atol=1e-6, strict=strict)


def check_nonsaturating_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 07: ``nonsaturating_loss(fake_logits)`` -> mean of ``-log sigmoid(l)``, finite
    for any logit (softplus)."""
    logits = torch.tensor([-2.0, -0.5, 0.0, 1.5, 4.0], dtype=torch.float64)
    cases = [
        ("one logit 0 (D = 1/2)", (torch.tensor([0.0]),), float(np.log(2)),
         "the generator's loss is -log D(G(z)) with D = sigmoid(logit)"),
        ("five logits", (logits,), torch.nn.functional.softplus(-logits).mean(),
         "-log sigmoid(l) = softplus(-l); average over the batch"),
        ("extreme logits -200 and 50", (torch.tensor([-200.0, 50.0]),), 100.0,
         "log(sigmoid(-200)) is -inf in float32: use softplus(-l) (stable) instead"),
    ]  # fmt: skip
    return run_cases("check_nonsaturating_loss", student_fn, cases, atol=1e-5, strict=strict)


def check_hinge_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 07: ``hinge_d_loss(real_logits, fake_logits, margin)`` ->
    ``mean relu(m - real) + mean relu(m + fake)`` (Lim & Ye 2017)."""
    real = torch.tensor([2.0, -1.0, 0.5])
    fake = torch.tensor([0.5, -3.0])
    cases = [
        ("real [2, -1, .5], fake [.5, -3], m = 1", (real, fake, 1.0), 1.0 / 3 * 2.5 + 0.75,
         "real: relu(m - l) per sample; fake: relu(m + l); average each, then add"),
        ("the same with m = 2", (real, fake, 2.0), 1.0 / 3 * 4.5 + 1.25,
         "use the margin argument, in both terms"),
        ("confident D: real 5, fake -5, m = 1", (torch.tensor([5.0]), torch.tensor([-5.0]), 1.0),
         0.0, "beyond the margin the loss is 0: clip with relu (max(0, .)), never below"),
    ]  # fmt: skip
    return run_cases("check_hinge_loss", student_fn, cases, atol=1e-5, strict=strict)


def check_mmse_prediction(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 06: ``mmse_prediction(candidates, probs)``: the prediction with the lowest
    expected squared error over candidate answers (K, ...) with probabilities (K,)."""
    edges = torch.stack([(torch.arange(8) >= p).double() for p in (3, 4, 5)])
    gen = torch.Generator().manual_seed(6)
    many = torch.rand(5, 2, 3, generator=gen, dtype=torch.float64)
    probs = torch.tensor([0.1, 0.2, 0.3, 0.25, 0.15], dtype=torch.float64)
    cases = [
        ("three edges, equal probabilities", (edges, torch.full((3,), 1 / 3)), edges.mean(0),
         "the minimiser of E||y_hat - y||^2 is E[y]: here the plain mean of the candidates"),
        ("three edges, probabilities .5 .25 .25", (edges, torch.tensor([0.5, 0.25, 0.25])),
         0.5 * edges[0] + 0.25 * edges[1] + 0.25 * edges[2],
         "weight each candidate by its probability: sum_k p_k y_k"),
        ("five 2x3 candidates", (many, probs), (probs.view(5, 1, 1) * many).sum(0),
         "reshape probs to (K, 1, 1, ...) so it broadcasts over each candidate, sum over dim 0"),
    ]  # fmt: skip
    return run_cases("check_mmse_prediction", student_fn, cases, atol=1e-6, strict=strict)


def check_gradient_energy(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 06: ``gradient_energy(img)`` (N, C, H, W) -> (N,):
    ``(sum dx^2 + sum dy^2) / (C H W)`` with forward differences."""
    from ..dae import gradient_energy

    ramp = torch.arange(4, dtype=torch.float64).repeat(4, 1).view(1, 1, 4, 4) / 4
    gen = torch.Generator().manual_seed(7)
    noise = torch.rand(2, 3, 5, 6, generator=gen, dtype=torch.float64)
    cases = [
        ("a horizontal ramp 0, .25, .5, .75 (4x4)", (ramp,), [12 * 0.0625 / 16],
         "dx = img[..., :, 1:] - img[..., :, :-1]: 12 differences of 0.25; divide by H*W = 16"),
        ("the same ramp turned 90 degrees", (ramp.transpose(-1, -2),), [12 * 0.0625 / 16],
         "add the vertical differences dy = img[..., 1:, :] - img[..., :-1, :] too"),
        ("two random 3-channel 5x6 images", (noise,), gradient_energy(noise),
         "one value per image: sum over channels and pixels, divide by C*H*W"),
    ]  # fmt: skip
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
        ("an 8x8 checkerboard (all power at 0.707 c/px)", (checker.double()[None, None], 0.25),
         [1.0], "fftfreq gives -0.5..0.5 cycles per pixel; radius sqrt(fy^2 + fx^2) > cutoff"),
        ("stripes at 0.125 c/px, cutoff 0.25", (stripes[None, None] + 0.5, 0.25), [0.0],
         "remove the image's mean first, then compare the power above the cutoff with the total"),
        ("two random 16x16 images, cutoff 0.3", (noise, 0.3),
         high_frequency_energy(noise, cutoff=0.3),
         "power = |fft2(img - mean)|^2; share = sum(power[radius > cutoff]) / sum(power)"),
    ]  # fmt: skip
    return run_cases("check_high_frequency_energy", student_fn, cases, atol=1e-6, strict=strict)


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
        ("96x96 crops, 64 features", (96, 64), reference(96, 64),
         "stride 1 on convs 1, 3, 5, 7 and stride 2 on 2, 4, 6, 8; channels 64, 64, 128, 128, ..."),
        ("48x48 crops, 32 features", (48, 32), reference(48, 32),
         "channels are num_features * 2 ** (i // 2) for the i-th conv (i from 0)"),
        ("100x100 crops (odd sizes on the way)", (100, 64), reference(100, 64),
         "with padding 1 a stride-2 3x3 conv gives floor((side - 1) / 2) + 1 = ceil(side / 2)"),
    ]  # fmt: skip
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
        ("noisy sr vs hr, a small conv net as features", (features, sr, hr), expected(sr, hr),
         "compare the FEATURE maps, each divided by 12.75, with the mean squared error"),
        ("sr = hr", (features, hr, hr), 0.0, "identical images have zero loss"),
        ("sr = 1 - hr", (features, 1 - hr, hr), expected(1 - hr, hr),
         "divide the features by 12.75 before squaring: the loss shrinks by 12.75 ** 2"),
    ]  # fmt: skip
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
        ("sr = hr, logits 0 (adversarial term only)", (hr, hr, torch.zeros(2)),
         1e-3 * float(np.log(2)), "adversarial loss -log D(G(z)) = softplus(-logit), times 1e-3"),
        ("noisy sr, logits [-3, 0.5]", (sr, hr, logits), expected(sr, hr, logits),
         "content = mean((sr - hr) ** 2); total = content + 1e-3 * adversarial"),
        ("very negative logits (-100)", (sr, hr, very_negative), expected(sr, hr, very_negative),
         "use the non-saturating loss softplus(-l), not log(1 - sigmoid(l)) (which saturates)"),
    ]  # fmt: skip
    return run_cases("check_srgan_generator_loss", student_fn, cases, atol=1e-7, strict=strict)
