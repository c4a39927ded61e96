"""The course's networks: ``MODELS`` (name -> registered entry) and ``build_model``.

Every module in this package registers its networks with ``@register_model(name, recipe=...)``;
the modules are imported here, so ``MODELS`` is complete after ``import sisrlearn.models``.
A :class:`Recipe` says how ``sisrlearn train`` feeds and trains the network (what the input is,
patch sizes, optimiser, learning rate, loss).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import nn

__all__ = ["MODELS", "ModelEntry", "Recipe", "build_model", "register_model"]


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
    """A registered network: its builder, its training recipe and a one-line description."""

    name: str
    builder: Callable[..., nn.Module]
    recipe: Recipe
    description: str = ""


MODELS: dict[str, ModelEntry] = {}


def register_model(name: str, *, recipe: Recipe | None = None, description: str = ""):
    """Class/function decorator adding a network to ``MODELS`` under ``name``."""

    def decorate(builder):
        if name in MODELS:
            raise ValueError(f"model {name!r} is already registered")
        doc = description or (builder.__doc__ or "").strip().splitlines()[0:1]
        text = doc if isinstance(doc, str) else (doc[0] if doc else "")
        MODELS[name] = ModelEntry(name, builder, recipe or Recipe(), text)
        return builder

    return decorate


def build_model(name: str, **kwargs) -> nn.Module:
    """Build the registered network ``name`` with keyword arguments for its constructor."""
    if name not in MODELS:
        raise ValueError(f"name must be one of {', '.join(sorted(MODELS))}, got {name!r}")
    try:
        return MODELS[name].builder(**kwargs)
    except TypeError as err:
        raise TypeError(f"build_model({name!r}, ...): {err}") from err


for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")
