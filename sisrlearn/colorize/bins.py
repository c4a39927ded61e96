"""The ab colour classes: quantization, soft-encoding, class rebalancing, decoding
(Zhang et al. sec. 2.1-2.3)."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from .._validate import as_batch, unbatch
from ..color import AB_SCALE, ab_bins, gamut_cells, lab_to_rgb, rgb_to_lab  # noqa: F401

# The annealed-mean temperature of Zhang et al. 2016 (sec. 2.3): between the mean (T = 1) and
# the mode (T -> 0), it keeps the mode's vividness and the mean's spatial consistency.
ANNEALED_T = 0.38


def bins_on_grid(
    values: torch.Tensor, bins: torch.Tensor, *, grid: int = 10
) -> tuple[torch.Tensor, tuple[float, float, float, float]]:
    """Per-bin values (Q,) or (Q, C) laid out on the ab grid, for ``plt.imshow``.

    Returns an (rows, cols[, C]) image, b upwards and a to the right (NaN where there is no
    bin; use ``origin="lower"``), and its ``extent`` (a_min, a_max, b_min, b_max).
    """
    bins = _check_bins(bins)
    if len(values) != len(bins):
        raise ValueError(f"values must have one entry per bin ({len(bins)}), got {len(values)}")
    idx = torch.round(bins / grid).long()
    lo = idx.min(dim=0).values
    cols, rows = (idx.max(dim=0).values - lo + 1).tolist()
    img = torch.full((rows, cols, *values.shape[1:]), float("nan"), dtype=torch.float64)
    img[idx[:, 1] - lo[1], idx[:, 0] - lo[0]] = values.double().cpu()
    half = grid / 2
    extent = (
        float(lo[0] * grid - half),
        float((lo[0] + cols) * grid - half),
        float(lo[1] * grid - half),
        float((lo[1] + rows) * grid - half),
    )
    return img, extent


def _check_bins(bins: object) -> torch.Tensor:
    if not isinstance(bins, torch.Tensor) or bins.dim() != 2 or bins.shape[1] != 2:
        got = tuple(bins.shape) if isinstance(bins, torch.Tensor) else type(bins).__name__
        raise ValueError(f"bins must be a (Q, 2) tensor of ab centres (see ab_bins), got {got}")
    return bins


def _pixels(ab: torch.Tensor) -> tuple[torch.Tensor, tuple[int, ...], bool]:
    """(N, 2, H, W) or (2, H, W) -> (N*H*W, 2) pixels, the batch shape, and whether single."""
    batch, single = as_batch(ab, "ab", channels=(2,))
    n, _, h, w = batch.shape
    return batch.permute(0, 2, 3, 1).reshape(-1, 2), (n, h, w), single


def hard_encode(ab: torch.Tensor, bins: torch.Tensor) -> torch.Tensor:
    """Index of the nearest bin for every pixel: (N, 2, H, W) -> (N, H, W) long."""
    pts, (n, h, w), single = _pixels(ab)
    bins = _check_bins(bins).to(pts)
    idx = torch.cdist(pts, bins).argmin(dim=1).reshape(n, h, w)
    return idx[0] if single else idx


def soft_encode(
    ab: torch.Tensor, bins: torch.Tensor, *, neighbours: int = 5, sigma: float = 5.0
) -> torch.Tensor:
    """Soft-encode ab (N, 2, H, W) into (N, Q, H, W): a Gaussian over the nearest bins.

    Each pixel's ``neighbours`` nearest bins get weights ``exp(-d^2 / (2 sigma^2))``,
    normalised to sum to 1; every other bin gets 0 (Zhang et al. sec. 2.1: 5 and 5).
    """
    bins = _check_bins(bins)
    if isinstance(neighbours, bool) or not isinstance(neighbours, int):
        raise ValueError(f"neighbours must be an int, got {neighbours!r}")
    if not 1 <= neighbours <= len(bins):
        raise ValueError(f"neighbours must be in 1..{len(bins)} (the bin count), got {neighbours}")
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    pts, (n, h, w), single = _pixels(ab)
    dist2, idx = (torch.cdist(pts, bins.to(pts)) ** 2).topk(neighbours, dim=1, largest=False)
    weight = torch.softmax(-dist2 / (2 * sigma**2), dim=1)  # Gaussian weights, rows sum to 1
    out = torch.zeros(len(pts), len(bins), dtype=pts.dtype, device=pts.device)
    out.scatter_(1, idx, weight)
    out = out.reshape(n, h, w, -1).permute(0, 3, 1, 2)
    return out[0] if single else out


# ------------------------------------------------------------------ class rebalancing (sec. 2.2)


def _gaussian_smooth(p: torch.Tensor, bins: torch.Tensor, sigma: float) -> torch.Tensor:
    kernel = torch.exp(-(torch.cdist(bins, bins) ** 2) / (2 * sigma**2))  # (Q, Q)
    smooth = kernel @ p
    return smooth / smooth.sum()


def empirical_prior(
    ab: torch.Tensor | Iterable[torch.Tensor], bins: torch.Tensor, *, sigma: float = 5.0
) -> torch.Tensor:
    """The distribution (Q,) of the training pixels over the bins, smoothed (sec. 2.2).

    Args:
        ab: ab images (2, H, W) / (N, 2, H, W), or an iterable of them.
        bins: the (Q, 2) bin centres.
        sigma: standard deviation (ab units) of the Gaussian that smooths the histogram;
            0 gives the raw histogram.
    """
    bins = _check_bins(bins).double()
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma!r}")
    images = [ab] if isinstance(ab, torch.Tensor) else list(ab)
    if not images:
        raise ValueError("ab must hold at least one ab image")
    counts = torch.zeros(len(bins), dtype=torch.float64)
    for img in images:
        idx = hard_encode(img.double().cpu(), bins).reshape(-1)
        counts += torch.bincount(idx, minlength=len(bins)).double()
    p = counts / counts.sum()
    return (_gaussian_smooth(p, bins, sigma) if sigma > 0 else p).float()


def rebalancing_weights(prior: torch.Tensor, *, lam: float = 0.5) -> torch.Tensor:
    """Class-rebalancing weights (Q,): ``w ~ ((1 - lam) p + lam / Q)^-1`` with ``E_p[w] = 1``.

    Zhang et al. eq. 4: mixing the smoothed prior ``p`` with a uniform distribution
    (``lam = 0.5``) keeps the weights of never-seen colours finite.
    """
    if not isinstance(prior, torch.Tensor) or prior.dim() != 1:
        raise ValueError("prior must be a 1-D tensor of bin probabilities (empirical_prior)")
    if (prior < 0).any() or abs(float(prior.sum()) - 1) > 1e-4:
        raise ValueError(f"prior must be non-negative and sum to 1, got sum {float(prior.sum())}")
    if not 0 < lam <= 1:
        raise ValueError(f"lam must be in (0, 1], got {lam!r}")
    w = 1.0 / ((1 - lam) * prior + lam / len(prior))
    return w / (prior * w).sum()


# ------------------------------------------------------------------ decoding (sec. 2.3)


def annealed_mean(
    probs: torch.Tensor, bins: torch.Tensor, *, temperature: float = ANNEALED_T
) -> torch.Tensor:
    """Zhang et al. eq. 5: ``H(Z) = E[f_T(Z)]``, ``f_T(z) = exp(log z / T) / sum``.

    ``probs`` (N, Q, H, W) (or (Q, H, W)) sum to 1 over Q. T = 1 is the mean; T -> 0 the
    mode; the paper's 0.38 keeps the mode's vividness and the mean's spatial consistency.
    Returns ab (N, 2, H, W).
    """
    if not temperature > 0:
        raise ValueError(
            f"temperature must be positive (use decode(method='mode')), got {temperature!r}"
        )
    batch, single = as_batch(probs, "probs")
    bins = _check_bins(bins)
    if batch.shape[1] != len(bins):
        raise ValueError(
            f"probs must have Q = {len(bins)} channels (one per bin), got {batch.shape[1]}"
        )
    annealed = torch.softmax(torch.log(batch.clamp_min(1e-30)) / temperature, dim=1)
    ab = torch.einsum("nqhw,qc->nchw", annealed, bins.to(annealed))
    return unbatch(ab, single)


def decode(
    probs: torch.Tensor,
    bins: torch.Tensor,
    *,
    method: str = "annealed",
    temperature: float = ANNEALED_T,
) -> torch.Tensor:
    """ab (N, 2, H, W) from bin probabilities: ``"mode"``, ``"mean"`` or ``"annealed"``.

    The mode is vivid but patchy (neighbours jump between bins); the mean is smooth but
    desaturated (it averages the modes of a multimodal distribution); the annealed mean
    (``temperature``, 0.38 in the paper) lies between them.
    """
    if method == "mode":
        batch, single = as_batch(probs, "probs")
        ab = _check_bins(bins).to(batch)[batch.argmax(dim=1)].permute(0, 3, 1, 2)
        return unbatch(ab, single)
    if method == "mean":
        return annealed_mean(probs, bins, temperature=1.0)
    if method == "annealed":
        return annealed_mean(probs, bins, temperature=temperature)
    raise ValueError(f"method must be 'mode', 'mean' or 'annealed', got {method!r}")
