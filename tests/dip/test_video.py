import pytest
import torch

from sisrlearn.dip.video import (
    deep_video_prior,
    fidelity,
    flicker,
    frame_cnn,
    panning_video,
    tone_operator,
)
from sisrlearn.metrics import psnr

pytestmark = pytest.mark.usefixtures("one_thread")


def scene(size=(40, 60)):
    # smooth but structured: a gradient plus blobs, 3 channels
    y, x = torch.meshgrid(
        torch.linspace(0, 1, size[0]), torch.linspace(0, 1, size[1]), indexing="ij"
    )
    return torch.stack([x, y, 0.5 + 0.4 * torch.sin(8 * x) * torch.cos(6 * y)]).clamp(0, 1)


def test_panning_video_crops_with_known_motion():
    img = scene()
    video, offsets = panning_video(img, frames=4, size=(16, 20), shift=(2, 5), start=(1, 0))
    assert video.shape == (4, 3, 16, 20)
    assert offsets == [(1, 0), (3, 5), (5, 10), (7, 15)]
    for frame, (oy, ox) in zip(video, offsets, strict=True):
        torch.testing.assert_close(frame, img[:, oy : oy + 16, ox : ox + 20])
    assert flicker(video, offsets) == 0.0  # undoing the motion aligns the frames exactly


def test_flicker_measures_a_brightness_jump():
    video, offsets = panning_video(scene(), frames=3, size=(16, 16), shift=(0, 4))
    jumped = video.clone()
    jumped[1] += 0.1  # frame 1 brighter: |diff| = 0.1 for both pairs on their overlap
    assert flicker(jumped, offsets) == pytest.approx(0.1, abs=1e-6)
    # without undoing the motion the input video would look like it flickers
    assert flicker(video, [(0, 0)] * 3) > 0.01


def test_tone_operator_flickers_only_with_jitter():
    video, offsets = panning_video(scene(), frames=4, size=(16, 16), shift=(1, 3))
    consistent = tone_operator(video, flicker_strength=0)
    assert flicker(consistent, offsets) == pytest.approx(0.0, abs=1e-6)
    flickering = tone_operator(video, generator=torch.Generator().manual_seed(0))
    assert flicker(flickering, offsets) > 0.01
    assert consistent.shape == video.shape


def test_fidelity_is_psnr():
    a, b = torch.rand(3, 3, 8, 8), torch.rand(3, 3, 8, 8)
    assert fidelity(a, b) == pytest.approx(float(psnr(a, b)))


def test_deep_video_prior_is_more_consistent_than_the_operator():
    torch.manual_seed(0)
    video, offsets = panning_video(scene((32, 56)), frames=4, size=(24, 24), shift=(1, 8))
    processed = tone_operator(
        video, flicker_strength=0.15, generator=torch.Generator().manual_seed(0)
    )
    net = frame_cnn(3, num_features=8, num_layers=3)
    result = deep_video_prior(
        video,
        processed,
        steps=60,
        net=net,
        learning_rate=1e-2,
        offsets=offsets,
        eval_every=30,
        progress=False,
    )
    assert result.frames.shape == video.shape
    assert result.history.eval_step == [30, 60] and len(result.history.metrics["flicker"]) == 2
    assert flicker(result.frames, offsets) < 0.5 * flicker(processed, offsets)
    assert result.history.loss[-1] < result.history.loss[0]


def test_bad_inputs_raise_clear_errors():
    img = scene()
    with pytest.raises(ValueError, match="leaves the"):
        panning_video(img, frames=10, size=(16, 16), shift=(0, 10))
    with pytest.raises(ValueError, match="frames"):
        panning_video(img, frames=1)
    with pytest.raises(TypeError, match="img"):
        panning_video(img.numpy())
    video, offsets = panning_video(img, frames=3, size=(16, 16), shift=(0, 4))
    with pytest.raises(ValueError, match="offsets"):
        flicker(video, offsets[:2])
    with pytest.raises(ValueError, match="do not overlap"):
        flicker(video, [(0, 0), (0, 16), (0, 32)])
    with pytest.raises(ValueError, match="flicker_strength"):
        tone_operator(video, flicker_strength=-1)
    with pytest.raises(ValueError, match="same shape"):
        fidelity(video, video[:2])
    with pytest.raises(ValueError, match="same shape"):
        deep_video_prior(video, video[:2], steps=1)
    with pytest.raises(ValueError, match="steps"):
        deep_video_prior(video, video, steps=0)
    with pytest.raises(ValueError, match="offsets"):
        deep_video_prior(video, video, steps=1, offsets=offsets[:1])
