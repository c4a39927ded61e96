"""A slim colorization network (Zhang, Isola, Efros: "Colorful Image Colorization", ECCV 2016).

The paper's network is eight blocks of 2-3 convolutions with BatchNorm, downsampling to 1/8
and back to 1/4, with dilated (a trous) convolutions in blocks 5-6, ending in a 313-way
softmax per pixel at 1/4 resolution that is upsampled to the image (Fig. 2). This slim
version keeps that shape with far fewer channels, for CPU training on a few images::

    L/100 (N, 1, H, W) -> normalise -> block1 (1/2) -> block2 (1/4) -> block3
    -> block4, block5 (dilation 2) -> block6 -> 1x1 head (Q bins, or 2 for ab) at 1/4
    -> bilinear upsampling x4 -> (N, Q, H, W) logits   or   (N, 2, H, W) ab

``ColorNet`` ("colornet") outputs logits over the ab bins (``self.bins``, a buffer saved
with the weights); ``ColorNetRegression`` ("colornet_reg") is its twin with an ab head,
trained with the L2 loss of eq. 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..color import AB_SCALE, ab_bins
from . import Recipe, register_model

__all__ = ["ColorNet", "ColorNetRegression"]


def _block(c_in: int, c_out: int, convs: int, *, stride: int = 1, dilation: int = 1):
    """``convs`` 3x3 conv + ReLU, the last one strided, then BatchNorm (as in the paper)."""
    layers: list[nn.Module] = []
    for i in range(convs):
        s = stride if i == convs - 1 else 1
        layers += [
            nn.Conv2d(
                c_in if i == 0 else c_out, c_out, 3, stride=s, padding=dilation, dilation=dilation
            ),
            nn.ReLU(inplace=True),
        ]
    layers.append(nn.BatchNorm2d(c_out))
    return nn.Sequential(*layers)


class _ColorBody(nn.Module):
    def __init__(self, num_features: int, out_channels: int) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 4:
            raise ValueError(f"num_features must be an int >= 4, got {num_features!r}")
        c = num_features
        self.body = nn.Sequential(
            _block(1, c // 2, 2, stride=2),  # (N, 1, H, W) -> (N, c/2, H/2, W/2)
            _block(c // 2, c, 2, stride=2),  # -> (N, c, H/4, W/4)
            _block(c, 2 * c, 2),
            _block(2 * c, 2 * c, 2, dilation=2),  # dilated: wider context, same resolution
            _block(2 * c, 2 * c, 2, dilation=2),
            _block(2 * c, 2 * c, 2),
        )
        self.conv_last = nn.Conv2d(2 * c, out_channels, 1)

    def _low(self, light: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) -> (N, out, ceil(H/4), ceil(W/4)): the head's output at 1/4."""
        if not isinstance(light, torch.Tensor) or light.dim() != 4 or light.shape[1] != 1:
            got = tuple(light.shape) if isinstance(light, torch.Tensor) else type(light).__name__
            raise ValueError(f"light must be (N, 1, H, W) L/100 in [0, 1], got {got}")
        h, w = light.shape[-2:]
        x = (light - 0.5) / 0.5  # L normalised to [-1, 1]
        pad_h, pad_w = -h % 4, -w % 4  # the body halves twice: pad to a multiple of 4
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        return self.conv_last(self.body(x))

    def _full(self, out: torch.Tensor, light: torch.Tensor) -> torch.Tensor:
        h, w = light.shape[-2:]
        out = F.interpolate(out, scale_factor=4, mode="bilinear", align_corners=False)
        return out[..., :h, :w]


@register_model(
    "colornet",
    kind="color",
    recipe=Recipe(
        upsampled=False,
        channels="lab",
        patch_size=64,
        batch_size=16,
        learning_rate=1e-3,
        loss="cross-entropy (rebalanced)",
        steps=1000,
    ),
    description="ColorNet (Zhang et al. 2016, slim): L -> logits over the ab bins",
)
class ColorNet(_ColorBody):
    """Colorization as classification: (N, 1, H, W) L/100 -> (N, Q, H, W) bin logits.

    Args:
        num_features: channels at 1/4 resolution (the middle blocks have twice as many).
        grid: ab grid size of the bins (``sisrlearn.colorize.ab_bins``); Q follows from it.
    """

    def __init__(self, num_features: int = 32, grid: int = 10) -> None:
        bins = ab_bins(grid=grid)
        super().__init__(num_features, len(bins))
        self.register_buffer("bins", bins)  # (Q, 2) ab centres, saved with the weights

    def forward_low(self, light: torch.Tensor) -> torch.Tensor:
        """Logits at 1/4 resolution (the paper's loss is computed there)."""
        return self._low(light)

    def forward(self, light: torch.Tensor) -> torch.Tensor:
        return self._full(self._low(light), light)


@register_model(
    "colornet_reg",
    kind="color",
    recipe=Recipe(
        upsampled=False,
        channels="lab",
        patch_size=64,
        batch_size=16,
        learning_rate=1e-3,
        loss="mse",
        steps=1000,
    ),
    description="ColorNet regression twin: L -> ab with an L2 loss",
)
class ColorNetRegression(_ColorBody):
    """The regression baseline: (N, 1, H, W) L/100 -> (N, 2, H, W) ab in Lab units."""

    bins = None  # no bins: ``sisrlearn.colorize.predict_ab`` returns the output as ab

    def __init__(self, num_features: int = 32) -> None:
        super().__init__(num_features, 2)

    def forward_low(self, light: torch.Tensor) -> torch.Tensor:
        """ab at 1/4 resolution."""
        return AB_SCALE * self._low(light)

    def forward(self, light: torch.Tensor) -> torch.Tensor:
        return self._full(self.forward_low(light), light)
