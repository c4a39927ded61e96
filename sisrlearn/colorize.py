"""Colorization as classification: ab bins, soft-encoding, class rebalancing, annealed mean.

Paper: Zhang, Isola, Efros, "Colorful Image Colorization", ECCV 2016. A network sees the
lightness L of a CIE Lab image and predicts, for every pixel, a distribution over Q
quantized ab colours (sec. 2.1); it is trained with a cross-entropy against a soft-encoded
target (eq. 2), reweighted by how rare the true colour is (eq. 3-4), and decoded with the
annealed mean (eq. 5). Its "raw accuracy" is the area under the curve of the per-pixel ab
error, thresholds 0 to 150 (sec. 3.1, Table 1).

The bins are computed here from the sRGB gamut, on a grid of 10: the gamut touches 262 grid
cells, and 229 of them have a centre that is a valid sRGB colour for some L (the default bin
set, ``Q = 229``). The paper keeps 313, read off its training data; see ``ab_bins``.

``python -m sisrlearn.colorize train --model colornet --out FILE.pt`` trains the shipped
networks and records the command beside the weights, as ``sisrlearn train`` does.
"""

from __future__ import annotations

import argparse
import functools
import shlex
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import as_batch, unbatch
from .color import lab_to_rgb, rgb_to_lab
from .runtime import autocast

__all__ = [
    "ab_bins", "gamut_cells", "hard_encode", "soft_encode", "empirical_prior",
    "rebalancing_weights", "decode", "annealed_mean", "ClassificationLoss", "regression_loss",
    "ab_error_curve", "ab_error_auc", "raw_accuracy", "bin_accuracy", "colourfulness",
    "lightness", "predict_ab", "colorize_image", "load_colornet", "ColorCrops", "colour_images",
    "train_colornet", "load_or_train", "bins_on_grid", "main",
]  # fmt: skip

AB_SCALE = 110.0  # |a|, |b| <= 110 for sRGB: the regression net predicts ab / AB_SCALE


# ------------------------------------------------------------------ quantization (sec. 2.1)


def _cube_surface(levels: int) -> torch.Tensor:
    """(3, 6 * levels^2) RGB points on the six faces of the unit cube (float64)."""
    v = torch.linspace(0.0, 1.0, levels, dtype=torch.float64)
    g, b = (t.reshape(-1) for t in torch.meshgrid(v, v, indexing="ij"))
    faces = []
    for ch in range(3):
        for value in (0.0, 1.0):
            parts = [g, b]
            parts.insert(ch, torch.full_like(g, value))
            faces.append(torch.stack(parts))
    return torch.cat(faces, dim=1)


@functools.lru_cache(maxsize=8)
def _touched(grid: int, levels: int) -> tuple[tuple[int, int], ...]:
    # The ab projection of the gamut (a solid) is the projection of its surface.
    lab = rgb_to_lab(_cube_surface(levels)[None, :, :, None])[0, :, :, 0]  # (3, P)
    cells = torch.floor(lab[1:] / grid + 0.5).long().T.unique(dim=0)  # (K, 2) grid indices
    return tuple(map(tuple, cells.tolist()))


@functools.lru_cache(maxsize=8)
def _centres_in_gamut(grid: int, l_steps: int) -> tuple[tuple[int, int], ...]:
    reach = -(-130 // grid)  # |a|, |b| < 130 for every sRGB colour
    side = torch.arange(-reach, reach + 1, dtype=torch.float64)
    cells = torch.cartesian_prod(side, side)  # (K, 2) grid indices, sorted by a then b
    light = torch.linspace(0.0, 100.0, l_steps, dtype=torch.float64)
    ab = grid * cells.T[:, None, :].expand(2, l_steps, -1)  # (2, L steps, K)
    lab = torch.stack([light[:, None].expand(-1, len(cells)), *ab])
    rgb = lab_to_rgb(lab[None], clip=False)[0]  # (3, L steps, K)
    ok = ((rgb >= -1e-6) & (rgb <= 1 + 1e-6)).all(dim=0).any(dim=0)
    return tuple(map(tuple, cells[ok].long().tolist()))


def gamut_cells(*, grid: int = 10, levels: int = 256) -> torch.Tensor:
    """Centres (K, 2) of the ab grid cells that some sRGB colour falls in (any L).

    A cell is ``[c - grid/2, c + grid/2)`` around a centre ``c`` on multiples of ``grid``. The
    RGB cube's faces are sampled at ``levels`` values per side (the ab projection of the
    gamut is that of its surface). ``levels=256`` samples exactly the 8-bit colours (the same
    cells as all 2^24 of them): 261 cells for ``grid=10``. The continuous gamut touches one
    more, a sliver of the cell (20, -80) reached only between 8-bit colours (``levels=512``:
    262, slower).
    """
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 1:
        raise ValueError(f"grid must be a positive int, got {grid!r}")
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2:
        raise ValueError(f"levels must be an int >= 2, got {levels!r}")
    return grid * torch.tensor(_touched(grid, levels), dtype=torch.float32)


def ab_bins(*, grid: int = 10, rule: str = "centre") -> torch.Tensor:
    """The quantized ab colours (Q, 2) float32, sorted by a then b (Zhang et al. sec. 2.1).

    Args:
        grid: the grid size in ab units (10 in the paper).
        rule: ``"centre"`` keeps a cell when its centre is a valid sRGB colour for some L
            (L sampled every 0.05): 229 bins for ``grid=10``. ``"touched"`` keeps every cell
            8-bit sRGB colours fall in (``gamut_cells``): 261 (262 for the continuous gamut).

    The paper keeps Q = 313 ("in gamut", Fig. 3a), more than the 262 cells that any sRGB
    colour falls in, so its list cannot come from the sRGB gamut alone: it was read off the
    ab values of its training data (ImageNet), which reach beyond the gamut of an ideal
    8-bit sRGB image (for example through interpolation overshoot when resizing, or images
    in other colour spaces decoded as sRGB). For sRGB training images those extra cells are
    classes that never occur.
    """
    if rule not in ("centre", "touched"):
        raise ValueError(f"rule must be 'centre' or 'touched', got {rule!r}")
    if rule == "touched":
        return gamut_cells(grid=grid)
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 1:
        raise ValueError(f"grid must be a positive int, got {grid!r}")
    return grid * torch.tensor(_centres_in_gamut(grid, 2001), dtype=torch.float32)


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
    extent = (float(lo[0] * grid - half), float((lo[0] + cols) * grid - half),
              float(lo[1] * grid - half), float((lo[1] + rows) * grid - half))  # fmt: skip
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
    probs: torch.Tensor, bins: torch.Tensor, *, temperature: float = 0.38
) -> torch.Tensor:
    """Zhang et al. eq. 5: ``H(Z) = E[f_T(Z)]``, ``f_T(z) = exp(log z / T) / sum``.

    ``probs`` (N, Q, H, W) (or (Q, H, W)) sum to 1 over Q. T = 1 is the mean; T -> 0 the
    mode; the paper's 0.38 keeps the mode's vividness and the mean's spatial consistency.
    Returns ab (N, 2, H, W).
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be positive (use decode(method='mode')), got "
                         f"{temperature!r}")  # fmt: skip
    batch, single = as_batch(probs, "probs")
    bins = _check_bins(bins)
    if batch.shape[1] != len(bins):
        raise ValueError(f"probs must have Q = {len(bins)} channels (one per bin), got "
                         f"{batch.shape[1]}")  # fmt: skip
    annealed = torch.softmax(torch.log(batch.clamp_min(1e-30)) / temperature, dim=1)
    ab = torch.einsum("nqhw,qc->nchw", annealed, bins.to(annealed))
    return unbatch(ab, single)


def decode(
    probs: torch.Tensor,
    bins: torch.Tensor,
    *,
    method: str = "annealed",
    temperature: float = 0.38,
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
        raise ValueError(f"pred_ab and true_ab must have the same shape, got "
                         f"{tuple(pred.shape)} and {tuple(true.shape)}")  # fmt: skip
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
    return float((batch.argmax(dim=1).cpu() == target.reshape(batch.shape[0], *batch.shape[2:])
                  .cpu()).double().mean())  # fmt: skip


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


# ------------------------------------------------------------------ inference


def lightness(img: torch.Tensor) -> torch.Tensor:
    """L / 100 in [0, 1], (N, 1, H, W), of an RGB or grayscale image in [0, 1].

    A 1-channel image is taken as sRGB gray (R = G = B), so its L is its Lab lightness.
    """
    batch, single = as_batch(img, channels=(1, 3))
    rgb = batch.expand(-1, 3, -1, -1) if batch.shape[1] == 1 else batch
    return unbatch(rgb_to_lab(rgb)[:, :1] / 100.0, single)


@torch.no_grad()
def predict_ab(
    model: nn.Module,
    light: torch.Tensor,
    *,
    method: str = "annealed",
    temperature: float = 0.38,
) -> torch.Tensor:
    """ab (N, 2, H, W) in Lab units for L / 100 (N, 1, H, W), from either kind of net.

    A classification net (``model.bins`` set) is decoded with ``method``/``temperature``;
    a regression net returns ab directly.
    """
    batch, single = as_batch(light, "light", channels=(1,))
    param = next(model.parameters())
    model.eval()
    x = batch.to(param.device, torch.float32)
    bins = getattr(model, "bins", None)
    with torch.no_grad(), autocast(param.device):  # inference: no autograd graph to keep
        if bins is None:
            out = model(x).float()
        else:
            # decode the distribution where the net predicts it (1/4 resolution), then upsample
            # the two ab channels, as the paper does: 16x less memory than decoding at full size
            logits = model.forward_low(x).float()
            ab = decode(torch.softmax(logits, dim=1), bins, method=method, temperature=temperature)
            out = model._full(ab, x)
    return unbatch(out.to(batch.device), single)


def colorize_image(
    model: nn.Module, img: torch.Tensor, *, method: str = "annealed", temperature: float = 0.38
) -> torch.Tensor:
    """Colorize an image (1 or 3 channels, in [0, 1]; a colour image is turned to L first).

    Returns RGB in [0, 1] with the input's L and the predicted ab, (3, H, W) or (N, 3, H, W).
    """
    light = lightness(img)
    ab = predict_ab(model, light, method=method, temperature=temperature)
    rgb = lab_to_rgb(torch.cat([100.0 * light.float(), ab.float()], dim=-3))
    return rgb.to(img.dtype)


def load_colornet(name: str | Path, *, device: torch.device | str | None = None) -> nn.Module:
    """A colorization net in eval mode: a shipped zoo name (``"colornet"``,
    ``"colornet_reg"``) or a ``FILE.pt`` written by ``train_colornet`` (its ``FILE.json``
    record beside it gives the model and the sha256)."""
    import json

    from .models import build_model
    from .train import load_weights
    from .zoo import load_pretrained, zoo_entries

    kinds = ("colornet", "colornet_reg")
    path = Path(name)
    if path.suffix == ".pt":
        meta = path.with_suffix(".json")
        if not path.is_file() or not meta.is_file():
            raise ValueError(f"model file {path} needs {meta.name} beside it (both written by "
                             "python -m sisrlearn.colorize train --out FILE.pt)")  # fmt: skip
        record = json.loads(meta.read_text())
        if record.get("model") not in kinds:
            raise ValueError(f"{meta} is not a colorization model ({record.get('model')!r})")
        model = build_model(record["model"], **record.get("kwargs", {}))
        load_weights(model, path, sha256=record.get("sha256"))
        return model.to(device or "cpu").eval()
    entries = {k: e for k, e in zoo_entries().items() if e.model in kinds}
    if str(name) not in entries:
        shipped = ", ".join(sorted(entries)) or "none"
        raise ValueError(f"model must be a shipped colorization model ({shipped}) or a FILE.pt, "
                         f"got {str(name)!r}")  # fmt: skip
    return load_pretrained(str(name), device=device)


# ------------------------------------------------------------------ training


def colour_images(data: str | Path | None = None) -> dict[str, torch.Tensor]:
    """The colour images of the bundled training split, plus those of folder ``data``."""
    from .images import load_folder, sample_set

    images = dict(sample_set("train"))
    if data is not None:
        images.update(load_folder(data))
    colour = {k: v for k, v in images.items() if v.shape[0] == 3 and float(v.std(dim=0).max()) > 0}
    if not colour:
        raise ValueError("no colour images to train on (every image is grayscale)")
    return colour


class ColorCrops(torch.utils.data.Dataset):
    """Random ``crop`` x ``crop`` Lab crops of colour images: ``(L / 100, ab)`` pairs.

    Augmentation: the image at full size or halved (antialiased), a random position and a
    random horizontal flip. Item ``i`` is the same crop every time for a given ``seed``.
    """

    def __init__(
        self, images: dict[str, torch.Tensor] | Sequence[torch.Tensor], *, crop: int = 64,
        length: int = 10_000, seed: int = 0,
    ) -> None:  # fmt: skip
        from .resize import imresize

        items = list(images.values()) if isinstance(images, dict) else list(images)
        self.labs = []
        for img in items:
            for scale in (1.0, 0.5):
                rgb = img if scale == 1.0 else imresize(img, scale).clamp(0, 1)
                if min(rgb.shape[-2:]) >= crop:
                    self.labs.append(rgb_to_lab(rgb.float()))
        if not self.labs:
            raise ValueError(f"crop={crop} is larger than every image; lower crop")
        self.crop, self.length, self.seed = crop, length, seed

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + i)
        lab = self.labs[int(torch.randint(len(self.labs), (1,), generator=gen))]
        h, w = lab.shape[-2:]
        top = int(torch.randint(h - self.crop + 1, (1,), generator=gen))
        left = int(torch.randint(w - self.crop + 1, (1,), generator=gen))
        patch = lab[:, top : top + self.crop, left : left + self.crop]
        if torch.rand(1, generator=gen) < 0.5:
            patch = patch.flip(-1)
        return patch[:1] / 100.0, patch[1:]


class _QuarterResolution(nn.Module):
    """Wraps a colour net for training at 1/4 resolution, where the paper's loss lives."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, light: torch.Tensor) -> torch.Tensor:
        return self.net.forward_low(light)


def train_colornet(
    model_name: str = "colornet",
    *,
    data: str | Path | None = None,
    steps: int = 1000,
    crop: int = 64,
    batch_size: int = 16,
    learning_rate: float = 1e-3,
    rebalance: bool = True,
    model_kwargs: dict | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    command: str | None = None,
):
    """Train ``colornet`` (classification, eq. 2 with rebalancing) or ``colornet_reg`` (L2).

    Trains on ``ColorCrops`` of ``colour_images(data)`` with Adam and a cosine schedule.
    With ``out`` (``.pt``) it writes the weights and a zoo record ``.json`` beside them
    (``zoo.load_pretrained(name)`` then works). Returns ``(model, history)``.
    """
    from .models import MODELS, build_model
    from .runtime import get_device, set_seed
    from .train import cosine_steps, fit

    if model_name not in ("colornet", "colornet_reg"):
        raise ValueError(f"model_name must be 'colornet' or 'colornet_reg', got {model_name!r}")
    if isinstance(crop, bool) or not isinstance(crop, int) or crop < 8 or crop % 4:
        raise ValueError(f"crop must be a multiple of 4 and >= 8, got {crop!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    out = Path(out) if out is not None else None
    if out is not None and out.suffix != ".pt":
        raise ValueError(f"out must end in .pt, got {str(out)!r}")
    if out is not None and not overwrite and (out.exists() or out.with_suffix(".json").exists()):
        raise FileExistsError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")
    gen = set_seed(seed)
    device = torch.device(device) if device is not None else get_device()
    kwargs = dict(model_kwargs or {})
    model = build_model(model_name, **kwargs).to(device)
    crops = ColorCrops(colour_images(data), crop=crop, length=steps * batch_size, seed=seed)
    if model_name == "colornet":
        bins = model.bins.cpu()
        prior = empirical_prior([lab[1:, ::4, ::4] for lab in crops.labs], bins)
        loss_fn = ClassificationLoss(bins, rebalancing_weights(prior) if rebalance else None)
        loss_fn = loss_fn.to(device)
    else:
        loss_fn = regression_loss
    loader = torch.utils.data.DataLoader(crops, batch_size=batch_size, shuffle=True,
                                         generator=gen, drop_last=True)  # fmt: skip
    history = fit(_QuarterResolution(model), loader,
                  lambda out, ab: loss_fn(out, F.avg_pool2d(ab, 4)),  # targets at 1/4 too
                  steps=steps, learning_rate=learning_rate, scheduler=cosine_steps(steps),
                  progress=progress)  # fmt: skip
    model.eval()
    if out is not None:
        command = command or "(called from Python: sisrlearn.colorize.train_colornet)"
        recipe = MODELS[model_name].recipe
        _write_record(model, out, model_name, kwargs, history, device=device, recipe=recipe,
                      rebalance=rebalance, command=command)  # fmt: skip
    return model, history


def load_or_train(
    name: str,
    *,
    steps: int = 10,
    device: torch.device | str | None = None,
    progress: bool = True,
):
    """``(model, history)``: the shipped ``name`` (``"colornet"``, ``"colornet_reg"``) and
    its recorded training history, or, without shipped weights, ``steps`` of training on
    the bundled images."""
    from .train import History
    from .zoo import load_pretrained, zoo_entries

    entries = zoo_entries()
    if name in entries:
        history = History.from_dict(entries[name].record["history"])
        return load_pretrained(name, device=device), history
    return train_colornet(name, steps=steps, crop=48, device=device, progress=progress)


def _write_record(model, out: Path, model_name, kwargs, history, *, device, recipe, rebalance,
                  command) -> None:  # fmt: skip
    """``NAME.pt`` + the zoo record ``NAME.json`` (the keys ``sisrlearn.zoo`` reads)."""
    import json
    import math
    from dataclasses import asdict

    from .train import save_weights

    sha = save_weights(model, out, overwrite=True)
    data = history.to_dict()
    size = max(1, math.ceil(len(history.loss) / 500))  # thin the loss to <= 500 points
    data["step"] = data["step"][size - 1 :: size]
    data["loss"] = [sum(history.loss[i : i + size]) / len(history.loss[i : i + size])
                    for i in range(0, len(history.loss) - size + 1, size)]  # fmt: skip
    dev = str(device) + (f" ({torch.get_num_threads()} threads)" if device.type == "cpu" else "")
    record = {
        "model": model_name, "kwargs": kwargs, "scale": None, "scales": [], "weights": out.name,
        "sha256": sha, "dtype": "float32", "command": command,
        "steps": history.step[-1] if history.step else 0, "seconds": round(history.seconds, 1),
        "device": dev, "processes": 1, "torch": torch.__version__, "recipe": asdict(recipe),
        "rebalance": rebalance, "history": data,
    }  # fmt: skip
    out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sisrlearn.colorize train --model colornet --out FILE.pt [...]``."""
    parser = argparse.ArgumentParser(prog="python -m sisrlearn.colorize")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train colornet / colornet_reg and write a zoo record")
    p.add_argument("--model", choices=["colornet", "colornet_reg"], default="colornet")
    p.add_argument("--data", metavar="DIR", help="extra colour training images (e.g. T91)")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--crop", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--no-rebalance", action="store_true", help="plain soft cross-entropy")
    p.add_argument("--out", metavar="FILE.pt")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        train_colornet(args.model, data=args.data, steps=args.steps, crop=args.crop,
                       batch_size=args.batch_size, learning_rate=args.lr,
                       rebalance=not args.no_rebalance, out=args.out, overwrite=args.overwrite,
                       seed=args.seed, progress=not args.quiet,
                       command="python -m sisrlearn.colorize " + shlex.join(argv))  # fmt: skip
    except (ValueError, TypeError, FileExistsError) as err:
        print(f"python -m sisrlearn.colorize: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
