import json

import pytest
import torch

from sisrlearn.bench import (
    METHODS,
    apply_method,
    benchmark,
    get_method,
    markdown_table,
    prepare,
    register_method,
    upscale,
)
from sisrlearn.images import save_image
from sisrlearn.resize import imresize


@pytest.fixture
def folder(tmp_path):
    gen = torch.Generator().manual_seed(0)
    d = tmp_path / "Tiny"
    d.mkdir()
    for i in range(2):
        save_image(torch.rand(3, 26, 25, generator=gen), d / f"img{i}.png")
    save_image(torch.rand(1, 24, 24, generator=gen), d / "gray.png")
    (d / "notes.txt").write_text("skip me")
    return d


def test_benchmark_rows_and_bicubic_by_hand(folder):
    rows = benchmark([folder], ["bicubic", "nearest"], [2, 3], progress=False)
    assert len(rows) == 4
    keys = {"method", "protocol", "dataset", "scale", "psnr", "ssim", "num_images", "seconds",
            "per_image"}  # fmt: skip
    assert all(set(r) == keys for r in rows)
    assert rows[0]["dataset"] == "Tiny" and rows[0]["num_images"] == 3
    per_image = rows[0]["per_image"]
    assert sorted(per_image) == ["gray", "img0", "img1"]
    assert sum(per_image.values()) / 3 == pytest.approx(rows[0]["psnr"])
    bic = {r["scale"]: r["psnr"] for r in rows if r["method"] == "bicubic"}
    near = {r["scale"]: r["psnr"] for r in rows if r["method"] == "nearest"}
    assert bic[2] > bic[3] and all(bic[s] != near[s] for s in (2, 3))
    assert "| bicubic | matlab | Tiny | x2 |" in markdown_table(rows)
    json.dumps(rows)


def test_prepare_matlab_and_rgb():
    hr = torch.rand(3, 13, 14, dtype=torch.float64)
    lr, ref = prepare(hr, 3, "matlab")
    assert ref.shape == (1, 12, 12) and torch.equal(ref * 255, (ref * 255).round())
    assert torch.allclose(lr, imresize(ref, 1 / 3))
    lr_rgb, ref_rgb = prepare(hr, 3, "rgb")
    assert lr_rgb.shape == (3, 4, 4) and torch.equal(lr_rgb * 255, (lr_rgb * 255).round())
    with pytest.raises(ValueError, match="protocol"):
        prepare(hr, 2, "lab")


def test_y_methods_run_on_colour_input_and_registry_errors():
    register_method("double_y", lambda lr, s: imresize(lr, s), channels="y", overwrite=True)
    out = apply_method("double_y", torch.rand(3, 6, 6, dtype=torch.float64), 2)
    assert out.shape == (3, 12, 12)
    with pytest.raises(ValueError, match="already registered"):
        register_method("double_y", lambda lr, s: lr)
    with pytest.raises(ValueError, match="method must be one of"):
        get_method("magic")
    register_method("broken", lambda lr, s: lr, overwrite=True)
    with pytest.raises(RuntimeError, match="expected"):
        apply_method("broken", torch.rand(1, 4, 4), 2)
    del METHODS["double_y"], METHODS["broken"]


def test_upscale_clips():
    out = upscale(torch.rand(1, 5, 5), 2, "lanczos")
    assert out.shape == (1, 10, 10) and out.min() >= 0 and out.max() <= 1


def test_benchmark_errors(tmp_path):
    with pytest.raises(ValueError, match="no image files"):
        benchmark([tmp_path], ["bicubic"], [2], progress=False)
    with pytest.raises(ValueError, match="scale"):
        benchmark([tmp_path], ["bicubic"], [0], progress=False)


def test_published_figures_and_markdown_column():
    from sisrlearn.bench import published

    assert published("bicubic", "Set5", 3) == 30.39
    assert published("srcnn_x3", "Set5", 3) == 32.75  # family of a zoo name
    assert published("srcnn_x3", "Urban100", 3) is None
    row = {"method": "srcnn_x3", "protocol": "matlab", "dataset": "Set5", "scale": 3,
           "psnr": 32.5, "ssim": 0.9, "num_images": 5, "seconds": 1.0}  # fmt: skip
    assert "| 32.50 | 32.75 |" in markdown_table([row])
    assert "| 32.50 |  |" in markdown_table([{**row, "protocol": "rgb"}])


def test_write_markdown_keeps_the_rest_of_the_file(tmp_path):
    from sisrlearn.bench import MARKERS, write_markdown

    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{MARKERS[0]}\nold table\n{MARKERS[1]}\n\nafter\n")
    write_markdown("| new |", readme)
    assert readme.read_text() == f"# title\n\n{MARKERS[0]}\n| new |\n{MARKERS[1]}\n\nafter\n"
    fresh = write_markdown("| t |", tmp_path / "new.md")
    assert fresh.read_text() == f"{MARKERS[0]}\n| t |\n{MARKERS[1]}\n"
    plain = tmp_path / "notes.md"
    plain.write_text("my notes\n")
    with pytest.raises(ValueError, match="sisrlearn bench: start"):
        write_markdown("| t |", plain)
    assert plain.read_text() == "my notes\n"
