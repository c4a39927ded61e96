"""Exercise 04 checkers: SRCNN, its training step, Y-channel PSNR."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import run_cases


def check_srcnn(student_cls: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 04: ``SRCNN(f1=9, f2=5, f3=5, n1=64, n2=32)``, valid convolutions, layers
    ``conv1``, ``conv2``, ``conv3`` (``nn.Conv2d``), ReLU after the first two."""
    from ..models.srcnn import SRCNN

    def probe(what: str):
        if what == "params-955":
            return sum(p.numel() for p in student_cls().parameters())
        if what == "params-915":
            return sum(p.numel() for p in student_cls(f2=1).parameters())
        model, reference = student_cls(), SRCNN(padding="valid")
        _reference_weights(reference)
        model.load_state_dict(reference.state_dict())
        x = torch.rand(1, 1, 33, 33, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            out = model(x)
        return out.shape[-1] if what == "shape" else out

    x = torch.rand(1, 1, 33, 33, generator=torch.Generator().manual_seed(1))
    reference = _reference_weights(SRCNN(padding="valid"))
    with torch.no_grad():
        expected = reference(x)
    cases = [
        (
            "parameters of 9-5-5 (n1=64, n2=32)",
            ("params-955",),
            57_281,
            "conv1: 1->n1 f1 x f1, conv2: n1->n2 f2 x f2, conv3: n2->1 f3 x f3, all with bias",
        ),
        ("parameters of 9-1-5", ("params-915",), 8_129, "pass f2 on to conv2's kernel size"),
        (
            "output side for a 33x33 input",
            ("shape",),
            17,
            "valid convolutions: no padding, 33 - 8 - 4 - 4 = 17",
        ),
        (
            "output with the reference weights",
            ("forward",),
            expected,
            "ReLU after conv1 and conv2, none after conv3",
        ),
    ]
    return run_cases("check_srcnn", probe, cases, atol=1e-5, strict=strict)


def _reference_weights(model: torch.nn.Module) -> torch.nn.Module:
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.1 * torch.randn(p.shape, generator=gen))
        model.conv3.bias.fill_(-0.2)  # some outputs negative: a ReLU after conv3 shows
    return model


def check_train_step(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 04: ``train_step(model, optimizer, x, y) -> float``: one MSE step, the loss
    before the update returned."""
    from torch import nn

    def run(fn, steps: int, lr: float):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 1, 3))
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        x = torch.rand(4, 1, 9, 9, generator=torch.Generator().manual_seed(2))
        y = torch.rand(4, 1, 5, 5, generator=torch.Generator().manual_seed(3))
        losses = [float(fn(model, opt, x, y)) for _ in range(steps)]
        with torch.no_grad():
            checksum = float(sum(p.sum() for p in model.parameters()))
        return torch.tensor([*losses, checksum])

    def reference(model, opt, x, y):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    cases = [
        (
            "one step: the loss and the updated weights",
            (1, 0.1),
            run(reference, 1, 0.1),
            "loss = mse(model(x), y); zero_grad, backward, step; return loss.item()",
        ),
        (
            "three steps in a row",
            (3, 0.1),
            run(reference, 3, 0.1),
            "call optimizer.zero_grad() every step, or the gradients add up",
        ),
    ]
    return run_cases(
        "check_train_step", lambda n, lr: run(student_fn, n, lr), cases, atol=1e-5, strict=strict
    )


def check_psnr_y(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 04: ``psnr_y(sr_y, hr_y, scale)``: the SRCNN/VDSR test protocol on Y images
    (1, H, W) in [0, 1]: clip and round to 8 bits, shave ``scale`` pixels, PSNR peak 255."""
    from ..metrics import evaluate

    gen = torch.Generator().manual_seed(4)
    hr = torch.rand(1, 24, 24, generator=gen, dtype=torch.float64)
    sr = hr + 0.03 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)
    border = sr.clone()
    border[:, :, :2] = 1.0  # a large error in the 2-pixel border: shaved at scale 2
    cases = [
        (
            "noisy 24x24, scale 3",
            (sr, hr, 3),
            evaluate(sr, hr, 3)["psnr"],
            "round(clip(img, 0, 1) * 255) for both, then shave scale pixels from every side",
        ),
        (
            "a large error in the border, scale 2",
            (border, hr, 2),
            evaluate(border, hr, 2)["psnr"],
            "shave scale pixels from EVERY border",
        ),
        (
            "values above 1 (clip them first)",
            (sr + 0.2, hr, 4),
            evaluate(sr + 0.2, hr, 4)["psnr"],
            "clip to [0, 1] before rounding, as saving an 8-bit image does",
        ),
    ]
    return run_cases("check_psnr_y", student_fn, cases, atol=1e-3, strict=strict)
