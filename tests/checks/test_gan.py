"""Chapter 07 checkers accept the reference solution and reject planted bugs with a hint."""

import pytest
import torch
import torch.nn.functional as F
from conftest import assert_checker_contract

from sisrlearn import checks, gan


def _d_star_swapped(p_data, p_g):
    return p_g / (p_data + p_g)


def _d_star_nan_at_zero(p_data, p_g):
    return p_data / (p_data + p_g)


def _ns_loss(fake_logits):
    return gan.GANLoss("nonsaturating").generator(fake_logits)


def _ns_saturating(fake_logits):
    return gan.GANLoss("minimax").generator(fake_logits)


def _ns_unstable(fake_logits):
    return -torch.log(torch.sigmoid(fake_logits.float())).mean()


def _ns_sum(fake_logits):
    return F.softplus(-fake_logits).sum()


def _hinge(real, fake, margin):
    return gan.GANLoss("hinge", margin=margin).discriminator(real, fake)


def _hinge_no_margin(real, fake, margin):
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def _hinge_no_relu(real, fake, margin):
    return (margin - real).mean() + (margin + fake).mean()


CASES = [
    (
        checks.check_optimal_discriminator,
        gan.optimal_discriminator,
        [_d_star_swapped, _d_star_nan_at_zero],
    ),
    (checks.check_nonsaturating_loss, _ns_loss, [_ns_saturating, _ns_unstable, _ns_sum]),
    (checks.check_hinge_loss, _hinge, [_hinge_no_margin, _hinge_no_relu]),
]


@pytest.mark.parametrize("checker, solution, bugs", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_checker_accepts_solution_and_rejects_bugs(checker, solution, bugs, capsys):
    assert_checker_contract(checker, solution, bugs, capsys)


def test_unstable_loss_hint_names_softplus(capsys):
    checks.check_nonsaturating_loss(_ns_unstable, strict=False)
    assert "softplus" in capsys.readouterr().out
