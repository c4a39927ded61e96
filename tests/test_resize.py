"""imresize against an independent per-pixel reference written from MATLAB's documentation,
and against the previous gather implementation (kept below as an oracle)."""

import math

import numpy as np
import pytest
import torch

from sisrlearn import resize
from sisrlearn.resize import KERNELS, imresize, resize_matrix, upsample


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


# --- the matrix form against the previous gather implementation, kept here as an oracle ---


def _gather_contributions(in_len, out_len, scale, kernel_name, antialiasing):
    """Weights (out_len, P) and 0-based mirrored indices (out_len, P), one axis."""
    kernel, width = KERNELS[kernel_name]
    if scale < 1 and antialiasing:
        h = lambda t: scale * kernel(scale * t)  # noqa: E731
        width = width / scale
    else:
        h = kernel
    x = torch.arange(1, out_len + 1, dtype=torch.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = torch.floor(u - width / 2)
    taps = int(math.ceil(width)) + 2
    indices = left[:, None] + torch.arange(taps, dtype=torch.float64)
    weights = h(u[:, None] - indices)
    weights = weights / weights.sum(dim=1, keepdim=True)
    mirror = torch.cat([torch.arange(in_len), torch.arange(in_len - 1, -1, -1)])
    return weights, mirror[(indices.long() - 1) % (2 * in_len)]


def gather_imresize(batch, scale=None, size=None, kernel="cubic", antialiasing=True):
    """The previous implementation: one index_select per tap, summed in the input's dtype."""
    in_h, in_w = batch.shape[-2:]
    if scale is not None:
        scales = (scale, scale)
        out_h, out_w = math.ceil(in_h * scale - 1e-9), math.ceil(in_w * scale - 1e-9)
    else:
        (out_h, out_w), scales = size, (size[0] / in_h, size[1] / in_w)
    antialiasing = antialiasing and kernel != "nearest"
    out = batch
    for axis in (0, 1) if scales[0] <= scales[1] else (1, 0):
        dim, out_len = 2 + axis, (out_h, out_w)[axis]
        weights, indices = _gather_contributions(
            out.shape[dim], out_len, scales[axis], kernel, antialiasing
        )
        weights = weights.to(batch.dtype)
        shape = [1, 1, 1, 1]
        shape[dim] = out_len
        terms = [
            out.index_select(dim, indices[:, k]) * weights[:, k].view(shape)
            for k in range(indices.shape[1])
        ]
        out = sum(terms[1:], terms[0])
    return out


ORACLE_SIZES = [(7, 10), (16, 13), (24, 31)]
ORACLE_SCALES = [1 / 2, 1 / 3, 1 / 4, 2, 3, 4, 0.6, 1.7]
TOLERANCE = {torch.float32: 1e-6, torch.float64: 1e-12}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kernel", sorted(KERNELS))
def test_imresize_matches_gather_oracle(kernel, dtype):
    gen = torch.Generator().manual_seed(0)
    for in_h, in_w in ORACLE_SIZES:
        img = torch.rand(2, 3, in_h, in_w, generator=gen, dtype=torch.float64).to(dtype)
        for scale in ORACLE_SCALES:
            ours = imresize(img, scale, kernel=kernel)
            ref = gather_imresize(img, scale, kernel=kernel)
            assert ours.shape == ref.shape and ours.dtype == dtype
            err = (ours - ref).abs().max().item()
            assert err <= TOLERANCE[dtype], (in_h, in_w, scale, err)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_imresize_size_and_no_antialiasing_match_gather_oracle(dtype):
    img = torch.rand(1, 2, 19, 12, dtype=dtype)
    # unequal scales: the shrunk axis goes first, whichever it is
    for size in [(5, 30), (40, 7), (19, 12), (11, 11)]:
        for kernel in ("cubic", "lanczos3", "triangle"):
            for aa in (True, False):
                ours = imresize(img, size=size, kernel=kernel, antialiasing=aa)
                ref = gather_imresize(img, size=size, kernel=kernel, antialiasing=aa)
                assert (ours - ref).abs().max().item() <= TOLERANCE[dtype], (size, kernel, aa)


def test_banded_path_matches_dense(monkeypatch):
    img = torch.rand(1, 2, 37, 29, dtype=torch.float64)
    dense = {s: imresize(img, s) for s in (1 / 3, 2, 0.6, 1 / 20)}  # 1/20: taps > in_len
    monkeypatch.setattr(resize, "_DENSE_MAX_ELEMENTS", 100)  # forces bands of 2 or 3 rows
    for scale, want in dense.items():
        got = imresize(img, scale)
        ref = gather_imresize(img, scale)
        assert (got - ref).abs().max().item() <= 1e-12
        assert (got - want).abs().max().item() <= 1e-12


def test_weight_matrix_is_cached_per_dtype_and_folds_the_border():
    a = resize._weight_matrix(13, 5, 5 / 13, "cubic", True, torch.float64, "cpu")
    assert resize._weight_matrix(13, 5, 5 / 13, "cubic", True, torch.float64, "cpu") is a
    b = resize._weight_matrix(13, 5, 5 / 13, "cubic", True, torch.float32, "cpu")
    assert b.dtype == torch.float32 and b is not a
    assert a.shape == (5, 13)
    assert torch.allclose(a.sum(dim=1), torch.ones(5, dtype=torch.float64), atol=1e-12)
    # the matrix applied to a one-hot column is the oracle's response to that pixel
    eye = torch.eye(13, dtype=torch.float64)[None, None]  # (1, 1, 13, 13): column j = e_j
    assert torch.allclose(a, gather_imresize(eye, size=(5, 13))[0, 0], atol=1e-12)


def test_weight_cache_stays_within_its_byte_budget(monkeypatch):
    monkeypatch.setattr(resize, "_cache", resize.OrderedDict())
    monkeypatch.setattr(resize, "_CACHE_MAX_BYTES", 6000)  # three 10x25 float64 = 6000 B
    for in_len in range(20, 26):
        resize._weight_matrix(in_len, 10, 10 / in_len, "cubic", True, torch.float64, "cpu")
    assert [key[0] for key in resize._cache] == [23, 24, 25]  # the most recent ones kept
    resize._weight_matrix(23, 10, 10 / 23, "cubic", True, torch.float64, "cpu")  # reused ...
    resize._weight_matrix(30, 10, 10 / 30, "cubic", True, torch.float64, "cpu")  # ... so 24 goes
    assert [key[0] for key in resize._cache] == [23, 30]


def test_gradient_matches_gather_oracle_even_after_inference_mode():
    with torch.inference_mode():  # the cached matrices are built here first ...
        imresize(torch.rand(1, 1, 11, 14, dtype=torch.float64), 1 / 2)
    img = torch.rand(1, 1, 11, 14, dtype=torch.float64, requires_grad=True)
    probe = torch.rand(1, 1, 6, 7, dtype=torch.float64)
    (grad,) = torch.autograd.grad((imresize(img, 1 / 2) * probe).sum(), img)  # ... used here
    (want,) = torch.autograd.grad((gather_imresize(img, 1 / 2) * probe).sum(), img)
    assert torch.allclose(grad, want, atol=1e-12)


def test_imresize_refuses_empty_huge_and_degenerate_outputs(monkeypatch):
    with pytest.raises(ValueError, match=r"scale=1e-09 is too small for a 480x500 image"):
        imresize(torch.rand(1, 3, 480, 500), 1e-9)
    with pytest.raises(ValueError, match=r"scale=1e-10 gives an empty 0x0 output for a 1x1"):
        imresize(torch.rand(1, 1, 1), 1e-10)
    with pytest.raises(ValueError, match="MAX_OUTPUT_ELEMENTS"):
        imresize(torch.rand(3, 100, 100), 1000)
    with pytest.raises(ValueError, match=r"size=\(100000, 100000\) turns a 4x4 image"):
        imresize(torch.rand(1, 4, 4), size=(100000, 100000))
    with pytest.raises(ValueError, match="scale must be a positive number"):
        imresize(torch.rand(1, 4, 4), math.inf)
    # the limit counts the whole output tensor, batch and channels included
    monkeypatch.setattr(resize, "MAX_OUTPUT_ELEMENTS", 2 * 3 * 8 * 10)
    assert imresize(torch.rand(2, 3, 4, 5), 2).shape == (2, 3, 8, 10)
    with pytest.raises(ValueError, match=r"3x3x8x10 = 720 elements"):
        imresize(torch.rand(3, 3, 4, 5), 2)


@pytest.mark.parametrize("kernel", ["cubic", "lanczos2", "triangle", "box"])
@pytest.mark.parametrize("scale", [1 / 4, 1 / 3, 0.7, 2, 3])
def test_resize_matrix_is_what_imresize_applies(kernel, scale):
    x = torch.rand(2, 3, 17, 23, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    a_h, a_w = resize_matrix(17, scale, kernel), resize_matrix(23, scale, kernel)
    assert a_h.shape == (math.ceil(17 * scale - 1e-9), 17) and a_h.dtype == torch.float64
    torch.testing.assert_close(
        a_h @ x @ a_w.T, imresize(x, scale, kernel=kernel), atol=1e-12, rtol=0
    )


def test_resize_matrix_refuses_bad_arguments():
    with pytest.raises(ValueError, match="in_len must be a positive int"):
        resize_matrix(0, 0.5)
    with pytest.raises(ValueError, match="scale must be a positive number"):
        resize_matrix(8, -1)
    with pytest.raises(ValueError, match="kernel must be one of"):
        resize_matrix(8, 0.5, "gauss")
