"""Exercise checkers: ``check_<name>(student_fn)`` runs small cases and says what failed.

A checker prints one line per failed case (the input, expected vs got, and a hint) or a
single line when everything passed, and returns True/False. With ``strict=True`` (or the
environment variable ``SISRLEARN_STRICT_CHECKS=1``, which ``make test`` sets when it runs
the solution notebooks) a failure also raises ``CheckFailed``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import torch

__all__ = ["CheckFailed", "check_psnr", "check_rgb_to_y", "check_cubic"]


class CheckFailed(AssertionError):
    """Raised by a checker in strict mode when the student's function is wrong."""


def _strict(strict: bool | None) -> bool:
    if strict is not None:
        return strict
    return os.environ.get("SISRLEARN_STRICT_CHECKS", "0") in {"1", "true", "yes"}


def _fmt(value) -> str:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return np.array2string(np.asarray(value, dtype=float), precision=4, threshold=8)
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def run_cases(
    name: str,
    student_fn: Callable,
    cases: list[tuple[str, tuple, object, str]],
    *,
    atol: float = 1e-4,
    strict: bool | None = None,
) -> bool:
    """Call ``student_fn(*args)`` for each ``(what, args, expected, hint)`` and report."""
    failures = []
    for what, args, expected, hint in cases:
        try:
            got = student_fn(*args)
        except NotImplementedError:
            failures.append(f"{what}: not implemented yet (replace the raise with your code)")
            break
        except Exception as err:  # noqa: BLE001 - we report any error to the student
            failures.append(f"{what}: raised {type(err).__name__}: {err}. Hint: {hint}")
            continue
        try:
            got_t = torch.as_tensor(got, dtype=torch.float64).cpu()
            ok = got_t.shape == torch.as_tensor(expected).shape and torch.allclose(
                got_t, torch.as_tensor(expected, dtype=torch.float64), atol=atol, rtol=0
            )
        except (TypeError, ValueError, RuntimeError):
            ok = False
        if not ok:
            failures.append(f"{what}: expected {_fmt(expected)}, got {_fmt(got)}. Hint: {hint}")
    if not failures:
        print(f"[ok] {name}: all {len(cases)} checks passed")
        return True
    print(f"[failed] {name}: {len(failures)} problem(s)")
    for line in failures:
        print("  - " + line)
    if _strict(strict):
        raise CheckFailed(f"{name}: " + failures[0])
    return False


def check_psnr(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 01: ``psnr(sr, hr)`` for tensors in [0, 1] (peak 1), in dB."""
    from skimage.metrics import peak_signal_noise_ratio

    gen = torch.Generator().manual_seed(1)
    hr = torch.rand(1, 16, 16, generator=gen, dtype=torch.float64)
    sr = (hr + 0.05 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    reference = peak_signal_noise_ratio(hr.numpy(), sr.numpy(), data_range=1.0)
    flat_hr = torch.zeros(1, 2, 2, dtype=torch.float64)
    cases = [
        ("sr = 0.1 everywhere, hr = 0 (MSE 0.01)", (flat_hr + 0.1, flat_hr), 20.0,
         "PSNR = 10 * log10(1 / MSE); MSE is the mean of the squared differences"),
        ("sr = 0.5, hr = 0 (MSE 0.25)", (flat_hr + 0.5, flat_hr), 10 * np.log10(4.0),
         "use log10, not the natural log, and square the differences"),
        ("noisy 16x16 image vs skimage", (sr, hr), reference,
         "average the squared error over every pixel and channel before the log"),
    ]  # fmt: skip
    return run_cases("check_psnr", student_fn, cases, atol=1e-3, strict=strict)


def check_rgb_to_y(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 01: ``rgb_to_y(img)`` (3, H, W) RGB in [0, 1] -> (1, H, W) Y/255 (BT.601)."""
    colours = torch.tensor([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.2, 0.5, 0.9]],
                           dtype=torch.float64)  # fmt: skip
    img = colours.T.reshape(3, 1, 4)
    expected = (16 + colours @ torch.tensor([65.481, 128.553, 24.966], dtype=torch.float64)) / 255
    cases = [
        ("black pixel", (img[:, :, :1],), torch.tensor([[[16 / 255]]]),
         "Y has an offset: 16/255 for black (studio swing)"),
        ("white pixel", (img[:, :, 1:2],), torch.tensor([[[235 / 255]]]),
         "white maps to 235/255: the weights 65.481, 128.553, 24.966 sum to 219"),
        ("four colours", (img,), expected.reshape(1, 1, 4),
         "BT.601: (16 + 65.481 R + 128.553 G + 24.966 B) / 255, shape (1, H, W)"),
    ]  # fmt: skip
    return run_cases("check_rgb_to_y", student_fn, cases, atol=1e-6, strict=strict)


def check_cubic(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 01: Keys' cubic kernel ``cubic(x)`` with a = -0.5, for a tensor of offsets."""
    from .resize import cubic

    x = torch.linspace(-2.5, 2.5, 21, dtype=torch.float64)
    cases = [
        ("cubic(0) and cubic(1)", (torch.tensor([0.0, 1.0], dtype=torch.float64),),
         torch.tensor([1.0, 0.0]), "the kernel interpolates: 1 at 0, 0 at every other integer"),
        ("cubic(0.5)", (torch.tensor([0.5], dtype=torch.float64),), torch.tensor([0.5625]),
         "use a = -0.5 (MATLAB); a = -0.75 (OpenCV) gives 0.59375"),
        ("cubic(1.5) (negative lobe)", (torch.tensor([1.5], dtype=torch.float64),),
         torch.tensor([-0.0625]), "for 1 < |x| <= 2: a|x|^3 - 5a|x|^2 + 8a|x| - 4a"),
        ("21 offsets from -2.5 to 2.5", (x,), cubic(x),
         "use |x| so the kernel is symmetric, and return 0 beyond |x| = 2"),
    ]  # fmt: skip
    return run_cases("check_cubic", student_fn, cases, atol=1e-6, strict=strict)
