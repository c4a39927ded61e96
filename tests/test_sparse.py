"""Sparse coding (chapter 03): shrinkage, ISTA/FISTA vs scikit-learn, LISTA, ScSR, SCN."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sisrlearn import sparse
from sisrlearn.methods import get_method
from sisrlearn.models import build_model
from sisrlearn.models.scn import SCN, combination_weight
from sisrlearn.train import load_weights, save_weights

pytestmark = pytest.mark.usefixtures("one_thread")


def _problem(m=16, k=32, n=40, seed=0, density=0.1, noise=0.05):
    gen = torch.Generator().manual_seed(seed)
    d = torch.randn(m, k, generator=gen, dtype=torch.float64)
    d /= d.norm(dim=0)
    z = torch.randn(n, k, generator=gen, dtype=torch.float64)
    z *= torch.rand(n, k, generator=gen, dtype=torch.float64) < density
    y = z @ d.T + noise * torch.randn(n, m, generator=gen, dtype=torch.float64)
    return y, d


def test_soft_threshold_matches_reference():
    x = torch.linspace(-2, 2, 41, dtype=torch.float64)
    expected = np.sign(x.numpy()) * np.maximum(np.abs(x.numpy()) - 0.5, 0)
    assert np.allclose(sparse.soft_threshold(x, 0.5).numpy(), expected)
    # proximal map of theta|.|_1: argmin_z 0.5 (z - x)^2 + theta |z|, found on a fine grid
    grid = torch.linspace(-3, 3, 60001, dtype=torch.float64)
    for value in (-1.7, -0.3, 0.2, 1.1):
        brute = grid[torch.argmin(0.5 * (grid - value) ** 2 + 0.5 * grid.abs())]
        assert abs(sparse.soft_threshold(torch.tensor(value), 0.5).item() - brute.item()) < 1e-3
    per_atom = sparse.soft_threshold(torch.tensor([[1.0, 1.0]]), torch.tensor([0.25, 2.0]))
    assert torch.equal(per_atom, torch.tensor([[0.75, 0.0]]))


def test_ista_and_fista_agree_with_sklearn_sparse_encode():
    from sklearn.decomposition import sparse_encode

    y, d = _problem()
    lam = 0.1
    reference = sparse_encode(
        y.numpy(), d.T.numpy(), algorithm="lasso_cd", alpha=lam, max_iter=10_000
    )
    z_ista = sparse.ista(y, d, lam=lam, num_iters=3000)
    z_fista = sparse.ista(y, d, lam=lam, num_iters=500, fista=True)
    assert np.allclose(z_ista.numpy(), reference, atol=1e-4)
    assert np.allclose(z_fista.numpy(), reference, atol=1e-4)
    obj = sparse.lasso_objective(y, d, z_fista, lam)
    ref_obj = sparse.lasso_objective(y, d, torch.from_numpy(reference), lam)
    assert torch.allclose(obj, ref_obj, atol=1e-8)


def test_ista_agrees_with_sklearn_lasso_single_signal():
    from sklearn.linear_model import Lasso

    y, d = _problem(n=1, seed=3)
    lam, m = 0.05, d.shape[0]
    # sklearn's Lasso minimises (1/2m)||y - Dz||^2 + alpha ||z||_1: alpha = lam / m
    lasso = Lasso(alpha=lam / m, fit_intercept=False, tol=1e-12, max_iter=100_000)
    lasso.fit(d.numpy(), y[0].numpy())
    z = sparse.ista(y[0], d, lam=lam, num_iters=2000, fista=True)
    assert z.shape == (d.shape[1],)
    assert np.allclose(z.numpy(), lasso.coef_, atol=1e-5)


def test_ista_history_and_monotone_objective():
    y, d = _problem(n=5)
    z, history = sparse.ista(y, d, lam=0.1, num_iters=20, return_history=True)
    assert len(history) == 20 and torch.equal(history[-1], z)
    values = [sparse.lasso_objective(y, d, h, 0.1).sum().item() for h in history]
    assert all(b <= a + 1e-12 for a, b in zip(values, values[1:], strict=False))


def test_lista_starts_as_ista_and_learns_to_beat_it():
    torch.manual_seed(0)
    y, d = _problem(n=1500, seed=0)
    y, d = y.float(), d.float()
    lam = 0.1
    target = sparse.ista(y, d, lam=lam, num_iters=1000, fista=True)
    y_train, z_train, y_test, z_test = y[:1000], target[:1000], y[1000:], target[1000:]

    def error(z):
        return ((z - z_test) ** 2).sum(1).mean().item() / (z_test**2).sum(1).mean().item()

    model = sparse.LISTA(d, lam=lam, num_layers=3)
    with torch.no_grad():
        assert torch.allclose(
            model(y_test), sparse.ista(y_test, d, lam=lam, num_iters=3), atol=1e-5
        )
    sparse.train_lista(model, y_train, z_train, steps=300, learning_rate=1e-2, progress=False)
    with torch.no_grad():
        lista3 = error(model(y_test))
    ista3 = error(sparse.ista(y_test, d, lam=lam, num_iters=3))
    ista30 = error(sparse.ista(y_test, d, lam=lam, num_iters=30))
    assert lista3 < ista3
    assert lista3 <= ista30


def test_lr_features_are_the_papers_gradients():
    x = torch.rand(1, 1, 12, 12, dtype=torch.float64)
    feats = sparse.lr_features(x)
    assert feats.shape == (1, 4, 12, 12)
    inner = x[0, 0]
    assert torch.allclose(feats[0, 0, 3:-3, 3:-3], (inner[:, 2:] - inner[:, :-2])[3:-3, 2:-2])
    assert torch.allclose(feats[0, 1, 3:-3, 3:-3], (inner[2:] - inner[:-2])[2:-2, 3:-3])
    second = inner[:, 4:] - 2 * inner[:, 2:-2] + inner[:, :-4]
    assert torch.allclose(feats[0, 2, 3:-3, 3:-3], second[3:-3, 1:-1])


def _tiny_dictionary():
    from sisrlearn.images import sample

    img = sample("camera")[:, :120, :120]
    return sparse.learn_coupled_dictionary([img], 3, num_atoms=16, num_patches=400, lam=0.15)


def test_coupled_dictionary_and_scsr_on_a_tiny_problem(tmp_path):
    from sisrlearn.images import sample
    from sisrlearn.metrics import evaluate
    from sisrlearn.resize import imresize

    d = _tiny_dictionary()
    assert d.hr_atoms.shape == (25, 16) and d.lr_atoms.shape == (100, 16)
    assert torch.allclose(d.lr_atoms.norm(dim=0), torch.ones(16), atol=1e-5)
    hr = sample("camera")[:, 120:180, 120:180].double()
    lr = imresize(hr, 1 / 3)
    sr = sparse.scsr(lr, d, overlap=3, num_iters=30)
    assert sr.shape == hr.shape
    assert evaluate(sr, hr, 3)["psnr"] > evaluate(imresize(lr, 3), hr, 3)["psnr"] - 0.5
    sha = sparse.save_dictionary(d, tmp_path / "d.pt")
    loaded = sparse.load_dictionary(tmp_path / "d.pt", sha256=sha)
    assert torch.equal(loaded.lr_atoms, d.lr_atoms) and loaded.scale == 3
    with pytest.raises(FileExistsError):
        sparse.save_dictionary(d, tmp_path / "d.pt")
    (tmp_path / "d.pt").write_bytes(b"corrupt")
    with pytest.raises(ValueError, match="sha256"):
        sparse.load_dictionary(tmp_path / "d.pt")


def test_scsr_is_a_bench_method_with_its_shipped_dictionary():
    assert get_method("scsr").channels == "y"
    assert sparse.shipped_dictionary_scales() == [3]
    d = sparse.shipped_dictionary(3)
    assert d.scale == 3 and d.hr_atoms.shape[0] == d.patch_size**2
    with pytest.raises(ValueError, match="shipped ScSR dictionary"):
        sparse.shipped_dictionary(7)


def test_bad_inputs_raise_clear_errors():
    y, d = _problem(n=3)
    with pytest.raises(TypeError, match="x must be"):
        sparse.soft_threshold([1.0], 0.5)
    with pytest.raises(ValueError, match="theta"):
        sparse.soft_threshold(torch.ones(3), -1.0)
    with pytest.raises(ValueError, match="y must be"):
        sparse.ista(y[:, :5], d, lam=0.1)
    with pytest.raises(ValueError, match="dictionary must be"):
        sparse.ista(y, d[None], lam=0.1)
    with pytest.raises(ValueError, match="lam"):
        sparse.ista(y, d, lam=-1.0)
    with pytest.raises(ValueError, match="num_iters"):
        sparse.ista(y, d, lam=0.1, num_iters=-2)
    with pytest.raises(TypeError, match="y must be"):
        sparse.ista(y.numpy(), d, lam=0.1)
    with pytest.raises(ValueError, match="num_layers"):
        sparse.LISTA(d, lam=0.1, num_layers=0)
    with pytest.raises(ValueError, match="rows"):
        sparse.train_lista(sparse.LISTA(d.float(), lam=0.1), y.float(), torch.zeros(2, 32))
    with pytest.raises(ValueError, match="upscaled must have 1 channels"):
        sparse.lr_features(torch.rand(3, 8, 8))
    dictionary = sparse.CoupledDictionary(torch.rand(25, 4), torch.rand(100, 4), 3)
    with pytest.raises(ValueError, match="overlap"):
        sparse.scsr(torch.rand(1, 8, 8), dictionary, overlap=5)
    with pytest.raises(ValueError, match="lr_img must have 1 channels"):
        sparse.scsr(torch.rand(3, 8, 8), dictionary)
    with pytest.raises(ValueError, match="num_patches"):
        sparse.sample_patch_pairs([torch.rand(1, 12, 12)], 3, num_patches=10**6)
    with pytest.raises(ValueError, match="path must"):
        sparse.load_dictionary("/nonexistent/d.pt")


# ---------------------------------------------------------------------------- SCN


def test_scn_shapes_for_each_scale_and_registration():
    from sisrlearn.models import MODELS
    from sisrlearn.resize import imresize

    recipe = MODELS["scn"].recipe
    assert recipe.upsampled and recipe.channels == "y"
    model = build_model("scn")
    for scale in (2, 3, 4):
        x = imresize(torch.rand(2, 1, 10, 12), scale)
        assert model(x).shape == x.shape
    with pytest.raises(ValueError, match="x must be"):
        model(torch.rand(1, 3, 16, 16))
    with pytest.raises(ValueError, match="patch_size"):
        SCN(patch_size=4)
    with pytest.raises(ValueError, match="num_atoms"):
        SCN(num_atoms=0)


def test_scn_patch_combination_is_overlap_averaging():
    p, h = 5, 13
    patches = torch.rand(1, p * p, h, h)
    weight = combination_weight(p)
    out = F.conv2d(patches, weight)  # valid: output (i, j) is image pixel (i + 2, j + 2)
    # oracle: F.fold puts the patch centred at q with its top-left corner at q - 2
    inner = patches[:, :, 2 : h - 2, 2 : h - 2].reshape(1, p * p, -1)
    folded = F.fold(inner, (h, h), p) / (p * p)
    # image pixels 4..8 receive all 25 estimates in both
    assert torch.allclose(out[0, 0, 2:7, 2:7], folded[0, 0, 4:9, 4:9], atol=1e-6)


def test_scn_one_step_lowers_loss_and_weights_round_trip(tmp_path):
    torch.manual_seed(0)
    model = build_model("scn", num_features=16, num_atoms=16)
    x = torch.rand(4, 1, 20, 20)
    y = x + 0.1 * torch.sin(torch.arange(20.0))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = F.mse_loss(model(x), y)
    opt.zero_grad()
    before.backward()
    opt.step()
    assert F.mse_loss(model(x), y).item() < before.item()
    sha = save_weights(model, tmp_path / "scn.pt")
    other = load_weights(
        build_model("scn", num_features=16, num_atoms=16), tmp_path / "scn.pt", sha256=sha
    )
    with torch.no_grad():
        assert torch.equal(model(x), other(x))
