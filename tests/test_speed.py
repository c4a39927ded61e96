import pytest
import torch

from sisrlearn import bench, speed, zoo
from sisrlearn.cli import main
from sisrlearn.runs import train_recipe


@pytest.fixture()
def images(hr_folder):
    return hr_folder


def test_time_call_warms_up_then_takes_the_median():
    calls = []
    ms = speed.time_call(lambda x: calls.append(x), 7, repeats=3)
    assert calls == [7, 7, 7, 7] and ms >= 0.0  # one warm-up and three timed calls
    with pytest.raises(ValueError, match="repeats"):
        speed.time_call(lambda: None, repeats=0)


def test_untrained_rows_count_parameters_and_have_no_psnr(one_thread, monkeypatch, tmp_path):
    monkeypatch.setattr(zoo, "INDEX", tmp_path / "index.json")  # nothing shipped
    rows = speed.speed_size(["fsrcnn_s", "vdsr"], side=24, repeats=1)
    assert [(r["model"], r["weights"], r["scale"]) for r in rows] == [
        ("fsrcnn_s", "untrained", 3),
        ("vdsr", "untrained", 3),
    ]
    assert (
        rows[1]["parameters"] == 665_921 and rows[1]["paper_parameters"] == ""
    )  # the VDSR paper states no count
    assert rows[1]["config"] == "paper"
    assert all(r["ms"] > 0 and r["psnr"] is None and r["val_psnr"] is None for r in rows)
    with pytest.raises(ValueError, match="names must be among"):
        speed.speed_size(["bicubic"])
    with pytest.raises(ValueError, match="side"):
        speed.speed_size(["espcn"], side=4)


def test_shipped_rows_are_scored_like_bench(one_thread, images, monkeypatch, tmp_path):
    weights = tmp_path / "w"
    train_recipe(
        "srcnn",
        2,
        images,
        steps=2,
        out=weights / "srcnn_x2.pt",
        batch_size=2,
        model_kwargs={"n1": 4, "n2": 2},
        augment=False,
        progress=False,
        val=images,
        eval_every=2,
    )
    monkeypatch.setattr(zoo, "INDEX", weights / "index.json")
    zoo.add_entry("srcnn_x2", weights / "srcnn_x2.json", index=weights / "index.json")
    (row,) = speed.speed_size(["srcnn"], images=images, repeats=1)
    assert (row["weights"], row["scale"], row["images"]) == ("srcnn_x2", 2, 2)
    assert speed.speed_size(["srcnn"], images=images, scales=[3]) == []  # shipped for x2 only
    (bench_row,) = bench.benchmark([images], ["srcnn_x2"], [2], progress=False)
    assert row["psnr"] == pytest.approx(bench_row["psnr"], abs=1e-9)
    assert row["val_psnr"] == pytest.approx(bench_row["psnr"], abs=1e-6)  # same protocol
    table = speed.markdown_table([row])
    # a shipped model with non-paper arguments says so, and has no paper count beside it
    assert row["config"] == "n1=4, n2=2" and row["paper_parameters"] == ""
    assert f"| srcnn | srcnn_x2 | n1=4, n2=2 | x2 | {row['parameters']:,} |" in table
    assert f"{row['psnr']:.2f} |" in table


def test_cli_speed_writes_between_its_markers(one_thread, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{speed.SPEED_MARKERS[0]}\nold\n{speed.SPEED_MARKERS[1]}\nend\n")
    args = ["speed", "--models", "espcn", "--side", "24", "--repeats", "1"]
    assert main([*args, "--markdown", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("end\n") and "old" not in text
    assert "| espcn |" in text and "| ms / image |" in text
    plain = tmp_path / "plain.md"
    plain.write_text("no markers\n")
    assert main([*args, "--markdown", str(plain)]) == 2
    assert "sisrlearn speed: start" in capsys.readouterr().err
    assert plain.read_text() == "no markers\n"
    assert main([*args, "--data", str(tmp_path / "nope")]) == 2
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:  # argparse: the valid names and status 2
        main(["speed", "--models", "bicubic"])
    assert stop.value.code == 2 and "invalid choice: 'bicubic'" in capsys.readouterr().err


def test_count_multiply_adds_matches_the_hand_counts():
    from torch import nn

    from sisrlearn.models import build_model

    # SRCNN 9-5-5 on a 30x30 grid, padded: (81*1*64 + 25*64*32 + 25*32*1) per output pixel
    srcnn = build_model("srcnn", padding="same")
    assert speed.count_multiply_adds(srcnn, torch.rand(1, 1, 30, 30)) == 900 * 57_184
    # FSRCNN x3 on a 10x10 LR grid: every layer per LR pixel, the 9x9 deconvolution included
    fsrcnn = build_model("fsrcnn", scale=3)
    assert speed.count_multiply_adds(fsrcnn, torch.rand(2, 1, 10, 10)) == 2 * 100 * 12_464
    # a grouped convolution, a stride-2 deconvolution and a linear layer, written out
    net = nn.Sequential(
        nn.Conv2d(4, 6, 3, padding=1, groups=2),  # 8x8 out: 64 * 6 * (2 * 9)
        nn.ConvTranspose2d(6, 2, 4, stride=2, padding=1),  # 8x8 in: 64 * 6 * (2 * 16)
        nn.Flatten(),
        nn.Linear(2 * 16 * 16, 5),  # 512 * 5
    )
    expected = 64 * 6 * 18 + 64 * 6 * 32 + 512 * 5
    assert speed.count_multiply_adds(net, torch.rand(1, 4, 8, 8)) == expected
    assert not net[0]._forward_hooks  # the hooks are gone afterwards
    with pytest.raises(TypeError, match="model must be"):
        speed.count_multiply_adds(lambda t: t, torch.rand(1))
    with pytest.raises(TypeError, match="x must be"):
        speed.count_multiply_adds(net, [1, 2])
