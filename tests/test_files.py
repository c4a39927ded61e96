import errno
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from sisrlearn.files import (
    atomic_torch_save,
    atomic_write,
    atomic_write_json,
    atomic_write_text,
    check_writable,
)
from sisrlearn.images import save_image

ROOT = Path(__file__).resolve().parents[1]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_creates_the_file_with_the_usual_mode(tmp_path):
    target = tmp_path / "a.txt"
    with atomic_write(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".tmp") and not target.exists()
        tmp.write_text("hello")
    assert target.read_text() == "hello" and _leftovers(tmp_path) == []
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o640)
    atomic_write_text(target, "again", overwrite=True)
    assert target.read_text() == "again" and stat.S_IMODE(target.stat().st_mode) == 0o640


def test_exception_inside_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target, overwrite=True) as tmp:
            tmp.write_text("half of the new")
            raise RuntimeError("boom")
    assert target.read_text() == "old" and _leftovers(tmp_path) == []


def test_disk_full_midway_keeps_the_old_file_and_says_so(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(OSError) as info:
        with atomic_write(target, overwrite=True) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b"new bytes that will not fit")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert info.value.errno == errno.ENOSPC
    assert any("a.txt" in note and "unchanged" in note for note in info.value.__notes__)
    assert target.read_text() == "old" and _leftovers(tmp_path) == []


def test_save_image_disk_full_midway_keeps_the_old_image(tmp_path, monkeypatch):
    target = save_image(torch.zeros(3, 8, 8), tmp_path / "a.png")
    old = target.read_bytes()

    def full_disk(self, fp, *args, **kwargs):
        Path(fp).write_bytes(b"\x89PNG partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Image.Image, "save", full_disk)
    with pytest.raises(OSError, match="No space"):
        save_image(torch.ones(3, 8, 8), target, overwrite=True)
    assert target.read_bytes() == old and _leftovers(tmp_path) == []


def test_file_size_limit_fails_the_write_and_keeps_the_originals(tmp_path):
    pytest.importorskip("resource")
    image, weights = tmp_path / "a.png", tmp_path / "w.pt"
    save_image(torch.zeros(3, 4, 4), image)
    torch.save({"w": torch.zeros(2)}, weights)
    originals = image.read_bytes(), weights.read_bytes()
    script = textwrap.dedent(f"""
        import resource, signal, sys, torch
        from sisrlearn.files import atomic_torch_save
        from sisrlearn.images import save_image
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
        failed = 0
        for write in (lambda: save_image(torch.rand(3, 128, 128), {str(image)!r}, overwrite=True),
                      lambda: atomic_torch_save({{"w": torch.rand(50_000)}}, {str(weights)!r},
                                                overwrite=True)):
            try:
                write()
            except OSError as err:
                failed += err.errno == 27  # EFBIG
        sys.exit(0 if failed == 2 else 1)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (image.read_bytes(), weights.read_bytes()) == originals
    assert _leftovers(tmp_path) == []


def test_refusals_name_the_path(tmp_path):
    (tmp_path / "x.png").mkdir()
    (tmp_path / "file.txt").write_text("a file")
    (tmp_path / "old.txt").write_text("old")
    with pytest.raises(FileExistsError, match="old.txt"):
        check_writable(tmp_path / "old.txt")
    with pytest.raises(IsADirectoryError, match="x.png"):
        check_writable(tmp_path / "x.png", overwrite=True)
    with pytest.raises(FileNotFoundError, match="missing"):
        check_writable(tmp_path / "missing" / "out.png")
    with pytest.raises(NotADirectoryError, match="file.txt"):
        check_writable(tmp_path / "file.txt" / "out.png")  # fails for root too
    with pytest.raises(NotADirectoryError, match="file.txt"):
        check_writable(tmp_path / "file.txt" / "sub" / "out.png", make_parents=True)
    assert check_writable(tmp_path / "new" / "sub" / "out.png", make_parents=True)
    assert (tmp_path / "old.txt").read_text() == "old"


def test_names_at_the_file_system_limit(tmp_path):
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    longest = tmp_path / ("a" * (limit - 4) + ".png")  # the temporary name must still fit
    atomic_write_text(longest, "fits")
    assert longest.read_text() == "fits" and _leftovers(tmp_path) == []
    with pytest.raises(ValueError, match=f"at most {limit}"):
        check_writable(tmp_path / ("b" * limit + ".png"))
    with pytest.raises(ValueError, match="shorter name"):
        with atomic_write(tmp_path / "new" / ("c" * (limit + 1)), make_parents=True):
            pass
    assert not (tmp_path / "new").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder")
def test_read_only_folder_is_refused_before_writing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="ro"):
            atomic_write_text(folder / "a.txt", "x")
    finally:
        folder.chmod(0o700)


def test_symlinks(tmp_path):
    dangling = tmp_path / "out.png"
    dangling.symlink_to(tmp_path / "gone" / "real.png")
    with pytest.raises(FileNotFoundError, match="out.png.*real.png"):
        atomic_write_text(dangling, "x", overwrite=True)
    assert dangling.is_symlink() and not (tmp_path / "gone").exists()
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_text(link, "new", overwrite=True)  # writes the file the link points to
    assert link.is_symlink() and real.read_text() == "new"


def test_a_file_that_appears_during_the_write_is_not_replaced(tmp_path):
    target = tmp_path / "a.txt"
    with pytest.raises(FileExistsError, match="a.txt"):
        with atomic_write(target) as tmp:
            tmp.write_text("mine")
            target.write_text("someone else's")
    assert target.read_text() == "someone else's" and _leftovers(tmp_path) == []


def test_json_and_torch_helpers(tmp_path):
    path = atomic_write_json(tmp_path / "r.json", {"psnr": 30.5, "names": ["a"]})
    assert json.loads(path.read_text()) == {"psnr": 30.5, "names": ["a"]}
    with pytest.raises(ValueError, match="bad.json.*NaN"):
        atomic_write_json(tmp_path / "bad.json", {"psnr": float("nan")})
    with pytest.raises(TypeError, match="bad.json"):
        atomic_write_json(tmp_path / "bad.json", {"x": object()})
    assert not (tmp_path / "bad.json").exists() and _leftovers(tmp_path) == []
    weights = atomic_torch_save(
        {"w": torch.arange(3.0)}, tmp_path / "d" / "w.pt", make_parents=True
    )
    assert torch.equal(torch.load(weights, weights_only=True)["w"], torch.arange(3.0))
    np.testing.assert_array_equal(torch.load(weights)["w"].numpy(), [0.0, 1.0, 2.0])
