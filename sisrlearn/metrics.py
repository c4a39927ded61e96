"""Image-quality metrics and the benchmark protocols of the SR literature.

``psnr``/``ssim``/``ms_ssim`` work on tensors in [0, data_range]; ``evaluate`` applies one of
the two published protocols (see ``PROTOCOLS``) and returns the figures papers report.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._validate import (
    as_batch,
    check_image_values,
    check_positive,
    check_same_shape,
    check_scale,
    check_window_size,
)
from .color import rgb_to_y
from .images import modcrop
from .resize import imresize

__all__ = [
    "PROTOCOLS",
    "evaluate",
    "ms_ssim",
    "mse",
    "prepare",
    "protocol_y",
    "psnr",
    "sharpness",
    "ssim",
]

PROTOCOLS = ("matlab", "rgb")
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang et al. 2003


def _pair(sr: torch.Tensor, hr: torch.Tensor, shave: int):
    """(N, C, H, W) views of ``sr`` and ``hr``, checked, with ``shave`` pixels cut off."""
    sr_b, _ = as_batch(sr, "sr")
    hr_b, _ = as_batch(hr, "hr")
    check_same_shape(sr_b, hr_b, ("sr", "hr"))
    check_image_values(sr_b, "sr")
    check_image_values(hr_b, "hr")
    if isinstance(shave, bool) or not isinstance(shave, int) or shave < 0:
        raise ValueError(f"shave must be a non-negative int, got {shave!r}")
    if shave:
        if min(sr_b.shape[-2:]) <= 2 * shave:
            raise ValueError(
                f"shave={shave} leaves nothing of a {tuple(sr_b.shape[-2:])} image "
                f"(it cuts {shave} pixels from every border)"
            )
        sr_b = sr_b[..., shave:-shave, shave:-shave]
        hr_b = hr_b[..., shave:-shave, shave:-shave]
    return sr_b, hr_b


def _check_reduction(reduction: object) -> None:
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")


def _reduce(values: torch.Tensor, reduction: str):
    _check_reduction(reduction)
    return values.mean() if reduction == "mean" else values


def mse(sr: torch.Tensor, hr: torch.Tensor, *, shave: int = 0, reduction: str = "mean"):
    """Mean squared error per image, then averaged (``reduction="none"`` keeps one per image).

    Raises TypeError for a non-tensor or integer input and ValueError for different shapes,
    an empty image, NaN/inf values or a ``shave`` that leaves nothing.
    """
    _check_reduction(reduction)
    sr_b, hr_b = _pair(sr, hr, shave)
    return _reduce(((sr_b - hr_b) ** 2).flatten(1).mean(dim=1), reduction)


def psnr(
    sr: torch.Tensor,
    hr: torch.Tensor,
    *,
    data_range: float = 1.0,
    shave: int = 0,
    reduction: str = "mean",
) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB, ``10 log10(data_range^2 / MSE)``, per image then averaged.

    Args:
        sr, hr: (C, H, W) or (N, C, H, W) tensors of the same shape in [0, data_range].
        data_range: the peak value (1 for [0, 1] images, 255 for 8-bit values).
        shave: pixels dropped from every border before measuring.
        reduction: ``"mean"`` (a scalar) or ``"none"`` (one value per image).

    Returns:
        PSNR in dB; ``inf`` for identical images (MSE 0), as scikit-image's
        ``peak_signal_noise_ratio``, so the mean over a batch holding one is ``inf`` too.
    """
    data_range = check_positive(data_range, "data_range")
    per_image = mse(sr, hr, shave=shave, reduction="none")
    values = 10.0 * torch.log10(data_range**2 / per_image)  # MSE 0 -> inf
    return _reduce(values, reduction)


def _gaussian_window(size: int, sigma: float, channels: int, like: torch.Tensor) -> torch.Tensor:
    coords = torch.arange(size, dtype=like.dtype, device=like.device) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def _check_ssim_options(data_range, window_size, sigma, k1=0.01, k2=0.03) -> float:
    check_window_size(window_size)
    for value, name in ((sigma, "sigma"), (k1, "k1"), (k2, "k2")):
        check_positive(value, name)
    return check_positive(data_range, "data_range")


def _ssim_maps(x, y, data_range, window_size, sigma, k1, k2, shave=0):
    """SSIM map and contrast-structure map over the valid region (no padding)."""
    channels = x.shape[1]
    if min(x.shape[-2:]) < window_size:
        after = f" after shave={shave}" if shave else ""
        raise ValueError(
            f"images must be at least {window_size}x{window_size} for SSIM "
            f"(window_size={window_size}), got {tuple(x.shape[-2:])}{after}"
        )
    win = _gaussian_window(window_size, sigma, channels, x)

    def blur(t):
        return F.conv2d(t, win, groups=channels)

    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    cs_map = (2 * cov + c2) / (var_x + var_y + c2)
    ssim_map = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1) * cs_map
    return ssim_map, cs_map


def ssim(
    sr: torch.Tensor,
    hr: torch.Tensor,
    *,
    data_range: float = 1.0,
    shave: int = 0,
    window_size: int = 11,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    reduction: str = "mean",
) -> torch.Tensor:
    """Structural similarity (Wang et al., IEEE TIP 2004), differentiable.

    An 11x11 Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, computed over the valid
    region only and averaged over pixels and channels; equals
    ``skimage.metrics.structural_similarity(..., gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False)``.

    Raises ValueError naming the argument for a non-positive or non-finite ``data_range``,
    ``sigma``, ``k1`` or ``k2``, an even ``window_size`` or one below 3, a window larger
    than the (shaved) image, and every input refused by ``mse``.
    """
    data_range = _check_ssim_options(data_range, window_size, sigma, k1, k2)
    _check_reduction(reduction)
    sr_b, hr_b = _pair(sr, hr, shave)
    ssim_map, _ = _ssim_maps(sr_b, hr_b, data_range, window_size, sigma, k1, k2, shave)
    return _reduce(ssim_map.flatten(1).mean(dim=1), reduction)


def ms_ssim(
    sr: torch.Tensor,
    hr: torch.Tensor,
    *,
    data_range: float = 1.0,
    weights: tuple[float, ...] = MS_SSIM_WEIGHTS,
    window_size: int = 11,
    sigma: float = 1.5,
    reduction: str = "mean",
) -> torch.Tensor:
    """Multi-scale SSIM (Wang, Simoncelli, Bovik, Asilomar 2003), differentiable.

    Contrast-structure terms at every scale (2x2 average pooling between scales), the
    luminance term at the coarsest only, combined as a weighted product. With the five
    default weights the image must be at least ``(window_size - 1) * 2**4 + 1`` = 161 pixels
    on its shorter side. ``weights`` must be non-negative, finite and not all 0.
    """
    data_range = _check_ssim_options(data_range, window_size, sigma)
    _check_weights(weights)
    _check_reduction(reduction)
    sr_b, hr_b = _pair(sr, hr, 0)
    levels = len(weights)
    min_side = (window_size - 1) * 2 ** (levels - 1) + 1
    if min(sr_b.shape[-2:]) < min_side:
        raise ValueError(
            f"ms_ssim with {levels} scales needs images of at least {min_side}x{min_side}, "
            f"got {tuple(sr_b.shape[-2:])}; pass fewer weights for smaller images"
        )
    w = torch.tensor(weights, dtype=sr_b.dtype, device=sr_b.device)
    factors = []
    for level in range(levels):
        ssim_map, cs_map = _ssim_maps(sr_b, hr_b, data_range, window_size, sigma, 0.01, 0.03)
        if level < levels - 1:
            factors.append(torch.relu(cs_map.flatten(2).mean(-1)))
            sr_b = F.avg_pool2d(sr_b, 2, ceil_mode=False)
            hr_b = F.avg_pool2d(hr_b, 2, ceil_mode=False)
        else:
            factors.append(torch.relu(ssim_map.flatten(2).mean(-1)))
    stacked = torch.stack(factors, dim=-1)  # (N, C, levels)
    value = torch.prod(stacked**w, dim=-1).mean(dim=1)
    return _reduce(value, reduction)


def _check_weights(weights: object) -> None:
    try:
        values = [float(w) for w in weights]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise TypeError(f"weights must be a sequence of numbers, got {weights!r}") from None
    if not values or not all(math.isfinite(w) and w >= 0 for w in values) or not any(values):
        raise ValueError(
            f"weights must be one or more non-negative finite numbers, not all 0; got {weights!r}"
        )


def protocol_y(img: torch.Tensor, protocol: str) -> torch.Tensor:
    """The Y channel (0-255 scale, float64) that a protocol scores.

    ``matlab``: RGB rounded to 8 bits, Y rounded to an integer (MATLAB ``rgb2ycbcr`` on
    uint8); ``rgb``: RGB rounded to 8 bits, Y in floating point. A 1-channel image is its
    own Y, rounded to 8 bits. Values are clipped to [0, 255] first.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    batch, _ = as_batch(img, channels=(1, 3))
    batch = batch.double().clamp(0.0, 1.0)
    if protocol == "matlab":
        return rgb_to_y(batch, round_to_uint8=True) * 255.0
    rounded = torch.round(batch * 255.0) / 255.0
    return rgb_to_y(rounded) * 255.0 if batch.shape[1] == 3 else rounded * 255.0


def prepare(hr: torch.Tensor, scale: int, protocol: str = "matlab", *, channels: str = "any"):
    """The (LR input, reference) pair a protocol scores, from a (C, H, W) HR image.

    ``matlab``: reference = rounded Y of the mod-cropped HR; LR = MATLAB bicubic 1/scale of
    it in float64, not rounded (RGB for methods that need RGB). ``rgb``: reference = the HR
    RGB; LR = its bicubic 1/scale rounded to 8 bits, as a saved PNG would be.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    hr = modcrop(hr.double(), check_scale(scale))
    if protocol == "matlab":
        reference = hr if channels == "rgb" else rgb_to_y(hr, round_to_uint8=True)
        return imresize(reference, 1 / scale), reference
    lr = torch.round(imresize(hr, 1 / scale).clamp(0.0, 1.0) * 255.0) / 255.0
    return lr, hr


def evaluate(
    sr: torch.Tensor, hr: torch.Tensor, scale: int, *, protocol: str = "matlab"
) -> dict[str, float]:
    """PSNR (dB) and SSIM on the Y channel as SR papers report them.

    Args:
        sr: the method's output, (C, H, W) or (N, C, H, W), RGB or Y, in [0, 1].
        hr: the ground truth (mod-cropped), same shape.
        scale: the SR factor; that many pixels are shaved from every border.
        protocol: ``"matlab"`` (default; SRCNN/VDSR/DRCN code) or ``"rgb"`` (EDSR/BasicSR).

    Returns:
        ``{"psnr": ..., "ssim": ...}`` averaged per image, computed in float64 with peak 255.
        The PSNR is ``inf`` when the rounded Y channels are identical (a method that returns
        its input at ``scale=1``, say): report it as such, not as a large number.
    """
    check_scale(scale)
    sr_b, _ = as_batch(sr, "sr", channels=(1, 3))
    hr_b, _ = as_batch(hr, "hr", channels=(1, 3))
    check_image_values(sr_b, "sr")  # before protocol_y clips inf away
    check_image_values(hr_b, "hr")
    if sr_b.shape[-2:] != hr_b.shape[-2:] or sr_b.shape[0] != hr_b.shape[0]:
        raise ValueError(
            f"sr and hr must have the same size, got {tuple(sr_b.shape)} and {tuple(hr_b.shape)}"
        )
    sr_y, hr_y = protocol_y(sr_b, protocol), protocol_y(hr_b, protocol)
    p = psnr(sr_y, hr_y, data_range=255.0, shave=scale)
    s = ssim(sr_y, hr_y, data_range=255.0, shave=scale)
    return {"psnr": float(p), "ssim": float(s)}


def psnr_band(value: float) -> str:
    """The course's rough quality bands for a PSNR in dB (8-bit images)."""
    if math.isnan(value):
        raise ValueError("value must be a number, got nan")
    if value > 35:
        return "excellent"
    if value > 33:
        return "good"
    if value > 30:
        return "acceptable"
    return "low"


_SOBEL = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8


def sharpness(img: torch.Tensor, *, shave: int = 4) -> torch.Tensor:
    """No-reference sharpness: the mean Sobel gradient magnitude of the luma, per image, (N,).

    Luma is ``0.299 R + 0.587 G + 0.114 B`` (the image itself if grey); the Sobel kernels are
    normalised (divided by 8), so a unit step gives 0.5 at the edge; ``shave`` pixels are dropped
    at each border, as in the SR benchmark. Higher = more edges and texture. It is a *proxy*
    for perceptual quality (Tenengrad-style focus measure, Krotkov 1988): it rewards detail
    whether or not the detail is correct, and noise raises it too; report it beside PSNR, never
    instead of it. Input (C, H, W) or (N, C, H, W) in [0, 1], C = 1 or 3.
    """
    batch, _ = as_batch(img, channels=(1, 3))
    if isinstance(shave, bool) or not isinstance(shave, int) or shave < 0:
        raise ValueError(f"shave must be a non-negative int, got {shave!r}")
    if min(batch.shape[-2:]) <= 2 * shave + 2:
        raise ValueError(
            f"img must be larger than 2*shave+2 = {2 * shave + 2} pixels a side, "
            f"got {tuple(batch.shape[-2:])}"
        )
    if batch.shape[1] == 3:
        weights = torch.tensor([0.299, 0.587, 0.114], dtype=batch.dtype, device=batch.device)
        batch = (batch * weights.view(1, 3, 1, 1)).sum(1, keepdim=True)
    kernel = _SOBEL.to(batch)
    gx = F.conv2d(batch, kernel.view(1, 1, 3, 3))
    gy = F.conv2d(batch, kernel.t().reshape(1, 1, 3, 3))
    magnitude = (gx**2 + gy**2).sqrt()  # (N, 1, H-2, W-2)
    if shave > 1:
        magnitude = magnitude[..., shave - 1 : -(shave - 1), shave - 1 : -(shave - 1)]
    return magnitude.flatten(1).mean(1)
