"""SR losses against references: torch, scikit-image, NumPy by hand."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import reference_ms_ssim
from skimage.metrics import structural_similarity

from sisrlearn import losses
from sisrlearn.images import sample


def _pair(seed=0, shape=(2, 1, 24, 24)):
    gen = torch.Generator().manual_seed(seed)
    hr = torch.rand(shape, generator=gen, dtype=torch.float64)
    sr = (hr + 0.1 * torch.randn(shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    return sr, hr


def test_pixel_losses_equal_torch_and_numpy():
    sr, hr = _pair()
    torch.testing.assert_close(losses.l1(sr, hr), F.l1_loss(sr, hr))
    torch.testing.assert_close(losses.mse(sr, hr), F.mse_loss(sr, hr))
    d = (sr - hr).numpy()
    expected = np.sqrt(d**2 + 1e-6).mean()
    assert abs(float(losses.charbonnier(sr, hr)) - expected) < 1e-12
    # zero error: the Charbonnier loss is eps; a large error: about |d|
    assert abs(float(losses.charbonnier(hr, hr, eps=0.01)) - 0.01) < 1e-12
    big = torch.ones(1, 4, 4)
    assert abs(float(losses.charbonnier(big, 0 * big)) - 1.0) < 1e-6


def test_ssim_loss_against_skimage():
    real = sample("camera")[:, 100:164, 100:164].double()
    noisy = (real + 0.05 * torch.randn(real.shape, dtype=torch.float64)).clamp(0, 1)
    ref = structural_similarity(
        noisy[0].numpy(),
        real[0].numpy(),
        data_range=1.0,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )
    # with gaussian_weights skimage averages over the image less a 5-pixel border: our
    # "valid" region
    assert abs(float(losses.ssim_loss(noisy, real)) - (1 - ref)) < 1e-6
    assert float(losses.ssim_loss(real, real)) < 1e-12


def test_ms_ssim_loss_and_mix_against_numpy():
    real = sample("camera")[:, :64, :64].double()
    noisy = (real + 0.05 * torch.randn(real.shape, dtype=torch.float64)).clamp(0, 1)
    weights = (0.3, 0.3, 0.4)  # three scales fit a 64x64 image
    ref = reference_ms_ssim(noisy[0].numpy(), real[0].numpy(), weights)
    got = losses.ms_ssim_loss(noisy, real, weights=weights)
    assert abs(float(got) - (1 - ref)) < 1e-6
    l1 = np.abs((noisy - real).numpy()).mean()
    mix = losses.ms_ssim_l1(noisy, real, weights=weights)
    assert abs(float(mix) - (0.84 * (1 - ref) + 0.16 * l1)) < 1e-6
    assert abs(float(losses.ms_ssim_l1(noisy, real, alpha=0.0, weights=weights)) - l1) < 1e-9
    with pytest.raises(ValueError, match="161x161"):
        losses.ms_ssim_loss(noisy, real)  # five scales need 161 pixels


def test_total_variation_by_hand():
    checker = torch.tensor([[[0.0, 1.0], [1.0, 0.0]]])
    assert float(losses.total_variation(checker)) == 2.0
    ramp = torch.linspace(0, 1, 11).expand(1, 5, 11)
    assert abs(float(losses.total_variation(ramp)) - 0.1) < 1e-6
    assert float(losses.total_variation(torch.full((3, 8, 8), 0.3))) == 0.0
    batch = torch.stack([checker, 0 * checker])
    torch.testing.assert_close(
        losses.total_variation(batch, reduction="none"), torch.tensor([2.0, 0.0])
    )


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_losses_are_differentiable_and_per_image(name):
    fn = losses.LOSSES[name]
    kwargs = {"weights": (0.5, 0.5)} if name.startswith("ms_ssim") else {}
    sr, hr = _pair(shape=(3, 1, 24, 24))
    sr.requires_grad_(True)
    loss = fn(sr, hr, **kwargs)
    loss.backward()
    assert loss.dim() == 0 and torch.isfinite(sr.grad).all() and sr.grad.abs().sum() > 0
    per = fn(sr, hr, reduction="none", **kwargs)
    assert per.shape == (3,)
    torch.testing.assert_close(per.mean(), loss)
    # one (C, H, W) image works too
    assert fn(sr[0], hr[0], **kwargs).dim() == 0


def test_gradcheck():
    sr, hr = _pair(shape=(1, 1, 6, 6))
    sr.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a: losses.charbonnier(a, hr, eps=0.1), (sr,))
    assert torch.autograd.gradcheck(losses.total_variation, (sr + 0.01,))
    sr, hr = _pair(1, (1, 1, 12, 12))
    sr.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a: losses.ssim_loss(a, hr), (sr,))


def test_a_loss_lowers_when_optimised():
    sr, hr = _pair()
    sr = sr.clone().requires_grad_(True)
    opt = torch.optim.Adam([sr], lr=0.01)
    values = []
    for _ in range(5):
        loss = losses.ms_ssim_l1(sr, hr, weights=(0.5, 0.5))
        opt.zero_grad()
        loss.backward()
        opt.step()
        values.append(loss.item())
    assert values[-1] < values[0]


@pytest.mark.gpu
def test_losses_follow_the_device():
    sr, hr = (t.float().cuda() for t in _pair())
    for name, fn in losses.LOSSES.items():
        kwargs = {"weights": (0.5, 0.5)} if name.startswith("ms_ssim") else {}
        assert fn(sr, hr, **kwargs).device.type == "cuda"
    assert losses.total_variation(sr).device.type == "cuda"


def test_bad_input():
    sr, hr = _pair()
    with pytest.raises(ValueError, match="same shape"):
        losses.l1(sr, hr[..., :10])
    with pytest.raises(TypeError, match="sr must be a torch.Tensor"):
        losses.mse(sr.numpy(), hr)
    with pytest.raises(ValueError, match="reduction"):
        losses.l1(sr, hr, reduction="sum")
    with pytest.raises(ValueError, match="eps"):
        losses.charbonnier(sr, hr, eps=0.0)
    with pytest.raises(ValueError, match="alpha"):
        losses.ms_ssim_l1(sr, hr, alpha=2.0)
    with pytest.raises(ValueError, match="at least 11x11"):
        losses.ssim_loss(sr[..., :8, :8], hr[..., :8, :8])
    with pytest.raises(ValueError, match="at least 2x2"):
        losses.total_variation(torch.rand(1, 1, 5))
    with pytest.raises(TypeError, match="float"):
        losses.total_variation(torch.zeros(1, 4, 4, dtype=torch.uint8))
