"""Bad input to the building blocks: every case asserts the exact exception type and that the
message names the argument or the file at fault."""

from pathlib import Path

import numpy as np
import odd_images as odd
import pytest
import torch
from PIL import Image
from torch import nn

from sisrlearn import _validate, files
from sisrlearn.files import (
    atomic_torch_save,
    atomic_write,
    atomic_write_json,
    atomic_write_text,
    check_writable,
)
from sisrlearn.images import (
    list_images,
    load_folder,
    load_image,
    modcrop,
    save_image,
    to_numpy,
    to_tensor,
)
from sisrlearn.metrics import evaluate, ms_ssim, mse, psnr, ssim
from sisrlearn.train import load_weights, save_weights

# --- files the cases read -------------------------------------------------------------------


def _png(t: Path, name: str = "a.png", shape=(3, 8, 8)) -> Path:
    return save_image(torch.rand(shape, generator=torch.Generator().manual_seed(0)), t / name)


def _cut(t: Path, name: str) -> Path:
    """A truncated copy of a 64x64 image written in the format of ``name``."""
    full = _png(t, "full" + Path(name).suffix, (3, 64, 64))
    return odd.truncated(t / name, full)


def _flipped(t: Path) -> Path:
    data = bytearray(_png(t, "full.png", (3, 64, 64)).read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0xFF
    (t / "bad.png").write_bytes(bytes(data))
    return t / "bad.png"


def _write(t: Path, name: str, data: bytes) -> Path:
    (t / name).write_bytes(data)
    return t / name


def _folder(t: Path, name: str) -> Path:
    (t / name).mkdir()
    return t / name


def _dangling(t: Path, name: str) -> Path:
    (t / name).symlink_to(t / "gone" / "target")
    return t / name


def _float_tiff(t: Path, name: str, values) -> Path:
    Image.fromarray(np.array(values, dtype=np.float32)).save(t / name)
    return t / name


def _model(value: float | None = None, where: str = "weight") -> nn.Module:
    torch.manual_seed(0)
    model = nn.Conv2d(1, 1, 3)
    if value is not None:
        with torch.no_grad():
            getattr(model, where).view(-1)[0] = value
    return model


def _weights(t: Path, name: str = "w.pt", state=None) -> Path:
    torch.save(_model().state_dict() if state is None else state, t / name)
    return t / name


def _no_write_access(t: Path, mp) -> None:
    mp.setattr(files.os, "access", lambda *args, **kwargs: False)  # as a non-root user sees it


IMG = torch.rand(1, 16, 16)
NAN, INF = IMG.clone(), IMG.clone()
NAN[0, 3, 4], INF[0, 1, 2] = float("nan"), float("inf")
BIG = torch.rand(1, 170, 170)


def P(case_id, call, exc, *names):  # noqa: N802 - reads as a table
    """A case: ``call(tmp_path, monkeypatch)`` raises exactly ``exc``, naming all of ``names``."""
    return pytest.param(call, exc, names, id=case_id)


CASES = [
    # load_image: missing, not an image, broken, too big, odd values
    P("load-missing", lambda t, mp: load_image(t / "missing.png"), ValueError, "missing.png"),
    P("load-folder-named-png", lambda t, mp: load_image(_folder(t, "x.png")), ValueError, "x.png"),
    P(
        "load-text-file",
        lambda t, mp: load_image(_write(t, "notes.png", b"hi")),
        ValueError,
        "notes.png",
    ),
    P(
        "load-empty-file",
        lambda t, mp: load_image(_write(t, "empty.png", b"")),
        ValueError,
        "empty.png",
    ),
    P("load-truncated-png", lambda t, mp: load_image(_cut(t, "cut.png")), ValueError, "cut.png"),
    P("load-truncated-jpeg", lambda t, mp: load_image(_cut(t, "cut.jpg")), ValueError, "cut.jpg"),
    P("load-truncated-tiff", lambda t, mp: load_image(_cut(t, "cut.tif")), ValueError, "cut.tif"),
    P("load-corrupt-png", lambda t, mp: load_image(_flipped(t)), ValueError, "bad.png"),
    P(
        "load-bomb-400mp",
        lambda t, mp: load_image(odd.png_header_only(t / "bomb.png", 20000, 20000)),
        ValueError,
        "bomb.png",
        "400000000",
        "100,000,000",
    ),
    P(
        "load-bomb-120mp",
        lambda t, mp: load_image(odd.png_header_only(t / "bomb.png", 12000, 10000)),
        ValueError,
        "bomb.png",
        "12000x10000",
        "limit of 100,000,000",
    ),
    P(
        "load-env-pixel-limit",
        lambda t, mp: (
            mp.setenv("SISRLEARN_MAX_PIXELS", "100"),
            load_image(_png(t, shape=(1, 20, 20))),
        ),
        ValueError,
        "a.png",
        "limit of 100",
    ),
    P(
        "load-env-limit-not-a-number",
        lambda t, mp: (mp.setenv("SISRLEARN_MAX_PIXELS", "lots"), load_image(_png(t))),
        ValueError,
        "SISRLEARN_MAX_PIXELS",
        "lots",
    ),
    P("load-bad-mode", lambda t, mp: load_image(_png(t), mode="CMYK"), ValueError, "mode", "CMYK"),
    P(
        "load-float-tiff-above-1",
        lambda t, mp: load_image(_float_tiff(t, "f.tif", [[0.0, 2.5]])),
        ValueError,
        "f.tif",
        "[0, 1]",
    ),
    P(
        "load-float-tiff-nan",
        lambda t, mp: load_image(_float_tiff(t, "n.tif", [[0.0, np.nan]])),
        ValueError,
        "n.tif",
        "NaN",
    ),
    P(
        "load-signed-tiff-negative",
        lambda t, mp: load_image(
            odd.tiff_gray(t / "s.tif", np.array([[-5, 3]], np.int32), signed=True)
        ),
        ValueError,
        "s.tif",
        "negative",
    ),
    # save_image: the tensor
    P("save-nan", lambda t, mp: save_image(NAN, t / "o.png"), ValueError, "img", "1 non-finite"),
    P("save-inf", lambda t, mp: save_image(INF, t / "o.png"), ValueError, "img", "1 non-finite"),
    P(
        "save-empty",
        lambda t, mp: save_image(torch.rand(3, 0, 4), t / "o.png"),
        ValueError,
        "img",
        "empty",
    ),
    P(
        "save-int64",
        lambda t, mp: save_image(torch.ones(3, 4, 4, dtype=torch.int64), t / "o.png"),
        TypeError,
        "img",
        "int64",
    ),
    P(
        "save-4-channels",
        lambda t, mp: save_image(torch.rand(4, 4, 4), t / "o.png"),
        ValueError,
        "img",
        "(4, 4, 4)",
    ),
    P(
        "save-batch-of-2",
        lambda t, mp: save_image(torch.rand(2, 3, 4, 4), t / "o.png"),
        ValueError,
        "img",
        "(2, 3, 4, 4)",
    ),
    P(
        "save-numpy",
        lambda t, mp: save_image(np.zeros((4, 4, 3)), t / "o.png"),
        TypeError,
        "img",
        "ndarray",
    ),
    # save_image: the path
    P(
        "save-unknown-suffix",
        lambda t, mp: save_image(IMG, t / "o.xyz"),
        ValueError,
        "'.xyz'",
        ".png",
    ),
    P("save-no-suffix", lambda t, mp: save_image(IMG, t / "out"), ValueError, "out"),
    P(
        "save-existing",
        lambda t, mp: save_image(IMG, _png(t)),
        FileExistsError,
        "a.png",
        "overwrite",
    ),
    P(
        "save-onto-folder",
        lambda t, mp: save_image(IMG, _folder(t, "x.png"), overwrite=True),
        IsADirectoryError,
        "x.png",
    ),
    P(
        "save-under-a-file",
        lambda t, mp: save_image(IMG, _png(t) / "o.png"),
        NotADirectoryError,
        "a.png",
    ),
    P(
        "save-dangling-symlink",
        lambda t, mp: save_image(IMG, _dangling(t, "l.png"), overwrite=True),
        FileNotFoundError,
        "l.png",
    ),
    P(
        "save-folder-not-writable",
        lambda t, mp: (_no_write_access(t, mp), save_image(IMG, t / "o.png")),
        PermissionError,
        "{t}",
        "not writable",
    ),
    # folders and conversions
    P("list-missing-folder", lambda t, mp: list_images(t / "nope"), ValueError, "nope"),
    P("list-a-file", lambda t, mp: list_images(_png(t)), ValueError, "a.png"),
    P("load-folder-empty", lambda t, mp: load_folder(_folder(t, "empty")), ValueError, "empty"),
    P(
        "load-folder-corrupt-file",
        lambda t, mp: (_cut(t, "cut.png"), (t / "full.png").unlink(), load_folder(t)),
        ValueError,
        "cut.png",
    ),
    P("to-tensor-list", lambda t, mp: to_tensor([[0, 1]]), TypeError, "img", "list"),
    P(
        "to-tensor-int64",
        lambda t, mp: to_tensor(np.zeros((2, 2), np.int64)),
        TypeError,
        "img",
        "int64",
    ),
    P("to-numpy-batch", lambda t, mp: to_numpy(torch.rand(2, 3, 4, 4)), ValueError, "img"),
    P("modcrop-scale-0", lambda t, mp: modcrop(IMG, 0), ValueError, "scale"),
    # metrics: the numbers
    P(
        "psnr-data-range-0",
        lambda t, mp: psnr(IMG, IMG, data_range=0),
        ValueError,
        "data_range",
        "0",
    ),
    P(
        "psnr-data-range-negative",
        lambda t, mp: psnr(IMG, IMG, data_range=-1.0),
        ValueError,
        "data_range",
        "-1.0",
    ),
    P(
        "psnr-data-range-nan",
        lambda t, mp: psnr(IMG, IMG, data_range=float("nan")),
        ValueError,
        "data_range",
        "nan",
    ),
    P(
        "psnr-data-range-inf",
        lambda t, mp: psnr(IMG, IMG, data_range=float("inf")),
        ValueError,
        "data_range",
        "inf",
    ),
    P(
        "psnr-data-range-str",
        lambda t, mp: psnr(IMG, IMG, data_range="255"),
        TypeError,
        "data_range",
        "str",
    ),
    P("psnr-shave-too-large", lambda t, mp: psnr(IMG, IMG, shave=8), ValueError, "shave=8"),
    P("psnr-shave-negative", lambda t, mp: psnr(IMG, IMG, shave=-1), ValueError, "shave", "-1"),
    P(
        "mse-reduction",
        lambda t, mp: mse(IMG, IMG, reduction="sum"),
        ValueError,
        "reduction",
        "sum",
    ),
    P("ssim-sigma-0", lambda t, mp: ssim(IMG, IMG, sigma=0), ValueError, "sigma", "0"),
    P("ssim-sigma-negative", lambda t, mp: ssim(IMG, IMG, sigma=-1.5), ValueError, "sigma", "-1.5"),
    P(
        "ssim-window-even",
        lambda t, mp: ssim(IMG, IMG, window_size=10),
        ValueError,
        "window_size",
        "10",
    ),
    P("ssim-window-1", lambda t, mp: ssim(IMG, IMG, window_size=1), ValueError, "window_size", "1"),
    P(
        "ssim-window-float",
        lambda t, mp: ssim(IMG, IMG, window_size=11.0),
        TypeError,
        "window_size",
        "float",
    ),
    P(
        "ssim-window-above-image",
        lambda t, mp: ssim(IMG, IMG, window_size=17),
        ValueError,
        "window_size=17",
        "(16, 16)",
    ),
    P(
        "ssim-window-above-shaved-image",
        lambda t, mp: ssim(IMG, IMG, shave=4),
        ValueError,
        "window_size=11",
        "shave=4",
    ),
    P("ssim-k1-0", lambda t, mp: ssim(IMG, IMG, k1=0.0), ValueError, "k1"),
    P("ssim-data-range-0", lambda t, mp: ssim(IMG, IMG, data_range=0.0), ValueError, "data_range"),
    P("ms-ssim-no-weights", lambda t, mp: ms_ssim(BIG, BIG, weights=()), ValueError, "weights"),
    P(
        "ms-ssim-negative-weight",
        lambda t, mp: ms_ssim(BIG, BIG, weights=(0.5, -0.5)),
        ValueError,
        "weights",
        "-0.5",
    ),
    P(
        "ms-ssim-nan-weight",
        lambda t, mp: ms_ssim(BIG, BIG, weights=(float("nan"),)),
        ValueError,
        "weights",
        "nan",
    ),
    P(
        "ms-ssim-weights-not-numbers",
        lambda t, mp: ms_ssim(BIG, BIG, weights=("a",)),
        TypeError,
        "weights",
    ),
    P("ms-ssim-image-too-small", lambda t, mp: ms_ssim(IMG, IMG), ValueError, "161x161", "weights"),
    P(
        "ms-ssim-sigma-nan",
        lambda t, mp: ms_ssim(BIG, BIG, sigma=float("nan")),
        ValueError,
        "sigma",
    ),
    # metrics: the images
    P(
        "psnr-shapes-differ",
        lambda t, mp: psnr(IMG, torch.rand(1, 16, 15)),
        ValueError,
        "sr and hr",
        "(1, 1, 16, 15)",
    ),
    P("psnr-nan-sr", lambda t, mp: psnr(NAN, IMG), ValueError, "sr", "1 NaN"),
    P("psnr-inf-hr", lambda t, mp: psnr(IMG, INF), ValueError, "hr", "1 inf"),
    P(
        "psnr-empty",
        lambda t, mp: psnr(torch.rand(1, 0, 5), torch.rand(1, 0, 5)),
        ValueError,
        "sr",
        "empty",
    ),
    P("psnr-list", lambda t, mp: psnr([[0.5]], IMG), TypeError, "sr", "list"),
    P("psnr-numpy", lambda t, mp: psnr(IMG, IMG.numpy()), TypeError, "hr", "ndarray"),
    P("psnr-uint8", lambda t, mp: psnr(IMG.to(torch.uint8), IMG), TypeError, "sr", "uint8"),
    P("ssim-nan-hr", lambda t, mp: ssim(IMG, NAN), ValueError, "hr", "NaN"),
    P("evaluate-nan-sr", lambda t, mp: evaluate(NAN, IMG, 2), ValueError, "sr", "NaN"),
    P("evaluate-inf-hr", lambda t, mp: evaluate(IMG, INF, 2), ValueError, "hr", "inf"),
    P("evaluate-scale-0", lambda t, mp: evaluate(IMG, IMG, 0), ValueError, "scale", "0"),
    P(
        "evaluate-protocol",
        lambda t, mp: evaluate(IMG, IMG, 2, protocol="ycbcr"),
        ValueError,
        "protocol",
        "ycbcr",
    ),
    P(
        "evaluate-2-channels",
        lambda t, mp: evaluate(torch.rand(2, 16, 16), torch.rand(2, 16, 16), 2),
        ValueError,
        "sr",
        "1 or 3 channels",
    ),
    P("evaluate-scale-shaves-all", lambda t, mp: evaluate(IMG, IMG, 8), ValueError, "shave=8"),
    # files
    P("write-existing", lambda t, mp: atomic_write_text(_png(t), "x"), FileExistsError, "a.png"),
    P(
        "write-onto-folder",
        lambda t, mp: atomic_write_text(_folder(t, "d"), "x", overwrite=True),
        IsADirectoryError,
        "d",
    ),
    P(
        "write-missing-folder",
        lambda t, mp: atomic_write_text(t / "no" / "a.txt", "x"),
        FileNotFoundError,
        "no",
    ),
    P(
        "write-under-a-file",
        lambda t, mp: atomic_write_text(_png(t) / "a.txt", "x"),
        NotADirectoryError,
        "a.png",
    ),
    P(
        "write-dangling-symlink",
        lambda t, mp: atomic_torch_save({}, _dangling(t, "l.pt"), overwrite=True),
        FileNotFoundError,
        "l.pt",
        "gone",
    ),
    P(
        "write-folder-not-writable",
        lambda t, mp: (_no_write_access(t, mp), atomic_write_text(t / "a.txt", "x")),
        PermissionError,
        "{t}",
        "not writable",
    ),
    P("write-path-not-a-path", lambda t, mp: atomic_write(3).__enter__(), TypeError, "path", "int"),
    P("check-writable-empty-path", lambda t, mp: check_writable(""), ValueError, "path"),
    P(
        "write-text-not-str",
        lambda t, mp: atomic_write_text(t / "a.txt", b"x"),
        TypeError,
        "text",
        "bytes",
    ),
    P(
        "write-json-nan",
        lambda t, mp: atomic_write_json(t / "r.json", {"psnr": float("nan")}),
        ValueError,
        "r.json",
        "NaN",
    ),
    P(
        "write-json-not-json",
        lambda t, mp: atomic_write_json(t / "r.json", {1, 2}),
        TypeError,
        "r.json",
    ),
    # save_weights / load_weights
    P(
        "save-weights-nan",
        lambda t, mp: save_weights(_model(float("nan")), t / "w.pt"),
        ValueError,
        "1 non-finite",
        "weight",
        "learning rate",
    ),
    P(
        "save-weights-inf-bias",
        lambda t, mp: save_weights(_model(float("inf"), "bias"), t / "w.pt"),
        ValueError,
        "1 non-finite",
        "bias",
    ),
    P(
        "save-weights-half-overflow",
        lambda t, mp: save_weights(_model(1e6), t / "w.pt", half=True),
        ValueError,
        "half",
        "weight",
    ),
    P(
        "save-weights-existing",
        lambda t, mp: save_weights(_model(), _weights(t)),
        FileExistsError,
        "w.pt",
    ),
    P(
        "save-weights-onto-folder",
        lambda t, mp: save_weights(_model(), _folder(t, "w.pt"), overwrite=True),
        IsADirectoryError,
        "w.pt",
    ),
    P("load-weights-missing", lambda t, mp: load_weights(_model(), t / "w.pt"), ValueError, "w.pt"),
    P(
        "load-weights-folder",
        lambda t, mp: load_weights(_model(), _folder(t, "w.pt")),
        ValueError,
        "w.pt",
        "folder",
    ),
    P(
        "load-weights-junk",
        lambda t, mp: load_weights(_model(), _write(t, "junk.pt", b"junk")),
        ValueError,
        "junk.pt",
    ),
    P(
        "load-weights-truncated",
        lambda t, mp: load_weights(_model(), odd.truncated(t / "cut.pt", _weights(t))),
        ValueError,
        "cut.pt",
    ),
    P(
        "load-weights-other-model",
        lambda t, mp: load_weights(nn.Conv2d(1, 2, 3), _weights(t)),
        ValueError,
        "w.pt",
        "Conv2d",
    ),
    P(
        "load-weights-checkpoint",
        lambda t, mp: load_weights(
            _model(), _weights(t, "c.pt", {"model": _model().state_dict(), "step": 3})
        ),
        ValueError,
        "c.pt",
        "checkpoint",
    ),
    P(
        "load-weights-not-tensors",
        lambda t, mp: load_weights(_model(), _weights(t, state={"weight": 1.0})),
        ValueError,
        "w.pt",
        "weight",
    ),
    P(
        "load-weights-nan",
        lambda t, mp: load_weights(_model(), _weights(t, state=_model(float("nan")).state_dict())),
        ValueError,
        "w.pt",
        "weight",
    ),
    P(
        "load-weights-sha256",
        lambda t, mp: load_weights(_model(), _weights(t), sha256="0" * 64),
        ValueError,
        "w.pt",
        "sha256",
    ),
    # _validate helpers
    P(
        "as-batch-not-tensor",
        lambda t, mp: _validate.as_batch([1.0], "lr_img"),
        TypeError,
        "lr_img",
        "list",
    ),
    P(
        "as-batch-int",
        lambda t, mp: _validate.as_batch(torch.ones(1, 2, 2, dtype=torch.int32), "hr_img"),
        TypeError,
        "hr_img",
        "int32",
    ),
    P(
        "as-batch-2d",
        lambda t, mp: _validate.as_batch(torch.rand(4, 4), "lr_img"),
        ValueError,
        "lr_img",
        "(4, 4)",
    ),
    P(
        "as-batch-channels",
        lambda t, mp: _validate.as_batch(torch.rand(2, 4, 4), "lr_img", channels=(1, 3)),
        ValueError,
        "lr_img",
        "1 or 3",
    ),
    P("check-scale-0", lambda t, mp: _validate.check_scale(0), ValueError, "scale", "0"),
    P("check-scale-bool", lambda t, mp: _validate.check_scale(True), ValueError, "scale", "True"),
    P("check-scale-float", lambda t, mp: _validate.check_scale(2.0), ValueError, "scale", "2.0"),
    P(
        "check-same-shape",
        lambda t, mp: _validate.check_same_shape(IMG, BIG, ("sr", "hr")),
        ValueError,
        "sr and hr",
    ),
    P(
        "check-values-empty",
        lambda t, mp: _validate.check_image_values(torch.rand(0, 3, 4, 4), "batch"),
        ValueError,
        "batch",
        "empty",
    ),
    P(
        "check-values-nan",
        lambda t, mp: _validate.check_image_values(NAN, "sr_img"),
        ValueError,
        "sr_img",
        "1 NaN",
    ),
    P(
        "check-positive-bool",
        lambda t, mp: _validate.check_positive(True, "sigma"),
        TypeError,
        "sigma",
        "bool",
    ),
    P(
        "check-positive-zero",
        lambda t, mp: _validate.check_positive(0.0, "sigma"),
        ValueError,
        "sigma",
        "0.0",
    ),
    P(
        "check-window-even",
        lambda t, mp: _validate.check_window_size(4),
        ValueError,
        "window_size",
        "4",
    ),
]


@pytest.mark.parametrize(("call", "exc", "names"), CASES)
def test_bad_input_raises_a_clear_error(call, exc, names, tmp_path, monkeypatch):
    monkeypatch.delenv("SISRLEARN_MAX_PIXELS", raising=False)
    with pytest.raises(Exception) as info:  # noqa: B017 - the exact type is checked below
        call(tmp_path, monkeypatch)
    assert type(info.value) is exc, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    for name in names:  # "{t}": the test's own folder
        name = name.replace("{t}", str(tmp_path))
        assert name in message, f"{name!r} not in {message!r}"


def test_there_are_enough_cases():
    assert len(CASES) >= 60
