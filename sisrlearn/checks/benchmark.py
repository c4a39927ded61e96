"""Chapter 12 checkers: what makes two rows of a results table comparable, how a table
averages PSNR, reproducing a row with ``sisrlearn.bench``, and the prediction of the bicubic
x3 figure from the x2 and x4 ones."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

from ._core import check_prediction, run_cases


def check_differences(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``differences(row_a, row_b)``: the sorted list of the conditions (``dataset``,
    ``scale``, ``protocol``, ``training_data``, ``budget``) on which two rows of a results
    table differ; an empty list means the rows are comparable."""
    ours = {
        "method": "srcnn_x3",
        "dataset": "Set5",
        "scale": 3,
        "psnr": 32.55,
        "protocol": "matlab",
        "training_data": "T91",
        "budget": "24,000 steps",
    }
    paper = {
        **ours,
        "method": "SRCNN (ECCV 2014)",
        "psnr": 32.39,
        "budget": "SGD, the T91 schedule",
    }
    imagenet = {**paper, "method": "SRCNN (TPAMI 2016)", "psnr": 32.75, "training_data": "ImageNet"}
    rgb = {
        **ours,
        "method": "bicubic",
        "psnr": 30.40,
        "protocol": "rgb",
        "training_data": "none",
        "budget": "none",
    }
    x4 = {**ours, "scale": 4, "dataset": "Set14"}
    cases = [
        ("a row against itself", (ours, dict(ours)), []),
        ("ours vs the paper's T91 model", (ours, paper), ["budget"]),
        ("ours vs the paper's ImageNet model", (ours, imagenet), ["budget", "training_data"]),
        (
            "ours vs bicubic under the rgb protocol",
            (ours, rgb),
            ["budget", "protocol", "training_data"],
        ),
        ("another dataset and scale", (ours, x4), ["dataset", "scale"]),
    ]
    hints = (
        "Only the conditions of the experiment matter here, not the method's name or its "
        "result: compare the rows key by key over those five keys.",
        "Leave out 'method' and 'psnr' (they differ by design), keep every condition that "
        "differs, including the protocol, and return them as a sorted list.",
    )
    return run_cases("check_differences", student_fn, cases, hints=hints, strict=strict, hint=hint)


def check_mean_psnr(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``mean_psnr(per_image_mse)``: a dataset's figure as the tables print it, the mean over
    images of each image's PSNR (peak 1), from a list of per-image MSEs."""

    def reference(mses):
        return sum(10 * math.log10(1 / m) for m in mses) / len(mses)

    cases = [
        ("one image, MSE 0.001", ([0.001],), 30.0),
        ("two images, MSE 0.01 and 0.0001", ([0.01, 0.0001],), 30.0),
        (
            "five images",
            ([0.0012, 0.0005, 0.004, 0.0009, 0.0021],),
            reference([0.0012, 0.0005, 0.004, 0.0009, 0.0021]),
        ),
    ]
    hints = (
        "A table reports one number per dataset. Is it the PSNR of the average error, or the "
        "average of the images' PSNRs? Try both on the two-image example.",
        "Compute 10 log10(1 / MSE) for every image first, then average those dB values; the "
        "PSNR of the mean MSE is pulled down by the worst image.",
    )
    return run_cases(
        "check_mean_psnr", student_fn, cases, hints=hints, atol=1e-9, strict=strict, hint=hint
    )


def _folder_reference(folder: Path, scale: int) -> float:
    from ..images import list_images, load_image
    from ..methods import apply_method
    from ..metrics import evaluate, prepare

    scores = []
    for path in list_images(folder)[0]:
        lr, ref = prepare(load_image(path), scale, "matlab")
        scores.append(evaluate(apply_method("bicubic", lr, scale), ref, scale)["psnr"])
    return sum(scores) / len(scores)


def check_reproduce_row(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``reproduce_row(dataset, scale)``: bicubic's mean PSNR on ``dataset`` (a name or a
    folder) at ``scale`` under the MATLAB protocol, computed with ``sisrlearn.bench``."""
    from ..images import save_image

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tiny"
        gen = torch.Generator().manual_seed(40)
        for i in range(2):
            img = torch.nn.functional.avg_pool2d(torch.rand(1, 3, 50, 62, generator=gen), 3, 1)[0]
            save_image(img, folder / f"img{i}.png")
        cases = [
            (f"two small images, x{s}", (str(folder), s), _folder_reference(folder, s))
            for s in (2, 3)
        ]
        hints = (
            "bench.benchmark takes lists (datasets, methods, scales) and returns one row "
            "(a dict) per combination; the figure is in the row's 'psnr'.",
            "Call it with one-element lists, keep the MATLAB protocol the tables use, and take "
            "the figure out of the first (only) row: return a number, not the row.",
        )
        return run_cases(
            "check_reproduce_row",
            student_fn,
            cases,
            hints=hints,
            atol=1e-6,
            strict=strict,
            hint=hint,
        )


def check_prediction_x3(predicted: str, *, strict: bool | None = None, hint: bool = False) -> bool:
    """Bicubic on Set5: is the x3 figure ``"higher"`` or ``"lower"`` than the midpoint of the
    x2 and x4 figures?"""
    from ..published import published

    x2, x3, x4 = (published("bicubic", "Set5", s) for s in (2, 3, 4))
    midpoint = (x2 + x4) / 2
    measured = "higher" if x3 > midpoint else "lower"
    detail = (
        f"Set5 bicubic: x2 {x2:.2f}, x3 {x3:.2f}, x4 {x4:.2f} dB (the published figures, which "
        f"your reproduction matches); the midpoint of x2 and x4 is {midpoint:.2f}. PSNR falls "
        "fastest between x2 and x3: going from x2 to x3 removes a larger share of the "
        "remaining detail than going from x3 to x4 (the curve of PSNR against the scale is "
        "convex), so interpolating between two rows of a table overestimates the row between."
    )
    hints = (
        "Compare the two steps: how much detail does each one remove, relative to what is "
        "left? x2 -> x3 shrinks the pixel count by 2.25, x3 -> x4 by 1.78.",
        "If PSNR fell linearly with the scale, x3 would sit at the midpoint. It falls roughly "
        "with the log of the scale, and log 3 is closer to log 4 than to log 2.",
    )
    return check_prediction(
        "check_prediction_x3",
        predicted,
        measured,
        choices=("higher", "lower"),
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
