"""Exercise 09 checkers: the masked loss, the SR data term, the moving average of outputs."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import run_cases


def check_masked_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 09: ``masked_loss(output, observation, mask)`` = ``mean(((output - x0) * m)^2)``
    over all pixels (the DIP inpainting data term; pixels with m = 0 do not count)."""
    from ..dip import masked_mse

    gen = torch.Generator().manual_seed(9)
    out = torch.rand(1, 3, 6, 5, generator=gen, dtype=torch.float64)
    obs = torch.rand(1, 3, 6, 5, generator=gen, dtype=torch.float64)
    mask = (torch.rand(1, 1, 6, 5, generator=gen) > 0.4).double()
    holes = obs.clone()
    holes[(mask == 0).expand_as(obs)] = 7.0  # whatever sits in the holes must not matter
    cases = [
        (
            "mask of ones: the plain MSE",
            (out, obs, torch.ones_like(mask)),
            masked_mse(out, obs, torch.ones_like(mask)),
            "with every pixel known this is ((output - observation) ** 2).mean()",
        ),
        (
            "a random mask (1 = known)",
            (out, obs, mask),
            masked_mse(out, obs, mask),
            "multiply the DIFFERENCE by the mask before squaring, then take the mean over ALL "
            "pixels (the paper's loss; not the mean over the known ones)",
        ),
        (
            "garbage (7.0) in the holes of the observation",
            (out, holes, mask),
            masked_mse(out, obs, mask),
            "the holes must not count: (output - observation) * mask is 0 there whatever "
            "the observation holds",
        ),
    ]
    return run_cases("check_masked_loss", student_fn, cases, atol=1e-9, strict=strict)


def check_sr_data_term(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 09: ``sr_data_term(output, lr_img, scale)`` = ``mean((d(output) - lr_img)^2)``
    with ``d`` the MATLAB bicubic downsampler ``imresize(output, 1 / scale)``."""
    from ..dip import sr_data_term

    gen = torch.Generator().manual_seed(19)
    hr = torch.rand(1, 1, 12, 12, generator=gen, dtype=torch.float64)
    lr3 = torch.rand(1, 1, 4, 4, generator=gen, dtype=torch.float64)
    lr2 = torch.rand(1, 3, 6, 6, generator=gen, dtype=torch.float64)
    hr2 = torch.rand(1, 3, 12, 12, generator=gen, dtype=torch.float64)
    cases = [
        (
            "a 12x12 output against a 4x4 observation, x3",
            (hr, lr3, 3),
            sr_data_term(hr, lr3, 3),
            "downsample the OUTPUT to the observation's size with imresize(output, 1 / scale) "
            "(MATLAB bicubic, the benchmark's own degradation), then take the MSE",
        ),
        (
            "colour, x2",
            (hr2, lr2, 2),
            sr_data_term(hr2, lr2, 2),
            "use the scale argument; the mean is over every value of the low-resolution image",
        ),
        (
            "an output that explains the observation exactly",
            (hr, _down(hr, 3), 3),
            torch.tensor(0.0, dtype=torch.float64),
            "when the observation is imresize(output, 1/3) the data term is 0; other "
            "downsamplers (F.interpolate, avg_pool2d) do not give 0 here",
        ),
    ]
    return run_cases("check_sr_data_term", student_fn, cases, atol=1e-8, strict=strict)


def _down(img: torch.Tensor, scale: int) -> torch.Tensor:
    from ..resize import imresize

    return imresize(img, 1 / scale)


def check_ema(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 09: ``ema_update(average, value, beta)``: ``value`` when ``average`` is None,
    else ``beta * average + (1 - beta) * value``."""
    gen = torch.Generator().manual_seed(29)
    values = [torch.rand(2, 3, generator=gen, dtype=torch.float64) for _ in range(3)]

    def run_three(update):
        def fn(beta):
            average = None
            for value in values:
                average = update(average, value, beta)
            return average

        return fn

    def reference(beta):
        average = values[0]
        for value in values[1:]:
            average = beta * average + (1 - beta) * value
        return average

    cases = [
        (
            "the first update (average is None)",
            (None, values[0], 0.99),
            values[0],
            "with no average yet, start from the value itself (not from zeros: that biases "
            "the average towards black)",
        ),
        (
            "one update, beta = 0.9",
            (values[0], values[1], 0.9),
            0.9 * values[0] + 0.1 * values[1],
            "beta weighs the OLD average: beta * average + (1 - beta) * value",
        ),
    ]
    ok = run_cases("check_ema", student_fn, cases, atol=1e-9, strict=strict)
    if not ok:
        return False
    sequence = [
        (
            "three updates, beta = 0.99",
            (0.99,),
            reference(0.99),
            "each update uses the average returned by the previous one",
        ),
        (
            "three updates, beta = 0 (no averaging: the last value)",
            (0.0,),
            values[-1],
            "beta = 0 must give the latest value",
        ),
    ]
    return run_cases(
        "check_ema (a sequence)", run_three(student_fn), sequence, atol=1e-9, strict=strict
    )
