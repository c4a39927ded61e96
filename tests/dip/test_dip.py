import copy

import pytest
import torch
import torch.nn.functional as F

from sisrlearn.degrade import degrade, text_mask
from sisrlearn.dip import (
    dip_denoise,
    dip_inpaint,
    dip_jpeg,
    dip_super_resolve,
    downsampling_matrices,
    ema_update,
    fit_prior,
    impedance,
    iterations_to_mse,
    masked_mse,
    noise_input,
    sr_data_term,
)
from sisrlearn.images import sample
from sisrlearn.models import MODELS, build_model
from sisrlearn.models.dip import ResNetPrior, SkipNet, UNetPrior, count_parameters
from sisrlearn.resize import imresize
from sisrlearn.train import load_weights, save_weights

pytestmark = pytest.mark.usefixtures("one_thread")


def tiny_net(out_channels=3, depth=2):
    return SkipNet(32, out_channels, channels_down=8, channels_up=8, channels_skip=2, depth=depth)


def tiny_image(channels=3, size=16):
    return torch.rand((channels, size, size), generator=torch.Generator().manual_seed(0))


def expected_skip_params(c_in=32, c_out=3, width=128, skip=4, depth=5):
    """The paper's skip net counted by hand (conv weights + biases, BatchNorm scale + shift)."""
    conv = lambda i, o, k: i * o * k * k + o  # noqa: E731
    total = 0
    for level in range(depth):
        c = c_in if level == 0 else width
        total += conv(c, skip, 1) + 2 * skip  # skip branch
        total += conv(c, width, 3) + 2 * width + conv(width, width, 3) + 2 * width  # down
        total += 2 * (skip + width)  # BatchNorm of the concatenation
        total += conv(skip + width, width, 3) + 2 * width + conv(width, width, 1) + 2 * width
    return total + conv(width, c_out, 1)


def test_skip_net_parameter_count_is_the_papers():
    net = build_model("dip_skip")
    assert count_parameters(net) == expected_skip_params() == 2_217_831
    assert 2.1e6 < count_parameters(net) < 2.3e6  # "about 2.2M" (paper supplement)
    assert count_parameters(SkipNet(32, 1)) == expected_skip_params(c_out=1)


@pytest.mark.parametrize("size", [(64, 64), (70, 90)])
def test_skip_net_shapes_and_range(size):
    net = SkipNet(32, 3, channels_down=16, channels_up=16)  # the default layout, narrower
    with torch.no_grad():
        out = net(noise_input(size))
    assert out.shape == (1, 3, *size)
    assert out.min() > 0 and out.max() < 1  # sigmoid output


@pytest.mark.parametrize(
    "name, kwargs, size",
    [
        ("dip_skip", {}, 64),
        ("dip_hourglass", {"channels_down": 8, "channels_up": 8}, 64),
        ("dip_skip_shallow", {}, 32),
        ("dip_skip_deep", {"channels_down": 8, "channels_up": 8}, 128),
        ("dip_unet", {"base": 4}, 32),
        ("dip_resnet", {"num_features": 8}, 24),
    ],
)
def test_variants_shapes(name, kwargs, size):
    assert name in MODELS
    net = build_model(name, in_channels=32, out_channels=1, **kwargs)
    with torch.no_grad():
        assert net(noise_input((size, size))).shape == (1, 1, size, size)


def test_variant_structure():
    assert build_model("dip_skip_deep").depth == 6 and build_model("dip_skip_shallow").depth == 3
    hourglass = build_model("dip_hourglass")
    assert all(level is None for level in _skips(hourglass))
    assert all(level is not None for level in _skips(build_model("dip_skip")))
    assert len(build_model("dip_resnet").body) == 8
    assert build_model("dip_unet").depth == 5
    assert isinstance(build_model("dip_unet"), UNetPrior)
    assert isinstance(build_model("dip_resnet"), ResNetPrior)


def _skips(net):
    level, found = net.body, []
    while level is not None:
        found.append(level.skip)
        level = level.inner
    return found


def test_one_step_lowers_the_loss_and_weights_round_trip(tmp_path):
    torch.manual_seed(0)
    target = tiny_image()
    result = fit_prior(
        lambda out: ((out - target) ** 2).mean(),
        (16, 16),
        3,
        steps=3,
        net=tiny_net(),
        ema=0.0,
        progress=False,
    )
    assert result.history.loss[1] < result.history.loss[0]
    for bf16 in (False, True):
        result = fit_prior(
            lambda out: ((out - target) ** 2).mean(),
            (16, 16),
            3,
            steps=3,
            net=tiny_net(),
            ema=0.0,
            bf16=bf16,
            progress=False,
        )
    assert result.history.loss[1] < result.history.loss[0]
    net, z = tiny_net(), noise_input((16, 16))
    save_weights(net, tmp_path / "dip.pt")
    copy = load_weights(tiny_net(), tmp_path / "dip.pt")
    net.eval(), copy.eval()
    torch.testing.assert_close(net(z), copy(z))


def test_noise_input_is_uniform_0_01():
    z = noise_input((64, 64), generator=torch.Generator().manual_seed(0))
    assert z.shape == (1, 32, 64, 64)
    assert 0 <= z.min() and z.max() <= 0.1
    assert abs(float(z.mean()) - 0.05) < 1e-3


def test_masked_loss_ignores_missing_pixels():
    out = torch.rand(1, 3, 16, 16, requires_grad=True)
    obs = tiny_image()[None]
    mask = (torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(1)) > 0.5).float()
    changed = obs + (1 - mask) * 5.0  # change only what the mask hides
    loss = masked_mse(out, obs, mask)
    assert loss.item() == pytest.approx(masked_mse(out, changed, mask).item())
    torch.testing.assert_close(loss, (((out - obs) * mask) ** 2).mean())
    loss.backward()
    assert float(out.grad[(mask == 0).expand_as(out)].abs().max()) == 0.0


def test_dip_inpaint_does_not_see_the_hole():
    img = tiny_image()
    mask = text_mask((16, 16), line_gap=8)
    assert 0 < float(mask.mean()) < 1
    runs = []
    for hidden in (0.0, 1.0):
        obs = img * mask + hidden * (1 - mask)
        torch.manual_seed(0)
        runs.append(
            dip_inpaint(
                obs,
                mask,
                steps=3,
                net=tiny_net(),
                progress=False,
                generator=torch.Generator().manual_seed(0),
            )
        )
    torch.testing.assert_close(runs[0].image, runs[1].image)
    assert runs[0].image.shape == img.shape


def test_sr_data_term_uses_the_downsampler():
    hr = tiny_image(size=32)[None]
    lr = imresize(hr, 1 / 4)
    assert float(sr_data_term(hr, lr, 4)) == pytest.approx(0.0, abs=1e-12)
    lanczos = imresize(hr, 1 / 4, kernel="lanczos2")
    assert float(sr_data_term(hr, lanczos, 4, "lanczos2")) == pytest.approx(0.0, abs=1e-12)
    out = torch.rand(1, 3, 32, 32, requires_grad=True)
    loss = sr_data_term(out, lr, 4)
    torch.testing.assert_close(loss, ((imresize(out, 0.25) - lr) ** 2).mean())
    loss.backward()
    assert out.grad.abs().sum() > 0


def test_ema_update():
    a, b = torch.full((2,), 1.0), torch.full((2,), 3.0)
    torch.testing.assert_close(ema_update(None, b, 0.99), b)
    torch.testing.assert_close(ema_update(a, b, 0.99), 0.99 * a + 0.01 * b)


def test_restorations_run_and_record_psnr():
    img = tiny_image()
    noisy = degrade(img, noise=0.1, generator=torch.Generator().manual_seed(0))
    calls = []
    result = dip_denoise(
        noisy,
        steps=4,
        clean=img,
        net=tiny_net(),
        eval_every=2,
        callback=lambda step, out, avg: calls.append(step),
        snapshot_every=2,
        progress=False,
    )
    assert calls == [2, 4] and list(result.snapshots) == [2, 4]
    assert result.history.eval_step == [2, 4] and len(result.history.metrics["psnr_ema"]) == 2
    assert result.image.shape == img.shape and 0 <= result.image.min() <= result.image.max() <= 1
    jpeg = dip_jpeg(degrade(img, jpeg=10), steps=2, net=tiny_net(), progress=False)
    assert jpeg.image.shape == img.shape
    hr = tiny_image(1, 32)
    sr = dip_super_resolve(
        imresize(hr, 0.25), 4, steps=2, hr_img=hr, net=tiny_net(1), progress=False
    )
    assert sr.image.shape == hr.shape and sr.history.metrics["psnr"]


def test_backtracking_undoes_a_loss_spike():
    target = tiny_image()[None]
    count = {"n": 0}

    def spiky(out):
        count["n"] += 1
        loss = ((out - target) ** 2).mean()
        return loss * 1000 if count["n"] == 3 else loss

    result = fit_prior(spiky, (16, 16), 3, steps=5, net=tiny_net(), backtrack=5.0, progress=False)
    assert result.backtracks == 1 and len(result.history.loss) == 4
    with pytest.raises(FloatingPointError, match="backtrack"):
        fit_prior(
            lambda out: out.sum() * float("nan"),
            (16, 16),
            3,
            steps=2,
            net=tiny_net(),
            progress=False,
        )


def test_impedance_natural_image_fits_at_least_3x_faster_than_noise():
    # The paper's Fig. 2 at a tiny size: a 32x32 crop of a bundled photo, a narrow skip net.
    img = imresize(sample("chelsea"), 1 / 10).clamp(0, 1)[:, :32, :32]

    def make_net():
        return SkipNet(32, 3, channels_down=16, channels_up=16, channels_skip=4, depth=3)

    histories = impedance(
        img, steps=40, make_net=make_net, targets=("image", "U(0, 1) noise"), seed=0, progress=False
    )
    threshold = 0.01
    natural = iterations_to_mse(histories["image"], threshold)
    noise = iterations_to_mse(histories["U(0, 1) noise"], threshold)
    assert natural is not None and 3 * natural <= 40
    assert noise is None or noise >= 3 * natural, (natural, noise)


def test_memory_estimate_grows_with_pixels_and_bounds_the_feature_maps():
    from sisrlearn.dip.core import fit_memory

    net = SkipNet()
    small, large = fit_memory(net, (128, 128)), fit_memory(net, (256, 256))
    assert large == 4 * small
    # at full resolution alone the net keeps a dozen 128-channel float32 maps for backward
    # (conv inputs, BatchNorm inputs, activations): at least 12 * 128 * 4 bytes per pixel
    assert 12 * 128 * 4 <= large / (256 * 256) <= 30_000


def test_too_little_memory_fails_before_the_first_step(monkeypatch, capsys):
    from sisrlearn.dip import core

    monkeypatch.setattr(core, "available_memory", lambda device: 10**6)
    monkeypatch.setattr(core, "_step", lambda loss, opt: pytest.fail("a step was taken"))
    with pytest.raises(MemoryError, match=r"64x64 output pixels needs about \d+ MB on cpu, 1 MB"):
        dip_super_resolve(tiny_image(size=16), 4, steps=3, net=tiny_net(), progress=True)
    assert "DIP" not in capsys.readouterr().err  # no progress bar was started


def test_bad_inputs_raise_clear_errors():
    img, net = tiny_image(), tiny_net()
    with pytest.raises(ValueError, match="depth"):
        SkipNet(depth=0)
    with pytest.raises(ValueError, match="channels_skip"):
        SkipNet(channels_skip=(4, 4))
    with pytest.raises(ValueError, match="upsample_mode"):
        SkipNet(upsample_mode="cubic")
    with pytest.raises(ValueError, match="at least 64 pixels"):
        SkipNet()(noise_input((32, 32)))
    with pytest.raises(ValueError, match="z must be"):
        SkipNet()(torch.rand(1, 3, 64, 64))
    with pytest.raises(TypeError, match="noisy must be a torch.Tensor"):
        dip_denoise(img.numpy(), steps=1, net=net)
    with pytest.raises(TypeError, match="float"):
        dip_denoise((img * 255).to(torch.uint8), steps=1, net=net)
    with pytest.raises(ValueError, match="one image"):
        dip_denoise(torch.rand(2, 3, 16, 16), steps=1, net=net)
    with pytest.raises(ValueError, match="channels"):
        dip_denoise(torch.rand(2, 16, 16), steps=1, net=net)
    with pytest.raises(ValueError, match="steps"):
        dip_denoise(img, steps=0, net=net)
    with pytest.raises(ValueError, match="ema"):
        dip_denoise(img, steps=1, net=net, ema=1.0)
    with pytest.raises(ValueError, match="input_noise_std"):
        dip_denoise(img, steps=1, net=net, input_noise_std=-1)
    with pytest.raises(ValueError, match="clean"):
        dip_denoise(img, steps=1, net=net, clean=torch.rand(3, 8, 8))
    with pytest.raises(ValueError, match="backtrack"):
        dip_denoise(img, steps=1, net=net, backtrack=0.5)
    with pytest.raises(ValueError, match="mask must be"):
        dip_inpaint(img, torch.ones(1, 8, 8), steps=1, net=net)
    with pytest.raises(ValueError, match="only 0"):
        dip_inpaint(img, torch.full((16, 16), 0.5), steps=1, net=net)
    with pytest.raises(TypeError, match="mask"):
        dip_inpaint(img, [[1]], steps=1, net=net)
    with pytest.raises(ValueError, match="scale"):
        dip_super_resolve(img, 0, steps=1, net=net)
    with pytest.raises(ValueError, match="downsampler"):
        dip_super_resolve(img, 2, steps=1, net=net, downsampler="box")
    with pytest.raises(ValueError, match="hr_img"):
        dip_super_resolve(img, 2, steps=1, net=net, hr_img=img)
    with pytest.raises(ValueError, match="targets"):
        impedance(img, steps=1, targets=("cat",))
    with pytest.raises(ValueError, match="size"):
        noise_input((0, 4))


def test_sr_method_plugs_into_bench():
    from sisrlearn.dip import sr_method
    from sisrlearn.methods import Method, apply_method

    fn = sr_method(steps=2, width=8)
    lr = tiny_image(1, 16)
    out = apply_method(Method("dip", fn, channels="y"), lr, 4)
    assert out.shape == (1, 64, 64) and 0 <= out.min() <= out.max() <= 1
    with pytest.raises(ValueError, match="steps"):
        sr_method(steps=0)


def test_bench_command_knows_dip_and_its_steps(tmp_path, capsys):
    import json

    from sisrlearn.cli import main
    from sisrlearn.images import save_image
    from sisrlearn.methods import get_method

    folder = tmp_path / "Mini"
    folder.mkdir()
    save_image(tiny_image(3, 64), folder / "a.png")
    out = tmp_path / "rows.json"
    code = main(
        [
            "bench",
            "--data",
            str(folder),
            "--methods",
            "dip",
            "--scales",
            "4",
            "--steps",
            "2",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    assert "2 iterations" in get_method("dip", steps=2).description
    (row,) = json.loads(out.read_text())
    assert row["method"] == "dip" and row["scale"] == 4 and set(row["per_image"]) == {"a"}
    assert "| dip | matlab | Mini | x4 |" in capsys.readouterr().out
    assert "2000 iterations" in get_method("dip").description
    assert main(["bench", "--data", str(folder), "--methods", "bicubic", "--steps", "2"]) == 2
    assert "add dip to --method" in capsys.readouterr().err


def _plain_block(block, x):
    """conv (reflection padding) -> BatchNorm (batch statistics) -> LeakyReLU(0.2), in F."""
    conv, bn = block[0][-1], block[1]
    pad = (conv.kernel_size[0] - 1) // 2
    x = F.pad(x, (pad,) * 4, mode="reflect") if pad else x
    x = F.conv2d(x, conv.weight, conv.bias, conv.stride)
    return F.leaky_relu(F.batch_norm(x, None, None, bn.weight, bn.bias, training=True), 0.2)


def _plain_skip_net(net, z):
    """The paper's skip net written out with torch.nn.functional on SkipNet's weights."""

    def level(lv, x):
        y = _plain_block(lv.down[1], _plain_block(lv.down[0], x))
        y = level(lv.inner, y) if lv.inner is not None else y
        y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
        y = torch.cat([_plain_block(lv.skip, x), y], dim=1)
        y = F.batch_norm(y, None, None, lv.bn.weight, lv.bn.bias, training=True)
        return _plain_block(lv.up[1], _plain_block(lv.up[0], y))

    return torch.sigmoid(F.conv2d(level(net.body, z), net.conv_last.weight, net.conv_last.bias))


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
def test_skip_net_matches_the_functional_network_and_its_gradients(layout):
    torch.manual_seed(0)
    net = SkipNet(32, 3, channels_down=16, channels_up=16, depth=3)
    z = noise_input((32, 32), generator=torch.Generator().manual_seed(1))
    params = list(net.parameters())
    expected = _plain_skip_net(net, z)
    grads_expected = torch.autograd.grad(expected.square().sum(), params)
    net.to(memory_format=layout)
    out = net(z.contiguous(memory_format=layout))
    grads = torch.autograd.grad(out.square().sum(), params)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)
    for grad, grad_expected in zip(grads, grads_expected, strict=True):
        torch.testing.assert_close(grad, grad_expected, atol=1e-3, rtol=1e-4)
    names = {"body.skip.0.0.weight", "body.down.0.0.1.weight", "body.up.1.0.0.weight"}
    assert names <= set(net.state_dict())  # the layout of saved weights is unchanged


@pytest.mark.parametrize("kernel", ["bicubic", "lanczos2"])
def test_downsampling_matrices_equal_imresize(kernel):
    x = torch.rand(2, 3, 48, 32, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    a_h, a_w = downsampling_matrices((48, 32), 4, kernel, dtype=torch.float64)
    assert a_h.shape == (12, 48) and a_w.shape == (8, 32)
    expected = imresize(x, 1 / 4, kernel={"bicubic": "cubic"}.get(kernel, kernel))
    torch.testing.assert_close(a_h @ x @ a_w.T, expected, atol=1e-12, rtol=0)
    with pytest.raises(ValueError, match="downsampler"):
        downsampling_matrices((48, 32), 4, "box")


def test_fit_prior_matches_a_plain_reference_loop():
    """dip_super_resolve (fused Adam, EMA in place, the downsampler as matrices, malloc
    tuning) gives what the textbook loop gives: Adam on the net, MSE of the Lanczos-2
    downsampled output against the LR image, fresh input noise each step, EMA of outputs.

    Both run the net in channels-last: in contiguous layout the convolutions round
    differently (the net itself is compared in both layouts above), and Adam, which divides
    each gradient by its own size, turns 1e-7 differences of near-zero gradients into a 1e-5
    difference of the loss within 5 steps."""
    hr = tiny_image(3, 32)
    lr_img = imresize(hr, 1 / 4, kernel="lanczos2")
    torch.manual_seed(0)
    net = SkipNet(32, 3, channels_down=16, channels_up=16, depth=3)
    reference_net = copy.deepcopy(net).to(memory_format=torch.channels_last)
    result = dip_super_resolve(
        lr_img,
        4,
        steps=5,
        net=net,
        downsampler="lanczos2",
        ema=0.9,
        input_noise_std=0.03,
        generator=torch.Generator().manual_seed(1),
        bf16=False,
        progress=False,
    )

    gen = torch.Generator().manual_seed(1)
    z = (torch.rand((1, 32, 32, 32), generator=gen) * 0.1).contiguous(
        memory_format=torch.channels_last
    )
    opt = torch.optim.Adam(reference_net.parameters(), lr=0.01)
    average, losses = None, []
    for _ in range(5):
        out = reference_net(z + 0.03 * torch.randn(z.shape, generator=gen))
        loss = ((imresize(out, 1 / 4, kernel="lanczos2") - lr_img[None]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        out = out.detach()
        average = out if average is None else 0.9 * average + 0.1 * out
        losses.append(loss.item())
    torch.testing.assert_close(result.history.loss, losses, atol=1e-5, rtol=0)
    torch.testing.assert_close(result.last, out[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(result.image, average.clamp(0, 1)[0], atol=1e-5, rtol=0)
