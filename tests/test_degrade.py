import pytest
import torch

from sisrlearn.degrade import (
    add_noise,
    degrade,
    gaussian_blur,
    jpeg_compress,
    random_mask,
    text_mask,
)
from sisrlearn.resize import imresize


def test_degrade_pipeline_shapes_and_reproducible_noise():
    hr = torch.rand(3, 24, 24)
    assert torch.allclose(degrade(hr, 3), imresize(hr, 1 / 3).clamp(0, 1))
    a = degrade(hr, 2, blur=1.0, noise=0.05, generator=torch.Generator().manual_seed(0))
    b = degrade(hr, 2, blur=1.0, noise=0.05, generator=torch.Generator().manual_seed(0))
    assert a.shape == (3, 12, 12) and torch.equal(a, b)
    assert degrade(hr, 1, jpeg=30).shape == hr.shape


def test_degrade_errors():
    with pytest.raises(ValueError, match="modcrop"):
        degrade(torch.rand(3, 25, 24), 2)
    with pytest.raises(ValueError, match="quality"):
        jpeg_compress(torch.rand(3, 8, 8), 0)
    with pytest.raises(ValueError, match="sigma"):
        gaussian_blur(torch.rand(1, 8, 8), 0)
    with pytest.raises(ValueError, match="sigma"):
        add_noise(torch.rand(1, 8, 8), -1)


def test_blur_keeps_constants_and_noise_has_the_right_std():
    flat = torch.full((1, 16, 16), 0.4)
    assert torch.allclose(gaussian_blur(flat, 2.0), flat, atol=1e-6)
    noisy = add_noise(torch.zeros(1, 200, 200), 0.1, generator=torch.Generator().manual_seed(0))
    assert abs(float(noisy.std()) - 0.1) < 0.003


def test_jpeg_loses_detail():
    img = torch.rand(3, 32, 32)
    low, high = jpeg_compress(img, 10), jpeg_compress(img, 95)
    assert (low - img).abs().mean() > (high - img).abs().mean()


def test_masks():
    m = random_mask((50, 40), 0.5, generator=torch.Generator().manual_seed(0))
    assert m.shape == (1, 50, 40) and abs(float(m.mean()) - 0.5) < 0.05
    t = text_mask((64, 96))
    assert t.shape == (1, 64, 96) and set(t.unique().tolist()) == {0.0, 1.0}
    assert 0.02 < 1 - float(t.mean()) < 0.6
    with pytest.raises(ValueError, match="fraction"):
        random_mask((4, 4), 1.5)
