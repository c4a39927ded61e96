"""Colour spaces: RGB <-> YCbCr with MATLAB's constants, RGB <-> CIE Lab in differentiable torch.

YCbCr follows ITU-R BT.601 as MATLAB's ``rgb2ycbcr`` does: for RGB in [0, 1],
``Y = 16 + 65.481 R + 128.553 G + 24.966 B`` (so Y lies in [16, 235]); we return values
divided by 255. Lab follows scikit-image's ``rgb2lab`` (sRGB, D65, 2-degree observer).
"""

from __future__ import annotations

import torch

from ._validate import as_batch, unbatch

__all__ = ["rgb_to_ycbcr", "ycbcr_to_rgb", "rgb_to_y", "rgb_to_lab", "lab_to_rgb"]

# Rows give Y, Cb, Cr (0-255 scale) from RGB in [0, 1]; offsets in 0-255 units.
_YCBCR_MATRIX = [
    [65.481, 128.553, 24.966],
    [-37.797, -74.203, 112.0],
    [112.0, -93.786, -18.214],
]
_YCBCR_OFFSET = [16.0, 128.0, 128.0]


def _matmul_channels(img: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    # (N, 3, H, W) x (3, 3) -> (N, 3, H, W)
    return torch.einsum("ij,njhw->nihw", matrix.to(img), img)


def rgb_to_ycbcr(img: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] -> YCbCr in [0, 1] (Y in [16, 235]/255), MATLAB ``rgb2ycbcr`` constants.

    Shape (3, H, W) or (N, 3, H, W), returned likewise. Not rounded: see ``rgb_to_y``.
    """
    batch, single = as_batch(img, channels=(3,))
    matrix = torch.tensor(_YCBCR_MATRIX, dtype=torch.float64)
    offset = torch.tensor(_YCBCR_OFFSET, dtype=batch.dtype, device=batch.device).view(1, 3, 1, 1)
    out = (_matmul_channels(batch, matrix) + offset) / 255.0
    return unbatch(out, single)


def ycbcr_to_rgb(img: torch.Tensor) -> torch.Tensor:
    """Inverse of ``rgb_to_ycbcr`` (MATLAB ``ycbcr2rgb``); not clipped."""
    batch, single = as_batch(img, channels=(3,))
    inverse = torch.linalg.inv(torch.tensor(_YCBCR_MATRIX, dtype=torch.float64))
    offset = torch.tensor(_YCBCR_OFFSET, dtype=batch.dtype, device=batch.device).view(1, 3, 1, 1)
    out = _matmul_channels(batch * 255.0 - offset, inverse)
    return unbatch(out, single)


def rgb_to_y(img: torch.Tensor, *, round_to_uint8: bool = False) -> torch.Tensor:
    """The luma channel Y/255 of an RGB image; a 1-channel image is returned as it is.

    Args:
        img: (3, H, W) / (N, 3, H, W) RGB in [0, 1], or 1-channel grayscale (its own Y).
        round_to_uint8: round Y to an integer in [0, 255] first, as MATLAB's ``rgb2ycbcr``
            does on a uint8 image (the ``matlab`` benchmark protocol). The RGB input is then
            taken as 8-bit too (rounded to k/255).
    """
    batch, single = as_batch(img, channels=(1, 3))
    if batch.shape[1] == 1:
        y = batch
        if round_to_uint8:
            y = torch.round(y * 255.0).clamp(0, 255) / 255.0
        return unbatch(y, single)
    rgb = batch
    if round_to_uint8:
        rgb = torch.round(rgb * 255.0).clamp(0, 255) / 255.0
    weights = torch.tensor(_YCBCR_MATRIX[0], dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    y = 16.0 + (rgb * weights).sum(dim=1, keepdim=True)  # 0-255 scale
    if round_to_uint8:
        y = torch.round(y).clamp(0, 255)
    return unbatch(y / 255.0, single)


# sRGB (D65) <-> XYZ matrix and reference white, as scikit-image uses them.
_XYZ_FROM_RGB = [
    [0.412453, 0.357580, 0.180423],
    [0.212671, 0.715160, 0.072169],
    [0.019334, 0.119193, 0.950227],
]
_WHITE_D65 = [0.95047, 1.0, 1.08883]


def rgb_to_lab(img: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1] -> CIE Lab (L in [0, 100], a and b roughly in [-128, 127]).

    Differentiable; agrees with ``skimage.color.rgb2lab`` (D65, 2-degree observer).
    Shape (3, H, W) or (N, 3, H, W), returned likewise with channels (L, a, b).
    """
    rgb, single = as_batch(img, channels=(3,))
    linear = torch.where(
        rgb > 0.04045, ((rgb.clamp_min(0.04045) + 0.055) / 1.055) ** 2.4, rgb / 12.92
    )
    xyz = _matmul_channels(linear, torch.tensor(_XYZ_FROM_RGB, dtype=torch.float64))
    white = torch.tensor(_WHITE_D65, dtype=xyz.dtype, device=xyz.device).view(1, 3, 1, 1)
    t = xyz / white
    eps = 0.008856
    f = torch.where(t > eps, t.clamp_min(eps) ** (1.0 / 3.0), 7.787 * t + 16.0 / 116.0)
    fx, fy, fz = f[:, 0], f[:, 1], f[:, 2]
    lab = torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=1)
    return unbatch(lab, single)


def lab_to_rgb(lab: torch.Tensor, *, clip: bool = True) -> torch.Tensor:
    """CIE Lab -> sRGB in [0, 1] (clipped unless ``clip=False``); inverse of ``rgb_to_lab``.

    Agrees with ``skimage.color.lab2rgb``. Differentiable.
    """
    lab_b, single = as_batch(lab, "lab", channels=(3,))
    l_, a_, b_ = lab_b[:, 0], lab_b[:, 1], lab_b[:, 2]
    fy = (l_ + 16.0) / 116.0
    fx = a_ / 500.0 + fy
    fz = (fy - b_ / 200.0).clamp_min(0.0)  # skimage clips negative z
    f = torch.stack([fx, fy, fz], dim=1)
    t = torch.where(f > 0.2068966, f**3, (f - 16.0 / 116.0) / 7.787)
    white = torch.tensor(_WHITE_D65, dtype=t.dtype, device=t.device).view(1, 3, 1, 1)
    xyz = t * white
    inverse = torch.linalg.inv(torch.tensor(_XYZ_FROM_RGB, dtype=torch.float64))
    linear = _matmul_channels(xyz, inverse)
    rgb = torch.where(
        linear > 0.0031308,
        1.055 * linear.clamp_min(0.0031308) ** (1.0 / 2.4) - 0.055,
        12.92 * linear,
    )
    if clip:
        rgb = rgb.clamp(0.0, 1.0)
    return unbatch(rgb, single)
