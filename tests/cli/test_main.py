"""``sisrlearn``: one program, help on every flag, ``--version``, one-line errors."""

import argparse

import pytest

from sisrlearn.cli import build_parser, main


def _subparsers(parser):
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action.choices


def _all_parsers():
    top = build_parser()
    found = {"sisrlearn": top}
    for name, sub in _subparsers(top).items():
        found[f"sisrlearn {name}"] = sub
        nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        for action in nested:
            for inner, parser in action.choices.items():
                found[f"sisrlearn {name} {inner}"] = parser
    return found


def test_every_sub_command_is_reachable_and_every_flag_has_help():
    parsers = _all_parsers()
    expected = {
        "bench",
        "upscale",
        "train",
        "srgan",
        "dictionary",
        "colorize",
        "speed",
        "data",
        "exercises",
        "doctor",
    }
    assert expected <= {name.split()[1] for name in parsers if name != "sisrlearn"}
    for name, parser in parsers.items():
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
            assert "``" not in action.help, f"{name} {action.dest}: RST markup in --help"
            takes_value = action.nargs != 0 and action.option_strings
            if takes_value and action.default not in (None, argparse.SUPPRESS):
                assert "default" in action.help, f"{name} {action.dest}: default not shown"


def test_version_and_unknown_names(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.startswith("sisrlearn ")
    with pytest.raises(SystemExit) as stop:
        main(["fly"])
    assert stop.value.code == 2 and "invalid choice: 'fly'" in capsys.readouterr().err


def test_a_critic_or_a_prior_is_not_trained_by_train(capsys):
    assert main(["train", "srgan_discriminator", "--scale", "4"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "srgan trains it" in err and "srcnn" in err


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(ValueError, match="method"):
        main(
            [
                "--debug",
                "upscale",
                "x.png",
                str(tmp_path / "o.png"),
                "--scale",
                "2",
                "--method",
                "magic",
            ]
        )
