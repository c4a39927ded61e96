"""Methods x datasets x scales tables, under a stated protocol (``sisrlearn bench``).

``benchmark`` scores methods (any name of :func:`sisrlearn.methods.method_names`) on datasets
(bundled ``set5``/``set14`` by default, fetched sets by name, or folders) with the protocol of
the published tables (:func:`sisrlearn.metrics.prepare` and ``evaluate``). ``markdown_table``
prints the rows beside the papers' figures; ``write_markdown`` puts any table between two
marker lines of a Markdown file (``docs/benchmarks.md``), keeping the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ._validate import check_scale
from .datasets import bundled_benchmarks, resolve_dataset
from .files import atomic_write_text
from .images import list_images, load_folder, load_image
from .methods import Method, apply_method, get_method, score_method
from .metrics import PROTOCOLS, prepare, sharpness
from .models import MODELS
from .published import PAPER_BUDGET, PAPER_TRAINING_DATA, PUBLISHED, published
from .zoo import zoo_entries

__all__ = [
    "MARKERS",
    "benchmark",
    "check_markers",
    "format_table",
    "markdown_table",
    "perception_distortion",
    "published_table",
    "reading_table",
    "shipped_jobs",
    "write_markdown",
]

MARKERS = ("<!-- sisrlearn bench: start -->", "<!-- sisrlearn bench: end -->")


def benchmark(
    datasets: Sequence[str | Path] | None = None,
    methods: Sequence[str] = ("bicubic",),
    scales: Sequence[int] = (2, 3, 4),
    *,
    protocol: str = "matlab",
    dip_steps: int | None = None,
    progress: bool = True,
) -> list[dict]:
    """Score every method on every dataset at every scale.

    Args:
        datasets: dataset names (``"set5"``, ``"set14"``, a fetched ``"bsd100"``) or folders
            of HR images; default: the bundled Set5 and Set14.
        methods: names from ``sisrlearn.methods.method_names()``.
        scales: SR factors; a shipped model is scored only at the scales it was trained for.
        dip_steps: iterations per image of the ``dip`` method (default: the paper's 2000).

    Returns one row per (method, dataset, scale): ``method, protocol, dataset, scale, psnr,
    ssim, num_images, seconds`` (seconds = time inside the method, summed over images) and
    ``per_image`` (image name -> PSNR).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    for s in scales:
        if check_scale(s) < 2:
            raise ValueError(f"scales must be 2 or more (x1 is no super-resolution), got {s}")
    resolved = [get_method(m, steps=dip_steps if m == "dip" else None) for m in methods]
    folders = bundled_benchmarks() if datasets is None else [resolve_dataset(d) for d in datasets]
    loaded = []
    for folder in folders:
        paths, _ = list_images(folder)
        if not paths:
            raise ValueError(f"dataset {str(folder)!r} holds no image files")
        stems = [Path(p).stem for p in paths]
        names = [p.name if stems.count(p.stem) > 1 else p.stem for p in map(Path, paths)]
        loaded.append(
            (Path(folder).name, [(n, load_image(p)) for n, p in zip(names, paths, strict=True)])
        )
    jobs = [
        (m, d, s)
        for m in resolved
        for d in loaded
        for s in scales
        if m.scales is None or s in m.scales
    ]
    if not jobs:
        raise ValueError(f"no method in {list(methods)} was trained for scales {list(scales)}")
    rows = []
    for method, (dataset, images), scale in tqdm(jobs, disable=not progress, desc="bench"):
        rows.append(score_method(method, images, scale, protocol=protocol, dataset=dataset))
    return rows


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table: a header row, the separator, then one line per row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_table(rows: Sequence[dict]) -> str:
    """Rows from ``benchmark`` as a Markdown table (PSNR to 2 decimals, SSIM to 4), with the
    published PSNR beside ours where the paper reports the same dataset and scale."""
    body = []
    for r in rows:
        paper = published(r["method"], r["dataset"], r["scale"])
        paper_text = f"{paper:.2f}" if paper is not None and r["protocol"] == "matlab" else ""
        body.append(
            [
                r["method"],
                r["protocol"],
                r["dataset"],
                f"x{r['scale']}",
                f"{r['psnr']:.2f}",
                paper_text,
                f"{r['ssim']:.4f}",
                r["num_images"],
                f"{r['seconds']:.2f}",
            ]
        )
    header = [
        "method",
        "protocol",
        "dataset",
        "scale",
        "PSNR (dB)",
        "paper",
        "SSIM",
        "images",
        "seconds",
    ]
    return format_table(header, body)


def write_markdown(table: str, path: str | Path, markers: tuple[str, str] = MARKERS) -> Path:
    """Put ``table`` into a Markdown file between the two ``markers`` lines (the rest of the
    file is kept); a new file gets just the marked table. A file without markers is refused.
    The file is replaced atomically (``sisrlearn.files.atomic_write_text``): a failed write
    leaves the old one whole."""
    path = Path(path)
    block = f"{markers[0]}\n{table}\n{markers[1]}"
    text = path.read_text(encoding="utf-8") if path.exists() else None
    if text is None:
        new = block + "\n"
    else:
        check_markers(text, path, markers)
        start, end = text.find(markers[0]), text.find(markers[1])
        new = text[:start] + block + text[end + len(markers[1]) :]
    atomic_write_text(path, new, overwrite=True)
    return path


def check_markers(text: str, path: str | Path, markers: tuple[str, str] = MARKERS) -> None:
    """Refuse a Markdown file that lacks the two marker lines (before any long work)."""
    start, end = text.find(markers[0]), text.find(markers[1])
    if start < 0 or end < start:
        raise ValueError(
            f"{path} has no '{markers[0]}' ... '{markers[1]}' lines; add them where the table "
            "should go (the rest of the file is kept)"
        )


def shipped_jobs(scales: Sequence[int]) -> list[tuple[str, int]]:
    """``(method, scale)`` pairs of a course table: bicubic and every shipped SR network at
    the ``scales`` it was trained for. A network shipped for none of them (DRCN and SCN exist
    at x3 only) is scored at its own scale, with bicubic there. Sorted by scale, bicubic first.
    """
    scales = [check_scale(s) for s in scales]
    entries = {
        name: e
        for name, e in zoo_entries().items()
        if e.kind == "model" and MODELS[e.model].kind == "sr"
    }
    covered = {e.model for e in entries.values() if set(e.scales) & set(scales)}
    jobs = {("bicubic", s) for s in scales}
    for name, entry in entries.items():
        own = [s for s in scales if s in entry.scales]
        if not own and entry.model not in covered:
            own = [entry.scales[0]]
            jobs.add(("bicubic", own[0]))
        jobs.update((name, s) for s in own)
    return sorted(jobs, key=lambda job: (job[1], job[0] != "bicubic", job[0]))


def perception_distortion(
    images: str | Path | dict[str, torch.Tensor],
    methods: Sequence[str | Method],
    scale: int,
    *,
    psnr: bool = True,
) -> tuple[float, list[dict]]:
    """PSNR and sharpness of each method: the two axes of the perception-distortion plane.

    PSNR: the matlab protocol (Y channel, as ``benchmark``), over all images; ``psnr=False``
    skips it (when a ``benchmark`` table has it already). Sharpness:
    :func:`sisrlearn.metrics.sharpness` of the RGB output from the rgb-protocol LR image,
    averaged over the colour images. ``images``: a dataset name, a folder or name -> HR image.
    Returns ``(HR sharpness, [{"method", "psnr", "sharpness"}, ...])`` (``"psnr"`` only when
    asked for).
    """
    if not isinstance(images, dict):
        images = load_folder(resolve_dataset(images))
    colour = {name: hr for name, hr in images.items() if hr.shape[0] == 3}
    if not colour:
        raise ValueError("images must hold at least one colour (RGB) image")
    references = [prepare(hr, scale, "rgb") for hr in colour.values()]
    hr_sharpness = sum(sharpness(ref.float()).item() for _, ref in references) / len(colour)
    rows = []
    for method in methods:
        method = get_method(method) if isinstance(method, str) else method
        row = {"method": method.name}
        if psnr:
            row["psnr"] = score_method(method, list(images.items()), scale)["psnr"]
        sharp = []
        for lr, _ in references:
            with torch.no_grad():
                sr = apply_method(method, lr.float(), scale).clamp(0, 1)
            sharp.append(sharpness(sr).item())
        rows.append(row | {"sharpness": sum(sharp) / len(sharp)})
    return hr_sharpness, rows


def _family(method: str) -> str:
    return method.split("_x")[0]


def _our_training(method: str) -> tuple[str, str]:
    """(training data, budget) of a method as run here: a shipped network's record."""
    entry = zoo_entries().get(method)
    if entry is None:
        return PAPER_TRAINING_DATA.get(_family(method), ""), ""
    record = entry.record
    steps = f"{record['steps']:,} steps" if record.get("steps") else ""
    minutes = record.get("seconds", 0) / 60
    took = f"{minutes:.0f} min" if minutes >= 1 else f"{record.get('seconds', 0):.0f} s"
    return str(record.get("data", "")), f"{steps}, {took}" if steps else took


def reading_table(rows: Sequence[dict]) -> str:
    """Rows from ``benchmark`` as a Markdown table for reading: ours (PSNR, what it was
    trained on and for how long) beside the paper's (PSNR, training data, budget)."""
    body = []
    for r in rows:
        family = _family(r["method"])
        paper = published(r["method"], r["dataset"], r["scale"])
        data, budget = _our_training(r["method"])
        body.append(
            [
                r["method"],
                r["dataset"],
                f"x{r['scale']}",
                f"{r['psnr']:.2f}",
                data,
                budget,
                f"{paper:.2f}" if paper is not None and r["protocol"] == "matlab" else "",
                PAPER_TRAINING_DATA.get(family, "") if paper is not None else "",
                PAPER_BUDGET.get(family, "") if paper is not None else "",
            ]
        )
    header = ["method", "dataset", "scale", "PSNR (dB)", "trained on", "budget"]
    header += ["published PSNR", "paper trained on", "paper budget"]
    return format_table(header, body)


def published_table(exclude: Sequence[str] = ()) -> str:
    """The papers' PSNR (and training data) for every family not in ``exclude`` (method or
    family names), as a Markdown table: the methods a run did not score. Variants such as
    ``"srcnn (T91)"`` stay unless named themselves."""
    skip = {_family(m) for m in exclude}
    body = [
        [family, dataset, f"x{s}", f"{value:.2f}", PAPER_TRAINING_DATA.get(family, "")]
        for family, figures in PUBLISHED.items()
        if family not in skip
        for (dataset, s), value in sorted(figures.items())
    ]
    return format_table(["method", "dataset", "scale", "published PSNR (dB)", "trained on"], body)
