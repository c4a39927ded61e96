"""Deep Image Prior: restore one image by fitting an untrained network to it.

Paper: Ulyanov, Vedaldi, Lempitsky, "Deep Image Prior", CVPR 2018 (IJCV 2020). The image is
parametrised as ``x = f_theta(z)`` with ``z`` fixed noise (32 channels, U(0, 0.1)); ``theta``
minimises a data term on the *observation* only (eq. 2)::

    denoising / JPEG:  ||f_theta(z) - x0||^2
    inpainting:        ||(f_theta(z) - x0) * m||^2          (m = 1 where x0 is known)
    super-resolution:  ||d(f_theta(z)) - x0||^2             (d = the downsampler)

with Adam (learning rate 0.01). The network fits natural structure long before noise
("impedance to noise", paper Fig. 2), so stopping early gives the restoration. The paper also
perturbs ``z`` at every step (``input_noise_std``) and averages the outputs (an exponential
moving average, ``ema``).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from ._validate import as_batch, check_scale, unbatch
from .bench import register_method
from .metrics import psnr
from .models.dip import SkipNet
from .resize import imresize
from .runtime import autocast, get_device
from .train import History

__all__ = [
    "DIPResult", "noise_input", "masked_mse", "sr_data_term", "ema_update", "fit_prior",
    "dip_denoise", "dip_jpeg", "dip_inpaint", "dip_super_resolve", "impedance",
    "iterations_to_mse", "sr_method", "register_bench_method", "IMPEDANCE_TARGETS",
]  # fmt: skip

DOWNSAMPLERS = ("bicubic", "lanczos2")
IMPEDANCE_TARGETS = ("image", "image + noise", "shuffled pixels", "U(0, 1) noise")


@dataclass
class DIPResult:
    """What a DIP run returns.

    Attributes:
        image: the restoration, the EMA of the outputs (or the last output if ``ema=0``),
            shaped like the observation's layout ((C, H, W) or (1, C, H, W)), in [0, 1].
        last: the last output of the network (same layout).
        history: loss per step; ``metrics["psnr"]``/``["psnr_ema"]`` every ``eval_every``
            steps when a ground truth was given.
        snapshots: ``{step: output}`` stored by ``snapshot_every``.
        backtracks: how many times a loss spike was undone.
    """

    image: torch.Tensor
    last: torch.Tensor
    history: History
    snapshots: dict[int, torch.Tensor] = field(default_factory=dict)
    backtracks: int = 0


def noise_input(
    size: tuple[int, int], channels: int = 32, *, scale: float = 0.1, generator=None
) -> torch.Tensor:
    """The fixed code ``z``: (1, channels, H, W) drawn from U(0, ``scale``) (paper: 32, 0.1)."""
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise ValueError(f"size must be two positive ints (H, W), got {size!r}")
    return torch.rand((1, channels, *size), generator=generator) * scale


def masked_mse(output: torch.Tensor, observation: torch.Tensor, mask: torch.Tensor):
    """``mean(((output - observation) * mask)^2)``: pixels with ``mask == 0`` do not count."""
    return (((output - observation) * mask) ** 2).mean()


def sr_data_term(
    output: torch.Tensor, lr_img: torch.Tensor, scale: int, downsampler: str = "bicubic"
) -> torch.Tensor:
    """``mean((d(output) - lr_img)^2)`` with ``d`` = MATLAB bicubic or Lanczos-2 by 1/scale."""
    kernel = {"bicubic": "cubic", "lanczos2": "lanczos2"}[downsampler]
    return ((imresize(output, 1 / scale, kernel=kernel) - lr_img) ** 2).mean()


def ema_update(average: torch.Tensor | None, value: torch.Tensor, beta: float) -> torch.Tensor:
    """Exponential moving average ``beta * average + (1 - beta) * value`` (``value`` at first)."""
    value = value.detach()
    return value.clone() if average is None else beta * average + (1 - beta) * value


def _check_options(steps, learning_rate, input_noise_std, ema, eval_every, snapshot_every):
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
    if not (isinstance(input_noise_std, (int, float)) and input_noise_std >= 0):
        raise ValueError(f"input_noise_std must be >= 0, got {input_noise_std!r}")
    if not (isinstance(ema, (int, float)) and 0 <= ema < 1):
        raise ValueError(f"ema must be in [0, 1), got {ema!r}")
    for name, value in (("eval_every", eval_every), ("snapshot_every", snapshot_every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative int, got {value!r}")


def fit_prior(
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    size: tuple[int, int],
    channels: int,
    *,
    steps: int,
    net: nn.Module | None = None,
    learning_rate: float = 0.01,
    input_channels: int = 32,
    input_noise_std: float = 0.0,
    ema: float = 0.99,
    backtrack: float | None = None,
    target: torch.Tensor | None = None,
    eval_every: int = 0,
    callback: Callable[[int, torch.Tensor, torch.Tensor], None] | None = None,
    snapshot_every: int = 0,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> DIPResult:
    """Minimise ``loss_fn(f_theta(z))`` over ``theta`` with Adam; the DIP loop.

    Args:
        loss_fn: data term of the (1, channels, H, W) output, e.g. ``masked_mse``.
        size: output (H, W); channels: output channels.
        steps: Adam iterations (the paper: 1800-3000 for denoising, 2000 for SR x4).
        net: the generator (default: the paper's ``SkipNet``); its device is used.
        input_noise_std: std of the Gaussian added to ``z`` at every step (paper: 1/30 for
            denoising, 0.03 for SR and inpainting; 0 disables it).
        ema: weight of the exponential moving average of the outputs (paper: 0.99; 0 = off).
        backtrack: if set, a loss above ``backtrack`` x the previous one (or not finite) restores
            the weights and optimiser of the previous step and skips it.
        target: the ground truth (1, channels, H, W) for the PSNR curves (never for fitting).
        eval_every: record PSNR to ``target`` every that many steps (0: only at the end).
        callback: ``callback(step, output, average)`` every ``eval_every`` steps (figures).
        snapshot_every: keep the output every that many steps in ``DIPResult.snapshots``.
        generator: seeds ``z`` and the input perturbations (reproducible runs).
    """
    _check_options(steps, learning_rate, input_noise_std, ema, eval_every, snapshot_every)
    if backtrack is not None and not backtrack > 1:
        raise ValueError(f"backtrack must be a factor > 1 (e.g. 5.0) or None, got {backtrack!r}")
    net = net if net is not None else SkipNet(input_channels, channels)
    if device is not None:
        net.to(device)
    device = next(net.parameters()).device
    channels_last = device.type == "cuda"  # faster convolutions with bf16 on GPUs
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    net.to(memory_format=fmt).train()  # BatchNorm uses the statistics of this one image
    z = noise_input(size, input_channels, generator=generator).to(device, memory_format=fmt)
    target = target.to(device) if target is not None else None
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate)
    history, result = History(), DIPResult(torch.empty(0), torch.empty(0), History())
    guard = _Backtracker(backtrack, result)
    average = None
    started = time.perf_counter()
    for step in tqdm(range(1, steps + 1), disable=not progress, desc="DIP", leave=False):
        z_in = z
        if input_noise_std:
            noise = torch.randn(z.shape, generator=generator).to(device, memory_format=fmt)
            z_in = z + input_noise_std * noise
        with autocast(device):
            output = net(z_in)
        output = output.float().contiguous()
        loss = loss_fn(output)
        value = float(loss.detach())
        if guard.skip(value, net, opt, step):
            continue
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        last = output.detach()
        average = ema_update(average, last, ema) if ema else last
        history.step.append(step)
        history.loss.append(value)
        if (eval_every and step % eval_every == 0) or step == steps:
            _record_psnr(history, step, target, output, average)
            if callback is not None:
                callback(step, output.detach(), average)
        if snapshot_every and step % snapshot_every == 0:
            result.snapshots[step] = output.detach().cpu().clone()
    history.seconds = time.perf_counter() - started
    result.image, result.last, result.history = average.clamp(0, 1), last, history
    return result


class _Backtracker:
    """Optional backtracking: a loss above ``factor`` x the previous one (or not finite)
    restores the weights and optimiser of the previous step, and the step is skipped."""

    def __init__(self, factor: float | None, result: DIPResult) -> None:
        self.factor, self.result = factor, result
        self.saved, self.previous = None, math.inf

    def skip(self, value: float, net: nn.Module, opt: torch.optim.Optimizer, step: int) -> bool:
        if self.factor is None:
            if not math.isfinite(value):
                raise FloatingPointError(f"loss became {value} at step {step}; lower "
                                         "learning_rate or pass backtrack=5.0")  # fmt: skip
            return False
        if self.saved is not None and (
            not math.isfinite(value) or value > self.factor * self.previous
        ):
            net.load_state_dict(self.saved[0])
            opt.load_state_dict(self.saved[1])
            self.result.backtracks += 1
            return True
        self.saved = (copy.deepcopy(net.state_dict()), copy.deepcopy(opt.state_dict()))
        self.previous = value
        return False


def _record_psnr(history: History, step: int, target, output, average) -> None:
    """PSNR to the ground truth of the output and of the moving average (figures only)."""
    if target is None:
        return
    history.eval_step.append(step)
    for key, img in (("psnr", output), ("psnr_ema", average)):
        history.metrics.setdefault(key, []).append(float(psnr(img.detach().clamp(0, 1), target)))


def _finish(result: DIPResult, single: bool) -> DIPResult:
    result.image = unbatch(result.image.cpu(), single)
    result.last = unbatch(result.last.cpu(), single)
    return result


def _target(clean, like: torch.Tensor, name: str):
    if clean is None:
        return None
    batch, _ = as_batch(clean, name)
    if batch.shape[1:] != like.shape[1:]:
        raise ValueError(f"{name} must have shape {tuple(like.shape[1:])}, got "
                         f"{tuple(batch.shape[1:])}")  # fmt: skip
    return batch[:1]


def _observation(img, name: str) -> tuple[torch.Tensor, bool]:
    batch, single = as_batch(img, name, channels=(1, 3))
    if batch.shape[0] != 1:
        raise ValueError(f"{name} must hold one image (DIP fits one at a time), got a batch "
                         f"of {batch.shape[0]}")  # fmt: skip
    return batch, single


def dip_denoise(
    noisy: torch.Tensor,
    *,
    steps: int = 1800,
    clean: torch.Tensor | None = None,
    input_noise_std: float = 1 / 30,
    **kwargs,
) -> DIPResult:
    """Denoise by fitting ``||f_theta(z) - x0||^2`` and stopping early (paper Sec. 4, Fig. 4).

    Args:
        noisy: (C, H, W) or (1, C, H, W), C in {1, 3}; sides >= 2**(depth+1) of the net.
        steps: iterations (the paper: 1800 with ``input_noise_std=1/30`` and ``ema=0.99``).
        clean: the ground truth, only to draw PSNR curves.
        **kwargs: passed to :func:`fit_prior` (``net``, ``ema``, ``eval_every``, ...).
    """
    x0, single = _observation(noisy, "noisy")
    target = _target(clean, x0, "clean")
    device = kwargs.get("device") or _net_device(kwargs.get("net"))
    x0d = x0.to(device)
    result = fit_prior(lambda out: ((out - x0d) ** 2).mean(), tuple(x0.shape[-2:]), x0.shape[1],
                       steps=steps, target=target, input_noise_std=input_noise_std,
                       **kwargs)  # fmt: skip
    return _finish(result, single)


def dip_jpeg(
    compressed: torch.Tensor, *, steps: int = 2400, clean: torch.Tensor | None = None, **kwargs
) -> DIPResult:
    """JPEG artifact removal (paper Fig. 5): the denoising loss on the decoded JPEG image."""
    return dip_denoise(compressed, steps=steps, clean=clean, **kwargs)


def dip_inpaint(
    img: torch.Tensor,
    mask: torch.Tensor,
    *,
    steps: int = 3000,
    clean: torch.Tensor | None = None,
    input_noise_std: float = 0.03,
    **kwargs,
) -> DIPResult:
    """Inpaint the pixels where ``mask == 0`` with the loss ``||(f_theta(z) - x0) * m||^2``.

    Args:
        img: the observation (C, H, W) or (1, C, H, W); its values under the hole are ignored.
        mask: (1, H, W) or (H, W) with 1 = known, 0 = missing (e.g. ``degrade.text_mask``).
    """
    x0, single = _observation(img, "img")
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a torch.Tensor, got {type(mask).__name__}")
    m = mask.float().reshape(1, 1, *mask.shape[-2:]) if mask.dim() in (2, 3) else None
    if m is None or mask.numel() != x0.shape[-2] * x0.shape[-1]:
        raise ValueError(f"mask must be (H, W) or (1, H, W) with H, W = "
                         f"{tuple(x0.shape[-2:])}, got {tuple(mask.shape)}")  # fmt: skip
    if not bool(((m == 0) | (m == 1)).all()):
        raise ValueError("mask must hold only 0 (missing) and 1 (known)")
    device = kwargs.get("device") or _net_device(kwargs.get("net"))
    x0d, md = x0.to(device), m.to(device)
    result = fit_prior(lambda out: masked_mse(out, x0d, md), tuple(x0.shape[-2:]), x0.shape[1],
                       steps=steps, target=_target(clean, x0, "clean"),
                       input_noise_std=input_noise_std, **kwargs)  # fmt: skip
    return _finish(result, single)


def dip_super_resolve(
    lr_img: torch.Tensor,
    scale: int,
    *,
    steps: int = 2000,
    hr_img: torch.Tensor | None = None,
    downsampler: str = "bicubic",
    input_noise_std: float = 0.03,
    **kwargs,
) -> DIPResult:
    """Super-resolve with the data term ``||d(f_theta(z)) - x0||^2`` (paper Sec. 4, Fig. 6).

    Args:
        lr_img: (C, H, W) or (1, C, H, W) low-resolution image, C in {1, 3}.
        scale: the factor; the output is (C, H*scale, W*scale).
        steps: iterations (paper: 2000 for x4, 4000 for x8).
        hr_img: the ground truth, for the PSNR curves only.
        downsampler: ``"bicubic"`` (MATLAB imresize, the benchmark protocol's LR) or
            ``"lanczos2"`` (the paper's).
    """
    x0, single = _observation(lr_img, "lr_img")
    check_scale(scale)
    if downsampler not in DOWNSAMPLERS:
        raise ValueError(f"downsampler must be one of {DOWNSAMPLERS}, got {downsampler!r}")
    size = (x0.shape[-2] * scale, x0.shape[-1] * scale)
    target = None
    if hr_img is not None:
        target = _target(hr_img, torch.empty(1, x0.shape[1], *size), "hr_img")
    device = kwargs.get("device") or _net_device(kwargs.get("net"))
    x0d = x0.to(device)
    result = fit_prior(lambda out: sr_data_term(out, x0d, scale, downsampler), size, x0.shape[1],
                       steps=steps, target=target, input_noise_std=input_noise_std,
                       **kwargs)  # fmt: skip
    return _finish(result, single)


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
                res = dip_super_resolve(one.float().clamp(0, 1), scale, steps=steps, net=net,
                                        generator=torch.Generator().manual_seed(i),
                                        progress=progress)  # fmt: skip
            outs.append(res.image.to(lr.device))
        return torch.stack(outs).to(lr)

    return fn


def register_bench_method(*, steps: int = 2000, progress: bool = False) -> None:
    """(Re-)register the ``dip`` method of ``sisrlearn bench`` with ``steps`` iterations."""
    register_method(
        "dip",
        sr_method(steps=steps, progress=progress),
        channels="any",
        overwrite=True,
        description=f"Deep Image Prior, {steps} iterations per image (no training data)",
    )


register_bench_method()


def _net_device(net: nn.Module | None) -> torch.device:
    return next(net.parameters()).device if net is not None else torch.device("cpu")


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
        raise ValueError(f"targets must be a non-empty subset of {IMPEDANCE_TARGETS}, "
                         f"got {targets!r}")  # fmt: skip
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
        result = fit_prior(lambda out, t=t: ((out - t) ** 2).mean(), tuple(x.shape[-2:]),
                           x.shape[1], steps=steps, net=net, learning_rate=learning_rate,
                           ema=0.0, generator=torch.Generator().manual_seed(seed),
                           progress=progress)  # fmt: skip
        histories[name] = result.history
    return histories


def iterations_to_mse(history: History, threshold: float) -> int | None:
    """First step at which the loss falls to ``threshold`` or below (None if never)."""
    for step, value in zip(history.step, history.loss, strict=True):
        if value <= threshold:
            return step
    return None
