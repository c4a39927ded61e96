"""FSRCNN (Dong, Loy, Tang: "Accelerating the Super-Resolution Convolutional Neural Network",
ECCV 2016).

SRCNN made fast: the network works on the LR image itself and upsamples only at the end,
with a learned deconvolution (transposed convolution) of stride ``scale``::

    conv(5, d)  PReLU    feature extraction        (N, 1, h, w) -> (N, d, h, w)
    conv(1, s)  PReLU    shrinking                 (N, d, h, w) -> (N, s, h, w)
    m x [conv(3, s) PReLU]  non-linear mapping      (N, s, h, w)
    conv(1, d)  PReLU    expanding                 (N, s, h, w) -> (N, d, h, w)
    deconv(9, stride=scale)  reconstruction        (N, d, h, w) -> (N, 1, h*scale, w*scale)

FSRCNN is ``d, s, m = 56, 12, 4``; FSRCNN-s is ``32, 5, 1``. The paper counts weights only
(no biases, no PReLU slopes): 12,464 for FSRCNN and 3,937 for FSRCNN-s (section 3.3).
Only the deconvolution depends on the scale, which is why the paper fine-tunes it alone to
move between x2, x3 and x4.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import check_scale
from . import Recipe, register_model

__all__ = ["FSRCNN", "fsrcnn_s", "paper_parameter_count"]

_RECIPE = Recipe(
    upsampled=False,
    channels="y",
    patch_size=16,  # LR sub-image side (paper: 7-11; a little larger here, fewer steps)
    stride=8,
    batch_size=64,
    learning_rate=1e-3,
    optimizer="adam",
    loss="mse",
    steps=100_000,
)


@register_model(
    "fsrcnn",
    kind="sr",
    recipe=_RECIPE,
    description="FSRCNN (Dong et al. ECCV 2016): LR-space convs + deconvolution, d=56 s=12 m=4",
)
class FSRCNN(nn.Module):
    """FSRCNN: feature extraction, shrinking, mapping, expanding, deconvolution (PReLU).

    Args:
        scale: SR factor: the deconvolution's stride.
        d: feature-extraction (and expanding) width, 56 in the paper.
        s: shrunk width of the mapping layers, 12 in the paper.
        m: number of 3x3 mapping layers, 4 in the paper.
        channels: image channels (1: Y, as in the paper).

    Input (N, channels, h, w) LR in [0, 1]; output (N, channels, h*scale, w*scale).
    """

    def __init__(
        self, scale: int = 3, *, d: int = 56, s: int = 12, m: int = 4, channels: int = 1
    ) -> None:
        super().__init__()
        check_scale(scale)
        for name, value in (("d", d), ("s", s), ("channels", channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if isinstance(m, bool) or not isinstance(m, int) or m < 0:
            raise ValueError(f"m must be a non-negative int, got {m!r}")
        self.scale = scale
        self.conv_first = nn.Sequential(nn.Conv2d(channels, d, 5, padding=2), nn.PReLU(d))
        layers: list[nn.Module] = [nn.Conv2d(d, s, 1), nn.PReLU(s)]
        for _ in range(m):
            layers += [nn.Conv2d(s, s, 3, padding=1), nn.PReLU(s)]
        layers += [nn.Conv2d(s, d, 1), nn.PReLU(d)]
        self.body = nn.Sequential(*layers)
        # padding 4 and output_padding scale-1 make the output exactly scale times larger:
        # (h - 1) * scale - 2 * 4 + 9 + scale - 1 = h * scale
        self.upsample = nn.ConvTranspose2d(
            d, channels, 9, stride=scale, padding=4, output_padding=scale - 1
        )
        self._init_weights()

    def _init_weights(self) -> None:
        # the paper: He (MSRA) initialisation for the convolutions, Gaussian std 1e-3 for the
        # deconvolution, zero biases
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, a=0.25, nonlinearity="leaky_relu")
                nn.init.zeros_(module.bias)
        nn.init.normal_(self.upsample.weight, std=1e-3)
        nn.init.zeros_(self.upsample.bias)

    def paper_param_groups(self, lr: float) -> list[dict]:
        """The paper's SGD learning rates: ``lr`` for the convolutions, ``lr / 10`` for the
        deconvolution. (Not used by the zoo recipe, which trains every layer with Adam at one
        rate: Adam already adapts the step per weight.)"""
        convs = [*self.conv_first.parameters(), *self.body.parameters()]
        return [{"params": convs, "lr": lr}, {"params": self.upsample.parameters(), "lr": lr / 10}]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.body(self.conv_first(x)))


@register_model(
    "fsrcnn_s",
    kind="sr",
    recipe=_RECIPE,
    description="FSRCNN-s (Dong et al. ECCV 2016): the small variant, d=32 s=5 m=1",
)
def fsrcnn_s(scale: int = 3, *, d: int = 32, s: int = 5, m: int = 1, channels: int = 1) -> FSRCNN:
    """FSRCNN-s: the real-time variant (d=32, s=5, m=1; 3,937 weights)."""
    return FSRCNN(scale, d=d, s=s, m=m, channels=channels)


def paper_parameter_count(model: nn.Module) -> int:
    """Weights of the convolutions and deconvolutions only: how the FSRCNN paper counts."""
    return sum(
        mod.weight.numel()
        for mod in model.modules()
        if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d))
    )
