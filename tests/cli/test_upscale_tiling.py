"""``sisrlearn upscale`` on large images: tiled by default (bounded memory), with the result
of the untiled method; DIP shows its progress and takes --steps."""

import numpy as np
import pytest
import torch
from PIL import Image

from sisrlearn import methods
from sisrlearn.cli import main
from sisrlearn.images import load_image, save_image

pytestmark = pytest.mark.usefixtures("one_thread")


def _photo(h: int, w: int, seed: int = 0) -> torch.Tensor:
    img = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(seed))
    return torch.nn.functional.avg_pool2d(img, 5, 1, 2)[0]


@pytest.mark.parametrize("method", ["bicubic", "srcnn_x2"])
def test_auto_tiled_output_file_equals_the_untiled_method(method, tmp_path, monkeypatch, capsys):
    src = save_image(_photo(150, 130), tmp_path / "photo.png")
    monkeypatch.setattr(methods, "AUTO_TILE_PIXELS", 64 * 64)  # this image counts as large
    monkeypatch.setattr(methods, "AUTO_TILE_SIDE", 128)  # in 64 x 64 LR tiles
    out = tmp_path / "x2.png"
    assert main(["upscale", str(src), str(out), "--scale", "2", "--method", method]) == 0
    assert "9 tiles" in capsys.readouterr().out  # 64-pixel LR tiles: 3 x 3
    whole = methods.upscale(load_image(src), 2, method, tile=None)
    expected = torch.round(whole * 255).to(torch.uint8).permute(1, 2, 0).numpy()
    got = np.asarray(Image.open(out))
    assert got.shape == expected.shape == (300, 260, 3)
    diff = np.abs(got.astype(int) - expected.astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3  # float rounding at most


def test_a_large_image_is_tiled_by_default(monkeypatch):
    """Above AUTO_TILE_PIXELS, no call of the method sees more than one tile and its context."""
    seen = []
    real = methods.apply_method

    def spy(method, lr_img, scale):
        seen.append(lr_img.shape[-2] * lr_img.shape[-1])
        return real(method, lr_img, scale)

    monkeypatch.setattr(methods, "apply_method", spy)
    side = int(methods.AUTO_TILE_PIXELS**0.5) + 88
    out = methods.upscale(torch.rand(3, side, side), 2)
    assert out.shape == (3, 2 * side, 2 * side) and len(seen) > 1
    tile = max(64, methods.AUTO_TILE_SIDE // 2)
    assert max(seen) <= (tile + 2 * 16) ** 2 < side * side


def test_dip_shows_progress_and_takes_steps(tmp_path, capsys, monkeypatch):
    from sisrlearn.dip import core

    steps = []
    real_step = core._step
    monkeypatch.setattr(core, "_step", lambda loss, opt: steps.append(1) or real_step(loss, opt))
    src = save_image(_photo(32, 32), tmp_path / "tiny.png")
    out = tmp_path / "dip.png"
    args = ["upscale", str(src), str(out), "--scale", "2", "--method", "dip", "--steps", "2"]
    assert main(args) == 0
    err = capsys.readouterr().err
    # the bar names itself and its total; how many updates it draws depends on the clock
    assert "DIP" in err and "0/2" in err
    assert len(steps) == 2
    assert load_image(out).shape == (3, 64, 64)
