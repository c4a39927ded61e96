"""Training losses for super-resolution: pixel losses, structural losses and a smoothness prior.

Every loss takes ``(sr, hr)``: tensors (C, H, W) or (N, C, H, W) of the same shape in [0, 1],
returns a scalar (``reduction="mean"``) or one value per image (``"none"``), is differentiable
and runs on the device of its inputs. Lower is better for all of them.

Papers: Charbonnier et al., ICIP 1994 (as used by LapSRN, Lai et al., CVPR 2017); SSIM: Wang
et al., IEEE TIP 2004; MS-SSIM: Wang et al., Asilomar 2003; the MS-SSIM + L1 mix: Zhao, Gallo,
Frosio, Kautz, "Loss Functions for Image Restoration with Neural Networks", IEEE TCI 2017;
total variation: Rudin, Osher, Fatemi, Physica D 1992. Adversarial losses (``GANLoss``):
Goodfellow et al., NeurIPS 2014 (minimax, non-saturating); Lim & Ye, arXiv:1705.02894, 2017 and
Miyato et al., ICLR 2018 (hinge); Mao et al., ICCV 2017 (least squares).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from . import metrics
from ._validate import as_batch, check_same_shape

__all__ = [
    "GAN_KINDS",
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


GAN_KINDS = ("minimax", "nonsaturating", "hinge", "lsgan")


def _logits(x: object, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"{name} must be a float tensor of discriminator logits, got {x!r:.60}")
    return x


class GANLoss(nn.Module):
    """The discriminator's and the generator's loss of a GAN, on logits (both minimised).

    ==============  ==========================================  ===========================
    kind            discriminator loss (real ``r``, fake ``f``)  generator loss
    ==============  ==========================================  ===========================
    minimax         ``-log D(r) - log(1 - D(f))``                ``log(1 - D(f))`` (saturates)
    nonsaturating   same                                         ``-log D(f)``
    hinge           ``relu(m - r) + relu(m + f)``                ``-f``
    lsgan           ``((r - 1)^2 + f^2) / 2``                    ``(f - 1)^2 / 2``
    ==============  ==========================================  ===========================

    Convention (Goodfellow et al. 2014): ``D = sigmoid(logit)`` is the probability that a
    sample is **real** (labels real = 1, fake = 0) for ``minimax``/``nonsaturating``; hinge and
    LSGAN use the raw output, high for real. The non-saturating generator loss is the
    cross-entropy of the fakes with the *generator's* target "real": it changes G's loss only;
    D's labels stay the same. (Relabelling D instead, fake = 1 and real = 0, makes D output
    ``1 - D``: the same game, and the same saturation.) ``hinge`` is the symmetric hinge of Lim
    & Ye 2017 and Miyato et al. 2018 (SAGAN, BigGAN); EBGAN's one-sided hinge on an energy is
    :func:`sisrlearn.gan.energy_hinge_losses`.

    Args:
        kind: one of ``GAN_KINDS``.
        margin: ``m`` of the hinge loss (1 in Lim & Ye 2017 and Miyato et al. 2018).
        real_label: target for real samples in the discriminator's cross-entropy (0.9 is
            Salimans et al.'s one-sided label smoothing, NeurIPS 2016); minimax/nonsaturating.

    Use ``loss.discriminator(real_logits, fake_logits)`` and ``loss.generator(fake_logits)``;
    calling the module is ``generator``. Returns the mean over the batch.
    """

    def __init__(
        self, kind: str = "nonsaturating", *, margin: float = 1.0, real_label: float = 1.0
    ) -> None:
        super().__init__()
        if kind not in GAN_KINDS:
            raise ValueError(f"kind must be one of {', '.join(GAN_KINDS)}, got {kind!r}")
        if not margin > 0:
            raise ValueError(f"margin must be positive, got {margin!r}")
        if not 0 < real_label <= 1:
            raise ValueError(f"real_label must be in (0, 1], got {real_label!r}")
        self.kind, self.margin, self.real_label = kind, float(margin), float(real_label)

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, margin={self.margin}, real_label={self.real_label}"

    def discriminator(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        """Loss of D: low when real logits are high and fake logits low."""
        real, fake = _logits(real_logits, "real_logits"), _logits(fake_logits, "fake_logits")
        if self.kind == "hinge":
            return F.relu(self.margin - real).mean() + F.relu(self.margin + fake).mean()
        if self.kind == "lsgan":
            return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()
        target = torch.full_like(real, self.real_label)
        return F.binary_cross_entropy_with_logits(
            real, target
        ) + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))

    def generator(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """Loss of G on the discriminator's logits for generated samples."""
        fake = _logits(fake_logits, "fake_logits")
        if self.kind == "minimax":
            return -F.softplus(fake).mean()  # log(1 - sigmoid(f)) = -softplus(f)
        if self.kind == "nonsaturating":
            return F.softplus(-fake).mean()  # -log sigmoid(f)
        if self.kind == "hinge":
            return -fake.mean()
        return 0.5 * ((fake - 1) ** 2).mean()

    def forward(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return self.generator(fake_logits)
