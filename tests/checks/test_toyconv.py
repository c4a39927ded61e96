"""Chapter 02 checkers accept the reference solution and reject planted bugs with a hint."""

import numpy as np
import pytest
from conftest import assert_checker_contract

from sisrlearn import checks, toyconv


def _conv_flipped(img, feature):  # a true convolution: the kernel is flipped
    return toyconv.convolve(img, np.asarray(feature)[::-1, ::-1])


def _conv_no_mean(img, feature):
    return toyconv.convolve(img, feature) * np.size(feature)


def _conv_same_padding(img, feature):
    k = len(feature)
    return toyconv.convolve(np.pad(img, k // 2), feature)


def _pool_floor_mode(fmap):  # drops the partial windows: 7x7 -> 3x3
    h, w = (np.shape(fmap)[0] // 2) * 2, (np.shape(fmap)[1] // 2) * 2
    return toyconv.max_pool(np.asarray(fmap)[:h, :w])


def _pool_zero_padding(fmap):
    fmap = np.asarray(fmap)
    padded = np.zeros((fmap.shape[0] + fmap.shape[0] % 2, fmap.shape[1] + fmap.shape[1] % 2))
    padded[: fmap.shape[0], : fmap.shape[1]] = fmap
    return toyconv.max_pool(padded)


def _pool_stride_one(fmap):
    return toyconv.max_pool(fmap, 2, 1)


def _match_sum(patch, feature):
    return float(np.sum(np.asarray(patch) * feature))


def _match_by_nine(patch, feature):
    return float(np.sum(np.asarray(patch) * feature) / 9)


def _neuron_no_squash(inputs, weights):
    return toyconv.weighted_sum(inputs, weights)


def _neuron_logistic(inputs, weights):
    return 1 / (1 + np.exp(-toyconv.weighted_sum(inputs, weights)))


CASES = [
    (checks.check_filter_match, toyconv.filter_match, [_match_sum, _match_by_nine]),
    (
        checks.check_conv2d_by_hand,
        toyconv.convolve,
        [_conv_flipped, _conv_no_mean, _conv_same_padding],
    ),
    (
        checks.check_max_pool_by_hand,
        toyconv.max_pool,
        [_pool_floor_mode, _pool_zero_padding, _pool_stride_one],
    ),
    (checks.check_neuron, toyconv.neuron, [_neuron_no_squash, _neuron_logistic]),
]


@pytest.mark.parametrize("checker, solution, bugs", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_checker_accepts_solution_and_rejects_bugs(checker, solution, bugs, capsys):
    assert_checker_contract(checker, solution, bugs, capsys)


def test_flipped_kernel_passes_the_symmetric_x_features_but_is_caught(capsys):
    checks.check_conv2d_by_hand(_conv_flipped, strict=False)
    out = capsys.readouterr().out
    assert "X with the" not in out and "do not flip" in out


def test_floor_mode_pooling_hint_names_the_partial_windows(capsys):
    checks.check_max_pool_by_hand(_pool_floor_mode, strict=False)
    assert "ceil mode" in capsys.readouterr().out
