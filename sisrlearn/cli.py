"""The ``sisrlearn`` command: ``bench``, ``speed``, ``upscale``, ``train``, ``doctor`` and more.

Every sub-command is a thin wrapper over a library function; errors the user can fix are
printed as one line (``sisrlearn: error: ...``) with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


class UsageError(Exception):
    """A mistake in the command line or its files, reported without a traceback."""


def _bench(args: argparse.Namespace) -> int:
    from .bench import MARKERS, benchmark, markdown_table, write_markdown
    from .images import list_images

    md = Path(args.markdown) if args.markdown else None
    if md is not None and md.exists() and MARKERS[0] not in md.read_text():
        raise UsageError(f"--markdown {md} has no '{MARKERS[0]}' ... '{MARKERS[1]}' lines; "
                         "add them where the table should go")  # fmt: skip
    if args.json and Path(args.json).exists() and not args.overwrite:
        raise UsageError(f"--json {args.json} exists; pass --overwrite to replace it")
    for folder in args.data:
        _, skipped = list_images(folder)
        for path in skipped:
            print(f"note: skipping {path} (not an image file)", file=sys.stderr)
    _load_methods()
    if args.steps is not None:
        if "dip" not in args.methods:
            raise UsageError("--steps sets the iterations of the dip method; add dip to --methods")
        from .dip import register_bench_method

        register_bench_method(steps=args.steps, progress=not args.quiet)
    rows = benchmark(args.data, args.methods, args.scales, protocol=args.protocol,
                     progress=not args.quiet)  # fmt: skip
    table = markdown_table(rows)
    print(table)
    if args.markdown:
        print(f"wrote the table into {write_markdown(table, args.markdown)}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


def _speed(args: argparse.Namespace) -> int:
    from .bench import write_markdown
    from .records import device_name
    from .runtime import get_device
    from .speed import SPEED_MARKERS, markdown_table, speed_size

    md = Path(args.markdown) if args.markdown else None
    if md is not None and md.exists() and SPEED_MARKERS[0] not in md.read_text():
        start, end = SPEED_MARKERS
        raise UsageError(f"--markdown {md} has no '{start}' ... '{end}' lines; "
                         "add them where the table should go")  # fmt: skip
    if args.data is not None and not Path(args.data).is_dir():
        raise UsageError(f"--data must be a folder of images, got {args.data}")
    rows = speed_size(args.models, images=args.data, side=args.side, scale=args.scale,
                      repeats=args.repeats)  # fmt: skip
    table = markdown_table(rows)
    print(table)
    print(f"device: {device_name(get_device())}", file=sys.stderr)
    if md is not None:
        print(f"wrote the table into {write_markdown(table, md, SPEED_MARKERS)}", file=sys.stderr)
    return 0


def _upscale(args: argparse.Namespace) -> int:
    from .bench import get_method, upscale
    from .images import IMAGE_SUFFIXES, load_image, save_image

    out = Path(args.output)
    if out.exists() and not args.overwrite:
        raise UsageError(f"{out} exists; pass --overwrite to replace it")
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise UsageError(f"OUT must end in an image suffix {sorted(IMAGE_SUFFIXES)}, got {out}")
    _load_methods()
    get_method(args.method)  # unknown methods fail before any work
    img = load_image(args.input)
    sr = upscale(img, args.scale, args.method, tile=args.tile, overlap=args.overlap)
    save_image(sr, out, overwrite=args.overwrite)
    h, w = img.shape[-2:]
    print(f"{args.input} ({w}x{h}) -> {out} ({w * args.scale}x{h * args.scale}, {args.method})")
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM (a scheduler stopping the job) checkpoints like Ctrl-C


def _train(args: argparse.Namespace) -> int:
    from .trainer import command_line, train_recipe

    signal.signal(signal.SIGTERM, _interrupt)

    kwargs = {}
    for item in args.model_arg or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--model-arg expects KEY=VALUE, got {item!r}")
        try:
            kwargs[key] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key] = value
    for name in ("data", "val"):
        folder = getattr(args, name)
        if folder is not None and not Path(folder).is_dir():
            raise UsageError(f"--{name} must be a folder of images, got {folder}")
    try:
        train_recipe(
            args.model,
            args.scale,
            args.data,
            steps=args.steps,
            out=args.out,
            val=args.val,
            eval_every=args.eval_every,
            checkpoint_every=args.checkpoint_every,
            optimizer=args.optimizer,
            learning_rate=args.lr,
            batch_size=args.batch_size,
            patch_size=args.patch_size,
            model_kwargs=kwargs,
            augment=not args.no_augment,
            resume=args.resume,
            overwrite=args.overwrite,
            half=args.half,
            seed=args.seed,
            progress=not args.quiet,
            command=command_line(args.argv),
        )
    except KeyboardInterrupt:
        ckpt = Path(args.out).with_suffix(".ckpt") if args.out else None
        if ckpt is not None and ckpt.is_file():
            print(f"\ninterrupted: checkpoint {ckpt}; continue with --resume", file=sys.stderr)
        else:
            print("\ninterrupted before the first step: nothing saved", file=sys.stderr)
        return 130
    if args.out and os.environ.get("RANK", "0") == "0":  # under torchrun only rank 0 writes
        print(f"wrote {args.out} and {Path(args.out).with_suffix('.json')}")
    return 0


def _load_methods() -> None:
    """Import the modules that register methods (the zoo's shipped models, ScSR, DIP)."""
    from . import dip, sparse, zoo  # noqa: F401


def _colorize(args: argparse.Namespace) -> int:
    from .colorize import colorize_image, load_colornet
    from .images import IMAGE_SUFFIXES, load_image, save_image

    out = Path(args.output)
    if out.exists() and not args.overwrite:
        raise UsageError(f"{out} exists; pass --overwrite to replace it")
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise UsageError(f"OUT must end in an image suffix {sorted(IMAGE_SUFFIXES)}, got {out}")
    if not args.temperature > 0:
        raise UsageError(f"--temperature must be positive, got {args.temperature}")
    model = load_colornet(args.model)  # unknown models fail before the image is read
    img = load_image(args.input)
    rgb = colorize_image(model, img, temperature=args.temperature)
    save_image(rgb, out, overwrite=args.overwrite)
    kind = "gray" if img.shape[0] == 1 else "colour, turned to L first"
    print(f"{args.input} ({kind}) -> {out} ({args.model})")
    return 0


def _exercises(args: argparse.Namespace) -> int:
    from .exercises import build_all

    changed = build_all(args.solutions, args.out, check=args.check, overwrite=args.overwrite)
    if args.check:
        if changed:
            print("out of date: " + ", ".join(str(p) for p in changed), file=sys.stderr)
            print("run `sisrlearn exercises --overwrite` to regenerate them", file=sys.stderr)
            return 1
        print("student notebooks are up to date")
        return 0
    for path in changed:
        print(f"wrote {path}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from .doctor import report

    print(report())
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _add_bench(sub) -> None:
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
    p.set_defaults(func=_bench)


def _add_speed(sub) -> None:
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
    p.set_defaults(func=_speed)


def _add_upscale(sub) -> None:
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
    p.set_defaults(func=_upscale)


def _add_train(sub) -> None:
    """The ``sisrlearn train`` arguments."""
    p = sub.add_parser("train", help="train a model with its recipe (resumable)")
    p.add_argument("model", metavar="MODEL", help="a registered model, e.g. srcnn")
    p.add_argument("--scale", type=_positive_int, required=True)
    p.add_argument("--data", metavar="DIR", help="HR training images (default: bundled ones)")
    p.add_argument("--steps", type=_positive_int, help="total steps (default: the recipe's)")
    p.add_argument("--out", metavar="FILE.pt", help="state_dict; FILE.json gets the record")
    p.add_argument("--val", metavar="DIR", help="HR images scored every --eval-every steps")
    p.add_argument("--eval-every", type=_positive_int, default=1000, metavar="N")
    p.add_argument("--checkpoint-every", type=_positive_int, default=1000, metavar="N")
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
    p.add_argument("--no-augment", action="store_true", help="no flips/rotations")
    p.add_argument("--half", action="store_true", help="store float16 weights")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue from FILE.ckpt")
    p.add_argument("--overwrite", action="store_true", help="replace FILE.pt/FILE.json")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_train)


def _add_colorize(sub) -> None:
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
    p.set_defaults(func=_colorize)


def _add_exercises(sub) -> None:
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
    p.set_defaults(func=_exercises)


def _add_doctor(sub) -> None:
    """The ``sisrlearn doctor`` arguments."""
    p = sub.add_parser("doctor", help="device, versions, fast mode, data and weights")
    p.set_defaults(func=_doctor)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sisrlearn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_bench(sub)
    _add_speed(sub)
    _add_upscale(sub)
    _add_train(sub)
    _add_colorize(sub)
    _add_exercises(sub)
    _add_doctor(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except (UsageError, ValueError, TypeError, FileExistsError, FileNotFoundError) as err:
        print(f"sisrlearn: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
