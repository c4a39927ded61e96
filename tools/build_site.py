"""Build a static site of the executed course: one HTML page per notebook plus an index.

    python tools/build_site.py [--notebooks notebooks] [--out site] [--no-execute]

(``make site`` runs it.) Every ``NN_topic.ipynb`` in the notebooks folder is executed in fast
mode (``SISRLEARN_FAST=1`` unless the environment says otherwise) with nbconvert and written to
``OUT/NN_topic.html``; ``OUT/index.html`` lists the pages in course order (the ``NN`` prefix)
with each notebook's title, its first ``# `` heading. The notebooks themselves are not changed.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

NAME = re.compile(r"^(\d+)_[\w-]+\.ipynb$")


def course_order(folder: str | Path) -> list[Path]:
    """The ``NN_topic.ipynb`` files of ``folder``, sorted by ``NN`` (then by name)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"notebooks must be a folder, got {str(folder)!r}")
    found = [p for p in folder.iterdir() if p.is_file() and NAME.match(p.name)]
    return sorted(found, key=lambda p: (int(NAME.match(p.name).group(1)), p.name))


def notebook_title(path: str | Path) -> str:
    """The first level-1 Markdown heading of a notebook, else its file name without suffix."""
    path = Path(path)
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for line in source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.stem


def index_html(pages: list[tuple[str, str, str]], *, note: str = "") -> str:
    """The index page: ``pages`` holds ``(href, title, detail)`` in course order."""
    items = "\n".join(
        f'  <li><a href="{html.escape(href)}">{html.escape(title)}</a>'
        + (f' <span class="detail">{html.escape(detail)}</span>' if detail else "")
        + "</li>"
        for href, title, detail in pages
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sisrlearn: a course on single-image super-resolution</title>
<style>
body {{ font-family: sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.5; }}
li {{ margin: 0.4em 0; }} .detail {{ color: #666; font-size: 0.9em; }}
</style>
</head>
<body>
<h1>sisrlearn: a course on single-image super-resolution</h1>
<p>The course notebooks, executed. Read them in this order.</p>
<ol>
{items}
</ol>
<p class="detail">{html.escape(note)}</p>
</body>
</html>
"""


def render(notebook: Path, out: Path, *, execute: bool, timeout: int) -> float:
    """Write ``out/<stem>.html`` for ``notebook`` (executed in its own folder); seconds taken."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import ExecutePreprocessor

    started = time.perf_counter()
    nb = nbformat.read(notebook, as_version=4)
    if execute:
        from traitlets.config import Config

        config = None
        if os.name == "posix":
            # Unix sockets, not TCP ports: no race for a port with kernels that other programs
            # start at the same time, and no plain-TCP warning. The socket prefix must be an
            # absolute path: the kernel runs in the notebook's folder, this process does not.
            ipc = Path(tempfile.mkdtemp(prefix="sisrlearn-ipc-"))
            config = Config({"KernelManager": {"transport": "ipc", "ip": str(ipc / "kernel")}})
        runner = ExecutePreprocessor(timeout=timeout, kernel_name="python3", config=config)
        try:
            runner.preprocess(nb, {"metadata": {"path": str(notebook.parent)}})
        finally:
            if config is not None:
                shutil.rmtree(ipc, ignore_errors=True)
    body, _ = HTMLExporter().from_notebook_node(nb)
    (out / f"{notebook.stem}.html").write_text(body, encoding="utf-8")
    return time.perf_counter() - started


def build(
    notebooks: str | Path, out: str | Path, *, execute: bool = True, timeout: int = 900
) -> list[Path]:
    """Render every course notebook of ``notebooks`` into ``out`` and write ``out/index.html``."""
    paths = course_order(notebooks)
    if not paths:
        raise ValueError(f"no NN_topic.ipynb notebooks in {str(notebooks)!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    for path in paths:
        try:
            seconds = render(path, out, execute=execute, timeout=timeout)
        except Exception as err:  # a cell failed: say which notebook, keep nbclient's message
            raise RuntimeError(f"{path} failed to execute:\n{err}") from err
        detail = f"executed in {seconds:.0f} s" if execute else ""
        pages.append((f"{path.stem}.html", notebook_title(path), detail))
        print(f"{path} -> {out / pages[-1][0]} ({seconds:.0f} s)", flush=True)
    mode = "fast mode" if os.environ.get("SISRLEARN_FAST") == "1" else "full mode"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f"Executed in {mode} on {when}." if execute else "Not executed (stored notebooks)."
    (out / "index.html").write_text(index_html(pages, note=note), encoding="utf-8")
    print(f"{out / 'index.html'}: {len(pages)} notebooks")
    return [out / href for href, _, _ in pages]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default="notebooks", metavar="DIR")
    parser.add_argument("--out", default="site", metavar="DIR")
    parser.add_argument("--no-execute", action="store_true", help="render the stored notebooks")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    os.environ.setdefault("SISRLEARN_FAST", "1")
    # figures inline in the kernels (an inherited MPLBACKEND=Agg would drop plt.show() figures)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        build(args.notebooks, args.out, execute=not args.no_execute, timeout=args.timeout)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
