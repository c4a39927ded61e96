"""Chapter 10: ab bins, soft-encoding, rebalancing, decoding, metrics, nets, CLI, widget."""

import json

import numpy as np
import pytest
import torch
from skimage import color as skcolor
from sklearn.neighbors import NearestNeighbors

from sisrlearn import colorize as C
from sisrlearn.cli import main
from sisrlearn.color import lab_to_rgb, rgb_to_lab
from sisrlearn.images import save_image
from sisrlearn.models import MODELS, build_model
from sisrlearn.runs import train_color_model
from sisrlearn.train import load_weights, save_weights
from sisrlearn.widgets import RealismTest, realism_test


@pytest.fixture(scope="module")
def bins():
    return C.ab_bins()


def _random_ab(shape=(2, 3, 6, 5), seed=0):
    # ab values of real sRGB colours (in gamut), as training pixels would have
    rgb = torch.rand(shape[0], 3, *shape[2:], generator=torch.Generator().manual_seed(seed))
    return rgb_to_lab(rgb.double())[:, 1:].float()


# ------------------------------------------------------------------ bins


def test_bins_reproducible_sorted_on_the_grid(bins):
    assert torch.equal(bins, C.ab_bins())
    assert bins.shape == (229, 2) and bins.dtype == torch.float32
    assert torch.equal(bins % 10, torch.zeros_like(bins))
    keys = (bins[:, 0] * 1000 + bins[:, 1]).tolist()
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_every_bin_centre_is_an_srgb_colour_for_some_l(bins):
    # Oracle: skimage. An in-gamut Lab colour survives lab2rgb -> rgb2lab (clipping would not).
    light = np.linspace(0, 100, 2001)
    for a, b in bins.double().numpy():
        lab = np.stack([light, np.full_like(light, a), np.full_like(light, b)], axis=1)
        rgb = lab_to_rgb(torch.from_numpy(lab.T[:, :, None]), clip=False).numpy()[:, :, 0].T
        inside = np.all((rgb >= -1e-6) & (rgb <= 1 + 1e-6), axis=1)
        assert inside.any(), (a, b)
        best = lab[inside][np.argmax(np.min(np.minimum(rgb[inside], 1 - rgb[inside]), axis=1))]
        back = skcolor.rgb2lab(skcolor.lab2rgb(best[None, None]))[0, 0]
        assert np.allclose(back, best, atol=0.05), (a, b, best, back)


def test_touched_cells_contain_the_bins_and_every_srgb_pixel(bins):
    cells = C.gamut_cells()
    assert len(cells) == 261  # every 8-bit sRGB colour falls in one of these
    # the continuous gamut reaches one more cell, (20, -80), between 8-bit colours (262 in all)
    sliver = skcolor.rgb2lab(np.array([[[0.0, 237 / 511, 1.0]]]))[0, 0, 1:]
    assert np.array_equal(10 * np.floor(sliver / 10 + 0.5), [20, -80])
    assert [20.0, -80.0] not in cells.tolist()
    assert set(map(tuple, bins.tolist())) <= set(map(tuple, cells.tolist()))
    assert torch.equal(C.ab_bins(rule="touched"), cells)
    # every (random) sRGB pixel falls in a touched cell
    ab = skcolor.rgb2lab(np.random.default_rng(0).random((64, 64, 3)))[..., 1:].reshape(-1, 2)
    centres = 10 * np.floor(ab / 10 + 0.5)
    assert set(map(tuple, centres.tolist())) <= set(map(tuple, cells.tolist()))


def test_bins_bad_input():
    with pytest.raises(ValueError, match="rule"):
        C.ab_bins(rule="hull")
    with pytest.raises(ValueError, match="grid"):
        C.ab_bins(grid=0)


# ------------------------------------------------------------------ encoding


def test_soft_encoding_matches_nearest_neighbours_and_rows_sum_to_1(bins):
    ab = _random_ab()
    z = C.soft_encode(ab, bins)
    assert z.shape == (2, len(bins), 6, 5)
    assert torch.allclose(z.sum(dim=1), torch.ones(2, 6, 5), atol=1e-6)
    assert ((z > 0).sum(dim=1) == 5).all()
    # oracle: scikit-learn's nearest neighbours (what the paper's code uses), Gaussian sigma 5
    pts = ab.permute(0, 2, 3, 1).reshape(-1, 2).double().numpy()
    dist, idx = NearestNeighbors(n_neighbors=5).fit(bins.double().numpy()).kneighbors(pts)
    w = np.exp(-(dist**2) / (2 * 5.0**2))
    expected = np.zeros((len(pts), len(bins)))
    np.put_along_axis(expected, idx, w / w.sum(1, keepdims=True), axis=1)
    got = z.permute(0, 2, 3, 1).reshape(-1, len(bins)).double().numpy()
    assert np.allclose(got, expected, atol=1e-5)
    assert torch.equal(z.argmax(dim=1), C.hard_encode(ab, bins))
    assert C.soft_encode(ab[0], bins).shape == (len(bins), 6, 5)


def test_soft_encoding_bad_input(bins):
    with pytest.raises(ValueError, match="ab must have 2 channels"):
        C.soft_encode(torch.zeros(1, 3, 2, 2), bins)
    with pytest.raises(ValueError, match="neighbours"):
        C.soft_encode(torch.zeros(1, 2, 2, 2), bins, neighbours=0)
    with pytest.raises(ValueError, match="sigma"):
        C.soft_encode(torch.zeros(1, 2, 2, 2), bins, sigma=0)
    with pytest.raises(ValueError, match="bins"):
        C.soft_encode(torch.zeros(1, 2, 2, 2), torch.zeros(5, 3))
    with pytest.raises(TypeError):
        C.soft_encode(np.zeros((1, 2, 2, 2)), bins)


# ------------------------------------------------------------------ prior and rebalancing


def test_prior_histogram_and_smoothing(bins):
    ab = _random_ab((4, 2, 16, 16), seed=1)
    raw = C.empirical_prior(ab, bins, sigma=0)
    nearest = ((ab.permute(0, 2, 3, 1).reshape(-1, 1, 2) - bins) ** 2).sum(-1).argmin(dim=1)
    assert torch.allclose(
        raw, torch.bincount(nearest, minlength=len(bins)).float() / nearest.numel()
    )
    smooth = C.empirical_prior([ab[:2], ab[2:]], bins)
    assert abs(float(smooth.sum()) - 1) < 1e-5 and (smooth > 0).sum() > (raw > 0).sum()


def test_rebalancing_weights_have_expectation_1_under_the_prior(bins):
    prior = C.empirical_prior(_random_ab((4, 2, 16, 16), seed=2), bins)
    w = C.rebalancing_weights(prior)
    assert abs(float((prior * w).sum()) - 1) < 1e-5
    mixed = 0.5 * prior + 0.5 / len(prior)
    assert torch.allclose(w / w[0], (1 / mixed) / (1 / mixed[0]), rtol=1e-5)  # w ~ 1 / mix
    rare, common = prior.argmin(), prior.argmax()
    assert w[rare] > 1 > w[common]
    uniform = torch.full((10,), 0.1)
    assert torch.allclose(C.rebalancing_weights(uniform), torch.ones(10))
    with pytest.raises(ValueError, match="prior"):
        C.rebalancing_weights(torch.ones(10))
    with pytest.raises(ValueError, match="lam"):
        C.rebalancing_weights(uniform, lam=0)


# ------------------------------------------------------------------ decoding


def _probs(bins, seed=3):
    logits = 3 * torch.randn(2, len(bins), 4, 5, generator=torch.Generator().manual_seed(seed))
    return torch.softmax(logits, dim=1)


def test_annealed_mean_t1_is_the_mean_and_t0_the_mode(bins):
    probs = _probs(bins)
    mean = torch.einsum("nqhw,qc->nchw", probs, bins)
    assert torch.allclose(C.annealed_mean(probs, bins, temperature=1.0), mean, atol=1e-4)
    assert torch.allclose(C.decode(probs, bins, method="mean"), mean, atol=1e-4)
    mode = bins[probs.argmax(dim=1)].permute(0, 3, 1, 2)
    assert torch.equal(C.decode(probs, bins, method="mode"), mode)

    def gap(t):  # mean distance (ab units) between the annealed mean and the mode
        return float((C.annealed_mean(probs, bins, temperature=t) - mode).norm(dim=1).mean())

    gaps = [gap(t) for t in (1.0, 0.38, 0.1, 0.01, 1e-4)]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 1e-3
    assert torch.allclose(C.decode(probs, bins), C.annealed_mean(probs, bins, temperature=0.38))


def test_decode_bad_input(bins):
    with pytest.raises(ValueError, match="method"):
        C.decode(_probs(bins), bins, method="median")
    with pytest.raises(ValueError, match="temperature"):
        C.annealed_mean(_probs(bins), bins, temperature=0)
    with pytest.raises(ValueError, match="channels"):
        C.annealed_mean(torch.ones(1, 3, 2, 2) / 3, bins)


def test_classification_loss_is_the_soft_cross_entropy(bins):
    ab = _random_ab((2, 2, 4, 4), seed=4)
    logits = torch.randn(2, len(bins), 4, 4, generator=torch.Generator().manual_seed(5))
    z = C.soft_encode(ab, bins)
    plain = -(z * torch.log_softmax(logits, 1)).sum(1).mean()
    assert torch.allclose(C.ClassificationLoss(bins)(logits, ab), plain, atol=1e-5)
    torch_ce = torch.nn.functional.cross_entropy(logits, z)  # soft targets (PyTorch oracle)
    assert torch.allclose(plain, torch_ce, atol=1e-5)
    w = torch.linspace(0.5, 2, len(bins))
    weighted = (-(z * torch.log_softmax(logits, 1)).sum(1) * w[z.argmax(1)]).mean()
    assert torch.allclose(C.ClassificationLoss(bins, w)(logits, ab), weighted, atol=1e-5)


# ------------------------------------------------------------------ metrics


def test_auc_perfect_and_constant_error():
    ab = _random_ab((1, 2, 8, 8)).double()
    assert C.ab_error_auc(ab, ab) == pytest.approx(1.0)
    offset = torch.tensor([30.0, 40.0], dtype=torch.float64).view(1, 2, 1, 1)
    shifted = ab + offset  # the error is exactly 50 everywhere
    # fraction 0 below 50, 1 from 50 on: trapezoid area 100.5 of 150
    assert C.ab_error_auc(shifted, ab) == pytest.approx(100.5 / 150, abs=1e-6)
    far = ab + 500
    assert C.ab_error_auc(far, ab) == 0.0
    out = C.raw_accuracy(
        shifted.float(), ab.float(), bins=C.ab_bins(), prior=torch.full((229,), 1 / 229)
    )
    assert out["auc"] == pytest.approx(out["auc_rebalanced"])
    with pytest.raises(ValueError, match="same shape"):
        C.ab_error_auc(ab, ab[..., :4])


def test_colourfulness_against_numpy():
    rgb = torch.rand(2, 3, 9, 7, generator=torch.Generator().manual_seed(6))
    arr = 255 * rgb.double().numpy()
    rg, yb = arr[:, 0] - arr[:, 1], 0.5 * (arr[:, 0] + arr[:, 1]) - arr[:, 2]
    std = np.sqrt(rg.reshape(2, -1).std(1) ** 2 + yb.reshape(2, -1).std(1) ** 2)
    mean = np.sqrt(rg.reshape(2, -1).mean(1) ** 2 + yb.reshape(2, -1).mean(1) ** 2)
    assert np.allclose(C.colourfulness(rgb).numpy(), std + 0.3 * mean, rtol=1e-5)
    gray = rgb[:, :1].expand(-1, 3, -1, -1)
    assert torch.allclose(C.colourfulness(gray), torch.zeros(2))
    assert C.colourfulness(rgb[0]).dim() == 0


def test_bin_accuracy(bins):
    ab = _random_ab((1, 2, 4, 4))
    onehot = 10 * torch.nn.functional.one_hot(C.hard_encode(ab, bins), len(bins))
    assert C.bin_accuracy(onehot.permute(0, 3, 1, 2).float(), ab, bins) == 1.0


def test_lab_agrees_with_skimage():
    rgb = torch.rand(3, 8, 8, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    lab = rgb_to_lab(rgb)
    ref = skcolor.rgb2lab(rgb.permute(1, 2, 0).numpy())
    assert np.allclose(lab.permute(1, 2, 0).numpy(), ref, atol=1e-4)
    back = skcolor.lab2rgb(ref)
    assert np.allclose(lab_to_rgb(lab).permute(1, 2, 0).numpy(), back, atol=1e-5)


# ------------------------------------------------------------------ networks


@pytest.mark.parametrize("name", ["colornet", "colornet_reg"])
def test_nets_shapes_step_and_round_trip(name, tmp_path, bins):
    assert name in MODELS
    torch.manual_seed(0)
    net = build_model(name, num_features=8)
    channels = len(bins) if name == "colornet" else 2
    for h, w in [(16, 16), (13, 22)]:
        assert net(torch.rand(2, 1, h, w)).shape == (2, channels, h, w)
        quarter = (2, channels, -(-h // 4), -(-w // 4))
        assert net.forward_low(torch.rand(2, 1, h, w)).shape == quarter
    light = torch.rand(4, 1, 16, 16, generator=torch.Generator().manual_seed(1))
    ab = _random_ab((4, 2, 16, 16), seed=8)
    loss_fn = C.ClassificationLoss(bins) if name == "colornet" else C.regression_loss
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    before = loss_fn(net(light), ab)
    opt.zero_grad()
    before.backward()
    opt.step()
    assert loss_fn(net(light), ab) < before
    net.eval()
    save_weights(net, tmp_path / "w.pt")
    other = load_weights(build_model(name, num_features=8), tmp_path / "w.pt").eval()
    assert torch.equal(net(light), other(light))


def test_net_bad_input():
    net = build_model("colornet", num_features=8)
    with pytest.raises(ValueError, match="light must be"):
        net(torch.rand(1, 3, 8, 8))
    with pytest.raises(ValueError, match="num_features"):
        build_model("colornet_reg", num_features=2)


def test_colorize_image_keeps_l_and_takes_colour_or_gray():
    net = build_model("colornet", num_features=8).eval()
    rgb = torch.rand(3, 12, 12, generator=torch.Generator().manual_seed(9))
    out = C.colorize_image(net, rgb)
    assert out.shape == (3, 12, 12) and 0 <= out.min() and out.max() <= 1
    gray = C.lightness(rgb)  # a colour input is turned to L first: same as its L image
    assert torch.allclose(rgb_to_lab(out)[0], 100 * gray[0], atol=1.5)
    assert C.colorize_image(build_model("colornet_reg", num_features=8), rgb[None]).shape == (
        1,
        3,
        12,
        12,
    )
    with pytest.raises(ValueError, match="channels"):
        C.colorize_image(net, torch.rand(2, 8, 8))


def test_train_writes_a_zoo_record_and_refuses_overwrite(tmp_path):
    out = tmp_path / "tiny.pt"
    model, history = train_color_model(
        "colornet",
        steps=2,
        patch_size=32,
        batch_size=2,
        model_kwargs={"num_features": 8},
        out=out,
        progress=False,
    )
    record = json.loads(out.with_suffix(".json").read_text())
    for key in (
        "kind",
        "model",
        "kwargs",
        "scales",
        "weights",
        "sha256",
        "dtype",
        "command",
        "steps",
        "seconds",
        "hardware",
        "history",
    ):
        assert key in record
    assert record["model"] == "colornet" and record["steps"] == 2 and record["scales"] == []
    from sisrlearn.zoo import add_entry, read_index

    add_entry("tiny", out.with_suffix(".json"), index=tmp_path / "index.json")
    assert read_index(tmp_path / "index.json")[0]["tiny"].model == "colornet"
    loaded = C.load_colornet(out)
    light = torch.rand(1, 1, 8, 8)
    assert torch.equal(loaded(light), model.eval()(light))
    with pytest.raises(FileExistsError, match="overwrite"):
        train_color_model("colornet", steps=1, out=out)
    with pytest.raises(ValueError, match="crop"):
        C.train_colornet("colornet", steps=1, crop=30)
    with pytest.raises(SystemExit):  # argparse refuses a temperature of 0
        main(["colorize", str(out), str(tmp_path / "x.png"), "--temperature", "0"])
    with pytest.raises(ValueError, match="model_name"):
        C.train_colornet("srcnn", steps=1)


# ------------------------------------------------------------------ CLI


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("colornet") / "tiny.pt"
    train_color_model(
        "colornet_reg",
        steps=1,
        patch_size=32,
        batch_size=2,
        model_kwargs={"num_features": 8},
        out=out,
        progress=False,
    )
    return out


def test_cli_colorize(tmp_path, tiny_model, capsys):
    src, dst = tmp_path / "in.png", tmp_path / "out.png"
    save_image(torch.rand(3, 20, 24, generator=torch.Generator().manual_seed(10)), src)
    assert main(["colorize", str(src), str(dst), "--model", str(tiny_model)]) == 0
    assert "turned to L first" in capsys.readouterr().out
    assert dst.is_file()
    # refuses to overwrite without --overwrite, with a one-line error
    assert main(["colorize", str(src), str(dst), "--model", str(tiny_model)]) == 2
    err = capsys.readouterr().err
    assert "exists; pass --overwrite" in err and len(err.strip().splitlines()) == 1
    assert main(["colorize", str(src), str(dst), "--model", str(tiny_model), "--overwrite"]) == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.png", "OUT.png", "--model", "MODEL"], "missing.png"),
        (["in.png", "out.txt"], "OUT must end in one of"),
        (["in.png", "OUT.png", "--model", "nope"], "model must be a shipped colorization"),
    ],
)
def test_cli_colorize_errors(args, message, tmp_path, tiny_model, capsys):
    save_image(torch.rand(1, 8, 8), tmp_path / "in.png")
    args = [str(tmp_path / a) if a.endswith((".png", ".txt")) else a for a in args]
    args = [str(tiny_model) if a == "MODEL" else a for a in args]
    assert main(["colorize", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_cli_trains_colornet_and_refuses_sr_flags(tmp_path, capsys):
    out = tmp_path / "c.pt"
    argv = [
        "train",
        "colornet",
        "--steps",
        "1",
        "--patch-size",
        "32",
        "--batch-size",
        "2",
        "--model-arg",
        "num_features=8",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(argv) == 0
    assert json.loads(out.with_suffix(".json").read_text())["command"].startswith(
        "sisrlearn train colornet"
    )
    assert main([*argv[:2], "--scale", "2", "--steps", "1"]) == 2
    assert "--scale is not used" in capsys.readouterr().err
    for model in ("srgan_discriminator", "dip_skip"):
        assert main(["train", model, "--steps", "1"]) == 2
        err = capsys.readouterr().err
        assert "MODEL must be one of" in err and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------ realism test


def test_realism_test_counts_fooled_rounds():
    real = [torch.full((3, 4, 4), v) for v in (0.1, 0.5, 0.9)]
    fake = [r.flip(0) * 0.5 for r in real]
    test = RealismTest(real, fake, seed=1)
    picked_fake = 0
    for k in range(3):
        left, _ = test.pair()
        fake_is_left = any(left is f for f in fake)
        assert fake_is_left == test.fake_left[k]
        picked_fake += test.answer("left") is fake_is_left
    assert test.done and test.fooled_rate == sum(test.answers) / 3
    with pytest.raises(ValueError, match="every round"):
        test.answer("left")
    with pytest.raises(ValueError, match="equally long"):
        RealismTest(real, fake[:2])
    with pytest.raises(ValueError, match="real_side"):
        RealismTest(real, fake).answer("middle")


def test_realism_widget_buttons_advance():
    real = [torch.rand(3, 6, 6) for _ in range(2)]
    box = realism_test(real, [r * 0.5 for r in real], size=1)
    left_btn = box.children[1].children[0]
    left_btn.click()
    left_btn.click()
    assert box.test.done and "done" in box.children[0].value
