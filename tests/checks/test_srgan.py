"""Chapter 08 checkers accept the reference solution and reject planted bugs with a hint."""

import pytest
import torch
import torch.nn.functional as F
from conftest import assert_checker_contract

from sisrlearn import checks
from sisrlearn.models.srgan import SRGANDiscriminator


def _shapes_from_model(input_size, num_features=64):
    d = SRGANDiscriminator(num_features=num_features, input_size=96)
    x, out = torch.zeros(1, 3, input_size, input_size), []
    with torch.no_grad():
        for layer in d.features:
            x = layer(x)
            if isinstance(layer, torch.nn.Conv2d):
                out.append((x.shape[1], x.shape[-1]))
    return out


def _shapes_stride_first(input_size, num_features=64):
    side, out = input_size, []
    for i in range(8):
        side = (side - 1) // 2 + 1 if i % 2 == 0 else side
        out.append((num_features * 2 ** (i // 2), side))
    return out


def _shapes_floor(input_size, num_features=64):
    side, out = input_size, []
    for i in range(8):
        side = side // 2 if i % 2 else side
        out.append((num_features * 2 ** (i // 2), side))
    return out


def _perceptual(features, sr, hr):
    return F.mse_loss(features(sr) / 12.75, features(hr) / 12.75)


def _perceptual_unscaled(features, sr, hr):
    return F.mse_loss(features(sr), features(hr))


def _perceptual_pixels(features, sr, hr):
    return F.mse_loss(sr / 12.75, hr / 12.75)


def _g_loss(sr, hr, logits):
    return F.mse_loss(sr, hr) + 1e-3 * F.softplus(-logits).mean()


def _g_loss_saturating(sr, hr, logits):
    return F.mse_loss(sr, hr) - 1e-3 * F.softplus(logits).mean()


def _g_loss_weight(sr, hr, logits):
    return F.mse_loss(sr, hr) + 1e-2 * F.softplus(-logits).mean()


CASES = [
    (checks.check_discriminator_shapes, _shapes_from_model, [_shapes_stride_first, _shapes_floor]),
    (checks.check_perceptual_loss, _perceptual, [_perceptual_unscaled, _perceptual_pixels]),
    (checks.check_srgan_generator_loss, _g_loss, [_g_loss_saturating, _g_loss_weight]),
]


@pytest.mark.parametrize("checker, solution, bugs", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_checker_accepts_solution_and_rejects_bugs(checker, solution, bugs, capsys):
    assert_checker_contract(checker, solution, bugs, capsys)
