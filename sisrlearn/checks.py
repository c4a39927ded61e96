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
    "check_soft_threshold", "check_ista_step", "check_sr_patch",
    "check_pixel_shuffle", "check_residual_block", "check_recursive_ensemble",
    "check_optimal_discriminator", "check_nonsaturating_loss", "check_hinge_loss",
    "check_mmse_prediction", "check_gradient_energy", "check_high_frequency_energy",
    "check_discriminator_shapes", "check_perceptual_loss", "check_srgan_generator_loss",
    "check_soft_encode", "check_rebalancing_weights", "check_annealed_mean",
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


# ------------------------------------------------------------------ chapter 05: fast and deep


def check_pixel_shuffle(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 05: ``pixel_shuffle(x, scale)``: (N, C r^2, h, w) -> (N, C, r h, r w) by
    reshape/permute, equal to ``nn.PixelShuffle(scale)``."""
    gen = torch.Generator().manual_seed(5)
    x2 = torch.arange(16.0).reshape(1, 4, 2, 2)
    x3 = torch.randn(2, 18, 3, 4, generator=gen)
    cases = [
        ("4 channels of 2x2 -> one 4x4 image (scale 2)", (x2, 2), torch.pixel_shuffle(x2, 2),
         "out[c, r*i + a, r*j + b] = x[c*r*r + a*r + b, i, j]: reshape to (N, C, r, r, h, w), "
         "permute to (N, C, h, r, w, r), reshape to (N, C, r h, r w)"),
        ("2 images, 2 output channels, scale 3", (x3, 3), torch.pixel_shuffle(x3, 3),
         "the r*r channels of one output channel are consecutive: channel c*r*r + a*r + b"),
    ]  # fmt: skip
    return run_cases("check_pixel_shuffle", student_fn, cases, atol=1e-6, strict=strict)


def check_residual_block(student_cls: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 05: ``ResidualBlock(num_features, res_scale=1.0)`` with ``conv1``, ``conv2``
    (3x3, padding 1, bias) computing ``x + res_scale * conv2(relu(conv1(x)))`` (EDSR)."""
    from torch import nn

    from .models.srresnet import ResidualBlock

    gen = torch.Generator().manual_seed(6)
    x = torch.randn(2, 8, 6, 5, generator=gen)

    def reference(res_scale: float) -> nn.Module:
        block = ResidualBlock(8, batchnorm=False, activation="relu", res_scale=res_scale)
        g = torch.Generator().manual_seed(7)
        with torch.no_grad():
            for p in block.parameters():
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
        return block

    def probe(what: str, res_scale: float):
        if what == "params":
            return sum(p.numel() for p in student_cls(8).parameters())
        block, ref = student_cls(8, res_scale=res_scale), reference(res_scale)
        with torch.no_grad():
            block.conv1.weight.copy_(ref.body[0].weight)
            block.conv1.bias.copy_(ref.body[0].bias)
            block.conv2.weight.copy_(ref.body[2].weight)
            block.conv2.bias.copy_(ref.body[2].bias)
            out = block(x)
        return out.shape[-2:] if what == "shape" else out

    with torch.no_grad():
        expected = reference(1.0)(x)
        scaled = reference(0.1)(x)
    cases = [
        ("parameters of a block with 8 features", ("params", 1.0), 2 * (8 * 8 * 9 + 8),
         "two nn.Conv2d(num_features, num_features, 3, padding=1), with bias"),
        ("output size equals input size", ("shape", 1.0), torch.tensor([6, 5]),
         "padding=1 keeps the size, so that x can be added"),
        ("output with the reference weights", ("forward", 1.0), expected,
         "return x + conv2(relu(conv1(x))): ReLU between the convs, none after the sum"),
        ("res_scale=0.1", ("forward", 0.1), scaled,
         "multiply the residual (not x) by res_scale before adding"),
    ]  # fmt: skip
    return run_cases("check_residual_block", probe, cases, atol=1e-5, strict=strict)


def check_recursive_ensemble(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 05: ``recursive_ensemble(h, x, recursive_conv, reconstruct, weights)``: DRCN's
    inference: ``len(weights)`` times ``h = relu(recursive_conv(h))``, each ``y_d =
    reconstruct(h) + x``, return ``sum_d weights[d] * y_d``."""
    from .models.drcn import DRCN

    torch.manual_seed(8)
    model = DRCN(recursions=4, num_features=6)
    with torch.no_grad():
        model.reconstruct[-1].weight.normal_(std=0.1)
        model.ensemble_weights.copy_(torch.tensor([0.1, 0.2, 0.3, 0.4]))
    x = torch.rand(2, 1, 7, 7, generator=torch.Generator().manual_seed(9))

    def probe(weights: torch.Tensor):
        with torch.no_grad():
            h = model.embed(x)
            return student_fn(h, x, model.recursive_conv, model.reconstruct, weights)

    w4, w2 = torch.tensor([0.1, 0.2, 0.3, 0.4]), torch.tensor([0.5, 0.5])
    with torch.no_grad():
        exp4, preds = model.forward_all(x)  # the library's DRCN, preds (4, N, 1, H, W)
    exp2 = 0.5 * preds[0] + 0.5 * preds[1]  # the first two recursions
    cases = [
        ("4 recursions, weights 0.1 0.2 0.3 0.4", (w4,), exp4,
         "apply the SAME conv 4 times (h = relu(conv(h))), reconstruct after every one, add x, "
         "and weight prediction d by weights[d]"),
        ("2 recursions, equal weights", (w2,), exp2,
         "the number of recursions is len(weights)"),
    ]  # fmt: skip
    return run_cases("check_recursive_ensemble", probe, cases, atol=1e-5, strict=strict)


# ------------------------------------------------------------------ chapters 06-08: DAE, GAN, SRGAN


def check_optimal_discriminator(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 07: ``optimal_discriminator(p_data, p_g)`` -> ``p_data / (p_data + p_g)``,
    1/2 where both densities are 0 (Goodfellow et al. 2014, Proposition 1)."""
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    p_data = torch.exp(-0.5 * x**2)
    p_g = torch.exp(-0.5 * (x - 1) ** 2)
    cases = [
        ("p_data = [1, 0, 3], p_g = [1, 2, 1]",
         (torch.tensor([1.0, 0.0, 3.0]), torch.tensor([1.0, 2.0, 1.0])), [0.5, 0.0, 0.75],
         "D* = p_data / (p_data + p_g): the share of the density that is real"),
        ("two Gaussians on a grid", (p_data, p_g), p_data / (p_data + p_g),
         "divide elementwise; D* is p_data's share, not p_g's"),
        ("both densities 0 at the second point",
         (torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0])), [1.0, 0.5],
         "where p_data + p_g = 0 any D is optimal; return 0.5 there, not nan (torch.where)"),
    ]  # fmt: skip
    return run_cases("check_optimal_discriminator", student_fn, cases, atol=1e-6, strict=strict)


def check_nonsaturating_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 07: ``nonsaturating_loss(fake_logits)`` -> mean of ``-log sigmoid(l)``, finite
    for any logit (softplus)."""
    logits = torch.tensor([-2.0, -0.5, 0.0, 1.5, 4.0], dtype=torch.float64)
    cases = [
        ("one logit 0 (D = 1/2)", (torch.tensor([0.0]),), float(np.log(2)),
         "the generator's loss is -log D(G(z)) with D = sigmoid(logit)"),
        ("five logits", (logits,), torch.nn.functional.softplus(-logits).mean(),
         "-log sigmoid(l) = softplus(-l); average over the batch"),
        ("extreme logits -200 and 50", (torch.tensor([-200.0, 50.0]),), 100.0,
         "log(sigmoid(-200)) is -inf in float32: use softplus(-l) (stable) instead"),
    ]  # fmt: skip
    return run_cases("check_nonsaturating_loss", student_fn, cases, atol=1e-5, strict=strict)


def check_hinge_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 07: ``hinge_d_loss(real_logits, fake_logits, margin)`` ->
    ``mean relu(m - real) + mean relu(m + fake)`` (Lim & Ye 2017)."""
    real = torch.tensor([2.0, -1.0, 0.5])
    fake = torch.tensor([0.5, -3.0])
    cases = [
        ("real [2, -1, .5], fake [.5, -3], m = 1", (real, fake, 1.0), 1.0 / 3 * 2.5 + 0.75,
         "real: relu(m - l) per sample; fake: relu(m + l); average each, then add"),
        ("the same with m = 2", (real, fake, 2.0), 1.0 / 3 * 4.5 + 1.25,
         "use the margin argument, in both terms"),
        ("confident D: real 5, fake -5, m = 1", (torch.tensor([5.0]), torch.tensor([-5.0]), 1.0),
         0.0, "beyond the margin the loss is 0: clip with relu (max(0, .)), never below"),
    ]  # fmt: skip
    return run_cases("check_hinge_loss", student_fn, cases, atol=1e-5, strict=strict)


def check_mmse_prediction(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 06: ``mmse_prediction(candidates, probs)``: the prediction with the lowest
    expected squared error over candidate answers (K, ...) with probabilities (K,)."""
    edges = torch.stack([(torch.arange(8) >= p).double() for p in (3, 4, 5)])
    gen = torch.Generator().manual_seed(6)
    many = torch.rand(5, 2, 3, generator=gen, dtype=torch.float64)
    probs = torch.tensor([0.1, 0.2, 0.3, 0.25, 0.15], dtype=torch.float64)
    cases = [
        ("three edges, equal probabilities", (edges, torch.full((3,), 1 / 3)), edges.mean(0),
         "the minimiser of E||y_hat - y||^2 is E[y]: here the plain mean of the candidates"),
        ("three edges, probabilities .5 .25 .25", (edges, torch.tensor([0.5, 0.25, 0.25])),
         0.5 * edges[0] + 0.25 * edges[1] + 0.25 * edges[2],
         "weight each candidate by its probability: sum_k p_k y_k"),
        ("five 2x3 candidates", (many, probs), (probs.view(5, 1, 1) * many).sum(0),
         "reshape probs to (K, 1, 1, ...) so it broadcasts over each candidate, sum over dim 0"),
    ]  # fmt: skip
    return run_cases("check_mmse_prediction", student_fn, cases, atol=1e-6, strict=strict)


def check_gradient_energy(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 06: ``gradient_energy(img)`` (N, C, H, W) -> (N,):
    ``(sum dx^2 + sum dy^2) / (C H W)`` with forward differences."""
    from .dae import gradient_energy

    ramp = torch.arange(4, dtype=torch.float64).repeat(4, 1).view(1, 1, 4, 4) / 4
    gen = torch.Generator().manual_seed(7)
    noise = torch.rand(2, 3, 5, 6, generator=gen, dtype=torch.float64)
    cases = [
        ("a horizontal ramp 0, .25, .5, .75 (4x4)", (ramp,), [12 * 0.0625 / 16],
         "dx = img[..., :, 1:] - img[..., :, :-1]: 12 differences of 0.25; divide by H*W = 16"),
        ("the same ramp turned 90 degrees", (ramp.transpose(-1, -2),), [12 * 0.0625 / 16],
         "add the vertical differences dy = img[..., 1:, :] - img[..., :-1, :] too"),
        ("two random 3-channel 5x6 images", (noise,), gradient_energy(noise),
         "one value per image: sum over channels and pixels, divide by C*H*W"),
    ]  # fmt: skip
    return run_cases("check_gradient_energy", student_fn, cases, atol=1e-6, strict=strict)


def check_high_frequency_energy(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 06: ``high_frequency_energy(img, cutoff)`` (N, C, H, W) -> (N,): the share of
    the mean-removed Fourier power at radial frequency above ``cutoff`` cycles per pixel."""
    from .dae import high_frequency_energy

    gen = torch.Generator().manual_seed(8)
    noise = torch.rand(2, 1, 16, 16, generator=gen, dtype=torch.float64)
    checker = (torch.arange(8).view(-1, 1) + torch.arange(8)) % 2
    stripes = torch.cos(2 * np.pi * 0.125 * torch.arange(8, dtype=torch.float64)).repeat(8, 1)
    cases = [
        ("an 8x8 checkerboard (all power at 0.707 c/px)", (checker.double()[None, None], 0.25),
         [1.0], "fftfreq gives -0.5..0.5 cycles per pixel; radius sqrt(fy^2 + fx^2) > cutoff"),
        ("stripes at 0.125 c/px, cutoff 0.25", (stripes[None, None] + 0.5, 0.25), [0.0],
         "remove the image's mean first, then compare the power above the cutoff with the total"),
        ("two random 16x16 images, cutoff 0.3", (noise, 0.3),
         high_frequency_energy(noise, cutoff=0.3),
         "power = |fft2(img - mean)|^2; share = sum(power[radius > cutoff]) / sum(power)"),
    ]  # fmt: skip
    return run_cases("check_high_frequency_energy", student_fn, cases, atol=1e-6, strict=strict)


def check_discriminator_shapes(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 08: ``discriminator_shapes(input_size, num_features=64)`` -> the
    ``(channels, side)`` after each of the SRGAN discriminator's 8 convolutions."""

    def reference(size: int, feats: int) -> list[tuple[int, int]]:
        out, side = [], size
        for i in range(8):
            side = (side - 1) // 2 + 1 if i % 2 else side  # 3x3, padding 1, stride 2
            out.append((feats * 2 ** (i // 2), side))
        return out

    cases = [
        ("96x96 crops, 64 features", (96, 64), reference(96, 64),
         "stride 1 on convs 1, 3, 5, 7 and stride 2 on 2, 4, 6, 8; channels 64, 64, 128, 128, ..."),
        ("48x48 crops, 32 features", (48, 32), reference(48, 32),
         "channels are num_features * 2 ** (i // 2) for the i-th conv (i from 0)"),
        ("100x100 crops (odd sizes on the way)", (100, 64), reference(100, 64),
         "with padding 1 a stride-2 3x3 conv gives floor((side - 1) / 2) + 1 = ceil(side / 2)"),
    ]  # fmt: skip
    return run_cases("check_discriminator_shapes", student_fn, cases, atol=0, strict=strict)


def _toy_features() -> torch.nn.Module:
    gen = torch.Generator().manual_seed(9)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return net.double()


def check_perceptual_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 08: ``perceptual_loss(features, sr, hr)`` -> ``mean((features(sr) / 12.75 -
    features(hr) / 12.75) ** 2)`` (Ledig et al. 2017, VGG loss with rescaled feature maps)."""
    features = _toy_features()
    gen = torch.Generator().manual_seed(10)
    hr = torch.rand(2, 3, 8, 8, generator=gen, dtype=torch.float64)
    sr = (hr + 0.1 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)

    def expected(a, b):
        with torch.no_grad():
            return torch.mean((features(a) / 12.75 - features(b) / 12.75) ** 2)

    cases = [
        ("noisy sr vs hr, a small conv net as features", (features, sr, hr), expected(sr, hr),
         "compare the FEATURE maps, each divided by 12.75, with the mean squared error"),
        ("sr = hr", (features, hr, hr), 0.0, "identical images have zero loss"),
        ("sr = 1 - hr", (features, 1 - hr, hr), expected(1 - hr, hr),
         "divide the features by 12.75 before squaring: the loss shrinks by 12.75 ** 2"),
    ]  # fmt: skip
    return run_cases("check_perceptual_loss", student_fn, cases, atol=1e-8, strict=strict)


def check_srgan_generator_loss(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 08: ``srgan_generator_loss(sr, hr, fake_logits)`` -> pixel MSE + 1e-3 times
    the non-saturating adversarial loss ``mean(-log sigmoid(fake_logits))``."""
    gen = torch.Generator().manual_seed(11)
    hr = torch.rand(2, 3, 8, 8, generator=gen, dtype=torch.float64)
    sr = (hr + 0.05 * torch.randn(hr.shape, generator=gen, dtype=torch.float64)).clamp(0, 1)
    logits = torch.tensor([-3.0, 0.5], dtype=torch.float64)
    very_negative = torch.full((2,), -100.0, dtype=torch.float64)

    def expected(a, b, lg):
        return torch.mean((a - b) ** 2) + 1e-3 * torch.nn.functional.softplus(-lg).mean()

    cases = [
        ("sr = hr, logits 0 (adversarial term only)", (hr, hr, torch.zeros(2)),
         1e-3 * float(np.log(2)), "adversarial loss -log D(G(z)) = softplus(-logit), times 1e-3"),
        ("noisy sr, logits [-3, 0.5]", (sr, hr, logits), expected(sr, hr, logits),
         "content = mean((sr - hr) ** 2); total = content + 1e-3 * adversarial"),
        ("very negative logits (-100)", (sr, hr, very_negative), expected(sr, hr, very_negative),
         "use the non-saturating loss softplus(-l), not log(1 - sigmoid(l)) (which saturates)"),
    ]  # fmt: skip
    return run_cases("check_srgan_generator_loss", student_fn, cases, atol=1e-7, strict=strict)


# ------------------------------------------------------------------ chapter 10: colorization


def _toy_bins() -> torch.Tensor:
    """A 4x4 grid of ab bins, 10 apart (the exercise's small stand-in for the 229 bins)."""
    a, b = torch.meshgrid(torch.arange(-20.0, 20, 10), torch.arange(-20.0, 20, 10), indexing="ij")
    return torch.stack([a.reshape(-1), b.reshape(-1)], dim=1).double()


def check_soft_encode(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 10: ``soft_encode(points, bins, neighbours=5, sigma=5.0)``: points (P, 2),
    bins (Q, 2) -> (P, Q), a Gaussian of the distance over the nearest bins, rows sum to 1."""
    from .colorize import soft_encode

    bins = _toy_bins()
    gen = torch.Generator().manual_seed(10)
    points = (torch.rand(6, 2, generator=gen, dtype=torch.float64) - 0.5) * 40

    def reference(p, k=5, sigma=5.0):
        return soft_encode(p.T[None, :, :, None], bins, neighbours=k, sigma=sigma)[0, :, :, 0].T

    cases = [
        ("a point on a bin centre (0, 0)", (torch.zeros(1, 2, dtype=torch.float64), bins),
         reference(torch.zeros(1, 2, dtype=torch.float64)),
         "the nearest bin gets the most weight; its 4 neighbours at distance 10 get exp(-2)"),
        ("6 random points", (points, bins), reference(points),
         "w = exp(-d^2 / (2 sigma^2)) with d the DISTANCE (square it), only for the 5 nearest "
         "bins, then divide by the row sum"),
        ("6 random points, neighbours=3, sigma=8", (points, bins, 3, 8.0),
         reference(points, 3, 8.0), "use the neighbours and sigma arguments"),
    ]  # fmt: skip
    return run_cases("check_soft_encode", student_fn, cases, atol=1e-5, strict=strict)


def check_rebalancing_weights(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 10: ``rebalancing_weights(prior, lam=0.5)``: ``w ~ 1 / ((1 - lam) p + lam / Q)``
    scaled so that ``sum(p * w) = 1`` (Zhang et al. eq. 4)."""
    from .colorize import rebalancing_weights

    prior = torch.tensor([0.6, 0.25, 0.1, 0.05, 0.0], dtype=torch.float64)
    skewed = torch.softmax(torch.linspace(0, 4, 8, dtype=torch.float64), dim=0)
    cases = [
        ("5-bin prior (one colour never seen)", (prior,), rebalancing_weights(prior),
         "mix with the uniform 1/Q first (so a never-seen colour gets a finite weight), invert, "
         "then scale so that the EXPECTATION under the prior, sum(p * w), is 1 (not the mean)"),
        ("8-bin prior, lam = 0.2", (skewed, 0.2), rebalancing_weights(skewed, lam=0.2),
         "the mixture is (1 - lam) * p + lam / Q"),
        ("uniform prior: every weight 1", (torch.full((4,), 0.25, dtype=torch.float64),),
         torch.ones(4), "with a uniform prior no colour is rarer than another"),
    ]  # fmt: skip
    return run_cases("check_rebalancing_weights", student_fn, cases, atol=1e-6, strict=strict)


def check_annealed_mean(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 10: ``annealed_mean(probs, bins, temperature)``: probs (P, Q) -> ab (P, 2),
    the mean of ``f_T(z) = exp(log z / T) / sum`` (Zhang et al. eq. 5)."""
    from .colorize import annealed_mean

    bins = _toy_bins()
    gen = torch.Generator().manual_seed(11)
    probs = torch.softmax(2 * torch.randn(5, len(bins), generator=gen, dtype=torch.float64), 1)

    def reference(t: float) -> torch.Tensor:
        return annealed_mean(probs.T[None, :, :, None], bins, temperature=t)[0, :, :, 0].T

    cases = [
        ("T = 1 (the mean)", (probs, bins, 1.0), probs @ bins,
         "at T = 1, f_T(z) = z: the answer is sum_q z_q * bin_q"),
        ("T = 0.38 (the paper's)", (probs, bins, 0.38), reference(0.38),
         "f_T(z) = exp(log(z) / T), renormalised over the bins: z ** (1 / T), not z ** T, and "
         "not a softmax of z / T"),
        ("T = 0.01 (close to the mode)", (probs, bins, 0.01), reference(0.01),
         "compute it as a softmax of log(z) / T so that small T does not overflow"),
    ]  # fmt: skip
    return run_cases("check_annealed_mean", student_fn, cases, atol=1e-4, strict=strict)


# ------------------------------------------------------------------ chapter 03: sparse coding


def check_soft_threshold(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 03: ``soft_threshold(x, theta) = sign(x) * max(|x| - theta, 0)``."""
    x = torch.tensor([-2.0, -0.5, -0.1, 0.0, 0.1, 0.5, 2.0], dtype=torch.float64)
    cases = [
        ("x = 2, theta = 0.5", (torch.tensor([2.0], dtype=torch.float64), 0.5),
         torch.tensor([1.5]), "large values move towards 0 by theta"),
        ("x = -2, theta = 0.5", (torch.tensor([-2.0], dtype=torch.float64), 0.5),
         torch.tensor([-1.5]), "negative values shrink too: keep the sign, shrink |x|"),
        ("|x| <= theta", (torch.tensor([-0.4, 0.3], dtype=torch.float64), 0.5),
         torch.tensor([0.0, 0.0]), "values inside [-theta, theta] become exactly 0"),
        ("seven values, theta = 0.3", (x, 0.3),
         torch.sign(x) * torch.clamp(x.abs() - 0.3, min=0),
         "soft (not hard) thresholding: values above theta are also reduced by theta"),
    ]  # fmt: skip
    return run_cases("check_soft_threshold", student_fn, cases, atol=1e-8, strict=strict)


def _lasso_example(seed: int = 5, m: int = 6, k: int = 10):
    gen = torch.Generator().manual_seed(seed)
    d = torch.randn(m, k, generator=gen, dtype=torch.float64)
    d = d / d.norm(dim=0)
    y = torch.randn(m, generator=gen, dtype=torch.float64)
    z = 0.3 * torch.randn(k, generator=gen, dtype=torch.float64)
    return y, d, z


def check_ista_step(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 03: ``ista_step(z, y, D, lam)``: one ISTA iteration for
    ``0.5 ||y - D z||^2 + lam ||z||_1``, step ``1/L`` with ``L = ||D||_2^2``."""
    y, d, z = _lasso_example()
    lip = torch.linalg.matrix_norm(d, ord=2) ** 2

    def reference(z, y, d, lam):
        grad_step = z + d.T @ (y - d @ z) / lip
        return torch.sign(grad_step) * torch.clamp(grad_step.abs() - lam / lip, min=0)

    zero = torch.zeros_like(z)
    cases = [
        ("from z = 0, lam = 0.1", (zero, y, d, 0.1), reference(zero, y, d, 0.1),
         "from zero the step is soft_threshold(D^T y / L, lam / L)"),
        ("from a non-zero z, lam = 0.1", (z, y, d, 0.1), reference(z, y, d, 0.1),
         "gradient step z + D^T (y - D z) / L, then shrink by lam / L (not by lam)"),
        ("lam = 0: a plain gradient step", (z, y, d, 0.0), reference(z, y, d, 0.0),
         "L is the largest eigenvalue of D^T D: torch.linalg.matrix_norm(D, ord=2) ** 2"),
    ]  # fmt: skip
    return run_cases("check_ista_step", student_fn, cases, atol=1e-6, strict=strict)


def check_sr_patch(student_fn: Callable, *, strict: bool | None = None) -> bool:
    """Exercise 03: ``sr_patch(feature, patch_mean, lr_atoms, hr_atoms, lam)``: the HR patch
    (p*p,) of ScSR: code the unit-normalised LR feature over D_l (Lasso, ``lam``), then
    ``D_h z * ||feature|| + patch_mean``."""
    from .sparse import ista

    gen = torch.Generator().manual_seed(6)
    dl = torch.randn(16, 12, generator=gen, dtype=torch.float64)
    dl = dl / dl.norm(dim=0)
    dh = 0.5 * torch.randn(4, 12, generator=gen, dtype=torch.float64)
    feature = 3.0 * (
        dl[:, 2] - 0.6 * dl[:, 7] + 0.05 * torch.randn(16, generator=gen, dtype=torch.float64)
    )

    def reference(feature, mean, dl, dh, lam):
        norm = feature.norm()
        z = ista(feature / norm, dl, lam=lam, num_iters=2000, fista=True)
        return dh @ z * norm + mean

    cases = [
        ("a feature near 2 atoms, mean 0", (feature, 0.0, dl, dh, 0.1),
         reference(feature, 0.0, dl, dh, 0.1),
         "normalise the feature to unit norm before coding, and multiply D_h z by its norm"),
        ("the same with patch mean 0.4", (feature, 0.4, dl, dh, 0.1),
         reference(feature, 0.4, dl, dh, 0.1), "add the patch mean back to every pixel"),
        ("lam = 0.3 (sparser)", (0.5 * feature, 0.2, dl, dh, 0.3),
         reference(0.5 * feature, 0.2, dl, dh, 0.3),
         "code over D_l (LR features) and rebuild with D_h (HR patches) using the same z"),
    ]  # fmt: skip
    return run_cases("check_sr_patch", student_fn, cases, atol=2e-3, strict=strict)
