"""Chapter 10 checkers: a total-variation-regularised DIP objective, the discrepancy principle
for early stopping, a bias-corrected moving average, and the prediction of what a mismatched
downsampler costs."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import check_prediction, run_cases


def _tv(img: torch.Tensor) -> torch.Tensor:
    dy = (img[..., 1:, :] - img[..., :-1, :]).abs().flatten(1).mean(1)
    dx = (img[..., :, 1:] - img[..., :, :-1]).abs().flatten(1).mean(1)
    return (dy + dx).mean()


def check_dip_tv_loss(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``dip_tv_loss(output, observation, mask, weight)``: the inpainting data term
    ``mean(((output - observation) * mask)^2)`` plus ``weight`` times the anisotropic total
    variation of the output, ``mean |dy| + mean |dx|`` per image, averaged over the batch."""
    gen = torch.Generator().manual_seed(20)
    out = torch.rand(2, 3, 8, 8, generator=gen, dtype=torch.float64)
    obs = torch.rand(2, 3, 8, 8, generator=gen, dtype=torch.float64)
    mask = (torch.rand(2, 1, 8, 8, generator=gen) > 0.3).double()

    def reference(o, x, m, w):
        return (((o - x) * m) ** 2).mean() + w * _tv(o)

    flat = torch.full((1, 3, 8, 8), 0.4, dtype=torch.float64)
    cases = [
        (
            "weight 0: the lecture's masked MSE",
            (out, obs, mask, 0.0),
            reference(out, obs, mask, 0.0),
        ),
        (
            "a flat output equal to the observation, weight 1 (loss 0)",
            (flat, flat, mask[:1], 1.0),
            0.0,
        ),
        (
            "a flat output, random observation, weight 0.5",
            (flat.expand(2, 3, 8, 8), obs, mask, 0.5),
            reference(flat.expand(2, 3, 8, 8), obs, mask, 0.5),
        ),
        (
            "random output and observation, weight 0.1",
            (out, obs, mask, 0.1),
            reference(out, obs, mask, 0.1),
        ),
    ]
    hints = (
        "Two parts: the data term compares the output with the observation where the mask is "
        "1; the prior term looks at the output alone and measures how much it varies.",
        "The TV term uses the output's own differences between neighbours (not the "
        "observation's, not the residual's), rows and columns, absolute values, averaged; "
        "the observation under the holes must not matter.",
    )
    return run_cases(
        "check_dip_tv_loss", student_fn, cases, hints=hints, atol=1e-10, strict=strict, hint=hint
    )


def check_discrepancy_stop(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``discrepancy_stop(losses, sigma)``: the first index i with ``losses[i] <= sigma^2``
    (the fit to the noisy image is as close as the noise allows), or None if there is none."""
    falling = [0.05, 0.02, 0.01, 0.004, 0.0015, 0.0008, 0.0005]
    noisy = [0.05, 0.01, 0.0009, 0.0012, 0.0008, 0.0004]
    cases = [
        ("a falling loss, sigma = 0.05 (sigma^2 = 0.0025)", (falling, 0.05), 4),
        ("a falling loss, sigma = 0.1", (falling, 0.1), 2),
        ("a loss that dips below, goes up, and dips again, sigma = 0.03", (noisy, 0.03), 2),
        ("a loss that never gets there, sigma = 0.01", (falling, 0.01), None),
    ]
    hints = (
        "A fit to a noisy image cannot be better than the noise itself: its mean squared "
        "error to the noisy image should not go below the noise's variance. Stop at the "
        "first iteration that reaches it.",
        "Compare with sigma squared (the MSE is a squared quantity), return the *first* "
        "index where the loss is at or below it, and None when no index qualifies.",
    )
    return run_cases(
        "check_discrepancy_stop", student_fn, cases, hints=hints, strict=strict, hint=hint
    )


def check_ema_debiased(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``ema_debiased(values, beta)``: for a list of T tensors, the (T, ...) stack of the
    moving averages started at 0, ``a_t = beta a_{t-1} + (1 - beta) x_t``, each divided by
    ``1 - beta^t`` (t from 1)."""
    gen = torch.Generator().manual_seed(21)
    seq = [torch.rand(2, 3, generator=gen, dtype=torch.float64) for _ in range(6)]
    const = [torch.full((2,), 0.7, dtype=torch.float64) for _ in range(5)]

    def reference(values, beta):
        out, avg = [], torch.zeros_like(values[0])
        for t, x in enumerate(values, start=1):
            avg = beta * avg + (1 - beta) * x
            out.append(avg / (1 - beta**t))
        return torch.stack(out)

    cases = [
        (
            "a constant sequence 0.7, beta 0.99 (debiased: 0.7 throughout)",
            (const, 0.99),
            torch.full((5, 2), 0.7, dtype=torch.float64),
        ),
        ("6 random 2 x 3 tensors, beta 0.9", (seq, 0.9), reference(seq, 0.9)),
        ("6 random 2 x 3 tensors, beta 0.5", (seq, 0.5), reference(seq, 0.5)),
    ]
    hints = (
        "An average started at 0 is pulled towards 0 at first; after t steps the weights of "
        "the values add up to 1 - beta^t, not 1. Divide by that sum.",
        "Keep the raw average a (from zeros_like), update it for every value, and store "
        "a / (1 - beta ** t) with t counted from 1 (the first value must come out unchanged).",
    )
    return run_cases(
        "check_ema_debiased", student_fn, cases, hints=hints, atol=1e-12, strict=strict, hint=hint
    )


def _mismatch_terms() -> dict[str, float]:
    from ..images import sample
    from ..resize import imresize

    hr = sample("astronaut")[None, :, 64:192, 128:256].double()
    lr = imresize(hr, 1 / 4)  # made with MATLAB bicubic, as the benchmarks
    return {
        kernel: float(((imresize(hr, 1 / 4, kernel=kernel) - lr) ** 2).mean())
        for kernel in ("cubic", "lanczos2")
    }


def check_prediction_mismatch(
    predicted: str, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """The LR image was made with bicubic; the DIP data term uses a Lanczos-2 downsampler.
    Evaluated at the true HR image, is that data term ``"zero"`` or ``"positive"``?"""
    terms = _mismatch_terms()
    measured = "positive" if terms["lanczos2"] > 1e3 * max(terms["cubic"], 1e-30) else "zero"
    detail = (
        f"Measured at the true HR image: data term {terms['cubic']:.1e} with the bicubic "
        f"downsampler, {terms['lanczos2']:.1e} with Lanczos-2. With the wrong degradation "
        "the ground truth does not explain the observation, so the minimum of the data term "
        "lies at some other image, and DIP is pulled towards it however long it runs. Lanczos-2 "
        "and bicubic are close, so the error here is small; a wrong blur or a wrong scale "
        "costs far more. The data term must model how the LR image was made."
    )
    hints = (
        "The data term is zero exactly for the HR images whose downsampled version is the "
        "observation. Is the true HR image one of them when the two downsamplers differ?",
        "Lanczos-2 and bicubic weigh the neighbouring pixels differently (different kernels), "
        "so the two downsampled images differ slightly, and the squared difference is > 0.",
    )
    return check_prediction(
        "check_prediction_mismatch",
        predicted,
        measured,
        choices=("zero", "positive"),
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
