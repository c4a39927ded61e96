"""Chapter 09 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks

pytestmark = pytest.mark.usefixtures("one_thread")


def _ragan(real, fake):
    rel_real, rel_fake = real - fake.mean(), fake - real.mean()
    d = F.softplus(-rel_real).mean() + F.softplus(rel_fake).mean()
    g = F.softplus(rel_real).mean() + F.softplus(-rel_fake).mean()
    return d, g


def _ragan_not_relative(real, fake):
    d = F.softplus(-real).mean() + F.softplus(fake).mean()
    return d, F.softplus(-fake).mean()


def _ragan_generator_fake_only(real, fake):
    d, _ = _ragan(real, fake)
    return d, F.softplus(-(fake - real.mean())).mean()


def _gram(x):
    flat = x.flatten(2)
    return flat @ flat.transpose(1, 2) / flat[0].numel()


def _gram_unnormalised(x):
    flat = x.flatten(2)
    return flat @ flat.transpose(1, 2)


def _gram_positions(x):
    flat = x.flatten(2)
    return flat.transpose(1, 2) @ flat / flat[0].numel()


def _norms(sr, hr, critic, weight):
    x = sr.clone().requires_grad_()
    (content,) = torch.autograd.grad(F.mse_loss(x, hr), x)
    x = sr.clone().requires_grad_()
    (adversarial,) = torch.autograd.grad(weight * F.softplus(-critic(x)).mean(), x)
    return float(content.norm()), float(adversarial.norm())


def _norms_of_losses(sr, hr, critic, weight):
    with torch.no_grad():
        return float(F.mse_loss(sr, hr)), float(weight * F.softplus(-critic(sr)).mean())


def _norms_no_weight(sr, hr, critic, weight):
    return _norms(sr, hr, critic, 1.0)


def test_ragan_of_equal_scores_is_two_log_two():
    d, g = _ragan(torch.zeros(3, 1), torch.zeros(5, 1))
    assert math.isclose(float(d), 2 * math.log(2), rel_tol=1e-6)
    assert math.isclose(float(g), 2 * math.log(2), rel_tol=1e-6)


def test_check_relativistic_losses(capsys):
    bugs = [_ragan_not_relative, _ragan_generator_fake_only]
    assert_checker_contract(checks.check_relativistic_losses, _ragan, bugs, capsys)


def test_check_gram_matrix(capsys):
    bugs = [_gram_unnormalised, _gram_positions]
    assert_checker_contract(checks.check_gram_matrix, _gram, bugs, capsys)


def test_check_gradient_norms(capsys):
    bugs = [_norms_of_losses, _norms_no_weight]
    assert_checker_contract(checks.check_gradient_norms, _norms, bugs, capsys)


def test_prediction_shuffled_gram(capsys):
    # a Gram matrix of raw pixels sums over positions: invariant to any permutation of them
    x = torch.rand(1, 3, 5, 5, dtype=torch.float64)
    shuffled = x.flatten(2)[:, :, torch.randperm(25)].reshape(x.shape)
    assert torch.allclose(_gram(shuffled), _gram(x))
    assert_prediction_contract(
        checks.check_prediction_shuffled_gram, "zero", ["small", "large"], capsys
    )
