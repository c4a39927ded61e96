"""Exercise checkers: ``check_<name>(student_fn)`` runs small cases and says what failed.

A checker prints one line per failed case (the input, expected vs got, and a hint) or a
single line when everything passed, and returns True/False. With ``strict=True`` (or the
environment variable ``SISRLEARN_STRICT_CHECKS=1``, which ``make test`` sets when it runs
the solution notebooks) a failure also raises ``CheckFailed``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import torch

__all__ = [
    "CheckFailed", "check_psnr", "check_rgb_to_y", "check_cubic", "check_filter_match",
    "check_conv2d_by_hand", "check_max_pool_by_hand", "check_neuron",
    "check_srcnn", "check_train_step", "check_psnr_y",
]  # fmt: skip


class CheckFailed(AssertionError):
    """Raised by a checker in strict mode when the student's function is wrong."""


def _strict(strict: bool | None) -> bool:
    if strict is not None:
        return strict
    return os.environ.get("SISRLEARN_STRICT_CHECKS", "0") in {"1", "true", "yes"}


def _fmt(value) -> str:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return np.array2string(np.asarray(value, dtype=float), precision=4, threshold=8)
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def run_cases(
    name: str,
    student_fn: Callable,
    cases: list[tuple[str, tuple, object, str]],
    *,
    atol: float = 1e-4,
    strict: bool | None = None,
) -> bool:
    """Call ``student_fn(*args)`` for each ``(what, args, expected, hint)`` and report."""
    failures = []
    for what, args, expected, hint in cases:
        try:
            got = student_fn(*args)
        except NotImplementedError:
            failures.append(f"{what}: not implemented yet (replace the raise with your code)")
            break
        except Exception as err:  # noqa: BLE001 - we report any error to the student
            failures.append(f"{what}: raised {type(err).__name__}: {err}. Hint: {hint}")
            continue
        try:
            got_t = torch.as_tensor(got, dtype=torch.float64).cpu()
            ok = got_t.shape == torch.as_tensor(expected).shape and torch.allclose(
                got_t, torch.as_tensor(expected, dtype=torch.float64), atol=atol, rtol=0
            )
        except (TypeError, ValueError, RuntimeError):
            ok = False
        if not ok:
            failures.append(f"{what}: expected {_fmt(expected)}, got {_fmt(got)}. Hint: {hint}")
    if not failures:
        print(f"[ok] {name}: all {len(cases)} checks passed")
        return True
    print(f"[failed] {name}: {len(failures)} problem(s)")
    for line in failures:
        print("  - " + line)
    if _strict(strict):
        raise CheckFailed(f"{name}: " + failures[0])
    return False


def check_psnr(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 01: ``psnr(sr, hr)`` for tensors in [0, 1] (peak 1), in dB."""
    from skimage.metrics import peak_signal_noise_ratio

    gen = torch.Generator().manual_seed(1)
    hr = torch.rand(1, 16, 16, generator=gen, dtype=torch.float64)
    sr = (hr + 0.05 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    reference = peak_signal_noise_ratio(hr.numpy(), sr.numpy(), data_range=1.0)
    flat_hr = torch.zeros(1, 2, 2, dtype=torch.float64)
    cases = [
        ("sr = 0.1 everywhere, hr = 0 (MSE 0.01)", (flat_hr + 0.1, flat_hr), 20.0,
         "PSNR = 10 * log10(1 / MSE); MSE is the mean of the squared differences"),
        ("sr = 0.5, hr = 0 (MSE 0.25)", (flat_hr + 0.5, flat_hr), 10 * np.log10(4.0),
         "use log10, not the natural log, and square the differences"),
        ("noisy 16x16 image vs skimage", (sr, hr), reference,
         "average the squared error over every pixel and channel before the log"),
    ]  # fmt: skip
    return run_cases("check_psnr", student_fn, cases, atol=1e-3, strict=strict)


def check_rgb_to_y(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 01: ``rgb_to_y(img)`` (3, H, W) RGB in [0, 1] -> (1, H, W) Y/255 (BT.601)."""
    colours = torch.tensor([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.2, 0.5, 0.9]],
                           dtype=torch.float64)  # fmt: skip
    img = colours.T.reshape(3, 1, 4)
    expected = (16 + colours @ torch.tensor([65.481, 128.553, 24.966], dtype=torch.float64)) / 255
    cases = [
        ("black pixel", (img[:, :, :1],), torch.tensor([[[16 / 255]]]),
         "Y has an offset: 16/255 for black (studio swing)"),
        ("white pixel", (img[:, :, 1:2],), torch.tensor([[[235 / 255]]]),
         "white maps to 235/255: the weights 65.481, 128.553, 24.966 sum to 219"),
        ("four colours", (img,), expected.reshape(1, 1, 4),
         "BT.601: (16 + 65.481 R + 128.553 G + 24.966 B) / 255, shape (1, H, W)"),
    ]  # fmt: skip
    return run_cases("check_rgb_to_y", student_fn, cases, atol=1e-6, strict=strict)


def check_cubic(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 01: Keys' cubic kernel ``cubic(x)`` with a = -0.5, for a tensor of offsets."""
    from .resize import cubic

    x = torch.linspace(-2.5, 2.5, 21, dtype=torch.float64)
    cases = [
        ("cubic(0) and cubic(1)", (torch.tensor([0.0, 1.0], dtype=torch.float64),),
         torch.tensor([1.0, 0.0]), "the kernel interpolates: 1 at 0, 0 at every other integer"),
        ("cubic(0.5)", (torch.tensor([0.5], dtype=torch.float64),), torch.tensor([0.5625]),
         "use a = -0.5 (MATLAB); a = -0.75 (OpenCV) gives 0.59375"),
        ("cubic(1.5) (negative lobe)", (torch.tensor([1.5], dtype=torch.float64),),
         torch.tensor([-0.0625]), "for 1 < |x| <= 2: a|x|^3 - 5a|x|^2 + 8a|x| - 4a"),
        ("21 offsets from -2.5 to 2.5", (x,), cubic(x),
         "use |x| so the kernel is symmetric, and return 0 beyond |x| = 2"),
    ]  # fmt: skip
    return run_cases("check_cubic", student_fn, cases, atol=1e-6, strict=strict)


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
    out = torch.nn.functional.conv2d(torch.from_numpy(img)[None, None],
                                     torch.from_numpy(feature)[None, None])  # fmt: skip
    return out[0, 0].numpy() / feature.size


def check_filter_match(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 02: ``filter_match(patch, feature)``, the mean of the elementwise products."""
    x_img, features = _slide_x_and_features()
    gen = np.random.default_rng(2)
    patch, feature = gen.uniform(-1, 1, (2, 4, 4))
    cases = [
        ("diagonal feature on the X's top-left arm", (x_img[1:4, 1:4], features[0]), 1.0,
         "a perfect match of +-1 values gives exactly 1: multiply pixel by pixel, then average"),
        ("diagonal feature on the X's centre (slide: .55)", (x_img[3:6, 3:6], features[0]),
         5 / 9, "7 pixels agree (+1) and 2 disagree (-1): (7 - 2) / 9 = 0.5556"),
        ("4x4 random patch and feature", (patch, feature), float(np.mean(patch * feature)),
         "divide by the number of pixels in the feature (16 here), not by 9"),
    ]  # fmt: skip
    return run_cases("check_filter_match", student_fn, cases, atol=1e-6, strict=strict)


def check_conv2d_by_hand(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 02: ``conv2d_by_hand(img, feature)``, every filter match (valid, no flip)."""
    x_img, features = _slide_x_and_features()
    gen = np.random.default_rng(3)
    img, skewed = gen.uniform(-1, 1, (6, 5)), np.array([[1.0, 0.5, 0.0], [0.0, -1.0, 0.0],
                                                         [0.0, 0.0, -0.5]])  # fmt: skip
    cases = [
        ("X with the diagonal feature (slide: 0.77 -0.11 0.11 ...)", (x_img, features[0]),
         _torch_match_map(x_img, features[0]),
         "one filter match per position: a 9x9 image and a 3x3 feature give a 7x7 map"),
        ("X with the small-X feature (slide: centre 1.00)", (x_img, features[1]),
         _torch_match_map(x_img, features[1]), "divide every sum of products by 9"),
        ("6x5 random image, lopsided 3x3 feature", (img, skewed),
         _torch_match_map(img, skewed),
         "do not flip the feature (F.conv2d is a correlation); the X features are symmetric, "
         "so only a lopsided feature shows the difference"),
        ("6x5 random image, 2x2 feature", (img, skewed[:2, :2]),
         _torch_match_map(img, skewed[:2, :2]),
         "the map is (H - k + 1, W - k + 1) and each value is a mean over k*k pixels"),
    ]  # fmt: skip
    return run_cases("check_conv2d_by_hand", student_fn, cases, atol=1e-6, strict=strict)


def check_max_pool_by_hand(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 02: ``max_pool_by_hand(fmap)``, window 2, stride 2, partial edge windows kept."""
    x_img, features = _slide_x_and_features()
    relu_map = np.maximum(_torch_match_map(x_img, features[0]), 0)
    negative = -np.arange(1.0, 31.0).reshape(5, 6)

    def oracle(fmap: np.ndarray) -> np.ndarray:
        pooled = torch.nn.functional.max_pool2d(torch.from_numpy(fmap)[None], 2, 2,
                                                ceil_mode=True)  # fmt: skip
        return pooled[0].numpy()

    cases = [
        ("7x7 map of the X (slide: 1.00 0.33 0.55 0.33 ...)", (relu_map,), oracle(relu_map),
         "a 7x7 map gives 4x4: keep the partial windows at the right and bottom edges "
         "(ceil mode), do not drop them"),
        ("5x6 map of negative values", (negative,), oracle(negative),
         "an edge window holds fewer pixels: take the max of those, do not pad with zeros"),
        ("4x4 map", (relu_map[:4, :4],), oracle(relu_map[:4, :4]),
         "each output pixel is the max of a 2x2 window; windows step by 2"),
    ]  # fmt: skip
    return run_cases("check_max_pool_by_hand", student_fn, cases, atol=1e-6, strict=strict)


def check_neuron(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 02: ``neuron(inputs, weights)``: the weighted sum squashed by tanh into (-1, 1)."""
    inputs, weights = np.array([0.5, 0.0, -0.75, 0.75]), np.array([-0.2, 0.0, 0.8, -0.5])
    cases = [
        ("the slide's neuron (weighted sum -1.075)", (inputs, weights), np.tanh(-1.075),
         "first the weighted sum (-1.075 here), then squash it with tanh"),
        ("all weights zero", (inputs, np.zeros(4)), 0.0,
         "tanh(0) = 0: the squash is centred on 0 (a logistic sigmoid would give 0.5)"),
        ("strong positive evidence", (np.ones(4), np.full(4, 2.0)), np.tanh(8.0),
         "the output stays inside (-1, 1) however large the sum"),
    ]  # fmt: skip
    return run_cases("check_neuron", student_fn, cases, atol=1e-6, strict=strict)


# ------------------------------------------------------------------ chapter 04: SRCNN


def check_srcnn(student_cls: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 04: ``SRCNN(f1=9, f2=5, f3=5, n1=64, n2=32)``, valid convolutions, layers
    ``conv1``, ``conv2``, ``conv3`` (``nn.Conv2d``), ReLU after the first two."""
    from .models.srcnn import SRCNN

    def probe(what: str):
        if what == "params-955":
            return sum(p.numel() for p in student_cls().parameters())
        if what == "params-915":
            return sum(p.numel() for p in student_cls(f2=1).parameters())
        model, reference = student_cls(), SRCNN(padding="valid")
        _reference_weights(reference)
        model.load_state_dict(reference.state_dict())
        x = torch.rand(1, 1, 33, 33, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            out = model(x)
        return out.shape[-1] if what == "shape" else out

    x = torch.rand(1, 1, 33, 33, generator=torch.Generator().manual_seed(1))
    reference = _reference_weights(SRCNN(padding="valid"))
    with torch.no_grad():
        expected = reference(x)
    cases = [
        ("parameters of 9-5-5 (n1=64, n2=32)", ("params-955",), 57_281,
         "conv1: 1->n1 f1 x f1, conv2: n1->n2 f2 x f2, conv3: n2->1 f3 x f3, all with bias"),
        ("parameters of 9-1-5", ("params-915",), 8_129, "pass f2 on to conv2's kernel size"),
        ("output side for a 33x33 input", ("shape",), 17,
         "valid convolutions: no padding, 33 - 8 - 4 - 4 = 17"),
        ("output with the reference weights", ("forward",), expected,
         "ReLU after conv1 and conv2, none after conv3"),
    ]  # fmt: skip
    return run_cases("check_srcnn", probe, cases, atol=1e-5, strict=strict)


def _reference_weights(model: torch.nn.Module) -> torch.nn.Module:
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.1 * torch.randn(p.shape, generator=gen))
        model.conv3.bias.fill_(-0.2)  # some outputs negative: a ReLU after conv3 shows
    return model


def check_train_step(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 04: ``train_step(model, optimizer, x, y) -> float``: one MSE step, the loss
    before the update returned."""
    from torch import nn

    def run(fn, steps: int, lr: float):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 1, 3))
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        x = torch.rand(4, 1, 9, 9, generator=torch.Generator().manual_seed(2))
        y = torch.rand(4, 1, 5, 5, generator=torch.Generator().manual_seed(3))
        losses = [float(fn(model, opt, x, y)) for _ in range(steps)]
        with torch.no_grad():
            checksum = float(sum(p.sum() for p in model.parameters()))
        return torch.tensor([*losses, checksum])

    def reference(model, opt, x, y):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    cases = [
        ("one step: the loss and the updated weights", (1, 0.1), run(reference, 1, 0.1),
         "loss = mse(model(x), y); zero_grad, backward, step; return loss.item()"),
        ("three steps in a row", (3, 0.1), run(reference, 3, 0.1),
         "call optimizer.zero_grad() every step, or the gradients add up"),
    ]  # fmt: skip
    return run_cases("check_train_step", lambda n, lr: run(student_fn, n, lr), cases,
                     atol=1e-5, strict=strict)  # fmt: skip


def check_psnr_y(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 04: ``psnr_y(sr_y, hr_y, scale)``: the SRCNN/VDSR test protocol on Y images
    (1, H, W) in [0, 1]: clip and round to 8 bits, shave ``scale`` pixels, PSNR peak 255."""
    from .metrics import evaluate

    gen = torch.Generator().manual_seed(4)
    hr = torch.rand(1, 24, 24, generator=gen, dtype=torch.float64)
    sr = hr + 0.03 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)
    border = sr.clone()
    border[:, :, :2] = 1.0  # a large error in the 2-pixel border: shaved at scale 2
    cases = [
        ("noisy 24x24, scale 3", (sr, hr, 3), evaluate(sr, hr, 3)["psnr"],
         "round(clip(img, 0, 1) * 255) for both, then shave scale pixels from every side"),
        ("a large error in the border, scale 2", (border, hr, 2), evaluate(border, hr, 2)["psnr"],
         "shave scale pixels from EVERY border"),
        ("values above 1 (clip them first)", (sr + 0.2, hr, 4), evaluate(sr + 0.2, hr, 4)["psnr"],
         "clip to [0, 1] before rounding, as saving an 8-bit image does"),
    ]  # fmt: skip
    return run_cases("check_psnr_y", student_fn, cases, atol=1e-3, strict=strict)
