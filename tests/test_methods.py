"""``sisrlearn.methods``: the method registry, applying methods, tiling and scoring."""

import pytest
import torch

from sisrlearn.methods import (
    METHODS,
    apply_method,
    get_method,
    method_names,
    register_method,
    score_method,
    upscale,
)
from sisrlearn.metrics import prepare
from sisrlearn.resize import imresize


def test_prepare_matlab_and_rgb():
    hr = torch.rand(3, 13, 14, dtype=torch.float64)
    lr, ref = prepare(hr, 3, "matlab")
    assert ref.shape == (1, 12, 12) and torch.equal(ref * 255, (ref * 255).round())
    assert torch.allclose(lr, imresize(ref, 1 / 3))
    lr_rgb, ref_rgb = prepare(hr, 3, "rgb")
    assert lr_rgb.shape == (3, 4, 4) and torch.equal(lr_rgb * 255, (lr_rgb * 255).round())
    with pytest.raises(ValueError, match="protocol"):
        prepare(hr, 2, "lab")


def test_y_methods_run_on_colour_input_and_registry_errors():
    register_method("double_y", lambda lr, s: imresize(lr, s), channels="y", overwrite=True)
    out = apply_method("double_y", torch.rand(3, 6, 6, dtype=torch.float64), 2)
    assert out.shape == (3, 12, 12)
    with pytest.raises(ValueError, match="already registered"):
        register_method("double_y", lambda lr, s: lr)
    with pytest.raises(ValueError, match="method must be one of"):
        get_method("magic")
    register_method("broken", lambda lr, s: lr, overwrite=True)
    with pytest.raises(RuntimeError, match="expected"):
        apply_method("broken", torch.rand(1, 4, 4), 2)
    del METHODS["double_y"], METHODS["broken"]


def test_upscale_clips():
    out = upscale(torch.rand(1, 5, 5), 2, "lanczos")
    assert out.shape == (1, 10, 10) and out.min() >= 0 and out.max() <= 1


def test_every_shipped_sr_model_is_a_method_and_unknown_names_list_them():
    names = method_names()
    assert {"bicubic", "srcnn_x3", "vdsr", "srgan_x4", "scsr", "dip"} <= set(names)
    assert "colornet" not in names  # a colorization model is not an SR method
    with pytest.raises(ValueError, match="srresnet_x4"):
        get_method("srcnn_x5")


def test_a_shipped_model_refuses_other_scales_and_dip_takes_steps():
    with pytest.raises(ValueError, match="trained for scale"):
        apply_method("srcnn_x3", torch.rand(1, 8, 8), 2)
    assert get_method("dip", steps=3).description.startswith("Deep Image Prior, 3")
    with pytest.raises(ValueError, match="dip"):
        get_method("bicubic", steps=3)


@pytest.mark.parametrize("method", ["bicubic", "srcnn_x2", "espcn_x2"])
def test_tiled_upscale_equals_the_untiled_one(method):
    gen = torch.Generator().manual_seed(0)
    img = torch.nn.functional.avg_pool2d(torch.rand(1, 3, 60, 52, generator=gen), 3, 1, 1)[0]
    whole = upscale(img, 2, method, tile=None)
    tiled = upscale(img, 2, method, tile=24, overlap=16)
    assert torch.allclose(whole, tiled, atol=1e-5)


def test_upscale_refuses_an_output_over_the_limit(monkeypatch):
    monkeypatch.setenv("SISRLEARN_MAX_PIXELS", "10000")
    with pytest.raises(ValueError, match="megapixels"):
        upscale(torch.rand(3, 60, 60), 2)


def test_score_method_matches_bicubic_by_hand():
    hr = torch.rand(3, 24, 24, dtype=torch.float64)
    row = score_method("bicubic", [("one", hr)], 2)
    lr, ref = prepare(hr, 2)
    sr = imresize(lr, 2)
    mse = ((sr.clamp(0, 1) * 255).round() / 255 - ref)[..., 2:-2, 2:-2].pow(2).mean()
    assert row["psnr"] == pytest.approx(float(10 * torch.log10(1 / mse)), abs=1e-6)
    assert row["num_images"] == 1 and set(row["per_image"]) == {"one"}
