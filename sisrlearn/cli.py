"""The ``sisrlearn`` command: ``bench``, ``speed``, ``upscale``, ``train``, ``srgan`` and more.

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
    from .speed import SPEED_MARKERS, SR_MODELS, markdown_table, speed_size

    md = Path(args.markdown) if args.markdown else None
    if md is not None and md.exists() and SPEED_MARKERS[0] not in md.read_text():
        start, end = SPEED_MARKERS
        raise UsageError(f"--markdown {md} has no '{start}' ... '{end}' lines; "
                         "add them where the table should go")  # fmt: skip
    if args.data is not None and not Path(args.data).is_dir():
        raise UsageError(f"--data must be a folder of images, got {args.data}")
    unknown = [m for m in args.models or () if m not in SR_MODELS]
    if unknown:
        raise UsageError(f"--models must be among {', '.join(SR_MODELS)}, got {unknown}")
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
    from .trainer import train_recipe

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
    try:
        train_recipe(
            args.model,
            args.scale,
            steps=args.steps,
            optimizer=args.optimizer,
            learning_rate=args.lr,
            batch_size=args.batch_size,
            patch_size=args.patch_size,
            model_kwargs=kwargs,
            half=args.half,
            **_run_options(args),
        )
    except KeyboardInterrupt:
        return _interrupted(args.out)
    finally:
        _leave_process_group()
    if args.out and os.environ.get("RANK", "0") == "0":  # under torchrun only rank 0 writes
        print(f"wrote {args.out} and {Path(args.out).with_suffix('.json')}")
    return 0


def _leave_process_group() -> None:
    """Under torchrun: close the process group before exiting, so that no rank exits with gloo
    still running (which can abort it: "terminate called without an active exception")."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _srgan(args: argparse.Namespace) -> int:
    from .srgan_trainer import finetune_srgan

    signal.signal(signal.SIGTERM, _interrupt)
    if args.vgg is not None and not Path(args.vgg).is_file():
        raise UsageError(f"--vgg must be a VGG19 state_dict file, got {args.vgg}")
    options = _run_options(args)
    try:
        _, _, evals = finetune_srgan(
            args.generator,
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
        return _interrupted(args.out)
    for key, values in evals.metrics.items():
        print(f"{key}: {values[-1]:.4f} after {evals.eval_step[-1]} steps")
    if args.out:
        print(f"wrote {args.out} and {Path(args.out).with_suffix('.json')}")
    return 0


def _run_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of a resumable training run (``_add_run_options``' flags)."""
    from .records import command_line

    for name in ("data", "val"):
        folder = getattr(args, name)
        if folder is not None and not Path(folder).is_dir():
            raise UsageError(f"--{name} must be a folder of images, got {folder}")
    return dict(data=args.data, out=args.out, val=args.val, eval_every=args.eval_every,
                checkpoint_every=args.checkpoint_every, augment=not args.no_augment,
                resume=args.resume, overwrite=args.overwrite, seed=args.seed, bf16=args.bf16,
                progress=not args.quiet, command=command_line(args.argv))  # fmt: skip


def _interrupted(out: str | None) -> int:
    ckpt = Path(out).with_suffix(".ckpt") if out else None
    if ckpt is not None and ckpt.is_file():
        print(f"\ninterrupted: checkpoint {ckpt}; continue with --resume", file=sys.stderr)
    else:
        print("\ninterrupted before the first step: nothing saved", file=sys.stderr)
    return 130


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


def build_parser() -> argparse.ArgumentParser:
    from .cli_args import build_parser as _build

    handlers = {"bench": _bench, "speed": _speed, "upscale": _upscale, "train": _train,
                "srgan": _srgan, "colorize": _colorize, "exercises": _exercises,
                "doctor": _doctor}  # fmt: skip
    return _build(handlers, __doc__.splitlines()[0])


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
