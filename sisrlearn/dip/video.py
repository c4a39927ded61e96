"""Deep Video Prior: remove the flicker of a frame-by-frame operator with one CNN.

Paper: Lei, Xing, Chen, "Blind Video Temporal Consistency via Deep Video Prior", NeurIPS 2020.
An image operator applied to each frame of a video (a colour filter, a colorizer, a style
transfer) often flickers: the same scene point gets a different colour in every frame. DVP
trains *one* convolutional network ``g`` on all frames, input frame -> processed frame; because
the same content in different frames produces the same output of a CNN, ``g`` learns the
consistent part first and the flicker (which it cannot explain) only late, so stopping early
gives a temporally consistent video close to the processed frames.

Here the video is a window panning over a bundled image with a known integer motion, so the
flicker can be measured exactly: the mean absolute difference of consecutive frames on their
overlap after undoing the motion (0 for the input video).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn
from tqdm.auto import tqdm

from .._validate import as_batch, check_same_shape
from ..metrics import psnr
from ..runtime import autocast
from ..train import History

__all__ = [
    "VideoPriorResult",
    "frame_cnn",
    "panning_video",
    "tone_operator",
    "flicker",
    "fidelity",
    "deep_video_prior",
]


@dataclass
class VideoPriorResult:
    """Output of :func:`deep_video_prior`: the frames (T, C, h, w) and the training history."""

    frames: torch.Tensor
    history: History


def panning_video(
    img: torch.Tensor,
    *,
    frames: int = 8,
    size: tuple[int, int] = (64, 64),
    shift: tuple[int, int] = (1, 3),
    start: tuple[int, int] = (0, 0),
) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """Frames of a ``size`` window moving by ``shift`` pixels per frame over ``img``.

    Returns ``(video, offsets)``: video (T, C, h, w) with ``video[t] = img[:, oy:oy+h, ox:ox+w]``
    and ``offsets[t] = (oy, ox)``, the known motion.
    """
    batch, _ = as_batch(img, "img")
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"frames must be an int >= 2, got {frames!r}")
    h, w = size
    offsets = [(start[0] + t * shift[0], start[1] + t * shift[1]) for t in range(frames)]
    height, width = batch.shape[-2:]
    for oy, ox in offsets:
        if oy < 0 or ox < 0 or oy + h > height or ox + w > width:
            raise ValueError(
                f"the window {size} moving by shift={shift} from start={start} "
                f"leaves the {height}x{width} image at frame offset {(oy, ox)}; "
                "use fewer frames, a smaller shift or size"
            )
    video = torch.stack([batch[0, :, oy : oy + h, ox : ox + w] for oy, ox in offsets])
    return video, offsets


def tone_operator(
    video: torch.Tensor,
    *,
    gamma: float = 0.8,
    saturation: float = 1.4,
    flicker_strength: float = 0.1,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """A photo filter (gamma, saturation) applied frame by frame with random per-frame jitter.

    Each frame gets its own gain per channel in ``1 +- flicker_strength`` and offset in
    ``+- flicker_strength / 2``, the flicker a per-frame operator typically shows.
    ``flicker_strength=0`` gives the consistent operator. Input and output (T, C, h, w).
    """
    batch, _ = as_batch(video, "video")
    if not flicker_strength >= 0:
        raise ValueError(f"flicker_strength must be >= 0, got {flicker_strength!r}")
    out = batch.clamp(0, 1) ** gamma
    if out.shape[1] == 3:
        gray = out.mean(dim=1, keepdim=True)
        out = gray + saturation * (out - gray)
    t, c = out.shape[:2]
    gain = 1 + flicker_strength * (2 * torch.rand((t, c, 1, 1), generator=generator) - 1)
    offset = flicker_strength / 2 * (2 * torch.rand((t, 1, 1, 1), generator=generator) - 1)
    return (out * gain.to(out) + offset.to(out)).clamp(0, 1)


def _overlaps(video: torch.Tensor, offsets: list[tuple[int, int]]):
    """Pairs (frame t, frame t+1) cropped to their common part of the scene."""
    h, w = video.shape[-2:]
    for t in range(video.shape[0] - 1):
        dy, dx = offsets[t + 1][0] - offsets[t][0], offsets[t + 1][1] - offsets[t][1]
        if abs(dy) >= h or abs(dx) >= w:
            raise ValueError(f"frames {t} and {t + 1} do not overlap (motion {(dy, dx)})")
        a = video[t, :, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)]
        b = video[t + 1, :, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)]
        yield a, b


def flicker(video: torch.Tensor, offsets: list[tuple[int, int]]) -> float:
    """Mean |frame t+1 - frame t| over the overlap after undoing the known motion (0-1 units)."""
    batch, _ = as_batch(video, "video")
    if len(offsets) != batch.shape[0]:
        raise ValueError(
            f"offsets must have one (dy, dx) per frame: {batch.shape[0]}, got {len(offsets)}"
        )
    diffs = [float((a - b).abs().mean()) for a, b in _overlaps(batch, offsets)]
    return sum(diffs) / len(diffs)


def fidelity(video: torch.Tensor, processed: torch.Tensor) -> float:
    """Mean PSNR (dB) of the frames of ``video`` to the processed frames."""
    check_same_shape(video, processed, ("video", "processed"))
    return float(psnr(video.clamp(0, 1), processed))


def frame_cnn(channels: int = 3, *, num_features: int = 32, num_layers: int = 5) -> nn.Module:
    """A plain CNN (3x3 convs, LeakyReLU, sigmoid output), receptive field ``2 num_layers + 1``.

    Its small receptive field sees the same content in every frame alike: it cannot tell the
    frames apart away from their borders, so it cannot learn per-frame flicker.
    """
    layers, c = [], channels
    for _ in range(num_layers - 1):
        layers += [
            nn.Conv2d(c, num_features, 3, padding=1, padding_mode="replicate"),
            nn.LeakyReLU(0.2),
        ]
        c = num_features
    layers += [nn.Conv2d(c, channels, 3, padding=1, padding_mode="replicate"), nn.Sigmoid()]
    return nn.Sequential(*layers)


def deep_video_prior(
    inputs: torch.Tensor,
    processed: torch.Tensor,
    *,
    steps: int = 300,
    net: nn.Module | None = None,
    learning_rate: float = 1e-3,
    offsets: list[tuple[int, int]] | None = None,
    eval_every: int = 0,
    progress: bool = True,
) -> VideoPriorResult:
    """Train one CNN on all frames, input frame -> processed frame, with an L1 loss (DVP).

    Args:
        inputs: the original video (T, C, h, w) in [0, 1].
        processed: the per-frame operator's output, same shape.
        steps: Adam steps on the whole video (the early stop; the paper trains ~25 epochs).
        net: the CNN (default :func:`frame_cnn`; the paper uses a U-Net on large frames,
            whose receptive field is small next to them); its device is used.
        offsets: the known motion, to record the flicker every ``eval_every`` steps.
        eval_every: record ``flicker`` (needs ``offsets``) and ``fidelity`` (0: at the end).

    Returns:
        The network's frames (T, C, h, w) on the CPU, and the loss/metric history.
    """
    x, _ = as_batch(inputs, "inputs")
    y, _ = as_batch(processed, "processed")
    check_same_shape(x, y, ("inputs", "processed"))
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if offsets is not None and len(offsets) != x.shape[0]:
        raise ValueError(f"offsets must have {x.shape[0]} entries, got {len(offsets)}")
    net = net if net is not None else frame_cnn(x.shape[1])
    device = next(net.parameters()).device
    x, y = x.to(device), y.to(device)
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate)
    history, started = History(), time.perf_counter()
    net.train()  # the whole video is one batch (BatchNorm, if any, sees the same statistics)
    for step in tqdm(range(1, steps + 1), disable=not progress, desc="DVP", leave=False):
        with autocast(device):
            out = net(x)
        loss = (out.float() - y).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        history.step.append(step)
        history.loss.append(float(loss.detach()))
        if (eval_every and step % eval_every == 0) or step == steps:
            frames = out.detach().float().cpu()
            history.eval_step.append(step)
            history.metrics.setdefault("fidelity", []).append(fidelity(frames, y.cpu()))
            if offsets is not None:
                history.metrics.setdefault("flicker", []).append(flicker(frames, offsets))
    with torch.no_grad(), autocast(device):
        frames = net(x).float().cpu()
    history.seconds = time.perf_counter() - started
    return VideoPriorResult(frames.clamp(0, 1), history)
