"""Colorize an image with a trained net; load the shipped colornet / colornet_reg."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .._validate import as_batch, unbatch
from ..color import lab_to_rgb, rgb_to_lab
from ..runtime import autocast
from .bins import ANNEALED_T, decode

# ------------------------------------------------------------------ inference


def lightness(img: torch.Tensor) -> torch.Tensor:
    """L / 100 in [0, 1], (N, 1, H, W), of an RGB or grayscale image in [0, 1].

    A 1-channel image is taken as sRGB gray (R = G = B), so its L is its Lab lightness.
    """
    batch, single = as_batch(img, channels=(1, 3))
    rgb = batch.expand(-1, 3, -1, -1) if batch.shape[1] == 1 else batch
    return unbatch(rgb_to_lab(rgb)[:, :1] / 100.0, single)


@torch.no_grad()
def predict_ab(
    model: nn.Module,
    light: torch.Tensor,
    *,
    method: str = "annealed",
    temperature: float = ANNEALED_T,
) -> torch.Tensor:
    """ab (N, 2, H, W) in Lab units for L / 100 (N, 1, H, W), from either kind of net.

    A classification net (``model.bins`` set) is decoded with ``method``/``temperature``;
    a regression net returns ab directly.
    """
    batch, single = as_batch(light, "light", channels=(1,))
    param = next(model.parameters())
    model.eval()
    x = batch.to(param.device, torch.float32)
    bins = getattr(model, "bins", None)
    with torch.no_grad(), autocast(param.device):  # inference: no autograd graph to keep
        if bins is None:
            out = model(x).float()
        else:
            # decode the distribution where the net predicts it (1/4 resolution), then upsample
            # the two ab channels, as the paper does: 16x less memory than decoding at full size
            logits = model.forward_low(x).float()
            ab = decode(torch.softmax(logits, dim=1), bins, method=method, temperature=temperature)
            out = model._full(ab, x)
    return unbatch(out.to(batch.device), single)


def colorize_image(
    model: nn.Module,
    img: torch.Tensor,
    *,
    method: str = "annealed",
    temperature: float = ANNEALED_T,
) -> torch.Tensor:
    """Colorize an image (1 or 3 channels, in [0, 1]; a colour image is turned to L first).

    Returns RGB in [0, 1] with the input's L and the predicted ab, (3, H, W) or (N, 3, H, W).
    """
    light = lightness(img)
    ab = predict_ab(model, light, method=method, temperature=temperature)
    rgb = lab_to_rgb(torch.cat([100.0 * light.float(), ab.float()], dim=-3))
    return rgb.to(img.dtype)


def load_colornet(name: str | Path, *, device: torch.device | str | None = None) -> nn.Module:
    """A colorization net in eval mode: a shipped zoo name (``"colornet"``,
    ``"colornet_reg"``) or a ``FILE.pt`` written by ``train_colornet`` (its ``FILE.json``
    record beside it gives the model and the sha256)."""
    import json

    from ..models import build_model
    from ..train import load_weights
    from ..zoo import load_pretrained, zoo_entries

    kinds = ("colornet", "colornet_reg")
    path = Path(name)
    if path.suffix == ".pt":
        meta = path.with_suffix(".json")
        if not path.is_file() or not meta.is_file():
            raise ValueError(
                f"model file {path} needs {meta.name} beside it (both written by "
                "python -m sisrlearn.colorize train --out FILE.pt)"
            )
        try:
            record = json.loads(meta.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"{meta} is not a readable record: {err}") from err
        if record.get("model") not in kinds:
            raise ValueError(f"{meta} is not a colorization model ({record.get('model')!r})")
        model = build_model(record["model"], **record.get("kwargs", {}))
        load_weights(model, path, sha256=record.get("sha256"))
        return model.to(device or "cpu").eval()
    entries = {k: e for k, e in zoo_entries().items() if e.model in kinds}
    if str(name) not in entries:
        shipped = ", ".join(sorted(entries)) or "none"
        raise ValueError(
            f"model must be a shipped colorization model ({shipped}) or a FILE.pt, "
            f"got {str(name)!r}"
        )
    return load_pretrained(str(name), device=device)
