"""VDSR (Kim, Lee, Lee: "Accurate Image Super-Resolution Using Very Deep Convolutional
Networks", CVPR 2016).

Twenty 3x3 convolutions with 64 channels on the bicubic-upscaled Y channel. The network
predicts only the *residual* ``r = y - x`` (the high frequencies bicubic misses) and adds
the input back (global residual learning, the paper's section 3.3 and Figure 4)::

    x -> conv(3, 64) ReLU -> 18 x [conv(3, 64) ReLU] -> conv(3, 1) -> + x
    (N, 1, H, W) -> (N, 64, H, W) -> ... -> (N, 1, H, W)

One network serves x2, x3 and x4: the paper trains it on a mix of the three scales. The paper
trains with SGD at learning rate 0.1 and *adjustable gradient clipping* (each gradient clipped
to [-theta / lr, theta / lr], so the step is at most theta whatever the learning rate):
:func:`adjustable_clip_`. 20 layers have 665,921 parameters ("about 665k").
"""

from __future__ import annotations

import torch
from torch import nn

from . import Recipe, register_model

__all__ = ["VDSR", "adjustable_clip_"]


@register_model(
    "vdsr",
    kind="sr",
    recipe=Recipe(
        upsampled=True,
        channels="y",
        patch_size=41,  # the paper's 41 x 41 sub-images
        stride=41,
        batch_size=64,
        learning_rate=1e-4,
        optimizer="adam",
        loss="mse",
        steps=60_000,
        grad_clip=0.4,  # a global-norm clip: Adam replaces the paper's SGD at lr 0.1
        scales=(2, 3, 4),
    ),
    description="VDSR (Kim et al. CVPR 2016): 20 conv layers, global residual, multi-scale",
)
class VDSR(nn.Module):
    """VDSR: ``depth`` 3x3 convolutions, ReLU between them, the input added at the end.

    Args:
        depth: number of convolution layers (20 in the paper).
        num_features: channels of the hidden layers (64).
        channels: image channels (1: Y).
        residual: add the input to the output (global residual learning); ``False`` gives the
            same network predicting the image itself (the paper's non-residual baseline).

    Input (N, channels, H, W): the LR image bicubic-upscaled, in [0, 1]; output the same size.
    """

    def __init__(
        self,
        *,
        depth: int = 20,
        num_features: int = 64,
        channels: int = 1,
        residual: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 2:
            raise ValueError(f"depth must be an int >= 2, got {depth!r}")
        for name, value in (("num_features", num_features), ("channels", channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.residual = bool(residual)
        layers: list[nn.Module] = [nn.Conv2d(channels, num_features, 3, padding=1), nn.ReLU()]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(num_features, num_features, 3, padding=1), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.conv_last = nn.Conv2d(num_features, channels, 3, padding=1)
        # He et al. (ICCV 2015) initialisation, as in the paper
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)
        if self.residual:
            # start from "output = bicubic input" (a small last layer): the residual net
            # begins at bicubic quality, which is the fast start of the paper's Figure 4
            nn.init.normal_(self.conv_last.weight, std=1e-3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_last(self.body(x))
        return x + out if self.residual else out


def adjustable_clip_(parameters, *, theta: float, learning_rate: float) -> None:
    """VDSR's adjustable gradient clipping (section 3.1): clip every gradient element to
    ``[-theta / learning_rate, theta / learning_rate]`` in place (theta = 0.01 in the paper),
    so a high learning rate can be used without exploding steps."""
    if not theta > 0 or not learning_rate > 0:
        raise ValueError(
            f"theta and learning_rate must be positive, got theta={theta!r}, "
            f"learning_rate={learning_rate!r}"
        )
    nn.utils.clip_grad_value_(parameters, theta / learning_rate)
