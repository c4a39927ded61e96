"""Input checks shared by the public functions: clear errors, raised early."""

from __future__ import annotations

import math
import numbers

import torch


def as_batch(img: object, name: str = "img", *, channels: tuple[int, ...] | None = None):
    """Return ``(batch, single)``: a (N, C, H, W) view of ``img`` and whether it was (C, H, W).

    Raises TypeError for a non-tensor or integer tensor and ValueError for a wrong shape.
    """
    if not isinstance(img, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(img).__name__}")
    if not img.is_floating_point():
        raise TypeError(f"{name} must be a float tensor in [0, 1], got dtype {img.dtype}")
    if img.dim() == 3:
        batch, single = img[None], True
    elif img.dim() == 4:
        batch, single = img, False
    else:
        raise ValueError(f"{name} must be (C, H, W) or (N, C, H, W), got shape {tuple(img.shape)}")
    if channels is not None and batch.shape[1] not in channels:
        want = " or ".join(map(str, channels))
        raise ValueError(f"{name} must have {want} channels, got {batch.shape[1]}")
    return batch, single


def unbatch(batch: torch.Tensor, single: bool) -> torch.Tensor:
    return batch[0] if single else batch


def check_scale(scale: object, name: str = "scale") -> int:
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"{name} must be a positive int (2, 3, 4, ...), got {scale!r}")
    return scale


def check_same_shape(a: torch.Tensor, b: torch.Tensor, names: tuple[str, str]) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape, "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def check_image_values(batch: torch.Tensor, name: str = "img") -> None:
    """Refuse an empty image (a zero-size dimension) and NaN/inf values, naming ``name``."""
    if batch.numel() == 0:
        raise ValueError(f"{name} is empty: shape {tuple(batch.shape)}")
    bad = int((~torch.isfinite(batch.detach())).sum())
    if bad:
        nan = int(torch.isnan(batch.detach()).sum())
        raise ValueError(
            f"{name} holds {bad} non-finite values ({nan} NaN, {bad - nan} inf) "
            f"of {batch.numel()}: check the model's output or the input file"
        )


def check_positive(value: object, name: str) -> float:
    """A finite real number > 0 (``data_range``, ``sigma``, ...), returned as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def check_window_size(size: object, name: str = "window_size") -> int:
    """An odd int >= 3: a window with a centre pixel and at least one neighbour each side."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"{name} must be an odd int >= 3, got {type(size).__name__}")
    if size < 3 or size % 2 == 0:
        raise ValueError(f"{name} must be an odd int >= 3 (7, 11, ...), got {size}")
    return size
