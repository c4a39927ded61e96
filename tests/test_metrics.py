import numpy as np
import pytest
import torch
from conftest import reference_ms_ssim
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from sisrlearn.images import sample
from sisrlearn.metrics import evaluate, ms_ssim, mse, protocol_y, psnr, psnr_band, ssim


def _pairs():
    gen = torch.Generator().manual_seed(0)
    hr = torch.rand(1, 40, 50, generator=gen, dtype=torch.float64)
    sr = (hr + 0.1 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    real = sample("camera")[:, 100:228, 150:278].double()
    real_sr = (real + 0.03 * torch.randn(real.shape, generator=gen, dtype=torch.float64)).clamp(
        0, 1
    )
    return [(sr, hr), (real_sr, real)]


@pytest.mark.parametrize("index", [0, 1])
def test_psnr_and_ssim_equal_skimage(index):
    sr, hr = _pairs()[index]
    ref_p = peak_signal_noise_ratio(hr[0].numpy(), sr[0].numpy(), data_range=1.0)
    ref_s = structural_similarity(
        hr[0].numpy(),
        sr[0].numpy(),
        data_range=1.0,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )
    assert abs(float(psnr(sr, hr)) - ref_p) < 1e-9
    assert abs(float(ssim(sr, hr)) - ref_s) < 1e-9


def test_psnr_per_image_and_shave():
    hr = torch.zeros(2, 1, 10, 10)
    sr = hr.clone()
    sr[0] += 0.1
    sr[1] += 0.01
    per = psnr(sr, hr, reduction="none")
    assert torch.allclose(per, torch.tensor([20.0, 40.0]), atol=1e-4)
    assert abs(float(psnr(sr, hr)) - 30.0) < 1e-4
    sr[:, :, 0, :] = 1.0  # a bad border row is ignored once shaved
    assert torch.allclose(psnr(sr, hr, shave=1, reduction="none"), per, atol=1e-4)
    assert abs(float(mse(sr[1:], hr[1:], shave=1)) - 1e-4) < 1e-7


def test_ms_ssim_against_reference_and_identity():
    real = sample("camera")[:, :200, :180].double()
    noisy = (real + 0.05 * torch.randn(real.shape, dtype=torch.float64)).clamp(0, 1)
    ours = float(ms_ssim(noisy, real))
    ref = reference_ms_ssim(noisy[0].numpy(), real[0].numpy())
    assert abs(ours - ref) < 1e-6
    assert abs(float(ms_ssim(real, real)) - 1.0) < 1e-9
    with pytest.raises(ValueError, match="at least 161x161"):
        ms_ssim(noisy[:, :100], real[:, :100])


def test_metric_bad_input():
    a = torch.rand(1, 20, 20)
    with pytest.raises(ValueError, match="same shape"):
        psnr(a, torch.rand(1, 20, 21))
    with pytest.raises(ValueError, match="shave"):
        psnr(a, a, shave=-1)
    with pytest.raises(ValueError, match="at least 11x11"):
        ssim(a[:, :5, :5], a[:, :5, :5])
    with pytest.raises(TypeError, match="float"):
        psnr(a.to(torch.uint8), a.to(torch.uint8))
    with pytest.raises(ValueError, match="reduction"):
        psnr(a, a, reduction="sum")
    with pytest.raises(ValueError, match="protocol"):
        evaluate(a, a, 2, protocol="ycbcr")
    with pytest.raises(ValueError, match="scale"):
        evaluate(a, a, 0)


def test_protocol_y_rounding():
    rgb = torch.rand(1, 3, 12, 12, dtype=torch.float64)
    y_matlab = protocol_y(rgb, "matlab")
    y_rgb = protocol_y(rgb, "rgb")
    assert torch.equal(y_matlab, y_matlab.round())
    assert not torch.equal(y_rgb, y_rgb.round())
    assert (y_matlab - y_rgb).abs().max() <= 0.5 + 1e-9


def test_evaluate_follows_the_protocol_by_hand():
    gen = torch.Generator().manual_seed(2)
    hr = torch.rand(1, 1, 24, 24, generator=gen, dtype=torch.float64)
    hr = torch.round(hr * 255) / 255
    sr = hr + 0.02 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)
    result = evaluate(sr, hr, 3)
    sr_u8 = np.clip(np.round(sr[0, 0].numpy() * 255), 0, 255)[3:-3, 3:-3]
    hr_u8 = np.round(hr[0, 0].numpy() * 255)[3:-3, 3:-3]
    assert abs(result["psnr"] - peak_signal_noise_ratio(hr_u8, sr_u8, data_range=255)) < 1e-9
    ref_ssim = structural_similarity(
        hr_u8, sr_u8, data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert abs(result["ssim"] - ref_ssim) < 1e-9


def test_psnr_band():
    assert [psnr_band(v) for v in (28, 31, 34, 36)] == ["low", "acceptable", "good", "excellent"]


def test_identical_images_give_infinite_psnr_as_skimage():
    gen = torch.Generator().manual_seed(3)
    hr = torch.rand(2, 1, 20, 20, generator=gen, dtype=torch.float64)
    with np.errstate(divide="ignore"):
        ref = peak_signal_noise_ratio(hr[0, 0].numpy(), hr[0, 0].numpy(), data_range=1.0)
    assert ref == float("inf")
    assert float(psnr(hr, hr)) == float("inf") and float(psnr(hr, hr, data_range=255.0)) == ref
    sr = hr.clone()
    sr[1] += 0.01
    per = psnr(sr, hr, reduction="none")
    assert per[0] == float("inf") and abs(float(per[1]) - 40.0) < 1e-6
    result = evaluate(hr, hr, 1)  # the identity at scale 1: shave 1, nothing to measure
    assert result["psnr"] == float("inf") and abs(result["ssim"] - 1.0) < 1e-12


def test_metric_options_are_checked_before_any_work():
    a = torch.rand(1, 20, 20)
    for bad in ({"data_range": 0}, {"sigma": -1.0}, {"window_size": 4}, {"k2": float("nan")}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            ssim(a, a, **bad)
    assert abs(float(ssim(a, a, window_size=3, sigma=0.5)) - 1.0) < 1e-6
