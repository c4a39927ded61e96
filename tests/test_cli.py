import json

import pytest
import torch

from sisrlearn.cli import main
from sisrlearn.images import load_image, save_image


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "Mini"
    d.mkdir()
    save_image(torch.rand(3, 24, 24), d / "a.png")
    (d / "info.txt").write_text("x")
    return d


def test_bench_prints_table_writes_json_and_notes_skips(folder, tmp_path, capsys):
    out = tmp_path / "rows.json"
    code = main(["bench", "--data", str(folder), "--methods", "bicubic", "--scales", "2",
                 "--json", str(out), "--quiet"])  # fmt: skip
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


def test_upscale_writes_and_refuses_to_overwrite(tmp_path, capsys):
    src = save_image(torch.rand(3, 10, 12), tmp_path / "in.png")
    dst = tmp_path / "out.png"
    assert main(["upscale", str(src), str(dst), "--scale", "3"]) == 0
    assert load_image(dst).shape == (3, 30, 36)
    assert main(["upscale", str(src), str(dst), "--scale", "2"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["upscale", str(src), str(dst), "--scale", "2", "--overwrite"]) == 0
    assert load_image(dst).shape == (3, 20, 24)


def test_upscale_errors(tmp_path, capsys):
    src = save_image(torch.rand(3, 10, 12), tmp_path / "in.png")
    assert (
        main(["upscale", str(tmp_path / "none.png"), str(tmp_path / "o.png"), "--scale", "2"]) == 2
    )
    assert "not found" in capsys.readouterr().err
    text = tmp_path / "t.png"
    text.write_text("hello")
    assert main(["upscale", str(text), str(tmp_path / "o.png"), "--scale", "2"]) == 2
    assert "not an image" in capsys.readouterr().err
    assert (
        main(["upscale", str(src), str(tmp_path / "o.png"), "--scale", "2", "--method", "x"]) == 2
    )
    assert "method must be one of" in capsys.readouterr().err
    assert main(["upscale", str(src), str(tmp_path / "o.txt"), "--scale", "2"]) == 2
    with pytest.raises(SystemExit):
        main(["upscale", str(src), str(tmp_path / "o.png"), "--scale", "0"])
    assert "positive integer" in capsys.readouterr().err


def test_doctor_reports(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "device" in out and "torch" in out and "fast mode" in out and "cpu bf16" in out


def test_doctor_cpu_bf16_line_reads_the_cpu_flags(tmp_path):
    from sisrlearn.doctor import cpu_bf16_line

    info = tmp_path / "cpuinfo"
    info.write_text("flags\t\t: fpu sse avx512f avx512_bf16 amx_tile amx_bf16\n")
    assert cpu_bf16_line(info).startswith("yes (amx_bf16, avx512_bf16)")
    info.write_text("flags\t\t: fpu sse avx2\n")
    assert cpu_bf16_line(info).startswith("no bfloat16 units")
    assert cpu_bf16_line(tmp_path / "missing").startswith("unknown")


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
