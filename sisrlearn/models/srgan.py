"""The SRGAN discriminator (Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a
Generative Adversarial Network", CVPR 2017, Figure 4). The generator is :class:`SRResNet`
(``build_model("srresnet", scale=4)``).

::

    conv 3x3, 64, stride 1, LeakyReLU(0.2)                 (N, 3, 96, 96) -> (N, 64, 96, 96)
    7 x [conv 3x3, BN, LeakyReLU(0.2)]: 64 s2, 128 s1,     stride 2 every other layer
        128 s2, 256 s1, 256 s2, 512 s1, 512 s2             -> (N, 512, 6, 6)
    dense 1024, LeakyReLU(0.2), dense 1                    -> (N, 1): a logit

The paper ends with a sigmoid; this module returns the **logit** (``sigmoid`` of it is the
probability that the input is a real HR image, :meth:`SRGANDiscriminator.probability`), so that
:class:`sisrlearn.gan.GANLoss` can compute the losses stably.
"""

from __future__ import annotations

import torch
from torch import nn

from . import register_model

__all__ = ["SRGANDiscriminator"]


@register_model(
    "srgan_discriminator",
    kind="critic",
    description="SRGAN discriminator (Ledig et al. CVPR 2017): 8 convs 64-512, dense 1024, logit",
)
class SRGANDiscriminator(nn.Module):
    """Real-vs-generated classifier for ``input_size x input_size`` HR crops.

    Args:
        channels: image channels (3: RGB).
        num_features: channels of the first convolution (64); doubled every two layers.
        input_size: side of the square input (96 in the paper); must divide by 16.
        dense_features: width of the hidden dense layer (1024).
        negative_slope: of the LeakyReLUs (0.2).

    Input (N, channels, input_size, input_size) in [0, 1]; output (N, 1) logits.
    """

    def __init__(
        self,
        channels: int = 3,
        num_features: int = 64,
        *,
        input_size: int = 96,
        dense_features: int = 1024,
        negative_slope: float = 0.2,
    ) -> None:
        super().__init__()
        for name, value in (
            ("channels", channels),
            ("num_features", num_features),
            ("dense_features", dense_features),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if (
            isinstance(input_size, bool)
            or not isinstance(input_size, int)
            or input_size < 16
            or input_size % 16
        ):
            raise ValueError(f"input_size must be a positive multiple of 16, got {input_size!r}")
        self.input_size, self.channels = input_size, channels
        layers: list[nn.Module] = [
            nn.Conv2d(channels, num_features, 3, padding=1),
            nn.LeakyReLU(negative_slope),
        ]
        in_ch = num_features
        for i in range(7):
            out_ch = num_features * 2 ** ((i + 1) // 2)  # 64, 128, 128, 256, 256, 512, 512
            stride = 2 if i % 2 == 0 else 1
            layers += [
                nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1),
                nn.BatchNorm2d(out_ch),
                nn.LeakyReLU(negative_slope),
            ]
            in_ch = out_ch
        self.features = nn.Sequential(*layers)
        side = input_size // 16
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_ch * side * side, dense_features),
            nn.LeakyReLU(negative_slope),
            nn.Linear(dense_features, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = (self.channels, self.input_size, self.input_size)
        if not isinstance(x, torch.Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != expected:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(
                f"x must be (N, {', '.join(map(str, expected))}) HR crops, got {shape}"
                f"; build with input_size= for other crop sizes"
            )
        return self.classifier(self.features(x))

    def probability(self, x: torch.Tensor) -> torch.Tensor:
        """``D(x) = sigmoid(logit)``: the probability that ``x`` is a real HR image, (N, 1)."""
        return torch.sigmoid(self(x))
