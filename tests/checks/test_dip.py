"""Chapter 09 checkers accept the reference solutions and reject planted bugs with a hint."""

import pytest
import torch
import torch.nn.functional as F
from conftest import assert_checker_contract

from sisrlearn import checks
from sisrlearn.resize import imresize


def _masked(output, observation, mask):
    return (((output - observation) * mask) ** 2).mean()


def _masked_known_mean(output, observation, mask):  # mean over the known pixels only
    m = mask.expand_as(output)
    return (((output - observation) * m) ** 2).sum() / m.sum()


def _masked_after_square(output, observation, mask):  # mask applied to the observation only
    return ((output - observation * mask) ** 2).mean()


def _sr_term(output, lr_img, scale):
    return ((imresize(output, 1 / scale) - lr_img) ** 2).mean()


def _sr_term_area(output, lr_img, scale):  # another downsampler
    return ((F.avg_pool2d(output, scale) - lr_img) ** 2).mean()


def _sr_term_upsampled(output, lr_img, scale):  # compares in HR space instead
    return ((output - imresize(lr_img, scale)) ** 2).mean()


def _sr_term_sum(output, lr_img, scale):
    return ((imresize(output, 1 / scale) - lr_img) ** 2).sum()


def _ema(average, value, beta):
    return value.clone() if average is None else beta * average + (1 - beta) * value


def _ema_from_zeros(average, value, beta):
    average = torch.zeros_like(value) if average is None else average
    return beta * average + (1 - beta) * value


def _ema_swapped(average, value, beta):
    return value.clone() if average is None else (1 - beta) * average + beta * value


CASES = [
    (checks.check_masked_loss, _masked, [_masked_known_mean, _masked_after_square]),
    (checks.check_sr_data_term, _sr_term, [_sr_term_area, _sr_term_upsampled, _sr_term_sum]),
    (checks.check_ema, _ema, [_ema_from_zeros, _ema_swapped]),
]


@pytest.mark.parametrize(
    ("checker", "solution", "bugs"), CASES, ids=lambda v: getattr(v, "__name__", "")
)
def test_checker_accepts_solution_and_rejects_bugs(checker, solution, bugs, capsys):
    assert_checker_contract(checker, solution, bugs, capsys)


def test_ema_that_forgets_its_average_is_caught_on_the_sequence(capsys):
    def ema_ignores_history(average, value, beta):  # right formula, but restarts every call
        return value.clone() if average is None else beta * value + (1 - beta) * value

    assert checks.check_ema(ema_ignores_history, strict=False) is False
    assert "expected" in capsys.readouterr().out
