"""tools/build_site.py (``make site``): course order, titles, the index page, executed pages
with their figures, and the check that no page shows paths, thread counts or how the course
was made."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
build_site = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_site)


def _notebook(path: Path, title: str | None) -> None:
    cells = [nbformat.v4.new_code_cell("x = 1")]
    if title is not None:
        cells.insert(0, nbformat.v4.new_markdown_cell(f"Intro text\n# {title}\n\n## not this"))
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


def test_index_lists_the_notebooks_in_course_order_with_their_titles(tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    _notebook(folder / "10_colorization.ipynb", "10 · Colour <Lab>")
    _notebook(folder / "02_toy_convnet.ipynb", "02 · Toy convnet")
    _notebook(folder / "01_images_and_metrics.ipynb", None)
    (folder / "scratch.ipynb").write_text("{}")  # not a course notebook
    (folder / "03_notes.txt").write_text("")
    order = [p.name for p in build_site.course_order(folder)]
    assert order == ["01_images_and_metrics.ipynb", "02_toy_convnet.ipynb", "10_colorization.ipynb"]
    assert build_site.notebook_title(folder / "02_toy_convnet.ipynb") == "02 · Toy convnet"
    untitled = folder / "01_images_and_metrics.ipynb"
    assert build_site.notebook_title(untitled) == "01_images_and_metrics"

    pages = build_site.build(folder, tmp_path / "site", execute=False)
    assert [p.name for p in pages] == [
        "01_images_and_metrics.html",
        "02_toy_convnet.html",
        "10_colorization.html",
    ]
    assert all(p.is_file() and "jp-CodeCell" in p.read_text() for p in pages)
    assert "Toy convnet" in pages[1].read_text()
    index = (tmp_path / "site" / "index.html").read_text()
    hrefs = [index.index(f'href="{p.name}"') for p in pages]
    assert hrefs == sorted(hrefs)
    assert "10 · Colour &lt;Lab&gt;" in index and "scratch" not in index
    assert not re.search(r"\d{4}-\d{2}-\d{2}", index)  # no date on the index


def test_bad_folders_are_refused(tmp_path, capsys):
    with pytest.raises(ValueError, match="notebooks must be a folder"):
        build_site.course_order(tmp_path / "missing")
    assert build_site.main(["--notebooks", str(tmp_path), "--out", str(tmp_path / "s")]) == 2
    assert "no NN_topic.ipynb" in capsys.readouterr().err


def test_the_repository_notebooks_are_in_course_order():
    names = [p.name for p in build_site.course_order(ROOT / "notebooks")]
    assert names and names[0].startswith("01_")
    assert [int(n[:2]) for n in names] == sorted(int(n[:2]) for n in names)


def test_plumbing_check_reads_the_visible_text_only():
    clean = (
        "<style>.session { color: red }</style><script>var threads = 2;</script>"
        '<p>See <a href="https://example.org/home/page">the page</a>.</p>'
        '<img src="data:image/png;base64,AAAA/tmp/BBBB/work/CCCC=">'
        "<p>An excellent, silent, equivalent result.</p>"
    )
    assert build_site.plumbing_problems(clean) == []
    root = "/"  # the paths are built here so that this file holds none itself
    dirty = (
        f"<pre>saved to {root}work/wt-x/out.pt</pre>"
        f"<pre>{root}tmp/abc and {root}home/me and {root}root/x</pre>"
        "<p>trained on 2 threads</p><p>one Session later</p><p>a machine lent to us</p>"
        "<p>as the issue says</p>"
    )
    reasons = [p.split(":")[0] for p in build_site.plumbing_problems(dirty)]
    assert reasons.count("an absolute path") == 4
    assert "a thread count" in reasons
    assert sum(r.startswith("how the course was made") for r in reasons) == 3
    assert f"{root}work/wt-x/out.pt" in build_site.plumbing_problems(dirty)[0]


def test_executed_pages_carry_their_figures_and_the_check_flags_plumbing(tmp_path, capsys):
    folder = tmp_path / "nb"
    folder.mkdir()
    figure = "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0]);\nprint('two points')"
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell("# 01 · Clean"), nbformat.v4.new_code_cell(figure)]
        ),
        folder / "01_clean.ipynb",
    )
    leak = "import os\nprint(os.getcwd(), 'with', 4, 'threads')"
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(leak)]), folder / "02_leak.ipynb"
    )
    pages = build_site.build(folder, tmp_path / "site", only=["01_clean"])
    page = pages[0].read_text()
    assert "two points" in page and re.search(r'<img[^>]+src="data:image/png;base64,', page)
    assert build_site.check_pages(pages) == {}
    code = build_site.main(["--notebooks", str(folder), "--out", str(tmp_path / "s2")])
    assert code == 1
    err = capsys.readouterr().err
    assert "02_leak.html" in err and "an absolute path" in err and "a thread count" in err
    assert "01_clean.html" not in err


@pytest.mark.slow
def test_the_course_pages_show_no_paths_thread_counts_or_how_it_was_made(tmp_path):
    """Builds the whole site (every course notebook, fast mode) in its own process, as
    ``make site`` does: minutes. A kernel's reply can now and then sit unnoticed by the client
    until the cell timeout, which then finds it and goes on; no fast-mode cell needs more than
    a minute, so a 5-minute timeout bounds that wait."""
    out = tmp_path / "site"
    script = [sys.executable, str(ROOT / "tools" / "build_site.py"), "--timeout", "300"]
    done = subprocess.run(
        [*script, "--notebooks", str(ROOT / "notebooks"), "--out", str(out)],
        env={**os.environ, "SISRLEARN_FAST": "1"},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    pages = sorted(out.glob("[0-9][0-9]_*.html"))
    course = build_site.course_order(ROOT / "notebooks")
    assert [p.stem for p in pages] == [p.stem for p in course]
    assert build_site.check_pages(pages) == {}
