"""Chapter 03 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import math

import pytest
import torch
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks

pytestmark = pytest.mark.usefixtures("one_thread")


def _shrink(a, theta):
    return torch.sign(a) * torch.clamp(a.abs() - theta, min=0)


def _fista(y, d, lam, num_iters, momentum=True, threshold_lam=False):
    lip = torch.linalg.matrix_norm(d, ord=2) ** 2
    z = v = torch.zeros(d.shape[1], dtype=y.dtype)
    t = 1.0
    for _ in range(num_iters):
        z_next = _shrink(v + d.T @ (y - d @ v) / lip, lam if threshold_lam else lam / lip)
        t_next = (1 + math.sqrt(1 + 4 * t * t)) / 2
        v = z_next + ((t - 1) / t_next) * (z_next - z) if momentum else z_next
        z, t = z_next, t_next
    return z


def _fista_wrong_momentum(y, d, lam, num_iters):
    lip = torch.linalg.matrix_norm(d, ord=2) ** 2
    z = v = torch.zeros(d.shape[1], dtype=y.dtype)
    t = 1.0
    for _ in range(num_iters):
        z_next = _shrink(v + d.T @ (y - d @ v) / lip, lam / lip)
        t_next = (1 + math.sqrt(1 + 4 * t * t)) / 2
        v = z_next + (t / t_next) * (z_next - z)
        z, t = z_next, t_next
    return z


def _prox(a, theta, gamma):
    return _shrink(a, theta) / (1 + gamma)


def _prox_shrink_after(a, theta, gamma):
    return _shrink(a / (1 + gamma), theta)


def _prox_ignores_gamma(a, theta, gamma):
    return _shrink(a, theta)


def _power(d, num_iters=200, square=True, normalise=True):
    v = torch.ones(d.shape[1], dtype=d.dtype)
    for _ in range(num_iters):
        v = d.T @ (d @ v)
        v = v / v.norm()
    value = (d @ v).norm()
    return float(value**2 if square else value)


def test_check_fista(capsys):
    bugs = [
        lambda y, d, lam, n: _fista(y, d, lam, n, momentum=False),
        _fista_wrong_momentum,
        lambda y, d, lam, n: _fista(y, d, lam, n, threshold_lam=True),
    ]
    assert_checker_contract(checks.check_fista, _fista, bugs, capsys)


def test_check_prox_elastic_net(capsys):
    assert_checker_contract(
        checks.check_prox_elastic_net, _prox, [_prox_shrink_after, _prox_ignores_gamma], capsys
    )


def test_check_lipschitz_power(capsys):
    bugs = [
        lambda d, n=200: _power(d, n, square=False),
        lambda d, n=200: float((d**2).sum()),
    ]
    assert_checker_contract(checks.check_lipschitz_power, _power, bugs, capsys)


def test_prediction_empty_code(capsys):
    # the Lasso's optimality condition: z = 0 iff max |D^T y| <= lam (Tibshirani 1996)
    assert_prediction_contract(checks.check_prediction_empty_code, 0, [1, 3], capsys)
