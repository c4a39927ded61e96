"""The four restorations of the paper: denoising, JPEG, inpainting, super-resolution."""

from __future__ import annotations

import torch

from .._validate import as_batch, check_scale, unbatch
from .core import (
    DOWNSAMPLERS,
    DIPResult,
    _net_device,
    downsampling_matrices,
    fit_prior,
    masked_mse,
)


def _finish(result: DIPResult, single: bool) -> DIPResult:
    result.image = unbatch(result.image.cpu(), single)
    result.last = unbatch(result.last.cpu(), single)
    return result


def _target(clean, like: torch.Tensor, name: str):
    if clean is None:
        return None
    batch, _ = as_batch(clean, name)
    if batch.shape[1:] != like.shape[1:]:
        raise ValueError(
            f"{name} must have shape {tuple(like.shape[1:])}, got {tuple(batch.shape[1:])}"
        )
    return batch[:1]


def _observation(img, name: str) -> tuple[torch.Tensor, bool]:
    batch, single = as_batch(img, name, channels=(1, 3))
    if batch.shape[0] != 1:
        raise ValueError(
            f"{name} must hold one image (DIP fits one at a time), got a batch of {batch.shape[0]}"
        )
    return batch, single


def dip_denoise(
    noisy: torch.Tensor,
    *,
    steps: int = 1800,
    clean: torch.Tensor | None = None,
    input_noise_std: float = 1 / 30,
    **kwargs,
) -> DIPResult:
    """Denoise by fitting ``||f_theta(z) - x0||^2`` and stopping early (paper Sec. 4, Fig. 4).

    Args:
        noisy: (C, H, W) or (1, C, H, W), C in {1, 3}; sides >= 2**(depth+1) of the net.
        steps: iterations (the paper: 1800 with ``input_noise_std=1/30`` and ``ema=0.99``).
        clean: the ground truth, only to draw PSNR curves.
        **kwargs: passed to :func:`fit_prior` (``net``, ``ema``, ``eval_every``, ...).
    """
    x0, single = _observation(noisy, "noisy")
    target = _target(clean, x0, "clean")
    device = kwargs.get("device") or _net_device(kwargs.get("net"))
    x0d = x0.to(device)
    result = fit_prior(
        lambda out: ((out - x0d) ** 2).mean(),
        tuple(x0.shape[-2:]),
        x0.shape[1],
        steps=steps,
        target=target,
        input_noise_std=input_noise_std,
        **kwargs,
    )
    return _finish(result, single)


def dip_jpeg(
    compressed: torch.Tensor, *, steps: int = 2400, clean: torch.Tensor | None = None, **kwargs
) -> DIPResult:
    """JPEG artifact removal (paper Fig. 5): the denoising loss on the decoded JPEG image."""
    return dip_denoise(compressed, steps=steps, clean=clean, **kwargs)


def dip_inpaint(
    img: torch.Tensor,
    mask: torch.Tensor,
    *,
    steps: int = 3000,
    clean: torch.Tensor | None = None,
    input_noise_std: float = 0.03,
    **kwargs,
) -> DIPResult:
    """Inpaint the pixels where ``mask == 0`` with the loss ``||(f_theta(z) - x0) * m||^2``.

    Args:
        img: the observation (C, H, W) or (1, C, H, W); its values under the hole are ignored.
        mask: (1, H, W) or (H, W) with 1 = known, 0 = missing (e.g. ``degrade.text_mask``).
    """
    x0, single = _observation(img, "img")
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a torch.Tensor, got {type(mask).__name__}")
    m = mask.float().reshape(1, 1, *mask.shape[-2:]) if mask.dim() in (2, 3) else None
    if m is None or mask.numel() != x0.shape[-2] * x0.shape[-1]:
        raise ValueError(
            f"mask must be (H, W) or (1, H, W) with H, W = "
            f"{tuple(x0.shape[-2:])}, got {tuple(mask.shape)}"
        )
    if not bool(((m == 0) | (m == 1)).all()):
        raise ValueError("mask must hold only 0 (missing) and 1 (known)")
    device = kwargs.get("device") or _net_device(kwargs.get("net"))
    x0d, md = x0.to(device), m.to(device)
    result = fit_prior(
        lambda out: masked_mse(out, x0d, md),
        tuple(x0.shape[-2:]),
        x0.shape[1],
        steps=steps,
        target=_target(clean, x0, "clean"),
        input_noise_std=input_noise_std,
        **kwargs,
    )
    return _finish(result, single)


def dip_super_resolve(
    lr_img: torch.Tensor,
    scale: int,
    *,
    steps: int = 2000,
    hr_img: torch.Tensor | None = None,
    downsampler: str = "bicubic",
    input_noise_std: float = 0.03,
    **kwargs,
) -> DIPResult:
    """Super-resolve with the data term ``||d(f_theta(z)) - x0||^2`` (paper Sec. 4, Fig. 6).

    Args:
        lr_img: (C, H, W) or (1, C, H, W) low-resolution image, C in {1, 3}.
        scale: the factor; the output is (C, H*scale, W*scale).
        steps: iterations (paper: 2000 for x4, 4000 for x8).
        hr_img: the ground truth, for the PSNR curves only.
        downsampler: ``"bicubic"`` (MATLAB imresize, the benchmark protocol's LR) or
            ``"lanczos2"`` (the paper's).
    """
    x0, single = _observation(lr_img, "lr_img")
    check_scale(scale)
    if downsampler not in DOWNSAMPLERS:
        raise ValueError(f"downsampler must be one of {DOWNSAMPLERS}, got {downsampler!r}")
    size = (x0.shape[-2] * scale, x0.shape[-1] * scale)
    target = None
    if hr_img is not None:
        target = _target(hr_img, torch.empty(1, x0.shape[1], *size), "hr_img")
    device = kwargs.get("device") or _net_device(kwargs.get("net"))
    x0d = x0.to(device)
    # sr_data_term's imresize, as two matrices built once (not at each of the 2000 steps)
    a_h, a_w = downsampling_matrices(size, scale, downsampler, device=device)

    def data_term(out: torch.Tensor) -> torch.Tensor:
        return ((a_h @ out @ a_w.T - x0d) ** 2).mean()

    result = fit_prior(
        data_term,
        size,
        x0.shape[1],
        steps=steps,
        target=target,
        input_noise_std=input_noise_std,
        **kwargs,
    )
    return _finish(result, single)
