"""Chapter 06 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import pytest
import torch
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks
from sisrlearn.models.drcn import DRCN

pytestmark = pytest.mark.usefixtures("one_thread")


def _supervision(preds, ensemble, target, alpha):
    per_recursion = ((preds - target[None]) ** 2).mean()
    return alpha * per_recursion + (1 - alpha) * ((ensemble - target) ** 2).mean()


def _supervision_swapped(preds, ensemble, target, alpha):
    return _supervision(preds, ensemble, target, 1 - alpha)


def _supervision_summed(preds, ensemble, target, alpha):
    per_recursion = ((preds - target[None]) ** 2).mean(dim=(1, 2, 3, 4)).sum()
    return alpha * per_recursion + (1 - alpha) * ((ensemble - target) ** 2).mean()


def _ensemble(preds, target):
    a = preds.reshape(preds.shape[0], -1).T
    return torch.linalg.solve(a.T @ a, a.T @ target.reshape(-1))


def _ensemble_normalised(preds, target):
    w = _ensemble(preds, target)
    return w / w.sum()


def _ensemble_uniform(preds, target):
    return torch.full((preds.shape[0],), 1 / preds.shape[0], dtype=preds.dtype)


def _tv(img, eps=1e-8):
    dx = img[..., :-1, 1:] - img[..., :-1, :-1]
    dy = img[..., 1:, :-1] - img[..., :-1, :-1]
    return torch.sqrt(dx**2 + dy**2 + eps).mean(dim=(1, 2, 3))


def _tv_anisotropic(img, eps=1e-8):
    dx = img[..., :-1, 1:] - img[..., :-1, :-1]
    dy = img[..., 1:, :-1] - img[..., :-1, :-1]
    return (dx.abs() + dy.abs()).mean(dim=(1, 2, 3))


def _tv_no_eps(img, eps=1e-8):
    return _tv(img, 0.0)


def test_check_recursive_supervision(capsys):
    assert_checker_contract(
        checks.check_recursive_supervision,
        _supervision,
        [_supervision_swapped, _supervision_summed],
        capsys,
    )


def test_recursive_supervision_matches_the_library():
    drcn = DRCN(recursions=3, num_features=8)
    x, y = torch.rand(1, 1, 12, 12), torch.rand(1, 1, 12, 12)
    with torch.no_grad():
        ensemble, preds = drcn.forward_all(x)
        assert torch.allclose(
            _supervision(preds, ensemble, y, 0.3), drcn.recursive_loss(x, y, alpha=0.3)
        )


def test_check_optimal_ensemble(capsys):
    assert_checker_contract(
        checks.check_optimal_ensemble, _ensemble, [_ensemble_normalised, _ensemble_uniform], capsys
    )


def test_check_tv_isotropic(capsys):
    assert_checker_contract(checks.check_tv_isotropic, _tv, [_tv_anisotropic, _tv_no_eps], capsys)


def test_prediction_outlier(capsys):
    # d(e^2)/de = 2e: the error-1 pixel weighs 100x an error-0.01 pixel; L1's sign(e) does not
    assert_prediction_contract(
        checks.check_prediction_outlier, "mse", ["l1", "charbonnier"], capsys
    )
