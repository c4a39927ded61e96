"""Chapter 12 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import math

import pytest
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import bench, checks

pytestmark = pytest.mark.usefixtures("one_thread")

KEYS = ("dataset", "scale", "protocol", "training_data", "budget")


def _differences(a, b):
    return sorted(k for k in KEYS if a[k] != b[k])


def _differences_all_keys(a, b):
    return sorted(k for k in a if a[k] != b[k])


def _differences_no_protocol(a, b):
    return sorted(k for k in KEYS if k != "protocol" and a[k] != b[k])


def _mean_psnr(mses):
    return sum(10 * math.log10(1 / m) for m in mses) / len(mses)


def _psnr_of_mean(mses):
    return 10 * math.log10(1 / (sum(mses) / len(mses)))


def _mean_psnr_peak_255(mses):
    return sum(10 * math.log10(255**2 / m) for m in mses) / len(mses)


def _reproduce(dataset, scale, protocol="matlab"):
    rows = bench.benchmark([dataset], ["bicubic"], [scale], protocol=protocol, progress=False)
    return float(rows[0]["psnr"])


def test_check_differences(capsys):
    bugs = [_differences_all_keys, _differences_no_protocol]
    assert_checker_contract(checks.check_differences, _differences, bugs, capsys)


def test_check_mean_psnr(capsys):
    bugs = [_psnr_of_mean, _mean_psnr_peak_255]
    assert_checker_contract(checks.check_mean_psnr, _mean_psnr, bugs, capsys)


def test_check_reproduce_row(capsys):
    bugs = [
        lambda dataset, scale: _reproduce(dataset, scale, protocol="rgb"),
        lambda dataset, scale: _reproduce(dataset, 2),
    ]
    assert_checker_contract(checks.check_reproduce_row, _reproduce, bugs, capsys)


def test_prediction_x3(capsys):
    # published Set5 bicubic: 33.66, 30.39, 28.42 dB; the midpoint of x2 and x4 is 31.04
    assert_prediction_contract(checks.check_prediction_x3, "lower", ["higher", "same"], capsys)
