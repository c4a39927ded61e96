"""Build a static site of the executed course: one HTML page per notebook plus an index.

    python tools/build_site.py [--notebooks notebooks] [--out site] [--no-execute]

(``make site`` runs it.) Every ``NN_topic.ipynb`` in the notebooks folder is executed in fast
mode (``SISRLEARN_FAST=1`` unless the environment says otherwise) with nbconvert, its figures
drawn inline, and written to ``OUT/NN_topic.html`` with the figures embedded in the page, so a
student who browses without running sees every output. ``OUT/index.html`` lists the pages in
course order (the ``NN`` prefix) with each notebook's title, its first ``# `` heading. The
notebooks themselves are not changed.

Every page is then checked for what a student should never see (:func:`plumbing_problems`):
an absolute path of the machine that built it, a thread count, or words about how the course
was made. A page with any of them is listed and the build fails.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sisrlearn.files import atomic_write_text

NAME = re.compile(r"^(\d+)_[\w-]+\.ipynb$")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

# What a published page must not contain, with a reason for the report. Absolute paths of a
# build machine, thread counts, and words that belong to how the course was made.
PLUMBING = (
    (re.compile(r"(?<![\w.~-])/(?:work|tmp|home|root)/"), "an absolute path"),
    (re.compile(r"\bthreads?\b", re.IGNORECASE), "a thread count"),
    (re.compile(r"\bsessions?\b", re.IGNORECASE), "how the course was made ('session')"),
    *(
        (re.compile(rf"\b{word}\b", re.IGNORECASE), f"how the course was made ('{word}')")
        for word in ("le" + "nt", "the " + "issue")  # spelled in parts: this file names them
    ),
)
_HIDDEN = re.compile(r"<(style|script)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
_TAG = re.compile(r"<[^>]+>")


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


def page_text(page: str) -> str:
    """The text a reader sees on an HTML page: no styles, scripts, tags or embedded images."""
    visible = _DATA_URI.sub(" ", _HIDDEN.sub(" ", page))
    return html.unescape(_TAG.sub(" ", visible))


def plumbing_problems(page: str) -> list[str]:
    """What a student should not see on a page: ``"REASON: ...context..."`` for every match
    of :data:`PLUMBING` in the page's visible text (empty when the page is clean)."""
    text = page_text(page)
    problems = []
    for pattern, reason in PLUMBING:
        for match in pattern.finditer(text):
            start, end = max(match.start() - 40, 0), match.end() + 40
            context = " ".join(text[start:end].split())
            problems.append(f"{reason}: ...{context}...")
    return problems


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


@contextlib.contextmanager
def _kernel_environment(fast: bool) -> Iterator[None]:
    """Kernels inherit the environment: fast mode (unless set) and inline figures."""
    saved = {key: os.environ.get(key) for key in ("SISRLEARN_FAST", "MPLBACKEND")}
    if fast:
        os.environ.setdefault("SISRLEARN_FAST", "1")
    os.environ["MPLBACKEND"] = INLINE_BACKEND  # an inherited MPLBACKEND=Agg would drop figures
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def render(notebook: Path, out: Path, *, execute: bool, timeout: int) -> Path:
    """Write ``out/<stem>.html`` for ``notebook`` (executed in its own folder); return it."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import ExecutePreprocessor

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
        runner = ExecutePreprocessor(
            timeout=timeout, startup_timeout=300, kernel_name="python3", config=config
        )
        try:
            runner.preprocess(nb, {"metadata": {"path": str(notebook.parent)}})
        finally:
            if config is not None:
                shutil.rmtree(ipc, ignore_errors=True)
    body, _ = HTMLExporter().from_notebook_node(nb)  # figures embedded as data URIs
    page = out / f"{notebook.stem}.html"
    atomic_write_text(page, body, overwrite=True)
    return page


def build(
    notebooks: str | Path,
    out: str | Path,
    *,
    execute: bool = True,
    timeout: int = 900,
    fast: bool = True,
    only: list[str] | None = None,
) -> list[Path]:
    """Render the course notebooks of ``notebooks`` (those named in ``only``, if given) into
    ``out`` and write ``out/index.html``; return the pages in course order."""
    paths = course_order(notebooks)
    if only is not None:
        paths = [p for p in paths if p.name in only or p.stem in only]
    if not paths:
        raise ValueError(f"no NN_topic.ipynb notebooks in {str(notebooks)!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    entries, pages = [], []
    with _kernel_environment(fast):
        for path in paths:
            started = time.perf_counter()
            try:
                pages.append(render(path, out, execute=execute, timeout=timeout))
            except Exception as err:  # a cell failed: say which notebook, keep nbclient's text
                raise RuntimeError(f"{path.name} failed to execute:\n{err}") from err
            entries.append((pages[-1].name, notebook_title(path), ""))
            print(f"{path.name} -> {pages[-1].name} ({time.perf_counter() - started:.0f} s)")
        mode = "fast mode" if os.environ.get("SISRLEARN_FAST") == "1" else "full mode"
    note = f"Executed in {mode} by make site." if execute else "Not executed (stored notebooks)."
    atomic_write_text(out / "index.html", index_html(entries, note=note), overwrite=True)
    print(f"index.html: {len(pages)} notebooks")
    return pages


def check_pages(pages: list[Path]) -> dict[str, list[str]]:
    """``{page name: problems}`` for the pages with anything :func:`plumbing_problems` finds."""
    found = {}
    for page in pages:
        problems = plumbing_problems(page.read_text(encoding="utf-8"))
        if problems:
            found[page.name] = problems
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default="notebooks", metavar="DIR")
    parser.add_argument("--out", default="site", metavar="DIR")
    parser.add_argument("--no-execute", action="store_true", help="render the stored notebooks")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these notebooks only")
    args = parser.parse_args(argv)
    try:
        pages = build(
            args.notebooks,
            args.out,
            execute=not args.no_execute,
            timeout=args.timeout,
            only=args.only,
        )
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    problems = check_pages(pages)
    for name, found in problems.items():
        print(f"error: {name} shows what a student should not see:", file=sys.stderr)
        for problem in found:
            print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
