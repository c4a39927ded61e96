"""Chapter 04 checkers accept the reference solutions and reject planted bugs."""

import torch
import torch.nn.functional as F
from conftest import assert_checker_contract
from torch import nn

from sisrlearn import checks
from sisrlearn.metrics import evaluate


class _SRCNN(nn.Module):
    def __init__(self, f1=9, f2=5, f3=5, n1=64, n2=32, relu_last=False, f2_fixed=None):
        super().__init__()
        self.conv1 = nn.Conv2d(1, n1, f1)
        self.conv2 = nn.Conv2d(n1, n2, f2_fixed or f2)
        self.conv3 = nn.Conv2d(n2, 1, f3)
        self.relu_last = relu_last

    def forward(self, x):
        x = self.conv3(F.relu(self.conv2(F.relu(self.conv1(x)))))
        return F.relu(x) if self.relu_last else x


class _SRCNNReluLast(_SRCNN):
    def __init__(self, **kw):
        super().__init__(relu_last=True, **kw)


class _SRCNNIgnoresF2(_SRCNN):
    def __init__(self, f2=5, **kw):
        super().__init__(f2_fixed=5, **kw)


def _train_step(model, optimizer, x, y):
    loss = F.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_no_zero_grad(model, optimizer, x, y):
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_l1(model, optimizer, x, y):
    loss = F.l1_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def _psnr_y(sr, hr, scale):
    return evaluate(sr, hr, scale)["psnr"]


def _psnr_y_no_shave(sr, hr, scale):
    a, b = (torch.round(t.clamp(0, 1) * 255) for t in (sr, hr))
    return 10 * torch.log10(255**2 / ((a - b) ** 2).mean())


def _psnr_y_no_round(sr, hr, scale):
    a, b = (t.clamp(0, 1)[..., scale:-scale, scale:-scale] * 255 for t in (sr, hr))
    return 10 * torch.log10(255**2 / ((a - b) ** 2).mean())


def test_check_srcnn(capsys):
    assert_checker_contract(checks.check_srcnn, _SRCNN, [_SRCNNReluLast, _SRCNNIgnoresF2], capsys)


def test_check_train_step(capsys):
    assert_checker_contract(
        checks.check_train_step, _train_step, [_step_no_zero_grad, _step_l1], capsys
    )


def test_check_psnr_y(capsys):
    assert_checker_contract(
        checks.check_psnr_y, _psnr_y, [_psnr_y_no_shave, _psnr_y_no_round], capsys
    )
