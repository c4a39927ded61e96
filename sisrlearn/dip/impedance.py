"""Impedance to noise (paper Fig. 2): a natural image is fitted far faster than noise."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..models.dip import SkipNet
from ..train import History
from .core import _net_device, fit_prior
from .tasks import _observation

IMPEDANCE_TARGETS = ("image", "image + noise", "shuffled pixels", "U(0, 1) noise")


def impedance(
    img: torch.Tensor,
    *,
    steps: int,
    make_net: Callable[[], nn.Module] | None = None,
    targets: tuple[str, ...] = IMPEDANCE_TARGETS,
    noise_sigma: float = 0.1,
    learning_rate: float = 0.01,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, History]:
    """The paper's Fig. 2: fit the same net to an image, image + noise, shuffled pixels, noise.

    Each target is fitted by ``||f_theta(z) - x||^2`` from the same initialisation (seeded),
    without input perturbation or averaging. Returns ``{name: History}`` with the loss (MSE)
    per step; a natural image is fitted in far fewer steps than noise.

    Args:
        img: the natural image (C, H, W) or (1, C, H, W).
        steps: iterations per target.
        make_net: builds a fresh generator (default the paper's ``SkipNet``).
        targets: a subset of ``IMPEDANCE_TARGETS`` to fit.
        noise_sigma: std of the noise of ``"image + noise"``.
    """
    x, _ = _observation(img, "img")
    unknown = [t for t in targets if t not in IMPEDANCE_TARGETS]
    if unknown or not targets:
        raise ValueError(
            f"targets must be a non-empty subset of {IMPEDANCE_TARGETS}, got {targets!r}"
        )
    gen = torch.Generator().manual_seed(seed)
    all_targets = {
        "image": x,
        "image + noise": (x + noise_sigma * torch.randn(x.shape, generator=gen)).clamp(0, 1),
        "shuffled pixels": x.flatten(2)[
            ..., torch.randperm(x[0, 0].numel(), generator=gen)
        ].reshape(x.shape),
        "U(0, 1) noise": torch.rand(x.shape, generator=gen),
    }
    histories = {}
    for name in targets:
        target = all_targets[name]
        torch.manual_seed(seed)
        net = make_net() if make_net is not None else SkipNet(32, x.shape[1])
        t = target.to(_net_device(net))
        result = fit_prior(
            lambda out, t=t: ((out - t) ** 2).mean(),
            tuple(x.shape[-2:]),
            x.shape[1],
            steps=steps,
            net=net,
            learning_rate=learning_rate,
            ema=0.0,
            generator=torch.Generator().manual_seed(seed),
            progress=progress,
        )
        histories[name] = result.history
    return histories


def iterations_to_mse(history: History, threshold: float) -> int | None:
    """First step at which the loss falls to ``threshold`` or below (None if never)."""
    for step, value in zip(history.step, history.loss, strict=True):
        if value <= threshold:
            return step
    return None
