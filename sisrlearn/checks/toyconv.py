"""Chapter 02 checkers: a strided, padded convolution by hand, receptive fields, the SiLU
activation and its derivative, and the prediction of what a one-pixel shift changes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ._core import check_prediction, run_cases


def _conv_reference(img, feature, stride, pad, pad_value) -> np.ndarray:
    x = torch.as_tensor(np.asarray(img, dtype=float))[None, None]
    w = torch.as_tensor(np.asarray(feature, dtype=float))[None, None]
    x = F.pad(x, (pad,) * 4, value=pad_value)
    return (F.conv2d(x, w, stride=stride) / w.numel())[0, 0].numpy()


def check_conv2d_general(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``conv2d_general(img, feature, stride=1, pad=0, pad_value=-1.0)``: every filter match
    (mean of the products, no flip) of a k x k feature, moved ``stride`` pixels at a time over
    the image bordered by ``pad`` pixels of ``pad_value``."""
    from ..toyconv import xo_features, xo_image

    x_img, diagonal = xo_image("x"), xo_features()[0]
    lopsided = np.array([[1.0, 1.0, -1.0], [1.0, -1.0, -1.0], [-1.0, -1.0, -1.0]])
    gen = np.random.default_rng(2)
    rand = gen.choice([-1.0, 1.0], size=(8, 7))
    cases = [
        (
            "the X, diagonal feature, stride 1, no padding",
            (x_img, diagonal, 1, 0, -1.0),
            _conv_reference(x_img, diagonal, 1, 0, -1.0),
        ),
        (
            "the X, stride 2 (4 x 4 matches)",
            (x_img, diagonal, 2, 0, -1.0),
            _conv_reference(x_img, diagonal, 2, 0, -1.0),
        ),
        (
            "the X, padded by 1 pixel of paper (-1)",
            (x_img, lopsided, 1, 1, -1.0),
            _conv_reference(x_img, lopsided, 1, 1, -1.0),
        ),
        (
            "an 8 x 7 image, lopsided feature, stride 2, padded by 1 pixel of 0",
            (rand, lopsided, 2, 1, 0.0),
            _conv_reference(rand, lopsided, 2, 1, 0.0),
        ),
    ]
    hints = (
        "First build the padded image (pad_value on every side), then slide the feature "
        "over it in steps of `stride`. How many positions fit along one side?",
        "Along a side of n pixels the output has (n + 2 pad - k) // stride + 1 values; the "
        "window of output (r, c) starts at (r * stride, c * stride) of the padded image, and "
        "the match is the mean of the products (divide by k * k), with no flip.",
    )
    return run_cases(
        "check_conv2d_general", student_fn, cases, hints=hints, atol=1e-9, strict=strict, hint=hint
    )


def _receptive_field_reference(layers) -> int:
    field, jump = 1, 1
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
    return field


def check_receptive_field(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``receptive_field(layers)``: the side, in input pixels, of the window one output
    value depends on, for a stack of ``(kernel, stride)`` layers (convolutions or poolings)."""
    examples = {
        "one 3 x 3 convolution": [(3, 1)],
        "SRCNN 9-5-5": [(9, 1), (5, 1), (5, 1)],
        "the X/O net: conv 3, pool 2/2, pool 2/2": [(3, 1), (2, 2), (2, 2)],
        "three 3 x 3 convolutions of stride 2": [(3, 2), (3, 2), (3, 2)],
        "pool 2/2, then conv 3": [(2, 2), (3, 1)],
    }
    cases = [
        (what, (layers,), _receptive_field_reference(layers)) for what, layers in examples.items()
    ]
    hints = (
        "Go through the layers in order and track two numbers: the field so far, and how many "
        "input pixels one step of the current layer's input spans.",
        "A k-wide layer widens the field by (k - 1) times the product of the strides of the "
        "layers *before* it; one layer alone sees k pixels.",
    )
    return run_cases(
        "check_receptive_field", student_fn, cases, hints=hints, atol=0, strict=strict, hint=hint
    )


def _silu_reference(x: np.ndarray) -> np.ndarray:
    t = torch.tensor(np.asarray(x, dtype=float), requires_grad=True)
    y = t * torch.sigmoid(t)
    (dy,) = torch.autograd.grad(y.sum(), t)
    return np.stack([y.detach().numpy(), dy.numpy()])


def check_silu(student_fn: Callable, *, strict: bool | None = None, hint: bool = False) -> bool:
    """``silu(x)`` for a NumPy array: the pair ``(f, df)`` of SiLU/Swish ``x * sigmoid(x)``
    and its derivative, elementwise (checked against autograd)."""
    x = np.linspace(-6, 6, 49)
    cases = [
        ("x = 0", (np.array([0.0]),), _silu_reference(np.array([0.0]))),
        (
            "x = -2, 1, 3",
            (np.array([-2.0, 1.0, 3.0]),),
            _silu_reference(np.array([-2.0, 1.0, 3.0])),
        ),
        ("49 values from -6 to 6", (x,), _silu_reference(x)),
    ]
    hints = (
        "f is a product of two functions of x; the derivative of a product has two terms. "
        "Recall the lecture's sigmoid derivative.",
        "Product rule: (x s)' = s + x s', with s = sigmoid(x); s' is in the lecture's table "
        "of derivatives (it is at most 1/4). Return the pair (f, df), both arrays.",
    )
    return run_cases(
        "check_silu", student_fn, cases, hints=hints, atol=1e-9, strict=strict, hint=hint
    )


def check_prediction_shift(
    predicted: int, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """How many of the 12 pooled values of the hand-made X/O network change when the X is
    moved one pixel to the right?"""
    from ..toyconv import xo_forward, xo_image

    x_img = xo_image("x")
    before = xo_forward(x_img)["values"]
    after = xo_forward(np.roll(x_img, 1, axis=1))["values"]
    changed = int((np.abs(after - before) > 1e-9).sum())
    detail = (
        f"Measured: {changed} of the 12 values change. Every feature map moves by one pixel, "
        "but max pooling keeps the largest match of each 2 x 2 (then 4 x 4) window: a strong "
        "match that stays inside its window survives the shift, so most values do not move. "
        "Only where a maximum crosses a window boundary does a value change."
    )
    hints = (
        "Follow one strong match (a 1.00 on the diagonal) through the two poolings: after a "
        "one-pixel shift, is it still inside the same pooling window?",
        "Two rounds of 2 x 2 pooling make each value the maximum over about a 6 x 6 patch of "
        "the 9 x 9 image (its receptive field); count the values whose maximum sat at the "
        "right edge of its window.",
    )
    return check_prediction(
        "check_prediction_shift",
        predicted,
        changed,
        tolerance=0,
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
