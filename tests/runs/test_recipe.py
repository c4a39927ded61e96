"""``sisrlearn train`` / ``train_recipe``: records, resuming, refusals, the CLI."""

import json
import shutil

import pytest
import torch

from sisrlearn import bench, methods, zoo
from sisrlearn.cli import main
from sisrlearn.images import save_image
from sisrlearn.models.drcn import RecursiveSupervision
from sisrlearn.models.srcnn import SRCNN
from sisrlearn.runs import parse_name
from sisrlearn.runs import recipe as trainer

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
    return trainer.train_recipe("srcnn", 2, images, **options)


def test_train_bf16_is_recorded(images, tmp_path):
    out = tmp_path / "srcnn_x2.pt"
    model, _ = _train(images, out, 2, bf16=True)
    assert "bfloat16" in json.loads(out.with_suffix(".json").read_text())["hardware"]
    convs = [p for p in model.parameters() if p.dim() == 4]
    assert convs and all(p.is_contiguous(memory_format=torch.channels_last) for p in convs)
    _train(images, out, 2, overwrite=True)
    assert "bfloat16" not in json.loads(out.with_suffix(".json").read_text())["hardware"]


def use_zoo(monkeypatch, folder, **records):
    """Point the zoo at an index in ``folder`` built from ``name=record file`` pairs."""
    monkeypatch.setattr(zoo, "INDEX", folder / "index.json")
    for name, record in records.items():
        zoo.add_entry(name, record, index=folder / "index.json")


def test_train_writes_a_zoo_record_that_loads(images, tmp_path, monkeypatch):
    out = tmp_path / "w" / "srcnn_x2.pt"
    model, history = _train(images, out, 3, val=images, command="sisrlearn train srcnn ...")
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["command"] == "sisrlearn train srcnn ..."
    assert record["steps"] == 3 and record["scales"] == [2] and record["kwargs"] == TINY
    assert len(record["history"]["loss"]) == 3 and "psnr_x2" in record["history"]["metrics"]
    assert not out.with_suffix(".ckpt").exists()  # removed once the run finished
    use_zoo(monkeypatch, out.parent, srcnn_x2=out.with_suffix(".json"))
    assert zoo.verify_all() == {"srcnn_x2": "ok"}
    loaded = zoo.load_pretrained("srcnn_x2")
    assert isinstance(loaded, SRCNN) and loaded.padding == "same"  # inference form
    assert torch.equal(loaded.conv1.weight, model.conv1.weight.detach())
    # shipped names are bench methods
    method = methods.get_method("srcnn_x2")
    assert method.channels == "y"
    rows = bench.benchmark([images], ["srcnn_x2"], [2, 3], progress=False)  # x3: skipped
    assert rows[0]["method"] == "srcnn_x2" and rows[0]["num_images"] == 2
    assert len(rows) == 1
    with pytest.raises(ValueError, match="trained for scale"):
        methods.apply_method(method, torch.rand(1, 8, 8), 3)
    with pytest.raises(ValueError, match="no method"):
        bench.benchmark([images], ["srcnn_x2"], [4], progress=False)


def test_sha256_mismatch_and_unknown_names(images, tmp_path, monkeypatch):
    out = tmp_path / "srcnn_x2.pt"
    _train(images, out, 1)
    use_zoo(monkeypatch, tmp_path, srcnn_x2=out.with_suffix(".json"))
    out.write_bytes(out.read_bytes() + b"tampered")
    assert zoo.verify_all() == {"srcnn_x2": "sha256 mismatch"}
    with pytest.raises(ValueError, match="sha256"):
        zoo.load_pretrained("srcnn_x2")
    with pytest.raises(ValueError, match="sha256"):  # before any image is scored
        methods.get_method("srcnn_x2")
    with pytest.raises(ValueError, match="shipped model"):
        zoo.load_pretrained("srcnn_x9")
    out.unlink()
    with pytest.raises(ValueError, match="missing"):
        zoo.load_pretrained("srcnn_x2")
    with pytest.raises(ValueError, match="model name"):
        parse_name("nonet_x2")
    assert parse_name("srcnn_x3") == ("srcnn", 3)


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
    with pytest.raises(ValueError, match="model must be an SR network"):
        trainer.train_recipe("nonet", 2, images)
    with pytest.raises(ValueError, match="learning_rate"):
        _train(images, None, 1, learning_rate=0)
    with pytest.raises(ValueError, match="takes no argument"):
        _train(images, None, 1, model_kwargs={"n9": 3})
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


def test_downscaled_copies_are_fsrcnns_augmentation():
    flat = torch.full((1, 40, 30), 0.25)
    ramp = torch.linspace(0, 1, 30).expand(1, 40, 30).clone()
    out = trainer.downscaled_copies({"flat": flat, "ramp": ramp}, trainer.FSRCNN_DOWNSCALES)
    assert len(out) == 2 * 5 and out["flat"] is flat
    assert out["ramp@0.6"].shape == (1, 24, 18) and out["flat@0.9"].shape == (1, 36, 27)
    torch.testing.assert_close(out["flat@0.7"], torch.full((1, 28, 21), 0.25))  # stays flat
    row = out["ramp@0.8"][0, 5]
    assert (row.diff() > 0).all() and 0 <= row.min() and row.max() <= 1  # still a ramp
    assert trainer.downscaled_copies({"flat": flat}, ()) == {"flat": flat}
    for bad in (1.0, 0, -0.5, True, "0.5"):
        with pytest.raises(ValueError, match="downscale factors must be numbers in"):
            trainer.downscaled_copies({"flat": flat}, [bad])


def test_downscale_trains_on_more_crops_and_resume_keeps_it(images, tmp_path, monkeypatch, capsys):
    seen = []
    real = trainer.recipe_dataset

    def spy(recipe, imgs, *args, **kw):
        seen.append(len(imgs))
        return real(recipe, imgs, *args, **kw)

    monkeypatch.setattr(trainer, "recipe_dataset", spy)
    _train(images, tmp_path / "d.pt", 2, downscale=(0.9, 0.8))
    _train(images, tmp_path / "n.pt", 2)
    assert seen[0] == 3 * seen[1]
    with pytest.raises(ValueError, match="downscale"):
        _train(images, tmp_path / "d.pt", 4, resume=True)  # the run had downscaled copies
    code = main(["train", "srcnn", "--scale", "2", "--downscale", "0.5", "1.5", "--steps", "1"])
    assert (
        code == 2 and "--downscale: factors must be in (0, 1), got 1.5" in capsys.readouterr().err
    )


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
    assert main([*args[:6], "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "n.pt")]) == 2
    assert "nope" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:  # argparse: usage and a one-line error, status 2
        main([*args[:6], "--lr", "0", "--out", str(tmp_path / "n.pt")])
    assert stop.value.code == 2 and "--lr" in capsys.readouterr().err
    assert main([*args, "--model-arg", "oops"]) == 2


def test_train_or_load_trains_without_shipped_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(zoo, "INDEX", tmp_path / "index.json")  # nothing shipped there
    save_image(torch.rand(1, 200, 200), tmp_path / "hr" / "big.png")  # 144 sub-images
    model = trainer.train_or_load("srcnn_x2", steps=1, data=tmp_path / "hr", progress=False)
    assert not model.training and isinstance(model, SRCNN)


def test_recursive_supervision_decays_from_every_recursion_to_the_ensemble():
    loss = RecursiveSupervision(total=4)
    target = torch.zeros(2, 1, 3, 3)
    stacked = torch.stack(
        [
            torch.full_like(target, 1.0),  # the ensemble: error 1
            torch.full_like(target, 2.0),  # recursion 1: error 4
            torch.zeros_like(target),
        ]
    )  # recursion 2: exact
    got = [float(loss(stacked, target)) for _ in range(5)]
    # alpha = 1, 0.75, 0.5, 0.25, 0: alpha * mean(4, 0) + (1 - alpha) * 1
    assert got == pytest.approx([2.0, 1.75, 1.5, 1.25, 1.0])
    resumed = RecursiveSupervision(total=4, done=2)
    assert resumed.alpha() == 0.5


def test_train_drcn_uses_recursive_supervision(images, tmp_path):
    from sisrlearn.models.drcn import DRCN

    torch.manual_seed(0)
    model, history = trainer.train_recipe(
        "drcn",
        3,
        images,
        steps=2,
        batch_size=2,
        augment=False,
        progress=False,
        model_kwargs={"recursions": 2, "num_features": 4},
        out=tmp_path / "drcn_x3.pt",
    )
    assert isinstance(model, DRCN) and len(history.loss) == 2
    record = json.loads((tmp_path / "drcn_x3.json").read_text())
    assert record["recipe"]["loss"] == "recursive"
    loaded = DRCN(recursions=2, num_features=4)
    loaded.load_state_dict(torch.load(tmp_path / "drcn_x3.pt", weights_only=True))


def test_loss_override_trains_drcns_ensemble_alone(images, tmp_path, monkeypatch):
    from sisrlearn.models.drcn import DRCN, AllRecursions

    seen = []
    real_fit = trainer.fit

    def spy(net, loader, loss, **kw):
        seen.append((type(net), type(loss)))
        return real_fit(net, loader, loss, **kw)

    monkeypatch.setattr(trainer, "fit", spy)
    drcn = dict(steps=1, batch_size=2, augment=False, progress=False)
    drcn["model_kwargs"] = {"recursions": 2, "num_features": 4}
    trainer.train_recipe("drcn", 3, images, **drcn)
    trainer.train_recipe("drcn", 3, images, loss="mse", out=tmp_path / "d.pt", **drcn)
    assert seen == [(AllRecursions, RecursiveSupervision), (DRCN, torch.nn.MSELoss)]
    assert json.loads((tmp_path / "d.json").read_text())["recipe"]["loss"] == "mse"
    with pytest.raises(ValueError, match="srcnn has none"):
        _train(images, None, 1, loss="recursive")
    with pytest.raises(ValueError, match="loss must be"):
        _train(images, None, 1, loss="huber")


def test_resume_refuses_changed_settings_and_other_checkpoints(images, tmp_path, monkeypatch):
    real_loss, calls = trainer._loss, {"n": 0}

    def interrupting(name, *schedule):
        fn = real_loss(name, *schedule)

        def loss(out, target):
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
            return fn(out, target)

        return loss

    monkeypatch.setattr(trainer, "_loss", interrupting)
    with pytest.raises(KeyboardInterrupt):
        _train(images, tmp_path / "b.pt", 4)
    monkeypatch.setattr(trainer, "_loss", real_loss)
    with pytest.raises(ValueError, match="learning_rate"):
        _train(images, tmp_path / "b.pt", 4, resume=True, learning_rate=0.5)
    with pytest.raises(ValueError, match="batch_size"):
        _train(images, tmp_path / "b.pt", 4, resume=True, batch_size=2)
    with pytest.raises(ValueError, match="kwargs"):
        _train(images, tmp_path / "b.pt", 4, resume=True, model_kwargs={"n1": 8, "n2": 2})
    (tmp_path / "b.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not readable"):
        _train(images, tmp_path / "b.pt", 4, resume=True)


def test_init_starts_from_earlier_weights_and_keeps_the_lineage(images, tmp_path):
    first = tmp_path / "first.pt"
    _train(images, first, 2, command="sisrlearn train srcnn (first)")
    model, _ = _train(images, tmp_path / "second.pt", 1, init=first, learning_rate=1e-12)
    start = SRCNN(**TINY, padding="valid")
    start.load_state_dict(torch.load(first, weights_only=True))
    torch.testing.assert_close(model.conv1.weight, start.conv1.weight, atol=1e-6, rtol=0)
    record = json.loads((tmp_path / "second.json").read_text())
    assert record["init"]["command"] == "sisrlearn train srcnn (first)"
    assert record["init"]["steps"] == 2
    with pytest.raises(ValueError, match="init"):
        _train(images, None, 1, init=first, model_kwargs={"n1": 8, "n2": 2})
    # no constructor arguments given: the network is built as the init's record says
    _train(images, tmp_path / "third.pt", 1, init=first, model_kwargs={})
    assert json.loads((tmp_path / "third.json").read_text())["kwargs"] == TINY
    shutil.copy(first, tmp_path / "lonely.pt")
    with pytest.raises(ValueError, match="FILE.json"):
        _train(images, None, 1, init=tmp_path / "lonely.pt")


def test_a_diverged_run_stops_with_an_error_and_saves_nothing(images, tmp_path, monkeypatch):
    def exploding(name, *schedule):
        return lambda out, target: (out - target).pow(2).mean() * float("inf")

    monkeypatch.setattr(trainer, "_loss", exploding)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        _train(images, tmp_path / "nan.pt", 3)
    assert not (tmp_path / "nan.pt").exists()
    assert (
        main(
            [
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
                "--quiet",
                "--out",
                str(tmp_path / "nan.pt"),
            ]
        )
        == 1
    )


def test_a_failed_record_write_keeps_the_old_weights_and_record(images, tmp_path, monkeypatch):
    from sisrlearn.runs import records

    out = tmp_path / "pair.pt"
    _train(images, out, 1)
    before = (out.read_bytes(), out.with_suffix(".json").read_text())

    def full_disk(path, obj):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(records, "write_json", full_disk)
    with pytest.raises(OSError, match="No space"):
        _train(images, out, 2, overwrite=True)
    assert (out.read_bytes(), out.with_suffix(".json").read_text()) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pair")) == [
        "pair.ckpt",
        "pair.json",
        "pair.pt",
    ]
