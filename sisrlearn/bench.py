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

from tqdm.auto import tqdm

from ._validate import check_scale
from .datasets import bundled_benchmarks, resolve_dataset
from .files import atomic_write_text
from .images import list_images, load_image
from .methods import get_method, score_method
from .metrics import PROTOCOLS
from .published import published

__all__ = [
    "MARKERS",
    "benchmark",
    "check_markers",
    "format_table",
    "markdown_table",
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
