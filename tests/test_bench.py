"""``sisrlearn.bench``: benchmark rows, the Markdown table and the marked-file writer."""

import json

import pytest
import torch

from sisrlearn.bench import MARKERS, benchmark, markdown_table, write_markdown
from sisrlearn.images import save_image
from sisrlearn.published import published


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
    keys = {
        "method",
        "protocol",
        "dataset",
        "scale",
        "psnr",
        "ssim",
        "num_images",
        "seconds",
        "per_image",
    }
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


def test_benchmark_errors(tmp_path):
    with pytest.raises(ValueError, match="no image files"):
        benchmark([tmp_path], ["bicubic"], [2], progress=False)
    with pytest.raises(ValueError, match="scale"):
        benchmark([tmp_path], ["bicubic"], [0], progress=False)
    with pytest.raises(ValueError, match="x1 is no super-resolution"):
        benchmark([tmp_path], ["bicubic"], [1], progress=False)
    with pytest.raises(ValueError, match="dataset must be"):
        benchmark(["no_such_set"], ["bicubic"], [2], progress=False)


@pytest.mark.slow  # 19 images at three scales
def test_bundled_set5_and_set14_give_the_published_bicubic_figures():
    rows = benchmark(None, ["bicubic"], [2, 3, 4], progress=False)
    got = {(r["dataset"], r["scale"]): round(r["psnr"], 2) for r in rows}
    assert got == {
        ("Set5", 2): 33.66,
        ("Set5", 3): 30.39,
        ("Set5", 4): 28.42,
        ("Set14", 2): 30.23,
        ("Set14", 3): 27.54,
        ("Set14", 4): 26.00,
    }


def test_published_figures_and_markdown_column():
    assert published("bicubic", "Set5", 3) == 30.39
    assert published("srcnn_x3", "Set5", 3) == 32.75  # family of a zoo name
    assert published("srcnn_x3", "Urban100", 3) is None
    row = {
        "method": "srcnn_x3",
        "protocol": "matlab",
        "dataset": "Set5",
        "scale": 3,
        "psnr": 32.5,
        "ssim": 0.9,
        "num_images": 5,
        "seconds": 1.0,
    }
    assert "| 32.50 | 32.75 |" in markdown_table([row])
    assert "| 32.50 |  |" in markdown_table([{**row, "protocol": "rgb"}])


def test_write_markdown_keeps_the_rest_of_the_file(tmp_path):
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


def test_shipped_jobs_score_each_network_at_its_scales(monkeypatch):
    from sisrlearn import bench
    from sisrlearn.zoo import ZooEntry

    def entry(name, model, scales):
        return ZooEntry(name, "model", model, {}, tuple(scales), None, "", {})

    entries = {
        "srcnn_x3": entry("srcnn_x3", "srcnn", [3]),
        "srcnn_x4": entry("srcnn_x4", "srcnn", [4]),
        "vdsr": entry("vdsr", "vdsr", [2, 3, 4]),
        "drcn_x3": entry("drcn_x3", "drcn", [3]),
        "colornet": entry("colornet", "colornet", []),
    }
    monkeypatch.setattr(bench, "zoo_entries", lambda: entries)
    assert bench.shipped_jobs([4]) == [
        ("bicubic", 3),
        ("drcn_x3", 3),
        ("bicubic", 4),
        ("srcnn_x4", 4),
        ("vdsr", 4),
    ]
    assert ("srcnn_x3", 3) in bench.shipped_jobs([3, 4])
    with pytest.raises(ValueError):
        bench.shipped_jobs([0])


def test_perception_distortion_by_hand(folder):
    from sisrlearn import bench
    from sisrlearn.images import load_folder
    from sisrlearn.metrics import prepare, sharpness
    from sisrlearn.resize import upsample

    images = load_folder(folder)
    hr_sharp, rows = bench.perception_distortion(images, ["bicubic", "nearest"], 2)
    colour = [hr for hr in images.values() if hr.shape[0] == 3]
    pairs = [prepare(hr, 2, "rgb") for hr in colour]
    expected = sum(sharpness(ref).item() for _, ref in pairs) / 2
    assert hr_sharp == pytest.approx(expected)
    nearest = sum(sharpness(upsample(lr, 2, "nearest").clamp(0, 1)).item() for lr, _ in pairs) / 2
    assert rows[1]["method"] == "nearest" and rows[1]["sharpness"] == pytest.approx(nearest)
    psnr = benchmark([folder], ["bicubic"], [2], progress=False)[0]["psnr"]
    assert rows[0]["psnr"] == pytest.approx(psnr)
    _, sharp_only = bench.perception_distortion(images, ["nearest"], 2, psnr=False)
    assert sharp_only == [{"method": "nearest", "sharpness": rows[1]["sharpness"]}]
    with pytest.raises(ValueError, match="colour"):
        bench.perception_distortion({"g": torch.rand(1, 24, 24)}, ["bicubic"], 2)


def test_reading_and_published_tables_name_data_and_budget(folder):
    from sisrlearn import bench
    from sisrlearn.published import PUBLISHED

    rows = benchmark([folder], ["bicubic"], [2], progress=False)
    rows[0]["dataset"] = "Set5"  # as if scored on Set5: the paper's figure appears
    table = bench.reading_table(rows)
    assert f"{PUBLISHED['bicubic'][('Set5', 2)]:.2f}" in table and "| nothing |" in table
    unscored = bench.published_table(exclude=["srcnn_x3", "bicubic"])
    assert "| srcnn |" not in unscored and "| srcnn (T91) | Set5 | x3 | 32.39 |" in unscored
    assert "| srresnet | Set5 | x4 | 32.05 | 350,000 ImageNet images |" in unscored
