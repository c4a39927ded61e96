"""GAN objectives, the optimal discriminator, toy GANs and the VGG19 feature loader."""

import math
import warnings

import pytest
import torch
import torch.nn.functional as F

from sisrlearn import gan
from sisrlearn.gan import GANLoss, PerceptualLoss, VGGFeatures

REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])


def _sig(x):
    return 1 / (1 + math.exp(-x))


def test_gan_loss_minimax_and_nonsaturating_by_hand():
    d_hand = (
        -sum(math.log(_sig(r)) for r in REAL.tolist()) / 2
        - sum(math.log(1 - _sig(f)) for f in FAKE.tolist()) / 2
    )
    g_sat = sum(math.log(1 - _sig(f)) for f in FAKE.tolist()) / 2
    g_ns = -sum(math.log(_sig(f)) for f in FAKE.tolist()) / 2
    for kind in ("minimax", "nonsaturating"):
        assert GANLoss(kind).discriminator(REAL, FAKE).item() == pytest.approx(d_hand, abs=1e-6)
    assert GANLoss("minimax").generator(FAKE).item() == pytest.approx(g_sat, abs=1e-6)
    assert GANLoss("nonsaturating").generator(FAKE).item() == pytest.approx(g_ns, abs=1e-6)
    assert GANLoss("nonsaturating")(FAKE).item() == pytest.approx(g_ns, abs=1e-6)


def test_gan_loss_hinge_and_lsgan_by_hand():
    # hinge, m = 1: relu(1 - 2) = 0, relu(1 + 1) = 2 -> 1; relu(1.5), relu(-2) -> .75
    assert GANLoss("hinge").discriminator(REAL, FAKE).item() == pytest.approx(1.75)
    # m = 2: relu(0) + relu(3) -> 1.5; relu(2.5) + relu(-1) -> 1.25
    assert GANLoss("hinge", margin=2).discriminator(REAL, FAKE).item() == pytest.approx(2.75)
    assert GANLoss("hinge").generator(FAKE).item() == pytest.approx(1.25)
    # lsgan: ((2-1)^2 + (-1-1)^2)/2/2 + (.25 + 9)/2/2
    assert GANLoss("lsgan").discriminator(REAL, FAKE).item() == pytest.approx(1.25 + 9.25 / 4)
    assert GANLoss("lsgan").generator(FAKE).item() == pytest.approx((0.25 + 16) / 4)


def test_gan_loss_label_smoothing_matches_torch_bce():
    loss = GANLoss("nonsaturating", real_label=0.9)
    expected = F.binary_cross_entropy(torch.sigmoid(REAL), torch.full((2,), 0.9)) + (
        F.binary_cross_entropy(torch.sigmoid(FAKE), torch.zeros(2))
    )
    assert loss.discriminator(REAL, FAKE).item() == pytest.approx(expected.item(), abs=1e-6)


def test_gan_loss_is_finite_for_extreme_logits():
    big = torch.tensor([-200.0, 200.0], requires_grad=True)
    for kind in gan.GAN_KINDS:
        value = GANLoss(kind).discriminator(big, big) + GANLoss(kind).generator(big)
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(big.grad).all(), kind
        big.grad = None


def test_nonsaturating_gradient_is_ten_times_the_saturating_one_at_d_001():
    logit = torch.tensor([math.log(0.01 / 0.99)], requires_grad=True)  # D(G(z)) = 0.01
    grads = {}
    for kind in ("minimax", "nonsaturating"):
        (grad,) = torch.autograd.grad(GANLoss(kind).generator(logit), logit)
        grads[kind] = abs(grad.item())
    assert grads["minimax"] == pytest.approx(0.01, rel=1e-5)  # sigmoid(l)
    assert grads["nonsaturating"] == pytest.approx(0.99, rel=1e-5)  # 1 - sigmoid(l)
    assert grads["nonsaturating"] >= 10 * grads["minimax"]


def test_gan_loss_bad_input():
    with pytest.raises(ValueError, match="kind"):
        GANLoss("wasserstein")
    with pytest.raises(ValueError, match="margin"):
        GANLoss("hinge", margin=0)
    with pytest.raises(ValueError, match="real_label"):
        GANLoss(real_label=1.5)
    with pytest.raises(TypeError, match="fake_logits"):
        GANLoss().generator([0.1])
    with pytest.raises(TypeError, match="real_logits"):
        GANLoss().discriminator(torch.tensor([1]), FAKE)


def test_optimal_discriminator_formula_and_numerical_fit():
    x = torch.linspace(-4, 5, 181, dtype=torch.float64)
    p_data = torch.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    p_g = torch.exp(-0.5 * ((x - 1.5) / 0.7) ** 2) / (0.7 * math.sqrt(2 * math.pi))
    d_star = gan.optimal_discriminator(p_data, p_g)
    assert d_star[0] > 0.99 and d_star[90] == pytest.approx(p_data[90] / (p_data[90] + p_g[90]))
    d_fit = gan.fit_discriminator_on_grid(x, p_data, p_g)
    mass = (p_data + p_g) > 1e-3  # where the value function sees the densities
    assert (d_fit - d_star)[mass].abs().max() < 0.02
    assert gan.optimal_discriminator(torch.zeros(2), torch.zeros(2)).tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="non-negative"):
        gan.optimal_discriminator(-p_data, p_g)
    with pytest.raises(ValueError, match="same shape"):
        gan.optimal_discriminator(p_data, p_g[:-1])


def test_toy_data_and_mode_coverage():
    gen = torch.Generator().manual_seed(0)
    ring = gan.ring_of_gaussians(4000, generator=gen)
    grid = gan.grid_of_gaussians(4000, generator=gen)
    assert ring.shape == (4000, 2) and grid.shape == (4000, 2)
    assert gan.mode_coverage(ring, gan.mode_centres("ring")) == (8, pytest.approx(1.0, abs=0.01))
    assert gan.mode_coverage(grid, gan.mode_centres("grid", modes=5, radius=1.0))[0] == 25
    collapsed = gan.mode_centres("ring")[:1] + 0.01 * torch.randn(500, 2, generator=gen)
    assert gan.mode_coverage(collapsed, gan.mode_centres("ring"))[0] == 1
    with pytest.raises(ValueError, match="kind"):
        gan.mode_centres("spiral")
    with pytest.raises(ValueError, match="n must"):
        gan.ring_of_gaussians(0)
    with pytest.raises(ValueError, match="std"):
        gan.grid_of_gaussians(10, std=0)


def test_train_gan_runs_and_records_snapshots():
    g = gan.toy_mlp(2, 2, hidden=16, depth=2, generator=torch.Generator().manual_seed(0))
    d = gan.toy_mlp(2, 1, hidden=16, depth=2, generator=torch.Generator().manual_seed(1))
    history = gan.train_gan(
        g,
        d,
        gan.ring_of_gaussians,
        loss=GANLoss("hinge"),
        steps=6,
        latent_dim=2,
        batch_size=32,
        snapshot_every=3,
        num_snapshot=50,
        progress=False,
    )
    assert history.step == list(range(1, 7)) and len(history.d_loss) == 6
    assert history.snapshot_step == [3, 6] and history.snapshots[0].shape == (50, 2)
    with pytest.raises(TypeError, match="loss"):
        gan.train_gan(g, d, gan.ring_of_gaussians, loss="hinge", steps=1, latent_dim=2)


# ------------------------------------------------------------------ VGG19

# torchvision's vgg19().features: (index, out, in) of each 3x3 convolution.
VGG19_CONVS = [
    (0, 64, 3),
    (2, 64, 64),
    (5, 128, 64),
    (7, 128, 128),
    (10, 256, 128),
    (12, 256, 256),
    (14, 256, 256),
    (16, 256, 256),
    (19, 512, 256),
    (21, 512, 512),
    (23, 512, 512),
    (25, 512, 512),
    (28, 512, 512),
    (30, 512, 512),
    (32, 512, 512),
    (34, 512, 512),
]


def _quiet_vgg(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return VGGFeatures(**kwargs)


def test_vgg_layout_matches_torchvision_keys():
    vgg = _quiet_vgg(layer="relu5_4")
    expected = {}
    for index, out_ch, in_ch in VGG19_CONVS:
        expected[f"features.{index}.weight"] = (out_ch, in_ch, 3, 3)
        expected[f"features.{index}.bias"] = (out_ch,)
    assert {k: tuple(v.shape) for k, v in vgg.state_dict().items()} == expected
    assert gan.VGG19_LAYERS["relu5_4"] == 35 and gan.VGG19_LAYERS["relu2_2"] == 8
    assert vgg(torch.rand(1, 3, 32, 32)).shape == (1, 512, 2, 2)
    assert all(not p.requires_grad for p in vgg.parameters())


def test_vgg_without_file_warns_clearly(monkeypatch):
    monkeypatch.delenv("SISRLEARN_VGG19", raising=False)
    with pytest.warns(UserWarning, match="RANDOMLY INITIALISED"):
        vgg = VGGFeatures(layer="relu1_2")
    assert vgg.pretrained is False


def _small_state(seed=0):
    """What torchvision's vgg19().state_dict() holds for the first block, plus the classifier."""
    gen = torch.Generator().manual_seed(seed)
    return {
        "features.0.weight": torch.randn(64, 3, 3, 3, generator=gen),
        "features.0.bias": torch.randn(64, generator=gen),
        "features.2.weight": torch.randn(64, 64, 3, 3, generator=gen),
        "features.2.bias": torch.randn(64, generator=gen),
        "classifier.6.weight": torch.randn(10, 4, generator=gen),
    }


def test_vgg_loads_a_torchvision_layout_state_dict(tmp_path):
    state = _small_state()
    path = tmp_path / "vgg19.pth"
    torch.save(state, path)
    vgg = VGGFeatures(path, layer="relu1_2")
    assert vgg.pretrained is True
    assert torch.equal(vgg.features[2].weight, state["features.2.weight"])
    x = torch.rand(2, 3, 8, 8)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    h = F.relu(
        F.conv2d((x - mean) / std, state["features.0.weight"], state["features.0.bias"], padding=1)
    )
    h = F.relu(F.conv2d(h, state["features.2.weight"], state["features.2.bias"], padding=1))
    assert torch.allclose(vgg(x), h, atol=1e-4)
    bare = tmp_path / "features.pth"  # a vgg19().features.state_dict() file works too
    torch.save({k[len("features.") :]: v for k, v in state.items() if "features" in k}, bare)
    loaded = VGGFeatures(bare, layer="relu1_2")
    assert torch.equal(loaded.features[0].bias, state["features.0.bias"])


def test_vgg_missing_or_mismatched_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="existing VGG19 state_dict file"):
        VGGFeatures(tmp_path / "nope.pth", layer="relu1_2")
    state = _small_state()
    del state["features.2.bias"]
    torch.save(state, tmp_path / "partial.pth")
    with pytest.raises(ValueError, match="missing features.2.bias"):
        VGGFeatures(tmp_path / "partial.pth", layer="relu1_2")
    state = _small_state()
    state["features.2.weight"] = torch.zeros(32, 64, 3, 3)
    torch.save(state, tmp_path / "other.pth")
    with pytest.raises(ValueError, match=r"features.2.weight has shape \(32, 64, 3, 3\)"):
        VGGFeatures(tmp_path / "other.pth", layer="relu1_2")
    (tmp_path / "junk.pth").write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="not a readable state_dict"):
        VGGFeatures(tmp_path / "junk.pth", layer="relu1_2")
    torch.save([1, 2], tmp_path / "list.pth")
    with pytest.raises(ValueError, match="expected a state_dict"):
        VGGFeatures(tmp_path / "list.pth", layer="relu1_2")
    with pytest.raises(ValueError, match="layer"):
        VGGFeatures(tmp_path / "other.pth", layer="relu6_1")


def test_perceptual_loss_scale_and_gradient():
    vgg = _quiet_vgg(layer="relu2_2")
    sr = torch.rand(1, 3, 16, 16, requires_grad=True)
    hr = torch.rand(1, 3, 16, 16)
    loss = PerceptualLoss(vgg)(sr, hr)
    plain = F.mse_loss(vgg(sr), vgg(hr))
    assert loss.item() == pytest.approx(plain.item() / 12.75**2, rel=1e-4)
    loss.backward()
    assert sr.grad is not None and sr.grad.abs().sum() > 0
    assert PerceptualLoss(vgg)(hr, hr).item() == 0
    with pytest.raises(ValueError, match="same shape"):
        PerceptualLoss(vgg)(sr, hr[..., :8])
    with pytest.raises(ValueError, match="img must be"):
        vgg(torch.rand(3, 16, 16))
    with pytest.raises(TypeError, match="features"):
        PerceptualLoss("vgg19")


def test_energy_hinge_losses_by_hand_and_their_link_to_the_cross_entropy():
    from sisrlearn.gan import energy_hinge_losses

    real = torch.tensor([0.0, 0.5, 2.0])
    fake = torch.tensor([0.2, 1.5, 3.0])
    d_loss, g_loss = energy_hinge_losses(real, fake, margin=1.0)
    # (0 + 0.5 + 2) / 3 + (max(0, 0.8) + 0 + 0) / 3
    assert d_loss.item() == pytest.approx(2.5 / 3 + 0.8 / 3)
    assert g_loss.item() == pytest.approx(4.7 / 3)
    # With the energy -log D = softplus(-logit): G's loss is the non-saturating loss and D's
    # real term is the real half of the cross-entropy.
    logits_real, logits_fake = torch.randn(8), torch.randn(8)
    d_loss, g_loss = energy_hinge_losses(F.softplus(-logits_real), F.softplus(-logits_fake))
    assert torch.allclose(g_loss, GANLoss("nonsaturating").generator(logits_fake))
    bce_real = F.binary_cross_entropy_with_logits(logits_real, torch.ones(8))
    hinge = F.relu(1 + F.logsigmoid(logits_fake)).mean()
    assert torch.allclose(d_loss, bce_real + hinge, atol=1e-6)


def test_energy_hinge_losses_bad_input():
    from sisrlearn.gan import energy_hinge_losses

    with pytest.raises(ValueError, match="real_energy must be >= 0"):
        energy_hinge_losses(torch.tensor([-0.1]), torch.tensor([1.0]))
    with pytest.raises(TypeError, match="fake_energy"):
        energy_hinge_losses(torch.tensor([0.1]), [1.0])
    with pytest.raises(ValueError, match="margin"):
        energy_hinge_losses(torch.tensor([0.1]), torch.tensor([1.0]), margin=0)
