import pytest
import torch
from torch import nn

from sisrlearn.train import History, evaluate_model, fit, load_weights, save_weights, sha256_of


def _toy_problem():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(16, 1, 8, 8, generator=gen)
    y = 0.5 * x + 0.1
    batches = [(x[:8], y[:8]), (x[8:], y[8:])]
    torch.manual_seed(0)
    model = nn.Conv2d(1, 1, 3, padding=1)
    return model, batches


def test_fit_lowers_the_loss_and_records_history():
    model, batches = _toy_problem()
    loss_fn = nn.MSELoss()
    before = loss_fn(model(batches[0][0]), batches[0][1]).item()
    hist = fit(
        model,
        batches,
        loss_fn,
        steps=60,
        learning_rate=1e-2,
        progress=False,
        eval_fn=lambda m: {"mse": float(loss_fn(m(batches[1][0]), batches[1][1]))},
        eval_every=20,
    )
    assert hist.step == list(range(1, 61)) and len(hist.loss) == 60
    assert hist.eval_step == [20, 40, 60]
    assert hist.loss[-1] < 0.2 * before
    assert hist.metrics["mse"][-1] < hist.metrics["mse"][0]
    resumed = fit(
        model, batches, loss_fn, steps=5, learning_rate=1e-2, history=hist, progress=False
    )
    assert resumed.step[-1] == 65
    again = fit(
        model,
        batches,
        loss_fn,
        steps=20,
        learning_rate=1e-2,
        history=resumed,
        eval_fn=lambda m: {"mse": 0.0},
        eval_every=20,
        progress=False,
    )
    assert again.eval_step == [20, 40, 60, 80, 85]  # by step number, after the resumed history
    assert History.from_dict(resumed.to_dict()).loss == resumed.loss


@pytest.mark.parametrize("cpu_bf16", [False, True])
def test_fit_cpu_bf16_computes_in_bfloat16_and_keeps_float32_weights(cpu_bf16, tmp_path):
    _, batches = _toy_problem()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 1, 3, padding=1))
    seen = []
    model.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))
    hist = fit(
        model,
        batches,
        nn.MSELoss(),
        steps=40,
        learning_rate=1e-2,
        progress=False,
        cpu_bf16=cpu_bf16,
    )
    assert set(seen) == {torch.bfloat16 if cpu_bf16 else torch.float32}
    weight = model[1].weight  # 4 input channels: the two layouts differ
    assert weight.dtype == torch.float32
    assert weight.is_contiguous(memory_format=torch.channels_last) != weight.is_contiguous()
    assert weight.is_contiguous(memory_format=torch.channels_last) == cpu_bf16
    assert hist.loss[-1] < 0.2 * hist.loss[0]  # bfloat16 still learns
    save_weights(model, tmp_path / "w.pt")  # stored in the plain layout whatever it trained in
    assert all(t.is_contiguous() for t in torch.load(tmp_path / "w.pt").values())


def test_fit_errors():
    model, batches = _toy_problem()
    with pytest.raises(ValueError, match="steps"):
        fit(model, batches, nn.MSELoss(), steps=-1)
    with pytest.raises(ValueError, match="learning_rate"):
        fit(model, batches, nn.MSELoss(), steps=1, learning_rate=0)
    with pytest.raises(ValueError, match="optimizer"):
        fit(model, batches, nn.MSELoss(), steps=1, optimizer="lbfgs")
    with pytest.raises(ValueError, match="loader"):
        fit(model, [], nn.MSELoss(), steps=1, progress=False)


def test_evaluate_model():
    model, batches = _toy_problem()
    value = evaluate_model(model, [(batches[0][0][0], batches[0][1][0])], nn.functional.l1_loss)
    assert value > 0


def test_weights_round_trip_sha256_and_errors(tmp_path):
    model, batches = _toy_problem()
    path = tmp_path / "w.pt"
    digest = save_weights(model, path)
    assert digest == sha256_of(path)
    with pytest.raises(FileExistsError, match="overwrite"):
        save_weights(model, path)
    other = nn.Conv2d(1, 1, 3, padding=1)
    load_weights(other, path, sha256=digest)
    x = batches[0][0]
    assert torch.equal(other(x), model(x))
    with pytest.raises(ValueError, match="sha256"):
        load_weights(other, path, sha256="0" * 64)
    with pytest.raises(ValueError, match="does not fit"):
        load_weights(nn.Conv2d(1, 2, 3), path)
    with pytest.raises(ValueError, match="existing weights file"):
        load_weights(other, tmp_path / "missing.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="not a readable"):
        load_weights(other, junk)


def test_half_weights_load_into_float_model(tmp_path):
    model, batches = _toy_problem()
    save_weights(model, tmp_path / "h.pt", half=True)
    other = load_weights(nn.Conv2d(1, 1, 3, padding=1), tmp_path / "h.pt")
    assert other.weight.dtype == torch.float32
    assert torch.allclose(other.weight, model.weight, atol=1e-3)


def test_diverged_model_is_refused_and_the_old_file_kept(tmp_path):
    model, _ = _toy_problem()
    path = tmp_path / "w.pt"
    save_weights(model, path)
    before = path.read_bytes()
    with torch.no_grad():
        model.weight[0, 0, 1, 1] = float("nan")
    with pytest.raises(ValueError, match="1 non-finite values .* in weight; training diverged"):
        save_weights(model, path, overwrite=True)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.pt"]  # no temporary file left
    torch.save(model.state_dict(), tmp_path / "nan.pt")
    with pytest.raises(ValueError, match="nan.pt.*non-finite"):
        load_weights(nn.Conv2d(1, 1, 3, padding=1), tmp_path / "nan.pt")
