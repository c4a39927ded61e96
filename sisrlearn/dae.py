"""Denoising autoencoders, their data, and how to measure the blur of an MSE-trained network.

A denoising autoencoder (Vincent, Larochelle, Bengio, Manzagol, "Extracting and Composing
Robust Features with Denoising Autoencoders", ICML 2008; Vincent et al., JMLR 2010) is trained
to map a corrupted input ``x + n`` back to ``x``. With the MSE loss its best possible output is
the posterior mean ``E[x | x + n]``: an *average* of every clean image that fits the noisy one,
which is blurry wherever those images disagree (edges, texture). ``high_frequency_energy`` and
``gradient_energy`` measure that loss of detail. The conv architecture follows the convolutional
autoencoders of Masci et al. (ICANN 2011) and the encoder-decoder of Mao, Shen, Yang
(RED-Net, NeurIPS 2016) without their skip connections.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import as_batch
from .images import sample_set
from .resize import imresize

__all__ = [
    "DenoisingAutoencoder",
    "digit_images",
    "natural_patches",
    "noisy_pairs",
    "high_frequency_energy",
    "gradient_energy",
]


class DenoisingAutoencoder(nn.Module):
    """A convolutional autoencoder: ``depth`` stride-2 convs down, as many transposed convs up.

    ``conv_first`` (3x3) -> encoder [conv 3x3 stride 2, ReLU] x depth (channels double) ->
    decoder [transposed conv 4x4 stride 2, ReLU] x depth -> ``conv_last`` (3x3) -> sigmoid.
    The bottleneck has ``num_features * 2**depth`` channels at ``1/2**depth`` of the size.

    Args:
        channels: image channels (1 for digits and grey patches).
        num_features: channels after ``conv_first``.
        depth: number of down/up steps; H and W must divide by ``2**depth``.

    Input (N, channels, H, W) in [0, 1] (noisy); output the same shape in (0, 1).
    """

    def __init__(self, channels: int = 1, num_features: int = 32, *, depth: int = 2) -> None:
        super().__init__()
        for name, value in (("channels", channels), ("num_features", num_features)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= 5:
            raise ValueError(f"depth must be an int from 0 to 5, got {depth!r}")
        self.depth = depth
        self.conv_first = nn.Sequential(nn.Conv2d(channels, num_features, 3, padding=1), nn.ReLU())
        down, up, feats = [], [], num_features
        for _ in range(depth):
            # (N, F, H, W) -> (N, 2F, H/2, W/2) and back
            down += [nn.Conv2d(feats, 2 * feats, 3, stride=2, padding=1), nn.ReLU()]
            up = [nn.ConvTranspose2d(2 * feats, feats, 4, stride=2, padding=1), nn.ReLU()] + up
            feats *= 2
        self.encoder, self.decoder = nn.Sequential(*down), nn.Sequential(*up)
        self.conv_last = nn.Conv2d(num_features, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        factor = 2**self.depth
        if x.dim() != 4 or x.shape[-1] % factor or x.shape[-2] % factor:
            raise ValueError(
                f"x must be (N, C, H, W) with H and W divisible by {factor}, "
                f"got shape {tuple(x.shape)}"
            )
        code = self.encoder(self.conv_first(x))
        return torch.sigmoid(self.conv_last(self.decoder(code)))


def digit_images(*, size: int = 32) -> torch.Tensor:
    """scikit-learn's 1797 handwritten digits (8x8, 17 grey levels), upscaled to ``size`` with
    bicubic, as (1797, 1, size, size) in [0, 1]. Labels: ``load_digits().target``."""
    from sklearn.datasets import load_digits

    if isinstance(size, bool) or not isinstance(size, int) or size < 8 or size % 8:
        raise ValueError(f"size must be a multiple of 8 (8, 16, 32, ...), got {size!r}")
    digits = torch.tensor(load_digits().images / 16.0, dtype=torch.float32)[:, None]
    return imresize(digits, size // 8).clamp(0, 1) if size > 8 else digits


def natural_patches(
    n: int, *, size: int = 32, split: str = "train", generator: torch.Generator | None = None
) -> torch.Tensor:
    """``n`` random grey ``size x size`` crops of the bundled images of ``split``
    (``images.sample_set``), as (n, 1, size, size) in [0, 1] (luma 0.299 R + 0.587 G + 0.114 B)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 2:
        raise ValueError(f"size must be an int >= 2, got {size!r}")
    weights = torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1)
    greys = [
        (img * weights).sum(0, keepdim=True) if img.shape[0] == 3 else img
        for img in sample_set(split).values()
    ]
    greys = [g for g in greys if min(g.shape[-2:]) >= size]
    out = torch.empty(n, 1, size, size)
    which = torch.randint(len(greys), (n,), generator=generator)
    for i, k in enumerate(which.tolist()):
        img = greys[k]
        top = int(torch.randint(img.shape[-2] - size + 1, (1,), generator=generator))
        left = int(torch.randint(img.shape[-1] - size + 1, (1,), generator=generator))
        out[i] = img[:, top : top + size, left : left + size]
    return out


def noisy_pairs(
    clean: torch.Tensor,
    *,
    sigma: float | tuple[float, float] = (0.1, 0.5),
    clip: bool = False,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(noisy, clean)``: add white Gaussian noise, one standard deviation per image drawn
    uniformly from ``sigma = (low, high)`` (or a fixed float), optionally clipped to [0, 1]."""
    batch, _ = as_batch(clean, "clean")
    low, high = (sigma, sigma) if isinstance(sigma, (int, float)) else sigma
    if not 0 <= low <= high:
        raise ValueError(f"sigma must be a float >= 0 or a range (low, high), got {sigma!r}")
    sigmas = low + (high - low) * torch.rand(batch.shape[0], 1, 1, 1, generator=generator)
    noise = torch.randn(batch.shape, generator=generator)
    noisy = batch + sigmas.to(batch) * noise.to(batch)
    return (noisy.clamp(0, 1) if clip else noisy), batch


def high_frequency_energy(img: torch.Tensor, *, cutoff: float = 0.25) -> torch.Tensor:
    """Share of an image's spectral energy above the radial frequency ``cutoff`` (cycles per
    pixel; Nyquist is 0.5), mean removed, one value per image (N,) in [0, 1].

    A blurred image has less of its energy at high frequencies than the sharp original.
    """
    batch, _ = as_batch(img)
    if not 0 < cutoff < 0.5 * 2**0.5:
        raise ValueError(f"cutoff must be in (0, 0.707) cycles per pixel, got {cutoff!r}")
    centred = batch - batch.mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(centred.double()).abs() ** 2  # (N, C, H, W)
    fy = torch.fft.fftfreq(batch.shape[-2], device=batch.device).view(-1, 1)
    fx = torch.fft.fftfreq(batch.shape[-1], device=batch.device).view(1, -1)
    high = (fy**2 + fx**2).sqrt() > cutoff
    total = power.flatten(1).sum(1).clamp_min(1e-30)
    return (power * high).flatten(1).sum(1).div(total).to(batch.dtype)


def gradient_energy(img: torch.Tensor) -> torch.Tensor:
    """Mean squared finite-difference gradient ``mean(dx^2 + dy^2)`` per image, (N,): the
    edge energy (a Tenengrad-style sharpness measure). Blur lowers it."""
    batch, _ = as_batch(img)
    dx = batch[..., :, 1:] - batch[..., :, :-1]
    dy = batch[..., 1:, :] - batch[..., :-1, :]
    return F.pad(dx, (0, 1)).pow(2).add(F.pad(dy, (0, 0, 0, 1)).pow(2)).flatten(1).mean(1)
