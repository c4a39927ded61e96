"""Colour spaces: RGB <-> YCbCr with MATLAB's constants, RGB <-> CIE Lab in differentiable torch.

YCbCr follows ITU-R BT.601 as MATLAB's ``rgb2ycbcr`` does: for RGB in [0, 1],
``Y = 16 + 65.481 R + 128.553 G + 24.966 B`` (so Y lies in [16, 235]); we return values
divided by 255. Lab follows scikit-image's ``rgb2lab`` (sRGB, D65, 2-degree observer).
"""

from __future__ import annotations

import functools

import torch

from ._validate import as_batch, unbatch

__all__ = [
    "AB_SCALE",
    "ab_bins",
    "gamut_cells",
    "lab_to_rgb",
    "rgb_to_lab",
    "rgb_to_y",
    "rgb_to_ycbcr",
    "ycbcr_to_rgb",
]

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


AB_SCALE = 110.0  # |a|, |b| <= 110 for sRGB: the regression net predicts ab / AB_SCALE


# The quantized ab plane of Zhang et al., "Colorful Image Colorization", ECCV 2016, sec. 2.1.


def _cube_surface(levels: int) -> torch.Tensor:
    """(3, 6 * levels^2) RGB points on the six faces of the unit cube (float64)."""
    v = torch.linspace(0.0, 1.0, levels, dtype=torch.float64)
    g, b = (t.reshape(-1) for t in torch.meshgrid(v, v, indexing="ij"))
    faces = []
    for ch in range(3):
        for value in (0.0, 1.0):
            parts = [g, b]
            parts.insert(ch, torch.full_like(g, value))
            faces.append(torch.stack(parts))
    return torch.cat(faces, dim=1)


@functools.lru_cache(maxsize=8)
def _touched(grid: int, levels: int) -> tuple[tuple[int, int], ...]:
    # The ab projection of the gamut (a solid) is the projection of its surface.
    lab = rgb_to_lab(_cube_surface(levels)[None, :, :, None])[0, :, :, 0]  # (3, P)
    cells = torch.floor(lab[1:] / grid + 0.5).long().T.unique(dim=0)  # (K, 2) grid indices
    return tuple(map(tuple, cells.tolist()))


@functools.lru_cache(maxsize=8)
def _centres_in_gamut(grid: int, l_steps: int) -> tuple[tuple[int, int], ...]:
    reach = -(-130 // grid)  # |a|, |b| < 130 for every sRGB colour
    side = torch.arange(-reach, reach + 1, dtype=torch.float64)
    cells = torch.cartesian_prod(side, side)  # (K, 2) grid indices, sorted by a then b
    light = torch.linspace(0.0, 100.0, l_steps, dtype=torch.float64)
    ab = grid * cells.T[:, None, :].expand(2, l_steps, -1)  # (2, L steps, K)
    lab = torch.stack([light[:, None].expand(-1, len(cells)), *ab])
    rgb = lab_to_rgb(lab[None], clip=False)[0]  # (3, L steps, K)
    ok = ((rgb >= -1e-6) & (rgb <= 1 + 1e-6)).all(dim=0).any(dim=0)
    return tuple(map(tuple, cells[ok].long().tolist()))


def gamut_cells(*, grid: int = 10, levels: int = 256) -> torch.Tensor:
    """Centres (K, 2) of the ab grid cells that some sRGB colour falls in (any L).

    A cell is ``[c - grid/2, c + grid/2)`` around a centre ``c`` on multiples of ``grid``. The
    RGB cube's faces are sampled at ``levels`` values per side (the ab projection of the
    gamut is that of its surface). ``levels=256`` samples exactly the 8-bit colours (the same
    cells as all 2^24 of them): 261 cells for ``grid=10``. The continuous gamut touches one
    more, a sliver of the cell (20, -80) reached only between 8-bit colours (``levels=512``:
    262, slower).
    """
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 1:
        raise ValueError(f"grid must be a positive int, got {grid!r}")
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2:
        raise ValueError(f"levels must be an int >= 2, got {levels!r}")
    return grid * torch.tensor(_touched(grid, levels), dtype=torch.float32)


def ab_bins(*, grid: int = 10, rule: str = "centre") -> torch.Tensor:
    """The quantized ab colours (Q, 2) float32, sorted by a then b (Zhang et al. sec. 2.1).

    Args:
        grid: the grid size in ab units (10 in the paper).
        rule: ``"centre"`` keeps a cell when its centre is a valid sRGB colour for some L
            (L sampled every 0.05): 229 bins for ``grid=10``. ``"touched"`` keeps every cell
            8-bit sRGB colours fall in (``gamut_cells``): 261 (262 for the continuous gamut).

    The paper keeps Q = 313 ("in gamut", Fig. 3a), more than the 262 cells that any sRGB
    colour falls in, so its list cannot come from the sRGB gamut alone. The paper does not
    say how the 313 were chosen; one hypothesis is that they were read off the ab values of
    its training data (ImageNet), which can reach beyond the gamut of an ideal 8-bit sRGB
    image (interpolation overshoot when resizing, images in other colour spaces decoded as
    sRGB). For sRGB training images such extra cells would be classes that never occur.
    """
    if rule not in ("centre", "touched"):
        raise ValueError(f"rule must be 'centre' or 'touched', got {rule!r}")
    if rule == "touched":
        return gamut_cells(grid=grid)
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 1:
        raise ValueError(f"grid must be a positive int, got {grid!r}")
    return grid * torch.tensor(_centres_in_gamut(grid, 2001), dtype=torch.float32)
