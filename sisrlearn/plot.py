"""Figures: image grids, same-crop comparisons with PSNR/SSIM, training curves, filters.

The only module (with ``widgets``) that imports matplotlib; images are drawn with
``interpolation="nearest"`` so that pixels stay pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .images import to_numpy
from .metrics import psnr, ssim

__all__ = ["image_grid", "show_images", "compare_crops", "plot_history", "show_filters"]


def _to_display(img) -> np.ndarray:
    if isinstance(img, torch.Tensor):
        arr = to_numpy(img)
    else:
        arr = np.asarray(img, dtype=np.float32)
    return np.clip(arr, 0.0, 1.0)


def image_grid(count: int, *, ncols: int | None = None, size: float = 3.0):
    """A figure with ``count`` axes (``ncols`` per row, default one row), axes turned off.

    Returns ``(figure, axes)`` with ``axes`` a 2-D array; use ``axes.flat[i]``.
    """
    ncols = ncols or count
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    return fig, axes


def show_images(
    images: Sequence | Mapping,
    titles: Sequence[str] | None = None,
    *,
    ncols: int | None = None,
    size: float = 3.0,
    cmap: str = "gray",
):
    """Draw images side by side; a mapping's keys become titles. Returns the figure."""
    if isinstance(images, Mapping):
        titles = list(images.keys()) if titles is None else titles
        images = list(images.values())
    images = list(images)
    if not images:
        raise ValueError("images must hold at least one image")
    fig, axes = image_grid(len(images), ncols=ncols, size=size)
    for i, img in enumerate(images):
        ax = axes.flat[i]
        ax.imshow(_to_display(img), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        if titles is not None and i < len(titles):
            ax.set_title(titles[i], fontsize=10)
    fig.tight_layout()
    return fig


def compare_crops(
    results: Mapping[str, torch.Tensor],
    hr: torch.Tensor,
    *,
    box: tuple[int, int, int, int],
    shave: int = 0,
    size: float = 3.0,
):
    """The same zoomed crop of every result, with PSNR/SSIM against ``hr`` in the titles.

    Args:
        results: ``{method name: (C, H, W) image}``, each the size of ``hr``.
        hr: the ground truth, drawn last.
        box: ``(top, left, height, width)`` of the crop, in HR pixels.
        shave: border pixels ignored by the metrics (the SR scale in papers).
    """
    top, left, height, width = box
    if top < 0 or left < 0 or top + height > hr.shape[-2] or left + width > hr.shape[-1]:
        raise ValueError(f"box {box} does not fit in a {tuple(hr.shape[-2:])} image")
    panels, titles = [], []
    for name, img in results.items():
        if img.shape != hr.shape:
            raise ValueError(
                f"results[{name!r}] has shape {tuple(img.shape)}, hr has {tuple(hr.shape)}"
            )
        clipped = img.clamp(0, 1)
        p = float(psnr(clipped, hr, shave=shave))
        s = float(ssim(clipped, hr, shave=shave))
        panels.append(img[..., top : top + height, left : left + width])
        titles.append(f"{name}\n{p:.2f} dB / {s:.4f}")
    panels.append(hr[..., top : top + height, left : left + width])
    titles.append("HR (PSNR / SSIM)")
    return show_images(panels, titles, size=size)


def plot_history(history, *, log_loss: bool = True, smooth: int = 0):
    """Loss per step (optionally a running mean over ``smooth`` steps) and evaluated metrics."""
    has_metrics = bool(history.metrics)
    fig, axes = plt.subplots(1, 1 + has_metrics, figsize=(5 * (1 + has_metrics), 3.2))
    axes = np.atleast_1d(axes)
    loss = np.asarray(history.loss, dtype=float)
    axes[0].plot(history.step, loss, alpha=0.35 if smooth else 1.0, label="loss")
    if smooth and len(loss) >= smooth:
        running = np.convolve(loss, np.ones(smooth) / smooth, mode="valid")
        axes[0].plot(history.step[smooth - 1 :], running, label=f"mean of {smooth}")
        axes[0].legend()
    if log_loss and (loss > 0).all():
        axes[0].set_yscale("log")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("training loss")
    if has_metrics:
        for name, values in history.metrics.items():
            axes[1].plot(history.eval_step, values, marker="o", label=name)
        axes[1].set_xlabel("step")
        axes[1].legend()
    fig.tight_layout()
    return fig


def show_filters(weight: torch.Tensor, *, ncols: int = 8, size: float = 0.9, title: str = ""):
    """Draw conv filters (out, in, k, k) as small images (first input channel, or RGB if 3)."""
    if weight.dim() != 4:
        raise ValueError(f"weight must be (out, in, k, k), got shape {tuple(weight.shape)}")
    w = weight.detach().float().cpu()
    w = w[:, :3] if w.shape[1] == 3 else w[:, :1]
    lo = w.flatten(1).min(1).values.view(-1, 1, 1, 1)
    hi = w.flatten(1).max(1).values.view(-1, 1, 1, 1)
    w = (w - lo) / (hi - lo).clamp_min(1e-12)
    n = w.shape[0]
    fig, axes = image_grid(n, ncols=ncols, size=size)
    for i in range(n):
        axes.flat[i].imshow(_to_display(w[i]), cmap="gray", interpolation="nearest")
    if title:
        fig.suptitle(title)
    return fig
