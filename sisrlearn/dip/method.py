"""DIP as an SR method (``sisrlearn bench --method dip``): a fresh net fitted to every image."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..models.dip import SkipNet
from ..runtime import get_device
from .core import _check_options
from .tasks import dip_super_resolve


def sr_method(
    *, steps: int = 2000, width: int = 128, device=None, progress: bool = False
) -> Callable[[torch.Tensor, int], torch.Tensor]:
    """``fn(lr, scale)`` for ``sisrlearn.bench``: DIP x``scale`` of each image in a batch.

    A fresh paper skip net (``width`` channels, 128 in the paper) is fitted to every image
    for ``steps`` iterations (paper: 2000 for x4); nothing is trained beforehand. ``device``
    defaults to the best available one (CUDA when there is a GPU).
    """
    _check_options(steps, 0.01, 0.0, 0.0, 0, 0)

    def fn(lr: torch.Tensor, scale: int) -> torch.Tensor:
        dev = torch.device(device) if device is not None else get_device()
        outs = []
        for i, one in enumerate(lr):
            torch.manual_seed(i)
            net = SkipNet(32, one.shape[0], channels_down=width, channels_up=width).to(dev)
            with torch.enable_grad():  # bench scores methods under no_grad; DIP fits a net
                res = dip_super_resolve(
                    one.float().clamp(0, 1),
                    scale,
                    steps=steps,
                    net=net,
                    generator=torch.Generator().manual_seed(i),
                    progress=progress,
                )
            outs.append(res.image.to(lr.device))
        return torch.stack(outs).to(lr)

    return fn
