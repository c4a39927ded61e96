"""The toy X/O convnet by hand: features, filter match, convolution, ReLU, pooling, votes.

Teaching code in NumPy (2-D arrays, values in [-1, 1] as on the slides: +1 ink, -1 paper),
plus ``TinyXONet``, the same idea in PyTorch, trained on generated X/O images. The
four-pixel camera and the activation functions live in ``sisrlearn.neurons`` and are
re-exported here.

Slides: B. Rohrer, "How convolutional neural networks work", e2eml.school, 2016.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .neurons import (
    ACTIVATIONS,
    CATEGORIES,
    FourPixelNet,
    activation,
    activation_grad,
    activation_torch,
    four_pixel_dataset,
    four_pixel_patterns,
    gradient_norms,
    neuron,
    weighted_sum,
)

__all__ = [
    "FEATURE_NAMES",
    "CLASSES",
    "xo_features",
    "xo_image",
    "xo_variants",
    "truncate",
    "filter_match",
    "convolve",
    "relu",
    "max_pool",
    "xo_forward",
    "fc_votes",
    "hand_vote_weights",
    "classify_xo",
    "xo_dataset",
    "TinyXONet",
    "accuracy",
    # re-exported from .neurons: the chapter's second half
    "ACTIVATIONS",
    "CATEGORIES",
    "FourPixelNet",
    "activation",
    "activation_grad",
    "activation_torch",
    "four_pixel_dataset",
    "four_pixel_patterns",
    "gradient_norms",
    "neuron",
    "weighted_sum",
]

FEATURE_NAMES = ("diagonal", "small X", "anti-diagonal")
CLASSES = ("X", "O")


def _array(x: object, name: str, ndim: tuple[int, ...]) -> np.ndarray:
    """``x`` as a float64 array with one of the allowed numbers of dimensions."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__}") from err
    if arr.ndim not in ndim:
        want = " or ".join(f"{n}-D" for n in ndim)
        raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    return arr


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def xo_features() -> np.ndarray:
    """The slides' three 3x3 features (3, 3, 3): main diagonal, small X, anti-diagonal."""
    diagonal = 2 * np.eye(3) - 1
    return np.stack([diagonal, np.maximum(diagonal, diagonal[:, ::-1]), diagonal[:, ::-1]])


def _segment_distance(rows, cols, start, end) -> np.ndarray:
    """Distance from pixel centres (rows, cols) to the segment start-end (row, col points)."""
    d = np.subtract(end, start)
    t = ((rows - start[0]) * d[0] + (cols - start[1]) * d[1]) / max(float(d @ d), 1e-12)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(rows - start[0] - t * d[0], cols - start[1] - t * d[1])


def xo_image(
    kind: str = "x",
    *,
    size: int = 9,
    shift: tuple[float, float] = (0.0, 0.0),
    angle: float = 0.0,
    thickness: float = 1.0,
    scale: float = 1.0,
) -> np.ndarray:
    """Render an X or an O as a (size, size) array: +1 on the stroke, -1 elsewhere.

    A pixel is ink when its centre lies closer than ``thickness / 2`` to the stroke. With the
    defaults the X is the slides' 9x9 X (both diagonals from (1, 1) to (7, 7) and (1, 7) to
    (7, 1), border -1) and the O is a ring of radius 3 around the centre.

    Args:
        kind: ``"x"`` or ``"o"`` (either case).
        shift: (down, right) offset of the glyph in pixels (fractions allowed).
        angle: rotation in degrees, counter-clockwise.
        thickness: stroke width in pixels.
        scale: glyph size relative to the default, where the X's arms and the O's radius
            reach (size - 3) / 2 pixels from the centre (3 for a 9x9 image).
    """
    if not isinstance(kind, str) or kind.lower() not in {"x", "o"}:
        raise ValueError(f"kind must be 'x' or 'o', got {kind!r}")
    size = _positive_int(size, "size")
    if size < 3:
        raise ValueError(f"size must be at least 3, got {size}")
    if not thickness > 0 or not scale > 0:
        raise ValueError(f"thickness and scale must be positive, got {thickness!r}, {scale!r}")
    centre = (size - 1) / 2 + np.asarray(shift, dtype=np.float64)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    radius = (size - 1) / 2 - 1  # 3 for a 9x9 image: one pixel of border
    if kind.lower() == "o":
        dist = np.abs(np.hypot(rows - centre[0], cols - centre[1]) - radius * scale)
    else:
        dist = np.full((size, size), np.inf)
        for arm in (45.0, 135.0):  # the two strokes, through the centre
            theta = math.radians(arm + angle)
            half = radius * math.sqrt(2) * scale * np.array([-math.sin(theta), math.cos(theta)])
            dist = np.minimum(dist, _segment_distance(rows, cols, centre - half, centre + half))
    return np.where(dist < thickness / 2, 1.0, -1.0)


def xo_variants() -> dict[str, np.ndarray]:
    """The slides' "trickier cases": shifted, rotated and thicker X's and O's (9x9, +-1)."""
    return {
        "X": xo_image("x"),
        "O": xo_image("o"),
        "X shifted": xo_image("x", shift=(0, 1), scale=0.9),
        "X rotated": xo_image("x", angle=10, scale=0.85),
        "X thick": xo_image("x", thickness=1.6),
        "X small": xo_image("x", scale=0.7),
        "O shifted": xo_image("o", shift=(0, 1), scale=0.9),
        "O thick": xo_image("o", thickness=1.6),
    }


def truncate(x: object, decimals: int = 2) -> np.ndarray:
    """Cut toward zero to ``decimals`` places, as the slides print 5/9 as 0.55 (not 0.56)."""
    arr = _array(x, "x", tuple(range(8)))
    factor = 10.0**decimals
    return np.trunc(np.round(arr * factor, 6)) / factor  # rounding error: 0.9999999 -> 1.00


def filter_match(patch: object, feature: object) -> float:
    """How well a patch matches a feature: the mean of the elementwise products.

    A perfect match of +-1 values gives 1; each mismatched pixel of the k*k lowers it by 2/k**2.
    """
    patch = _array(patch, "patch", (2,))
    feature = _array(feature, "feature", (2,))
    if patch.shape != feature.shape:
        raise ValueError(
            f"patch and feature must have the same shape, got {patch.shape} and {feature.shape}"
        )
    return float(np.mean(patch * feature))


def convolve(img: object, features: object) -> np.ndarray:
    """Every possible filter match: a valid correlation (no kernel flip) divided by k*k.

    Args:
        img: (H, W) image.
        features: one (k, k) feature or a stack (F, k, k).

    Returns:
        (H - k + 1, W - k + 1) map, or (F, H - k + 1, W - k + 1) maps for a stack; equal to
        ``F.conv2d(img[None, None], features[:, None]) / k**2``.
    """
    img = _array(img, "img", (2,))
    feats = _array(features, "features", (2, 3))
    single = feats.ndim == 2
    feats = feats[None] if single else feats
    kh, kw = feats.shape[1:]
    if kh > img.shape[0] or kw > img.shape[1]:
        raise ValueError(f"features ({kh}x{kw}) must fit in img, got img of shape {img.shape}")
    out_h, out_w = img.shape[0] - kh + 1, img.shape[1] - kw + 1
    maps = np.empty((len(feats), out_h, out_w))
    for f, feature in enumerate(feats):
        for i in range(out_h):
            for j in range(out_w):
                maps[f, i, j] = filter_match(img[i : i + kh, j : j + kw], feature)
    return maps[0] if single else maps


def relu(x: object) -> np.ndarray:
    """Rectified linear unit: negatives become 0, everything else passes unchanged."""
    return np.maximum(_array(x, "x", tuple(range(8))), 0.0)


def max_pool(maps: object, size: int = 2, stride: int = 2) -> np.ndarray:
    """Max pooling over the last two axes, keeping the partial windows at the edges.

    A (.., 7, 7) map gives (.., 4, 4) with size 2 and stride 2: out = ceil((H - size) /
    stride) + 1, as ``F.max_pool2d(maps, size, stride, ceil_mode=True)``.
    """
    maps = _array(maps, "maps", (2, 3, 4))
    size, stride = _positive_int(size, "size"), _positive_int(stride, "stride")
    h, w = maps.shape[-2:]
    if size > h or size > w:
        raise ValueError(f"size must be at most the map size {h}x{w}, got {size}")
    out_h, out_w = -(-(h - size) // stride) + 1, -(-(w - size) // stride) + 1
    out = np.empty(maps.shape[:-2] + (out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = maps[..., i * stride : i * stride + size, j * stride : j * stride + size]
            out[..., i, j] = window.max(axis=(-2, -1))
    return out


def xo_forward(img: object, features: object = None, *, num_pools: int = 2) -> dict:
    """The stacked layers by hand: convolution, ReLU, then max pooling ``num_pools`` times.

    Returns:
        ``{"maps": (F, 7, 7), "relu": (F, 7, 7), "pool1": (F, 4, 4), "pool2": (F, 2, 2),
        "values": (F * 2 * 2,)}`` for a 9x9 image; ``values`` is the last stage flattened,
        the list of feature values that votes.
    """
    feats = xo_features() if features is None else _array(features, "features", (3,))
    stages = {"maps": convolve(img, feats)}
    stages["relu"] = relu(stages["maps"])
    out = stages["relu"]
    for k in range(1, _positive_int(num_pools, "num_pools") + 1):
        out = stages[f"pool{k}"] = max_pool(out)
    stages["values"] = out.reshape(-1)
    return stages


def fc_votes(values: object, weights: object) -> np.ndarray:
    """Fully connected votes: each class's weighted average of the feature values.

    Args:
        values: (n,) feature values.
        weights: (C, n) non-negative vote weights, one row per class.

    Returns:
        (C,) votes, ``weights @ values / weights.sum(1)``.
    """
    values = _array(values, "values", (1,))
    weights = _array(weights, "weights", (2,))
    if weights.shape[1] != len(values):
        raise ValueError(
            f"weights must be (C, {len(values)}) for {len(values)} values, got {weights.shape}"
        )
    if (weights < 0).any() or (weights.sum(axis=1) <= 0).any():
        raise ValueError("weights must be non-negative with a positive sum in every row")
    return weights @ values / weights.sum(axis=1)


def hand_vote_weights(features: object = None) -> np.ndarray:
    """Hand-made votes (2, n): a value votes for the class whose canonical image it favours.

    With ``v_x`` and ``v_o`` the feature values of the canonical X and O (``xo_forward``),
    row 0 (X) is ``max(v_x - v_o, 0)`` and row 1 (O) is ``max(v_o - v_x, 0)``: a value that
    is high on the X and low on the O is evidence for X, and the reverse.
    """
    v_x, v_o = (xo_forward(xo_image(k), features)["values"] for k in ("x", "o"))
    return np.stack([np.maximum(v_x - v_o, 0.0), np.maximum(v_o - v_x, 0.0)])


def classify_xo(img: object, features: object = None, weights: object = None) -> str:
    """``"X"`` or ``"O"``: the class with the larger vote after the hand-made layers."""
    weights = hand_vote_weights(features) if weights is None else weights
    return CLASSES[int(np.argmax(fc_votes(xo_forward(img, features)["values"], weights)))]


def xo_dataset(
    num_images: int,
    *,
    size: int = 9,
    noise: float = 0.3,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random X's and O's: shifted, rotated, scaled, of varying stroke width, plus noise.

    Returns:
        ``(images, labels)``: (N, 1, size, size) float32 (+-1 plus Gaussian noise of std
        ``noise``) and (N,) int64 (0 = X, 1 = O, half of each).
    """
    num_images = _positive_int(num_images, "num_images")
    if not noise >= 0:
        raise ValueError(f"noise must be non-negative, got {noise!r}")
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    labels = torch.randperm(num_images, generator=gen) % 2
    params = torch.rand(num_images, 5, generator=gen, dtype=torch.float64).numpy()
    images = np.empty((num_images, 1, size, size), dtype=np.float32)
    for n, (dy, dx, rot, width, grow) in enumerate(params):
        images[n, 0] = xo_image(
            CLASSES[int(labels[n])],
            size=size,
            shift=(2 * dy - 1, 2 * dx - 1),
            angle=50 * rot - 25,
            thickness=1 + width,
            scale=0.7 + 0.35 * grow,
        )
    images += noise * torch.randn(images.shape, generator=gen).numpy()
    return torch.from_numpy(images), labels


class TinyXONet(nn.Module):
    """conv 3x3 -> ReLU -> max pool (ceil) -> conv 3x3 -> ReLU -> max pool -> linear votes.

    The hand-made network in PyTorch, with learned features: the first layer's filters play
    the part of the slides' diagonal / small X features. Input (N, 1, size, size), output
    (N, 2) logits (X, O).
    """

    def __init__(self, num_features: int = 4, *, size: int = 9) -> None:
        super().__init__()
        self.num_features = _positive_int(num_features, "num_features")
        self.size = _positive_int(size, "size")
        if size < 5:
            raise ValueError(f"size must be at least 5, got {size}")
        pooled = math.ceil(math.ceil((size - 2) / 2) / 2)
        self.conv_first = nn.Conv2d(1, num_features, 3)
        self.body = nn.Sequential(
            nn.ReLU(),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.Conv2d(num_features, 2 * num_features, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.Flatten(),
        )
        self.votes = nn.Linear(2 * num_features * pooled * pooled, len(CLASSES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1:] != (1, self.size, self.size):
            raise ValueError(f"x must be (N, 1, {self.size}, {self.size}), got {tuple(x.shape)}")
        return self.votes(self.body(self.conv_first(x)))


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of ``images`` (N, C, H, W) whose argmax logit equals ``labels`` (N,)."""
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(
            f"images and labels must be non-empty and of equal length, got "
            f"{len(images)} and {len(labels)}"
        )
    model.eval()
    device = next(model.parameters()).device
    predicted = model(images.to(device)).argmax(dim=1).cpu()
    return float((predicted == labels.cpu()).float().mean())
