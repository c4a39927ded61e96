"""Images in and out: bundled samples, files, folders, tensor conversion and ``modcrop``.

Convention: a tensor image is float32 in [0, 1], shaped (C, H, W) or (N, C, H, W); NumPy
arrays are (H, W, C) or (H, W).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

__all__ = [
    "SAMPLES",
    "sample",
    "sample_set",
    "load_image",
    "save_image",
    "list_images",
    "load_folder",
    "to_tensor",
    "to_numpy",
    "modcrop",
]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}

# Images that ship inside the scikit-image and scikit-learn wheels (no download).
_SKIMAGE = [
    "astronaut",
    "camera",
    "chelsea",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "brick",
    "grass",
    "gravel",
    "moon",
    "coins",
    "clock",
    "text",
    "page",
    "cell",
    "colorwheel",
    "horse",
    "logo",
    "motorcycle",
]
_SKLEARN = ["china", "flower"]
SAMPLES: tuple[str, ...] = tuple(_SKIMAGE + _SKLEARN)

# A fixed split for training/evaluation demos on bundled data (no overlap).
_SPLITS = {
    "train": [
        "chelsea",
        "coffee",
        "rocket",
        "immunohistochemistry",
        "retina",
        "brick",
        "grass",
        "gravel",
        "motorcycle",
        "flower",
        "coins",
        "page",
    ],
    "test": ["astronaut", "camera", "china", "hubble_deep_field", "moon", "clock"],
}


def _load_sample_array(name: str) -> np.ndarray:
    if name in _SKLEARN:
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg")
    import skimage.data

    if name == "motorcycle":
        return skimage.data.stereo_motorcycle()[0]
    if name == "horse":
        return (~skimage.data.horse()).astype(np.uint8) * 255
    img = getattr(skimage.data, name)()
    if img.ndim == 3 and img.shape[2] == 4:  # RGBA (logo): drop alpha
        img = img[..., :3]
    return img


def sample(name: str) -> torch.Tensor:
    """A bundled image as a (C, H, W) float tensor in [0, 1] (C = 1 for grayscale, else 3).

    Args:
        name: one of ``SAMPLES`` (scikit-image's ``astronaut``, ``camera``, ... and
            scikit-learn's ``china``, ``flower``). All ship in the wheels: nothing downloads.
    """
    if name not in SAMPLES:
        raise ValueError(f"name must be one of {', '.join(SAMPLES)}; got {name!r}")
    return to_tensor(_load_sample_array(name))


def sample_set(split: str = "train") -> dict[str, torch.Tensor]:
    """A fixed, disjoint split of the bundled images: ``"train"`` (12 images) or ``"test"`` (6)."""
    if split not in _SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return {name: sample(name) for name in _SPLITS[split]}


def to_tensor(img: np.ndarray) -> torch.Tensor:
    """(H, W) or (H, W, C) array (uint8 0-255, or float in [0, 1]) -> (C, H, W) float32 tensor."""
    if not isinstance(img, np.ndarray):
        raise TypeError(f"img must be a numpy array, got {type(img).__name__}")
    if img.ndim == 2:
        img = img[:, :, None]
    if img.ndim != 3:
        raise ValueError(f"img must be (H, W) or (H, W, C), got shape {img.shape}")
    if img.dtype == np.uint8:
        arr = img.astype(np.float32) / 255.0
    elif img.dtype == np.uint16:
        arr = img.astype(np.float32) / 65535.0
    elif img.dtype == bool:
        arr = img.astype(np.float32)
    elif np.issubdtype(img.dtype, np.floating):
        arr = img.astype(np.float32)
    else:
        raise TypeError(f"img dtype must be uint8, uint16, bool or float, got {img.dtype}")
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def to_numpy(img: torch.Tensor) -> np.ndarray:
    """(C, H, W) tensor -> (H, W, C) float array (or (H, W) when C = 1), on the CPU."""
    if not isinstance(img, torch.Tensor):
        raise TypeError(f"img must be a torch.Tensor, got {type(img).__name__}")
    if img.dim() == 4 and img.shape[0] == 1:
        img = img[0]
    if img.dim() != 3:
        raise ValueError(f"img must be (C, H, W) or (1, C, H, W), got shape {tuple(img.shape)}")
    arr = img.detach().float().cpu().numpy().transpose(1, 2, 0)
    return arr[..., 0] if arr.shape[2] == 1 else arr


def load_image(path: str | Path, *, mode: str | None = None) -> torch.Tensor:
    """Read an image file as a (C, H, W) float tensor in [0, 1].

    Args:
        path: the file.
        mode: ``"RGB"`` or ``"L"`` to convert; ``None`` keeps grayscale as 1 channel and
            turns everything else (palette, RGBA, CMYK) into RGB.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing image file, got {str(path)!r} (not found)")
    if mode not in (None, "RGB", "L"):
        raise ValueError(f"mode must be None, 'RGB' or 'L', got {mode!r}")
    try:
        with Image.open(path) as im:
            if mode is None:
                mode = "L" if im.mode in ("L", "I;16", "I", "1") else "RGB"
            if mode == "L" and im.mode in ("I;16", "I"):
                arr = np.asarray(im, dtype=np.float64) / 65535.0
                return torch.from_numpy(arr.astype(np.float32))[None]
            arr = np.asarray(im.convert(mode))
    except UnidentifiedImageError as err:
        raise ValueError(f"path is not an image file PIL can read: {str(path)!r}") from err
    return to_tensor(arr)


def save_image(img: torch.Tensor, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a (C, H, W) tensor in [0, 1] as an 8-bit image (clipped, rounded).

    Refuses to replace an existing file unless ``overwrite=True``.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{str(path)!r} exists; pass overwrite=True to replace it")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(f"path must end in one of {sorted(IMAGE_SUFFIXES)}, got {str(path)!r}")
    arr = np.clip(np.round(to_numpy(img) * 255.0), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


def list_images(folder: str | Path) -> tuple[list[Path], list[Path]]:
    """Sorted image files of a folder, and the other files that were skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing directory, got {str(folder)!r}")
    images, skipped = [], []
    for p in sorted(folder.iterdir()):
        if p.is_file():
            (images if p.suffix.lower() in IMAGE_SUFFIXES else skipped).append(p)
    return images, skipped


def load_folder(folder: str | Path, *, mode: str | None = None) -> dict[str, torch.Tensor]:
    """Every image of a folder, ``{file stem: (C, H, W) tensor}``, in sorted order.

    Non-image files are skipped (``list_images`` says which). An empty folder is an error.
    """
    paths, _ = list_images(folder)
    if not paths:
        raise ValueError(f"folder {str(folder)!r} holds no image files ({sorted(IMAGE_SUFFIXES)})")
    return {p.stem: load_image(p, mode=mode) for p in paths}


def modcrop(img: torch.Tensor, scale: int) -> torch.Tensor:
    """Crop the bottom/right so both sides divide by ``scale`` (MATLAB ``modcrop``)."""
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive int, got {scale!r}")
    if not isinstance(img, torch.Tensor) or img.dim() < 2:
        raise TypeError("img must be a tensor shaped (..., H, W)")
    h, w = img.shape[-2:]
    return img[..., : h - h % scale, : w - w % scale]
