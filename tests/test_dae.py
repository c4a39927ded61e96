"""Denoising autoencoder, its data helpers and the blur measures."""

import pytest
import torch

from sisrlearn import dae
from sisrlearn.degrade import gaussian_blur
from sisrlearn.train import load_weights, save_weights


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_autoencoder_shapes(depth):
    model = dae.DenoisingAutoencoder(1, 4, depth=depth)
    out = model(torch.rand(2, 1, 16, 12))
    assert out.shape == (2, 1, 16, 12) and 0 < out.min() and out.max() < 1
    assert dae.DenoisingAutoencoder(3, 4)(torch.rand(1, 3, 8, 8)).shape == (1, 3, 8, 8)


def test_autoencoder_step_lowers_loss_and_weights_round_trip(tmp_path):
    torch.manual_seed(0)
    model = dae.DenoisingAutoencoder(1, 4, depth=1)
    clean = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    noisy, _ = dae.noisy_pairs(clean, sigma=0.2, generator=torch.Generator().manual_seed(2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    before = torch.nn.functional.mse_loss(model(noisy), clean)
    opt.zero_grad()
    before.backward()
    opt.step()
    assert torch.nn.functional.mse_loss(model(noisy), clean) < before
    save_weights(model, tmp_path / "dae.pt")
    other = load_weights(dae.DenoisingAutoencoder(1, 4, depth=1), tmp_path / "dae.pt")
    assert torch.equal(other(noisy), model(noisy))


def test_autoencoder_bad_input():
    with pytest.raises(ValueError, match="divisible by 4"):
        dae.DenoisingAutoencoder(1, 4, depth=2)(torch.rand(1, 1, 10, 8))
    with pytest.raises(ValueError, match="num_features"):
        dae.DenoisingAutoencoder(1, 0)
    with pytest.raises(ValueError, match="depth"):
        dae.DenoisingAutoencoder(1, 4, depth=9)


def test_digit_images_and_patches():
    digits = dae.digit_images(size=16)
    assert digits.shape == (1797, 1, 16, 16) and digits.min() >= 0 and digits.max() <= 1
    assert torch.equal(
        dae.digit_images(size=8)[0, 0, 0], torch.tensor([0, 0, 5, 13, 9, 1, 0, 0]) / 16
    )
    patches = dae.natural_patches(5, size=24, generator=torch.Generator().manual_seed(0))
    again = dae.natural_patches(5, size=24, generator=torch.Generator().manual_seed(0))
    assert patches.shape == (5, 1, 24, 24) and torch.equal(patches, again)
    with pytest.raises(ValueError, match="size"):
        dae.digit_images(size=12)
    with pytest.raises(ValueError, match="n must"):
        dae.natural_patches(0)


def test_noisy_pairs_sigma_range():
    clean = torch.full((200, 1, 16, 16), 0.5)
    noisy, same = dae.noisy_pairs(
        clean, sigma=(0.1, 0.5), generator=torch.Generator().manual_seed(0)
    )
    stds = (noisy - clean).flatten(1).std(1)
    assert same is clean or torch.equal(same, clean)
    assert 0.08 < stds.min() and stds.max() < 0.55 and stds.mean() == pytest.approx(0.3, abs=0.03)
    fixed, _ = dae.noisy_pairs(clean, sigma=0.2, clip=True)
    assert fixed.min() >= 0 and fixed.max() <= 1
    with pytest.raises(ValueError, match="sigma"):
        dae.noisy_pairs(clean, sigma=(0.5, 0.1))
    with pytest.raises(TypeError, match="clean"):
        dae.noisy_pairs([0.5])


def test_blur_measures_against_numpy_and_blur():
    img = torch.rand(2, 1, 32, 32, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    arr = img[0, 0].numpy() - img[0, 0].numpy().mean()
    import numpy as np

    power = np.abs(np.fft.fft2(arr)) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(32), np.fft.fftfreq(32), indexing="ij")
    expected = power[np.hypot(fy, fx) > 0.25].sum() / power.sum()
    assert dae.high_frequency_energy(img)[0].item() == pytest.approx(expected, rel=1e-9)
    grad = (np.diff(img[0, 0].numpy(), axis=1) ** 2).sum() + (
        np.diff(img[0, 0].numpy(), axis=0) ** 2
    ).sum()
    assert dae.gradient_energy(img)[0].item() == pytest.approx(grad / 32**2, rel=1e-9)
    blurred = gaussian_blur(img, 1.5)
    assert (dae.high_frequency_energy(blurred) < 0.2 * dae.high_frequency_energy(img)).all()
    assert (dae.gradient_energy(blurred) < 0.2 * dae.gradient_energy(img)).all()
    with pytest.raises(ValueError, match="cutoff"):
        dae.high_frequency_energy(img, cutoff=0.9)
