"""What every checker shares: ``run_cases``, strict mode and ``CheckFailed``."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import torch


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
