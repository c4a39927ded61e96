"""Chapter 06 checkers: DRCN's recursive supervision and its best ensemble weights, the
isotropic total variation, and the prediction of which loss an outlier dominates."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import check_prediction, run_cases


def _stack(seed: int, d: int = 4, shape=(2, 1, 6, 6)):
    gen = torch.Generator().manual_seed(seed)
    target = torch.rand(shape, generator=gen, dtype=torch.float64)
    preds = target + 0.1 * torch.randn((d, *shape), generator=gen, dtype=torch.float64)
    ensemble = preds.mean(dim=0) + 0.01
    return preds, ensemble, target


def check_recursive_supervision(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``recursive_supervision(preds, ensemble, target, alpha)``: DRCN's loss
    ``alpha * mean_d MSE(preds[d], target) + (1 - alpha) * MSE(ensemble, target)`` with
    ``preds`` (D, N, C, H, W)."""

    def reference(preds, ensemble, target, alpha):
        per_d = torch.stack([((p - target) ** 2).mean() for p in preds]).mean()
        return alpha * per_d + (1 - alpha) * ((ensemble - target) ** 2).mean()

    preds, ensemble, target = _stack(1)
    preds8, ensemble8, target8 = _stack(2, d=8, shape=(1, 1, 5, 7))
    cases = [
        (f"D = 4, alpha = {a}", (preds, ensemble, target, a), reference(preds, ensemble, target, a))
        for a in (1.0, 0.0, 0.3)
    ] + [
        (
            "D = 8, alpha = 0.5",
            (preds8, ensemble8, target8, 0.5),
            reference(preds8, ensemble8, target8, 0.5),
        )
    ]
    hints = (
        "Two MSE terms mixed by alpha: one over the recursions' own predictions, one over the "
        "ensemble. At alpha = 1 only the recursions count (the start of training).",
        "Average the per-recursion MSEs (do not add them: the loss must not grow with D), "
        "weight that average by alpha and the ensemble's MSE by 1 - alpha.",
    )
    return run_cases(
        "check_recursive_supervision",
        student_fn,
        cases,
        hints=hints,
        atol=1e-10,
        strict=strict,
        hint=hint,
    )


def check_optimal_ensemble(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``optimal_ensemble(preds, target)``: the weights w (D,) minimising
    ``||sum_d w_d preds[d] - target||^2`` (least squares, no constraint on w)."""

    def reference(preds, target):
        a = preds.reshape(preds.shape[0], -1).T
        return torch.linalg.lstsq(a, target.reshape(-1, 1)).solution[:, 0]

    preds, _, target = _stack(3)
    gen = torch.Generator().manual_seed(4)
    scaled = torch.stack(
        [
            0.5 * target,
            2.0 * target + 0.05 * torch.randn(target.shape, generator=gen, dtype=torch.float64),
        ]
    )
    one = target[None] * 0.8
    cases = [
        ("4 noisy recursions", (preds, target), reference(preds, target)),
        (
            "one prediction 0.8 * target (w = 1.25)",
            (one, target),
            torch.tensor([1.25], dtype=torch.float64),
        ),
        (
            "0.5 target and a noisy 2 target (the weights need not sum to 1)",
            (scaled, target),
            reference(scaled, target),
        ),
    ]
    hints = (
        "Flatten every prediction into a column: the ensemble is a matrix (pixels x D) times "
        "w, a linear least-squares problem in w.",
        "torch.linalg.lstsq(A, b) with A of shape (pixels, D) and b = target as a column; "
        "do not normalise the weights to sum to 1, the best ones need not.",
    )
    return run_cases(
        "check_optimal_ensemble",
        student_fn,
        cases,
        hints=hints,
        atol=1e-8,
        strict=strict,
        hint=hint,
    )


def check_tv_isotropic(
    student_fn: Callable, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """``tv_isotropic(img, eps=1e-8)``: for a batch (N, C, H, W), one value per image: the mean
    over C, H - 1, W - 1 of ``sqrt(dx^2 + dy^2 + eps)``, with forward differences taken at the
    same pixel: ``dx = x[..., :-1, 1:] - x[..., :-1, :-1]`` and
    ``dy = x[..., 1:, :-1] - x[..., :-1, :-1]``."""

    def reference(img, eps=1e-8):
        dx = img[..., :-1, 1:] - img[..., :-1, :-1]
        dy = img[..., 1:, :-1] - img[..., :-1, :-1]
        return torch.sqrt(dx**2 + dy**2 + eps).flatten(1).mean(dim=1)

    gen = torch.Generator().manual_seed(7)
    noise = torch.rand(2, 3, 6, 5, generator=gen, dtype=torch.float64)
    ramp = torch.arange(16.0, dtype=torch.float64).reshape(1, 1, 4, 4) / 10
    flat = torch.full((1, 1, 4, 4), 0.3, dtype=torch.float64)
    cases = [
        ("a flat image, eps = 0.01 (sqrt(eps) everywhere)", (flat, 0.01), reference(flat, 0.01)),
        ("a diagonal ramp (dx = 0.1, dy = 0.4)", (ramp, 1e-8), reference(ramp)),
        ("2 random 3-channel 6 x 5 images", (noise, 1e-8), reference(noise)),
    ]
    hints = (
        "Isotropic means the two differences at a pixel are combined into one gradient "
        "length, sqrt(dx^2 + dy^2), instead of adding |dx| and |dy|.",
        "Crop both differences to the same (H - 1) x (W - 1) grid as the docstring shows, "
        "keep eps inside the square root, and average over channels and pixels per image.",
    )
    return run_cases(
        "check_tv_isotropic", student_fn, cases, hints=hints, atol=1e-10, strict=strict, hint=hint
    )


def _outlier_shares() -> dict[str, float]:
    from ..losses import LOSSES

    hr = torch.zeros(1, 1, 10, 10, dtype=torch.float64)
    sr = torch.full_like(hr, 0.01)
    sr[0, 0, 5, 5] = 1.0  # one outlier among 99 small errors
    shares = {}
    for name in ("l1", "mse", "charbonnier"):
        x = sr.clone().requires_grad_()
        (grad,) = torch.autograd.grad(LOSSES[name](x, hr), x)
        shares[name] = float(grad.abs()[0, 0, 5, 5] / grad.abs().sum())
    return shares


def check_prediction_outlier(
    predicted: str, *, strict: bool | None = None, hint: bool = False
) -> bool:
    """One pixel with error 1 among 99 pixels with error 0.01: for which loss (``"l1"``,
    ``"mse"``, ``"charbonnier"``) does the outlier get the largest share of the gradient?"""
    shares = _outlier_shares()
    measured = max(shares, key=shares.get)
    detail = (
        "Measured share of |gradient| on the outlier: "
        + ", ".join(f"{k} {v:.1%}" for k, v in shares.items())
        + ". The MSE's gradient is proportional to the error, so the one large error outweighs "
        "the 99 small ones; L1's gradient is the sign of the error, the same size for every "
        "pixel, and Charbonnier (eps = 1e-3) behaves like L1 for errors much larger than eps. "
        "That is why L1-type losses are robust to outliers (and why EDSR trains with L1)."
    )
    hints = (
        "Write the derivative of each loss with respect to one pixel's error e: "
        "d e^2 / de, d |e| / de, d sqrt(e^2 + eps^2) / de. Which one grows with e?",
        "The MSE's derivative is 2e (100 times larger for e = 1 than for e = 0.01); L1's is "
        "sign(e), equal for all pixels; Charbonnier's is e / sqrt(e^2 + eps^2), near sign(e) "
        "when e >> eps.",
    )
    return check_prediction(
        "check_prediction_outlier",
        predicted,
        measured,
        choices=tuple(shares),
        detail=detail,
        hints=hints,
        strict=strict,
        hint=hint,
    )
