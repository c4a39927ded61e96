"""Patches: extract and fold back (overlap averaging), and SRCNN-style training sub-images."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from ._validate import as_batch, check_scale
from .color import rgb_to_y
from .images import load_folder, modcrop
from .resize import imresize

__all__ = ["extract_patches", "fold_patches", "PatchDataset"]


def extract_patches(img: torch.Tensor, size: int, stride: int) -> torch.Tensor:
    """All ``size`` x ``size`` patches at ``stride``: (C, H, W) -> (L, C, size, size).

    A batch (N, C, H, W) gives (N * L, C, size, size), image by image.
    """
    batch, _ = as_batch(img)
    n, c, h, w = batch.shape
    if size > min(h, w):
        raise ValueError(f"size={size} is larger than the image ({h}x{w})")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    cols = F.unfold(batch, size, stride=stride)  # (N, C*size*size, L)
    return cols.transpose(1, 2).reshape(-1, c, size, size)


def fold_patches(
    patches: torch.Tensor, image_size: tuple[int, int], size: int, stride: int
) -> torch.Tensor:
    """Inverse of ``extract_patches`` for one image: overlaps are averaged -> (C, H, W).

    Pixels no patch covers (when the stride does not tile the image) are 0.
    """
    if patches.dim() != 4 or patches.shape[-1] != size or patches.shape[-2] != size:
        raise ValueError(f"patches must be (L, C, {size}, {size}), got {tuple(patches.shape)}")
    h, w = image_size
    c = patches.shape[1]
    cols = patches.reshape(1, -1, c * size * size).transpose(1, 2)
    expected = ((h - size) // stride + 1) * ((w - size) // stride + 1)
    if cols.shape[-1] != expected:
        raise ValueError(
            f"got {cols.shape[-1]} patches, a {h}x{w} image at stride {stride} has {expected}"
        )
    summed = F.fold(cols, (h, w), size, stride=stride)
    counts = F.fold(torch.ones_like(cols), (h, w), size, stride=stride)
    return (summed / counts.clamp_min(1))[0]


class PatchDataset(Dataset):
    """SRCNN-style training sub-images (Dong et al., TPAMI 2016, section 4.1).

    Each HR image is mod-cropped, turned to Y (or kept RGB), degraded by MATLAB bicubic
    ``1/scale``; the input is the LR image upscaled back (``upsampled=True``, pre-upsampling
    nets such as SRCNN/VDSR) or the LR image itself (``upsampled=False``, post-upsampling
    nets such as FSRCNN/ESPCN). Sub-images of ``patch_size`` are cut every ``stride`` pixels;
    the label is the matching HR patch with ``label_crop`` pixels removed from every side
    (6 for SRCNN 9-1-5 with valid convolutions: 33 -> 21).

    Args:
        images: a folder, or a mapping/sequence of (C, H, W) tensors in [0, 1].
        scale: SR factor.
        patch_size: input sub-image side (on the input's grid).
        stride: step between sub-images (on the input's grid).
        label_crop: pixels cropped from every side of the label.
        channels: ``"y"`` or ``"rgb"``.
        upsampled: see above.
        augment: random flips and 90-degree rotations at ``__getitem__``.
        generator: for reproducible augmentation.
    """

    def __init__(
        self,
        images: str | Path | Mapping[str, torch.Tensor] | Sequence[torch.Tensor],
        scale: int,
        *,
        patch_size: int = 33,
        stride: int = 14,
        label_crop: int = 0,
        channels: str = "y",
        upsampled: bool = True,
        augment: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        check_scale(scale)
        if channels not in ("y", "rgb"):
            raise ValueError(f"channels must be 'y' or 'rgb', got {channels!r}")
        if isinstance(images, (str, Path)):
            images = load_folder(images)
        imgs = list(images.values()) if isinstance(images, Mapping) else list(images)
        if not imgs:
            raise ValueError("images must hold at least one image")
        if 2 * label_crop >= patch_size:
            raise ValueError(f"label_crop={label_crop} leaves nothing of patch_size={patch_size}")
        self.scale, self.augment, self.generator = scale, augment, generator
        inputs, labels = [], []
        hr_patch = patch_size if upsampled else patch_size * scale
        for img in imgs:
            hr = modcrop(img.double(), scale)
            hr = rgb_to_y(hr) if channels == "y" else _as_rgb(hr)
            if min(hr.shape[-2:]) < hr_patch:
                continue  # too small for one patch
            lr = imresize(hr, 1 / scale)
            x = imresize(lr, scale) if upsampled else lr
            inputs.append(extract_patches(x.float(), patch_size, stride))
            hr_step = stride if upsampled else stride * scale
            y = extract_patches(hr.float(), hr_patch, hr_step)
            crop = label_crop * (1 if upsampled else scale)
            labels.append(y[..., crop : hr_patch - crop, crop : hr_patch - crop] if crop else y)
        if not inputs:
            raise ValueError(f"every image is smaller than one {hr_patch}x{hr_patch} HR patch")
        self.inputs, self.labels = torch.cat(inputs), torch.cat(labels)

    def __len__(self) -> int:
        return self.inputs.shape[0]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = self.inputs[index], self.labels[index]
        if self.augment:
            k = int(torch.randint(4, (1,), generator=self.generator))
            flip = bool(torch.randint(2, (1,), generator=self.generator))
            x, y = torch.rot90(x, k, (1, 2)), torch.rot90(y, k, (1, 2))
            if flip:
                x, y = x.flip(-1), y.flip(-1)
        return x, y


def _as_rgb(img: torch.Tensor) -> torch.Tensor:
    return img.expand(3, -1, -1) if img.shape[0] == 1 else img
