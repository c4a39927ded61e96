"""ESPCN (Shi, Caballero, Huszar, Totz, Aitken, Bishop, Rueckert, Wang: "Real-Time Single Image
and Video Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network",
CVPR 2016).

Three convolutions on the LR image; the last one outputs ``channels * scale**2`` feature maps
that a *periodic shuffle* (``nn.PixelShuffle``, the sub-pixel convolution layer) rearranges
into an image ``scale`` times larger::

    conv(5, 64) tanh -> conv(3, 32) tanh -> conv(3, C r^2) -> PixelShuffle(r)
    (N, C, h, w) -> (N, 64, h, w) -> (N, 32, h, w) -> (N, C r^2, h, w) -> (N, C, r h, r w)

``icnr=True`` initialises the last convolution with ICNR (Aitken et al., "Checkerboard
artifact free sub-pixel convolution", arXiv 2017): all ``r**2`` sub-pixel filters of an output
channel start equal, so the untrained layer is a convolution followed by nearest-neighbour
upsampling and has no checkerboard pattern.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import check_scale
from . import Recipe, register_model

__all__ = ["ESPCN", "icnr_", "pixel_shuffle"]


def pixel_shuffle(x: torch.Tensor, scale: int) -> torch.Tensor:
    """The periodic shuffle by hand: (N, C r^2, h, w) -> (N, C, r h, r w) with
    ``out[n, c, r*i + a, r*j + b] = x[n, c*r*r + a*r + b, i, j]`` (equals ``nn.PixelShuffle``)."""
    check_scale(scale)
    if x.dim() != 4 or x.shape[1] % (scale * scale):
        raise ValueError(
            f"x must be (N, C*scale**2, h, w) with scale={scale}, got shape {tuple(x.shape)}"
        )
    n, c, h, w = x.shape
    c //= scale * scale
    x = x.reshape(n, c, scale, scale, h, w)  # (N, C, a, b, i, j)
    x = x.permute(0, 1, 4, 2, 5, 3)  # (N, C, i, a, j, b)
    return x.reshape(n, c, h * scale, w * scale)


def icnr_(weight: torch.Tensor, scale: int, init=nn.init.kaiming_normal_) -> torch.Tensor:
    """ICNR in place: ``weight`` (C * scale**2, in, k, k) gets the same kernel for each group of
    ``scale**2`` consecutive output channels (the channels ``PixelShuffle`` puts in one r x r
    cell), drawn with ``init`` for (C, in, k, k). Returns ``weight``."""
    check_scale(scale)
    out_ch = weight.shape[0]
    if out_ch % (scale * scale):
        raise ValueError(
            f"weight must have a multiple of scale**2={scale * scale} output channels, got {out_ch}"
        )
    sub = torch.empty(out_ch // (scale * scale), *weight.shape[1:], dtype=weight.dtype)
    init(sub)
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(scale * scale, dim=0))
    return weight


@register_model(
    "espcn",
    kind="sr",
    recipe=Recipe(
        upsampled=False,
        channels="y",
        patch_size=17,  # the paper: 17r x 17r HR sub-images, 17 x 17 LR
        stride=13,
        batch_size=64,
        learning_rate=1e-3,
        optimizer="adam",
        loss="mse",
        steps=100_000,
    ),
    description="ESPCN (Shi et al. CVPR 2016): 5-3-3 tanh convs + sub-pixel PixelShuffle",
)
class ESPCN(nn.Module):
    """ESPCN with the paper's (f1, n1) = (5, 64), (f2, n2) = (3, 32), f3 = 3 and tanh.

    Args:
        scale: SR factor r of the pixel shuffle.
        channels: image channels (1: Y, as in the paper).
        n1, n2: widths of the first two layers.
        icnr: initialise the last convolution with ICNR (no checkerboard at the start).

    Input (N, channels, h, w) LR in [0, 1]; output (N, channels, h*scale, w*scale).
    """

    def __init__(
        self,
        scale: int = 3,
        *,
        channels: int = 1,
        n1: int = 64,
        n2: int = 32,
        icnr: bool = False,
    ) -> None:
        super().__init__()
        check_scale(scale)
        for name, value in (("channels", channels), ("n1", n1), ("n2", n2)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.scale = scale
        self.body = nn.Sequential(
            nn.Conv2d(channels, n1, 5, padding=2),
            nn.Tanh(),
            nn.Conv2d(n1, n2, 3, padding=1),
            nn.Tanh(),
        )
        self.conv_last = nn.Conv2d(n2, channels * scale * scale, 3, padding=1)
        self.upsample = nn.PixelShuffle(scale)
        if icnr:
            icnr_(self.conv_last.weight, scale)
            nn.init.zeros_(self.conv_last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.conv_last(self.body(x)))
