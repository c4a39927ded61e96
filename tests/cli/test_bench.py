"""``sisrlearn bench``: the table, JSON and Markdown outputs, and its errors."""

import json

import pytest
import torch

from sisrlearn.cli import main
from sisrlearn.images import save_image


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "Mini"
    d.mkdir()
    save_image(torch.rand(3, 24, 24), d / "a.png")
    (d / "info.txt").write_text("x")
    return d


def test_bench_prints_table_writes_json_and_notes_skips(folder, tmp_path, capsys):
    out = tmp_path / "rows.json"
    code = main(
        [
            "bench",
            "--data",
            str(folder),
            "--methods",
            "bicubic",
            "--scales",
            "2",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert "| bicubic | matlab | Mini | x2 |" in captured.out
    assert "skipping" in captured.err and "info.txt" in captured.err
    rows = json.loads(out.read_text())
    assert rows[0]["dataset"] == "Mini" and rows[0]["num_images"] == 1
    assert main(["bench", "--data", str(folder), "--json", str(out), "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_bench_empty_folder_and_bad_method(tmp_path, folder, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["bench", "--data", str(empty), "--quiet"]) == 2
    assert "no image files" in capsys.readouterr().err
    assert main(["bench", "--data", str(folder), "--methods", "magic", "--quiet"]) == 2
    assert "method must be one of" in capsys.readouterr().err


def test_bench_markdown_into_a_marked_file(folder, tmp_path, capsys):
    from sisrlearn.bench import MARKERS

    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{MARKERS[0]}\n{MARKERS[1]}\n")
    args = ["bench", "--data", str(folder), "--scales", "2", "--quiet"]
    assert main([*args, "--markdown", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n") and "| bicubic | matlab | Mini | x2 |" in text
    plain = tmp_path / "plain.md"
    plain.write_text("mine\n")
    assert main([*args, "--markdown", str(plain)]) == 2
    assert "no '<!-- sisrlearn bench: start -->'" in capsys.readouterr().err
    assert plain.read_text() == "mine\n"
