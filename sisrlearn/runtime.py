"""Where code runs and for how long: device choice, seeding, fast mode and step budgets."""

from __future__ import annotations

import contextlib
import os
import platform
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = ["get_device", "set_seed", "fast_mode", "budget", "autocast", "bf16_layout"]


def get_device() -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (all devices); return a CPU generator seeded the same way."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def fast_mode() -> bool:
    """True when the environment variable ``SISRLEARN_FAST`` is set to 1/true/yes (CI and tests)."""
    return os.environ.get("SISRLEARN_FAST", "0").strip().lower() in {"1", "true", "yes", "on"}


def budget(*, gpu: int, cpu: int, fast: int) -> int:
    """Pick a step (or iteration) count for where this runs.

    Args:
        gpu: steps when CUDA is available (a lecture on a GPU takes minutes).
        cpu: steps on a laptop CPU (the notebook still finishes).
        fast: steps in fast mode (``SISRLEARN_FAST=1``), whatever the device.
    """
    for name, value in (("gpu", gpu), ("cpu", cpu), ("fast", fast)):
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    if fast_mode():
        return fast
    return gpu if torch.cuda.is_available() else cpu


def autocast(device: torch.device | str, *, cpu: bool = False) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on CUDA, and on the CPU too when ``cpu=True``; otherwise a no-op.

    On the CPU, bfloat16 pays off where the processor has AMX or AVX512-BF16 units (see
    ``sisrlearn doctor``): there a convnet's training step runs about 3x faster. Elsewhere
    it can be slower than float32, hence off by default.
    """
    device = torch.device(device)
    if device.type == "cuda" or (cpu and device.type == "cpu"):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def bf16_layout(device: torch.device | str, *modules: nn.Module, cpu: bool) -> torch.memory_format:
    """The memory format to train in beside :func:`autocast` (``cpu`` as there).

    Channels-last, oneDNN's fast layout for bfloat16 convolutions, when ``cpu`` and the device
    is the CPU; then ``modules`` are put in it (in place; a no-op if they already are).
    Otherwise ``torch.preserve_format`` and the modules are left alone. Pass the result as
    ``tensor.to(device, memory_format=...)`` for each batch.
    """
    if not (cpu and torch.device(device).type == "cpu"):
        return torch.preserve_format
    for module in modules:
        module.to(memory_format=torch.channels_last)
    return torch.channels_last


def cpu_model(cpuinfo: str | Path = "/proc/cpuinfo") -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``; else ``platform.processor()``)."""
    try:
        for line in Path(cpuinfo).read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
