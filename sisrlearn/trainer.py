"""``sisrlearn train``: a model's registered recipe, run resumably, with a JSON record.

``train_recipe`` builds the training pairs (``PatchDataset``) the recipe asks for, trains with
``train.fit`` (Adam or SGD, cosine decay), scores a validation folder with the same code as
``sisrlearn bench``, checkpoints every N steps (Ctrl-C keeps a checkpoint; ``resume=True``
continues on exactly the batches an uninterrupted run would have seen) and writes
``OUT.pt`` (state_dict) + ``OUT.json`` (the zoo record: model, arguments, sha256, command,
steps, time, device, thinned history). Under ``torchrun`` it runs DistributedDataParallel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import ConcatDataset, Dataset

from . import bench
from ._validate import as_batch, check_scale, unbatch
from .images import load_folder, sample_set
from .models import MODELS, Recipe, build_model
from .models.drcn import AllRecursions, RecursiveSupervision
from .patches import PatchDataset
from .records import (
    check_paths,
    command_line,
    device_for_rank,
    distributed_setup,
    restore,
    save_checkpoint,
    unwrap,
    write_record,
)
from .resize import imresize
from .runloop import Clock, cosine_from, epoch_loader, recipe_optimizer
from .runtime import bf16_layout, set_seed
from .train import History, fit

__all__ = ["train_recipe", "recipe_dataset", "model_method", "model_as_method", "command_line"]


def model_method(model: nn.Module, *, upsampled: bool):
    """``fn(lr, scale)`` for ``bench``: bicubic-upscale first for pre-upsampling models."""
    model.eval()

    def fn(lr: torch.Tensor, scale: int) -> torch.Tensor:
        batch, single = as_batch(lr, "lr")  # (C, h, w) or (N, C, h, w)
        param = next(model.parameters())
        x = imresize(batch, scale) if upsampled else batch
        with torch.no_grad():
            out = model(x.to(param.device, torch.float32))
        return unbatch(out.to(lr.dtype).cpu(), single)

    return fn


def model_as_method(model: nn.Module, model_name: str, name: str | None = None) -> bench.Method:
    """A built ``model_name`` network as a ``bench`` method: its recipe says whether it takes
    the bicubic-upscaled input and whether it works on Y or RGB."""
    recipe = MODELS[model_name].recipe
    channels = "y" if recipe.channels == "y" else "rgb"
    fn = model_method(model, upsampled=recipe.upsampled)
    return bench.Method(name or model_name, fn, channels)


def recipe_dataset(
    recipe: Recipe,
    images: str | Path | dict | None,
    scales: Sequence[int],
    *,
    label_crop: int = 0,
    augment: bool = True,
    generator: torch.Generator | None = None,
) -> Dataset:
    """The training pairs a recipe asks for, on every scale in ``scales`` (concatenated).

    ``images``: a folder, a mapping of (C, H, W) tensors, or None for the bundled images.
    """
    if images is None:
        images = sample_set("train")
    elif isinstance(images, (str, Path)):
        images = load_folder(images)
    parts = [
        PatchDataset(images, s, patch_size=recipe.patch_size, stride=recipe.stride,
                     label_crop=label_crop, channels=recipe.channels,
                     upsampled=recipe.upsampled, augment=augment, generator=generator)
        for s in scales
    ]  # fmt: skip
    return ConcatDataset(parts) if len(parts) > 1 else parts[0]


def train_recipe(
    model_name: str,
    scale: int,
    data: str | Path | None = None,
    *,
    steps: int | None = None,
    out: str | Path | None = None,
    val: str | Path | None = None,
    eval_every: int = 1000,
    checkpoint_every: int = 1000,
    optimizer: str | None = None,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    patch_size: int | None = None,
    model_kwargs: dict | None = None,
    augment: bool = True,
    resume: bool = False,
    overwrite: bool = False,
    half: bool = False,
    bf16: bool = False,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    command: str | None = None,
) -> tuple[nn.Module, History]:
    """Train ``model_name`` with its registered :class:`~sisrlearn.models.Recipe`.

    Args:
        scale: SR factor (ignored by multi-scale recipes, which train on ``recipe.scales``).
        data: folder of HR training images (default: the bundled training images).
        steps: total optimisation steps (default: the recipe's).
        out: the ``state_dict`` file (``.pt``); beside it ``.json`` (the zoo record) and,
            while training, ``.ckpt`` (resumable checkpoint).
        val: folder of HR images scored (matlab protocol PSNR) every ``eval_every`` steps.
        optimizer, learning_rate, batch_size: override the recipe.
        patch_size: override the recipe's sub-image side (on the input's grid); the stride
            keeps the recipe's ratio to it. The record stores the recipe as trained.
        model_kwargs: constructor arguments (e.g. ``f2=1`` for SRCNN 9-1-5).
        resume: continue from ``out``'s checkpoint up to ``steps`` in all.
        overwrite: replace an existing ``out``.
        half: store the weights in float16.
        bf16: on the CPU, train under bfloat16 autocast with channels-last tensors (about 3x
            faster where the CPU has AMX; see ``sisrlearn doctor``). The record says so.
        command: the command line stored in the record.

    Under ``torchrun`` (``WORLD_SIZE`` > 1) the model is wrapped in DistributedDataParallel
    (NCCL on GPUs, gloo on CPUs), each process takes ``batch_size / world_size`` pairs of the
    global batch, and only rank 0 writes files.
    """
    recipe, scales, steps = _resolve(model_name, scale, steps)
    recipe = _override(recipe, optimizer, learning_rate, batch_size, patch_size, steps)
    out, ckpt = check_paths(out, resume=resume, overwrite=overwrite)
    batch_size = recipe.batch_size
    world, rank = distributed_setup()
    if batch_size % world:
        raise ValueError(f"batch_size={batch_size} must divide by the {world} processes")
    generator = set_seed(seed)
    device = torch.device(device) if device is not None else device_for_rank(rank)
    kwargs = _build_kwargs(model_name, dict(model_kwargs or {}), scales)
    model = build_model(model_name, **kwargs, **recipe.train_kwargs).to(device)
    bf16_layout(device, model, cpu=bf16)  # before DDP and the optimizer are built
    crop = model.border if recipe.train_kwargs.get("padding") == "valid" else 0
    # each process draws its own flips/rotations (rank 0 keeps the single-process stream)
    augment_gen = generator if rank == 0 else torch.Generator().manual_seed(seed + rank)
    dataset = recipe_dataset(recipe, data, scales, label_crop=crop, augment=augment,
                             generator=augment_gen)  # fmt: skip
    trained = AllRecursions(model) if recipe.loss == "recursive" else model
    net = nn.parallel.DistributedDataParallel(trained) if world > 1 else trained
    learning_rate = recipe.learning_rate
    opt = recipe_optimizer(model, net, recipe.optimizer, learning_rate)
    history = restore(ckpt, model, opt, device) if resume else History()
    done = history.step[-1] if history.step else 0
    if done >= steps:
        raise ValueError(f"the checkpoint already has {done} steps; ask for more than that")
    loader = epoch_loader(dataset, batch_size // world, seed=seed, done_steps=done, world=world,
                          rank=rank)  # fmt: skip
    writer = rank == 0 and out is not None
    clock = Clock(history)
    scorer = _scorer(model_name, kwargs, load_folder(val), scales, device) if val else None

    def on_eval(_net: nn.Module) -> dict[str, float]:
        step = history.step[-1]
        metrics = {}
        if scorer is not None and rank == 0 and (step == steps or step % eval_every == 0):
            metrics = scorer(model)
        if writer and (step == steps or step % checkpoint_every == 0):
            save_checkpoint(ckpt, model, opt, clock.stamp(), metrics)
        return metrics

    try:
        fit(net, loader, _loss(recipe.loss, done, steps), steps=steps - done, optimizer=opt,
            learning_rate=learning_rate, scheduler=cosine_from(done, steps),
            grad_clip=recipe.grad_clip, eval_fn=on_eval,
            eval_every=math.gcd(eval_every, checkpoint_every), history=history,
            progress=progress and rank == 0, cpu_bf16=bf16)  # fmt: skip
    except KeyboardInterrupt:
        if writer:
            save_checkpoint(ckpt, model, opt, clock.stamp())
        raise
    clock.stamp()
    model.eval()
    if writer:
        write_record(
            model,
            out,
            model_name=model_name,
            kwargs=kwargs,
            scales=scales,
            recipe=recipe,
            history=history,
            device=device,
            half=half,
            world=world,
            extra={"cpu_bf16": True} if bf16 else None,
            command=command or "(called from Python: sisrlearn.trainer.train_recipe)",
        )
        ckpt.unlink(missing_ok=True)
    return model, history


def _resolve(model_name: str, scale: int, steps: int | None):
    if model_name not in MODELS:
        raise ValueError(f"model must be one of {', '.join(sorted(MODELS))}, got {model_name!r}")
    recipe = MODELS[model_name].recipe
    scales = tuple(recipe.scales) or (check_scale(scale),)
    steps = recipe.steps if steps is None else steps
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    return recipe, scales, steps


def _override(recipe: Recipe, optimizer, learning_rate, batch_size, patch_size, steps) -> Recipe:
    """The recipe as this run trains it (the record stores this one, not the default)."""
    if patch_size is not None:
        if isinstance(patch_size, bool) or not isinstance(patch_size, int) or patch_size < 1:
            raise ValueError(f"patch_size must be a positive int, got {patch_size!r}")
        stride = max(1, round(recipe.stride * patch_size / recipe.patch_size))
        recipe = replace(recipe, patch_size=patch_size, stride=stride)
    return replace(recipe, optimizer=optimizer or recipe.optimizer,
                   learning_rate=learning_rate or recipe.learning_rate,
                   batch_size=batch_size or recipe.batch_size, steps=steps)  # fmt: skip


def _build_kwargs(model_name: str, kwargs: dict, scales: Sequence[int]) -> dict:
    """Constructor arguments: post-upsampling single-scale models are built for their scale."""
    recipe = MODELS[model_name].recipe
    if not recipe.upsampled and not recipe.scales:
        kwargs.setdefault("scale", scales[0])
    return kwargs


def _loss(name: str, done: int = 0, total: int = 1) -> nn.Module:
    if name == "mse":
        return nn.MSELoss()
    if name == "l1":
        return nn.L1Loss()
    if name == "recursive":
        return RecursiveSupervision(total, done)
    raise ValueError(f"loss must be 'mse', 'l1' or 'recursive', got {name!r}")


def _scorer(model_name: str, kwargs: dict, images: dict, scales: Sequence[int], device):
    """Mean PSNR (matlab protocol) of the *inference* form of the model (e.g. SRCNN with
    "same" padding), computed by the same code as ``sisrlearn bench``."""

    def score(model: nn.Module) -> dict[str, float]:
        infer = build_model(model_name, **kwargs).to(device)
        infer.load_state_dict(unwrap(model).state_dict())
        method = model_as_method(infer, model_name, "training")
        return {f"psnr_x{s}": bench._score(method, "val", list(images.items()), s, "matlab")
                ["psnr"] for s in scales}  # fmt: skip

    return score
