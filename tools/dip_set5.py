"""Deep Image Prior x4 on Set5 with the paper's recipe, scored as ``sisrlearn bench`` scores.

Recipe (Ulyanov et al., CVPR 2018, Sec. 4 and the official super-resolution notebook): the skip
network (5 levels of 128 channels, 4-channel skips), 32-channel U(0, 0.1) input, 2000 Adam
steps at learning rate 0.01, input noise 0.03 at every step, the data term through a Lanczos-2
downsampler; sisrlearn's moving average of the outputs (``ema=0.99``). The RGB image is fitted,
as the paper does (``sisrlearn bench --methods dip`` fits the Y channel instead).

Scoring: the benchmark protocol (``sisrlearn.bench.prepare(hr, 4, "matlab", channels="rgb")``
makes the LR image: MATLAB bicubic 1/4 of the mod-cropped HR, float64, not rounded;
``sisrlearn.metrics.evaluate`` scores the Y channel with 4 pixels shaved).

    python tools/dip_set5.py --image butterfly --results dip_set5.json
    python tools/dip_set5.py --results dip_set5.json          # every image not in the file yet
    python tools/dip_set5.py --results dip_set5.json --table  # the Markdown table so far

Each image adds one record to the ``--results`` JSON list (rewritten atomically): image, psnr
(the last output, what the official notebook returns), psnr_ema (the moving average,
sisrlearn's ``DIPResult.image``), iterations, seconds, threads, bf16, device. Images already in the
file are skipped. Progress (loss, PSNR, seconds per iteration) is printed every
``--log-every`` steps.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from sisrlearn.bench import format_table, prepare
from sisrlearn.datasets import resolve_dataset
from sisrlearn.dip import dip_super_resolve
from sisrlearn.images import list_images, load_image
from sisrlearn.methods import apply_method
from sisrlearn.metrics import evaluate
from sisrlearn.models.dip import SkipNet
from sisrlearn.published import published
from sisrlearn.runtime import bf16_pays_off, get_device

SCALE = 4
STEPS = 2000  # the paper's x4 budget


def load_results(path: Path) -> list[dict]:
    """The records already in ``path`` (an empty list if it does not exist)."""
    if not path.exists():
        return []
    records = json.loads(path.read_text())
    if not isinstance(records, list):
        raise SystemExit(f"--results {path} holds {type(records).__name__}, expected a list")
    return records


def write_results(path: Path, records: list[dict]) -> None:
    """Write the JSON list to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(records, indent=2) + "\n")
    os.replace(tmp, path)


def bicubic_psnr(path: str) -> float:
    """Bicubic x4 of the image at ``path`` under the same protocol, for comparison."""
    lr_img, reference = prepare(load_image(path), SCALE, "matlab", channels="rgb")
    return evaluate(apply_method("bicubic", lr_img, SCALE).clamp(0, 1), reference, SCALE)["psnr"]


def results_table(records: list[dict], bicubic: dict[str, float], total: int = 5) -> str:
    """The records as a Markdown table beside bicubic (``bicubic``: image -> PSNR), one row
    per image and the mean of those done beside the paper's Set5 mean (a mean over fewer than
    ``total`` images says how many)."""
    rows = [
        [
            r["image"],
            f"{bicubic[r['image']]:.2f}",
            f"{r['psnr']:.2f}",
            f"{r['psnr_ema']:.2f}",
            r["iterations"],
            f"{r['seconds'] / 60:.0f}",
            f"{r['seconds'] / r['iterations']:.2f}",
            r["device"] + (", bfloat16" if r["bf16"] else ", float32"),
        ]
        for r in sorted(records, key=lambda r: r["image"])
    ]
    if records:
        done = len(records)
        mean = [sum(r[key] for r in records) / done for key in ("psnr", "psnr_ema")]
        base = sum(bicubic[r["image"]] for r in records) / done
        label = "mean" if done >= total else f"mean of {done} of {total}"
        rows.append([f"**{label}**", f"{base:.2f}", f"{mean[0]:.2f}", f"{mean[1]:.2f}"] + [""] * 4)
    paper = published("dip", "Set5", SCALE)
    rows.append(["paper (Set5 mean)", "", f"{paper:.2f}"] + [""] * 5)
    header = ["image", "bicubic", "DIP (last)", "DIP (moving avg.)", "iterations", "min"]
    header += ["s/it", "run on"]
    return format_table(header, rows)


def run_image(
    name: str, hr: torch.Tensor, *, steps: int, bf16: bool, device: torch.device, log_every: int
) -> dict:
    """Fit DIP x4 to one image's LR version; the record to store."""
    lr_img, reference = prepare(hr, SCALE, "matlab", channels="rgb")
    lr_img = lr_img.float().clamp(0, 1)
    started = time.perf_counter()
    last = [0, started]  # step and time of the previous report

    def log(step: int, output: torch.Tensor, average: torch.Tensor) -> None:
        now = time.perf_counter()
        recent = (now - last[1]) / (step - last[0])
        last[:] = [step, now]
        psnr_ema = evaluate(average[0].clamp(0, 1), reference, SCALE)["psnr"]
        speed = f"{recent:.3f} s/iteration (mean {(now - started) / step:.3f})"
        print(f"{name} step {step}/{steps}: {speed}, PSNR (Y, EMA) {psnr_ema:.2f} dB", flush=True)

    torch.manual_seed(0)
    net = SkipNet(32, 3).to(device)  # the paper's skip network, 2,217,831 parameters
    result = dip_super_resolve(
        lr_img,
        SCALE,
        steps=steps,
        net=net,
        downsampler="lanczos2",
        input_noise_std=0.03,
        ema=0.99,
        learning_rate=0.01,
        eval_every=log_every,
        callback=log,
        bf16=bf16,
        generator=torch.Generator().manual_seed(0),
        progress=False,
    )
    seconds = time.perf_counter() - started
    return {
        "image": name,
        "psnr": evaluate(result.last.clamp(0, 1), reference, SCALE)["psnr"],
        "psnr_ema": evaluate(result.image, reference, SCALE)["psnr"],
        "iterations": steps,
        "seconds": round(seconds, 1),
        "threads": torch.get_num_threads(),
        "bf16": bf16,
        "device": str(device),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="set5", help="a dataset name or a folder of HR images")
    parser.add_argument("--image", default="all", help="an image name (file stem) or 'all'")
    parser.add_argument("--results", required=True, help="JSON list to append records to")
    parser.add_argument("--steps", type=int, default=STEPS, help="iterations (paper: 2000)")
    parser.add_argument(
        "--bf16",
        choices=("auto", "on", "off"),
        default="auto",
        help="bfloat16 autocast; auto: where it pays off (CUDA, AMX/AVX512-BF16 CPUs)",
    )
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: the best)")
    parser.add_argument("--log-every", type=int, default=100, help="progress every N steps")
    parser.add_argument(
        "--table", action="store_true", help="print the results as a Markdown table and stop"
    )
    args = parser.parse_args(argv)
    paths, _ = list_images(resolve_dataset(args.data))
    images = {Path(p).stem: p for p in paths}
    if not images:
        raise SystemExit(f"--data {args.data} holds no images")
    if args.table:
        records = load_results(Path(args.results))
        bicubic = {r["image"]: bicubic_psnr(images[r["image"]]) for r in records}
        print(results_table(records, bicubic))
        return 0
    if args.image != "all" and args.image not in images:
        raise SystemExit(f"--image {args.image!r} is not in {args.data}: {sorted(images)}")
    names = sorted(images) if args.image == "all" else [args.image]
    device = torch.device(args.device) if args.device else get_device()
    bf16 = {"auto": bf16_pays_off(device), "on": True, "off": False}[args.bf16]
    results = Path(args.results)
    for name in names:
        if any(r.get("image") == name for r in load_results(results)):
            print(f"{name}: already in {results}, skipped", flush=True)
            continue
        hr = load_image(images[name])
        record = run_image(
            name, hr, steps=args.steps, bf16=bf16, device=device, log_every=args.log_every
        )
        write_results(results, load_results(results) + [record])  # re-read: runs may share it
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
