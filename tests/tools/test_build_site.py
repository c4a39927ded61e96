"""tools/build_site.py (``make site``): course order, titles, the index page."""

import importlib.util
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


def test_bad_folders_are_refused(tmp_path, capsys):
    with pytest.raises(ValueError, match="notebooks must be a folder"):
        build_site.course_order(tmp_path / "missing")
    assert build_site.main(["--notebooks", str(tmp_path), "--out", str(tmp_path / "s")]) == 2
    assert "no NN_topic.ipynb" in capsys.readouterr().err


def test_the_repository_notebooks_are_in_course_order():
    names = [p.name for p in build_site.course_order(ROOT / "notebooks")]
    assert names and names[0].startswith("01_")
    assert [int(n[:2]) for n in names] == sorted(int(n[:2]) for n in names)
