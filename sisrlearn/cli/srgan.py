"""``sisrlearn srgan``: fine-tune a trained SRResNet as SRGAN (resumable)."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from ..runs import finetune_srgan
from .common import add_run_options, learning_rate, positive_float, positive_int, run_options
from .train import _interrupt, interrupted


def add_parser(sub) -> None:
    p = sub.add_parser(
        "srgan",
        help="fine-tune a trained SRResNet as SRGAN (adversarial)",
        description="Fine-tune a trained generator with SRGAN's content + "
        "adversarial loss (Ledig et al. 2017); resumable.",
    )
    p.add_argument(
        "--init",
        required=True,
        metavar="NAME|FILE.pt",
        help="the generator: a shipped model (srresnet_x4) or a FILE.pt from sisrlearn train",
    )
    p.add_argument(
        "--steps",
        type=positive_int,
        required=True,
        help="SRGAN steps in all (one D step and one G step each)",
    )
    add_run_options(p, every=500)
    p.add_argument(
        "--crop",
        type=positive_int,
        default=96,
        help="HR crop side, the discriminator's input; a multiple of 16 (default: %(default)s)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=16,
        metavar="N",
        help="crops per step (default: %(default)s)",
    )
    p.add_argument(
        "--lr",
        type=learning_rate,
        default=1e-4,
        metavar="RATE",
        help="Adam's learning rate, both networks, in (0, 10] (default: %(default)s)",
    )
    p.add_argument(
        "--adversarial-weight",
        type=positive_float,
        default=1e-3,
        metavar="W",
        help="weight of -log D(G(LR)) beside the content loss (default: %(default)s)",
    )
    p.add_argument(
        "--content",
        choices=["mse", "vgg54"],
        default="mse",
        help="pixel MSE (SRGAN-MSE) or VGG19 phi_5,4 features (needs VGG19 weights: "
        "sisrlearn data fetch vgg19, or --vgg) (default: %(default)s)",
    )
    p.add_argument(
        "--vgg",
        metavar="FILE",
        help="a torchvision VGG19 state_dict (default: the fetched vgg19, or env SISRLEARN_VGG19)",
    )
    p.add_argument(
        "--disc-features",
        type=positive_int,
        default=64,
        metavar="F",
        help="the discriminator's first width (default: %(default)s)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    if args.vgg is not None and not Path(args.vgg).is_file():
        raise ValueError(f"--vgg must be a VGG19 state_dict file, got {args.vgg}")
    options = run_options(args)
    try:
        _, _, evals = finetune_srgan(
            args.init,
            steps=args.steps,
            crop=args.crop,
            batch_size=args.batch_size,
            learning_rate=args.lr,
            adversarial_weight=args.adversarial_weight,
            content=args.content,
            vgg=args.vgg,
            disc_features=args.disc_features,
            **options,
        )
    except KeyboardInterrupt:
        return interrupted(args.out)
    for key, values in evals.metrics.items():
        print(f"{key}: {values[-1]:.4f} after {evals.eval_step[-1]} steps")
    if args.out:
        print(f"wrote {args.out} and {Path(args.out).with_suffix('.json')}")
    return 0
