"""The course's networks: ``MODELS`` (name -> registered entry) and ``build_model``.

Every module in this package registers its networks with
``@register_model(name, kind=..., recipe=...)``; the modules are imported here, so ``MODELS`` is
complete after ``import sisrlearn.models``. The *kind* says what a network is for:

- ``"sr"``: a super-resolution network, trained by ``sisrlearn train`` with its recipe;
- ``"color"``: a colorization network, trained by ``sisrlearn train`` with its recipe;
- ``"prior"``: an untrained generator fitted to one image (Deep Image Prior);
- ``"critic"``: a discriminator, trained inside ``sisrlearn srgan``.

A :class:`Recipe` says how ``sisrlearn train`` feeds and trains the network (what the input is,
patch sizes, optimiser, learning rate, loss). A new model: a file here with its class and a
``register_model`` entry; the registry contract test (``tests/models/test_registry.py``) then
covers it, and ``sisrlearn train`` and the zoo know it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import nn

__all__ = [
    "KINDS",
    "MODELS",
    "ModelEntry",
    "Recipe",
    "build_model",
    "changed_arguments",
    "format_changed_arguments",
    "models_of_kind",
    "register_model",
]

KINDS = ("sr", "color", "prior", "critic")
TRAINABLE = ("sr", "color")  # kinds that ``sisrlearn train`` trains with their recipe


@dataclass(frozen=True)
class Recipe:
    """How ``sisrlearn train`` trains a model (the paper's setting unless documented).

    Attributes:
        upsampled: the input is the LR image bicubic-upscaled to the output size
            (pre-upsampling: SRCNN, VDSR, DRCN, SCN); else the LR image itself and the
            model is built with ``scale=`` (FSRCNN, ESPCN, EDSR).
        channels: ``"y"`` (luma, the SRCNN protocol) or ``"rgb"``.
        patch_size: input sub-image side (on the input's grid).
        stride: step between training sub-images (on the input's grid).
        batch_size: sub-images per step.
        learning_rate: for the optimiser.
        optimizer: ``"adam"`` or ``"sgd"`` (momentum 0.9).
        loss: ``"mse"``, ``"l1"`` or ``"recursive"`` (DRCN's recursive supervision: every
            recursion's prediction and the ensemble, weighted by an ``alpha`` that decays
            from 1 to 0 over the run).
        steps: default number of steps of ``sisrlearn train``.
        grad_clip: global gradient-norm clip (None: none).
        scales: train on a mix of these scales (VDSR); empty = the ``--scale`` given.
        train_kwargs: extra ``build_model`` arguments used for training only
            (SRCNN trains with ``padding="valid"``, as in the paper).
    """

    upsampled: bool = True
    channels: str = "y"
    patch_size: int = 33
    stride: int = 14
    batch_size: int = 128
    learning_rate: float = 1e-4
    optimizer: str = "adam"
    loss: str = "mse"
    steps: int = 20_000
    grad_clip: float | None = None
    scales: tuple[int, ...] = ()
    train_kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ModelEntry:
    """A registered network: its builder, its kind, its training recipe (``sr`` and ``color``
    kinds only) and a one-line description."""

    name: str
    builder: Callable[..., nn.Module]
    kind: str
    recipe: Recipe | None = None
    description: str = ""


MODELS: dict[str, ModelEntry] = {}


def register_model(name: str, *, kind: str, recipe: Recipe | None = None, description: str = ""):
    """Class/function decorator adding a network to ``MODELS`` under ``name``.

    ``sr`` and ``color`` networks need a ``recipe`` (how ``sisrlearn train`` trains them);
    ``prior`` and ``critic`` networks have none.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if (recipe is not None) != (kind in TRAINABLE):
        raise ValueError(f"model {name!r}: a recipe is required for kinds {TRAINABLE} only")

    def decorate(builder):
        if name in MODELS:
            raise ValueError(f"model {name!r} is already registered")
        lines = (builder.__doc__ or "").strip().splitlines()
        text = description or (lines[0] if lines else "")
        MODELS[name] = ModelEntry(name, builder, kind, recipe, text)
        return builder

    return decorate


def models_of_kind(*kinds: str) -> list[str]:
    """Names of the registered networks of the given kinds, sorted."""
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return sorted(name for name, entry in MODELS.items() if entry.kind in kinds)


def build_model(name: str, **kwargs) -> nn.Module:
    """Build the registered network ``name`` with keyword arguments for its constructor.

    Raises ``ValueError`` for an unknown name or a constructor argument the network does not
    take (naming the arguments it does take).
    """
    if name not in MODELS:
        raise ValueError(f"name must be one of {', '.join(sorted(MODELS))}, got {name!r}")
    builder = MODELS[name].builder
    params = inspect.signature(builder).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    unknown = [key for key in kwargs if key not in params]
    if unknown and not takes_any:
        valid = ", ".join(k for k, p in params.items() if p.kind is not p.VAR_POSITIONAL)
        raise ValueError(f"{name} takes no argument {', '.join(unknown)}; its arguments: {valid}")
    return builder(**kwargs)


for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")


def changed_arguments(name: str, kwargs: dict) -> dict:
    """The constructor arguments in ``kwargs`` that differ from the network's defaults (the
    paper's configuration), ``scale`` left out: ``{}`` for a paper-sized network.

    >>> changed_arguments("espcn", {"scale": 3, "n1": 128, "n2": 32})
    {'n1': 128}
    """
    if name not in MODELS:
        raise ValueError(f"name must be one of {', '.join(sorted(MODELS))}, got {name!r}")
    params = inspect.signature(MODELS[name].builder).parameters
    return {
        key: value
        for key, value in kwargs.items()
        if key != "scale" and (key not in params or params[key].default != value)
    }


def format_changed_arguments(name: str, kwargs: dict) -> str:
    """:func:`changed_arguments` as text, ``"n1=128, n2=64"`` (``""`` for the paper's)."""
    return ", ".join(f"{key}={value}" for key, value in changed_arguments(name, kwargs).items())
