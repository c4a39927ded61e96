"""Lecture 09 teaches the perceptual loss for real: with a VGG19 file it trains SRGAN with the
VGG54 content loss on the CPU, in fast mode."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from sisrlearn.perceptual import VGGFeatures

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_lecture_09_trains_srgan_with_vgg54_content_on_the_cpu(tmp_path, monkeypatch):
    """A randomly initialised VGG19, saved to a file, stands in for the ImageNet weights (no
    test downloads them): SISRLEARN_VGG19 names the file, and notebook 09, executed in fast mode
    on the CPU, must use it for its feature loss and train SRGAN-VGG54 beside SRGAN-MSE."""
    with pytest.warns(UserWarning, match="RANDOMLY INITIALISED"):
        random_vgg = VGGFeatures(layer="relu5_4")
    path = tmp_path / "vgg19.pth"
    torch.save(random_vgg.state_dict(), path)
    for key, value in {
        "SISRLEARN_VGG19": str(path),
        "SISRLEARN_FAST": "1",
        "MPLBACKEND": "Agg",
        "CUDA_VISIBLE_DEVICES": "",  # the CPU, even on a machine with a GPU
    }.items():
        monkeypatch.setenv(key, value)
    executed = tmp_path / "09_srgan.ipynb"
    # its own process (as `jupyter nbconvert` runs it): driven from inside pytest, a kernel's
    # reply can sit unnoticed until the cell timeout
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=900",
            "--ExecutePreprocessor.startup_timeout=300",
            "--ExecutePreprocessor.kernel_name=python3",
            f"--output={executed}",
            str(ROOT / "notebooks" / "09_srgan.ipynb"),
        ],
        cwd=ROOT / "notebooks",
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    notebook = nbformat.read(executed, as_version=4)
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )
    assert "No VGG19 weights" not in printed
    assert "feature loss (vgg54)" in printed
    assert "SRGAN-MSE: 3 steps" in printed and "SRGAN-VGG54: 3 steps" in printed
    assert "SRGAN-VGG54 (here)" in printed  # on the perception-distortion plane
