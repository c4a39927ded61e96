"""Checkerboard artifacts: a flat input through deconvolution, resize-conv and sub-pixel conv."""

import pytest
import torch
import torch.nn.functional as F

from sisrlearn.checkerboard import (
    UPSAMPLERS,
    checkerboard_strength,
    flat_response,
    make_upsampler,
    phase_pattern,
    spectrum,
)


@pytest.mark.parametrize("scale", [2, 3])
@pytest.mark.parametrize("kind", ["nearest", "bilinear", "subpixel_icnr"])
def test_resize_conv_of_a_constant_image_is_constant(kind, scale):
    out = flat_response(make_upsampler(kind, scale=scale, seed=1), size=12)
    assert out.shape == (1, 12 * scale, 12 * scale)
    # everywhere, borders included (replicate padding keeps a flat image flat)
    assert torch.allclose(out, out.flatten()[0].expand_as(out), atol=1e-6)
    assert checkerboard_strength(out, scale) < 1e-6


@pytest.mark.parametrize("scale", [2, 3])
@pytest.mark.parametrize("kind", ["deconv", "subpixel"])
def test_deconvolution_of_a_constant_image_is_not(kind, scale):
    out = flat_response(make_upsampler(kind, scale=scale, seed=1), size=12)
    core = out[:, 2 * scale : -2 * scale, 2 * scale : -2 * scale]
    assert core.std() > 1e-3
    assert checkerboard_strength(out, scale) > 1e-3
    # the interior is exactly periodic: a scale x scale tile repeated
    tile = phase_pattern(out, scale)
    reps = core.shape[-1] // scale
    torch.testing.assert_close(core[0], tile.repeat(reps, reps), atol=1e-5, rtol=0)


def test_deconvolution_matches_torch_and_kernel_overlap():
    # a 3x3 all-ones kernel at stride 2: output pixels get 1, 2 or 4 overlapping taps
    deconv = make_upsampler("deconv", scale=2)
    with torch.no_grad():
        deconv.weight.fill_(1.0)
        deconv.bias.zero_()
    tile = phase_pattern(flat_response(deconv, value=1.0), 2)
    torch.testing.assert_close(tile, torch.tensor([[1.0, 2.0], [2.0, 4.0]]))
    x = torch.rand(1, 1, 5, 5)
    expected = F.conv_transpose2d(x, deconv.weight, deconv.bias, 2, 1, 1)
    torch.testing.assert_close(deconv(x), expected)
    # a kernel size that divides by the stride overlaps evenly: no pattern
    even = torch.nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1)
    with torch.no_grad():
        even.weight.fill_(1.0)
        even.bias.zero_()
    assert checkerboard_strength(flat_response(even, value=1.0), 2) < 1e-6


def test_spectrum_peaks_at_the_period():
    tile = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    img = tile.repeat(16, 16)[None]  # period 2 both ways, 32 x 32
    spec = spectrum(img)
    assert spec.shape == (32, 32)
    peak = divmod(int(spec.argmax()), 32)
    assert peak == (0, 0)  # frequency (-1/2, -1/2) after fftshift: the Nyquist corner
    assert float(spectrum(torch.full((1, 8, 8), 0.4)).abs().max()) < 1e-5


def test_bad_input():
    with pytest.raises(ValueError, match="kind"):
        make_upsampler("transposed")
    with pytest.raises(ValueError, match="kernel_size"):
        make_upsampler("deconv", kernel_size=4)
    with pytest.raises(ValueError, match="multiples of scale"):
        phase_pattern(torch.rand(1, 10, 10), 3)
    with pytest.raises(ValueError, match="border"):
        phase_pattern(torch.rand(1, 12, 12), 3, border=2)
    with pytest.raises(TypeError, match="img"):
        phase_pattern([[0.0]], 2)
    assert len(UPSAMPLERS) == 5
