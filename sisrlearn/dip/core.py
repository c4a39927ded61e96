"""Deep Image Prior's optimisation loop (``fit_prior``) and the data terms it minimises."""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from ..metrics import psnr
from ..models.dip import SkipNet
from ..resize import imresize, resize_matrix
from ..runtime import autocast, available_memory, bf16_pays_off, reuse_freed_memory
from ..train import History

DOWNSAMPLERS = ("bicubic", "lanczos2")


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


def downsampling_matrices(
    size: tuple[int, int],
    scale: int,
    downsampler: str = "bicubic",
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The data term's downsampler as two matrices: ``d(x) = a_h @ x @ a_w.T``.

    MATLAB's resize (``imresize``) is linear and separable, so for an (..., H, W) image it is
    an (H / scale, H) matrix on the rows and a (W / scale, W) one on the columns
    (``resize.resize_matrix``). Built once per run instead of resizing at every step, in
    float64, so ``d(x)`` equals ``imresize(x, 1 / scale, kernel=...)`` to float rounding.

    Args:
        size: the high-resolution (H, W); scale: the factor; downsampler: as in
            :func:`sr_data_term` (``"bicubic"`` or ``"lanczos2"``).

    Returns:
        ``(a_h, a_w)``, shapes (ceil(H / scale), H) and (ceil(W / scale), W), in ``dtype``.
    """
    if downsampler not in DOWNSAMPLERS:
        raise ValueError(f"downsampler must be one of {DOWNSAMPLERS}, got {downsampler!r}")
    kernel = {"bicubic": "cubic", "lanczos2": "lanczos2"}[downsampler]
    matrices = [
        resize_matrix(n, 1 / scale, kernel).to(device=device, dtype=dtype).contiguous()
        for n in size
    ]
    return matrices[0], matrices[1]


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
    bf16: bool | None = None,
    progress: bool = True,
) -> DIPResult:
    """Minimise ``loss_fn(f_theta(z))`` over ``theta`` with Adam; the DIP loop.

    Args:
        loss_fn: data term of the (1, channels, H, W) float32 output, e.g. ``masked_mse``.
        size: output (H, W); channels: output channels.
        steps: Adam iterations (the paper: 1800-3000 for denoising, 2000 for SR x4).
        net: the generator (default: the paper's ``SkipNet``); its device is used. It is put
            in channels-last memory format (faster convolutions on CPUs and GPUs).
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
        bf16: run the network under bfloat16 autocast; None (default) chooses it where it
            pays off (``runtime.bf16_pays_off``: CUDA, or a CPU with AMX/AVX512-BF16 units),
            float32 elsewhere. Pass False for float32 results that match across machines.
    """
    _check_options(steps, learning_rate, input_noise_std, ema, eval_every, snapshot_every)
    if backtrack is not None and not backtrack > 1:
        raise ValueError(f"backtrack must be a factor > 1 (e.g. 5.0) or None, got {backtrack!r}")
    net = net if net is not None else SkipNet(input_channels, channels)
    if device is not None:
        net.to(device)
    device = next(net.parameters()).device
    bf16 = bf16_pays_off(device) if bf16 is None else bool(bf16)
    check_memory(net, size, input_channels, device)
    amp = autocast(device, cpu=True) if bf16 else contextlib.nullcontext()
    net.to(memory_format=torch.channels_last).train()  # BatchNorm: this one image's statistics
    z = noise_input(size, input_channels, generator=generator)
    z = z.to(device, memory_format=torch.channels_last)
    noise = torch.empty(z.shape) if input_noise_std else None  # for the CPU generator
    target = target.to(device) if target is not None else None
    fused = device.type in ("cpu", "cuda")  # one kernel for all parameters
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate, fused=fused or None)
    history, result = History(), DIPResult(torch.empty(0), torch.empty(0), History())
    guard = _Backtracker(backtrack, result)
    average = None
    started = time.perf_counter()
    steps_bar = tqdm(range(1, steps + 1), disable=not progress, desc="DIP", leave=False)
    with reuse_freed_memory():  # large feature maps: no page faults at every step
        for step in steps_bar:
            z_in = _perturbed(z, noise, input_noise_std, generator)
            with _phase("forward"), amp:
                output = net(z_in)
            with _phase("data_term"):
                output = output.float().contiguous()
                loss = loss_fn(output)
                value = float(loss.detach())
            if guard.skip(value, net, opt, step):
                continue
            _step(loss, opt)
            with _phase("ema"):
                last = output.detach()
                average = _ema_in_place(average, last, ema)
            history.step.append(step)
            history.loss.append(value)
            if (eval_every and step % eval_every == 0) or step == steps:
                _record_psnr(history, step, target, output, average)
                if callback is not None:
                    callback(step, last, average)
            if snapshot_every and step % snapshot_every == 0:
                result.snapshots[step] = last.cpu().clone()
    history.seconds = time.perf_counter() - started
    result.image, result.last, result.history = average.clamp(0, 1), last, history
    return result


def fit_memory(net: nn.Module, size: tuple[int, int], input_channels: int = 32) -> int:
    """Bytes one ``fit_prior`` step of ``net`` at output ``size`` needs, estimated in float32.

    The network's forward pass is run once at 64x64 on the CPU, counting the bytes of every
    tensor autograd keeps for the backward pass; that grows with the number of pixels, so it
    is scaled to ``size``, plus half as much again for the gradients flowing back. For the
    paper's skip net that is 15 KB per output pixel (measured peak: 14 KB): 1 GB at 256x256,
    16 GB at 1024x1024.
    """
    probe = copy.deepcopy(net).float().cpu()
    saved = 0

    def count(t: torch.Tensor) -> torch.Tensor:
        nonlocal saved
        saved += t.numel() * t.element_size()
        return t

    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(count, lambda t: t):
        probe(torch.zeros(1, input_channels, 64, 64))
    return 3 * saved * size[0] * size[1] // (2 * 64 * 64)


def check_memory(net: nn.Module, size: tuple[int, int], input_channels: int, device) -> None:
    """Raise ``MemoryError`` now, before the first step, if ``device`` has too little memory."""
    free = available_memory(device)
    if free is None:
        return
    try:
        need = fit_memory(net, size, input_channels)
    except RuntimeError:  # a network that does not take a 64x64 input: nothing to estimate
        return
    if need > free:
        h, w = size
        raise MemoryError(
            f"Deep Image Prior at {w}x{h} output pixels needs about {_size(need)} on "
            f"{device.type}, {_size(free)} are free: fit a smaller image or a crop"
        )


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _perturbed(z: torch.Tensor, noise, std: float, generator) -> torch.Tensor:
    """``z + std * n``, ``n`` ~ N(0, 1) drawn into the CPU buffer ``noise`` (``std = 0``: z)."""
    if not std:
        return z
    with _phase("input_noise"):
        torch.randn(z.shape, generator=generator, out=noise)
        return z + std * noise.to(z.device)  # channels-last, like z


def _phase(name: str) -> contextlib.AbstractContextManager:
    """A label for ``torch.profiler`` (``dip.forward``, ...): where an iteration's time goes."""
    return torch.profiler.record_function(f"dip.{name}")


def _step(loss: torch.Tensor, opt: torch.optim.Optimizer) -> None:
    with _phase("backward"):
        opt.zero_grad(set_to_none=True)
        loss.backward()
    with _phase("optimizer"):
        opt.step()


def _ema_in_place(average: torch.Tensor | None, value: torch.Tensor, beta: float) -> torch.Tensor:
    """:func:`ema_update` without a new tensor per step (``beta = 0``: no average)."""
    if not beta:
        return value
    if average is None:
        return value.clone()
    return average.lerp_(value, 1 - beta)  # average + (1 - beta) * (value - average)


class _Backtracker:
    """Optional backtracking: a loss above ``factor`` x the previous one (or not finite)
    restores the weights and optimiser of the previous step, and the step is skipped."""

    def __init__(self, factor: float | None, result: DIPResult) -> None:
        self.factor, self.result = factor, result
        self.saved, self.previous = None, math.inf

    def skip(self, value: float, net: nn.Module, opt: torch.optim.Optimizer, step: int) -> bool:
        if self.factor is None:
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"loss became {value} at step {step}; lower learning_rate or pass backtrack=5.0"
                )
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


def _net_device(net: nn.Module | None) -> torch.device:
    return next(net.parameters()).device if net is not None else torch.device("cpu")
