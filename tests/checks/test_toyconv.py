"""Chapter 02 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import numpy as np
import pytest
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks

pytestmark = pytest.mark.usefixtures("one_thread")


def _conv(img, feature, stride=1, pad=0, pad_value=-1.0):
    img = np.pad(np.asarray(img, dtype=float), pad, constant_values=pad_value)
    feature = np.asarray(feature, dtype=float)
    k = feature.shape[0]
    rows, cols = (img.shape[0] - k) // stride + 1, (img.shape[1] - k) // stride + 1
    out = np.zeros((rows, cols))
    for r in range(rows):
        for c in range(cols):
            patch = img[r * stride : r * stride + k, c * stride : c * stride + k]
            out[r, c] = np.mean(patch * feature)
    return out


def _conv_zero_padding(img, feature, stride=1, pad=0, pad_value=-1.0):
    return _conv(img, feature, stride, pad, 0.0)


def _conv_flipped(img, feature, stride=1, pad=0, pad_value=-1.0):
    return _conv(img, np.asarray(feature)[::-1, ::-1], stride, pad, pad_value)


def _field(layers):
    field, jump = 1, 1
    for k, s in layers:
        field += (k - 1) * jump
        jump *= s
    return field


def _field_no_strides(layers):
    return 1 + sum(k - 1 for k, _ in layers)


def _field_strides_after(layers):
    field, jump = 1, 1
    for k, s in layers:
        jump *= s
        field += (k - 1) * jump
    return field


def _silu(x):
    s = 1 / (1 + np.exp(-x))
    return x * s, s + x * s * (1 - s)


def _silu_no_product_rule(x):
    s = 1 / (1 + np.exp(-x))
    return x * s, s * (1 - s)


def _silu_tanh(x):
    t = np.tanh(x)
    return x * t, t + x * (1 - t**2)


def test_check_conv2d_general(capsys):
    assert_checker_contract(
        checks.check_conv2d_general, _conv, [_conv_zero_padding, _conv_flipped], capsys
    )


def test_check_receptive_field(capsys):
    assert_checker_contract(
        checks.check_receptive_field, _field, [_field_no_strides, _field_strides_after], capsys
    )


def test_check_silu(capsys):
    assert_checker_contract(checks.check_silu, _silu, [_silu_no_product_rule, _silu_tanh], capsys)


def _twelve_values(img):
    """conv (3 X features), ReLU, two 2x2 poolings with partial windows, by torch."""
    import torch
    import torch.nn.functional as F

    from sisrlearn.toyconv import xo_features

    x = torch.as_tensor(img, dtype=torch.float64)[None, None]
    w = torch.as_tensor(xo_features(), dtype=torch.float64)[:, None]
    maps = F.relu(F.conv2d(x, w) / 9)
    pooled = F.max_pool2d(F.max_pool2d(maps, 2, 2, ceil_mode=True), 2, 2, ceil_mode=True)
    return pooled.flatten().numpy()


def test_prediction_shift(capsys):
    from sisrlearn.toyconv import xo_image

    x = xo_image("x")
    changed = int((np.abs(_twelve_values(np.roll(x, 1, axis=1)) - _twelve_values(x)) > 1e-9).sum())
    assert 0 < changed < 12  # pooling keeps most values, but not all
    assert_prediction_contract(checks.check_prediction_shift, changed, [0, 12], capsys)
