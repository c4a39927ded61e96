"""``sisrlearn doctor``: what this installation runs on and where its data comes from."""

from __future__ import annotations

import importlib.metadata as md
import platform
from pathlib import Path

import torch

from .runtime import fast_mode, get_device

PACKAGES = ("torch", "numpy", "scikit-image", "scikit-learn", "matplotlib", "ipywidgets",
            "tqdm", "jupyterlab", "nbval", "nbgrader")  # fmt: skip


def report() -> str:
    """A multi-line report: device, package versions, fast mode, data sources, weights."""
    lines = [f"python      {platform.python_version()} ({platform.machine()})"]
    device = get_device()
    gpu = f" ({torch.cuda.get_device_name(0)})" if device.type == "cuda" else ""
    lines.append(f"device      {device}{gpu}")
    for name in PACKAGES:
        try:
            version = md.version(name)
        except md.PackageNotFoundError:
            version = "not installed"
        lines.append(f"{name:<14}{version}")
    lines.append(f"cpu bf16    {cpu_bf16_line()}")
    lines.append(f"fast mode   {'on' if fast_mode() else 'off'} (SISRLEARN_FAST)")
    lines.append("data        bundled scikit-image/scikit-learn images (offline); "
                 "your folders via --data")  # fmt: skip
    lines.extend(_weights_lines())
    return "\n".join(lines)


def cpu_bf16_line(cpuinfo: str | Path = "/proc/cpuinfo") -> str:
    """Whether ``sisrlearn train --bf16`` pays off here: the CPU's bfloat16 units (Linux)."""
    try:
        flags = set(Path(cpuinfo).read_text().split())
    except OSError:
        return "unknown (no /proc/cpuinfo); time a few steps with and without --bf16"
    units = [unit for unit in ("amx_bf16", "avx512_bf16") if unit in flags]
    if units:
        return f"yes ({', '.join(units)}): sisrlearn train --bf16 trains about 3x faster"
    return "no bfloat16 units: leave sisrlearn train --bf16 off (it would be slower)"


def _weights_lines() -> list[str]:
    try:
        from .zoo import verify_all
    except ImportError:
        return ["weights     no model zoo in this version"]
    results = verify_all()
    if not results:
        return ["weights     none shipped yet"]
    bad = [name for name, ok in results.items() if not ok]
    status = "all verify" if not bad else f"FAILED: {', '.join(bad)}"
    return [f"weights     {len(results)} shipped, sha256 {status}"]
