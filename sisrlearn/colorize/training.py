"""Training colornet (classification) and colornet_reg (regression) on Lab crops.

``sisrlearn train colornet --out FILE.pt`` runs :func:`train_colornet` and writes the weights
with their record (:mod:`sisrlearn.runs.colorize`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..color import rgb_to_lab
from ..datasets import resolve_dataset
from ..images import load_folder, sample_set
from ..models import build_model
from ..resize import imresize
from ..runtime import get_device, set_seed
from ..train import History, cosine_schedule, fit
from ..zoo import load_pretrained, zoo_entries
from .bins import empirical_prior, rebalancing_weights
from .objectives import ClassificationLoss, regression_loss


def colour_images(data: str | Path | None = None) -> dict[str, torch.Tensor]:
    """The colour images of the bundled training split, plus those of ``data`` (a dataset
    name such as ``t91`` or a folder)."""
    images = dict(sample_set("train"))
    if data is not None:
        images.update(load_folder(resolve_dataset(data)))
    colour = {k: v for k, v in images.items() if v.shape[0] == 3 and float(v.std(dim=0).max()) > 0}
    if not colour:
        raise ValueError("no colour images to train on (every image is grayscale)")
    return colour


class ColorCrops(torch.utils.data.Dataset):
    """Random ``crop`` x ``crop`` Lab crops of colour images: ``(L / 100, ab)`` pairs.

    Augmentation: the image at full size or halved (antialiased), a random position and a
    random horizontal flip. Item ``i`` is the same crop every time for a given ``seed``.
    """

    def __init__(
        self,
        images: dict[str, torch.Tensor] | Sequence[torch.Tensor],
        *,
        crop: int = 64,
        length: int = 10_000,
        seed: int = 0,
    ) -> None:
        items = list(images.values()) if isinstance(images, dict) else list(images)
        self.labs = []
        for img in items:
            for scale in (1.0, 0.5):
                rgb = img if scale == 1.0 else imresize(img, scale).clamp(0, 1)
                if min(rgb.shape[-2:]) >= crop:
                    self.labs.append(rgb_to_lab(rgb.float()))
        if not self.labs:
            raise ValueError(f"crop={crop} is larger than every image; lower crop")
        self.crop, self.length, self.seed = crop, length, seed

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + i)
        lab = self.labs[int(torch.randint(len(self.labs), (1,), generator=gen))]
        h, w = lab.shape[-2:]
        top = int(torch.randint(h - self.crop + 1, (1,), generator=gen))
        left = int(torch.randint(w - self.crop + 1, (1,), generator=gen))
        patch = lab[:, top : top + self.crop, left : left + self.crop]
        if torch.rand(1, generator=gen) < 0.5:
            patch = patch.flip(-1)
        return patch[:1] / 100.0, patch[1:]


class _QuarterResolution(nn.Module):
    """Wraps a colour net for training at 1/4 resolution, where the paper's loss lives."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, light: torch.Tensor) -> torch.Tensor:
        return self.net.forward_low(light)


def train_colornet(
    model_name: str = "colornet",
    *,
    data: str | Path | None = None,
    steps: int = 1000,
    crop: int = 64,
    batch_size: int = 16,
    learning_rate: float = 1e-3,
    rebalance: bool = True,
    model_kwargs: dict | None = None,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> tuple[nn.Module, History]:
    """Train ``colornet`` (classification, eq. 2 with rebalancing) or ``colornet_reg`` (L2).

    Trains on ``ColorCrops`` of ``colour_images(data)`` with Adam and a cosine schedule.
    Returns ``(model, history)``; ``sisrlearn train colornet --out FILE.pt`` also writes the
    weights and their record.
    """

    if model_name not in ("colornet", "colornet_reg"):
        raise ValueError(f"model_name must be 'colornet' or 'colornet_reg', got {model_name!r}")
    if isinstance(crop, bool) or not isinstance(crop, int) or crop < 8 or crop % 4:
        raise ValueError(f"crop must be a multiple of 4 and >= 8, got {crop!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    gen = set_seed(seed)
    device = torch.device(device) if device is not None else get_device()
    kwargs = dict(model_kwargs or {})
    model = build_model(model_name, **kwargs).to(device)
    crops = ColorCrops(colour_images(data), crop=crop, length=steps * batch_size, seed=seed)
    if model_name == "colornet":
        bins = model.bins.cpu()
        prior = empirical_prior([lab[1:, ::4, ::4] for lab in crops.labs], bins)
        loss_fn = ClassificationLoss(bins, rebalancing_weights(prior) if rebalance else None)
        loss_fn = loss_fn.to(device)
    else:
        loss_fn = regression_loss
    loader = torch.utils.data.DataLoader(
        crops, batch_size=batch_size, shuffle=True, generator=gen, drop_last=True
    )
    history = fit(
        _QuarterResolution(model),
        loader,
        lambda out, ab: loss_fn(out, F.avg_pool2d(ab, 4)),  # targets at 1/4 too
        steps=steps,
        learning_rate=learning_rate,
        scheduler=cosine_schedule(steps),
        progress=progress,
    )
    model.eval()
    return model, history


def load_or_train(
    name: str,
    *,
    steps: int = 10,
    device: torch.device | str | None = None,
    progress: bool = True,
):
    """``(model, history)``: the shipped ``name`` (``"colornet"``, ``"colornet_reg"``) and
    its recorded training history, or, without shipped weights, ``steps`` of training on
    the bundled images."""
    entries = zoo_entries()
    if name in entries:
        history = History.from_dict(entries[name].record["history"])
        return load_pretrained(name, device=device), history
    return train_colornet(name, steps=steps, crop=48, device=device, progress=progress)
