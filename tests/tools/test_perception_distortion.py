"""tools/perception_distortion.py: the README's PSNR / sharpness table."""

import importlib.util
from pathlib import Path

import pytest
import torch

from sisrlearn.images import save_image

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "perception_distortion", ROOT / "tools" / "perception_distortion.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_bicubic_is_blurrier_than_hr_and_than_nearest(hr_folder):
    hr_sharpness, table = tool.rows(hr_folder, ["bicubic", "nearest"], 2)
    (bicubic, psnr_bicubic, sharp_bicubic), (nearest, psnr_nearest, sharp_nearest) = table
    assert (bicubic, nearest) == ("bicubic", "nearest")
    assert sharp_bicubic < hr_sharpness  # interpolation smooths
    assert sharp_nearest > sharp_bicubic  # blocky edges count as "sharp": it is only a proxy
    assert psnr_bicubic > psnr_nearest


def test_a_folder_without_colour_images_is_refused(tmp_path):
    save_image(torch.rand(1, 32, 32), tmp_path / "grey.png")
    with pytest.raises(SystemExit, match="no colour images"):
        tool.rows(tmp_path, ["bicubic"], 2)
