"""``sisrlearn upscale``: writing, refusing to overwrite, tiling and errors."""

import pytest
import torch

from sisrlearn.cli import main
from sisrlearn.images import load_image, save_image


def test_upscale_writes_and_refuses_to_overwrite(tmp_path, capsys):
    src = save_image(torch.rand(3, 10, 12), tmp_path / "in.png")
    dst = tmp_path / "out.png"
    assert main(["upscale", str(src), str(dst), "--scale", "3"]) == 0
    assert load_image(dst).shape == (3, 30, 36)
    assert main(["upscale", str(src), str(dst), "--scale", "2"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["upscale", str(src), str(dst), "--scale", "2", "--overwrite"]) == 0
    assert load_image(dst).shape == (3, 20, 24)


def test_upscale_errors(tmp_path, capsys):
    src = save_image(torch.rand(3, 10, 12), tmp_path / "in.png")
    assert (
        main(["upscale", str(tmp_path / "none.png"), str(tmp_path / "o.png"), "--scale", "2"]) == 2
    )
    assert "not found" in capsys.readouterr().err
    text = tmp_path / "t.png"
    text.write_text("hello")
    assert main(["upscale", str(text), str(tmp_path / "o.png"), "--scale", "2"]) == 2
    assert "not an image" in capsys.readouterr().err
    assert (
        main(["upscale", str(src), str(tmp_path / "o.png"), "--scale", "2", "--method", "x"]) == 2
    )
    assert "method must be one of" in capsys.readouterr().err
    assert main(["upscale", str(src), str(tmp_path / "o.txt"), "--scale", "2"]) == 2
    with pytest.raises(SystemExit):
        main(["upscale", str(src), str(tmp_path / "o.png"), "--scale", "0"])
    assert "positive integer" in capsys.readouterr().err
