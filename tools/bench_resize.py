"""Time ``sisrlearn.resize.imresize`` against a gather implementation of the same resize.

    python tools/bench_resize.py --data sisrlearn/data/Set14 --threads 1

Workloads: the 14 Set14 images (RGB, cropped to a multiple of 4) in float64, as the benchmark
protocol computes them, and in float32, each shrunk by 4 then enlarged by 4; and one random
8x3x480x500 float32 batch, shrunk by 4 then enlarged by 4. The gather reference ("old") and
``imresize`` ("new") run alternately, in one process, ``--repeats`` times each after a
warm-up; the table gives the median total seconds. "new s" starts every run with an empty
weight-matrix cache (the matrices are built inside the timing); "new s, cached" reuses them,
as a loop over same-sized batches does.
"max abs diff" compares the old and new outputs.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from sisrlearn import resize
from sisrlearn.images import load_folder, modcrop
from sisrlearn.resize import KERNELS, imresize

ROOT = Path(__file__).resolve().parents[1]


# --- The reference ("old"): one index_select per kernel tap. ---


def _reference_contributions(
    in_len: int, out_len: int, scale: float, kernel_name: str, antialiasing: bool, device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights (out_len, P) and 0-based input indices (out_len, P) for one axis."""
    kernel, width = KERNELS[kernel_name]
    if scale < 1 and antialiasing:
        h = lambda t: scale * kernel(scale * t)  # noqa: E731  (stretched kernel)
        width = width / scale
    else:
        h = kernel
    x = torch.arange(1, out_len + 1, dtype=torch.float64, device=device)
    u = x / scale + 0.5 * (1 - 1 / scale)  # input position, 1-based
    left = torch.floor(u - width / 2)
    taps = int(math.ceil(width)) + 2
    indices = left[:, None] + torch.arange(taps, dtype=torch.float64, device=device)
    weights = h(u[:, None] - indices)
    weights = weights / weights.sum(dim=1, keepdim=True)
    # symmetric padding: the index pattern 0..n-1, n-1..0 repeats
    mirror = torch.cat([torch.arange(in_len, device=device), torch.arange(in_len - 1, -1, -1)])
    indices = mirror[(indices.long() - 1) % (2 * in_len)]
    return weights, indices


def _reference_resize_axis(
    x: torch.Tensor, dim: int, out_len: int, scale: float, kernel: str, aa: bool
):
    weights, indices = _reference_contributions(x.shape[dim], out_len, scale, kernel, aa, x.device)
    weights = weights.to(x.dtype)
    shape = [1] * x.dim()
    shape[dim] = out_len
    out = None
    for k in range(indices.shape[1]):  # a handful of taps, each a vectorised gather
        term = x.index_select(dim, indices[:, k]) * weights[:, k].view(shape)
        out = term if out is None else out + term
    return out


def reference_imresize(img: torch.Tensor, scale: float, kernel: str = "cubic") -> torch.Tensor:
    """``imresize`` by gathers (scale only, antialiasing on): the same result, computed tap by
    tap."""
    batch = img[None] if img.dim() == 3 else img
    in_h, in_w = batch.shape[-2:]
    out_h, out_w = math.ceil(in_h * scale - 1e-9), math.ceil(in_w * scale - 1e-9)
    out = batch
    for axis in (0, 1):  # equal scales: rows first
        dim = out.dim() - 2 + axis
        out = _reference_resize_axis(out, dim, (out_h, out_w)[axis], scale, kernel, True)
    return out[0] if img.dim() == 3 else out


# --- Timing ---


def down_up(fn: Callable, images: list[torch.Tensor]) -> list[torch.Tensor]:
    return [fn(fn(img, 1 / 4), 4) for img in images]


def run_new(images: list[torch.Tensor], cached: bool) -> list[torch.Tensor]:
    if not cached:
        resize._cache.clear()
    return down_up(imresize, images)


def timed(fn: Callable[[], list[torch.Tensor]]) -> tuple[float, list[torch.Tensor]]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def compare(images: list[torch.Tensor], repeats: int) -> dict[str, float]:
    """Median seconds of old, new (cold cache) and new (cached), interleaved; max abs diff."""
    runs = {
        "old": lambda: down_up(reference_imresize, images),
        "new": lambda: run_new(images, cached=False),
        "cached": lambda: run_new(images, cached=True),
    }
    for fn in runs.values():  # warm-up
        fn()
    times: dict[str, list[float]] = {name: [] for name in runs}
    outputs = {}
    for rep in range(repeats):
        names = list(runs) if rep % 2 == 0 else list(reversed(runs))
        for name in names:
            seconds, outputs[name] = timed(runs[name])
            times[name].append(seconds)
    pairs = zip(outputs["old"], outputs["new"], strict=True)
    diff = max((a - b).abs().max().item() for a, b in pairs)
    return {name: statistics.median(t) for name, t in times.items()} | {"diff": diff}


def cpu_model() -> str:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    lines = info.splitlines()
    model = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "?")
    flags = next((ln.split(":", 1)[1].split() for ln in lines if ln.startswith("flags")), [])
    amx = "with AMX" if any(f.startswith("amx") for f in flags) else "no AMX"
    return f"{model} ({amx})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT / "sisrlearn" / "data" / "Set14"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    set14 = [modcrop(img, 4).contiguous() for img in load_folder(args.data, mode="RGB").values()]
    batch = torch.rand(8, 3, 480, 500, generator=torch.Generator().manual_seed(0))
    workloads = {
        f"Set14 RGB, {len(set14)} images, float64": [img.double() for img in set14],
        f"Set14 RGB, {len(set14)} images, float32": [img.float() for img in set14],
        "batch 8x3x480x500, float32": [batch],
    }
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; down x4 then up x4\n")
    print("| input | threads | old s | new s | new s, cached | speed-up | max abs diff |")
    print("|---|---|---|---|---|---|---|")
    for name, images in workloads.items():
        r = compare(images, args.repeats)
        print(
            f"| {name} | {args.threads} | {r['old']:.3f} | {r['new']:.3f} | {r['cached']:.3f} "
            f"| {r['old'] / r['new']:.1f}x | {r['diff']:.1e} |"
        )


if __name__ == "__main__":
    main()
