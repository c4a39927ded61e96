"""Chapter 10 checkers accept the reference solution and reject planted bugs with a hint."""

import pytest
import torch
from conftest import assert_checker_contract

from sisrlearn import checks


def _soft_encode(points, bins, neighbours=5, sigma=5.0):
    dist2 = torch.cdist(points, bins) ** 2
    near, idx = dist2.topk(neighbours, dim=1, largest=False)
    w = torch.exp(-near / (2 * sigma**2))
    return torch.zeros(len(points), len(bins), dtype=w.dtype).scatter(1, idx, w / w.sum(1, True))


def _soft_not_squared(points, bins, neighbours=5, sigma=5.0):
    dist = torch.cdist(points, bins)  # the distance, not its square
    near, idx = dist.topk(neighbours, dim=1, largest=False)
    w = torch.exp(-near / (2 * sigma**2))
    return torch.zeros(len(points), len(bins), dtype=w.dtype).scatter(1, idx, w / w.sum(1, True))


def _soft_all_bins(points, bins, neighbours=5, sigma=5.0):
    return _soft_encode(points, bins, len(bins), sigma)


def _soft_no_normalise(points, bins, neighbours=5, sigma=5.0):
    out = _soft_encode(points, bins, neighbours, sigma)
    return out * 2


def _weights(prior, lam=0.5):
    w = 1 / ((1 - lam) * prior + lam / len(prior))
    return w / (prior * w).sum()


def _weights_mean_one(prior, lam=0.5):
    w = 1 / ((1 - lam) * prior + lam / len(prior))
    return w / w.mean()


def _weights_swapped(prior, lam=0.5):
    return _weights(prior, 1 - lam) if lam != 0.5 else _weights(prior, 0.9)


def _annealed(probs, bins, temperature):
    return torch.softmax(torch.log(probs) / temperature, dim=1) @ bins


def _annealed_power_t(probs, bins, temperature):
    q = probs**temperature
    return (q / q.sum(1, keepdim=True)) @ bins


def _annealed_softmax_of_probs(probs, bins, temperature):
    return torch.softmax(probs / temperature, dim=1) @ bins


CASES = [
    (
        checks.check_soft_encode,
        _soft_encode,
        [_soft_not_squared, _soft_all_bins, _soft_no_normalise],
    ),
    (checks.check_rebalancing_weights, _weights, [_weights_mean_one, _weights_swapped]),
    (checks.check_annealed_mean, _annealed, [_annealed_power_t, _annealed_softmax_of_probs]),
]


@pytest.mark.parametrize("checker, solution, bugs", CASES, ids=[c[0].__name__ for c in CASES])
def test_checker_contract(checker, solution, bugs, capsys):
    assert_checker_contract(checker, solution, bugs, capsys)
