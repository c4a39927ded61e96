"""Chapter 01 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import math

import pytest
import torch
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks
from sisrlearn.metrics import psnr
from sisrlearn.resize import cubic

pytestmark = pytest.mark.usefixtures("one_thread")


def _psnr_natural_log(sr, hr):
    return 10 * torch.log(1 / ((sr - hr) ** 2).mean())


def _psnr_rmse(sr, hr):
    return 10 * torch.log10(1 / ((sr - hr) ** 2).mean().sqrt())


def _lanczos(x, a=3):
    return torch.sinc(x) * torch.sinc(x / a) * (x.abs() < a)


def _lanczos_unnormalised_sinc(x, a=3):
    def sinc(t):
        return torch.where(t == 0, torch.ones_like(t), torch.sin(t) / t)

    return sinc(x) * sinc(x / a) * (x.abs() < a)


def _lanczos_no_window(x, a=3):
    return torch.sinc(x) * torch.sinc(x / a)


def _mirror(j, n):
    k = j - 1
    while k < 0 or k >= n:
        k = -k - 1 if k < 0 else 2 * n - 1 - k
    return k


def _shrink(n_in, factor, stretch=True, mirror=True):
    n_out = n_in // factor
    s = factor if stretch else 1
    w = torch.zeros(n_out, n_in, dtype=torch.float64)
    for i in range(n_out):
        u = factor * (i + 1) + 0.5 * (1 - factor)
        for j in range(math.floor(u - 2 * s), math.ceil(u + 2 * s) + 1):
            k = _mirror(j, n_in) if mirror else min(max(j - 1, 0), n_in - 1)
            w[i, k] += cubic(torch.tensor((u - j) / s, dtype=torch.float64)) / s
    return w / w.sum(1, keepdim=True)


def _ssim(x, y, data_range=1.0):
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mx, my = x.mean(), y.mean()
    vx, vy = x.var(unbiased=False), y.var(unbiased=False)
    cxy = ((x - mx) * (y - my)).mean()
    return (2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2))


def _ssim_std(x, y, data_range=1.0):
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mx, my = x.mean(), y.mean()
    sx, sy = x.std(unbiased=False), y.std(unbiased=False)
    cxy = ((x - mx) * (y - my)).mean()
    return (2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (sx + sy + c2))


def _ssim_fixed_constants(x, y, data_range=1.0):
    return _ssim(x, y, 1.0)


CASES = [
    (checks.check_psnr, lambda sr, hr: psnr(sr, hr), [_psnr_natural_log, _psnr_rmse]),
    (checks.check_lanczos, _lanczos, [_lanczos_unnormalised_sinc, _lanczos_no_window]),
    (
        checks.check_shrink_weights,
        _shrink,
        [lambda n, f: _shrink(n, f, stretch=False), lambda n, f: _shrink(n, f, mirror=False)],
    ),
    (checks.check_ssim_global, _ssim, [_ssim_std, _ssim_fixed_constants]),
]


@pytest.mark.parametrize("checker, solution, bugs", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_checker_accepts_solution_and_rejects_bugs(checker, solution, bugs, capsys):
    assert_checker_contract(checker, solution, bugs, capsys)


def test_prediction_overshoot(capsys):
    assert_prediction_contract(
        checks.check_prediction_overshoot, "a=-0.75", ["a=-0.5", "equal"], capsys
    )


def test_a_prediction_outside_the_choices_is_named(capsys):
    assert checks.check_prediction_overshoot("sharper", strict=False) is False
    assert "expected one of" in capsys.readouterr().out


def test_strict_mode_from_environment(monkeypatch):
    monkeypatch.setenv("SISRLEARN_STRICT_CHECKS", "1")
    with pytest.raises(checks.CheckFailed, match="check_lanczos"):
        checks.check_lanczos(_lanczos_no_window)
