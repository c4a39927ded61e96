"""Exercise 02 checkers: the toy X/O convnet by hand and the four-pixel neuron."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._core import run_cases


def _slide_x_and_features() -> tuple[np.ndarray, np.ndarray]:
    """The slides' 9x9 X (+1 on both diagonals, -1 elsewhere) and its three 3x3 features."""
    x_img = -np.ones((9, 9))
    for i in range(1, 8):
        x_img[i, i] = x_img[i, 8 - i] = 1.0
    diagonal = 2 * np.eye(3) - 1
    features = np.stack([diagonal, np.maximum(diagonal, diagonal[:, ::-1]), diagonal[:, ::-1]])
    return x_img, features


def _torch_match_map(img: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Oracle: ``F.conv2d`` (a correlation, no flip), divided by the feature's pixel count."""
    out = torch.nn.functional.conv2d(
        torch.from_numpy(img)[None, None], torch.from_numpy(feature)[None, None]
    )
    return out[0, 0].numpy() / feature.size


def check_filter_match(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 02: ``filter_match(patch, feature)``, the mean of the elementwise products."""
    x_img, features = _slide_x_and_features()
    gen = np.random.default_rng(2)
    patch, feature = gen.uniform(-1, 1, (2, 4, 4))
    cases = [
        (
            "diagonal feature on the X's top-left arm",
            (x_img[1:4, 1:4], features[0]),
            1.0,
            "a perfect match of +-1 values gives exactly 1: multiply pixel by pixel, then average",
        ),
        (
            "diagonal feature on the X's centre (slide: .55)",
            (x_img[3:6, 3:6], features[0]),
            5 / 9,
            "7 pixels agree (+1) and 2 disagree (-1): (7 - 2) / 9 = 0.5556",
        ),
        (
            "4x4 random patch and feature",
            (patch, feature),
            float(np.mean(patch * feature)),
            "divide by the number of pixels in the feature (16 here), not by 9",
        ),
    ]
    return run_cases("check_filter_match", student_fn, cases, atol=1e-6, strict=strict)


def check_conv2d_by_hand(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 02: ``conv2d_by_hand(img, feature)``, every filter match (valid, no flip)."""
    x_img, features = _slide_x_and_features()
    gen = np.random.default_rng(3)
    img, skewed = (
        gen.uniform(-1, 1, (6, 5)),
        np.array([[1.0, 0.5, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -0.5]]),
    )
    cases = [
        (
            "X with the diagonal feature (slide: 0.77 -0.11 0.11 ...)",
            (x_img, features[0]),
            _torch_match_map(x_img, features[0]),
            "one filter match per position: a 9x9 image and a 3x3 feature give a 7x7 map",
        ),
        (
            "X with the small-X feature (slide: centre 1.00)",
            (x_img, features[1]),
            _torch_match_map(x_img, features[1]),
            "divide every sum of products by 9",
        ),
        (
            "6x5 random image, lopsided 3x3 feature",
            (img, skewed),
            _torch_match_map(img, skewed),
            "do not flip the feature (F.conv2d is a correlation); the X features are symmetric, "
            "so only a lopsided feature shows the difference",
        ),
        (
            "6x5 random image, 2x2 feature",
            (img, skewed[:2, :2]),
            _torch_match_map(img, skewed[:2, :2]),
            "the map is (H - k + 1, W - k + 1) and each value is a mean over k*k pixels",
        ),
    ]
    return run_cases("check_conv2d_by_hand", student_fn, cases, atol=1e-6, strict=strict)


def check_max_pool_by_hand(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 02: ``max_pool_by_hand(fmap)``, window 2, stride 2, partial edge windows kept."""
    x_img, features = _slide_x_and_features()
    relu_map = np.maximum(_torch_match_map(x_img, features[0]), 0)
    negative = -np.arange(1.0, 31.0).reshape(5, 6)

    def oracle(fmap: np.ndarray) -> np.ndarray:
        pooled = torch.nn.functional.max_pool2d(torch.from_numpy(fmap)[None], 2, 2, ceil_mode=True)
        return pooled[0].numpy()

    cases = [
        (
            "7x7 map of the X (slide: 1.00 0.33 0.55 0.33 ...)",
            (relu_map,),
            oracle(relu_map),
            "a 7x7 map gives 4x4: keep the partial windows at the right and bottom edges "
            "(ceil mode), do not drop them",
        ),
        (
            "5x6 map of negative values",
            (negative,),
            oracle(negative),
            "an edge window holds fewer pixels: take the max of those, do not pad with zeros",
        ),
        (
            "4x4 map",
            (relu_map[:4, :4],),
            oracle(relu_map[:4, :4]),
            "each output pixel is the max of a 2x2 window; windows step by 2",
        ),
    ]
    return run_cases("check_max_pool_by_hand", student_fn, cases, atol=1e-6, strict=strict)


def check_neuron(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 02: ``neuron(inputs, weights)``: the weighted sum squashed by tanh into (-1, 1)."""
    inputs, weights = np.array([0.5, 0.0, -0.75, 0.75]), np.array([-0.2, 0.0, 0.8, -0.5])
    cases = [
        (
            "the slide's neuron (weighted sum -1.075)",
            (inputs, weights),
            np.tanh(-1.075),
            "first the weighted sum (-1.075 here), then squash it with tanh",
        ),
        (
            "all weights zero",
            (inputs, np.zeros(4)),
            0.0,
            "tanh(0) = 0: the squash is centred on 0 (a logistic sigmoid would give 0.5)",
        ),
        (
            "strong positive evidence",
            (np.ones(4), np.full(4, 2.0)),
            np.tanh(8.0),
            "the output stays inside (-1, 1) however large the sum",
        ),
    ]
    return run_cases("check_neuron", student_fn, cases, atol=1e-6, strict=strict)
