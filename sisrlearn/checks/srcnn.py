"""Chapter 04 checkers: SRCNN's parameter count with colour, the paper's learning-rate
groups, a 1x1 convolution as a matrix product, and the prediction of where 'same' padding
changes the output."""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ._core import check_prediction, run_cases


def _count(f1, f2, f3, n1, n2, channels) -> int:
    layers = [nn.Conv2d(channels, n1, f1), nn.Conv2d(n1, n2, f2), nn.Conv2d(n2, channels, f3)]
    return sum(p.numel() for layer in layers for p in layer.parameters())


def check_srcnn_parameters(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``srcnn_parameters(f1, f2, f3, n1, n2, channels=1)``: weights and biases of SRCNN
    with ``channels`` input and output channels (1 for Y, 3 for RGB)."""
    examples = [
        ("9-1-5, Y only (the paper: 8,129)", (9, 1, 5, 64, 32, 1)),
        ("9-5-5, Y only (the paper: 57,281)", (9, 5, 5, 64, 32, 1)),
        ("9-5-5 on RGB", (9, 5, 5, 64, 32, 3)),
        ("9-3-5, n1 = 128, n2 = 64, RGB", (9, 3, 5, 128, 64, 3)),
    ]
    cases = [(what, args, _count(*args)) for what, args in examples]
    hints = (
        "Count layer by layer: a convolution from c_in to c_out channels with a k x k kernel "
        "has c_out filters of c_in * k * k weights each, plus one bias per filter.",
        "With colour the input has `channels` channels and so does the output: the first "
        "layer's filters are channels * f1 * f1 deep, and the last layer has `channels` "
        "filters, hence `channels` biases.",
    )
    return run_cases(
        "check_srcnn_parameters", student_fn, cases, hints=hints, atol=0, strict=strict, hint=hint
    )


def _group_summary(student_fn: Callable, model: nn.Module, lr: float) -> list[str]:
    """Each parameter's learning rate as 'name: lr' (sorted), as SGD would use it."""
    groups = student_fn(model, lr)
    optimizer = torch.optim.SGD(groups, lr=123.0, momentum=0.9)  # 123: a group without lr
    names = {id(p): n for n, p in model.named_parameters()}
    seen = []
    for group in optimizer.param_groups:
        seen += [f"{names.get(id(p), '?')}: {group['lr']:g}" for p in group["params"]]
    return sorted(seen)


def check_paper_param_groups(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``paper_param_groups(model, lr)``: parameter groups for ``torch.optim.SGD`` that give
    conv1 and conv2 the rate ``lr`` and conv3 (the reconstruction) ``lr / 10``."""
    from ..models.srcnn import SRCNN

    def expected(lr):
        rates = {"conv1": lr, "conv2": lr, "conv3": lr / 10}
        return sorted(
            f"{layer}.{kind}: {rate:g}"
            for layer, rate in rates.items()
            for kind in ("weight", "bias")
        )

    model = SRCNN(f2=5, padding="valid")
    cases = [
        ("SRCNN 9-5-5, lr = 1e-4 (the paper)", (student_fn, model, 1e-4), expected(1e-4)),
        ("the same model, lr = 3e-3", (student_fn, model, 3e-3), expected(3e-3)),
    ]
    hints = (
        "torch.optim.SGD accepts a list of dicts, one per group: {'params': [...], 'lr': ...}; "
        "every parameter (weights and biases) must be in exactly one group.",
        "Check that the biases are in a group too (a layer's .parameters() gives its weight "
        "and its bias), that no parameter appears twice, and that the slower layer is the "
        "reconstruction, conv3.",
    )
    return run_cases(
        "check_paper_param_groups", _group_summary, cases, hints=hints, strict=strict, hint=hint
    )


def check_conv1x1_by_matmul(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``conv1x1_by_matmul(features, weight, bias)``: a 1x1 convolution, features (N, C_in,
    H, W), weight (C_out, C_in, 1, 1), bias (C_out,), written as a matrix product at every
    pixel (no F.conv2d)."""
    gen = torch.Generator().manual_seed(4)
    cases = []
    for what, (n, c_in, c_out, h, w) in {
        "64 -> 32 channels on a 5 x 7 map (SRCNN 9-1-5's middle layer)": (1, 64, 32, 5, 7),
        "a batch of 2, 3 -> 5 channels": (2, 3, 5, 4, 4),
        "1 -> 1 channel": (1, 1, 1, 3, 3),
    }.items():
        x = torch.randn(n, c_in, h, w, generator=gen, dtype=torch.float64)
        weight = torch.randn(c_out, c_in, 1, 1, generator=gen, dtype=torch.float64)
        bias = torch.randn(c_out, generator=gen, dtype=torch.float64)
        cases.append((what, (x, weight, bias), F.conv2d(x, weight, bias)))
    hints = (
        "At each pixel a 1x1 convolution maps the C_in numbers of that pixel to C_out numbers "
        "with the same (C_out x C_in) matrix, then adds the bias.",
        "weight[:, :, 0, 0] is the (C_out, C_in) matrix; the product runs over the channel "
        "axis of the features at every (n, h, w) (torch.einsum, or move the channels last and "
        "use @); the bias must broadcast over N, H and W.",
    )
    return run_cases(
        "check_conv1x1_by_matmul",
        student_fn,
        cases,
        hints=hints,
        atol=1e-9,
        strict=strict,
        hint=hint,
    )


@functools.lru_cache(maxsize=1)
def _differing_band() -> int:
    """How many pixels from the border SRCNN 'same' (replicate before every layer) differs
    from one replicate padding of the input followed by valid convolutions (random weights)."""
    from ..models.srcnn import SRCNN

    torch.manual_seed(0)
    same = SRCNN(f2=5, padding="same").double()
    valid = SRCNN(f2=5, padding="valid").double()
    valid.load_state_dict(same.state_dict())
    x = torch.rand(1, 1, 40, 40, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    with torch.no_grad():
        a = same(x)[0, 0]
        b = valid(F.pad(x, (valid.border,) * 4, mode="replicate"))[0, 0]
    differs = (a - b).abs() > 1e-9
    rows, cols = torch.nonzero(differs, as_tuple=True)
    side = x.shape[-1]
    distance = torch.minimum(
        torch.minimum(rows, cols), torch.minimum(side - 1 - rows, side - 1 - cols)
    )
    return int(distance.max()) + 1


def check_prediction_border_band(
    predicted: int, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """SRCNN 9-5-5 with replicate padding before every layer vs one replicate padding of the
    input: in a band how many pixels wide along the border do the outputs differ?"""
    band = _differing_band()
    detail = (
        f"Measured: the outputs differ in a band {band} pixels wide and agree exactly inside. "
        "Both versions replicate the *input* the same way, so the first layer's features agree "
        "everywhere; the difference starts at the second layer, whose padding copies border "
        "*features* in one version, while the other computed those features from the padded "
        "input. Only the reach of layers 2 and 3 is affected: (5 - 1) / 2 + (5 - 1) / 2. "
        "(8, half the 17-pixel receptive field, is a true bound but not the answer: a pixel 8 "
        "or more from the border sees no padding at all.)"
    )
    hints = (
        "Compare the two versions layer by layer: after the first convolution, are the "
        "feature maps the same or not? Where do they start to differ?",
        "Replicating the input once, or just before the first layer, gives the same "
        "first-layer features; the versions part at the second layer's padding, and the "
        "difference spreads through the second and third layers only.",
    )
    return check_prediction(
        "check_prediction_border_band",
        predicted,
        band,
        tolerance=0,
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
