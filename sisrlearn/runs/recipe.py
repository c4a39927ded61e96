"""``sisrlearn train``: a model's registered recipe, run resumably, with a JSON record.

``train_recipe`` builds the training pairs (``PatchDataset``) the recipe asks for, trains with
``train.fit`` (Adam or SGD, cosine decay to 1%), scores a validation set with the same code as
``sisrlearn bench``, checkpoints every N steps (Ctrl-C keeps a checkpoint; ``resume=True``
continues on exactly the batches an uninterrupted run would have seen, and refuses changed
settings) and writes ``OUT.pt`` + ``OUT.json`` (the record: model, arguments, sha256, command,
steps, time, hardware, thinned history). ``init`` starts from shipped or earlier weights and the
record keeps that lineage. Under ``torchrun`` it runs DistributedDataParallel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import ConcatDataset, Dataset

from .._validate import check_scale
from ..datasets import resolve_dataset
from ..images import load_folder, sample_set
from ..methods import model_as_method, score_method
from ..models import MODELS, Recipe, build_model, models_of_kind
from ..models.drcn import AllRecursions, RecursiveSupervision
from ..patches import PatchDataset
from ..resize import imresize
from ..runtime import bf16_layout, budget, set_seed
from ..train import History, cosine_schedule, fit, load_weights, make_optimizer
from ..zoo import load_pretrained, zoo_entries
from .checkpoint import load_checkpoint, save_checkpoint
from .distributed import device_for_rank, distributed_setup, unwrap
from .loop import Clock, epoch_loader
from .records import check_paths, lineage, resolve_init, write_record

__all__ = [
    "FSRCNN_DOWNSCALES",
    "downscaled_copies",
    "recipe_dataset",
    "train_or_load",
    "train_recipe",
    "training_images",
]

# FSRCNN (Dong, Loy, Tang, ECCV 2016, Sec. 4.1): every training image also scaled down by these
FSRCNN_DOWNSCALES = (0.9, 0.8, 0.7, 0.6)


def training_images(data: str | Path | dict | None) -> dict[str, torch.Tensor]:
    """HR training images: a dataset name (``t91``), a folder, a mapping of (C, H, W) tensors,
    or None for the bundled sample images."""
    if data is None:
        return sample_set("train")
    if isinstance(data, dict):
        return data
    return load_folder(resolve_dataset(data))


def downscaled_copies(
    images: dict[str, torch.Tensor], factors: Sequence[float]
) -> dict[str, torch.Tensor]:
    """``images`` and, for each factor, a copy of every image scaled down by it.

    The data augmentation of FSRCNN (``FSRCNN_DOWNSCALES``: 0.9, 0.8, 0.7, 0.6, which makes
    five times the images before the flips and rotations): the same scenes with finer detail
    per pixel. MATLAB bicubic with antialiasing (``imresize``), clipped to [0, 1]; a copy is
    named ``NAME@FACTOR``.
    """
    for f in factors:
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f < 1:
            raise ValueError(f"downscale factors must be numbers in (0, 1), got {f!r}")
    out = dict(images)
    for f in factors:
        for name, img in images.items():
            out[f"{name}@{f:g}"] = imresize(img.double(), f).clamp(0, 1).to(img.dtype)
    return out


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

    ``images``: a dataset name, a folder, a mapping of (C, H, W) tensors, or None for the
    bundled sample images.
    """
    images = training_images(images)
    parts = [
        PatchDataset(
            images,
            s,
            patch_size=recipe.patch_size,
            stride=recipe.stride,
            label_crop=label_crop,
            channels=recipe.channels,
            upsampled=recipe.upsampled,
            augment=augment,
            generator=generator,
        )
        for s in scales
    ]
    return ConcatDataset(parts) if len(parts) > 1 else parts[0]


def train_recipe(
    model_name: str,
    scale: int,
    data: str | Path | dict | None = None,
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
    loss: str | None = None,
    model_kwargs: dict | None = None,
    init: str | Path | None = None,
    augment: bool = True,
    downscale: Sequence[float] = (),
    resume: bool = False,
    overwrite: bool = False,
    half: bool = False,
    bf16: bool = False,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    command: str | None = None,
) -> tuple[nn.Module, History]:
    """Train the SR network ``model_name`` with its registered :class:`~sisrlearn.models.Recipe`.

    Args:
        scale: SR factor (ignored by multi-scale recipes, which train on ``recipe.scales``).
        data: HR training images: a dataset name (``"t91"``), a folder, or None for the
            bundled sample images.
        steps: total optimisation steps (default: the recipe's).
        out: the ``state_dict`` file (``.pt``); beside it ``.json`` (the record) and, while
            training, ``.ckpt`` (resumable checkpoint).
        val: HR images (dataset name or folder) scored (matlab protocol PSNR) every
            ``eval_every`` steps.
        optimizer, learning_rate, batch_size: override the recipe (an explicit value is used
            or refused, never replaced by the recipe's).
        patch_size: override the recipe's sub-image side (on the input's grid); the stride
            keeps the recipe's ratio to it. The record stores the recipe as trained.
        loss: override the recipe's loss: ``"mse"``, ``"l1"`` or ``"recursive"`` (DRCN
            only). ``"mse"`` on a DRCN trains its ensemble output alone, where recursive
            supervision's ``alpha`` ends; a run from ``init`` otherwise starts that schedule
            again at ``alpha = 1``.
        model_kwargs: constructor arguments (e.g. ``f2=1`` for SRCNN 9-1-5).
        init: start from these weights: a shipped model (``"fsrcnn_x2"``) or a ``FILE.pt``
            with its ``FILE.json`` record; the same network and arguments are used (taken
            from the record when ``model_kwargs`` is empty), and the record keeps the whole
            lineage of commands.
        augment: random flips and 90-degree rotations of the training crops.
        downscale: also train on every image scaled down by each of these factors
            (``downscaled_copies``; FSRCNN's ``FSRCNN_DOWNSCALES``); default none.
        resume: continue from ``out``'s checkpoint up to ``steps`` in all; the settings must
            be those of the checkpointed run.
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
    recipe = _override_loss(recipe, model_name, loss)
    out, ckpt = check_paths(out, resume=resume, overwrite=overwrite)
    for name, value in (("eval_every", eval_every), ("checkpoint_every", checkpoint_every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    resolved = resolve_init(init) if init is not None else None
    if resolved is not None and not model_kwargs and resolved[1].get("model") == model_name:
        model_kwargs = resolved[1].get("kwargs", {})  # continue the network as it was built
    kwargs = _build_kwargs(model_name, dict(model_kwargs or {}), scales)
    init_weights, init_record = _init(resolved, model_name, kwargs, scales)
    train_images = downscaled_copies(training_images(data), downscale)
    val_images = training_images(val) if val is not None else None
    world, rank = distributed_setup()
    if recipe.batch_size % world:
        raise ValueError(f"batch_size={recipe.batch_size} must divide by the {world} processes")
    generator = set_seed(seed)
    device = torch.device(device) if device is not None else device_for_rank(rank)
    model = build_model(model_name, **kwargs, **recipe.train_kwargs)
    if init_weights is not None:
        load_weights(model, init_weights, sha256=init_record.get("sha256"))
    model = model.to(device)
    bf16_layout(device, model, cpu=bf16)  # before DDP and the optimizer are built
    crop = model.border if recipe.train_kwargs.get("padding") == "valid" else 0
    # each process draws its own flips/rotations (rank 0 keeps the single-process stream)
    augment_gen = generator if rank == 0 else torch.Generator().manual_seed(seed + rank)
    dataset = recipe_dataset(
        recipe, train_images, scales, label_crop=crop, augment=augment, generator=augment_gen
    )
    trained = AllRecursions(model) if recipe.loss == "recursive" else model
    net = nn.parallel.DistributedDataParallel(trained) if world > 1 else trained
    opt = make_optimizer(model, recipe.optimizer, recipe.learning_rate)
    settings = {
        "model": model_name,
        "kwargs": kwargs,
        "scales": list(scales),
        "recipe": {k: v for k, v in asdict(recipe).items() if k != "steps"},
        "seed": seed,
        "augment": augment,
        "init": init_record.get("sha256"),
        "processes": world,
    }
    if downscale:  # only when used: checkpoints written before the option still resume
        settings["downscale"] = [float(f) for f in downscale]
    history = History()
    if resume:
        saved = load_checkpoint(
            ckpt,
            kind="train",
            settings=settings,
            modules={"model": model},
            optimizers={"optimizer": opt},
            device=device,
        )
        history = History.from_dict(saved["history"])
    done = history.step[-1] if history.step else 0
    if done >= steps:
        raise ValueError(f"the checkpoint already has {done} steps; ask for more than that")
    loader = epoch_loader(
        dataset, recipe.batch_size // world, seed=seed, done_steps=done, world=world, rank=rank
    )
    writer = rank == 0 and out is not None
    clock = Clock(history)
    scorer = _scorer(model_name, kwargs, val_images, scales, device) if val_images else None

    def checkpoint(metrics: dict | None = None) -> None:
        record = clock.stamp().to_dict()
        if metrics:
            record["eval_step"] = [*record["eval_step"], history.step[-1]]
            record["metrics"] = {
                k: [*record["metrics"].get(k, []), float(v)] for k, v in metrics.items()
            }
        save_checkpoint(
            ckpt,
            kind="train",
            settings=settings,
            modules={"model": model},
            optimizers={"optimizer": opt},
            histories={"history": record},
        )

    def on_eval(_net: nn.Module) -> dict[str, float]:
        step = history.step[-1]
        metrics = {}
        if scorer is not None and rank == 0 and (step == steps or step % eval_every == 0):
            metrics = scorer(model)
        if writer and (step == steps or step % checkpoint_every == 0):
            checkpoint(metrics)
        return metrics

    try:
        fit(
            net,
            loader,
            _loss(recipe.loss, done, steps),
            steps=steps - done,
            optimizer=opt,
            learning_rate=recipe.learning_rate,
            scheduler=cosine_schedule(steps, start=done, floor=0.01),
            grad_clip=recipe.grad_clip,
            eval_fn=on_eval,
            eval_every=math.gcd(eval_every, checkpoint_every),
            history=history,
            progress=progress and rank == 0,
            cpu_bf16=bf16,
        )
    except KeyboardInterrupt:
        if writer and history.step:
            checkpoint()
        raise
    clock.stamp()
    model.eval()
    if writer:
        extra = {"init": lineage(init_record, init)} if init_record else None
        write_record(
            model,
            out,
            model_name=model_name,
            kwargs=kwargs,
            scales=scales,
            recipe=recipe,
            history=history,
            device=device,
            data=str(data) if data is not None and not isinstance(data, dict) else None,
            half=half,
            cpu_bf16=bf16,
            world=world,
            extra=extra,
            command=command or "(called from Python: sisrlearn.runs.train_recipe)",
        )
        ckpt.unlink(missing_ok=True)
    return model, history


def train_or_load(
    name: str,
    *,
    steps: int | None = None,
    data: str | Path | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> nn.Module:
    """The shipped weights of ``name`` (``"srcnn_x3"``) if there are any; else train it.

    Without shipped weights the model is trained on ``data`` (default: the bundled sample
    images) for ``steps`` (default: ``budget(gpu=recipe, cpu=recipe // 10, fast=20)``).
    """
    if name in zoo_entries():
        return load_pretrained(name, device=device)
    model_name, scale = parse_name(name)
    recipe = MODELS[model_name].recipe
    if steps is None:
        steps = budget(gpu=recipe.steps, cpu=max(recipe.steps // 10, 1), fast=20)
    model, _ = train_recipe(
        model_name, scale or 2, data, steps=steps, device=device, progress=progress
    )
    return model.eval()


def parse_name(name: str) -> tuple[str, int | None]:
    """``"srcnn_x3"`` -> ``("srcnn", 3)``; ``"vdsr"`` -> ``("vdsr", None)``."""
    model, _, scale = name.rpartition("_x") if "_x" in name else (name, "", "")
    if model not in MODELS or (scale and not scale.isdigit()):
        raise ValueError(
            f"name must be a model name such as 'srcnn_x3' (models: "
            f"{', '.join(models_of_kind('sr'))}), got {name!r}"
        )
    return model, int(scale) if scale else None


def _resolve(model_name: str, scale: int, steps: int | None):
    if model_name not in MODELS or MODELS[model_name].kind != "sr":
        raise ValueError(
            f"model must be an SR network ({', '.join(models_of_kind('sr'))}), got {model_name!r}"
        )
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
    if learning_rate is not None and not (
        isinstance(learning_rate, (int, float))
        and math.isfinite(learning_rate)
        and 0 < learning_rate <= 10
    ):
        raise ValueError(f"learning_rate must be a number in (0, 10], got {learning_rate!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if optimizer is not None and optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    return replace(
        recipe,
        optimizer=recipe.optimizer if optimizer is None else optimizer,
        learning_rate=recipe.learning_rate if learning_rate is None else float(learning_rate),
        batch_size=recipe.batch_size if batch_size is None else batch_size,
        steps=steps,
    )


def _override_loss(recipe: Recipe, model_name: str, loss: str | None) -> Recipe:
    if loss is None:
        return recipe
    _loss(loss)  # an unknown name fails here, before any work
    if loss == "recursive" and recipe.loss != "recursive":
        raise ValueError(f"loss='recursive' is DRCN's recursive supervision; {model_name} has none")
    return replace(recipe, loss=loss)


def _build_kwargs(model_name: str, kwargs: dict, scales: Sequence[int]) -> dict:
    """Constructor arguments: post-upsampling single-scale models are built for their scale."""
    recipe = MODELS[model_name].recipe
    if not recipe.upsampled and not recipe.scales:
        kwargs.setdefault("scale", scales[0])
    build_model(model_name, **kwargs)  # unknown arguments fail here, before any work
    return kwargs


def _init(resolved, model_name: str, kwargs: dict, scales) -> tuple[Path | None, dict]:
    """(weights file, its record) to start from (``resolve_init``'s answer or None), checked
    to be the same network."""
    if resolved is None:
        return None, {}
    weights, record, label = resolved
    same = record.get("model") == model_name and record.get("kwargs", {}) == kwargs
    if not same or list(record.get("scales", [])) != list(scales):
        raise ValueError(
            f"init {label!r} is {record.get('model')} {record.get('kwargs')} at scales "
            f"{record.get('scales')}, not {model_name} {kwargs} at scales {list(scales)}"
        )
    return weights, record


# the names a recipe's ``loss`` (and ``train_recipe(loss=...)``, ``--loss``) may take
LOSSES = ("mse", "l1", "recursive")


def _loss(name: str, done: int = 0, total: int = 1) -> nn.Module:
    if name == "mse":
        return nn.MSELoss()
    if name == "l1":
        return nn.L1Loss()
    if name == "recursive":
        return RecursiveSupervision(total, done)
    raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {name!r}")


def _scorer(model_name: str, kwargs: dict, images: dict, scales: Sequence[int], device):
    """Mean PSNR (matlab protocol) of the *inference* form of the model (e.g. SRCNN with
    "same" padding), computed by the same code as ``sisrlearn bench``."""

    def score(model: nn.Module) -> dict[str, float]:
        infer = build_model(model_name, **kwargs).to(device)
        infer.load_state_dict(unwrap(model).state_dict())
        method = model_as_method(infer, model_name, "training")
        pairs = list(images.items())
        return {f"psnr_x{s}": score_method(method, pairs, s)["psnr"] for s in scales}

    return score
