"""The model contract, over every entry of the registry: what each kind promises.

Every registered network builds with its defaults, maps an input of its kind to the output
shape its kind promises (every scale for SR networks), learns (two optimisation steps on a
fixed batch lower the loss) and survives a ``save_weights`` / ``load_weights`` round trip.
"""

import pytest
import torch
import torch.nn.functional as F

from sisrlearn.models import KINDS, MODELS, build_model, changed_arguments
from sisrlearn.train import load_weights, save_weights

pytestmark = pytest.mark.usefixtures("one_thread")


def _build(name: str, scale: int = 2) -> torch.nn.Module:
    entry = MODELS[name]
    post = entry.kind == "sr" and not entry.recipe.upsampled
    torch.manual_seed(0)
    return build_model(name, **({"scale": scale} if post else {}))


def _input(name: str, scale: int = 2) -> tuple[torch.Tensor, tuple[int, ...]]:
    """A small input of the network's kind and the output shape the kind promises."""
    entry, gen = MODELS[name], torch.Generator().manual_seed(1)
    if entry.kind == "sr":
        channels = 1 if entry.recipe.channels == "y" else 3
        h, w = 6, 7
        side = (h, w) if not entry.recipe.upsampled else (h * scale, w * scale)
        return torch.rand(1, channels, *side, generator=gen), (1, channels, h * scale, w * scale)
    if entry.kind == "color":
        model = _build(name)
        out_channels = len(model.bins) if model.bins is not None else 2
        return torch.rand(1, 1, 32, 32, generator=gen), (1, out_channels, 32, 32)
    if entry.kind == "prior":
        return torch.rand(1, 32, 128, 128, generator=gen) * 0.1, (1, 3, 128, 128)
    model = _build(name)  # critic: one logit per image
    return torch.rand(2, 3, model.input_size, model.input_size, generator=gen), (2, 1)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_entry_has_a_kind_and_a_recipe_exactly_when_trainable(name):
    entry = MODELS[name]
    assert entry.kind in KINDS and entry.description
    assert (entry.recipe is not None) == (entry.kind in ("sr", "color"))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_output_shape_of_its_kind(name):
    scales = (2, 3, 4) if MODELS[name].kind == "sr" and not MODELS[name].recipe.scales else (2,)
    for scale in scales:
        model = _build(name, scale).eval()
        x, shape = _input(name, scale)
        with torch.no_grad():
            assert tuple(model(x).shape) == shape, (name, scale)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_two_steps_lower_the_loss_on_a_fixed_batch(name):
    model = _build(name).train()
    x, shape = _input(name)
    target = torch.rand(shape, generator=torch.Generator().manual_seed(2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-5)  # small steps of any scale: a descent
    losses = []
    for _ in range(3):
        loss = F.mse_loss(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0], (name, losses)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_weights_round_trip(name, tmp_path):
    model = _build(name).eval()
    x, _ = _input(name)
    sha = save_weights(model, tmp_path / f"{name}.pt")
    loaded = _build(name)
    for p in loaded.parameters():  # make sure the load, not the seed, sets the weights
        torch.nn.init.zeros_(p)
    load_weights(loaded, tmp_path / f"{name}.pt", sha256=sha)
    with torch.no_grad():
        torch.testing.assert_close(loaded.eval()(x), model(x))


def test_changed_arguments_are_those_off_the_papers_defaults():
    assert changed_arguments("espcn", {"scale": 3}) == {}
    assert changed_arguments("espcn", {"scale": 3, "n1": 64, "n2": 64}) == {"n2": 64}
    assert changed_arguments("drcn", {"recursions": 9}) == {"recursions": 9}
    with pytest.raises(ValueError, match="name must be one of"):
        changed_arguments("espcn_x3", {})
