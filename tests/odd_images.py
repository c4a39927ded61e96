"""Odd image files for the tests, written with Pillow or byte by byte (no data files shipped)."""

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def random_u8(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def ramp16(h=6, w=7) -> np.ndarray:
    """16-bit values that are not multiples of 257, so an 8-bit path would lose them."""
    return (np.arange(h * w, dtype=np.uint32).reshape(h, w) * 1531 + 7).astype(np.uint16)


def gray16(path: Path, arr: np.ndarray, *, big_endian: bool = False) -> Path:
    """A 16-bit grey PNG or TIFF; big_endian writes Pillow's ``I;16B`` (TIFF keeps it)."""
    if big_endian:
        im = Image.frombytes("I;16B", arr.shape[::-1], arr.astype(">u2").tobytes())
    else:
        im = Image.frombytes("I;16", arr.shape[::-1], arr.astype("<u2").tobytes())
    im.save(path)
    return path


def tiff_gray(path: Path, arr: np.ndarray, *, signed: bool) -> Path:
    """A minimal uncompressed one-strip little-endian TIFF of a 2-D integer array, with its
    SampleFormat tag set (Pillow's writer always marks 32-bit integers as signed)."""
    arr = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<")))
    h, w = arr.shape
    data = arr.tobytes()
    tags = [
        (256, 4, w),
        (257, 4, h),
        (258, 3, arr.dtype.itemsize * 8),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 0),
        (277, 3, 1),
        (278, 4, h),
        (279, 4, len(data)),
        (339, 3, 2 if signed else 1),
    ]
    data_offset = 8 + 2 + 12 * len(tags) + 4
    out = b"II*\x00" + struct.pack("<IH", 8, len(tags))
    for tag, kind, value in tags:
        value = data_offset if tag == 273 else value
        packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, 1) + packed
    path.write_bytes(out + struct.pack("<I", 0) + data)
    return path


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims width x height 8-bit grey pixels, with a one-row IDAT: what a
    decompression bomb looks like before it is decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
    path.write_bytes(data + chunk(b"IEND", b""))
    return path


def truncated(path: Path, source: Path, fraction: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def exif_rotated_jpeg(path: Path, arr: np.ndarray, orientation: int = 6) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: 6 = rotate 90 degrees clockwise to display
    Image.fromarray(arr).save(path, exif=exif, quality=95)
    return path
