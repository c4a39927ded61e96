"""Images in and out: bundled samples, files, folders, tensor conversion and ``modcrop``.

Convention: a tensor image is float32 in [0, 1], shaped (C, H, W) or (N, C, H, W); NumPy
arrays are (H, W, C) or (H, W).
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .files import atomic_write, check_writable

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

# ``load_image`` refuses larger images (a decompression bomb: a small file that decodes to
# gigabytes); the environment variable SISRLEARN_MAX_PIXELS, when set, overrides it.
MAX_IMAGE_PIXELS = 100_000_000

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


class _TooLarge(Exception):
    pass


def _pixel_limit() -> int:
    """``SISRLEARN_MAX_PIXELS`` if set, else ``MAX_IMAGE_PIXELS``."""
    raw = os.environ.get("SISRLEARN_MAX_PIXELS")
    if raw is None:
        return MAX_IMAGE_PIXELS
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if limit < 1:
        raise ValueError(f"SISRLEARN_MAX_PIXELS must be a positive integer, got {raw!r}")
    return limit


def _open(path: Path) -> tuple[Image.Image, dict[int, int]]:
    """Decode ``path`` fully, EXIF orientation applied; every failure is a ValueError.

    Returns the image and, for an integer image, its bit depth and sample format
    (``{258: BitsPerSample, 339: SampleFormat}``, TIFF numbering) where the file says.
    """
    limit = _pixel_limit()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our limit decides
            with Image.open(path) as im:
                width, height = im.size
                if width * height > limit:
                    raise _TooLarge(
                        f"{str(path)!r} is {width}x{height} = {width * height:,} "
                        f"pixels, more than the limit of {limit:,} (a decompression "
                        "bomb?); raise SISRLEARN_MAX_PIXELS to read it"
                    )
                im.load()
                depth = _int_depth(im)
                return ImageOps.exif_transpose(im), depth
    except _TooLarge as err:
        raise ValueError(str(err)) from None
    except Image.DecompressionBombError as err:  # above Pillow's own hard limit
        raise ValueError(
            f"{str(path)!r} is too large to read: {err} (sisrlearn's limit: {limit:,} pixels, "
            "SISRLEARN_MAX_PIXELS; Pillow's: PIL.Image.MAX_IMAGE_PIXELS)"
        ) from None
    except UnidentifiedImageError as err:
        raise ValueError(f"path is not an image file PIL can read: {str(path)!r}") from err
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - a corrupt file makes Pillow raise many types
        raise ValueError(
            f"{str(path)!r} is truncated or corrupt ({type(err).__name__}: {err})"
        ) from err


def _int_depth(im: Image.Image) -> dict[int, int]:
    """Bit depth (258) and sample format (339: 1 unsigned, 2 signed) of a mode ``I`` image."""
    if im.mode != "I":
        return {}
    if im.format == "PNG":  # PNG has no 32-bit grey: an ``I`` PNG holds 16-bit values
        return {258: 16, 339: 1}
    depth = {258: 32, 339: 2}  # Pillow's ``I``: signed 32-bit
    if im.format == "TIFF":
        for tag in depth:
            value = im.tag_v2.get(tag, 1 if tag == 339 else depth[tag])
            depth[tag] = int(value[0] if isinstance(value, tuple) else value)
    return depth


def _int_grey(im: Image.Image, depth: dict[int, int], path: Path) -> np.ndarray:
    """A mode ``I`` image (32-bit integers) divided by the peak of its nominal range."""
    arr = np.asarray(im).astype(np.int64)
    bits = depth[258]
    if depth[339] == 1:  # unsigned: Pillow reads uint32 into int32, wrapping
        return (arr % (1 << bits)) / float(2**bits - 1)
    if arr.min() < 0:
        raise ValueError(
            f"{str(path)!r} holds negative values (min {arr.min()}): a signed "
            "integer image cannot be mapped to [0, 1]; rescale it first"
        )
    return arr / float(2 ** (bits - 1) - 1)


def _float_grey(im: Image.Image, path: Path) -> np.ndarray:
    """A mode ``F`` image (32-bit float), taken as it is: it must already lie in [0, 1]."""
    arr = np.asarray(im).astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{str(path)!r} holds {int((~np.isfinite(arr)).sum())} NaN/inf values")
    if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
        raise ValueError(
            f"{str(path)!r} is a float image with values in [{arr.min():.4g}, "
            f"{arr.max():.4g}], expected [0, 1]; rescale it first"
        )
    return arr


def _high_depth_grey(im: Image.Image, depth: dict[int, int], path: Path) -> np.ndarray | None:
    """(H, W) float64 in [0, 1] for 16-bit, 32-bit and float grey images; None for others."""
    if im.mode.startswith("I;16"):  # I;16, I;16L, I;16B, I;16N: numpy reads the byte order
        return np.asarray(im).astype(np.float64) / 65535.0
    if im.mode == "I":
        return _int_grey(im, depth, path)
    if im.mode == "F":
        return _float_grey(im, path)
    return None


def _eight_bit(im: Image.Image, mode: str | None, path: Path) -> np.ndarray:
    """An 8-bit image (every other Pillow mode) as an 'L' or 'RGB' uint8 array."""
    if im.mode == "La":  # premultiplied: Pillow converts it only to LA
        im = im.convert("LA")
    native = "L" if im.mode in ("1", "L", "LA") else "RGB"  # alpha is dropped, not composited
    try:
        try:
            im = im.convert(mode or native)
        except ValueError:  # no direct conversion (LAB -> L): through the native mode
            im = im.convert(native).convert(mode)
    except ValueError as err:
        raise ValueError(
            f"{str(path)!r} has Pillow mode {im.mode!r}, which sisrlearn cannot "
            f"convert to {mode or native} ({err})"
        ) from err
    return np.asarray(im)


def load_image(path: str | Path, *, mode: str | None = None) -> torch.Tensor:
    """Read an image file as a (C, H, W) float32 tensor in [0, 1].

    The EXIF orientation is applied (a portrait photo comes out portrait). Every Pillow mode
    is converted: 8-bit modes (``1``, ``L``, ``P``, ``RGB``, ``CMYK``, ``YCbCr``, ``LAB``,
    ``HSV``) by Pillow; an alpha channel (``LA``, ``PA``, ``RGBA``, a transparent palette) is
    dropped, not composited. High-depth grey keeps its precision: 16-bit (``I;16``, big- or
    little-endian) is divided by 65535; 32-bit integer (``I``) by the peak of its nominal
    range (65535 for a PNG; ``2**bits - 1`` or ``2**(bits-1) - 1`` from a TIFF's bit depth
    and sign; else ``2**31 - 1``), negative values refused; float (``F``) must already lie in
    [0, 1] and is taken as it is. Pillow reads 16-bit colour PNGs as 8 bits. A multi-frame
    file gives its first frame.

    Args:
        path: the file.
        mode: ``"RGB"`` (grey is repeated in 3 channels) or ``"L"`` (colour becomes luma,
            ITU-R 601, as ``PIL.Image.convert("L")``); ``None`` keeps grey as 1 channel and
            everything else as RGB.

    Raises:
        ValueError: a missing file, a folder, a file that is not an image, a truncated or
            corrupt one, or one of more than ``MAX_IMAGE_PIXELS`` pixels (the environment
            variable ``SISRLEARN_MAX_PIXELS`` overrides it): the message names the file.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path must be an image file, got the folder {str(path)!r}")
    if not path.is_file():
        raise ValueError(f"path must be an existing image file, got {str(path)!r} (not found)")
    if mode not in (None, "RGB", "L"):
        raise ValueError(f"mode must be None, 'RGB' or 'L', got {mode!r}")
    im, depth = _open(path)
    grey = _high_depth_grey(im, depth, path)
    if grey is None:
        return to_tensor(_eight_bit(im, mode, path))
    arr = torch.from_numpy(grey.astype(np.float32))[None]
    return arr.expand(3, -1, -1).contiguous() if mode == "RGB" else arr


def _writer_format(path: Path) -> str:
    """The Pillow format that writes ``path``'s suffix, or a ValueError naming the suffix."""
    formats = Image.registered_extensions()
    allowed = sorted(s for s in IMAGE_SUFFIXES if formats.get(s) in Image.SAVE)
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise ValueError(
            f"path must end in an image suffix Pillow can write, one of {allowed}; "
            f"got suffix {path.suffix!r} in {str(path)!r}"
        )
    return formats[suffix]


def _to_uint8(img: torch.Tensor) -> np.ndarray:
    """(C, H, W) or (1, C, H, W), C = 1 or 3 -> (H, W[, 3]) uint8 (float scaled by 255)."""
    if not isinstance(img, torch.Tensor):
        raise TypeError(f"img must be a torch.Tensor, got {type(img).__name__}")
    if img.dim() == 4 and img.shape[0] == 1:
        img = img[0]
    if img.dim() != 3 or img.shape[0] not in (1, 3):
        raise ValueError(
            f"img must be (C, H, W) or (1, C, H, W) with C = 1 or 3, got shape {tuple(img.shape)}"
        )
    if img.numel() == 0:
        raise ValueError(f"img is empty: shape {tuple(img.shape)}")
    img = img.detach().cpu()
    if img.is_floating_point():
        bad = int((~torch.isfinite(img)).sum())
        if bad:
            raise ValueError(f"img holds {bad} non-finite values (NaN/inf) of {img.numel()}")
        img = torch.round(img.float().clamp(0.0, 1.0) * 255.0).to(torch.uint8)
    elif img.dtype == torch.bool:
        img = img.to(torch.uint8) * 255
    elif img.dtype != torch.uint8:
        raise TypeError(
            f"img must be a float tensor in [0, 1] or a uint8 tensor in 0-255, "
            f"got dtype {img.dtype}; use img.float() / 255 or img.to(torch.uint8)"
        )
    arr = img.permute(1, 2, 0).numpy()
    return arr[..., 0] if arr.shape[2] == 1 else arr


def save_image(img: torch.Tensor, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a tensor as an 8-bit image file, atomically.

    Args:
        img: (C, H, W) or (1, C, H, W) with C = 1 (grey) or 3 (RGB). A float tensor is taken
            as [0, 1]: clipped, times 255, rounded; a ``uint8`` tensor as 8-bit values 0-255
            (written as they are); a bool tensor as black/white. NaN/inf are refused.
        path: the file; its suffix picks the format (``.png``, ``.jpg``, ...). Missing folders
            are created.
        overwrite: replace an existing file. The old file stays until the new one is
            complete (``sisrlearn.files.atomic_write``): a failed write never truncates it.

    Returns:
        ``path``.
    """
    path = Path(path)
    fmt = _writer_format(path)
    check_writable(path, overwrite=overwrite, make_parents=True)
    arr = _to_uint8(img)
    with atomic_write(path, overwrite=overwrite, make_parents=True) as tmp:
        Image.fromarray(arr).save(tmp, format=fmt)
    return path


def list_images(folder: str | Path) -> tuple[list[Path], list[Path]]:
    """Sorted image files of a folder (by suffix, any case), and the other files skipped.

    Hidden files (``.name``, such as the ``._a.png`` macOS leaves on other file systems) are
    skipped; sub-folders are ignored, even one named ``x.png``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing directory, got {str(folder)!r}")
    images, skipped = [], []
    for p in sorted(folder.iterdir()):
        if p.is_file():
            is_image = p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
            (images if is_image else skipped).append(p)
    return images, skipped


def load_folder(folder: str | Path, *, mode: str | None = None) -> dict[str, torch.Tensor]:
    """Every image of a folder, ``{name: (C, H, W) tensor}``, in sorted order.

    The key is the file's stem (``"baby"`` for ``baby.png``), or its full name where two files
    share a stem (``a.png`` and ``a.jpg`` give ``"a.jpg"`` and ``"a.png"``). Non-image files
    are skipped (``list_images`` says which). An empty folder is an error.
    """
    paths, _ = list_images(folder)
    if not paths:
        raise ValueError(f"folder {str(folder)!r} holds no image files ({sorted(IMAGE_SUFFIXES)})")
    stems = Counter(p.stem for p in paths)
    return {(p.stem if stems[p.stem] == 1 else p.name): load_image(p, mode=mode) for p in paths}


def modcrop(img: torch.Tensor, scale: int) -> torch.Tensor:
    """Crop the bottom/right so both sides divide by ``scale`` (MATLAB ``modcrop``)."""
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive int, got {scale!r}")
    if not isinstance(img, torch.Tensor) or img.dim() < 2:
        raise TypeError("img must be a tensor shaped (..., H, W)")
    h, w = img.shape[-2:]
    return img[..., : h - h % scale, : w - w % scale]
