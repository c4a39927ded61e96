"""Chapter 05 checkers accept the reference solutions and reject planted bugs."""

import torch
import torch.nn.functional as F
from conftest import assert_checker_contract
from torch import nn

from sisrlearn import checks
from sisrlearn.models.espcn import pixel_shuffle


def _shuffle_wrong_order(x, scale):
    n, c, h, w = x.shape
    c //= scale * scale
    x = x.reshape(n, c, scale, scale, h, w).permute(0, 1, 4, 3, 5, 2)  # a and b swapped
    return x.reshape(n, c, h * scale, w * scale)


def _shuffle_plain_reshape(x, scale):
    n, c, h, w = x.shape
    return x.reshape(n, c // (scale * scale), h * scale, w * scale)


class _Block(nn.Module):
    def __init__(self, num_features, res_scale=1.0, *, relu_after=False, scale_x=False):
        super().__init__()
        self.conv1 = nn.Conv2d(num_features, num_features, 3, padding=1)
        self.conv2 = nn.Conv2d(num_features, num_features, 3, padding=1)
        self.res_scale, self.relu_after, self.scale_x = res_scale, relu_after, scale_x

    def forward(self, x):
        r = self.conv2(F.relu(self.conv1(x)))
        out = self.res_scale * (x + r) if self.scale_x else x + self.res_scale * r
        return F.relu(out) if self.relu_after else out


class _BlockReluAfter(_Block):
    def __init__(self, num_features, res_scale=1.0):
        super().__init__(num_features, res_scale, relu_after=True)


class _BlockScalesX(_Block):
    def __init__(self, num_features, res_scale=1.0):
        super().__init__(num_features, res_scale, scale_x=True)


def _ensemble(h, x, conv, reconstruct, weights):
    out = 0
    for w in weights:
        h = F.relu(conv(h))
        out = out + w * (reconstruct(h) + x)
    return out


def _ensemble_no_skip(h, x, conv, reconstruct, weights):
    out = 0
    for w in weights:
        h = F.relu(conv(h))
        out = out + w * reconstruct(h)
    return out


def _ensemble_last_only(h, x, conv, reconstruct, weights):
    for _ in weights:
        h = F.relu(conv(h))
    return reconstruct(h) + x


def test_check_pixel_shuffle(capsys):
    assert_checker_contract(
        checks.check_pixel_shuffle,
        pixel_shuffle,
        [_shuffle_wrong_order, _shuffle_plain_reshape],
        capsys,
    )
    assert checks.check_pixel_shuffle(torch.pixel_shuffle, strict=True)


def test_check_residual_block(capsys):
    assert_checker_contract(
        checks.check_residual_block, _Block, [_BlockReluAfter, _BlockScalesX], capsys
    )


def test_check_recursive_ensemble(capsys):
    assert_checker_contract(
        checks.check_recursive_ensemble,
        _ensemble,
        [_ensemble_no_skip, _ensemble_last_only],
        capsys,
    )
