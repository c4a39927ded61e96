"""Training losses for super-resolution: pixel losses, structural losses and a smoothness prior.

Every loss takes ``(sr, hr)``: tensors (C, H, W) or (N, C, H, W) of the same shape in [0, 1],
returns a scalar (``reduction="mean"``) or one value per image (``"none"``), is differentiable
and runs on the device of its inputs. Lower is better for all of them.

Papers: Charbonnier et al., ICIP 1994 (as used by LapSRN, Lai et al., CVPR 2017); SSIM: Wang
et al., IEEE TIP 2004; MS-SSIM: Wang et al., Asilomar 2003; the MS-SSIM + L1 mix: Zhao, Gallo,
Frosio, Kautz, "Loss Functions for Image Restoration with Neural Networks", IEEE TCI 2017;
total variation: Rudin, Osher, Fatemi, Physica D 1992. (GAN losses are in ``sisrlearn.gan``.)
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from . import metrics
from ._validate import as_batch, check_same_shape
from .gan import GANLoss  # the adversarial losses live with the GAN code (chapter 07)

__all__ = [
    "GANLoss",
    "LOSSES",
    "l1",
    "mse",
    "charbonnier",
    "ssim_loss",
    "ms_ssim_loss",
    "ms_ssim_l1",
    "total_variation",
]


def _pair(sr: torch.Tensor, hr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    sr_b, _ = as_batch(sr, "sr")
    hr_b, _ = as_batch(hr, "hr")
    check_same_shape(sr_b, hr_b, ("sr", "hr"))
    return sr_b, hr_b


def _reduce(per_image: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return per_image.mean()
    if reduction == "none":
        return per_image
    raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")


def l1(sr: torch.Tensor, hr: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    """Mean absolute error ``mean |sr - hr|`` (EDSR's loss)."""
    sr_b, hr_b = _pair(sr, hr)
    return _reduce((sr_b - hr_b).abs().flatten(1).mean(1), reduction)


def mse(sr: torch.Tensor, hr: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    """Mean squared error ``mean (sr - hr)^2`` (SRCNN, VDSR, DRCN, ESPCN, FSRCNN)."""
    sr_b, hr_b = _pair(sr, hr)
    return _reduce(((sr_b - hr_b) ** 2).flatten(1).mean(1), reduction)


def charbonnier(
    sr: torch.Tensor, hr: torch.Tensor, *, eps: float = 1e-3, reduction: str = "mean"
) -> torch.Tensor:
    """Charbonnier loss ``mean sqrt((sr - hr)^2 + eps^2)``: a differentiable L1 (LapSRN uses
    eps = 1e-3). Quadratic for errors below ``eps``, linear above."""
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    sr_b, hr_b = _pair(sr, hr)
    return _reduce(torch.sqrt((sr_b - hr_b) ** 2 + eps**2).flatten(1).mean(1), reduction)


def ssim_loss(
    sr: torch.Tensor, hr: torch.Tensor, *, data_range: float = 1.0, reduction: str = "mean"
) -> torch.Tensor:
    """``1 - SSIM(sr, hr)`` with :func:`sisrlearn.metrics.ssim` (11x11 Gaussian, sigma 1.5);
    images at least 11x11."""
    sr_b, hr_b = _pair(sr, hr)
    value = metrics.ssim(sr_b, hr_b, data_range=data_range, reduction="none")
    return _reduce(1.0 - value, reduction)


def ms_ssim_loss(
    sr: torch.Tensor,
    hr: torch.Tensor,
    *,
    data_range: float = 1.0,
    weights: tuple[float, ...] = metrics.MS_SSIM_WEIGHTS,
    reduction: str = "mean",
) -> torch.Tensor:
    """``1 - MS-SSIM(sr, hr)`` with :func:`sisrlearn.metrics.ms_ssim`.

    With the five standard ``weights`` the images must be at least 161 pixels on a side; pass
    fewer weights (e.g. ``(0.5, 0.5)`` needs 21 pixels) for training patches.
    """
    sr_b, hr_b = _pair(sr, hr)
    value = metrics.ms_ssim(sr_b, hr_b, data_range=data_range, weights=weights, reduction="none")
    return _reduce(1.0 - value, reduction)


def ms_ssim_l1(
    sr: torch.Tensor,
    hr: torch.Tensor,
    *,
    alpha: float = 0.84,
    data_range: float = 1.0,
    weights: tuple[float, ...] = metrics.MS_SSIM_WEIGHTS,
    reduction: str = "mean",
) -> torch.Tensor:
    """Zhao et al.'s mix ``alpha * (1 - MS-SSIM) + (1 - alpha) * L1`` with ``alpha = 0.84``.

    MS-SSIM keeps edges and contrast, L1 keeps colours and brightness that MS-SSIM is blind
    to. (The paper also weights the L1 term with the Gaussian of the coarsest MS-SSIM scale;
    this is the plain-L1 version most re-implementations use.)
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    structural = ms_ssim_loss(sr, hr, data_range=data_range, weights=weights, reduction="none")
    pixel = l1(sr, hr, reduction="none") / data_range
    return _reduce(alpha * structural + (1 - alpha) * pixel, reduction)


def total_variation(img: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    """Anisotropic total variation ``mean |x[i+1, j] - x[i, j]| + mean |x[i, j+1] - x[i, j]|``
    of one image (not a pair): a smoothness prior, 0 for a constant image.

    Args:
        img: (C, H, W) or (N, C, H, W) with H, W >= 2.
        reduction: ``"mean"`` over images, or ``"none"`` for one value per image.
    """
    batch, _ = as_batch(img, "img")
    if min(batch.shape[-2:]) < 2:
        raise ValueError(f"img must be at least 2x2, got {tuple(batch.shape[-2:])}")
    dy = (batch[..., 1:, :] - batch[..., :-1, :]).abs().flatten(1).mean(1)
    dx = (batch[..., :, 1:] - batch[..., :, :-1]).abs().flatten(1).mean(1)
    return _reduce(dy + dx, reduction)


LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "l1": l1,
    "mse": mse,
    "charbonnier": charbonnier,
    "ssim": ssim_loss,
    "ms_ssim": ms_ssim_loss,
    "ms_ssim_l1": ms_ssim_l1,
}
