"""Chapter 05 networks: FSRCNN, ESPCN, VDSR, DRCN, SRResNet / EDSR-baseline."""

import pytest
import torch
import torch.nn.functional as F
from conftest import two_step_losses
from torch import nn

from sisrlearn.models import MODELS, build_model
from sisrlearn.models.drcn import DRCN
from sisrlearn.models.espcn import ESPCN, icnr_, pixel_shuffle
from sisrlearn.models.fsrcnn import FSRCNN, paper_parameter_count
from sisrlearn.models.srresnet import ResidualBlock, SRResNet, upsample_steps
from sisrlearn.models.vdsr import VDSR, adjustable_clip_
from sisrlearn.train import load_weights, save_weights


def _count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# small configurations: (registered name, constructor kwargs, channels, post-upsampling)
SMALL = {
    "fsrcnn": ({}, 1, True),
    "fsrcnn_s": ({}, 1, True),
    "espcn": ({}, 1, True),
    "vdsr": ({"depth": 5, "num_features": 8}, 1, False),
    "drcn": ({"recursions": 3, "num_features": 8}, 1, False),
    "srresnet": ({"num_blocks": 2, "num_features": 8}, 3, True),
    "edsr_baseline": ({"num_blocks": 2, "num_features": 8}, 3, True),
}


def _small(name: str, scale: int) -> nn.Module:
    kwargs, _, post = SMALL[name]
    return build_model(name, **kwargs, **({"scale": scale} if post else {}))


# ------------------------------------------------------------------ parameter counts


def test_fsrcnn_parameter_counts_equal_the_paper():
    # Dong et al. ECCV 2016, section 3.3: the paper counts weights only
    for scale in (2, 3, 4):
        assert paper_parameter_count(build_model("fsrcnn", scale=scale)) == 12_464
        assert paper_parameter_count(build_model("fsrcnn_s", scale=scale)) == 3_937
    # with biases and per-channel PReLU slopes
    assert _count(FSRCNN(3)) == 12_464 + (56 + 12 + 4 * 12 + 56 + 1) + (56 + 12 + 4 * 12 + 56)


def test_other_parameter_counts():
    assert _count(build_model("vdsr")) == 665_921  # 20 layers of 64 3x3 (no count in the paper)
    assert _count(build_model("drcn")) == 1_775_121  # 1.77M (F = 256, D = 16)
    assert _count(build_model("espcn", scale=3)) == 22_729
    assert _count(build_model("srresnet", scale=4)) == 1_550_659  # SRResNet x4: 1.55M
    assert _count(build_model("edsr_baseline", scale=2)) == 1_369_859  # EDSR code: 1.37M
    assert round(_count(build_model("edsr_baseline", scale=4)) / 1e6, 2) == 1.52


# ------------------------------------------------------------------ shapes, training, weights


@pytest.mark.parametrize("name", sorted(SMALL))
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_output_shape_for_each_scale(name, scale):
    _, channels, post = SMALL[name]
    model = _small(name, scale)
    h, w = 7, 9
    x = torch.rand(2, channels, h, w) if post else torch.rand(2, channels, h * scale, w * scale)
    assert model(x).shape == (2, channels, h * scale, w * scale)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_one_step_lowers_the_loss(name):
    torch.manual_seed(0)
    _, channels, post = SMALL[name]
    model = _small(name, 2)
    x = torch.rand(4, channels, 8, 8) if post else torch.rand(4, channels, 16, 16)
    # a target far from the input: residual nets start near the identity
    y = F.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False) if post else x
    y = 0.5 * y + 0.2
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = two_step_losses(model, opt, x, y)
    assert losses[1] < losses[0]


@pytest.mark.parametrize("name", sorted(SMALL))
def test_save_load_round_trip(name, tmp_path):
    _, channels, post = SMALL[name]
    model, other = _small(name, 3).eval(), _small(name, 3).eval()
    sha = save_weights(model, tmp_path / "w.pt")
    load_weights(other, tmp_path / "w.pt", sha256=sha)
    x = torch.rand(1, channels, 6, 6) if post else torch.rand(1, channels, 18, 18)
    torch.testing.assert_close(model(x), other(x))


def test_recipes():
    assert not MODELS["fsrcnn"].recipe.upsampled and not MODELS["espcn"].recipe.upsampled
    vdsr = MODELS["vdsr"].recipe
    assert vdsr.upsampled and vdsr.scales == (2, 3, 4) and vdsr.grad_clip is not None
    assert MODELS["srresnet"].recipe.channels == "rgb"
    assert MODELS["edsr_baseline"].recipe.loss == "l1"


# ------------------------------------------------------------------ the ideas of each paper


def test_pixel_shuffle_by_hand_equals_torch():
    x = torch.randn(2, 3 * 9, 4, 5)
    torch.testing.assert_close(pixel_shuffle(x, 3), nn.PixelShuffle(3)(x))
    x = torch.randn(1, 4, 2, 2)
    torch.testing.assert_close(pixel_shuffle(x, 2), F.pixel_shuffle(x, 2))
    with pytest.raises(ValueError, match="scale"):
        pixel_shuffle(torch.randn(1, 5, 2, 2), 2)


def test_icnr_makes_sub_pixel_filters_equal_and_the_output_flat():
    weight = torch.empty(2 * 4, 3, 3, 3)
    icnr_(weight, 2)
    for c in range(2):
        for k in range(4):
            torch.testing.assert_close(weight[4 * c + k], weight[4 * c])
    model = ESPCN(2, icnr=True)
    out = model(torch.full((1, 1, 12, 12), 0.5))[..., 4:-4, 4:-4]
    # every 2x2 cell of the output is constant: nearest-neighbour upsampling of a conv output
    cells = out.unflatten(-2, (-1, 2)).unflatten(-1, (-1, 2))
    assert torch.allclose(cells, cells[..., :1, :, :1].expand_as(cells), atol=1e-6)
    with pytest.raises(ValueError, match="scale"):
        icnr_(torch.empty(5, 3, 3, 3), 2)


def test_fsrcnn_deconvolution_is_the_only_scale_dependent_layer():
    a, b = FSRCNN(2).state_dict(), FSRCNN(4).state_dict()
    assert a.keys() == b.keys()
    differ = {k for k in a if a[k].shape != b[k].shape}
    assert differ == set()  # the 9x9 kernel is the same size, only the stride changes
    assert FSRCNN(3).upsample.stride == (3, 3)


def test_vdsr_residual_learning():
    torch.manual_seed(0)
    model = VDSR(depth=4, num_features=8)
    x = torch.rand(1, 1, 12, 12)
    # initialised near the identity: the residual network starts at the bicubic input
    assert (model(x) - x).abs().max() < 0.05
    plain = VDSR(depth=4, num_features=8, residual=False)
    plain.load_state_dict(model.state_dict())
    torch.testing.assert_close(model(x), plain(x) + x)


def test_vdsr_adjustable_clipping():
    p = nn.Parameter(torch.zeros(3))
    p.grad = torch.tensor([5.0, -5.0, 0.01])
    adjustable_clip_([p], theta=0.01, learning_rate=0.1)  # bound 0.1
    torch.testing.assert_close(p.grad, torch.tensor([0.1, -0.1, 0.01]))
    with pytest.raises(ValueError, match="theta"):
        adjustable_clip_([p], theta=0.0, learning_rate=0.1)


def test_drcn_shares_one_weight_tensor():
    small, deep = DRCN(recursions=2, num_features=8), DRCN(recursions=6, num_features=8)
    # more recursions add only the 4 extra ensemble weights, no convolution weights
    assert _count(deep) - _count(small) == 4
    convs = [m for m in deep.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 5  # 2 embedding + 1 recursive + 2 reconstruction
    # zeroing the one recursive weight tensor changes every recursion at once
    x = torch.rand(1, 1, 10, 10)
    with torch.no_grad():
        before = deep.forward_all(x)[1]
        deep.recursive_conv.weight.zero_()
        after = deep.forward_all(x)[1]
    assert all(not torch.allclose(b, a) for b, a in zip(before, after, strict=True))


def test_drcn_ensemble_and_recursive_supervision():
    torch.manual_seed(0)
    model = DRCN(recursions=3, num_features=8)
    x, t = torch.rand(2, 1, 10, 10), torch.rand(2, 1, 10, 10)
    with torch.no_grad():
        model.ensemble_weights.copy_(torch.tensor([0.2, 0.3, 0.5]))
    y, preds = model.forward_all(x)
    assert preds.shape == (3, 2, 1, 10, 10)
    torch.testing.assert_close(y, 0.2 * preds[0] + 0.3 * preds[1] + 0.5 * preds[2])
    torch.testing.assert_close(model(x), y)
    per = sum(F.mse_loss(p, t) for p in preds) / 3
    torch.testing.assert_close(model.recursive_loss(x, t, alpha=1.0), per)
    torch.testing.assert_close(model.recursive_loss(x, t, alpha=0.0), F.mse_loss(y, t))
    # the skip connection: every prediction starts near the input
    assert (preds - x).abs().max() < 0.1
    with pytest.raises(ValueError, match="alpha"):
        model.recursive_loss(x, t, alpha=1.5)


def test_residual_block():
    torch.manual_seed(0)
    block = ResidualBlock(8, batchnorm=False, activation="relu", res_scale=0.1)
    x = torch.randn(2, 8, 6, 6)
    conv1, conv2 = block.body[0], block.body[2]
    torch.testing.assert_close(block(x), x + 0.1 * conv2(F.relu(conv1(x))))
    with_bn = ResidualBlock(8)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in with_bn.modules()) == 2
    assert sum(isinstance(m, nn.PReLU) for m in with_bn.modules()) == 1


def test_srresnet_and_edsr_share_one_class():
    srres, edsr = build_model("srresnet", scale=4), build_model("edsr_baseline", scale=4)
    assert type(srres) is type(edsr) is SRResNet
    assert not any(isinstance(m, nn.BatchNorm2d) for m in edsr.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in srres.modules())
    assert srres.conv_first[0].kernel_size == (9, 9) and edsr.conv_first[0].kernel_size == (3, 3)
    # the constructor other chapters build on (SRGAN), positional as documented
    model = SRResNet(2, 3, 16, 1, False, "relu", 0.5)
    assert model.body[0].res_scale == 0.5
    assert upsample_steps(4) == [2, 2] and upsample_steps(3) == [3] and upsample_steps(8) == [2] * 3


def test_bad_arguments():
    with pytest.raises(ValueError, match="scale"):
        FSRCNN(0)
    with pytest.raises(ValueError, match="d must"):
        FSRCNN(3, d=0)
    with pytest.raises(ValueError, match="m must"):
        FSRCNN(3, m=-1)
    with pytest.raises(ValueError, match="n1"):
        ESPCN(3, n1=0)
    with pytest.raises(ValueError, match="depth"):
        VDSR(depth=1)
    with pytest.raises(ValueError, match="recursions"):
        DRCN(recursions=0)
    with pytest.raises(ValueError, match="scale"):
        SRResNet(scale=5)
    with pytest.raises(ValueError, match="activation"):
        SRResNet(activation="gelu")
    with pytest.raises(ValueError, match="num_blocks"):
        SRResNet(num_blocks=-1)
    with pytest.raises(ValueError, match="activation"):
        ResidualBlock(8, activation="tanh")
    with pytest.raises(ValueError, match="vdsr takes no argument"):
        build_model("vdsr", scale=2)


@pytest.mark.gpu
@pytest.mark.parametrize("name", sorted(SMALL))
def test_models_run_on_cuda_under_autocast(name):
    from sisrlearn.runtime import autocast

    _, channels, post = SMALL[name]
    model = _small(name, 2).cuda()
    x = torch.rand(2, channels, 8, 8, device="cuda")
    x = x if post else F.interpolate(x, scale_factor=2)
    with autocast(x.device):
        out = model(x)
    assert out.shape == (2, channels, 16, 16) and out.device.type == "cuda"
