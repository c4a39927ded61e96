"""Deep Image Prior generators (Ulyanov, Vedaldi, Lempitsky: "Deep Image Prior", CVPR 2018;
IJCV 128, 2020).

The untrained network ``f_theta`` maps a fixed noise tensor ``z`` (32 channels, U(0, 0.1)) to an
image; fitting ``theta`` to a degraded observation only, the structure of the network is the
prior. The paper's default is the *skip* encoder-decoder (its supplementary material, Fig. 2)::

    level i (5 levels, 128 channels):
        d_i: conv3x3 stride 2 -> BN -> LReLU -> conv3x3 -> BN -> LReLU     (down)
        s_i: conv1x1 to 4 channels -> BN -> LReLU                           (the skip)
        u_i: BN(concat(s_i, up(deeper))) -> conv3x3 -> BN -> LReLU -> conv1x1 -> BN -> LReLU
    output: conv1x1 -> sigmoid

with reflection padding, bilinear upsampling and LeakyReLU(0.2): about 2.2M parameters for a
32-channel input and an RGB output. The architecture study (paper Fig. 7, inpainting) compares
it with encoder-decoders without skips (``channels_skip=0``), a ResNet of 8 blocks and a U-Net.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import Recipe, register_model

__all__ = ["SkipNet", "UNetPrior", "ResNetPrior", "count_parameters"]

# Not trained by ``sisrlearn train``: DIP fits one image at a time (``sisrlearn.dip``).
_RECIPE = Recipe(upsampled=False, channels="rgb", learning_rate=0.01, steps=2000)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class _PointwiseConv(nn.Conv2d):
    """A 1x1 convolution computed as a matrix product on channels-last input.

    Same parameters (and ``state_dict``) as ``nn.Conv2d(c_in, c_out, 1)``. On a channels-last
    (N, C, H, W) tensor the pixels are the rows of an (N*H*W, C) matrix, so the convolution is
    ``F.linear``: on the CPU its backward is about 1.4x faster than the convolution kernels'
    (2x for the 3-channel output layer), see ``docs/benchmarks.md``. Other layouts use the
    convolution.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or not x.is_contiguous(memory_format=torch.channels_last):
            return super().forward(x)
        weight = self.weight.flatten(1)  # (c_out, c_in)
        return F.linear(x.permute(0, 2, 3, 1), weight, self.bias).permute(0, 3, 1, 2)


def _conv(c_in: int, c_out: int, kernel_size: int, stride: int = 1) -> nn.Sequential:
    """Reflection padding then a convolution (the paper pads by reflection)."""
    pad = (kernel_size - 1) // 2
    if kernel_size == 1 and stride == 1:
        return nn.Sequential(_PointwiseConv(c_in, c_out, 1))
    layers = [nn.ReflectionPad2d(pad)] if pad else []
    return nn.Sequential(*layers, nn.Conv2d(c_in, c_out, kernel_size, stride))


def _block(c_in: int, c_out: int, kernel_size: int, stride: int = 1) -> nn.Sequential:
    """conv -> BatchNorm -> LeakyReLU(0.2) (in place: BatchNorm's backward needs only its input)."""
    return nn.Sequential(
        _conv(c_in, c_out, kernel_size, stride),
        nn.BatchNorm2d(c_out),
        nn.LeakyReLU(0.2, inplace=True),
    )


class _DenseGrad(torch.autograd.Function):
    """Identity whose backward hands on the gradient dense, in the forward input's layout.

    ``torch.cat`` gives each input its part of the gradient as a strided slice; on a
    channels-last slice the backward of bilinear upsampling is about 4x slower on the CPU than
    on a dense tensor (measured), more than the copy costs.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        channels_last = x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last)
        ctx.layout = torch.channels_last if channels_last else torch.contiguous_format
        return x.as_strided(x.shape, x.stride(), x.storage_offset())  # view_as drops N=1 strides

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return grad.contiguous(memory_format=ctx.layout)


def _levels(value, depth: int, name: str) -> tuple[int, ...]:
    values = (value,) * depth if isinstance(value, int) else tuple(value)
    if len(values) != depth or any(not isinstance(v, int) or v < 0 for v in values):
        raise ValueError(f"{name} must be an int or {depth} non-negative ints, got {value!r}")
    return values


def _crop_to(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Centre-crop ``x`` to ``size`` (an odd side upsamples one pixel too large)."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x  # no slice: its backward would copy the whole gradient
    dh, dw = (x.shape[-2] - size[0]) // 2, (x.shape[-1] - size[1]) // 2
    return x[..., dh : dh + size[0], dw : dw + size[1]]


class _Level(nn.Module):
    """One level of the skip net: downsample, recurse deeper, upsample, concat the skip."""

    def __init__(self, c_in, down, up_next, skip, up, inner, upsample_mode):
        super().__init__()
        self.skip = _block(c_in, skip, 1) if skip else None
        self.down = nn.Sequential(_block(c_in, down, 3, stride=2), _block(down, down, 3))
        self.inner = inner  # the next level (None at the bottom)
        deeper = up_next if inner is not None else down
        self.bn = nn.BatchNorm2d(skip + deeper)
        self.up = nn.Sequential(_block(skip + deeper, up, 3), _block(up, up, 1))
        self.upsample_mode = upsample_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.down(x)  # (N, down, ceil(H/2), ceil(W/2))
        if self.inner is not None:
            y = self.inner(y)
        kw = {} if self.upsample_mode == "nearest" else {"align_corners": False}
        y = _DenseGrad.apply(F.interpolate(y, scale_factor=2, mode=self.upsample_mode, **kw))
        y = _crop_to(y, x.shape[-2:])
        if self.skip is not None:
            y = torch.cat([self.skip(x), y], dim=1)
        return self.up(self.bn(y))


class SkipNet(nn.Module):
    """The DIP "skip" encoder-decoder (paper default; ``channels_skip=0``: no skips).

    Args:
        in_channels: channels of the noise input ``z`` (32 in the paper).
        out_channels: image channels (3 RGB, 1 gray).
        channels_down, channels_up, channels_skip: per level (an int repeats it ``depth``
            times); the paper's default is 128, 128, 4.
        depth: number of levels (each halves the resolution); 5 in the paper.
        upsample_mode: ``"bilinear"`` (SR, denoising) or ``"nearest"``.
        sigmoid: end with a sigmoid so the output lies in (0, 1).

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H, W); any H, W >= 2**(depth+1) works,
    sides divisible by ``2**depth`` avoid crops.
    """

    def __init__(
        self,
        in_channels: int = 32,
        out_channels: int = 3,
        *,
        channels_down: int | tuple[int, ...] = 128,
        channels_up: int | tuple[int, ...] = 128,
        channels_skip: int | tuple[int, ...] = 4,
        depth: int = 5,
        upsample_mode: str = "bilinear",
        sigmoid: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            raise ValueError(f"depth must be a positive int, got {depth!r}")
        if upsample_mode not in ("bilinear", "nearest", "bicubic"):
            raise ValueError(f"upsample_mode must be 'bilinear', 'nearest' or 'bicubic', "
                             f"got {upsample_mode!r}")  # fmt: skip
        down = _levels(channels_down, depth, "channels_down")
        up = _levels(channels_up, depth, "channels_up")
        skip = _levels(channels_skip, depth, "channels_skip")
        inner = None
        for i in reversed(range(depth)):  # build from the bottom level up
            c_in = in_channels if i == 0 else down[i - 1]
            up_next = up[i + 1] if i + 1 < depth else 0
            inner = _Level(c_in, down[i], up_next, skip[i], up[i], inner, upsample_mode)
        self.body = inner
        self.conv_last = _PointwiseConv(up[0], out_channels, 1)
        self.sigmoid = sigmoid
        self.depth = depth
        self.in_channels = in_channels

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 4 or z.shape[1] != self.in_channels:
            raise ValueError(f"z must be (N, {self.in_channels}, H, W), got {tuple(z.shape)}")
        if min(z.shape[-2:]) < 2 ** (self.depth + 1):  # BatchNorm needs > 1 pixel at the bottom
            raise ValueError(f"z must be at least {2 ** (self.depth + 1)} pixels on each side "
                             f"for depth={self.depth}, got {tuple(z.shape[-2:])}")  # fmt: skip
        out = self.conv_last(self.body(z))
        return torch.sigmoid(out) if self.sigmoid else out


class UNetPrior(nn.Module):
    """A U-Net (Ronneberger et al., MICCAI 2015) as a DIP generator: full-width skips.

    ``depth`` resolution levels; level ``i`` has ``base * 2**i`` channels, two conv-BN-LReLU
    blocks, max-pool down, bilinear upsampling and concatenation of the encoder feature.
    """

    def __init__(
        self, in_channels: int = 32, out_channels: int = 3, *, base: int = 16, depth: int = 5
    ) -> None:
        super().__init__()
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 2:
            raise ValueError(f"depth must be an int >= 2, got {depth!r}")
        widths = [base * 2**i for i in range(depth)]
        self.encoders = nn.ModuleList()
        c = in_channels
        for w in widths:
            self.encoders.append(nn.Sequential(_block(c, w, 3), _block(w, w, 3)))
            c = w
        self.decoders = nn.ModuleList(
            nn.Sequential(_block(widths[i + 1] + widths[i], widths[i], 3),
                          _block(widths[i], widths[i], 3))
            for i in reversed(range(depth - 1))
        )  # fmt: skip
        self.conv_last = _PointwiseConv(widths[0], out_channels, 1)
        self.depth = depth

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if min(z.shape[-2:]) < 2 ** (self.depth - 1):
            raise ValueError(f"z must be at least {2 ** (self.depth - 1)} pixels on each side, "
                             f"got {tuple(z.shape[-2:])}")  # fmt: skip
        features, x = [], z
        for i, enc in enumerate(self.encoders):
            x = enc(x if i == 0 else F.max_pool2d(x, 2, ceil_mode=True))
            features.append(x)
        for dec, skip in zip(self.decoders, reversed(features[:-1]), strict=True):
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = dec(torch.cat([skip, _crop_to(x, skip.shape[-2:])], dim=1))
        return torch.sigmoid(self.conv_last(x))


class _ResBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _block(channels, channels, 3), _conv(channels, channels, 3), nn.BatchNorm2d(channels)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNetPrior(nn.Module):
    """A full-resolution ResNet generator (paper Fig. 7): ``num_blocks`` residual blocks."""

    def __init__(
        self,
        in_channels: int = 32,
        out_channels: int = 3,
        *,
        num_blocks: int = 8,
        num_features: int = 32,
    ) -> None:
        super().__init__()
        if isinstance(num_blocks, bool) or not isinstance(num_blocks, int) or num_blocks < 1:
            raise ValueError(f"num_blocks must be a positive int, got {num_blocks!r}")
        self.conv_first = _block(in_channels, num_features, 3)
        self.body = nn.Sequential(*[_ResBlock(num_features) for _ in range(num_blocks)])
        self.conv_last = nn.Sequential(
            _block(num_features, num_features, 3), _PointwiseConv(num_features, out_channels, 1)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.conv_last(self.body(self.conv_first(z))))


@register_model("dip_skip", recipe=_RECIPE,
                description="DIP skip net (Ulyanov et al. 2018): 5 levels x 128, 4-ch skips, "
                "~2.2M params")  # fmt: skip
def dip_skip(in_channels: int = 32, out_channels: int = 3, **kwargs) -> SkipNet:
    """The paper's default skip encoder-decoder."""
    return SkipNet(in_channels, out_channels, **kwargs)


@register_model(
    "dip_hourglass",
    recipe=_RECIPE,
    description="DIP encoder-decoder without skip connections (paper Fig. 7)",
)
def dip_hourglass(in_channels: int = 32, out_channels: int = 3, *, depth: int = 5, **kw):
    """Encoder-decoder without skips (``channels_skip=0``), ``depth`` levels."""
    return SkipNet(in_channels, out_channels, channels_skip=0, depth=depth, **kw)


@register_model(
    "dip_skip_shallow", recipe=_RECIPE, description="DIP skip net with 3 levels (shallower)"
)
def dip_skip_shallow(in_channels: int = 32, out_channels: int = 3, **kwargs) -> SkipNet:
    """Skip net with 3 levels."""
    return SkipNet(in_channels, out_channels, depth=3, **kwargs)


@register_model("dip_skip_deep", recipe=_RECIPE, description="DIP skip net with 6 levels (deeper)")
def dip_skip_deep(in_channels: int = 32, out_channels: int = 3, **kwargs) -> SkipNet:
    """Skip net with 6 levels."""
    return SkipNet(in_channels, out_channels, depth=6, **kwargs)


@register_model("dip_unet", recipe=_RECIPE, description="U-Net depth 5 as a DIP generator")
def dip_unet(in_channels: int = 32, out_channels: int = 3, **kwargs) -> UNetPrior:
    """U-Net with 5 levels (16 ... 256 channels)."""
    return UNetPrior(in_channels, out_channels, **kwargs)


@register_model("dip_resnet", recipe=_RECIPE, description="ResNet of 8 blocks, 32 channels (DIP)")
def dip_resnet(in_channels: int = 32, out_channels: int = 3, **kwargs) -> ResNetPrior:
    """ResNet with 8 residual blocks of 32 channels at full resolution."""
    return ResNetPrior(in_channels, out_channels, **kwargs)
