"""Exercise 05 checkers: pixel shuffle, the residual block, the recursive ensemble."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import run_cases


def check_pixel_shuffle(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 05: ``pixel_shuffle(x, scale)``: (N, C r^2, h, w) -> (N, C, r h, r w) by
    reshape/permute, equal to ``nn.PixelShuffle(scale)``."""
    gen = torch.Generator().manual_seed(5)
    x2 = torch.arange(16.0).reshape(1, 4, 2, 2)
    x3 = torch.randn(2, 18, 3, 4, generator=gen)
    cases = [
        (
            "4 channels of 2x2 -> one 4x4 image (scale 2)",
            (x2, 2),
            torch.pixel_shuffle(x2, 2),
            "out[c, r*i + a, r*j + b] = x[c*r*r + a*r + b, i, j]: reshape to (N, C, r, r, h, w), "
            "permute to (N, C, h, r, w, r), reshape to (N, C, r h, r w)",
        ),
        (
            "2 images, 2 output channels, scale 3",
            (x3, 3),
            torch.pixel_shuffle(x3, 3),
            "the r*r channels of one output channel are consecutive: channel c*r*r + a*r + b",
        ),
    ]
    return run_cases("check_pixel_shuffle", student_fn, cases, atol=1e-6, strict=strict)


def check_residual_block(student_cls: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 05: ``ResidualBlock(num_features, res_scale=1.0)`` with ``conv1``, ``conv2``
    (3x3, padding 1, bias) computing ``x + res_scale * conv2(relu(conv1(x)))`` (EDSR)."""
    from torch import nn

    from ..models.srresnet import ResidualBlock

    gen = torch.Generator().manual_seed(6)
    x = torch.randn(2, 8, 6, 5, generator=gen)

    def reference(res_scale: float) -> nn.Module:
        block = ResidualBlock(8, batchnorm=False, activation="relu", res_scale=res_scale)
        g = torch.Generator().manual_seed(7)
        with torch.no_grad():
            for p in block.parameters():
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
        return block

    def probe(what: str, res_scale: float):
        if what == "params":
            return sum(p.numel() for p in student_cls(8).parameters())
        block, ref = student_cls(8, res_scale=res_scale), reference(res_scale)
        with torch.no_grad():
            block.conv1.weight.copy_(ref.body[0].weight)
            block.conv1.bias.copy_(ref.body[0].bias)
            block.conv2.weight.copy_(ref.body[2].weight)
            block.conv2.bias.copy_(ref.body[2].bias)
            out = block(x)
        return out.shape[-2:] if what == "shape" else out

    with torch.no_grad():
        expected = reference(1.0)(x)
        scaled = reference(0.1)(x)
    cases = [
        (
            "parameters of a block with 8 features",
            ("params", 1.0),
            2 * (8 * 8 * 9 + 8),
            "two nn.Conv2d(num_features, num_features, 3, padding=1), with bias",
        ),
        (
            "output size equals input size",
            ("shape", 1.0),
            torch.tensor([6, 5]),
            "padding=1 keeps the size, so that x can be added",
        ),
        (
            "output with the reference weights",
            ("forward", 1.0),
            expected,
            "return x + conv2(relu(conv1(x))): ReLU between the convs, none after the sum",
        ),
        (
            "res_scale=0.1",
            ("forward", 0.1),
            scaled,
            "multiply the residual (not x) by res_scale before adding",
        ),
    ]
    return run_cases("check_residual_block", probe, cases, atol=1e-5, strict=strict)


def check_recursive_ensemble(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 05: ``recursive_ensemble(h, x, recursive_conv, reconstruct, weights)``: DRCN's
    inference: ``len(weights)`` times ``h = relu(recursive_conv(h))``, each ``y_d =
    reconstruct(h) + x``, return ``sum_d weights[d] * y_d``."""
    from ..models.drcn import DRCN

    torch.manual_seed(8)
    model = DRCN(recursions=4, num_features=6)
    with torch.no_grad():
        model.reconstruct[-1].weight.normal_(std=0.1)
        model.ensemble_weights.copy_(torch.tensor([0.1, 0.2, 0.3, 0.4]))
    x = torch.rand(2, 1, 7, 7, generator=torch.Generator().manual_seed(9))

    def probe(weights: torch.Tensor):
        with torch.no_grad():
            h = model.embed(x)
            return student_fn(h, x, model.recursive_conv, model.reconstruct, weights)

    w4, w2 = torch.tensor([0.1, 0.2, 0.3, 0.4]), torch.tensor([0.5, 0.5])
    with torch.no_grad():
        exp4, preds = model.forward_all(x)  # the library's DRCN, preds (4, N, 1, H, W)
    exp2 = 0.5 * preds[0] + 0.5 * preds[1]  # the first two recursions
    cases = [
        (
            "4 recursions, weights 0.1 0.2 0.3 0.4",
            (w4,),
            exp4,
            "apply the SAME conv 4 times (h = relu(conv(h))), reconstruct after every one, add x, "
            "and weight prediction d by weights[d]",
        ),
        ("2 recursions, equal weights", (w2,), exp2, "the number of recursions is len(weights)"),
    ]
    return run_cases("check_recursive_ensemble", probe, cases, atol=1e-5, strict=strict)
