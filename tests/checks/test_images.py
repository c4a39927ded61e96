"""Every checker accepts the reference solution and rejects planted bugs with a useful hint."""

import math

import pytest
import torch
from conftest import assert_checker_contract

from sisrlearn import checks
from sisrlearn.color import rgb_to_y
from sisrlearn.metrics import psnr
from sisrlearn.resize import cubic


def _bad_psnr_natural_log(sr, hr):
    return 10 * torch.log(1 / ((sr - hr) ** 2).mean())


def _bad_psnr_rmse(sr, hr):
    return 10 * torch.log10(1 / ((sr - hr) ** 2).mean().sqrt())


def _bad_y_no_offset(img):
    w = torch.tensor([65.481, 128.553, 24.966], dtype=img.dtype).view(3, 1, 1)
    return (img * w).sum(0, keepdim=True) / 255


def _bad_y_bt709(img):
    w = torch.tensor([0.2126, 0.7152, 0.0722], dtype=img.dtype).view(3, 1, 1) * 219
    return (16 + (img * w).sum(0, keepdim=True)) / 255


def _bad_cubic_opencv(x):
    return cubic(x, a=-0.75)


CASES = [
    (checks.check_psnr, lambda sr, hr: psnr(sr, hr), [_bad_psnr_natural_log, _bad_psnr_rmse]),
    (checks.check_rgb_to_y, rgb_to_y, [_bad_y_no_offset, _bad_y_bt709]),
    (checks.check_cubic, cubic, [_bad_cubic_opencv, lambda x: torch.clamp(1 - x.abs(), min=0)]),
]


@pytest.mark.parametrize("checker, solution, bugs", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_checker_accepts_solution_and_rejects_bugs(checker, solution, bugs, capsys):
    assert_checker_contract(checker, solution, bugs, capsys)


def test_strict_mode_from_environment(monkeypatch):
    monkeypatch.setenv("SISRLEARN_STRICT_CHECKS", "1")
    with pytest.raises(checks.CheckFailed, match="check_cubic"):
        checks.check_cubic(_bad_cubic_opencv)
    assert math.isclose(float(cubic(torch.tensor(0.5))), 0.5625)
