import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import two_step_losses
from scipy import ndimage

from sisrlearn.models import MODELS, build_model
from sisrlearn.models.srcnn import SRCNN
from sisrlearn.train import load_weights, save_weights


@pytest.mark.parametrize(("f2", "params"), [(1, 8_129), (3, 24_513), (5, 57_281)])
def test_parameter_counts_equal_the_paper(f2, params):
    # with biases: 9-1-5 has 8,129 and 9-5-5 57,281 parameters (the paper counts weights only:
    # 8,032 and 57,184, Dong et al. TPAMI 2016, section 4.3)
    model = build_model("srcnn", f2=f2)
    assert sum(p.numel() for p in model.parameters()) == params


@pytest.mark.parametrize("f2", [1, 3, 5])
def test_shapes_for_both_paddings(f2):
    x = torch.rand(2, 1, 40, 36)
    same = SRCNN(f2=f2, padding="same")
    valid = SRCNN(f2=f2, padding="valid")
    valid.load_state_dict(same.state_dict())
    b = valid.border
    assert b == 4 + (f2 - 1) // 2 + 2
    assert same(x).shape == x.shape
    assert valid(x).shape == (2, 1, 40 - 2 * b, 36 - 2 * b)
    # away from the border, both paddings compute the same thing
    torch.testing.assert_close(same(x)[..., b:-b, b:-b], valid(x), atol=1e-6, rtol=1e-5)


def test_same_padding_is_matlab_imfilter_replicate():
    # MATLAB's imfilter(x, w, 'same', 'replicate') is correlation with edge replication,
    # which scipy.ndimage.correlate computes with mode="nearest"
    model = SRCNN(n1=1, n2=1, f1=9, f2=1, f3=5)
    torch.nn.init.normal_(model.conv1.weight)
    x = torch.rand(1, 1, 20, 23, dtype=torch.float64)
    conv = model.conv1.double()
    got = conv(F.pad(x, (4, 4, 4, 4), mode="replicate"))[0, 0]
    w = conv.weight[0, 0].detach().numpy()
    expected = ndimage.correlate(x[0, 0].numpy(), w, mode="nearest") + conv.bias.item()
    np.testing.assert_allclose(got.detach().numpy(), expected, atol=1e-10)


def test_one_step_lowers_the_loss():
    torch.manual_seed(0)
    model = SRCNN(padding="valid")
    x = torch.rand(8, 1, 33, 33)
    y = x[..., 8:-8, 8:-8]
    opt = torch.optim.Adam(model.param_groups(1e-3))
    losses = two_step_losses(model, opt, x, y)
    assert losses[1] < losses[0]


def test_param_groups_follow_the_paper():
    groups = SRCNN().param_groups(1e-4)
    assert [g["lr"] for g in groups] == [1e-4, 1e-5]
    assert sum(len(list(g["params"])) for g in groups) == 6


def test_save_load_round_trip(tmp_path):
    model = SRCNN()
    sha = save_weights(model, tmp_path / "w.pt")
    other = load_weights(SRCNN(), tmp_path / "w.pt", sha256=sha)
    x = torch.rand(1, 1, 16, 16)
    torch.testing.assert_close(model(x), other(x))


def test_bad_arguments():
    with pytest.raises(ValueError, match="padding"):
        SRCNN(padding="reflect")
    with pytest.raises(ValueError, match="f2"):
        SRCNN(f2=2)
    with pytest.raises(ValueError, match="name must be one of"):
        build_model("srcnnn")
    with pytest.raises(ValueError, match="srcnn takes no argument"):
        build_model("srcnn", width=3)
    assert MODELS["srcnn"].recipe.train_kwargs == {"padding": "valid"}
