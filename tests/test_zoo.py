import json

import pytest
import torch

from sisrlearn import bench, trainer, zoo
from sisrlearn.cli import main
from sisrlearn.images import save_image
from sisrlearn.models.drcn import RecursiveSupervision
from sisrlearn.models.srcnn import SRCNN

TINY = {"n1": 4, "n2": 2}


@pytest.fixture()
def images(hr_folder):
    return hr_folder


def _train(images, out, steps, **kw):
    options = dict(
        steps=steps,
        out=out,
        batch_size=4,
        model_kwargs=TINY,
        augment=False,
        progress=False,
        eval_every=2,
        checkpoint_every=2,
    )
    options.update(kw)
    return zoo.train_recipe("srcnn", 2, images, **options)


def test_train_bf16_is_recorded(images, tmp_path):
    out = tmp_path / "srcnn_x2.pt"
    model, _ = _train(images, out, 2, bf16=True)
    assert json.loads(out.with_suffix(".json").read_text())["cpu_bf16"] is True
    convs = [p for p in model.parameters() if p.dim() == 4]
    assert convs and all(p.is_contiguous(memory_format=torch.channels_last) for p in convs)
    _train(images, out, 2, overwrite=True)
    assert "cpu_bf16" not in json.loads(out.with_suffix(".json").read_text())


def test_train_writes_a_zoo_record_that_loads(images, tmp_path, monkeypatch):
    out = tmp_path / "w" / "srcnn_x2.pt"
    model, history = _train(images, out, 3, val=images, command="sisrlearn train srcnn ...")
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["command"] == "sisrlearn train srcnn ..."
    assert record["steps"] == 3 and record["scale"] == 2 and record["kwargs"] == TINY
    assert len(record["history"]["loss"]) == 3 and "psnr_x2" in record["history"]["metrics"]
    assert not out.with_suffix(".ckpt").exists()  # removed once the run finished
    monkeypatch.setattr(zoo, "WEIGHTS_DIR", out.parent)
    assert zoo.verify_all() == {"srcnn_x2": True}
    loaded = zoo.load_pretrained("srcnn_x2")
    assert isinstance(loaded, SRCNN) and loaded.padding == "same"  # inference form
    assert torch.equal(loaded.conv1.weight, model.conv1.weight.detach())
    # shipped names are bench methods
    method = bench.get_method("srcnn_x2")
    assert method.channels == "y"
    rows = bench.benchmark([images], ["srcnn_x2"], [2, 3], progress=False)  # x3: skipped
    assert rows[0]["method"] == "srcnn_x2" and rows[0]["num_images"] == 2
    assert len(rows) == 1
    with pytest.raises(ValueError, match="trained for scale"):
        bench.apply_method(method, torch.rand(1, 8, 8), 3)
    with pytest.raises(ValueError, match="no method"):
        bench.benchmark([images], ["srcnn_x2"], [4], progress=False)
    bench.METHODS.pop("srcnn_x2")


def test_sha256_mismatch_and_unknown_names(images, tmp_path, monkeypatch):
    out = tmp_path / "srcnn_x2.pt"
    _train(images, out, 1)
    monkeypatch.setattr(zoo, "WEIGHTS_DIR", tmp_path)
    out.write_bytes(out.read_bytes() + b"tampered")
    assert zoo.verify_all() == {"srcnn_x2": False}
    with pytest.raises(ValueError, match="sha256"):
        zoo.load_pretrained("srcnn_x2")
    with pytest.raises(ValueError, match="sha256"):  # before any image is scored
        bench.get_method("srcnn_x2")
    with pytest.raises(ValueError, match="shipped model"):
        zoo.load_pretrained("srcnn_x9")
    out.unlink()
    with pytest.raises(ValueError, match="missing"):
        zoo.load_pretrained("srcnn_x2")
    with pytest.raises(ValueError, match="zoo name"):
        zoo.parse_name("nonet_x2")
    assert zoo.parse_name("srcnn_x3") == ("srcnn", 3)


def test_stop_and_resume_equals_one_run(images, tmp_path, monkeypatch):
    straight, _ = _train(images, tmp_path / "a.pt", 4)
    real_loss, calls = trainer._loss, {"n": 0}

    def interrupting(name, *schedule):
        fn = real_loss(name, *schedule)

        def loss(out, target):
            calls["n"] += 1
            if calls["n"] == 3:  # Ctrl-C during step 3: the step-2 checkpoint stays
                raise KeyboardInterrupt
            return fn(out, target)

        return loss

    monkeypatch.setattr(trainer, "_loss", interrupting)
    with pytest.raises(KeyboardInterrupt):
        _train(images, tmp_path / "b.pt", 4)
    monkeypatch.setattr(trainer, "_loss", real_loss)
    assert (tmp_path / "b.ckpt").exists() and not (tmp_path / "b.pt").exists()
    resumed, history = _train(images, tmp_path / "b.pt", 4, resume=True)
    assert history.step == [1, 2, 3, 4]
    for p, q in zip(straight.parameters(), resumed.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-6, rtol=1e-5)


def test_train_refuses_to_overwrite_and_bad_arguments(images, tmp_path):
    out = tmp_path / "w.pt"
    _train(images, out, 1)
    with pytest.raises(FileExistsError, match="overwrite"):
        _train(images, out, 1)
    _train(images, out, 1, overwrite=True)
    with pytest.raises(ValueError, match="checkpoint"):
        _train(images, tmp_path / "none.pt", 2, resume=True)
    with pytest.raises(ValueError, match=r"\.pt"):
        _train(images, tmp_path / "w.pth", 1)
    with pytest.raises(ValueError, match="model must be one of"):
        zoo.train_recipe("nonet", 2, images)
    with pytest.raises(ValueError, match="steps"):
        _train(images, None, 0)
    with pytest.raises(ValueError, match="patch_size"):
        _train(images, None, 1, patch_size=0)


def test_patch_size_override_changes_the_training_crops_and_the_record(images, tmp_path):
    out = tmp_path / "p.pt"
    _train(images, out, 1, patch_size=21, learning_rate=3e-4)
    recipe = json.loads(out.with_suffix(".json").read_text())["recipe"]
    # SRCNN's 33 / 14 becomes 21 / 9 (the stride keeps its ratio to the patch)
    assert (recipe["patch_size"], recipe["stride"], recipe["learning_rate"]) == (21, 9, 3e-4)
    default = trainer.MODELS["srcnn"].recipe
    small = trainer._override(default, None, None, None, 21, 1)
    dataset = trainer.recipe_dataset(small, images, [2], augment=False)
    assert dataset[0][0].shape[-1] == 21
    assert trainer.recipe_dataset(default, images, [2], augment=False)[0][0].shape[-1] == 33


def test_cli_train(images, tmp_path, capsys):
    out = tmp_path / "cli.pt"
    args = [
        "train",
        "srcnn",
        "--scale",
        "2",
        "--data",
        str(images),
        "--steps",
        "2",
        "--batch-size",
        "4",
        "--patch-size",
        "21",
        "--model-arg",
        "n1=4",
        "--model-arg",
        "n2=2",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(args) == 0
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["command"] == "sisrlearn " + " ".join(args)
    assert record["recipe"]["batch_size"] == 4 and record["recipe"]["steps"] == 2
    assert record["recipe"]["patch_size"] == 21
    assert main(args) == 2
    assert "exists" in capsys.readouterr().err
    assert main([*args[:6], "--data", str(tmp_path / "nope"), "--out", str(out)]) == 2
    assert "--data" in capsys.readouterr().err
    assert main([*args, "--model-arg", "oops"]) == 2


def test_tiled_upscale_equals_untiled(tmp_path):
    torch.manual_seed(0)
    model = SRCNN(n1=8, n2=4).eval()
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.1)
    bench.register_method(
        "tiny_srcnn", zoo.model_method(model, upsampled=True), channels="y", overwrite=True
    )
    img = torch.rand(3, 37, 45)
    whole = bench.upscale(img, 3, "tiny_srcnn")
    tiled = bench.upscale(img, 3, "tiny_srcnn", tile=16, overlap=8)
    assert tiled.shape == whole.shape == (3, 111, 135)
    assert (tiled - whole).abs().max() < 1e-4
    with pytest.raises(ValueError, match="tile"):
        bench.upscale(img, 3, "bicubic", tile=2)
    with pytest.raises(ValueError, match="overlap"):
        bench.upscale(img, 3, "bicubic", tile=16, overlap=-1)
    bench.METHODS.pop("tiny_srcnn")


def test_train_or_load_trains_without_shipped_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(zoo, "WEIGHTS_DIR", tmp_path)  # nothing shipped there
    save_image(torch.rand(1, 200, 200), tmp_path / "hr" / "big.png")  # 144 sub-images
    model = zoo.train_or_load("srcnn_x2", steps=1, data=tmp_path / "hr", progress=False)
    assert not model.training and isinstance(model, SRCNN)


def test_recursive_supervision_decays_from_every_recursion_to_the_ensemble():
    loss = RecursiveSupervision(total=4)
    target = torch.zeros(2, 1, 3, 3)
    stacked = torch.stack([torch.full_like(target, 1.0),  # the ensemble: error 1
                           torch.full_like(target, 2.0),  # recursion 1: error 4
                           torch.zeros_like(target)])  # recursion 2: exact  # fmt: skip
    got = [float(loss(stacked, target)) for _ in range(5)]
    # alpha = 1, 0.75, 0.5, 0.25, 0: alpha * mean(4, 0) + (1 - alpha) * 1
    assert got == pytest.approx([2.0, 1.75, 1.5, 1.25, 1.0])
    resumed = RecursiveSupervision(total=4, done=2)
    assert resumed.alpha() == 0.5


def test_train_drcn_uses_recursive_supervision(images, tmp_path):
    from sisrlearn.models.drcn import DRCN

    torch.manual_seed(0)
    model, history = zoo.train_recipe(
        "drcn", 3, images, steps=2, batch_size=2, augment=False, progress=False,
        model_kwargs={"recursions": 2, "num_features": 4}, out=tmp_path / "drcn_x3.pt",
    )  # fmt: skip
    assert isinstance(model, DRCN) and len(history.loss) == 2
    record = json.loads((tmp_path / "drcn_x3.json").read_text())
    assert record["recipe"]["loss"] == "recursive"
    loaded = DRCN(recursions=2, num_features=4)
    loaded.load_state_dict(torch.load(tmp_path / "drcn_x3.pt", weights_only=True))
