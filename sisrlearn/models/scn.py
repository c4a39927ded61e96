"""SCN, the sparse-coding network (Wang, Liu, Yang, Han, Huang: "Deep Networks for Image
Super-Resolution with Sparse Prior", ICCV 2015).

ScSR (Yang et al. 2010) written as one feed-forward network and trained end to end on the
bicubic-upscaled Y channel::

    y = H * x                        patch extraction: a linear 9x9 conv (one feature per patch)
    b = W y;  z = h_theta(b)         LISTA sub-network (1x1 convs, learned per-atom thresholds)
    z = h_theta(b + S z)  (k times)  recurrent stages
    p = D_x z                        every position's HR patch (p*p values, a 1x1 conv)
    out = G * p  (+ x)               patch combination: overlapping patches averaged (a p x p conv)

``G`` starts as exact overlap averaging (see :func:`combination_weight`) and is then learned, as
in the paper. The paper removes each LR patch's mean and adds it back to the HR patch; here the
bicubic input itself is added back (a global skip), which plays the same part and trains faster.
Convolutions use replicate padding, so the output is as large as the input.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import Recipe, register_model

__all__ = ["SCN", "combination_weight"]


def combination_weight(patch_size: int, channels: int = 1) -> torch.Tensor:
    """The conv weight (channels, channels*p*p, p, p) that averages overlapping p x p patches.

    Channel ``a*p + b`` (per image channel) at position ``q`` holds pixel ``(a, b)`` of the
    patch centred at ``q``; that pixel lands at ``q + (a - p//2, b - p//2)``, so the
    correlation tap is at ``(p-1-a, p-1-b)``; each pixel receives p*p estimates, weight 1/p^2.
    """
    p = patch_size
    weight = torch.zeros(channels, channels * p * p, p, p)
    for c in range(channels):
        for a in range(p):
            for b in range(p):
                weight[c, c * p * p + a * p + b, p - 1 - a, p - 1 - b] = 1.0 / (p * p)
    return weight


@register_model(
    "scn",
    kind="sr",
    recipe=Recipe(
        upsampled=True,
        channels="y",
        patch_size=33,
        stride=14,
        batch_size=64,
        learning_rate=1e-3,
        optimizer="adam",
        steps=20_000,
        grad_clip=1.0,
    ),
    description="SCN (Wang et al. 2015): patch conv -> LISTA -> D_h -> patch averaging, on Y",
)
class SCN(nn.Module):
    """The sparse-coding network.

    Args:
        num_features: patch features from ``H`` (100 in the paper).
        num_atoms: code length, the LISTA width (128 in the paper).
        num_stages: recurrent LISTA stages ``k`` after the first shrinkage (1 in the paper).
        kernel_size: LR patch side seen by ``H`` (9).
        patch_size: HR patch side predicted per position and combined by ``G`` (5).
        channels: image channels (1: Y).
    """

    def __init__(
        self,
        *,
        num_features: int = 100,
        num_atoms: int = 128,
        num_stages: int = 1,
        kernel_size: int = 9,
        patch_size: int = 5,
        channels: int = 1,
    ) -> None:
        super().__init__()
        for name, value in (
            ("num_features", num_features),
            ("num_atoms", num_atoms),
            ("channels", channels),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if isinstance(num_stages, bool) or not isinstance(num_stages, int) or num_stages < 0:
            raise ValueError(f"num_stages must be a non-negative int, got {num_stages!r}")
        for name, value in (("kernel_size", kernel_size), ("patch_size", patch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value % 2 == 0:
                raise ValueError(f"{name} must be an odd positive int, got {value!r}")
        self.num_stages = num_stages
        self.conv_first = nn.Conv2d(channels, num_features, kernel_size)  # H
        self.W = nn.Conv2d(num_features, num_atoms, 1, bias=False)
        self.S = nn.Conv2d(num_atoms, num_atoms, 1, bias=False)
        self.theta = nn.Parameter(torch.full((1, num_atoms, 1, 1), 0.01))
        self.D = nn.Conv2d(num_atoms, channels * patch_size**2, 1, bias=False)  # D_x
        self.G = nn.Conv2d(channels * patch_size**2, channels, patch_size, bias=False)
        with torch.no_grad():
            nn.init.zeros_(self.S.weight)  # starts as one shrinkage layer
            nn.init.normal_(self.D.weight, std=1e-3)
            self.G.weight.copy_(combination_weight(patch_size, channels))

    @staticmethod
    def _same(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
        p = conv.kernel_size[0] // 2
        return conv(F.pad(x, (p, p, p, p), mode="replicate") if p else x)

    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """Sparse codes (N, num_atoms, H, W) of every patch of the upscaled image x."""
        theta = self.theta.clamp_min(0)
        b = self.W(self._same(self.conv_first, x))
        z = torch.sign(b) * F.relu(b.abs() - theta)
        for _ in range(self.num_stages):
            a = b + self.S(z)
            z = torch.sign(a) * F.relu(a.abs() - theta)
        return z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) bicubic-upscaled image -> (N, C, H, W) SR image."""
        if x.dim() != 4 or x.shape[1] != self.conv_first.in_channels:
            raise ValueError(
                f"x must be (N, {self.conv_first.in_channels}, H, W), got shape {tuple(x.shape)}"
            )
        return self._same(self.G, self.D(self.codes(x))) + x
