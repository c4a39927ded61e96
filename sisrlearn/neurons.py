"""Neurons by hand: the four-pixel camera network and the activation functions.

The second half of chapter 02 (re-exported by ``sisrlearn.toyconv``). Pixels are in
[-1, 1] (+1 white, -1 black); a 2x2 image is flattened row by row to (tl, tr, bl, br).

Slides: B. Rohrer, "How neural networks work", e2eml.school, 2017.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "CATEGORIES",
    "ACTIVATIONS",
    "MAXOUT_PIECES",
    "four_pixel_patterns",
    "four_pixel_dataset",
    "weighted_sum",
    "neuron",
    "FourPixelNet",
    "activation",
    "activation_grad",
    "activation_torch",
    "gradient_norms",
]

CATEGORIES = ("solid", "vertical", "diagonal", "horizontal")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "maxout", "elu")
MAXOUT_PIECES = ((1.0, 0.0), (0.0, 0.0), (-0.5, -1.5))  # (slope, intercept) of each line

# Hand-made weights, pixel order (tl, tr, bl, br). Every weight is 1, -1 or 0.
_RECEPTIVE = [[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, -1, 0], [0, 1, 0, -1]]  # column sums, diffs
_COMBINE = [[1, 1, 0, 0], [1, -1, 0, 0], [0, 0, 1, -1], [0, 0, 1, 1]]  # solid, vert, diag, horiz
_RECTIFY = [[s * (j == k) for j in range(4)] for k in range(4) for s in (1, -1)]  # +/- polarity
_OUTPUT = [[1 if j // 2 == k else 0 for j in range(8)] for k in range(4)]  # both polarities


def four_pixel_patterns() -> tuple[np.ndarray, np.ndarray]:
    """The 8 canonical 2x2 images, each category in both polarities.

    Returns:
        ``(images, labels)``: (8, 2, 2) in {-1, 1} and (8,) indices into ``CATEGORIES``.
    """
    base = np.array(
        [[[1, 1], [1, 1]], [[1, -1], [1, -1]], [[1, -1], [-1, 1]], [[1, 1], [-1, -1]]],
        dtype=np.float64,
    )
    images = np.stack([sign * img for img in base for sign in (1, -1)])
    return images, np.repeat(np.arange(4), 2)


def four_pixel_dataset(
    num_images: int, *, noise: float = 0.15, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random camera images: a canonical pattern at a random contrast in [0.4, 1], plus noise.

    Returns:
        ``(pixels, labels)``: (N, 4) float32 in [-1, 1] (tl, tr, bl, br) and (N,) int64.
    """
    if isinstance(num_images, bool) or not isinstance(num_images, int) or num_images < 1:
        raise ValueError(f"num_images must be a positive int, got {num_images!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be non-negative, got {noise!r}")
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    images, labels = four_pixel_patterns()
    pick = torch.randint(0, 8, (num_images,), generator=gen)
    contrast = 0.4 + 0.6 * torch.rand(num_images, 1, generator=gen)
    pixels = torch.from_numpy(images.reshape(8, 4)).float()[pick] * contrast
    pixels = pixels + noise * torch.randn(pixels.shape, generator=gen)
    return pixels.clamp(-1, 1), torch.from_numpy(labels)[pick]


def _numbers(x: object, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numbers, got {type(x).__name__}") from err


def _vector(x: object, name: str) -> np.ndarray:
    arr = _numbers(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D list of numbers, got shape {arr.shape}")
    return arr


def weighted_sum(inputs: object, weights: object) -> float:
    """The first half of a neuron: sum of input x weight (the slide's example gives -1.075)."""
    inputs, weights = _vector(inputs, "inputs"), _vector(weights, "weights")
    if inputs.shape != weights.shape:
        raise ValueError(
            f"inputs and weights must have the same length, got {len(inputs)} and {len(weights)}"
        )
    return float(inputs @ weights)


def neuron(inputs: object, weights: object) -> float:
    """A neuron: the weighted sum, squashed into (-1, 1) by tanh."""
    return math.tanh(weighted_sum(inputs, weights))


class FourPixelNet(nn.Module):
    """The four-pixel camera network: 4 pixels -> 4 tanh -> 4 tanh -> 8 ReLU -> 4 categories.

    ``FourPixelNet(hand=True)`` holds the hand-made weights (1, -1, 0): the first layer sees
    two pixels each (left/right column sums and differences), the second combines them into
    solid / vertical / diagonal / horizontal detectors of either sign, the ReLU layer splits
    each sign, the output adds both polarities. ``hand=False`` starts from random weights.
    Input (N, 4) pixels in [-1, 1]; output (N, 4) scores, one per ``CATEGORIES``.
    """

    def __init__(self, *, hand: bool = False) -> None:
        super().__init__()
        self.receptive = nn.Linear(4, 4, bias=False)
        self.combine = nn.Linear(4, 4, bias=False)
        self.rectify = nn.Linear(4, 8, bias=False)
        self.output = nn.Linear(8, 4, bias=False)
        if hand:
            with torch.no_grad():
                weights = (_RECEPTIVE, _COMBINE, _RECTIFY, _OUTPUT)
                for layer, weight in zip(self.layers(), weights, strict=True):
                    layer.weight.copy_(torch.tensor(weight, dtype=torch.float32))

    def layers(self) -> tuple[nn.Linear, ...]:
        return self.receptive, self.combine, self.rectify, self.output

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        if pixels.dim() != 2 or pixels.shape[1] != 4:
            raise ValueError(f"pixels must be (N, 4) (tl, tr, bl, br), got {tuple(pixels.shape)}")
        hidden = torch.tanh(self.combine(torch.tanh(self.receptive(pixels))))
        return self.output(torch.relu(self.rectify(hidden)))


def _check_name(name: object) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"name must be one of {ACTIVATIONS}, got {name!r}")
    return name


def _maxout_lines(x: np.ndarray) -> np.ndarray:
    return np.stack([slope * x + intercept for slope, intercept in MAXOUT_PIECES])


def activation(name: str, x: object) -> np.ndarray:
    """An activation function in NumPy: sigmoid, tanh, relu, leaky_relu (0.1x), maxout, elu.

    Maxout is the upper envelope of the lines ``MAXOUT_PIECES`` (a learned, convex shape;
    ReLU is the maxout of ``x`` and ``0``). ELU uses alpha = 1.
    """
    x = _numbers(x, "x")
    values = {
        "sigmoid": lambda: 1 / (1 + np.exp(-x)),
        "tanh": lambda: np.tanh(x),
        "relu": lambda: np.maximum(x, 0),
        "leaky_relu": lambda: np.where(x > 0, x, 0.1 * x),
        "maxout": lambda: _maxout_lines(x).max(axis=0),
        "elu": lambda: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    }
    return values[_check_name(name)]()


def activation_grad(name: str, x: object) -> np.ndarray:
    """The derivative of ``activation(name, x)`` with respect to ``x``, written out by hand."""
    x = _numbers(x, "x")
    slopes = np.array([slope for slope, _ in MAXOUT_PIECES])
    grads = {
        "sigmoid": lambda: activation("sigmoid", x) * (1 - activation("sigmoid", x)),
        "tanh": lambda: 1 - np.tanh(x) ** 2,
        "relu": lambda: (x > 0).astype(np.float64),
        "leaky_relu": lambda: np.where(x > 0, 1.0, 0.1),
        "maxout": lambda: slopes[_maxout_lines(x).argmax(axis=0)],
        "elu": lambda: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))),
    }
    return grads[_check_name(name)]()


def activation_torch(name: str, x: torch.Tensor) -> torch.Tensor:
    """The same activations from ``torch`` / ``torch.nn.functional`` (the test oracle)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if _check_name(name) == "maxout":
        return torch.stack([slope * x + intercept for slope, intercept in MAXOUT_PIECES]).amax(0)
    functions = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "elu": F.elu,
        "leaky_relu": lambda t: F.leaky_relu(t, 0.1),
    }
    return functions[name](x)


def gradient_norms(
    name: str, *, depth: int = 20, width: int = 32, generator: torch.Generator | None = None
) -> np.ndarray:
    """Gradient norm of each layer's weights in a deep chain of Linear + activation layers.

    Every layer starts from N(0, 2 / width) weights (He init); the loss is the mean square of
    the output for a batch of 64 random inputs. With sigmoid (slope at most 1/4) the norms
    shrink geometrically toward the first layer: the vanishing gradient.

    Returns:
        (depth,) norms, first layer first.
    """
    _check_name(name)
    for label, value in (("depth", depth), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{label} must be a positive int, got {value!r}")
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    weights = [
        (
            torch.randn(width, width, generator=gen, dtype=torch.float64) * math.sqrt(2 / width)
        ).requires_grad_()
        for _ in range(depth)
    ]
    out = torch.randn(64, width, generator=gen, dtype=torch.float64)
    for weight in weights:
        out = activation_torch(name, out @ weight.T)
    (out**2).mean().backward()
    return np.array([float(w.grad.norm()) for w in weights])
