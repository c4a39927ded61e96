"""Chapter 02: the slides' numbers, PyTorch as the oracle, and the hand-made networks."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sisrlearn import toyconv as tc
from sisrlearn.train import fit, load_weights, save_weights
from sisrlearn.widgets import show_values, xo_explorer

# B. Rohrer, "How convolutional neural networks work" (2016): the maps as the slides print them.
SLIDE_MAPS = {
    "diagonal": """
         0.77 -0.11  0.11  0.33  0.55 -0.11  0.33
        -0.11  1.00 -0.11  0.33 -0.11  0.11 -0.11
         0.11 -0.11  1.00 -0.33  0.11 -0.11  0.55
         0.33  0.33 -0.33  0.55 -0.33  0.33  0.33
         0.55 -0.11  0.11 -0.33  1.00 -0.11  0.11
        -0.11  0.11 -0.11  0.33 -0.11  1.00 -0.11
         0.33 -0.11  0.55  0.33  0.11 -0.11  0.77""",
    "small X": """
         0.33 -0.55  0.11 -0.11  0.11 -0.55  0.33
        -0.55  0.55 -0.55  0.33 -0.55  0.55 -0.55
         0.11 -0.55  0.55 -0.77  0.55 -0.55  0.11
        -0.11  0.33 -0.77  1.00 -0.77  0.33 -0.11
         0.11 -0.55  0.55 -0.77  0.55 -0.55  0.11
        -0.55  0.55 -0.55  0.33 -0.55  0.55 -0.55
         0.33 -0.55  0.11 -0.11  0.11 -0.55  0.33""",
    "anti-diagonal": """
         0.33 -0.11  0.55  0.33  0.11 -0.11  0.77
        -0.11  0.11 -0.11  0.33 -0.11  1.00 -0.11
         0.55 -0.11  0.11 -0.33  1.00 -0.11  0.11
         0.33  0.33 -0.33  0.55 -0.33  0.33  0.33
         0.11 -0.11  1.00 -0.33  0.11 -0.11  0.55
        -0.11  1.00 -0.11  0.33 -0.11  0.11 -0.11
         0.77 -0.11  0.11  0.33  0.55 -0.11  0.33""",
}
SLIDE_POOLED = {
    "diagonal": """
        1.00 0.33 0.55 0.33
        0.33 1.00 0.33 0.55
        0.55 0.33 1.00 0.11
        0.33 0.55 0.11 0.77""",
    "small X": """
        0.55 0.33 0.55 0.33
        0.33 1.00 0.55 0.11
        0.55 0.55 0.55 0.11
        0.33 0.11 0.11 0.33""",
    "anti-diagonal": """
        0.33 0.55 1.00 0.77
        0.55 0.55 1.00 0.33
        1.00 1.00 0.11 0.55
        0.77 0.33 0.55 0.33""",
}
SLIDE_VALUES = "1.00 .55 .55 1.00 1.00 .55 .55 .55 .55 1.00 1.00 .55"  # the list that votes


def _grid(text: str, side: int) -> np.ndarray:
    return np.array(text.split(), dtype=float).reshape(side, side)


def _slide_x() -> np.ndarray:
    x_img = -np.ones((9, 9))
    for i in range(1, 8):
        x_img[i, i] = x_img[i, 8 - i] = 1
    return x_img


def _torch_maps(img: np.ndarray, features: np.ndarray) -> np.ndarray:
    out = F.conv2d(torch.from_numpy(img)[None, None], torch.from_numpy(features)[:, None])
    return out[0].numpy() / features[0].size


def test_images_and_features_are_the_slides():
    assert np.array_equal(tc.xo_image("x"), _slide_x())
    o_img = tc.xo_image("O")
    assert set(np.unique(o_img)) == {-1.0, 1.0} and (o_img[[0, -1]] == -1).all()
    assert np.array_equal(o_img, o_img.T) and np.array_equal(o_img, o_img[::-1])
    assert o_img[4, 4] == -1 and o_img[1, 4] == 1 and o_img[4, 1] == 1
    diagonal, small_x, anti = tc.xo_features()
    assert np.array_equal(diagonal, 2 * np.eye(3) - 1)
    assert np.array_equal(anti, diagonal[:, ::-1])
    assert np.array_equal(small_x, [[1, -1, 1], [-1, 1, -1], [1, -1, 1]])
    variants = tc.xo_variants()
    assert {"X", "O", "X shifted", "X rotated", "X thick"} <= set(variants)
    assert (variants["X thick"] > 0).sum() > (variants["X"] > 0).sum()


def test_filter_match_perfect_and_slide_mismatch():
    x_img, diagonal = _slide_x(), tc.xo_features()[0]
    assert tc.filter_match(x_img[1:4, 1:4], diagonal) == 1.0
    centre = tc.filter_match(x_img[3:6, 3:6], diagonal)
    assert centre == pytest.approx(5 / 9) and tc.truncate(centre) == 0.55
    assert tc.truncate([0.9999999999, -0.1111, 7 / 9]).tolist() == [1.0, -0.11, 0.77]


def test_feature_maps_equal_the_slides_and_torch():
    maps = tc.convolve(_slide_x(), tc.xo_features())
    assert maps.shape == (3, 7, 7)
    np.testing.assert_allclose(maps, _torch_maps(_slide_x(), tc.xo_features()), atol=1e-12)
    for f, name in enumerate(tc.FEATURE_NAMES):
        np.testing.assert_array_equal(tc.truncate(maps[f]), _grid(SLIDE_MAPS[name], 7))
    assert tc.truncate(maps[0, 0]).tolist() == [0.77, -0.11, 0.11, 0.33, 0.55, -0.11, 0.33]
    assert maps[1, 3, 3] == 1.0


def test_relu_and_pooled_maps_equal_the_slides_and_torch():
    stages = tc.xo_forward(_slide_x())
    np.testing.assert_array_equal(stages["relu"], F.relu(torch.from_numpy(stages["maps"])))
    torch_pool = F.max_pool2d(torch.from_numpy(stages["relu"]), 2, 2, ceil_mode=True).numpy()
    np.testing.assert_array_equal(stages["pool1"], torch_pool)
    for f, name in enumerate(tc.FEATURE_NAMES):
        np.testing.assert_array_equal(tc.truncate(stages["pool1"][f]), _grid(SLIDE_POOLED[name], 4))
    assert tc.truncate(stages["pool1"][0, 0]).tolist() == [1.00, 0.33, 0.55, 0.33]
    np.testing.assert_array_equal(
        tc.truncate(stages["values"]), np.array(SLIDE_VALUES.split(), float)
    )


def test_convolve_and_max_pool_match_torch_on_random_input():
    gen = np.random.default_rng(0)
    img, feats = gen.normal(size=(8, 11)), gen.normal(size=(2, 3, 2))  # lopsided features
    np.testing.assert_allclose(tc.convolve(img, feats), _torch_maps(img, feats), atol=1e-12)
    np.testing.assert_allclose(tc.convolve(img, feats[0]), _torch_maps(img, feats[:1])[0])
    maps = torch.from_numpy(gen.normal(size=(2, 3, 7, 10)))
    for size, stride in [(2, 2), (3, 2), (2, 3), (3, 3)]:
        want = F.max_pool2d(maps, size, stride, ceil_mode=True).numpy()
        np.testing.assert_array_equal(tc.max_pool(maps.numpy(), size, stride), want)
    assert tc.max_pool(np.zeros((7, 7))).shape == (4, 4)


def test_hand_votes_classify_x_and_o():
    weights = tc.hand_vote_weights()
    assert weights.shape == (2, 12) and (weights >= 0).all()
    for kind, name in (("x", "X"), ("o", "O")):
        votes = tc.fc_votes(tc.xo_forward(tc.xo_image(kind))["values"], weights)
        assert tc.CLASSES[int(np.argmax(votes))] == name
        assert votes.max() == pytest.approx(1.0) and votes.min() == pytest.approx(5 / 9)
        assert tc.classify_xo(tc.xo_image(kind)) == name
    assert tc.classify_xo(tc.xo_variants()["X shifted"]) == "X"
    np.testing.assert_allclose(tc.fc_votes([1.0, 0.0], [[1, 1], [0, 2]]), [0.5, 0.0])


def test_four_pixel_neuron_is_the_slide():
    inputs, weights = [0.50, 0.00, -0.75, 0.75], [-0.2, 0.0, 0.8, -0.5]
    assert tc.weighted_sum(inputs, weights) == pytest.approx(-1.075)
    assert tc.neuron(inputs, weights) == pytest.approx(np.tanh(-1.075))
    assert 0.99 < tc.neuron([1, 1, 1, 1], [1, 1, 1, 1]) < 1


def test_hand_four_pixel_net_classifies_every_canonical_pattern():
    images, labels = tc.four_pixel_patterns()
    assert images.shape == (8, 2, 2) and np.bincount(labels).tolist() == [2, 2, 2, 2]
    assert all(np.array_equal(images[i], -images[i + 1]) for i in range(0, 8, 2))
    net = tc.FourPixelNet(hand=True)
    weights = torch.cat([layer.weight.flatten() for layer in net.layers()])
    assert set(weights.tolist()) <= {-1.0, 0.0, 1.0}
    scores = net(torch.tensor(images.reshape(8, 4), dtype=torch.float32))
    assert scores.argmax(1).tolist() == labels.tolist()
    pixels, targets = tc.four_pixel_dataset(500)
    assert pixels.abs().max() <= 1 and (net(pixels).argmax(1) == targets).all()


def test_four_pixel_net_trains_from_random_init():
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    pixels, targets = tc.four_pixel_dataset(1000, generator=gen)
    batches = [(pixels[i : i + 100], targets[i : i + 100]) for i in range(0, 1000, 100)]
    net = tc.FourPixelNet()
    fit(net, batches, F.cross_entropy, steps=500, learning_rate=0.02, progress=False)
    images, labels = tc.four_pixel_patterns()
    scores = net(torch.tensor(images.reshape(8, 4), dtype=torch.float32))
    assert scores.argmax(1).tolist() == labels.tolist()


@pytest.mark.parametrize("name", tc.ACTIVATIONS)
def test_activations_and_derivatives_match_torch(name):
    x = torch.linspace(-4, 4, 41, dtype=torch.float64)[torch.arange(41) != 20]  # skip the kink
    x = x[(x + 3).abs() > 1e-9].requires_grad_()  # and maxout's other kink at -3
    y = tc.activation_torch(name, x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    np.testing.assert_allclose(tc.activation(name, x.detach().numpy()), y.detach(), atol=1e-12)
    np.testing.assert_allclose(tc.activation_grad(name, x.detach().numpy()), grad, atol=1e-12)


def test_leaky_relu_slope_and_maxout_generalises_relu():
    assert tc.activation("leaky_relu", -2.0) == pytest.approx(-0.2)
    assert tc.activation_grad("sigmoid", 0.0) == pytest.approx(0.25)
    assert tc.activation("maxout", 2.0) == 2.0 and tc.activation("maxout", -1.0) == 0.0


def test_sigmoid_gradient_vanishes_and_relu_does_not():
    sigmoid, relu = tc.gradient_norms("sigmoid"), tc.gradient_norms("relu")
    assert sigmoid.shape == (20,)
    assert sigmoid[0] < 1e-6 * sigmoid[-1]
    assert relu[0] > 1e-2 * relu[-1]


def test_xo_dataset_is_reproducible_and_balanced():
    a, labels = tc.xo_dataset(50, generator=torch.Generator().manual_seed(1))
    b, _ = tc.xo_dataset(50, generator=torch.Generator().manual_seed(1))
    assert a.shape == (50, 1, 9, 9) and a.dtype == torch.float32 and torch.equal(a, b)
    assert labels.dtype == torch.int64 and labels.sum() == 25
    clean, _ = tc.xo_dataset(10, noise=0.0)
    assert set(clean.unique().tolist()) == {-1.0, 1.0}


def test_tiny_xo_net_shapes_step_and_weights(tmp_path):
    torch.manual_seed(0)
    model = tc.TinyXONet()
    images, labels = tc.xo_dataset(32)
    assert model(images).shape == (32, 2) and tc.TinyXONet(3, size=16)(
        torch.zeros(1, 1, 16, 16)
    ).shape == (1, 2)
    before = F.cross_entropy(model(images), labels).item()
    fit(model, [(images, labels)], F.cross_entropy, steps=1, learning_rate=1e-2, progress=False)
    assert F.cross_entropy(model(images), labels).item() < before
    save_weights(model, tmp_path / "xo.pt")
    other = load_weights(tc.TinyXONet(), tmp_path / "xo.pt")
    assert torch.equal(other(images), model(images))


@pytest.mark.slow  # trains the X/O net for seconds
def test_tiny_xo_net_learns_x_and_o():
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    train_x, train_y = tc.xo_dataset(2000, generator=gen)
    test_x, test_y = tc.xo_dataset(500, generator=gen)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(train_x, train_y), batch_size=64, shuffle=True, generator=gen
    )
    model = tc.TinyXONet()
    fit(model, loader, F.cross_entropy, steps=300, learning_rate=3e-3, progress=False)
    assert tc.accuracy(model, test_x, test_y) >= 0.99


def test_widgets_draw_values_and_explorer_updates():
    fig = show_values({"X": tc.xo_image("x"), "map": tc.convolve(_slide_x(), tc.xo_features()[0])})
    assert [ax.get_title() for ax in fig.axes[:2]] == ["X", "map"]
    assert "0.77" in [t.get_text() for t in fig.axes[1].texts]
    with pytest.raises(ValueError, match="2-D"):
        show_values([np.zeros(3)])
    box = xo_explorer()
    picker, grid, votes = box.children[0], box.children[1].children[0], box.children[2]
    assert len(grid.children) == 81 and "<b>X</b>" in votes.value
    picker.value = "O"
    assert "<b>O</b>" in votes.value
    grid.children[0].value = True  # toggling a pixel redraws the votes
    assert "O" in votes.value


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: tc.xo_image("z"), ValueError, "kind"),
        (lambda: tc.xo_image("x", size=2), ValueError, "size"),
        (lambda: tc.xo_image("x", thickness=0), ValueError, "thickness"),
        (lambda: tc.filter_match(np.ones((3, 3)), np.ones((2, 2))), ValueError, "same shape"),
        (lambda: tc.filter_match("abc", np.ones((3, 3))), TypeError, "patch"),
        (lambda: tc.filter_match(np.ones(9), np.ones((3, 3))), ValueError, "patch"),
        (lambda: tc.convolve(np.ones((2, 2)), np.ones((3, 3))), ValueError, "fit"),
        (lambda: tc.convolve(np.ones((5, 5)), np.ones(3)), ValueError, "features"),
        (lambda: tc.max_pool(np.ones((4, 4)), size=0), ValueError, "size"),
        (lambda: tc.max_pool(np.ones((4, 4)), stride=1.5), ValueError, "stride"),
        (lambda: tc.max_pool(np.ones((1, 1))), ValueError, "size"),
        (lambda: tc.max_pool(np.ones(4)), ValueError, "maps"),
        (lambda: tc.relu(["a"]), TypeError, "x"),
        (lambda: tc.xo_forward(tc.xo_image("x"), num_pools=0), ValueError, "num_pools"),
        (lambda: tc.xo_forward(tc.xo_image("x"), np.ones((3, 3))), ValueError, "features"),
        (lambda: tc.fc_votes([1.0, 2.0], np.ones((2, 3))), ValueError, "weights"),
        (lambda: tc.fc_votes([1.0], [[-1.0], [1.0]]), ValueError, "non-negative"),
        (lambda: tc.xo_dataset(0), ValueError, "num_images"),
        (lambda: tc.xo_dataset(4, noise=-1), ValueError, "noise"),
        (lambda: tc.TinyXONet(0), ValueError, "num_features"),
        (lambda: tc.TinyXONet(size=4), ValueError, "size"),
        (lambda: tc.TinyXONet()(torch.zeros(1, 1, 8, 8)), ValueError, "x must be"),
        (
            lambda: tc.accuracy(tc.TinyXONet(), torch.zeros(2, 1, 9, 9), torch.zeros(3)),
            ValueError,
            "equal length",
        ),
        (lambda: tc.weighted_sum([1, 2], [1, 2, 3]), ValueError, "same length"),
        (lambda: tc.weighted_sum([[1, 2]], [1, 2]), ValueError, "inputs"),
        (lambda: tc.neuron("ab", [1, 2]), TypeError, "inputs"),
        (lambda: tc.FourPixelNet()(torch.zeros(2, 2, 2)), ValueError, "pixels"),
        (lambda: tc.four_pixel_dataset(-1), ValueError, "num_images"),
        (lambda: tc.four_pixel_dataset(3, noise=-0.1), ValueError, "noise"),
        (lambda: tc.activation("softmax", 1.0), ValueError, "name"),
        (lambda: tc.activation_grad("tanh", "x"), TypeError, "x"),
        (lambda: tc.activation_torch("relu", [1.0]), TypeError, "x"),
        (lambda: tc.gradient_norms("relu", depth=0), ValueError, "depth"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
