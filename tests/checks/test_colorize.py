"""Chapter 11 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import pytest
import torch
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks
from sisrlearn.colorize import ab_error_auc, annealed_mean

pytestmark = pytest.mark.usefixtures("one_thread")


def _annealed(logits, bins, t):
    return torch.softmax(logits / t, dim=1) @ bins


def _annealed_after_softmax(logits, bins, t):
    return torch.softmax(logits, dim=1) @ bins / t


def _annealed_times_t(logits, bins, t):
    return torch.softmax(logits * t, dim=1) @ bins


def _colourfulness(rgb):
    r, g, b = (255 * rgb.double()).unbind(0)
    rg, yb = (r - g).flatten(), (0.5 * (r + g) - b).flatten()
    spread = torch.sqrt(rg.var(unbiased=False) + yb.var(unbiased=False))
    return spread + 0.3 * torch.sqrt(rg.mean() ** 2 + yb.mean() ** 2)


def _colourfulness_unit_scale(rgb):
    return _colourfulness(rgb) / 255


def _colourfulness_unbiased(rgb):
    r, g, b = (255 * rgb.double()).unbind(0)
    rg, yb = (r - g).flatten(), (0.5 * (r + g) - b).flatten()
    spread = torch.sqrt(rg.var() + yb.var())
    return spread + 0.3 * torch.sqrt(rg.mean() ** 2 + yb.mean() ** 2)


def _auc(errors, weights=None, max_threshold=150):
    w = torch.ones_like(errors) if weights is None else weights
    t = torch.arange(max_threshold + 1, dtype=torch.float64)
    curve = ((errors[None] <= t[:, None]).double() * w[None]).sum(1) / w.sum()
    return float(torch.trapezoid(curve, t) / max_threshold)


def _auc_plain_mean(errors, weights=None, max_threshold=150):
    w = torch.ones_like(errors) if weights is None else weights
    t = torch.arange(max_threshold + 1, dtype=torch.float64)
    return float((((errors[None] <= t[:, None]).double() * w[None]).sum(1) / w.sum()).mean())


def _auc_unweighted(errors, weights=None, max_threshold=150):
    return _auc(errors, None, max_threshold)


def test_annealed_from_logits_equals_the_library_on_probabilities():
    bins = torch.randn(7, 2, dtype=torch.float64)
    logits = torch.randn(3, 7, dtype=torch.float64)
    probs = torch.softmax(logits, 1)[:, :, None, None]
    expected = annealed_mean(probs, bins, temperature=0.38)[:, :, 0, 0]
    assert torch.allclose(_annealed(logits, bins, 0.38), expected)


def test_auc_equals_the_library():
    errors = torch.tensor([0.0, 3.0, 10.0, 200.0], dtype=torch.float64)
    pred, true = (
        torch.zeros(2, 1, 4, dtype=torch.float64),
        torch.zeros(2, 1, 4, dtype=torch.float64),
    )
    true[0, 0] = errors
    assert abs(_auc(errors) - ab_error_auc(pred, true)) < 1e-12


def test_check_annealed_mean_logits(capsys):
    bugs = [_annealed_after_softmax, _annealed_times_t]
    assert_checker_contract(checks.check_annealed_mean_logits, _annealed, bugs, capsys)


def test_check_colourfulness(capsys):
    bugs = [_colourfulness_unit_scale, _colourfulness_unbiased]
    assert_checker_contract(checks.check_colourfulness, _colourfulness, bugs, capsys)


def test_check_ab_auc(capsys):
    bugs = [_auc_plain_mean, _auc_unweighted]
    assert_checker_contract(checks.check_ab_auc, _auc, bugs, capsys)


def test_prediction_three_colours(capsys):
    # tempered weights 0.4^(1/0.38), 0.35^(1/0.38), 0.25^(1/0.38), normalised
    w = torch.tensor([0.40, 0.35, 0.25], dtype=torch.float64) ** (1 / 0.38)
    w = w / w.sum()
    ab = w @ torch.tensor([[60.0, 40.0], [-50.0, 50.0], [10.0, -50.0]], dtype=torch.float64)
    assert ab.norm() < (ab - torch.tensor([60.0, 40.0], dtype=torch.float64)).norm()  # gray wins
    assert_prediction_contract(
        checks.check_prediction_three_colours, "gray", ["red", "blue"], capsys
    )
