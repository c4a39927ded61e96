"""imresize against an independent per-pixel reference written from MATLAB's documentation."""

import math

import numpy as np
import pytest
import torch

from sisrlearn.resize import imresize, upsample


def keys_cubic(t: float) -> float:
    t = abs(t)
    if t <= 1:
        return 1.5 * t**3 - 2.5 * t**2 + 1
    if t <= 2:
        return -0.5 * t**3 + 2.5 * t**2 - 4 * t + 2
    return 0.0


def reference_resize_1d(vec: np.ndarray, scale: float) -> np.ndarray:
    """One output pixel at a time: MATLAB's bicubic with antialiasing, symmetric borders."""
    n = len(vec)
    out_len = math.ceil(n * scale - 1e-9)
    out = np.empty(out_len)
    shrink = scale < 1
    width = 4.0 / scale if shrink else 4.0
    for i in range(out_len):
        centre = (i + 1) / scale + 0.5 * (1 - 1 / scale)  # 1-based input coordinate
        first = math.floor(centre - width / 2)
        num, den = 0.0, 0.0
        for j in range(first, first + math.ceil(width) + 2):
            weight = scale * keys_cubic(scale * (centre - j)) if shrink else keys_cubic(centre - j)
            k = j - 1  # 0-based, reflected with the edge pixel repeated
            while k < 0 or k >= n:
                k = -k - 1 if k < 0 else 2 * n - 1 - k
            num += weight * vec[k]
            den += weight
        out[i] = num / den
    return out


def reference_resize(img: np.ndarray, scale: float) -> np.ndarray:
    rows = np.stack([reference_resize_1d(img[:, c], scale) for c in range(img.shape[1])], 1)
    return np.stack([reference_resize_1d(rows[r], scale) for r in range(rows.shape[0])], 0)


@pytest.mark.parametrize("scale", [2, 3, 4, 1 / 2, 1 / 3, 1 / 4])
@pytest.mark.parametrize("size", [(12, 12), (13, 17), (24, 9)])
def test_imresize_matches_per_pixel_reference(scale, size):
    rng = np.random.default_rng(0)
    img = rng.random(size)
    ours = imresize(torch.from_numpy(img)[None], scale)[0].numpy()
    ref = reference_resize(img, scale)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() < 1e-5


def test_imresize_batched_channels_and_dtype():
    batch = torch.rand(2, 3, 12, 15)
    out = imresize(batch, 1 / 3)
    assert out.shape == (2, 3, 4, 5) and out.dtype == torch.float32
    one = imresize(batch[1, 2][None, None].double(), 1 / 3)
    assert torch.allclose(out[1, 2].double(), one[0, 0], atol=1e-6)
    assert imresize(batch[0], size=(7, 30)).shape == (3, 7, 30)


def test_imresize_keeps_constants_and_inverts_identity():
    flat = torch.full((1, 9, 9), 0.3, dtype=torch.float64)
    assert torch.allclose(imresize(flat, 2.5), torch.full((1, 23, 23), 0.3, dtype=torch.float64))
    img = torch.rand(1, 8, 8, dtype=torch.float64)
    assert torch.allclose(imresize(img, 1), img)


def test_imresize_bad_input():
    with pytest.raises(ValueError, match="scale must be a positive number"):
        imresize(torch.rand(1, 4, 4), -2)
    with pytest.raises(ValueError, match="exactly one"):
        imresize(torch.rand(1, 4, 4))
    with pytest.raises(ValueError, match="kernel"):
        imresize(torch.rand(1, 4, 4), 2, kernel="spline")
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        imresize(torch.rand(4, 4), 2)


def test_upsample_methods():
    img = torch.rand(3, 5, 6)
    for method in ("nearest", "bilinear", "bicubic", "lanczos"):
        assert upsample(img, 3, method).shape == (3, 15, 18)
    near = upsample(img, 2, "nearest")
    assert torch.equal(near[:, ::2, ::2], img) and torch.equal(near[:, 1::2, 1::2], img)
    assert torch.allclose(upsample(img, 2, "bicubic"), imresize(img, 2))
    with pytest.raises(ValueError, match="method must be one of"):
        upsample(img, 2, "cubic-spline")


@pytest.mark.gpu
def test_imresize_same_on_cuda():
    img = torch.rand(2, 1, 31, 29, dtype=torch.float64)
    for scale in (1 / 3, 4):
        assert torch.allclose(imresize(img.cuda(), scale).cpu(), imresize(img, scale), atol=1e-10)
