"""Where code runs and for how long: device choice, seeding, fast mode and step budgets."""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = [
    "get_device",
    "set_seed",
    "fast_mode",
    "budget",
    "autocast",
    "bf16_layout",
    "cpu_has_bf16",
    "bf16_pays_off",
    "reuse_freed_memory",
]


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


def cpu_has_bf16(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """True when the CPU has bfloat16 units (the ``amx_bf16`` or ``avx512_bf16`` flag, Linux).

    Without ``/proc/cpuinfo`` (macOS, Windows) the answer is False: float32 is the safe choice.
    """
    try:
        flags = set(Path(cpuinfo).read_text().split())
    except OSError:
        return False
    return not flags.isdisjoint({"amx_bf16", "avx512_bf16"})


def bf16_pays_off(device: torch.device | str) -> bool:
    """Whether bfloat16 autocast is the faster choice on ``device``: CUDA, or a CPU with
    bfloat16 units (:func:`cpu_has_bf16`). Elsewhere float32 is faster."""
    device = torch.device(device)
    return device.type == "cuda" or (device.type == "cpu" and cpu_has_bf16())


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


# glibc's mallopt parameters (malloc.h) and the ceiling of its dynamic mmap threshold (64-bit)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024


@contextlib.contextmanager
def reuse_freed_memory(limit: int = 1 << 30) -> Iterator[None]:
    """Keep large freed tensors' memory in the process for reuse while the block runs (glibc).

    glibc's ``malloc`` serves a request above 32 MiB with a fresh ``mmap`` and unmaps it when
    it is freed, so every such tensor (a 128-channel 256x256 float32 feature map is 32 MiB)
    pays a page fault per 4 KiB page on first touch, at every step. In a CPU DIP iteration
    that is 15-20% of the time (``docs/benchmarks.md``). Inside the block, requests up
    to ``limit`` bytes come from the heap and freed ones stay there. Afterwards the
    thresholds are set to glibc's dynamic ceiling (32 MiB mmap, 64 MiB trim). A no-op with
    another C library, or when ``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` are set.
    """
    mallopt = _glibc_mallopt()
    if mallopt is None or not 0 < limit < 2**31:
        yield
        return
    mallopt(_M_MMAP_THRESHOLD, limit)
    mallopt(_M_TRIM_THRESHOLD, limit)
    try:
        yield
    finally:
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
        mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_THRESHOLD_MAX)


def _glibc_mallopt():
    """glibc's ``mallopt``, or None (another C library, or the user tuned malloc already)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    if {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"} & set(os.environ):
        return None
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt


def available_memory(device: torch.device | str) -> int | None:
    """Bytes a new allocation on ``device`` can still get, or None where that is not known.

    CUDA: the free memory the driver reports. CPU: ``MemAvailable`` of ``/proc/meminfo``
    (Linux), what the kernel can hand out without swapping.
    """
    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    if device.type != "cpu":
        return None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None
