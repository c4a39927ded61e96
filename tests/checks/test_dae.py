"""Chapter 06 checkers accept the reference solution and reject planted bugs with a hint."""

import pytest
import torch
from conftest import assert_checker_contract

from sisrlearn import checks, dae


def _mmse(candidates, probs):
    shape = (-1,) + (1,) * (candidates.dim() - 1)
    return (probs.view(shape).to(candidates) * candidates).sum(0)


def _mmse_unweighted(candidates, probs):
    return candidates.mean(0)


def _mmse_median(candidates, probs):
    return candidates.median(0).values


def _grad_dx_only(img):
    return (img[..., :, 1:] - img[..., :, :-1]).pow(2).flatten(1).sum(1) / img[0].numel()


def _grad_abs(img):
    dx = (img[..., :, 1:] - img[..., :, :-1]).abs().flatten(1).sum(1)
    dy = (img[..., 1:, :] - img[..., :-1, :]).abs().flatten(1).sum(1)
    return (dx + dy) / img[0].numel()


def _hf(img, cutoff):
    return dae.high_frequency_energy(img, cutoff=cutoff)


def _hf_no_mean_removed(img, cutoff):
    power = torch.fft.fft2(img).abs() ** 2
    f = torch.sqrt(
        torch.fft.fftfreq(img.shape[-2]).view(-1, 1) ** 2 + torch.fft.fftfreq(img.shape[-1]) ** 2
    )
    return (power * (f > cutoff)).flatten(1).sum(1) / power.flatten(1).sum(1)


def _hf_low_share(img, cutoff):
    return 1 - dae.high_frequency_energy(img, cutoff=cutoff)


CASES = [
    (checks.check_mmse_prediction, _mmse, [_mmse_unweighted, _mmse_median]),
    (checks.check_gradient_energy, dae.gradient_energy, [_grad_dx_only, _grad_abs]),
    (checks.check_high_frequency_energy, _hf, [_hf_no_mean_removed, _hf_low_share]),
]


@pytest.mark.parametrize("checker, solution, bugs", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_checker_accepts_solution_and_rejects_bugs(checker, solution, bugs, capsys):
    assert_checker_contract(checker, solution, bugs, capsys)
