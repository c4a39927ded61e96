"""Maintain the model zoo index (``sisrlearn/weights/index.json``).

    python tools/zoo_index.py add NAME RUN.json     # copy RUN.pt in, add its record, score it
    python tools/zoo_index.py score [NAME ...]      # Set5/Set14 PSNR of entries (bench's code)
    python tools/zoo_index.py table [--markdown README.md]   # the shipped-models table
    python tools/zoo_index.py training [--markdown docs/training.md]   # how each was trained

``add`` takes the record ``sisrlearn train`` (or ``srgan``, ``dictionary``) wrote beside its
weights, copies the weights into the weights folder under ``NAME.pt``, names the output in the
recorded command ``NAME.pt``, thins the histories to at most 100 points and scores the entry.
``score`` stores, per entry, ``psnr: {"Set5": {"2": 36.51, ...}, "Set14": {...}}`` (matlab
protocol, every scale the entry was trained for). ``table`` prints the README's table;
``training`` prints, per entry, the command, data, steps, batch, time and hardware of its record
(the table of ``docs/training.md``).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
from pathlib import Path

from sisrlearn import zoo
from sisrlearn.bench import benchmark, format_table, write_markdown
from sisrlearn.models import format_changed_arguments
from sisrlearn.published import PUBLISHED, published

MARKERS = ("<!-- sisrlearn zoo: start -->", "<!-- sisrlearn zoo: end -->")
TRAINING_MARKERS = ("<!-- sisrlearn training: start -->", "<!-- sisrlearn training: end -->")


def thin(series: dict, points: int = 100) -> dict:
    """Every list in ``series`` (keyed like ``step``) averaged into at most ``points`` bins;
    ``step`` keeps the last step of each bin."""
    n = len(series.get("step", []))
    if n <= points:
        return series
    size = math.ceil(n / points)
    out = dict(series)
    for key, values in series.items():
        if not isinstance(values, list) or len(values) != n:
            continue
        chunks = [values[i : i + size] for i in range(0, n, size)]
        out[key] = [c[-1] for c in chunks] if key == "step" else [sum(c) / len(c) for c in chunks]
    return out


def add(name: str, record_file: Path, index: Path, datasets: list | None = None) -> dict:
    """Copy the run's weights in as ``NAME.pt`` and add its record to the index."""
    record = json.loads(record_file.read_text())
    source = record_file.with_name(record["weights"])
    target = index.parent / f"{name}.pt"
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    record["weights"] = target.name
    record["command"] = re.sub(r"--out \S+", f"--out {target.name}", record["command"])
    for key in ("history", "gan_history"):
        if key in record:
            record[key] = thin(record[key])
    zoo.write_entry(name, record, index=index)
    return score([name], index, datasets)[name]


def score(names: list[str] | None, index: Path, datasets: list | None = None) -> dict[str, dict]:
    """PSNR (matlab protocol) of SR entries on ``datasets`` (default: Set5 and Set14), stored
    in the index."""
    entries, problems = zoo.read_index(index)
    if problems:
        raise SystemExit(f"{index}: broken entries: {problems}")
    scored = {}
    for name in names or sorted(entries):
        entry = entries[name]
        is_sr = entry.kind == "dictionary" or zoo.MODELS[entry.model].kind == "sr"
        if not is_sr:
            continue
        method = "scsr" if entry.kind == "dictionary" else name
        rows = benchmark(datasets, [method], list(entry.scales), progress=False)
        psnr = {}
        for r in rows:
            psnr.setdefault(r["dataset"], {})[str(r["scale"])] = round(r["psnr"], 2)
        record = dict(entry.record, psnr=psnr)
        zoo.write_entry(name, record, index=index)
        scored[name] = psnr
        print(f"{name}: {psnr}", file=sys.stderr)
    return scored


def _paper(name: str, dataset: str, scale: int) -> float | None:
    """The paper's figure for the same training data where it gives one (SRCNN's T91 row)."""
    family = name.split("_x")[0]
    t91 = PUBLISHED.get(f"{family} (T91)", {}).get((dataset, scale))
    return t91 if t91 is not None else published(name, dataset, scale)


def table(index: Path) -> str:
    """The shipped SR models: architecture, scale, Set5/Set14 PSNR beside the paper's."""
    entries, _ = zoo.read_index(index)
    rows = []
    for name, entry in sorted(entries.items()):
        family = entry.model or "scsr"
        if entry.kind == "model" and zoo.MODELS[entry.model].kind != "sr":
            continue
        if entry.model:  # a configuration other than the paper's is named beside the family
            changed = format_changed_arguments(entry.model, entry.record.get("kwargs", {}))
            family += f", {changed}" if changed else ""
        for scale in entry.scales:
            cells = [name, family, f"x{scale}"]
            for dataset in ("Set5", "Set14"):
                ours = entry.record.get("psnr", {}).get(dataset, {}).get(str(scale))
                paper = _paper(name if entry.kind == "model" else "scsr", dataset, scale)
                cells.append(f"{ours:.2f}" if ours is not None else "")
                cells.append(f"{paper:.2f}" if paper is not None else "")
            rows.append(cells)
    header = ["name", "architecture", "scale", "Set5", "paper", "Set14", "paper"]
    return format_table(header, rows)


def duration(seconds: float | None) -> str:
    """``seconds`` as ``"45 s"``, ``"38 min"`` or ``"1 h 35 min"`` (empty for None)."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def training_table(index: Path) -> str:
    """How every shipped entry was trained, from its record: the command, the data, steps and
    batch size, wall time, hardware, and the entry it started from (``--init``)."""
    entries, _ = zoo.read_index(index)
    rows = []
    for name, entry in sorted(entries.items()):
        record = entry.record
        recipe = record.get("recipe") or {}
        init = record.get("init") or {}
        rows.append(
            [
                name,
                f"`{record.get('command', '')}`",
                record.get("data", ""),
                f"{record['steps']:,}" if "steps" in record else "",
                recipe.get("batch_size", ""),
                duration(record.get("seconds")),
                record.get("hardware", ""),
                init.get("generator") or init.get("from") or "",
            ]
        )
    header = ["name", "command", "data", "steps", "batch", "time", "hardware", "starts from"]
    return format_table(header, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=zoo.INDEX, help="the zoo index file")
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("add", help="add a run's weights and record to the zoo")
    p.add_argument("name")
    p.add_argument("record", type=Path, help="the FILE.json written beside FILE.pt")
    p = sub.add_parser("score", help="Set5/Set14 PSNR of entries")
    p.add_argument("names", nargs="*", help="entries (default: all)")
    p = sub.add_parser("table", help="print the shipped-models table")
    p.add_argument("--markdown", type=Path, help="write it between the zoo markers of FILE")
    p = sub.add_parser("training", help="print how each shipped entry was trained")
    p.add_argument("--markdown", type=Path, help="write it between the training markers of FILE")
    args = parser.parse_args(argv)
    if args.action == "add":
        add(args.name, args.record, args.index)
    elif args.action == "score":
        score(args.names, args.index)
    else:
        training = args.action == "training"
        text = training_table(args.index) if training else table(args.index)
        print(text)
        if args.markdown:
            write_markdown(text, args.markdown, TRAINING_MARKERS if training else MARKERS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
