"""Train colornet / colornet_reg and write their zoo records
(``python -m sisrlearn.colorize train``)."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..color import rgb_to_lab
from ..records import write_record
from .bins import empirical_prior, rebalancing_weights
from .objectives import ClassificationLoss, regression_loss

# ------------------------------------------------------------------ training


def colour_images(data: str | Path | None = None) -> dict[str, torch.Tensor]:
    """The colour images of the bundled training split, plus those of folder ``data``."""
    from ..images import load_folder, sample_set

    images = dict(sample_set("train"))
    if data is not None:
        images.update(load_folder(data))
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
        self, images: dict[str, torch.Tensor] | Sequence[torch.Tensor], *, crop: int = 64,
        length: int = 10_000, seed: int = 0,
    ) -> None:  # fmt: skip
        from ..resize import imresize

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
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    command: str | None = None,
):
    """Train ``colornet`` (classification, eq. 2 with rebalancing) or ``colornet_reg`` (L2).

    Trains on ``ColorCrops`` of ``colour_images(data)`` with Adam and a cosine schedule.
    With ``out`` (``.pt``) it writes the weights and a zoo record ``.json`` beside them
    (``zoo.load_pretrained(name)`` then works). Returns ``(model, history)``.
    """
    from ..models import MODELS, build_model
    from ..runtime import get_device, set_seed
    from ..train import cosine_steps, fit

    if model_name not in ("colornet", "colornet_reg"):
        raise ValueError(f"model_name must be 'colornet' or 'colornet_reg', got {model_name!r}")
    if isinstance(crop, bool) or not isinstance(crop, int) or crop < 8 or crop % 4:
        raise ValueError(f"crop must be a multiple of 4 and >= 8, got {crop!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    out = Path(out) if out is not None else None
    if out is not None and out.suffix != ".pt":
        raise ValueError(f"out must end in .pt, got {str(out)!r}")
    if out is not None and not overwrite and (out.exists() or out.with_suffix(".json").exists()):
        raise FileExistsError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")
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
    loader = torch.utils.data.DataLoader(crops, batch_size=batch_size, shuffle=True,
                                         generator=gen, drop_last=True)  # fmt: skip
    history = fit(_QuarterResolution(model), loader,
                  lambda out, ab: loss_fn(out, F.avg_pool2d(ab, 4)),  # targets at 1/4 too
                  steps=steps, learning_rate=learning_rate, scheduler=cosine_steps(steps),
                  progress=progress)  # fmt: skip
    model.eval()
    if out is not None:
        command = command or "(called from Python: sisrlearn.colorize.train_colornet)"
        recipe = replace(
            MODELS[model_name].recipe,
            patch_size=crop,
            batch_size=batch_size,
            learning_rate=learning_rate,
            steps=steps,
        )  # as trained
        write_record(model, out, model_name=model_name, kwargs=kwargs, scales=[],
                     recipe=recipe, history=history, device=device, command=command,
                     extra={"rebalance": rebalance})  # fmt: skip
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
    from ..train import History
    from ..zoo import load_pretrained, zoo_entries

    entries = zoo_entries()
    if name in entries:
        history = History.from_dict(entries[name].record["history"])
        return load_pretrained(name, device=device), history
    return train_colornet(name, steps=steps, crop=48, device=device, progress=progress)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sisrlearn.colorize train --model colornet --out FILE.pt [...]``."""
    parser = argparse.ArgumentParser(prog="python -m sisrlearn.colorize")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train colornet / colornet_reg and write a zoo record")
    p.add_argument("--model", choices=["colornet", "colornet_reg"], default="colornet")
    p.add_argument("--data", metavar="DIR", help="extra colour training images (e.g. T91)")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--crop", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--no-rebalance", action="store_true", help="plain soft cross-entropy")
    p.add_argument("--out", metavar="FILE.pt")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        train_colornet(args.model, data=args.data, steps=args.steps, crop=args.crop,
                       batch_size=args.batch_size, learning_rate=args.lr,
                       rebalance=not args.no_rebalance, out=args.out, overwrite=args.overwrite,
                       seed=args.seed, progress=not args.quiet,
                       command="python -m sisrlearn.colorize " + shlex.join(argv))  # fmt: skip
    except (ValueError, TypeError, FileExistsError) as err:
        print(f"python -m sisrlearn.colorize: error: {err}", file=sys.stderr)
        return 2
    return 0
