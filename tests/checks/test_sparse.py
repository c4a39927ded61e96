"""Chapter 03 checkers accept the reference solutions and reject planted bugs."""

import torch
from conftest import assert_checker_contract

from sisrlearn import checks
from sisrlearn.sparse import ista


def _soft_threshold(x, theta):
    return torch.sign(x) * torch.clamp(x.abs() - theta, min=0)


def _soft_positive_only(x, theta):
    return torch.clamp(x - theta, min=0)


def _hard_threshold(x, theta):
    return x * (x.abs() > theta)


def _ista_step(z, y, d, lam):
    lip = torch.linalg.matrix_norm(d, ord=2) ** 2
    return _soft_threshold(z + d.T @ (y - d @ z) / lip, lam / lip)


def _ista_step_threshold_lam(z, y, d, lam):
    lip = torch.linalg.matrix_norm(d, ord=2) ** 2
    return _soft_threshold(z + d.T @ (y - d @ z) / lip, lam)


def _ista_step_frobenius(z, y, d, lam):
    lip = (d**2).sum()
    return _soft_threshold(z + d.T @ (y - d @ z) / lip, lam / lip)


def _sr_patch(feature, mean, lr_atoms, hr_atoms, lam):
    norm = feature.norm()
    z = ista(feature / norm, lr_atoms, lam=lam, num_iters=500, fista=True)
    return hr_atoms @ z * norm + mean


def _sr_patch_no_rescale(feature, mean, lr_atoms, hr_atoms, lam):
    norm = feature.norm()
    z = ista(feature / norm, lr_atoms, lam=lam, num_iters=500, fista=True)
    return hr_atoms @ z + mean


def _sr_patch_no_mean(feature, mean, lr_atoms, hr_atoms, lam):
    norm = feature.norm()
    z = ista(feature / norm, lr_atoms, lam=lam, num_iters=500, fista=True)
    return hr_atoms @ z * norm


def test_check_soft_threshold(capsys):
    assert_checker_contract(
        checks.check_soft_threshold, _soft_threshold, [_soft_positive_only, _hard_threshold], capsys
    )


def test_check_ista_step(capsys):
    assert_checker_contract(
        checks.check_ista_step, _ista_step, [_ista_step_threshold_lam, _ista_step_frobenius], capsys
    )


def test_check_sr_patch(capsys):
    assert_checker_contract(
        checks.check_sr_patch, _sr_patch, [_sr_patch_no_rescale, _sr_patch_no_mean], capsys
    )
