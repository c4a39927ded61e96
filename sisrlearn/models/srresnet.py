"""Residual-block SR networks: SRResNet (Ledig et al., "Photo-Realistic Single Image
Super-Resolution Using a Generative Adversarial Network", CVPR 2017) and EDSR-baseline (Lim,
Son, Kim, Nah, Lee, "Enhanced Deep Residual Networks for Single Image Super-Resolution",
CVPRW 2017).

Both are the same skeleton on the LR RGB image::

    conv_first                            (N, 3, h, w) -> (N, F, h, w)
    body: B residual blocks, conv(3, F)   x + res_scale * conv(act(conv(x))), BN optional
    + conv_first's output                 global skip
    upsample: [conv(3, 4F) PixelShuffle(2) (PReLU)] per factor 2, or one x3 step
    conv_last                             (N, F, r h, r w) -> (N, 3, r h, r w)

SRResNet: 9x9 first/last convolutions, BatchNorm in the blocks, PReLU (1.55M parameters at
x4). EDSR-baseline removes BatchNorm ("it normalises away the range flexibility of the
features", section 3.1), uses ReLU and 3x3 ends (1.37M parameters at x2, 1.52M at x4; the
paper omits its RGB mean shift here as the zoo trains on T91). EDSR's large model scales each
residual by 0.1 (``res_scale``) to train stably with 256 features.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import check_scale
from . import Recipe, register_model

__all__ = ["ResidualBlock", "SRResNet", "edsr_baseline", "upsample_steps"]

_ACTIVATIONS = ("prelu", "relu")


def _activation(name: str, num_features: int) -> nn.Module:
    if name == "prelu":
        return nn.PReLU(num_features)
    return nn.ReLU()


def upsample_steps(scale: int) -> list[int]:
    """The pixel-shuffle factors that make ``scale``: ``[2, 2]`` for 4, ``[3]`` for 3."""
    check_scale(scale)
    if scale == 3:
        return [3]
    if scale & (scale - 1):
        raise ValueError(f"scale must be 1, 3 or a power of 2, got {scale}")
    return [2] * (scale.bit_length() - 1)


class ResidualBlock(nn.Module):
    """``x + res_scale * conv(act(conv(x)))`` (the SRResNet/EDSR form;
    He et al. CVPR 2016 apply the activation after the sum, this block does not), BN after each conv
    when ``batchnorm`` (SRResNet), none in EDSR. Shape (N, F, H, W) -> (N, F, H, W).

    Args:
        num_features: F, channels in and out.
        batchnorm: BatchNorm2d after each convolution.
        activation: ``"prelu"`` (SRResNet) or ``"relu"`` (EDSR).
        res_scale: multiplies the residual before the addition (0.1 in EDSR's large model).
        kernel_size: of both convolutions (odd).
    """

    def __init__(
        self,
        num_features: int = 64,
        *,
        batchnorm: bool = True,
        activation: str = "prelu",
        res_scale: float = 1.0,
        kernel_size: int = 3,
    ) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"num_features must be a positive int, got {num_features!r}")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}")
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd positive int, got {kernel_size!r}")
        self.res_scale = float(res_scale)
        pad = kernel_size // 2
        layers: list[nn.Module] = [nn.Conv2d(num_features, num_features, kernel_size, padding=pad)]
        if batchnorm:
            layers.append(nn.BatchNorm2d(num_features))
        layers.append(_activation(activation, num_features))
        layers.append(nn.Conv2d(num_features, num_features, kernel_size, padding=pad))
        if batchnorm:
            layers.append(nn.BatchNorm2d(num_features))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.res_scale * self.body(x)


@register_model(
    "srresnet",
    kind="sr",
    recipe=Recipe(
        upsampled=False,
        channels="rgb",
        patch_size=24,  # the paper's 96 x 96 HR crops at x4
        stride=12,
        batch_size=16,
        learning_rate=1e-4,
        optimizer="adam",
        loss="mse",
        steps=100_000,
    ),
    description="SRResNet (Ledig et al. CVPR 2017): 16 residual blocks with BN, PReLU, sub-pixel",
)
class SRResNet(nn.Module):
    """SRResNet / EDSR-baseline: residual blocks, global skip, pixel-shuffle upsampler.

    Args:
        scale: SR factor (1, 3 or a power of 2).
        channels: image channels (3: RGB).
        num_features: F, channels of the body.
        num_blocks: B, residual blocks.
        batchnorm: BatchNorm in the blocks and after the body's last conv (SRResNet).
        activation: ``"prelu"`` (SRResNet) or ``"relu"`` (EDSR).
        res_scale: residual scaling inside each block.
        head_kernel_size: kernel of ``conv_first``/``conv_last`` (9 in SRResNet, 3 in EDSR).
        upsample_activation: PReLU/ReLU after each pixel shuffle (SRResNet: yes, EDSR: no).

    Input (N, channels, h, w) LR in [0, 1]; output (N, channels, h*scale, w*scale).
    """

    def __init__(
        self,
        scale: int = 4,
        channels: int = 3,
        num_features: int = 64,
        num_blocks: int = 16,
        batchnorm: bool = True,
        activation: str = "prelu",
        res_scale: float = 1.0,
        *,
        head_kernel_size: int = 9,
        upsample_activation: bool = True,
    ) -> None:
        super().__init__()
        steps = upsample_steps(scale)
        for name, value in (("channels", channels), ("num_features", num_features)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if isinstance(num_blocks, bool) or not isinstance(num_blocks, int) or num_blocks < 0:
            raise ValueError(f"num_blocks must be a non-negative int, got {num_blocks!r}")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}")
        if head_kernel_size < 1 or head_kernel_size % 2 == 0:
            raise ValueError(f"head_kernel_size must be odd and positive, got {head_kernel_size}")
        self.scale = scale
        feats, pad = num_features, head_kernel_size // 2
        first: list[nn.Module] = [nn.Conv2d(channels, feats, head_kernel_size, padding=pad)]
        if activation == "prelu":
            first.append(nn.PReLU(feats))  # SRResNet; EDSR has no activation here
        self.conv_first = nn.Sequential(*first)
        blocks: list[nn.Module] = [
            ResidualBlock(feats, batchnorm=batchnorm, activation=activation, res_scale=res_scale)
            for _ in range(num_blocks)
        ]
        blocks.append(nn.Conv2d(feats, feats, 3, padding=1))
        if batchnorm:
            blocks.append(nn.BatchNorm2d(feats))
        self.body = nn.Sequential(*blocks)
        up: list[nn.Module] = []
        for factor in steps:
            # (N, F, h, w) -> (N, F r^2, h, w) -> (N, F, r h, r w)
            up += [nn.Conv2d(feats, feats * factor * factor, 3, padding=1), nn.PixelShuffle(factor)]
            if upsample_activation:
                up.append(_activation(activation, feats))
        self.upsample = nn.Sequential(*up)
        self.conv_last = nn.Conv2d(feats, channels, head_kernel_size, padding=pad)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.conv_first(x)
        features = features + self.body(features)  # global skip
        return self.conv_last(self.upsample(features))


@register_model(
    "edsr_baseline",
    kind="sr",
    recipe=Recipe(
        upsampled=False,
        channels="rgb",
        patch_size=48,  # the paper's 48 x 48 LR patches
        stride=24,
        batch_size=16,
        learning_rate=1e-4,
        optimizer="adam",
        loss="l1",
        steps=100_000,
    ),
    description="EDSR-baseline (Lim et al. CVPRW 2017): 16 residual blocks, no BN, ReLU",
)
def edsr_baseline(
    scale: int = 2,
    channels: int = 3,
    num_features: int = 64,
    num_blocks: int = 16,
    batchnorm: bool = False,
    activation: str = "relu",
    res_scale: float = 1.0,
) -> SRResNet:
    """EDSR-baseline: :class:`SRResNet` without BatchNorm, with ReLU and 3x3 ends."""
    return SRResNet(
        scale,
        channels,
        num_features,
        num_blocks,
        batchnorm,
        activation,
        res_scale,
        head_kernel_size=3,
        upsample_activation=False,
    )
