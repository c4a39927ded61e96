"""The losses (eq. 1-2) and the metrics of the paper (sec. 3.1) for colorization."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import as_batch
from .bins import AB_SCALE, _check_bins, hard_encode, soft_encode

# ------------------------------------------------------------------ losses (eq. 1-2)


class ClassificationLoss(nn.Module):
    """Zhang et al. eq. 2: ``-sum_hw v(Z_hw) sum_q Z_hwq log Zhat_hwq`` (mean over pixels).

    ``Z`` is the soft-encoded target, ``v`` the rebalancing weight of the pixel's nearest bin
    (none: ``weights=None``). Call as ``loss(logits, ab)`` with logits (N, Q, H, W) and the
    true ab (N, 2, H, W) in Lab units.
    """

    def __init__(self, bins: torch.Tensor, weights: torch.Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("bins", _check_bins(bins).float().clone())
        if weights is not None and weights.shape != (len(bins),):
            raise ValueError(f"weights must have shape ({len(bins)},), got {tuple(weights.shape)}")
        self.register_buffer("weights", None if weights is None else weights.float().clone())

    def forward(self, logits: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        target = soft_encode(ab.float(), self.bins)  # (N, Q, H, W)
        per_pixel = -(target * F.log_softmax(logits.float(), dim=1)).sum(dim=1)  # (N, H, W)
        if self.weights is not None:
            per_pixel = per_pixel * self.weights[target.argmax(dim=1)]
        return per_pixel.mean()


def regression_loss(pred_ab: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """Zhang et al. eq. 1, the L2 baseline: mean squared ab error, ab divided by 110."""
    return F.mse_loss(pred_ab.float() / AB_SCALE, ab.float() / AB_SCALE)


# ------------------------------------------------------------------ metrics (sec. 3.1)


def ab_error_curve(
    pred_ab: torch.Tensor,
    true_ab: torch.Tensor,
    *,
    max_threshold: int = 150,
    pixel_weights: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Thresholds 0..``max_threshold`` and the fraction of pixels with ab error <= each.

    The error is the Euclidean distance in ab (Lab units). ``pixel_weights`` (N, H, W)
    weights the pixels (the paper's rebalanced variant weights them by 1 / prior).
    """
    pred, _ = as_batch(pred_ab, "pred_ab", channels=(2,))
    true, _ = as_batch(true_ab, "true_ab", channels=(2,))
    if pred.shape != true.shape:
        raise ValueError(
            f"pred_ab and true_ab must have the same shape, got "
            f"{tuple(pred.shape)} and {tuple(true.shape)}"
        )
    err = torch.linalg.vector_norm(pred.double() - true.double().to(pred.device), dim=1)
    weights = torch.ones_like(err) if pixel_weights is None else pixel_weights.double()
    weights = weights.reshape(err.shape).to(err.device)
    thresholds = torch.arange(max_threshold + 1, dtype=torch.float64)
    within = (err.reshape(1, -1) <= thresholds.to(err.device)[:, None]).double()
    fraction = (within * weights.reshape(1, -1)).sum(dim=1) / weights.sum()
    return thresholds, fraction.cpu()


def ab_error_auc(pred_ab: torch.Tensor, true_ab: torch.Tensor, **kwargs) -> float:
    """Area under ``ab_error_curve`` divided by its width: 1 is perfect (paper: AuC)."""
    thresholds, fraction = ab_error_curve(pred_ab, true_ab, **kwargs)
    return float(torch.trapezoid(fraction, thresholds) / thresholds[-1])


def raw_accuracy(
    pred_ab: torch.Tensor,
    true_ab: torch.Tensor,
    *,
    bins: torch.Tensor | None = None,
    prior: torch.Tensor | None = None,
) -> dict[str, float]:
    """Table 1's "raw accuracy": the AuC, and (with ``bins`` and ``prior``) the rebalanced
    AuC, in which each pixel counts ``1 / prior`` of its true colour's bin."""
    out = {"auc": ab_error_auc(pred_ab, true_ab)}
    if bins is not None and prior is not None:
        weights = 1.0 / prior.double().clamp_min(1e-12)[hard_encode(true_ab.float(), bins)]
        out["auc_rebalanced"] = ab_error_auc(pred_ab, true_ab, pixel_weights=weights)
    return out


def bin_accuracy(logits: torch.Tensor, true_ab: torch.Tensor, bins: torch.Tensor) -> float:
    """Fraction of pixels whose most likely bin is the true colour's nearest bin."""
    batch, _ = as_batch(logits, "logits")
    target = hard_encode(true_ab.float(), bins)
    return float(
        (batch.argmax(dim=1).cpu() == target.reshape(batch.shape[0], *batch.shape[2:]).cpu())
        .double()
        .mean()
    )


def colourfulness(rgb: torch.Tensor) -> torch.Tensor:
    """Hasler & Suesstrunk's colourfulness of RGB images in [0, 1] (0-255 scale).

    ``M = sqrt(std_rg^2 + std_yb^2) + 0.3 sqrt(mean_rg^2 + mean_yb^2)`` with
    ``rg = R - G``, ``yb = (R + G) / 2 - B``; a gray image scores 0, "quite colourful" is
    about 60 (Hasler & Suesstrunk, "Measuring colourfulness in natural images", SPIE 2003).
    Returns a scalar for a (3, H, W) image, (N,) for a batch.
    """
    batch, single = as_batch(rgb, "rgb", channels=(3,))
    r, g, b = (255.0 * batch.double()).unbind(dim=1)
    rg, yb = (r - g).flatten(1), (0.5 * (r + g) - b).flatten(1)
    std = torch.sqrt(rg.var(dim=1, unbiased=False) + yb.var(dim=1, unbiased=False))
    mean = torch.sqrt(rg.mean(dim=1) ** 2 + yb.mean(dim=1) ** 2)
    out = (std + 0.3 * mean).float()
    return out[0] if single else out
