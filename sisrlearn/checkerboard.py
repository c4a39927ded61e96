"""Checkerboard artifacts of learned upsampling (Odena, Dumoulin, Olah, "Deconvolution and
Checkerboard Artifacts", Distill 2016; Aitken et al., "Checkerboard artifact free sub-pixel
convolution", arXiv 2017).

A transposed convolution ("deconvolution") with stride ``r`` and a kernel whose size is not a
multiple of ``r`` paints overlapping kernel copies unevenly: some output pixels receive more
kernel taps than others, so even a *flat* input gives an output with a period-``r`` pattern.
Resizing first (nearest or bilinear) and then convolving cannot do this: a flat image stays
flat. A sub-pixel convolution (conv + ``PixelShuffle``) can, unless its ``r*r`` filters are
equal (ICNR initialisation).

The measure here: split the output into its ``r x r`` phases (the pixels ``out[i::r, j::r]``),
average each phase over the image interior, and report the spread of those ``r*r`` means
(:func:`checkerboard_strength`). A flat output has strength 0. The same pattern shows in
the spectrum as peaks at the frequencies ``k / r`` cycles per pixel (:func:`spectrum`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import as_batch, check_scale
from .models.espcn import icnr_

__all__ = [
    "UPSAMPLERS",
    "make_upsampler",
    "flat_response",
    "phase_pattern",
    "checkerboard_strength",
    "spectrum",
]

UPSAMPLERS = ("deconv", "nearest", "bilinear", "subpixel", "subpixel_icnr")


class _ResizeConv(nn.Module):
    """Resize by ``scale`` (nearest or bilinear), then a conv with replicate padding."""

    def __init__(self, channels: int, scale: int, kernel_size: int, mode: str) -> None:
        super().__init__()
        self.scale, self.mode = scale, mode
        self.conv = nn.Conv2d(channels, channels, kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kwargs = {"align_corners": False} if self.mode == "bilinear" else {}
        x = F.interpolate(x, scale_factor=self.scale, mode=self.mode, **kwargs)
        p = self.conv.kernel_size[0] // 2
        return self.conv(F.pad(x, (p, p, p, p), mode="replicate"))


def make_upsampler(
    kind: str, *, channels: int = 1, scale: int = 2, kernel_size: int = 3, seed: int = 0
) -> nn.Module:
    """A randomly initialised learned x``scale`` upsampler of one of :data:`UPSAMPLERS`.

    ``"deconv"``: ``ConvTranspose2d(kernel_size, stride=scale)`` (uneven overlap when
    ``kernel_size % scale != 0``); ``"nearest"``/``"bilinear"``: resize, then conv;
    ``"subpixel"``: conv to ``channels * scale**2`` maps + ``PixelShuffle``;
    ``"subpixel_icnr"``: the same with ICNR initialisation. Output (N, C, H*scale, W*scale).
    """
    if kind not in UPSAMPLERS:
        raise ValueError(f"kind must be one of {UPSAMPLERS}, got {kind!r}")
    check_scale(scale)
    if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be an odd positive int, got {kernel_size!r}")
    torch.manual_seed(seed)
    p = kernel_size // 2
    if kind == "deconv":
        # output (H - 1) * scale - 2p + k + (scale - 1) = H * scale when k = 2p + 1
        return nn.ConvTranspose2d(
            channels, channels, kernel_size, stride=scale, padding=p, output_padding=scale - 1
        )
    if kind in ("nearest", "bilinear"):
        return _ResizeConv(channels, scale, kernel_size, kind)
    conv = nn.Conv2d(
        channels, channels * scale * scale, kernel_size, padding=p, padding_mode="replicate"
    )
    if kind == "subpixel_icnr":
        icnr_(conv.weight, scale)
        with torch.no_grad():  # equal biases within each r x r group too
            conv.bias.copy_(conv.bias[:: scale * scale].repeat_interleave(scale * scale))
    return nn.Sequential(conv, nn.PixelShuffle(scale))


@torch.no_grad()
def flat_response(upsampler: nn.Module, *, size: int = 16, value: float = 0.5) -> torch.Tensor:
    """The upsampler's output (C, size*r, size*r) for a constant input image of ``value``."""
    param = next(upsampler.parameters())
    channels = _in_channels(upsampler)
    x = torch.full((1, channels, size, size), float(value), device=param.device, dtype=param.dtype)
    return upsampler(x)[0]


def _in_channels(module: nn.Module) -> int:
    for mod in module.modules():
        if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d)):
            return mod.in_channels
    raise ValueError("upsampler must contain a Conv2d or a ConvTranspose2d")


def phase_pattern(img: torch.Tensor, scale: int, *, border: int | None = None) -> torch.Tensor:
    """The mean of each of the ``scale x scale`` phases ``img[..., i::scale, j::scale]``,
    averaged over channels and images: a (scale, scale) tensor (the repeating tile).

    Args:
        img: (C, H, W) or (N, C, H, W), H and W multiples of ``scale``.
        border: pixels cropped from every side first (default: ``2 * scale``, away from
            padding effects); a multiple of ``scale`` keeps the phases aligned.
    """
    batch, _ = as_batch(img, "img")
    check_scale(scale)
    border = 2 * scale if border is None else border
    if border % scale:
        raise ValueError(f"border must be a multiple of scale={scale}, got {border}")
    h, w = batch.shape[-2:]
    if h % scale or w % scale or min(h, w) <= 2 * border:
        raise ValueError(
            f"img must have sides that are multiples of scale={scale} and larger than "
            f"2*border={2 * border}, got {h}x{w}"
        )
    core = batch[..., border : h - border, border : w - border]
    cells = core.unflatten(-2, (-1, scale)).unflatten(-1, (-1, scale))  # (N, C, h', r, w', r)
    return cells.mean(dim=(0, 1, 2, 4))


def checkerboard_strength(img: torch.Tensor, scale: int, *, border: int | None = None) -> float:
    """Spread (max - min) of the phase means of :func:`phase_pattern`, in image units:
    0 for an output without a period-``scale`` pattern."""
    tile = phase_pattern(img, scale, border=border)
    return float(tile.max() - tile.min())


def spectrum(img: torch.Tensor) -> torch.Tensor:
    """Log-magnitude 2-D Fourier spectrum ``log(1 + |FFT|)`` of (the channel mean of) one image,
    mean removed and zero frequency centred: (H, W). A period-``r`` pattern shows as peaks
    ``H / r`` and ``W / r`` bins from the centre."""
    batch, _ = as_batch(img, "img")
    gray = batch[0].mean(0)
    freq = torch.fft.fftshift(torch.fft.fft2(gray - gray.mean()))
    return torch.log1p(freq.abs())
