"""Chapter 05 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import pytest
import torch
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks

pytestmark = pytest.mark.usefixtures("one_thread")


def _unshuffle(x, r):
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // r, r, w // r, r)
    return x.permute(0, 1, 3, 5, 2, 4).reshape(n, c * r * r, h // r, w // r)


def _unshuffle_swapped(x, r):
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // r, r, w // r, r)
    return x.permute(0, 1, 5, 3, 2, 4).reshape(n, c * r * r, h // r, w // r)


def _unshuffle_no_permute(x, r):
    n, c, h, w = x.shape
    return x.reshape(n, c * r * r, h // r, w // r)


def _overlaps(k, r):
    one_d = torch.tensor([sum(1 for u in range(k) if u % r == p) for p in range(r)])
    return torch.outer(one_d, one_d)


def _overlaps_floor(k, r):
    return torch.full((r, r), (k // r) ** 2)


def _overlaps_sum(k, r):
    one_d = torch.tensor([sum(1 for u in range(k) if u % r == p) for p in range(r)])
    return one_d[:, None] + one_d[None, :]


def _icnr(base, r):
    return base.repeat_interleave(r * r, dim=0)


def _icnr_tiled(base, r):
    return base.repeat(r * r, 1, 1, 1)


def _icnr_first_only(base, r):
    return base[:1].repeat(base.shape[0] * r * r, 1, 1, 1)


def test_check_pixel_unshuffle(capsys):
    assert_checker_contract(
        checks.check_pixel_unshuffle,
        _unshuffle,
        [_unshuffle_swapped, _unshuffle_no_permute],
        capsys,
    )


def test_check_deconv_overlaps(capsys):
    assert _overlaps(3, 2).tolist() == [[4, 2], [2, 1]]  # the lecture's 1, 2 or 4 taps
    assert_checker_contract(
        checks.check_deconv_overlaps, _overlaps, [_overlaps_floor, _overlaps_sum], capsys
    )


def test_check_icnr_weight(capsys):
    assert_checker_contract(
        checks.check_icnr_weight, _icnr, [_icnr_tiled, _icnr_first_only], capsys
    )


def test_icnr_weight_makes_a_flat_image_flat():
    base = torch.randn(3, 3, 3, 3)
    conv = torch.nn.Conv2d(3, 12, 3, padding=1, padding_mode="replicate", bias=False)
    with torch.no_grad():
        conv.weight.copy_(_icnr(base, 2))
        out = torch.nn.functional.pixel_shuffle(conv(torch.full((1, 3, 6, 6), 0.5)), 2)
    assert torch.allclose(out, out[..., :1, :1].expand_as(out), atol=1e-6)


def test_prediction_flat_deconv(capsys):
    # 4 is a multiple of the stride 2: every output pixel gets 2 x 2 taps (Odena et al. 2016)
    assert_prediction_contract(
        checks.check_prediction_flat_deconv, "flat", ["checkerboard", "stripes"], capsys
    )
