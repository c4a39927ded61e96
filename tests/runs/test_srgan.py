"""``sisrlearn srgan`` / ``finetune_srgan``: the zoo record, resuming, and clear errors."""

import json

import pytest
import torch

from sisrlearn.cli import main
from sisrlearn.runs import srgan as srgan_trainer
from sisrlearn.runs import train_recipe
from sisrlearn.train import load_weights, sha256_of
from sisrlearn.zoo import add_entry, read_index

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = {"steps": 4, "crop": 32, "batch_size": 2, "disc_features": 4, "progress": False}


@pytest.fixture
def generator_file(tmp_path, hr_folder):
    """A tiny SRResNet x4 trained for 2 steps by ``train_recipe``: FILE.pt + FILE.json."""
    out = tmp_path / "gen" / "srresnet_x4.pt"
    train_recipe(
        "srresnet",
        4,
        hr_folder,
        steps=2,
        out=out,
        batch_size=2,
        patch_size=8,
        model_kwargs={"num_blocks": 1, "num_features": 8},
        progress=False,
    )
    return out


def test_cli_writes_a_zoo_record_with_its_pretraining_and_scores(
    tmp_path, hr_folder, generator_file, capsys
):
    out = tmp_path / "zoo" / "srgan_x4.pt"
    argv = [
        "srgan",
        "--init",
        str(generator_file),
        "--data",
        str(hr_folder),
        "--val",
        str(hr_folder),
        "--steps",
        "4",
        "--crop",
        "32",
        "--batch-size",
        "2",
        "--disc-features",
        "4",
        "--eval-every",
        "2",
        "--out",
        str(out),
        "--quiet",
        "--bf16",
    ]
    assert main(argv) == 0
    assert "psnr_x4" in capsys.readouterr().out
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["model"] == "srresnet" and record["scales"] == [4] and record["steps"] == 4
    assert record["command"].startswith("sisrlearn srgan --init")
    assert record["init"]["sha256"] == sha256_of(generator_file)
    assert "bfloat16" in record["hardware"]
    assert record["init"]["steps"] == 2
    assert record["adversarial"] == {
        "weight": 1e-3,
        "loss": "nonsaturating",
        "content": "mse",
        "crop": 32,
        "discriminator": {"num_features": 4, "input_size": 32},
    }
    assert record["history"]["eval_step"] == [2, 4]
    assert set(record["history"]["metrics"]) == {"psnr_x4", "sharpness"}
    assert len(record["gan_history"]["d_real"]) == 4
    assert not out.with_suffix(".ckpt").exists()
    # the zoo reads it like any shipped model, and the weights moved away from the generator's
    add_entry("srgan_x4", out.with_suffix(".json"), index=out.parent / "index.json")
    entry = read_index(out.parent / "index.json")[0]["srgan_x4"]
    assert entry.model == "srresnet" and entry.sha256 == record["sha256"]
    assert record["sha256"] != record["init"]["sha256"]
    # and the command refuses to replace it
    assert main(argv) == 2
    assert "exists" in capsys.readouterr().err


def test_resume_continues_on_the_same_batches(tmp_path, hr_folder, generator_file, monkeypatch):
    kwargs = dict(TINY, checkpoint_every=2, eval_every=2, augment=False)
    straight, _, _ = srgan_trainer.finetune_srgan(
        str(generator_file), hr_folder, out=tmp_path / "a.pt", **kwargs
    )
    real = srgan_trainer.train_srgan
    calls = []

    def stop_on_second_chunk(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(srgan_trainer, "train_srgan", stop_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        srgan_trainer.finetune_srgan(
            str(generator_file), hr_folder, out=tmp_path / "b.pt", **kwargs
        )
    assert (tmp_path / "b.ckpt").is_file() and not (tmp_path / "b.pt").exists()
    monkeypatch.setattr(srgan_trainer, "train_srgan", real)
    resumed, history, _ = srgan_trainer.finetune_srgan(
        str(generator_file), hr_folder, out=tmp_path / "b.pt", resume=True, **kwargs
    )
    assert history.step == [1, 2, 3, 4]
    for (name, a), b in zip(
        straight.state_dict().items(), resumed.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b, msg=name)
    record = json.loads((tmp_path / "b.json").read_text())
    assert record["steps"] == 4 and len(record["gan_history"]["g_loss"]) == 4


def test_adversarial_steps_change_the_generator_and_the_record_loads(
    tmp_path, hr_folder, generator_file
):
    start = srgan_trainer.load_generator(generator_file)[0].state_dict()
    srgan_trainer.finetune_srgan(str(generator_file), hr_folder, out=tmp_path / "s.pt", **TINY)
    model = srgan_trainer.load_generator(tmp_path / "s.pt")[0]
    weights = load_weights(model, tmp_path / "s.pt")
    changed = [k for k, v in start.items() if not torch.equal(v, weights.state_dict()[k])]
    assert changed  # four G steps moved the weights


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"crop": 40}, "crop must be a multiple of 16"),
        ({"crop": 48, "content": "l2"}, "content must be one of"),
        ({"steps": 0}, "steps must be a positive int"),
        ({"disc_features": 0}, "disc_features must be a positive int"),
    ],
)
def test_bad_arguments_are_named(hr_folder, generator_file, kwargs, match):
    with pytest.raises(ValueError, match=match):
        srgan_trainer.finetune_srgan(str(generator_file), hr_folder, **{**TINY, **kwargs})


def test_vgg54_without_weights_is_refused(hr_folder, generator_file, monkeypatch, tmp_path):
    monkeypatch.delenv("SISRLEARN_VGG19", raising=False)
    monkeypatch.setenv("SISRLEARN_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(ValueError, match="vgg54' needs ImageNet VGG19 weights"):
        srgan_trainer.finetune_srgan(str(generator_file), hr_folder, content="vgg54", **TINY)


def test_generator_must_be_a_trained_rgb_upsampler(tmp_path, hr_folder):
    with pytest.raises(ValueError, match="init must be a shipped model"):
        srgan_trainer.load_generator(tmp_path / "missing.pt")
    out = tmp_path / "srcnn.pt"
    train_recipe("srcnn", 3, hr_folder, steps=1, out=out, batch_size=2, progress=False)
    with pytest.raises(ValueError, match="single-scale RGB network"):
        srgan_trainer.load_generator(out)
    with pytest.raises(ValueError, match="init must be a shipped model"):
        srgan_trainer.load_generator("srgan_x9")


def test_cli_names_a_missing_folder_or_vgg_file(tmp_path, generator_file, capsys):
    assert (
        main(
            [
                "srgan",
                "--init",
                str(generator_file),
                "--steps",
                "1",
                "--data",
                str(tmp_path / "nope"),
            ]
        )
        == 2
    )
    assert "nope" in capsys.readouterr().err
    assert (
        main(
            [
                "srgan",
                "--init",
                str(generator_file),
                "--steps",
                "1",
                "--vgg",
                str(tmp_path / "vgg19.pth"),
            ]
        )
        == 2
    )
    assert "--vgg must be a VGG19 state_dict file" in capsys.readouterr().err


def test_resume_refuses_a_train_checkpoint_and_changed_settings(
    tmp_path, hr_folder, generator_file, monkeypatch
):
    from sisrlearn.runs.checkpoint import save_checkpoint

    save_checkpoint(
        tmp_path / "s.ckpt", kind="train", settings={}, modules={}, optimizers={}, histories={}
    )
    with pytest.raises(ValueError, match="sisrlearn train"):
        srgan_trainer.finetune_srgan(
            str(generator_file), hr_folder, out=tmp_path / "s.pt", resume=True, **TINY
        )
    real, calls = srgan_trainer.train_srgan, []

    def stop_on_second_chunk(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(srgan_trainer, "train_srgan", stop_on_second_chunk)
    kwargs = dict(TINY, checkpoint_every=2, eval_every=2)
    with pytest.raises(KeyboardInterrupt):
        srgan_trainer.finetune_srgan(
            str(generator_file), hr_folder, out=tmp_path / "c.pt", **kwargs
        )
    monkeypatch.setattr(srgan_trainer, "train_srgan", real)
    with pytest.raises(ValueError, match="learning_rate"):
        srgan_trainer.finetune_srgan(
            str(generator_file),
            hr_folder,
            out=tmp_path / "c.pt",
            resume=True,
            learning_rate=1e-3,
            **kwargs,
        )
