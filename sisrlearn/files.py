"""Writing files safely: to a temporary name beside the target, then renamed into place.

A write that fails part-way (a full disk, a file-size limit, an exception in the caller's code,
Ctrl-C) leaves the target as it was: the old file, or no file at all. Never a truncated one.

``atomic_write(path)`` is the one primitive; it yields a temporary **path** (not a file object),
so that any writer that takes a file name can use it (``Image.save``, ``torch.save``,
``np.save``). The temporary name ends in ``.tmp``, not in the target's suffix: pass the format
to writers that guess it from the name (``Image.save(tmp, format="PNG")``).

The checks (``check_writable``) run before anything is written, so a bad output path is found
at once, not after an hour of training: call it at the start of a long job.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

__all__ = [
    "check_writable",
    "atomic_write",
    "atomic_write_text",
    "atomic_write_json",
    "atomic_torch_save",
]


def _as_path(path: object) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or a pathlib.Path, got {type(path).__name__}")
    if str(path) == "":
        raise ValueError("path must name a file, got an empty string")
    return Path(path)


def _check_folder(folder: Path, *, make_parents: bool) -> None:
    """The folder that will hold the file: it exists (or can be made), and we may write in it."""
    existing = folder
    if make_parents:
        while not existing.exists() and existing != existing.parent:
            if existing.is_symlink():
                raise FileNotFoundError(f"folder {str(existing)!r} is a dangling symlink")
            existing = existing.parent
    if not existing.exists():
        raise FileNotFoundError(
            f"folder {str(existing)!r} does not exist; create it first (mkdir -p {existing})"
        )
    if not existing.is_dir():
        raise NotADirectoryError(f"{str(existing)!r} is a file, not a folder: cannot write in it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"folder {str(existing)!r} is not writable")


def _name_max(folder: Path) -> int:
    """The longest file name, in bytes, the file system holding ``folder`` accepts."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows), or not reported
        return 255


def _check_name(path: Path) -> None:
    """A name the file system refuses fails here, before a long job, not when it writes."""
    length, limit = len(os.fsencode(path.name)), _name_max(path.parent)
    if length > limit:
        raise ValueError(
            f"file name {path.name[:40]!r}... is too long: {length} bytes, and this file system "
            f"allows at most {limit}; give a shorter name"
        )


def check_writable(
    path: str | os.PathLike, *, overwrite: bool = False, make_parents: bool = False
) -> Path:
    """Raise now if ``atomic_write(path, ...)`` would refuse ``path``; return the file it writes.

    Args:
        path: the file to write.
        overwrite: allow replacing an existing file.
        make_parents: missing folders above ``path`` will be created (the nearest existing one
            must then be writable).

    Returns:
        The path that will be replaced: ``path`` itself, or the file a symlink points to (a
        write through a symlink replaces the file it points to, as ``open(path, "w")`` does).

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
        IsADirectoryError: ``path`` is a folder.
        FileNotFoundError: ``path`` is a dangling symlink, or its folder does not exist.
        NotADirectoryError: what should be its folder is a file.
        PermissionError: its folder is not writable.
        ValueError: ``path`` exists but is not a regular file (a device, a pipe), or its name
            is longer than the file system allows.
    """
    path = _as_path(path)
    _check_name(path)
    if path.is_symlink():
        if not path.exists():
            raise FileNotFoundError(
                f"{str(path)!r} is a symlink to {os.readlink(path)!r}, which does not exist; "
                "remove the link or point it at a file"
            )
        path = path.resolve()
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; give a file name to write")
    if path.exists():
        if not path.is_file():
            raise ValueError(f"{str(path)!r} exists and is not a regular file")
        if not overwrite:
            raise FileExistsError(f"{str(path)!r} exists; pass overwrite=True to replace it")
    _check_folder(path.parent, make_parents=make_parents)
    return path


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would, for every thread)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _finish(tmp: Path, target: Path, overwrite: bool) -> None:
    """Flush ``tmp`` to disk, give it the mode a plain write would, and move it to ``target``."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if target.exists():
        mode = stat.S_IMODE(target.stat().st_mode)
    else:
        mode = 0o666 & ~_umask()
    os.chmod(tmp, mode)
    if overwrite:
        os.replace(tmp, target)
        return
    try:  # a hard link never replaces a file that appeared meanwhile
        os.link(tmp, target)
    except FileExistsError:
        raise FileExistsError(
            f"{str(target)!r} exists; pass overwrite=True to replace it"
        ) from None
    except OSError as err:  # a file system without hard links
        if target.exists():
            raise FileExistsError(
                f"{str(target)!r} exists; pass overwrite=True to replace it"
            ) from err
        os.replace(tmp, target)
    else:
        tmp.unlink()


@contextmanager
def atomic_write(
    path: str | os.PathLike, *, overwrite: bool = False, make_parents: bool = False
) -> Iterator[Path]:
    """Write ``path`` all at once: yield a temporary path beside it, moved into place at the end.

    Example::

        with atomic_write("out.png", overwrite=True) as tmp:
            Image.fromarray(arr).save(tmp, format="PNG")

    The temporary file is created (empty) in the target's folder, so the final ``os.replace``
    is a rename on one file system. It becomes ``path`` only if the block finishes without
    an exception; otherwise it is deleted and ``path`` is left as it was. The new file gets the
    old file's permissions, or the usual ones (``0o666`` less the umask) for a new file.

    Args:
        path: the file to write (checked first by ``check_writable``: see the errors there).
        overwrite: allow replacing an existing file (the old one stays until the new one is
            complete).
        make_parents: create missing folders above ``path``.
    """
    target = check_writable(path, overwrite=overwrite, make_parents=make_parents)
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:64]}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _finish(tmp, target, overwrite)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            err.add_note(f"nothing was written: {str(target)!r} is unchanged")
        raise


def atomic_write_text(
    path: str | os.PathLike, text: str, *, overwrite: bool = False, encoding: str = "utf-8"
) -> Path:
    """Write ``text`` to ``path`` atomically (see ``atomic_write``); return ``path``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    data = text.encode(encoding)
    with atomic_write(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_json(
    path: str | os.PathLike, obj: object, *, overwrite: bool = False, indent: int | None = 2
) -> Path:
    """Write ``obj`` as strict JSON (no NaN/Infinity, which JSON has not) atomically.

    ``obj`` is serialised before anything is written: a value JSON cannot hold raises
    ``ValueError``/``TypeError`` naming ``path`` and leaves no file behind.
    """
    try:
        text = json.dumps(obj, indent=indent, allow_nan=False) + "\n"
    except ValueError as err:
        raise ValueError(f"cannot write {str(path)!r}: obj holds NaN or inf ({err})") from err
    except TypeError as err:
        raise TypeError(f"cannot write {str(path)!r}: obj is not JSON ({err})") from err
    return atomic_write_text(path, text, overwrite=overwrite)


def atomic_torch_save(
    obj: object, path: str | os.PathLike, *, overwrite: bool = False, make_parents: bool = False
) -> Path:
    """``torch.save(obj, path)``, atomically (see ``atomic_write``); return ``path``.

    ``obj`` is serialised in memory first, then written: a full disk or a file-size limit
    raises a plain ``OSError`` (``torch.save`` to a path turns it into a ``RuntimeError``
    that names no cause).
    """
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_write(path, overwrite=overwrite, make_parents=make_parents) as tmp:
        tmp.write_bytes(buffer.getbuffer())
    return Path(path)
