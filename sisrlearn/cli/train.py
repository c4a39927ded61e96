"""``sisrlearn train``: train an SR or colorization network with its recipe (resumable)."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

from ..models import MODELS, models_of_kind
from ..runs import train_color_model, train_recipe
from ..runs.distributed import leave_process_group
from ..runs.recipe import LOSSES
from .common import (
    UsageError,
    add_run_options,
    learning_rate,
    model_kwargs,
    positive_int,
    run_options,
)


def add_parser(sub) -> None:
    trainable = models_of_kind("sr", "color")
    p = sub.add_parser(
        "train",
        help="train an SR or colorization model with its recipe",
        description="Train a registered network with its recipe (the paper's "
        "setting unless documented); resumable, with a JSON record.",
    )
    p.add_argument("model", metavar="MODEL", help="one of: " + ", ".join(trainable))
    p.add_argument(
        "--scale",
        type=positive_int,
        help="SR factor (SR models; a multi-scale recipe such as vdsr's trains on its own scales)",
    )
    p.add_argument(
        "--steps", type=positive_int, help="total optimisation steps (default: the recipe's)"
    )
    add_run_options(p, every=1000)
    p.add_argument(
        "--init",
        metavar="NAME|FILE.pt",
        help="start from a shipped model (fsrcnn_x2) or a FILE.pt of an earlier run; the "
        "network is built as that run built it unless --model-arg is given; the record keeps "
        "the lineage (default: random initialisation)",
    )
    p.add_argument("--optimizer", choices=["adam", "sgd"], help="default: the recipe's")
    p.add_argument(
        "--lr",
        type=learning_rate,
        metavar="RATE",
        help="learning rate, in (0, 10] (default: the recipe's)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        metavar="N",
        help="training crops per step (default: the recipe's)",
    )
    p.add_argument(
        "--patch-size",
        type=positive_int,
        metavar="N",
        help="training crop side on the input's grid (default: the recipe's)",
    )
    p.add_argument(
        "--loss",
        choices=LOSSES,
        help="default: the recipe's (drcn: recursive supervision; --loss mse trains the "
        "ensemble output alone, e.g. to fine-tune a trained DRCN)",
    )
    p.add_argument(
        "--model-arg",
        action="append",
        metavar="KEY=VALUE",
        help="constructor argument, e.g. f2=1 (repeatable; default: the paper's)",
    )
    p.add_argument(
        "--downscale",
        type=float,
        nargs="+",
        metavar="FACTOR",
        help="SR models: also train on every image scaled down by each factor in (0, 1), "
        "e.g. FSRCNN's 0.9 0.8 0.7 0.6 (default: none)",
    )
    p.add_argument("--half", action="store_true", help="store float16 weights")
    p.add_argument(
        "--no-rebalance",
        action="store_true",
        help="colornet: plain soft cross-entropy, no class rebalancing",
    )
    p.set_defaults(func=run)


def _downscale(factors: list[float] | None) -> tuple[float, ...]:
    for f in factors or ():
        if not 0 < f < 1:
            raise UsageError(f"--downscale: factors must be in (0, 1), got {f:g}")
    return tuple(factors or ())


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM (a scheduler stopping the job) checkpoints like Ctrl-C


def run(args: argparse.Namespace) -> int:
    trainable = models_of_kind("sr", "color")
    if args.model not in trainable:
        kind = MODELS[args.model].kind if args.model in MODELS else None
        what = {
            "prior": " (a Deep Image Prior network: it is fitted to one image, e.g. "
            "sisrlearn upscale --method dip)",
            "critic": " (a discriminator: sisrlearn srgan trains it)",
        }.get(kind, "")
        raise UsageError(f"MODEL must be one of {', '.join(trainable)}; got {args.model!r}{what}")
    signal.signal(signal.SIGTERM, _interrupt)
    if MODELS[args.model].kind == "color":
        return _train_color(args)
    if args.scale is None and not MODELS[args.model].recipe.scales:
        raise UsageError(f"--scale is required to train {args.model}")
    if args.no_rebalance:
        raise UsageError("--no-rebalance is for colornet only")
    if args.loss == "recursive" and MODELS[args.model].recipe.loss != "recursive":
        raise UsageError(f"--loss recursive is DRCN's recursive supervision; {args.model} has none")
    try:
        train_recipe(
            args.model,
            args.scale or 2,
            steps=args.steps,
            init=args.init,
            optimizer=args.optimizer,
            learning_rate=args.lr,
            batch_size=args.batch_size,
            patch_size=args.patch_size,
            loss=args.loss,
            model_kwargs=model_kwargs(args.model_arg),
            downscale=_downscale(args.downscale),
            half=args.half,
            **run_options(args),
        )
    except KeyboardInterrupt:
        return interrupted(args.out)
    finally:
        leave_process_group()
    if args.out and os.environ.get("RANK", "0") == "0":  # under torchrun only rank 0 writes
        print(f"wrote {args.out} and {Path(args.out).with_suffix('.json')}")
    return 0


def _train_color(args: argparse.Namespace) -> int:
    for flag, value in (
        ("--scale", args.scale),
        ("--val", args.val),
        ("--init", args.init),
        ("--optimizer", args.optimizer),
        ("--loss", args.loss),
        ("--resume", args.resume or None),
        ("--half", args.half or None),
        ("--bf16", args.bf16 or None),
        ("--downscale", args.downscale),
    ):
        if value is not None:
            raise UsageError(f"{flag} is not used by colorization training ({args.model})")
    options = run_options(args)
    try:
        train_color_model(
            args.model,
            options["data"],
            steps=_given(args.steps, 1000),
            patch_size=_given(args.patch_size, 64),
            batch_size=_given(args.batch_size, 16),
            learning_rate=_given(args.lr, 1e-3),
            rebalance=not args.no_rebalance,
            model_kwargs=model_kwargs(args.model_arg),
            out=options["out"],
            overwrite=args.overwrite,
            seed=args.seed,
            progress=not args.quiet,
            command=options["command"],
        )
    except KeyboardInterrupt:
        return interrupted(None)
    if args.out:
        print(f"wrote {args.out} and {Path(args.out).with_suffix('.json')}")
    return 0


def _given(value, default):
    """An explicit value is used (or refused by the library), never replaced by the default."""
    return default if value is None else value


def interrupted(out: str | None) -> int:
    """Exit status 130 after Ctrl-C, saying what was kept."""
    import sys

    ckpt = Path(out).with_suffix(".ckpt") if out else None
    if ckpt is not None and ckpt.is_file():
        kept = f"checkpoint {ckpt} kept; continue with --resume"
    else:
        kept = "nothing saved"
    print(f"\nsisrlearn: error: interrupted (Ctrl-C); {kept}", file=sys.stderr)
    return 130
