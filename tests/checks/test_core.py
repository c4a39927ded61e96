"""The checkers' shared machinery: tiered hints counted per checker, hints on request,
predictions, strict mode."""

import pytest

from sisrlearn.checks import CheckFailed, check_prediction, failures, reset_hints, run_cases

HINTS = ("general: think about the sign", "specific: the sign of the second term is wrong")
CASES = [("x = 2", (2,), 4), ("x = -3", (-3,), 9)]


def _square(x):
    return x * x


def _wrong(x):
    return 2 * x


def _check(fn, **kwargs):
    return run_cases("check_square", fn, CASES, hints=HINTS, strict=False, **kwargs)


def test_hints_come_in_tiers_counted_per_checker(capsys):
    assert _check(_wrong) is False
    first = capsys.readouterr().out
    assert "[failed] check_square: 1 of 2 examples wrong" in first
    assert "x = 2:" not in first and "x = -3: expected 9, got -6" in first
    assert "Hint 1 of 2: general" in first and "hint=True" in first
    assert _check(_wrong) is False
    assert "Hint 2 of 2: specific" in capsys.readouterr().out
    _check(_wrong)  # the last tier stays the last
    assert "Hint 2 of 2: specific" in capsys.readouterr().out
    assert failures("check_square") == 3
    run_cases("check_other", _wrong, CASES, hints=HINTS, strict=False)
    assert "Hint 1 of 2" in capsys.readouterr().out  # another checker starts at tier 1
    reset_hints("check_square")
    _check(_wrong)
    assert "Hint 1 of 2" in capsys.readouterr().out


def test_a_hint_on_request_and_none_when_right(capsys):
    _check(_wrong, hint=True)
    assert "Hint 2 of 2: specific" in capsys.readouterr().out
    assert _check(_square) is True
    out = capsys.readouterr().out
    assert "[ok] check_square: all 2 examples pass" in out and "Hint" not in out


def test_not_implemented_is_not_a_failed_attempt(capsys):
    def stub(x):
        raise NotImplementedError

    assert _check(stub) is False
    out = capsys.readouterr().out
    assert "not implemented yet" in out and "Hint" not in out and failures("check_square") == 0
    _check(stub, hint=True)
    assert "Hint 1 of 2: general" in capsys.readouterr().out


def test_errors_are_reported_with_the_example():
    def broken(x):
        raise ZeroDivisionError("oops")

    with pytest.raises(CheckFailed, match="raised ZeroDivisionError: oops"):
        run_cases("check_square", broken, CASES, hints=HINTS, strict=True)


def test_predictions_compare_and_explain(capsys):
    kwargs = {"choices": ("up", "down"), "detail": "Measured: down.", "hints": HINTS}
    assert check_prediction("check_p", "down", "down", strict=False, **kwargs) is True
    assert "[ok] check_p: you predicted 'down'. Measured: down." in capsys.readouterr().out
    assert check_prediction("check_p", "up", "down", strict=False, **kwargs) is False
    out = capsys.readouterr().out
    assert "expected 'down'" in out and "Measured: down." in out and "Hint 1 of 2" in out
    assert check_prediction("check_p", "sideways", "down", strict=False, **kwargs) is False
    assert "expected one of ['up', 'down']" in capsys.readouterr().out
    number = {"detail": "", "hints": HINTS, "strict": False}
    assert check_prediction("check_n", 3.05, 3.0, tolerance=0.1, **number) is True
    assert check_prediction("check_n", 3.5, 3.0, tolerance=0.1, **number) is False
    assert check_prediction("check_n", "three", 3.0, tolerance=0.1, **number) is False
    assert "expected a number" in capsys.readouterr().out


def test_a_checker_needs_two_hints():
    with pytest.raises(ValueError, match="at least two"):
        run_cases("check_square", _square, CASES, hints=("only one",))


def test_strict_from_the_environment(monkeypatch):
    monkeypatch.setenv("SISRLEARN_STRICT_CHECKS", "1")
    with pytest.raises(CheckFailed, match="check_square: x = -3"):
        run_cases("check_square", _wrong, CASES, hints=HINTS)
