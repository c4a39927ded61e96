"""Chapter 04 checkers accept the reference solutions, reject planted bugs and teach in tiers."""

import pytest
import torch
import torch.nn.functional as F
from conftest import assert_checker_contract, assert_prediction_contract

from sisrlearn import checks
from sisrlearn.models.srcnn import SRCNN

pytestmark = pytest.mark.usefixtures("one_thread")


def _params(f1, f2, f3, n1, n2, channels=1):
    return n1 * (channels * f1 * f1 + 1) + n2 * (n1 * f2 * f2 + 1) + channels * (n2 * f3 * f3 + 1)


def _params_no_bias(f1, f2, f3, n1, n2, channels=1):
    return n1 * channels * f1 * f1 + n2 * n1 * f2 * f2 + channels * n2 * f3 * f3


def _params_grey_output(f1, f2, f3, n1, n2, channels=1):
    return n1 * (channels * f1 * f1 + 1) + n2 * (n1 * f2 * f2 + 1) + (n2 * f3 * f3 + 1)


def _groups(model, lr):
    first = list(model.conv1.parameters()) + list(model.conv2.parameters())
    return [{"params": first, "lr": lr}, {"params": model.conv3.parameters(), "lr": lr / 10}]


def _groups_weights_only(model, lr):
    first = [model.conv1.weight, model.conv2.weight]
    return [{"params": first, "lr": lr}, {"params": [model.conv3.weight], "lr": lr / 10}]


def _groups_same_rate(model, lr):
    return [{"params": model.parameters(), "lr": lr}]


def _conv1x1(x, weight, bias):
    return torch.einsum("oc,nchw->nohw", weight[:, :, 0, 0], x) + bias.view(1, -1, 1, 1)


def _conv1x1_no_bias(x, weight, bias):
    return torch.einsum("oc,nchw->nohw", weight[:, :, 0, 0], x)


def _conv1x1_transposed(x, weight, bias):
    w = weight[:, :, 0, 0]
    return torch.einsum("co,nchw->nohw", w.T.reshape(w.shape), x) + bias.view(1, -1, 1, 1)


def test_check_srcnn_parameters(capsys):
    assert _params(9, 1, 5, 64, 32) == 8129 and _params(9, 5, 5, 64, 32) == 57281  # the paper
    assert_checker_contract(
        checks.check_srcnn_parameters, _params, [_params_no_bias, _params_grey_output], capsys
    )


def test_check_paper_param_groups(capsys):
    assert_checker_contract(
        checks.check_paper_param_groups, _groups, [_groups_weights_only, _groups_same_rate], capsys
    )


def test_check_conv1x1_by_matmul(capsys):
    assert_checker_contract(
        checks.check_conv1x1_by_matmul, _conv1x1, [_conv1x1_no_bias, _conv1x1_transposed], capsys
    )


def test_prediction_border_band(capsys):
    torch.manual_seed(3)
    same = SRCNN(f2=5, padding="same").double()
    valid = SRCNN(f2=5, padding="valid").double()
    valid.load_state_dict(same.state_dict())
    x = torch.rand(1, 1, 32, 32, dtype=torch.float64)
    with torch.no_grad():
        diff = (same(x) - valid(F.pad(x, (8, 8, 8, 8), mode="replicate"))).abs()[0, 0]
    inner = diff[4:-4, 4:-4]
    # layers 2 and 3 of 9-5-5 reach (5 - 1) / 2 + (5 - 1) / 2 = 4 pixels into the padding
    assert inner.max() < 1e-9 and diff[3, 3:-3].max() > 1e-6
    assert_prediction_contract(checks.check_prediction_border_band, 4, [8, 0], capsys)
