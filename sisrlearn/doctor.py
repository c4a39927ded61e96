"""``sisrlearn doctor``: what this installation runs on and where its data comes from."""

from __future__ import annotations

import importlib.metadata as md
import platform

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
    lines.append(f"fast mode   {'on' if fast_mode() else 'off'} (SISRLEARN_FAST)")
    lines.append("data        bundled scikit-image/scikit-learn images (offline); "
                 "your folders via --data")  # fmt: skip
    lines.extend(_weights_lines())
    return "\n".join(lines)


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
