"""SRCNN (Dong, Loy, He, Tang: "Image Super-Resolution Using Deep Convolutional Networks",
TPAMI 2016; ECCV 2014).

Three convolutions on the bicubic-upscaled Y channel::

    F1(Y) = max(0, W1 * Y + B1)        patch extraction and representation (n1 f1 x f1 filters)
    F2(Y) = max(0, W2 * F1(Y) + B2)    non-linear mapping (n2 filters of f2 x f2)
    F(Y)  = W3 * F2(Y) + B3            reconstruction (one f3 x f3 filter per output channel)

The paper trains with ``"valid"`` convolutions on 33x33 sub-images (labels cropped to the
valid output, 21x21 for 9-1-5) and tests on whole images with MATLAB's
``imfilter(..., 'same', 'replicate')``: ``padding="same"`` reproduces that, with replicate
padding before every layer. The weights are the same for both paddings.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import Recipe, register_model

__all__ = ["SRCNN"]


@register_model(
    "srcnn",
    kind="sr",
    recipe=Recipe(
        upsampled=True,
        channels="y",
        patch_size=33,
        stride=14,
        batch_size=64,
        learning_rate=1e-3,
        optimizer="adam",
        steps=10_000,
        train_kwargs={"padding": "valid"},
    ),
    description="SRCNN (Dong et al. 2014/2016): 3 conv layers on the bicubic-upscaled Y",
)
class SRCNN(nn.Module):
    """SRCNN with configurable filter sizes (9-1-5, 9-3-5, 9-5-5) and widths.

    Args:
        f1, f2, f3: filter sizes of the three layers (odd).
        n1, n2: numbers of filters of the first two layers (64 and 32 in the paper).
        channels: input/output channels (1: Y).
        padding: ``"same"`` (output as large as the input, replicate padding) or ``"valid"``
            (output smaller by ``border`` pixels on every side, as in training).
        init: ``"default"`` (PyTorch's Kaiming-uniform, which Adam trains quickly) or
            ``"paper"`` (Gaussian with std 1e-3, zero bias, for the paper's SGD recipe).
    """

    def __init__(
        self,
        f1: int = 9,
        f2: int = 5,
        f3: int = 5,
        n1: int = 64,
        n2: int = 32,
        channels: int = 1,
        padding: str = "same",
        init: str = "default",
    ) -> None:
        super().__init__()
        for name, f in (("f1", f1), ("f2", f2), ("f3", f3)):
            if not isinstance(f, int) or f < 1 or f % 2 == 0:
                raise ValueError(f"{name} must be an odd positive int, got {f!r}")
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
        self.padding = padding
        self.conv1 = nn.Conv2d(channels, n1, f1)
        self.conv2 = nn.Conv2d(n1, n2, f2)
        self.conv3 = nn.Conv2d(n2, channels, f3)
        self.border = (f1 - 1) // 2 + (f2 - 1) // 2 + (f3 - 1) // 2
        if init == "paper":  # Gaussian, std 1e-3, zero bias: converges slowly (about 1e8 steps)
            for conv in (self.conv1, self.conv2, self.conv3):
                nn.init.normal_(conv.weight, std=1e-3)
                nn.init.zeros_(conv.bias)
        elif init != "default":
            raise ValueError(f"init must be 'default' or 'paper', got {init!r}")

    def param_groups(self, lr: float) -> list[dict]:
        """The paper's learning rates: ``lr`` for the first two layers, ``lr / 10`` for the last."""
        first = [*self.conv1.parameters(), *self.conv2.parameters()]
        return [{"params": first, "lr": lr}, {"params": self.conv3.parameters(), "lr": lr / 10}]

    def _conv(self, conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
        if self.padding == "same":
            p = conv.kernel_size[0] // 2
            x = F.pad(x, (p, p, p, p), mode="replicate")
        return conv(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self._conv(self.conv1, x))
        x = F.relu(self._conv(self.conv2, x))
        return self._conv(self.conv3, x)
