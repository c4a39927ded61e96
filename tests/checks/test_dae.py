"""Chapter 07 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import numpy as np
import pytest
import torch
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks
from sisrlearn.dae import gradient_energy
from sisrlearn.degrade import gaussian_blur

pytestmark = pytest.mark.usefixtures("one_thread")


def _median(candidates, probs):
    values, order = torch.sort(candidates, dim=0)
    shape = (-1,) + (1,) * (candidates.dim() - 1)
    p = probs.to(candidates).view(shape).expand_as(candidates).gather(0, order)
    first = (p.cumsum(0) >= 0.5).double().argmax(dim=0, keepdim=True)
    return values.gather(0, first)[0]


def _mean(candidates, probs):
    shape = (-1,) + (1,) * (candidates.dim() - 1)
    return (probs.to(candidates).view(shape) * candidates).sum(0)


def _unweighted_median(candidates, probs):
    return candidates.median(dim=0).values


def _posterior(y, sigma, p):
    like1 = p * torch.exp(-((y - 1) ** 2) / (2 * sigma**2))
    like0 = (1 - p) * torch.exp(-(y**2) / (2 * sigma**2))
    return like1 / (like1 + like0)


def _posterior_no_prior(y, sigma, p):
    return _posterior(y, sigma, 0.5)


def _posterior_sigma_not_squared(y, sigma, p):
    return _posterior(y, sigma**0.5, p)


def _bisect(clean, energy, low=0.1, high=5.0, iters=30, flip=False):
    for _ in range(iters):
        mid = (low + high) / 2
        above = float(gradient_energy(gaussian_blur(clean, mid)).mean()) > energy
        if above != flip:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def test_weighted_median_by_numpy():
    # an independent oracle: numpy's percentile of the repeated values (uniform weights)
    values = torch.tensor([3.0, 0.0, 10.0, 1.0, 2.0], dtype=torch.float64)
    probs = torch.full((5,), 0.2, dtype=torch.float64)
    assert float(_median(values, probs)) == np.median(values.numpy())


def test_check_mae_prediction(capsys):
    assert_checker_contract(
        checks.check_mae_prediction, _median, [_mean, _unweighted_median], capsys
    )


def test_check_posterior_mean_binary(capsys):
    assert_checker_contract(
        checks.check_posterior_mean_binary,
        _posterior,
        [_posterior_no_prior, _posterior_sigma_not_squared],
        capsys,
    )


def test_check_equivalent_blur(capsys):
    bugs = [
        lambda c, e, low=0.1, high=5.0, iters=30: _bisect(c, e, low, high, 8, flip=True),
        lambda c, e, low=0.1, high=5.0, iters=30: float(gradient_energy(c).mean()),
    ]
    assert_checker_contract(checks.check_equivalent_blur, _bisect, bugs, capsys)


def test_prediction_l1_edge(capsys):
    assert_prediction_contract(checks.check_prediction_l1_edge, "step", ["ramp", "blur"], capsys)
