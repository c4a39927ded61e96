"""The arguments of every ``sisrlearn`` sub-command (the handlers live in ``cli``)."""

from __future__ import annotations

import argparse

__all__ = ["build_parser"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _add_bench(sub, handler) -> None:
    """The ``sisrlearn bench`` arguments."""
    p = sub.add_parser("bench", help="score SR methods on image folders (Y channel)")
    p.add_argument("--data", nargs="+", required=True, metavar="DIR", help="image folders")
    p.add_argument("--methods", nargs="+", default=["bicubic"], metavar="NAME")
    p.add_argument("--scales", nargs="+", type=_positive_int, default=[2, 3, 4], metavar="S")
    p.add_argument("--protocol", choices=["matlab", "rgb"], default="matlab")
    p.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    p.add_argument("--markdown", metavar="FILE",
                   help="put the table between the '<!-- sisrlearn bench: start/end -->' lines "
                        "of FILE (e.g. README.md), keeping the rest")  # fmt: skip
    p.add_argument("--steps", type=_positive_int, metavar="N",
                   help="iterations per image of the iterative method dip (default: the "
                        "paper's 2000)")  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=handler)


def _add_speed(sub, handler) -> None:
    """The ``sisrlearn speed`` arguments."""
    p = sub.add_parser("speed", help="parameters, ms per image and PSNR of every SR model")
    p.add_argument(
        "--data",
        metavar="DIR",
        help="HR images to time and score on (e.g. Set5; default: a bundled crop)",
    )
    p.add_argument("--models", nargs="+", metavar="NAME", help="architectures (default: all)")
    p.add_argument("--scale", type=_positive_int, default=3,
                   help="scale of the architectures with no shipped weights")  # fmt: skip
    p.add_argument("--side", type=_positive_int, default=255,
                   help="side of the bundled crop when --data is not given")  # fmt: skip
    p.add_argument("--repeats", type=_positive_int, default=3, help="timed runs per image")
    p.add_argument("--markdown", metavar="FILE",
                   help="put the table between the '<!-- sisrlearn speed: start/end -->' lines "
                        "of FILE (e.g. README.md), keeping the rest")  # fmt: skip
    p.set_defaults(func=handler)


def _add_upscale(sub, handler) -> None:
    """The ``sisrlearn upscale`` arguments."""
    p = sub.add_parser("upscale", help="enlarge one image file")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument("--scale", type=_positive_int, required=True)
    p.add_argument(
        "--method",
        default="bicubic",
        help="bicubic, nearest, bilinear, lanczos or a shipped model (srcnn_x3)",
    )
    p.add_argument(
        "--tile",
        type=_positive_int,
        metavar="N",
        help="process N x N LR tiles (large images in bounded memory)",
    )
    p.add_argument(
        "--overlap",
        type=int,
        default=16,
        metavar="N",
        help="LR pixels of context around each tile (default 16)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.set_defaults(func=handler)


def _add_run_options(p, *, every: int) -> None:
    """What every resumable training command takes: data, output, validation, checkpoints."""
    p.add_argument("--data", metavar="DIR", help="HR training images (default: bundled ones)")
    p.add_argument("--out", metavar="FILE.pt", help="state_dict; FILE.json gets the record")
    p.add_argument("--val", metavar="DIR", help="HR images scored every --eval-every steps")
    p.add_argument("--eval-every", type=_positive_int, default=every, metavar="N")
    p.add_argument("--checkpoint-every", type=_positive_int, default=every, metavar="N")
    p.add_argument("--no-augment", action="store_true", help="no flips/rotations")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue from FILE.ckpt")
    p.add_argument("--overwrite", action="store_true", help="replace FILE.pt/FILE.json")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--bf16",
        action="store_true",
        help="CPU: train under bfloat16 autocast, about 3x faster on CPUs with AMX "
        "(sisrlearn doctor says); CUDA always uses it",
    )


def _add_train(sub, handler) -> None:
    """The ``sisrlearn train`` arguments."""
    p = sub.add_parser("train", help="train a model with its recipe (resumable)")
    p.add_argument("model", metavar="MODEL", help="a registered model, e.g. srcnn")
    p.add_argument("--scale", type=_positive_int, required=True)
    p.add_argument("--steps", type=_positive_int, help="total steps (default: the recipe's)")
    _add_run_options(p, every=1000)
    p.add_argument("--optimizer", choices=["adam", "sgd"], help="default: the recipe's")
    p.add_argument("--lr", type=float, help="learning rate (default: the recipe's)")
    p.add_argument("--batch-size", type=_positive_int)
    p.add_argument(
        "--patch-size",
        type=_positive_int,
        metavar="N",
        help="training sub-image side on the input's grid (default: the recipe's)",
    )
    p.add_argument(
        "--model-arg",
        action="append",
        metavar="KEY=VALUE",
        help="constructor argument, e.g. f2=1 (repeatable)",
    )
    p.add_argument("--half", action="store_true", help="store float16 weights")
    p.set_defaults(func=handler)


def _add_srgan(sub, handler) -> None:
    """The ``sisrlearn srgan`` arguments."""
    p = sub.add_parser("srgan", help="fine-tune a trained SRResNet as SRGAN (adversarial)")
    p.add_argument(
        "--generator",
        required=True,
        metavar="NAME|FILE.pt",
        help="a shipped model (srresnet_x4) or a FILE.pt from `sisrlearn train`",
    )
    p.add_argument("--steps", type=_positive_int, required=True, help="SRGAN steps in all")
    _add_run_options(p, every=500)
    p.add_argument(
        "--crop",
        type=_positive_int,
        default=96,
        help="HR crop side, the discriminator's input (96; a multiple of 16)",
    )
    p.add_argument("--batch-size", type=_positive_int, default=16)
    p.add_argument("--lr", type=float, default=1e-4, help="Adam's, both networks (1e-4)")
    p.add_argument(
        "--adversarial-weight",
        type=float,
        default=1e-3,
        metavar="W",
        help="weight of -log D(G(LR)) beside the content loss (1e-3)",
    )
    p.add_argument(
        "--content",
        choices=["mse", "vgg54"],
        default="mse",
        help="pixel MSE (SRGAN-MSE) or VGG19 phi_5,4 features (needs --vgg)",
    )
    p.add_argument(
        "--vgg",
        metavar="FILE",
        help="a torchvision VGG19 state_dict (default: env SISRLEARN_VGG19)",
    )
    p.add_argument(
        "--disc-features",
        type=_positive_int,
        default=64,
        metavar="F",
        help="the discriminator's first width (64)",
    )
    p.set_defaults(func=handler)


def _add_colorize(sub, handler) -> None:
    """The ``sisrlearn colorize`` arguments."""
    p = sub.add_parser("colorize", help="colorize one image file (colour input: L only)")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument(
        "--model",
        default="colornet",
        metavar="NAME",
        help="a shipped colorization model (colornet, colornet_reg) or a FILE.pt with its .json",
    )
    p.add_argument("--temperature", type=float, default=0.38, help="annealed mean T (0.38)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.set_defaults(func=handler)


def _add_exercises(sub, handler) -> None:
    """The ``sisrlearn exercises`` arguments."""
    p = sub.add_parser("exercises", help="generate student notebooks from solution notebooks")
    p.add_argument("--solutions", default="exercises/solutions", metavar="DIR")
    p.add_argument("--out", default="exercises", metavar="DIR")
    p.add_argument("--check", action="store_true", help="only report notebooks out of date")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace existing student notebooks (a student's edits are lost)",
    )
    p.set_defaults(func=handler)


def _add_doctor(sub, handler) -> None:
    """The ``sisrlearn doctor`` arguments."""
    p = sub.add_parser("doctor", help="device, versions, fast mode, data and weights")
    p.set_defaults(func=handler)


def build_parser(handlers: dict, description: str) -> argparse.ArgumentParser:
    """The ``sisrlearn`` parser; ``handlers[name](args)`` runs sub-command ``name``."""
    parser = argparse.ArgumentParser(prog="sisrlearn", description=description)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, add in (("bench", _add_bench), ("speed", _add_speed), ("upscale", _add_upscale),
                      ("train", _add_train), ("srgan", _add_srgan), ("colorize", _add_colorize),
                      ("exercises", _add_exercises), ("doctor", _add_doctor)):  # fmt: skip
        add(sub, handlers[name])
    return parser
