"""The degradation model ``y = (x * k) downsampled by s + n``, plus JPEG and masks.

Every inverse problem in the course starts from a clean image and one of these operators.
"""

from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from ._validate import as_batch, check_scale, unbatch
from .resize import imresize

__all__ = ["degrade", "gaussian_blur", "add_noise", "jpeg_compress", "random_mask", "text_mask"]


def gaussian_blur(img: torch.Tensor, sigma: float, *, kernel_size: int | None = None):
    """Isotropic Gaussian blur (replicate borders); size defaults to ``2 * ceil(3 sigma) + 1``."""
    batch, single = as_batch(img)
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    size = kernel_size or 2 * int(np.ceil(3 * sigma)) + 1
    if size % 2 == 0:
        raise ValueError(f"kernel_size must be odd, got {size}")
    coords = torch.arange(size, dtype=batch.dtype, device=batch.device) - size // 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = g / g.sum()
    c = batch.shape[1]
    padded = F.pad(batch, (size // 2,) * 4, mode="replicate")
    out = F.conv2d(padded, g.view(1, 1, 1, size).expand(c, 1, 1, size), groups=c)
    out = F.conv2d(out, g.view(1, 1, size, 1).expand(c, 1, size, 1), groups=c)
    return unbatch(out, single)


def add_noise(img: torch.Tensor, sigma: float, *, generator: torch.Generator | None = None):
    """Add white Gaussian noise of standard deviation ``sigma`` (in [0, 1] units, not clipped)."""
    batch, single = as_batch(img)
    if not sigma >= 0:
        raise ValueError(f"sigma must be non-negative (e.g. 25/255), got {sigma!r}")
    noise = torch.randn(batch.shape, generator=generator, dtype=batch.dtype, device="cpu")
    return unbatch(batch + sigma * noise.to(batch.device), single)


def jpeg_compress(img: torch.Tensor, quality: int) -> torch.Tensor:
    """Encode and decode as JPEG at ``quality`` (1-95) with Pillow, in memory."""
    batch, single = as_batch(img, channels=(1, 3))
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 95:
        raise ValueError(f"quality must be an int in [1, 95], got {quality!r}")
    out = []
    for one in batch:
        arr = np.clip(np.round(one.detach().cpu().double().numpy() * 255), 0, 255).astype(np.uint8)
        arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, format="JPEG", quality=quality)
        dec = np.asarray(Image.open(io.BytesIO(buf.getvalue())), dtype=np.float32) / 255.0
        dec = dec[None] if dec.ndim == 2 else dec.transpose(2, 0, 1)
        out.append(torch.from_numpy(np.ascontiguousarray(dec)))
    return unbatch(torch.stack(out).to(batch), single)


def degrade(
    hr: torch.Tensor,
    scale: int = 1,
    *,
    blur: float | None = None,
    noise: float | None = None,
    jpeg: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Blur, downsample (MATLAB bicubic), add noise, then JPEG-compress, each step optional.

    Args:
        hr: clean image (C, H, W) or (N, C, H, W) in [0, 1]; its sides must divide by ``scale``.
        scale: downsampling factor (1 keeps the size).
        blur: Gaussian blur sigma in pixels, or None.
        noise: Gaussian noise sigma in [0, 1] units (e.g. ``25 / 255``), or None.
        jpeg: JPEG quality 1-95, or None.
        generator: for reproducible noise.

    Returns:
        The degraded observation, clipped to [0, 1].
    """
    batch, single = as_batch(hr, "hr")
    check_scale(scale)
    h, w = batch.shape[-2:]
    if h % scale or w % scale:
        raise ValueError(
            f"scale must divide the image size: got scale={scale} for a {h}x{w} image; "
            f"crop it with modcrop(img, {scale})"
        )
    out = batch
    if blur:
        out = gaussian_blur(out, blur)
    if scale > 1:
        out = imresize(out, 1 / scale)
    if noise:
        out = add_noise(out, noise, generator=generator)
    out = out.clamp(0.0, 1.0)
    if jpeg is not None:
        out = jpeg_compress(out, jpeg)
    return unbatch(out, single)


def random_mask(
    size: tuple[int, int], fraction: float, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """A (1, H, W) mask with ``fraction`` of pixels dropped (0) and the rest kept (1)."""
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction must be in [0, 1), got {fraction!r}")
    h, w = size
    return (torch.rand((1, h, w), generator=generator) >= fraction).float()


def text_mask(size: tuple[int, int], text: str = "super-resolution", *, line_gap: int = 24):
    """A (1, H, W) mask that is 0 under rows of rendered text and 1 elsewhere (inpainting)."""
    h, w = size
    if h < 16 or w < 16:
        raise ValueError(f"size must be at least 16x16, got {size!r}")
    canvas = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=max(10, line_gap * 2 // 3))
    for row, y in enumerate(range(2, h, line_gap)):
        draw.text((2 - (row % 3) * 7, y), (text + " ") * (w // 40 + 2), fill=0, font=font)
    return torch.from_numpy(np.asarray(canvas, dtype=np.float32) / 255.0).round()[None]
