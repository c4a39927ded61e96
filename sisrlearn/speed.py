"""Size and speed of the SR zoo: parameters and milliseconds per image (``sisrlearn speed``).

Every SR architecture in ``sisrlearn.models`` gets a row: its shipped weights at each scale
they were trained for, or, when nothing is shipped, the paper's configuration with random
weights (the speed does not depend on the weights). With a folder of HR images the shipped
rows are also scored (matlab protocol, Y PSNR), so the table reads "how big, how fast, how
good" in one place.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
from torch import nn

from ._validate import check_scale
from .bench import format_table
from .datasets import resolve_dataset
from .images import load_folder, sample
from .methods import apply_method, model_as_method
from .metrics import evaluate, prepare
from .models import MODELS, build_model, format_changed_arguments, models_of_kind
from .published import PAPER_PARAMETERS
from .runtime import get_device
from .zoo import ZooEntry, load_pretrained, zoo_entries

__all__ = ["SPEED_MARKERS", "count_multiply_adds", "markdown_table", "speed_size", "time_call"]

SPEED_MARKERS = ("<!-- sisrlearn speed: start -->", "<!-- sisrlearn speed: end -->")


def time_call(fn, *args, repeats: int = 3, device: torch.device | None = None) -> float:
    """Median wall time of ``fn(*args)`` in milliseconds, after one untimed warm-up call
    (CUDA is synchronised around each call, so queued kernels are counted)."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    cuda = device is not None and torch.device(device).type == "cuda"
    fn(*args)
    times = []
    for _ in range(repeats):
        if cuda:
            torch.cuda.synchronize(device)
        started = time.perf_counter()
        fn(*args)
        if cuda:
            torch.cuda.synchronize(device)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def count_multiply_adds(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-adds of every convolution and linear layer of ``model`` for one forward pass.

    A ``Conv2d`` costs ``k_h k_w (c_in / groups) c_out`` multiply-adds per *output* pixel;
    a ``ConvTranspose2d`` (deconvolution) paints a ``k_h x k_w x c_out / groups`` patch for
    every *input* pixel, so it costs the same product per input pixel; a ``Linear`` layer
    ``in_features x out_features`` per row. Biases, activations and pixel shuffles are free.
    This is the cost measure of Dong et al., "Accelerating the Super-Resolution
    Convolutional Neural Network", ECCV 2016, sec. 3.3 (SRCNN vs FSRCNN).

    Args:
        model: any module; its layers are counted once per call (a layer applied D times,
            as in DRCN's recursion, counts D times).
        x: the input batch, e.g. (N, C, H, W) on the model's device; N multiplies the count.

    Returns:
        The total, an int.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    total = 0

    def count(layer: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, nn.Linear):
            total += output.numel() // layer.out_features * layer.in_features * layer.out_features
            return
        kernel = layer.weight.shape[1] * layer.weight.shape[2] * layer.weight.shape[3]
        if isinstance(layer, nn.ConvTranspose2d):  # weight (c_in, c_out / g, k_h, k_w)
            total += inputs[0].numel() * kernel
        else:  # weight (c_out, c_in / g, k_h, k_w)
            total += output.numel() * kernel

    layers = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)
    handles = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, layers)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return total


def _bundled_image(side: int) -> dict[str, torch.Tensor]:
    if isinstance(side, bool) or not isinstance(side, int) or side < 12:
        raise ValueError(f"side must be an int >= 12, got {side!r}")
    return {"coffee": sample("coffee")[:, :side, :side]}


def _candidates(names: Sequence[str], scale: int, scales) -> list[tuple[str, ZooEntry | None, int]]:
    """(architecture, shipped zoo entry or None, scale) for every row of the table."""
    entries = zoo_entries()
    rows = []
    for name in names:
        shipped = sorted(
            (e for e in entries.values() if e.kind == "model" and e.model == name),
            key=lambda e: e.name,
        )
        if shipped:
            rows += [
                (name, e, s) for e in shipped for s in e.scales if scales is None or s in scales
            ]
            continue
        rows.append((name, None, scale))
    return rows


def _model(arch: str, entry: ZooEntry | None, scale: int, device) -> tuple[nn.Module, dict]:
    if entry is not None:
        return load_pretrained(entry.name, device=device), entry.record
    recipe = MODELS[arch].recipe
    kwargs = {} if recipe.upsampled else {"scale": scale}
    return build_model(arch, **kwargs).to(device).eval(), {}


def _config(record: dict) -> str:
    """``"paper"``, or the constructor arguments a shipped model changed (e.g. a smaller D)."""
    if record.get("model") not in MODELS:
        return "paper"
    return format_changed_arguments(record["model"], record.get("kwargs", {})) or "paper"


def speed_size(
    names: Sequence[str] | None = None,
    *,
    images: str | Path | Mapping[str, torch.Tensor] | None = None,
    side: int = 255,
    scale: int = 3,
    scales: Sequence[int] | None = None,
    repeats: int = 3,
    device: torch.device | str | None = None,
) -> list[dict]:
    """One row per shipped model and scale (or per unshipped architecture, untrained).

    Args:
        names: SR architectures of the registry (default: all of them).
        images: a dataset name (``"set5"``), a folder or a mapping of HR RGB images; default:
            a ``side`` x ``side`` crop of a bundled photo.
        scale: the scale of the unshipped architectures' rows.
        scales: keep only shipped rows at these scales (default: every trained scale).
        repeats: timed runs per image after one warm-up run (the median counts).

    Each row: ``model``; ``weights`` (zoo name or ``"untrained"``); ``scale``; ``config``
    (``"paper"`` or the changed constructor arguments); ``parameters``; ``paper_parameters``
    (the paper's count, for the paper configuration only); ``ms`` (mean over the images of
    the median time of one forward pass on the model's input: the bicubic-upscaled Y for
    pre-upsampling models, else the LR image); ``psnr`` (mean Y PSNR, matlab protocol, of
    shipped rows scored on ``images``, else None); ``val_psnr`` (the last validation PSNR in
    the training record, or None); ``images``.
    """
    sr_models = models_of_kind("sr")
    names = list(sr_models if names is None else names)
    for name in names:
        if name not in sr_models:
            raise ValueError(f"names must be among {', '.join(sr_models)}, got {name!r}")
    check_scale(scale)
    for s in scales or ():
        check_scale(s)
    device = torch.device(device) if device is not None else get_device()
    scored = images is not None
    if images is None:
        images = _bundled_image(side)
    elif isinstance(images, (str, Path)):
        images = load_folder(resolve_dataset(images))
    if not images:
        raise ValueError("images holds no images")
    rows = []
    for arch, entry, s in _candidates(names, scale, scales):
        model, record = _model(arch, entry, s, device)
        method = model_as_method(model, arch)
        times, psnrs = [], []
        for hr in images.values():
            lr, reference = prepare(hr, s, channels=method.channels)
            times.append(time_call(apply_method, method, lr, s, repeats=repeats, device=device))
            if scored and entry is not None:
                with torch.no_grad():
                    sr = apply_method(method, lr, s)
                psnrs.append(evaluate(sr, reference, s)["psnr"])
        val = record.get("history", {}).get("metrics", {}).get(f"psnr_x{s}")
        config = _config(record)
        rows.append(
            {
                "model": arch,
                "weights": entry.name if entry else "untrained",
                "scale": s,
                "parameters": sum(p.numel() for p in model.parameters()),
                "config": config,
                "paper_parameters": PAPER_PARAMETERS.get(arch, "") if config == "paper" else "",
                "ms": sum(times) / len(times),
                "psnr": sum(psnrs) / len(psnrs) if psnrs else None,
                "val_psnr": val[-1] if val else None,
                "images": len(images),
            }
        )
    return rows


def markdown_table(rows: Sequence[dict]) -> str:
    """Rows from ``speed_size`` as a Markdown table."""
    header = [
        "model",
        "weights",
        "configuration",
        "scale",
        "parameters",
        "paper",
        "ms / image",
        "PSNR (dB)",
    ]
    body = [
        [
            r["model"],
            r["weights"],
            r["config"],
            f"x{r['scale']}",
            f"{r['parameters']:,}",
            r["paper_parameters"],
            f"{r['ms']:.1f}",
            f"{r['psnr']:.2f}" if r["psnr"] is not None else "",
        ]
        for r in rows
    ]
    return format_table(header, body)
