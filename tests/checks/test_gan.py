"""Chapter 08 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import pytest
import torch
import torch.nn.functional as F
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks
from sisrlearn.gan import GANLoss

pytestmark = pytest.mark.usefixtures("one_thread")


def _lsgan(real, fake, a=-1.0, b=1.0, c=0.0):
    d = 0.5 * ((real - b) ** 2).mean() + 0.5 * ((fake - a) ** 2).mean()
    return d, 0.5 * ((fake - c) ** 2).mean()


def _lsgan_swapped(real, fake, a=-1.0, b=1.0, c=0.0):
    return _lsgan(real, fake, b, a, c)


def _lsgan_generator_uses_b(real, fake, a=-1.0, b=1.0, c=0.0):
    return _lsgan(real, fake, a, b, b)


def _energy(real, fake, m):
    return real.mean() + F.relu(m - fake).mean()


def _energy_two_sided(real, fake, m):
    return F.relu(m - real).mean() + F.relu(m + fake).mean()


def _energy_margin_on_real(real, fake, m):
    return F.relu(m + real).mean() + F.relu(m - fake).mean()


def _d_star(p_data, p_g, a, b):
    total = p_data + p_g
    safe = torch.where(total > 0, total, torch.ones_like(total))
    return torch.where(
        total > 0, (b * p_data + a * p_g) / safe, torch.full_like(total, (a + b) / 2)
    )


def _d_star_gan(p_data, p_g, a, b):
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp_min(1e-300), torch.full_like(total, 0.5))


def _d_star_swapped(p_data, p_g, a, b):
    return _d_star(p_data, p_g, b, a)


def test_lsgan_with_the_lecture_coding_matches_the_library():
    real, fake = torch.randn(8), torch.randn(8)
    d, g = _lsgan(real, fake, 0.0, 1.0, 1.0)
    assert torch.allclose(d, GANLoss("lsgan").discriminator(real, fake))
    assert torch.allclose(g, GANLoss("lsgan").generator(fake))


def test_check_lsgan_losses(capsys):
    bugs = [_lsgan_swapped, _lsgan_generator_uses_b]
    assert_checker_contract(checks.check_lsgan_losses, _lsgan, bugs, capsys)


def test_check_energy_hinge(capsys):
    bugs = [_energy_two_sided, _energy_margin_on_real]
    assert_checker_contract(checks.check_energy_hinge, _energy, bugs, capsys)


def test_check_lsgan_optimal_discriminator(capsys):
    bugs = [_d_star_gan, _d_star_swapped]
    assert_checker_contract(checks.check_lsgan_optimal_discriminator, _d_star, bugs, capsys)


def test_prediction_hinge_gradient(capsys):
    # d/dl max(0, 1 - l) = 0 for l > 1; the cross-entropy's -(1 - sigmoid(3)) = -0.047
    wrongs = [-0.0474, -1.0]
    assert_prediction_contract(checks.check_prediction_hinge_gradient, 0.0, wrongs, capsys)
