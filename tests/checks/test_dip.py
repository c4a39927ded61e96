"""Chapter 10 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import pytest
import torch
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks
from sisrlearn.dip import masked_mse
from sisrlearn.losses import total_variation

pytestmark = pytest.mark.usefixtures("one_thread")


def _tv_loss(output, observation, mask, weight):
    return masked_mse(output, observation, mask) + weight * total_variation(output)


def _tv_of_residual(output, observation, mask, weight):
    return masked_mse(output, observation, mask) + weight * total_variation(output - observation)


def _tv_unmasked(output, observation, mask, weight):
    return ((output - observation) ** 2).mean() + weight * total_variation(output)


def _stop(losses, sigma):
    return next((i for i, loss in enumerate(losses) if loss <= sigma**2), None)


def _stop_sigma(losses, sigma):
    return next((i for i, loss in enumerate(losses) if loss <= sigma), None)


def _stop_last(losses, sigma):
    below = [i for i, loss in enumerate(losses) if loss <= sigma**2]
    return below[-1] if below else None


def _ema(values, beta, power_offset=0):
    out, avg = [], torch.zeros_like(values[0])
    for t, x in enumerate(values, start=1):
        avg = beta * avg + (1 - beta) * x
        out.append(avg / (1 - beta ** (t - power_offset)) if t > power_offset else avg)
    return torch.stack(out)


def _ema_biased(values, beta):
    out, avg = [], torch.zeros_like(values[0])
    for x in values:
        avg = beta * avg + (1 - beta) * x
        out.append(avg)
    return torch.stack(out)


def test_check_dip_tv_loss(capsys):
    bugs = [_tv_of_residual, _tv_unmasked]
    assert_checker_contract(checks.check_dip_tv_loss, _tv_loss, bugs, capsys)


def test_check_discrepancy_stop(capsys):
    bugs = [_stop_sigma, _stop_last]
    assert_checker_contract(checks.check_discrepancy_stop, _stop, bugs, capsys)


def test_check_ema_debiased(capsys):
    bugs = [_ema_biased, lambda values, beta: _ema(values, beta, power_offset=1)]
    assert_checker_contract(checks.check_ema_debiased, _ema, bugs, capsys)


def test_prediction_mismatch(capsys):
    # two different kernels give different LR images of the same HR image
    from sisrlearn.resize import imresize

    hr = torch.rand(1, 1, 32, 32, dtype=torch.float64)
    gap = (imresize(hr, 1 / 4, kernel="lanczos2") - imresize(hr, 1 / 4)).abs().max()
    assert gap > 1e-6
    assert_prediction_contract(checks.check_prediction_mismatch, "positive", ["zero", "no"], capsys)
