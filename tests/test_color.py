import numpy as np
import pytest
import torch
from skimage.color import lab2rgb, rgb2lab

from sisrlearn.color import lab_to_rgb, rgb_to_lab, rgb_to_y, rgb_to_ycbcr, ycbcr_to_rgb
from sisrlearn.images import sample


def test_ycbcr_matches_matlab_constants():
    # MATLAB: rgb2ycbcr(uint8([255 0 0])) = [81 90 240]; white = [235 128 128]
    red = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64).view(3, 1, 1)
    white = torch.ones(3, 1, 1, dtype=torch.float64)
    assert torch.allclose(
        (rgb_to_ycbcr(red) * 255).round().flatten(),
        torch.tensor([81.0, 90.0, 240.0], dtype=torch.float64),
    )
    assert torch.allclose(
        rgb_to_ycbcr(white).flatten() * 255, torch.tensor([235.0, 128, 128], dtype=torch.float64)
    )


def test_ycbcr_round_trip_batched():
    rgb = torch.rand(2, 3, 5, 4, dtype=torch.float64)
    assert torch.allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-10)


def test_rgb_to_y_rounding_and_grayscale():
    rgb = torch.rand(3, 6, 6, dtype=torch.float64)
    y = rgb_to_y(rgb)
    assert torch.allclose(y, rgb_to_ycbcr(rgb)[:1])
    yr = rgb_to_y(rgb, round_to_uint8=True) * 255
    assert torch.equal(yr, yr.round())
    gray = torch.rand(1, 4, 4)
    assert torch.equal(rgb_to_y(gray), gray)


def test_color_rejects_wrong_channels():
    with pytest.raises(ValueError, match="3 channels"):
        rgb_to_ycbcr(torch.rand(1, 4, 4))
    with pytest.raises(TypeError, match="float"):
        rgb_to_lab(torch.zeros(3, 2, 2, dtype=torch.uint8))


def test_lab_matches_skimage_on_real_and_random_images():
    real = sample("astronaut")[:, ::8, ::8].double()
    rand = torch.rand(3, 16, 16, dtype=torch.float64)
    for img in (real, rand):
        ours = rgb_to_lab(img).permute(1, 2, 0).numpy()
        ref = rgb2lab(img.permute(1, 2, 0).numpy())
        np.testing.assert_allclose(ours, ref, atol=1e-6)
        back = lab_to_rgb(torch.from_numpy(ref).permute(2, 0, 1)).permute(1, 2, 0).numpy()
        np.testing.assert_allclose(back, lab2rgb(ref), atol=1e-6)


def test_lab_round_trip_and_gradients():
    rgb = torch.rand(2, 3, 8, 8, dtype=torch.float64, requires_grad=True)
    lab = rgb_to_lab(rgb)
    assert torch.allclose(lab_to_rgb(lab), rgb, atol=1e-6)
    lab[:, 0].mean().backward()
    assert torch.isfinite(rgb.grad).all() and rgb.grad.abs().sum() > 0
