"""SRGAN training (SRResNet pretraining with the MSE, then adversarial fine-tuning) and a
no-reference sharpness proxy for the perception-distortion plot.

Paper: Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a Generative
Adversarial Network", CVPR 2017: generator loss ``l_content + 1e-3 * l_adversarial`` (eq. 3)
with ``l_adversarial = -log D(G(I_LR))`` (eq. 6, the non-saturating loss) and ``l_content``
the pixel MSE (SRGAN-MSE) or the VGG ``phi_5,4`` feature loss (SRGAN-VGG54); Adam
(beta1 0.9), learning rate 1e-4, 96x96 HR crops, the generator initialised from SRResNet.
Blau & Michaeli, "The Perception-Distortion Tradeoff", CVPR 2018.

The content loss's features: :func:`content_features` gives VGG19's ``phi_5,4`` when an
ImageNet VGG19 file is there (``sisrlearn data fetch vgg19`` or env ``SISRLEARN_VGG19``), and
otherwise the features of the shipped colorization network (:class:`ColorNetFeatures`), so the
chapter can train with a perceptual loss either way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .color import rgb_to_lab
from .datasets import vgg19_weights_path
from .losses import GANLoss
from .metrics import sharpness  # noqa: F401  (this chapter's measure, in metrics)
from .perceptual import VGGFeatures
from .runtime import autocast, bf16_layout
from .train import repeat_batches
from .zoo import load_pretrained

__all__ = [
    "SRGANHistory",
    "train_srgan",
    "sharpness",
    "ColorNetFeatures",
    "content_features",
    "matched_feature_scale",
    "VGG54_SCALE",
]

VGG54_SCALE = 1 / 12.75  # Ledig et al. 2017, section 3.2: the VGG feature maps are rescaled


@dataclass
class SRGANHistory:
    """Per-step record of :func:`train_srgan`: the generator's total, content and adversarial
    losses, the discriminator's loss, and the mean ``D`` on real and on generated crops."""

    step: list[int] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    content: list[float] = field(default_factory=list)
    adversarial: list[float] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    seconds: float = 0.0


def train_srgan(
    generator: nn.Module,
    discriminator: nn.Module,
    loader: Iterable,
    *,
    steps: int,
    content_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.mse_loss,
    adversarial_weight: float = 1e-3,
    gan_loss: GANLoss | None = None,
    learning_rate: float = 1e-4,
    betas: tuple[float, float] = (0.9, 0.999),
    optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer] | None = None,
    history: SRGANHistory | None = None,
    progress: bool = True,
    cpu_bf16: bool = False,
) -> SRGANHistory:
    """Adversarial fine-tuning of an SR generator (SRGAN, sections 2 and 3.2).

    Each step: one discriminator step on ``(hr, generator(lr))``, then one generator step on
    ``content_loss(sr, hr) + adversarial_weight * gan_loss.generator(discriminator(sr))``.

    Args:
        generator: e.g. ``build_model("srresnet", scale=4)``, pretrained with the MSE.
        discriminator: e.g. ``build_model("srgan_discriminator")``; returns logits.
        loader: yields ``(lr, hr)`` batches (HR crops of the discriminator's input size); an
            iterator is read on from where it is (a run split into several calls).
        steps: optimisation steps of each network.
        content_loss: ``F.mse_loss`` (SRGAN-MSE) or a :class:`sisrlearn.perceptual.PerceptualLoss`
            (SRGAN-VGG54).
        adversarial_weight: ``1e-3`` in the paper.
        gan_loss: default ``GANLoss("nonsaturating")`` (the paper's ``-log D(G(I_LR))``).
        learning_rate: Adam's, for both networks (1e-4, then 1e-5 in the paper).
        optimizers: ``(generator's, discriminator's)`` to continue with (default: new Adams).
        history: continue an earlier record (steps numbered after it).
        progress: show a tqdm bar.
        cpu_bf16: on the CPU, both networks run under bfloat16 autocast with channels-last
            tensors (see :func:`sisrlearn.train.fit`).
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    if not adversarial_weight >= 0:
        raise ValueError(f"adversarial_weight must be >= 0, got {adversarial_weight!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
    gan_loss = gan_loss or GANLoss("nonsaturating")
    if not isinstance(gan_loss, GANLoss):
        raise TypeError(f"gan_loss must be a GANLoss, got {type(gan_loss).__name__}")
    device = next(generator.parameters()).device
    discriminator.to(device)
    layout = bf16_layout(device, generator, discriminator, cpu=cpu_bf16)
    if optimizers is None:
        optimizers = (
            torch.optim.Adam(generator.parameters(), lr=learning_rate, betas=betas),
            torch.optim.Adam(discriminator.parameters(), lr=learning_rate, betas=betas),
        )
    opt_g, opt_d = optimizers
    history = history or SRGANHistory()
    start, started = (history.step[-1] if history.step else 0), time.perf_counter()
    batches = loader if isinstance(loader, Iterator) else repeat_batches(loader)
    generator.train()
    discriminator.train()
    for i in tqdm(range(steps), disable=not progress, desc="srgan", leave=False):
        lr_img, hr_img = (t.to(device, memory_format=layout) for t in next(batches))
        with autocast(device, cpu=cpu_bf16):
            sr_img = generator(lr_img)
            real_logits = discriminator(hr_img)
            fake_logits = discriminator(sr_img.detach())
        d_loss = gan_loss.discriminator(real_logits.float(), fake_logits.float())
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        with autocast(device, cpu=cpu_bf16):
            adv_logits = discriminator(sr_img)
        content = content_loss(sr_img.float(), hr_img)
        adversarial = gan_loss.generator(adv_logits.float())
        g_loss = content + adversarial_weight * adversarial
        if not torch.isfinite(g_loss):
            raise FloatingPointError(
                f"generator loss became {g_loss.item()} at step "
                f"{start + i + 1}; lower learning_rate"
            )
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        history.step.append(start + i + 1)
        for name, value in (
            ("g_loss", g_loss),
            ("content", content),
            ("adversarial", adversarial),
            ("d_loss", d_loss),
        ):
            getattr(history, name).append(value.item())
        history.d_real.append(torch.sigmoid(real_logits.float()).mean().item())
        history.d_fake.append(torch.sigmoid(fake_logits.float()).mean().item())
    history.seconds += time.perf_counter() - started
    generator.eval()
    discriminator.eval()
    return history


class ColorNetFeatures(nn.Module):
    """The first ``blocks`` blocks of the shipped colorization network, as a frozen feature
    extractor for a perceptual loss: RGB (N, 3, H, W) in [0, 1] -> L/100 -> (N, C, H/4, W/4).

    The network (chapter 11, Zhang et al. 2016 slimmed) learned to predict colours from the
    lightness of about a hundred photos, a self-supervised task: its features at 1/4 resolution
    see context like VGG's, but they see only the lightness (a colour shift costs nothing) and
    come from a small network trained on few images, not from VGG19 trained to classify the
    1.3 million training images of ImageNet.
    """

    def __init__(self, blocks: int = 4, *, name: str = "colornet") -> None:
        super().__init__()
        net = load_pretrained(name)
        if isinstance(blocks, bool) or not isinstance(blocks, int):
            raise TypeError(f"blocks must be an int, got {type(blocks).__name__}")
        if not 1 <= blocks <= len(net.body):
            raise ValueError(f"blocks must be in 1..{len(net.body)}, got {blocks}")
        self.body = net.body[:blocks]
        self.requires_grad_(False)
        self.eval()

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        if not isinstance(img, torch.Tensor) or img.dim() != 4 or img.shape[1] not in (1, 3):
            got = tuple(img.shape) if isinstance(img, torch.Tensor) else type(img).__name__
            raise ValueError(f"img must be (N, 3, H, W) RGB in [0, 1], got {got}")
        rgb = img.expand(-1, 3, -1, -1) if img.shape[1] == 1 else img
        light = rgb_to_lab(rgb.clamp(0, 1))[:, :1] / 100.0
        return self.body((light - 0.5) / 0.5)  # the colornet's input normalisation

    def train(self, mode: bool = True) -> ColorNetFeatures:
        return super().train(False)  # frozen: BatchNorm keeps its running statistics


def content_features(*, weights: str | None = None) -> tuple[nn.Module, str]:
    """``(features, name)`` for the perceptual content loss.

    ``name`` is ``"vgg54"``: VGG19 up to ``relu5_4`` (SRGAN's ``phi_5,4``) from ``weights``, or
    else the file :func:`sisrlearn.datasets.vgg19_weights_path` finds (env ``SISRLEARN_VGG19``,
    or the one ``sisrlearn data fetch vgg19`` stored). Without any, ``name`` is ``"colornet"``:
    :class:`ColorNetFeatures`, a network the course ships. Nothing is downloaded.
    """
    path = weights or vgg19_weights_path()
    if path is not None:
        return VGGFeatures(path, layer="relu5_4"), "vgg54"
    return ColorNetFeatures(), "colornet"


@torch.no_grad()
def matched_feature_scale(features: nn.Module, sr: torch.Tensor, hr: torch.Tensor) -> float:
    """The factor ``s`` that gives the feature loss the pixel MSE's size on one example:
    ``mse(s phi(sr), s phi(hr)) = mse(sr, hr)``.

    Ledig et al. chose ``1/12.75`` for VGG19 the same way ("VGG losses of a scale that is
    comparable to the MSE loss"); for other features, measure it on a typical pair, e.g. a
    bicubic upscaling and its HR image. Inputs (N, 3, H, W) in [0, 1], not equal.
    """
    if sr.shape != hr.shape:
        raise ValueError(f"sr and hr must have the same shape, got {sr.shape} and {hr.shape}")
    pixel = F.mse_loss(sr, hr)
    feature = F.mse_loss(features(sr), features(hr))
    if not (pixel > 0 and feature > 0):
        raise ValueError("sr and hr must differ (the pixel and the feature MSE must be > 0)")
    return math.sqrt(pixel.item() / feature.item())
