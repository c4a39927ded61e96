"""The VGG19 perceptual (content) loss of SRGAN, from a VGG19 file the user names.

Papers: Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a Generative
Adversarial Network", CVPR 2017 (VGG loss on phi_5,4 rescaled by 1/12.75); Simonyan &
Zisserman, "Very Deep Convolutional Networks", ICLR 2015 (VGG19); Johnson et al.,
"Perceptual Losses for Real-Time Style Transfer and Super-Resolution", ECCV 2016.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .train import read_state_dict

__all__ = ["VGG19_LAYERS", "VGGFeatures", "PerceptualLoss"]


# torchvision's vgg19().features: "M" is a 2x2 max pool; convolutions are 3x3, padding 1.
_VGG19_CFG = (
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    512,
    "M",
)


def _layer_names() -> dict[str, int]:
    names, block, conv, index = {}, 1, 0, 0
    for item in _VGG19_CFG:
        if item == "M":
            names[f"pool{block}"] = index
            block, conv, index = block + 1, 0, index + 1
            continue
        conv += 1
        names[f"conv{block}_{conv}"], names[f"relu{block}_{conv}"] = index, index + 1
        index += 2
    return names


VGG19_LAYERS: dict[str, int] = _layer_names()  # "relu5_4" -> 35: index in ``features``
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


class VGGFeatures(nn.Module):
    """VGG19 ``features`` up to ``layer`` (frozen), in torchvision's ``state_dict`` layout.

    Nothing downloads. ``weights`` is a VGG19 ``state_dict`` file you have (torchvision's
    ``vgg19-dcbb9e9d.pth`` or any ``torch.save(vgg19().state_dict())``): keys
    ``features.0.weight``, ``features.0.bias``, ``features.2.weight``, ...; the classifier
    keys are ignored. It is read with ``weights_only=True``. Without a file (``weights=None``
    and no environment variable ``SISRLEARN_VGG19``) the network is a **randomly initialised**
    VGG19 (He init, seed 0) and a warning says so: its features are random projections, not
    ImageNet features, so a loss on them is a random-feature loss, not SRGAN's VGG loss.

    Args:
        weights: path of the ``state_dict`` file, or None (see above).
        layer: last layer kept, ``"relu5_4"`` (SRGAN's ``phi_5,4``), ``"relu2_2"``, ... as in
            ``VGG19_LAYERS``.
        normalize: map [0, 1] RGB to ImageNet's mean/std first (what VGG was trained on).

    Input (N, 3, H, W) RGB in [0, 1] (a single channel is repeated); output the feature map,
    (N, 512, H/16, W/16) for ``relu5_4``.
    """

    def __init__(
        self, weights: str | Path | None = None, *, layer: str = "relu5_4", normalize: bool = True
    ) -> None:
        super().__init__()
        if layer not in VGG19_LAYERS:
            raise ValueError(f"layer must be one of {', '.join(VGG19_LAYERS)}, got {layer!r}")
        self.layer, self.normalize = layer, normalize
        last = VGG19_LAYERS[layer]
        modules: list[nn.Module] = []
        channels = 3
        for item in _VGG19_CFG:
            if item == "M":
                modules.append(nn.MaxPool2d(2, 2))
            else:
                modules += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU(inplace=False)]
                channels = item
        self.features = nn.Sequential(*modules[: last + 1])
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1), False)
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1), False)
        if weights is None:
            weights = os.environ.get("SISRLEARN_VGG19") or None
        self.pretrained = weights is not None
        if weights is None:
            self._random_init()
            warnings.warn(
                "VGGFeatures: no VGG19 weights file given (weights=None and SISRLEARN_VGG19 "
                "unset), so this is a RANDOMLY INITIALISED VGG19 (He init, seed 0), not the "
                "ImageNet network: the 'perceptual' loss is a random-feature loss. Pass "
                "weights='vgg19.pth' (a torchvision VGG19 state_dict you have) for SRGAN's loss.",
                UserWarning,
                stacklevel=2,
            )
        else:
            self._load(Path(weights))
        self.requires_grad_(False)
        self.eval()

    def _random_init(self) -> None:
        gen = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for module in self.features:
                if isinstance(module, nn.Conv2d):
                    fan_out = module.out_channels * 9  # torchvision: kaiming_normal_, fan_out
                    module.weight.normal_(0, math.sqrt(2 / fan_out), generator=gen)
                    module.bias.zero_()

    def _load(self, path: Path) -> None:
        if not path.is_file():
            raise ValueError(
                f"weights must be an existing VGG19 state_dict file, got {str(path)!r} "
                "(nothing is downloaded: save torchvision's vgg19 weights there yourself)"
            )
        state = read_state_dict(path)
        if not any(str(k).startswith("features.") for k in state):
            state = {f"features.{k}": v for k, v in state.items()}  # a bare features dict
        own = self.state_dict()
        missing = [k for k in own if k not in state]
        if missing:
            raise ValueError(
                f"weights {str(path)!r} is not a VGG19 state_dict in torchvision's layout: "
                f"missing {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}"
            )
        for key, value in own.items():
            if tuple(state[key].shape) != tuple(value.shape):
                raise ValueError(
                    f"weights {str(path)!r} does not match VGG19: {key} has shape "
                    f"{tuple(state[key].shape)}, "
                    f"expected {tuple(value.shape)} (VGG16? another network?)"
                )
        self.load_state_dict({k: state[k].float() for k in own})

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        if not isinstance(img, torch.Tensor) or img.dim() != 4 or img.shape[1] not in (1, 3):
            shape = tuple(img.shape) if isinstance(img, torch.Tensor) else type(img).__name__
            raise ValueError(f"img must be (N, 3, H, W) RGB in [0, 1], got {shape}")
        if img.shape[1] == 1:
            img = img.expand(-1, 3, -1, -1)
        if self.normalize:
            img = (img - self.mean) / self.std
        return self.features(img)

    def train(self, mode: bool = True) -> VGGFeatures:
        return super().train(False)  # frozen: always in eval mode


class PerceptualLoss(nn.Module):
    """SRGAN's VGG content loss: ``mean((phi(sr) / 12.75 - phi(hr) / 12.75)^2)``.

    Ledig et al. (CVPR 2017, section 3.3) rescale the feature maps by ``1/12.75`` so the loss
    has the scale of the pixel MSE, i.e. the plain feature MSE times ``1/12.75^2 ~ 0.006``.

    Args:
        features: a :class:`VGGFeatures` (or any frozen feature extractor).
        feature_scale: the rescaling of the feature maps.
    """

    def __init__(self, features: nn.Module, *, feature_scale: float = 1 / 12.75) -> None:
        super().__init__()
        if not isinstance(features, nn.Module):
            raise TypeError(f"features must be an nn.Module, got {type(features).__name__}")
        if not feature_scale > 0:
            raise ValueError(f"feature_scale must be positive, got {feature_scale!r}")
        self.features, self.feature_scale = features, float(feature_scale)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        if not isinstance(sr, torch.Tensor) or not isinstance(hr, torch.Tensor):
            raise TypeError("sr and hr must be torch tensors")
        if sr.shape != hr.shape:
            raise ValueError(f"sr and hr must have the same shape, got {sr.shape} and {hr.shape}")
        with torch.no_grad():
            target = self.features(hr) * self.feature_scale
        return F.mse_loss(self.features(sr) * self.feature_scale, target)
