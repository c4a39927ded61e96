"""SRGAN: discriminator and generator shapes, the training loop and the sharpness proxy."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage
from torch import nn

from sisrlearn import srgan
from sisrlearn.degrade import gaussian_blur
from sisrlearn.gan import GANLoss
from sisrlearn.models import MODELS, build_model
from sisrlearn.models.srgan import SRGANDiscriminator
from sisrlearn.published import PUBLISHED_X4
from sisrlearn.train import load_weights, save_weights


def _tiny_d(**kwargs):
    return SRGANDiscriminator(num_features=4, input_size=16, dense_features=8, **kwargs)


def test_discriminator_architecture_as_in_the_paper():
    d = build_model("srgan_discriminator")
    convs = [m for m in d.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [c.stride[0] for c in convs] == [1, 2, 1, 2, 1, 2, 1, 2]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in d.features) == 7
    slopes = {m.negative_slope for m in d.modules() if isinstance(m, torch.nn.LeakyReLU)}
    assert slopes == {0.2}
    dense = [m for m in d.classifier if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in dense] == [(512 * 6 * 6, 1024), (1024, 1)]
    assert "srgan_discriminator" in MODELS


@pytest.mark.parametrize("size", [16, 32])
def test_discriminator_shapes(size):
    d = SRGANDiscriminator(num_features=4, input_size=size, dense_features=8)
    x = torch.rand(3, 3, size, size)
    assert d(x).shape == (3, 1)
    p = d.probability(x)
    assert p.shape == (3, 1) and ((p > 0) & (p < 1)).all()


@pytest.mark.parametrize("scale", [2, 4])
def test_generator_shapes(scale):
    g = build_model("srresnet", scale=scale, num_features=8, num_blocks=2)
    assert g(torch.rand(2, 3, 6, 5)).shape == (2, 3, 6 * scale, 5 * scale)


def test_discriminator_step_lowers_loss_and_round_trip(tmp_path):
    torch.manual_seed(0)
    d = _tiny_d()
    real, fake = torch.rand(4, 3, 16, 16), torch.rand(4, 3, 16, 16) * 0.2
    loss_fn = GANLoss("nonsaturating")
    opt = torch.optim.Adam(d.parameters(), lr=1e-3)
    before = loss_fn.discriminator(d(real), d(fake))
    opt.zero_grad()
    before.backward()
    opt.step()
    assert loss_fn.discriminator(d(real), d(fake)) < before
    d.eval()
    save_weights(d, tmp_path / "d.pt")
    other = load_weights(_tiny_d(), tmp_path / "d.pt").eval()
    assert torch.equal(other(real), d(real))


def test_discriminator_bad_input():
    with pytest.raises(ValueError, match="input_size"):
        SRGANDiscriminator(input_size=100)
    with pytest.raises(ValueError, match="num_features"):
        SRGANDiscriminator(num_features=0)
    with pytest.raises(ValueError, match=r"x must be \(N, 3, 16, 16\)"):
        _tiny_d()(torch.rand(1, 3, 24, 24))


def _loader(n=2):
    gen = torch.Generator().manual_seed(0)
    hr = torch.rand(n, 4, 3, 16, 16, generator=gen)
    return [(F.avg_pool2d(h, 4), h) for h in hr]


def test_train_srgan_records_losses_and_changes_both_networks():
    torch.manual_seed(0)
    g = build_model("srresnet", scale=4, num_features=8, num_blocks=1)
    d = _tiny_d()
    g0 = [p.clone() for p in g.parameters()]
    d0 = [p.clone() for p in d.parameters()]
    hist = srgan.train_srgan(g, d, _loader(), steps=3, progress=False)
    assert hist.step == [1, 2, 3] and len(hist.d_loss) == 3 and len(hist.d_fake) == 3
    for g_loss, content, adv in zip(hist.g_loss, hist.content, hist.adversarial, strict=True):
        assert g_loss == pytest.approx(content + 1e-3 * adv, rel=1e-5)
    assert all(0 < v < 1 for v in hist.d_real + hist.d_fake)
    assert any(not torch.equal(a, b) for a, b in zip(g0, g.parameters(), strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(d0, d.parameters(), strict=True))
    more = srgan.train_srgan(g, d, _loader(), steps=1, history=hist, progress=False)
    assert more.step[-1] == 4


@pytest.mark.parametrize("cpu_bf16", [False, True])
def test_train_srgan_cpu_bf16_runs_both_networks_in_bfloat16(cpu_bf16):
    torch.manual_seed(0)
    g = build_model("srresnet", scale=4, num_features=8, num_blocks=1)
    d = _tiny_d()
    seen = {"g": [], "d": []}
    g.register_forward_hook(lambda _m, _i, out: seen["g"].append(out.dtype))
    d.register_forward_hook(lambda _m, _i, out: seen["d"].append(out.dtype))
    hist = srgan.train_srgan(g, d, _loader(), steps=2, progress=False, cpu_bf16=cpu_bf16)
    expected = torch.bfloat16 if cpu_bf16 else torch.float32
    assert set(seen["g"]) == set(seen["d"]) == {expected}
    assert all(p.dtype == torch.float32 for p in [*g.parameters(), *d.parameters()])
    assert all(math.isfinite(v) for v in hist.g_loss + hist.d_loss)


def test_train_srgan_bad_input():
    g, d = build_model("srresnet", scale=4, num_features=8, num_blocks=1), _tiny_d()
    with pytest.raises(ValueError, match="steps"):
        srgan.train_srgan(g, d, _loader(), steps=-1)
    with pytest.raises(ValueError, match="adversarial_weight"):
        srgan.train_srgan(g, d, _loader(), steps=1, adversarial_weight=-1)
    with pytest.raises(TypeError, match="gan_loss"):
        srgan.train_srgan(g, d, _loader(), steps=1, gan_loss="hinge")
    with pytest.raises(ValueError, match="at least one"):
        srgan.train_srgan(g, d, [], steps=1, progress=False)


def test_sharpness_matches_scipy_sobel_and_drops_with_blur():
    img = torch.rand(1, 3, 20, 24, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    luma = (img[0] * torch.tensor([0.299, 0.587, 0.114], dtype=torch.float64).view(3, 1, 1)).sum(0)
    y = luma.numpy()
    magnitude = np.hypot(ndimage.sobel(y, axis=1), ndimage.sobel(y, axis=0))[1:-1, 1:-1] / 8
    assert srgan.sharpness(img, shave=1).item() == pytest.approx(magnitude.mean(), rel=1e-9)
    assert srgan.sharpness(img, shave=4).item() == pytest.approx(
        magnitude[3:-3, 3:-3].mean(), rel=1e-9
    )
    step = torch.zeros(1, 1, 12, 12)
    step[..., 6:] = 1
    assert srgan.sharpness(step, shave=1).item() == pytest.approx(2 * 0.5 / 10)
    assert srgan.sharpness(gaussian_blur(img, 1.5)) < 0.5 * srgan.sharpness(img)
    with pytest.raises(ValueError, match="larger than"):
        srgan.sharpness(torch.rand(1, 8, 8))
    with pytest.raises(ValueError, match="channels"):
        srgan.sharpness(torch.rand(2, 20, 20))


def test_published_table_has_the_design_figures():
    assert PUBLISHED_X4["SRResNet"]["Set5"][0] == 32.05
    assert PUBLISHED_X4["SRGAN"]["Set5"][0] == 29.40
    mos = {k: v["Set14"][2] for k, v in PUBLISHED_X4.items()}
    assert max(mos, key=mos.get) == "HR" and mos["SRGAN"] > mos["SRResNet"] > mos["bicubic"]


def test_content_features_use_a_vgg19_file_when_there_is_one(tmp_path, monkeypatch):
    """A randomly initialised VGG19 saved to a file stands for the ImageNet one here."""
    from sisrlearn.perceptual import VGGFeatures

    monkeypatch.delenv("SISRLEARN_VGG19", raising=False)
    with monkeypatch.context() as patch:  # no fetched file either
        patch.setattr(srgan, "vgg19_weights_path", lambda: None)
        features, name = srgan.content_features()
    assert name == "colornet" and isinstance(features, srgan.ColorNetFeatures)
    with pytest.warns(UserWarning, match="RANDOMLY INITIALISED"):
        random_vgg = VGGFeatures(layer="relu5_4")
    path = tmp_path / "vgg19.pth"
    torch.save(random_vgg.state_dict(), path)
    monkeypatch.setenv("SISRLEARN_VGG19", str(path))
    features, name = srgan.content_features()
    assert name == "vgg54" and features.pretrained and features.layer == "relu5_4"
    x = torch.rand(1, 3, 32, 32)
    assert torch.equal(features(x), random_vgg(x))


def test_colornet_features_follow_the_shipped_network_and_pass_gradients():
    from sisrlearn.color import rgb_to_lab
    from sisrlearn.zoo import load_pretrained

    features = srgan.ColorNetFeatures(blocks=2)
    net = load_pretrained("colornet")
    rgb = torch.rand(2, 3, 32, 32, requires_grad=True)
    light = rgb_to_lab(rgb)[:, :1] / 100
    expected = net.body[:2]((light - 0.5) / 0.5)  # the network's own input normalisation
    out = features(rgb)
    assert out.shape == (2, net.body[1][-1].num_features, 8, 8)
    assert torch.allclose(out, expected, atol=1e-5)
    out.square().mean().backward()
    assert rgb.grad.abs().sum() > 0 and not any(p.requires_grad for p in features.parameters())
    features.train()
    assert not features.training  # frozen: BatchNorm statistics never move
    with pytest.raises(ValueError, match="blocks must be in"):
        srgan.ColorNetFeatures(blocks=0)
    with pytest.raises(ValueError, match="img must be"):
        features(torch.rand(3, 8, 8))


def test_matched_feature_scale_equalises_feature_and_pixel_mse():
    features = nn.Conv2d(3, 4, 3, padding=1)
    hr = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    sr = gaussian_blur(hr, 1.0)
    s = srgan.matched_feature_scale(features, sr, hr)
    with torch.no_grad():
        assert F.mse_loss(s * features(sr), s * features(hr)).item() == pytest.approx(
            F.mse_loss(sr, hr).item(), rel=1e-5
        )
    identity = nn.Identity()
    assert srgan.matched_feature_scale(identity, sr, hr) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="must differ"):
        srgan.matched_feature_scale(identity, hr, hr)
    with pytest.raises(ValueError, match="same shape"):
        srgan.matched_feature_scale(identity, sr[..., :8], hr)
