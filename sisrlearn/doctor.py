"""``sisrlearn doctor``: what this installation runs on and where its data comes from."""

from __future__ import annotations

import importlib.metadata as md
import platform
from pathlib import Path

import torch

from .datasets import list_datasets
from .runtime import fast_mode, get_device
from .zoo import verify_all

PACKAGES = (
    "torch",
    "numpy",
    "scikit-image",
    "scikit-learn",
    "matplotlib",
    "ipywidgets",
    "tqdm",
    "jupyterlab",
    "nbval",
    "nbgrader",
)


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
    lines.extend(_data_lines())
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


def _data_lines() -> list[str]:
    rows = list_datasets()
    here = [r["name"] for r in rows if r["where"] not in ("not fetched", "on request")]
    later = [r["name"] for r in rows if r["where"] == "not fetched"]
    lines = [f"data        {', '.join(here)}"]
    if later:
        lines.append(f"            sisrlearn data fetch NAME for {', '.join(later)}")
    return lines


def _weights_lines() -> list[str]:
    try:
        results = verify_all()
    except ValueError as err:  # an unreadable index: say so, do not fail the report
        return [f"weights     the zoo index cannot be read: {err}"]
    if not results:
        return ["weights     none shipped"]
    bad = {name: status for name, status in results.items() if status != "ok"}
    if not bad:
        return [f"weights     {len(results)} shipped files, every sha256 verified"]
    lines = [f"weights     {len(results)} shipped files, {len(bad)} with problems:"]
    lines += [f"            {name}: {status}" for name, status in bad.items()]
    return lines
