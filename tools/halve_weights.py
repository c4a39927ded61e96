"""Store shipped weights as float16 when that keeps PSNR within a tolerance (default 0.01 dB).

    python tools/halve_weights.py srcnn_x2 srcnn_x3 --data sisrlearn/data/Set5

For each zoo name: score the model as shipped and with its weights rounded to float16 (matlab
protocol, ``bench``'s code, every scale it was trained for). If every difference is within
``--tolerance``, rewrite ``NAME.pt`` in float16 and update its record (``sha256``, ``dtype``,
and ``float16``: the command, the data and both scores); otherwise leave it and say why.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from sisrlearn import bench, zoo
from sisrlearn.images import load_folder
from sisrlearn.models import build_model
from sisrlearn.train import load_weights, save_weights
from sisrlearn.trainer import model_as_method


def halve(name: str, data: str | Path, tolerance: float, folder: Path, command: str) -> str:
    """Convert one entry if float16 keeps its PSNR within ``tolerance``; a line saying what."""
    entry = zoo.zoo_entries(folder)[name]
    shipped = build_model(entry.model, **entry.kwargs)
    load_weights(shipped, entry.weights, sha256=entry.sha256)
    rounded = build_model(entry.model, **entry.kwargs)
    rounded.load_state_dict(
        {
            k: v.half().to(v.dtype) if v.is_floating_point() else v
            for k, v in shipped.state_dict().items()
        }  # fmt: skip
    )
    images = list(load_folder(data).items())
    scores = {}
    for scale in entry.scales:
        a = bench._score(model_as_method(shipped.eval(), entry.model), "d", images, scale, "matlab")
        b = bench._score(model_as_method(rounded.eval(), entry.model), "d", images, scale, "matlab")
        scores[f"x{scale}"] = {"float32": round(a["psnr"], 4), "float16": round(b["psnr"], 4)}
    worst = max(abs(s["float16"] - s["float32"]) for s in scores.values())
    if worst > tolerance:
        return f"{name}: kept float32 (float16 changes PSNR by {worst:.4f} dB > {tolerance})"
    record = dict(entry.record)
    record["sha256"] = save_weights(rounded, entry.weights, overwrite=True, half=True)
    record["dtype"] = "float16"
    record["float16"] = {"command": command, "data": str(data), "psnr": scores}
    entry.weights.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return f"{name}: float16 (largest PSNR change {worst:.4f} dB): {scores}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", metavar="NAME", help="shipped zoo names")
    parser.add_argument("--data", required=True, metavar="DIR", help="HR images to score on")
    parser.add_argument("--tolerance", type=float, default=0.01, help="dB (default 0.01)")
    parser.add_argument("--weights", default=str(zoo.WEIGHTS_DIR), metavar="DIR")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    command = "python tools/halve_weights.py " + shlex.join(argv)
    for name in args.names:
        print(halve(name, args.data, args.tolerance, Path(args.weights), command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
