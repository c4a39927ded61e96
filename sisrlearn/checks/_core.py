"""What every checker shares: running cases, tiered hints, predictions, strict mode.

A checker prints ``[ok]`` or, for each failed case, the input, the expected and the actual
value. Hints come in tiers and never give the solution: after a first failed attempt the
checker prints its first (general) hint, after repeated failures a more specific one. The
failures are counted per checker for the life of the kernel; ``hint=True`` asks for the next
hint at once. With ``strict=True`` (or ``SISRLEARN_STRICT_CHECKS=1``, which ``make test`` sets
when it runs the solution notebooks) a failure also raises :class:`CheckFailed`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
import torch

__all__ = ["CheckFailed", "check_prediction", "failures", "reset_hints", "run_cases"]

# checker name -> failed attempts in this kernel
_FAILURES: dict[str, int] = {}


class CheckFailed(AssertionError):
    """Raised by a checker in strict mode when the student's answer is wrong."""


def reset_hints(name: str | None = None) -> None:
    """Forget the failed attempts of one checker (``name``) or of all of them."""
    if name is None:
        _FAILURES.clear()
    else:
        _FAILURES.pop(name, None)


def failures(name: str) -> int:
    """Failed attempts of the checker ``name`` so far in this kernel."""
    return _FAILURES.get(name, 0)


def _strict(strict: bool | None) -> bool:
    if strict is not None:
        return strict
    return os.environ.get("SISRLEARN_STRICT_CHECKS", "0") in {"1", "true", "yes"}


def _fmt(value) -> str:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if (
        isinstance(value, (tuple, list))
        and value
        and isinstance(value[0], (torch.Tensor, np.ndarray))
    ):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if isinstance(value, np.ndarray):
        return np.array2string(np.asarray(value, dtype=float), precision=4, threshold=8)
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def _check_hints(name: str, hints: Sequence[str]) -> None:
    if len(hints) < 2 or not all(isinstance(h, str) and h for h in hints):
        raise ValueError(f"{name}: hints must be at least two non-empty strings, got {hints!r}")


def _show_hint(name: str, hints: Sequence[str], tier: int) -> None:
    """Print hint ``tier`` (1-based, capped at the last) and how to ask for the next one."""
    tier = min(max(tier, 1), len(hints))
    print(f"Hint {tier} of {len(hints)}: {hints[tier - 1]}")
    if tier < len(hints):
        print(f"  (fix and run the check again, or pass hint=True to {name} for the next hint)")


def _finish(name: str, ok: bool, hints: Sequence[str], hint: bool, message: str, strict):
    """Count a failure, show the hint of the right tier, raise in strict mode."""
    if ok:
        if hint:
            _show_hint(name, hints, failures(name) + 1)
        return True
    _FAILURES[name] = failures(name) + 1
    _show_hint(name, hints, failures(name) + int(hint))
    if _strict(strict):
        raise CheckFailed(f"{name}: {message}")
    return False


def _as_array(value) -> np.ndarray:
    """A float64 array of a number, a tensor, an array, or a tuple/list of them (stacked)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    if isinstance(value, (tuple, list)) and value and not isinstance(value[0], (int, float)):
        return np.stack([_as_array(v) for v in value])
    return np.asarray(value, dtype=np.float64)


def _close(got, expected, atol: float, rtol: float) -> bool:
    if isinstance(expected, (str, bool)) or expected is None:
        return got == expected
    if isinstance(expected, (tuple, list)) and any(isinstance(e, str) for e in expected):
        return list(got) == list(expected) if isinstance(got, (tuple, list)) else False
    got_t, exp_t = torch.from_numpy(_as_array(got)), torch.from_numpy(_as_array(expected))
    return got_t.shape == exp_t.shape and torch.allclose(
        got_t, exp_t, atol=atol, rtol=rtol, equal_nan=True
    )


def run_cases(
    name: str,
    student_fn: Callable,
    cases: Sequence[tuple[str, tuple, object]],
    *,
    hints: Sequence[str],
    atol: float = 1e-4,
    rtol: float = 0.0,
    strict: bool | None = None,
    hint: bool = False,
) -> bool:
    """Call ``student_fn(*args)`` for each ``(what, args, expected)`` and report.

    Args:
        name: the checker's name (the key of its failure count).
        cases: small examples; ``what`` says in words what the example is.
        hints: two or more hints, from general to specific; none gives the solution.
        atol, rtol: tolerances for numbers and tensors (strings and lists of strings must
            be equal).
        hint: show the next hint now (as if this attempt had failed once more).

    Returns:
        True when every case passes.
    """
    _check_hints(name, hints)
    problems = []
    for what, args, expected in cases:
        try:
            got = student_fn(*args)
        except NotImplementedError:
            print(f"[not done] {name}: not implemented yet (replace the raise with your code)")
            if hint:
                _show_hint(name, hints, failures(name) + 1)
            if _strict(strict):
                raise CheckFailed(f"{name}: not implemented yet") from None
            return False
        except Exception as err:  # noqa: BLE001 - we report any error to the student
            problems.append(
                f"{what}: expected {_fmt(expected)}, raised {type(err).__name__}: {err}"
            )
            continue
        try:
            ok = _close(got, expected, atol, rtol)
        except (TypeError, ValueError, RuntimeError):
            ok = False
        if not ok:
            problems.append(f"{what}: expected {_fmt(expected)}, got {_fmt(got)}")
    if problems:
        print(f"[failed] {name}: {len(problems)} of {len(cases)} examples wrong")
        for line in problems:
            print("  - " + line)
    else:
        print(f"[ok] {name}: all {len(cases)} examples pass")
    return _finish(name, not problems, hints, hint, problems[0] if problems else "", strict)


def check_prediction(
    name: str,
    predicted: object,
    measured: object,
    *,
    hints: Sequence[str],
    choices: Sequence[str] | None = None,
    tolerance: float | None = None,
    detail: str = "",
    strict: bool | None = None,
    hint: bool = False,
) -> bool:
    """Compare a prediction, stated before the experiment, with the measured result.

    Args:
        predicted: the student's choice (one of ``choices``) or number.
        measured: the right choice, or the measured number (within ``tolerance``).
        detail: the measurement in words, printed either way.
        hints: explanations from general to specific; shown after a wrong prediction.
    """
    _check_hints(name, hints)
    if choices is not None:
        ok = isinstance(predicted, str) and predicted.strip().lower() == str(measured).lower()
        if isinstance(predicted, str) and predicted.strip().lower() not in [
            c.lower() for c in choices
        ]:
            message = f"expected one of {list(choices)}, got {predicted!r}"
        else:
            message = f"you predicted {predicted!r}, expected {measured!r}"
    else:
        if tolerance is None:
            raise ValueError(f"{name}: a numeric prediction needs a tolerance")
        try:
            ok = abs(float(predicted) - float(measured)) <= tolerance
            message = (
                f"you predicted {float(predicted):.4g}, expected {float(measured):.4g} "
                f"(within {tolerance:g})"
            )
        except (TypeError, ValueError):
            ok, message = False, f"expected a number, got {predicted!r}"
    if ok:
        print(f"[ok] {name}: you predicted {predicted!r}. {detail}".rstrip())
    else:
        print(f"[failed] {name}: {message}. {detail}".rstrip())
    return _finish(name, ok, hints, hint, message, strict)
