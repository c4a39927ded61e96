"""``sisrlearn srgan``: SRGAN fine-tuning of a trained SRResNet, resumable, with a zoo record.

``finetune_srgan`` starts the generator from a shipped model (``"srresnet_x4"``) or a
``FILE.pt`` that ``sisrlearn train`` wrote (its ``FILE.json`` says which network it is), builds
a fresh discriminator for ``crop x crop`` HR crops, and runs :func:`sisrlearn.srgan.train_srgan`
(one discriminator step, then one generator step on ``content + adversarial_weight * -log D``).
Every ``eval_every`` steps it scores a validation folder: PSNR (matlab protocol, as
``sisrlearn bench``) and the :func:`~sisrlearn.srgan.sharpness` proxy, so the record shows the
generator trading PSNR for detail. It checkpoints both networks and both optimisers
(``OUT.ckpt``; Ctrl-C keeps one, ``resume=True`` continues on the same batches and refuses
changed settings) and writes ``OUT.pt`` + ``OUT.json``, a record like ``sisrlearn train``'s with
the pretraining it started from (``init``) and the adversarial settings (``adversarial``).
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, replace
from pathlib import Path

import torch
from torch import nn

from ..datasets import vgg19_weights_path
from ..methods import model_as_method, score_method
from ..metrics import prepare, sharpness
from ..models import MODELS, build_model
from ..models.srgan import SRGANDiscriminator
from ..perceptual import PerceptualLoss, VGGFeatures
from ..runtime import bf16_layout, get_device, set_seed
from ..srgan import SRGANHistory, train_srgan
from ..train import History, load_weights, repeat_batches
from .checkpoint import load_checkpoint, save_checkpoint
from .loop import epoch_loader
from .recipe import recipe_dataset, training_images
from .records import check_paths, lineage, resolve_init, thin_history, write_record

__all__ = ["finetune_srgan", "load_generator"]

CONTENT_LOSSES = ("mse", "vgg54")


def load_generator(init: str | Path, device=None) -> tuple[nn.Module, dict, str]:
    """(network, its record, a label) for a shipped model name or a ``FILE.pt`` with its
    ``FILE.json``.

    The record must describe a post-upsampling RGB network with one scale (SRResNet,
    EDSR-baseline): the generators SRGAN fine-tunes.
    """
    weights, record, label = resolve_init(init)
    name = record.get("model")
    entry = MODELS.get(name)
    recipe = entry.recipe if entry is not None and entry.kind == "sr" else None
    single_scale = len(record.get("scales") or []) == 1
    if recipe is None or recipe.upsampled or recipe.channels != "rgb" or not single_scale:
        raise ValueError(
            f"init must be a single-scale RGB network that upsamples itself (srresnet, "
            f"edsr_baseline), got {label!r} (model {name!r})"
        )
    model = build_model(name, **record.get("kwargs", {}))
    load_weights(model, weights, sha256=record.get("sha256"))
    return model.to(device or "cpu"), record, label


def _content_loss(content: str, vgg: str | Path | None, device) -> nn.Module:
    if content not in CONTENT_LOSSES:
        raise ValueError(f"content must be one of {CONTENT_LOSSES}, got {content!r}")
    if content == "mse":
        return nn.MSELoss()
    vgg = vgg or os.environ.get("SISRLEARN_VGG19") or vgg19_weights_path()
    if not vgg:
        raise ValueError(
            "content='vgg54' needs ImageNet VGG19 weights: run `sisrlearn data fetch vgg19`, "
            "or pass vgg=FILE (--vgg FILE); a random VGG would train a random-feature loss, "
            "not SRGAN's"
        )
    return PerceptualLoss(VGGFeatures(vgg, layer="relu5_4")).to(device)


def _scorer(model_name: str, images: dict, scale: int):
    """PSNR (matlab protocol, as ``sisrlearn bench``) and mean sharpness of the RGB outputs."""

    def score(model: nn.Module) -> dict[str, float]:
        model.eval()
        method = model_as_method(model, model_name, "training")
        psnr = score_method(method, list(images.items()), scale)["psnr"]
        device = next(model.parameters()).device
        sharp = []
        with torch.no_grad():
            for hr in images.values():
                lr, _ = prepare(hr, scale, "rgb")
                sr = model(lr[None].float().to(device)).clamp(0, 1).cpu()
                sharp.append(sharpness(sr).item())
        return {f"psnr_x{scale}": psnr, "sharpness": sum(sharp) / len(sharp)}

    return score


def finetune_srgan(
    init: str | Path,
    data: str | Path | None = None,
    *,
    steps: int,
    out: str | Path | None = None,
    val: str | Path | None = None,
    crop: int = 96,
    batch_size: int = 16,
    learning_rate: float = 1e-4,
    adversarial_weight: float = 1e-3,
    content: str = "mse",
    vgg: str | Path | None = None,
    disc_features: int = 64,
    eval_every: int = 500,
    checkpoint_every: int = 500,
    augment: bool = True,
    resume: bool = False,
    overwrite: bool = False,
    seed: int = 0,
    bf16: bool = False,
    device: torch.device | str | None = None,
    progress: bool = True,
    command: str | None = None,
) -> tuple[nn.Module, SRGANHistory, History]:
    """Fine-tune a trained generator as SRGAN (Ledig et al. 2017, section 3).

    Args:
        init: the generator to start from: a shipped model name (``"srresnet_x4"``) or a
            ``FILE.pt`` from ``sisrlearn train`` (with ``FILE.json``).
        data: HR training images: a dataset name (``"t91"``), a folder, or None for the
            bundled sample images.
        steps: SRGAN steps in all (each: one D step and one G step).
        out: ``OUT.pt``; beside it ``OUT.json`` (zoo record) and, while training, ``OUT.ckpt``.
        val: HR images (dataset name or folder) scored every ``eval_every`` steps (PSNR and
            sharpness).
        crop: HR crop side, the discriminator's input (96 in the paper; divisible by 16 and
            by the scale).
        batch_size, learning_rate: Adam's (beta1 0.9) for both networks (16, 1e-4 in the paper).
        adversarial_weight: the ``1e-3`` of eq. 3.
        content: ``"mse"`` (SRGAN-MSE) or ``"vgg54"`` (SRGAN-VGG54; needs ``vgg``).
        vgg: a torchvision VGG19 ``state_dict`` file (default: env ``SISRLEARN_VGG19``, else
            the file ``sisrlearn data fetch vgg19`` stored).
        disc_features: the discriminator's first width (64 in the paper; doubled every two
            layers up to 8x).
        resume: continue from ``out``'s checkpoint up to ``steps`` in all.
        bf16: on the CPU, train under bfloat16 autocast (``sisrlearn train --bf16``).

    Returns (generator, the per-step SRGAN record, the evaluation record).
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    for name, value in (
        ("eval_every", eval_every),
        ("checkpoint_every", checkpoint_every),
        ("batch_size", batch_size),
        ("disc_features", disc_features),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    out, ckpt = check_paths(out, resume=resume, overwrite=overwrite)
    device = torch.device(device) if device is not None else get_device()
    content_fn = _content_loss(content, vgg, device)
    gen_seed = set_seed(seed)
    generator, init_record, init_label = load_generator(init, device)
    model_name, scale = init_record["model"], init_record["scales"][0]
    fits = isinstance(crop, int) and not isinstance(crop, bool) and crop >= 16
    if not fits or crop % 16 or crop % scale:
        raise ValueError(f"crop must be a multiple of 16 and of the scale {scale}, got {crop!r}")
    discriminator = SRGANDiscriminator(num_features=disc_features, input_size=crop).to(device)
    bf16_layout(device, generator, discriminator, cpu=bf16)  # before the optimizers are built
    recipe = MODELS[model_name].recipe
    recipe = replace(
        recipe,
        patch_size=crop // scale,
        stride=max(1, crop // scale // 2),
        batch_size=batch_size,
        learning_rate=learning_rate,
        loss=content,
        steps=steps,
    )
    dataset = recipe_dataset(
        recipe, training_images(data), [scale], augment=augment, generator=gen_seed
    )
    opt_g = torch.optim.Adam(generator.parameters(), lr=learning_rate, betas=(0.9, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=learning_rate, betas=(0.9, 0.999))
    history, evals = SRGANHistory(), History()
    settings = {
        "init": init_record.get("sha256"),
        "crop": crop,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "adversarial_weight": adversarial_weight,
        "content": content,
        "disc_features": disc_features,
        "augment": augment,
        "seed": seed,
    }
    modules = {"generator": generator, "discriminator": discriminator}
    optimizers = {"generator": opt_g, "discriminator": opt_d}

    def save() -> None:
        save_checkpoint(
            ckpt,
            kind="srgan",
            settings=settings,
            modules=modules,
            optimizers=optimizers,
            histories={"history": asdict(history), "evals": evals.to_dict()},
        )

    if resume:
        saved = load_checkpoint(
            ckpt,
            kind="srgan",
            settings=settings,
            modules=modules,
            optimizers=optimizers,
            device=device,
        )
        history = SRGANHistory(**saved["history"])
        evals = History.from_dict(saved["evals"])
    done = history.step[-1] if history.step else 0
    if done >= steps:
        raise ValueError(f"the checkpoint already has {done} steps; ask for more than that")
    batches = repeat_batches(epoch_loader(dataset, batch_size, seed=seed, done_steps=done))
    scorer = _scorer(model_name, training_images(val), scale) if val is not None else None
    writer = out is not None
    chunk = math.gcd(eval_every, checkpoint_every)
    try:
        while done < steps:
            todo = min(chunk - done % chunk, steps - done)
            train_srgan(
                generator,
                discriminator,
                batches,
                steps=todo,
                content_loss=content_fn,
                adversarial_weight=adversarial_weight,
                learning_rate=learning_rate,
                optimizers=(opt_g, opt_d),
                history=history,
                progress=progress,
                cpu_bf16=bf16,
            )
            done = history.step[-1]
            if scorer is not None and (done == steps or done % eval_every == 0):
                evals.eval_step.append(done)
                for key, value in scorer(generator).items():
                    evals.metrics.setdefault(key, []).append(value)
            if writer and (done == steps or done % checkpoint_every == 0):
                save()
    except KeyboardInterrupt:
        if writer and history.step:
            save()
        raise
    generator.eval()
    if writer:
        evals.step, evals.loss, evals.seconds = history.step, history.g_loss, history.seconds
        gan_steps = {k: v for k, v in asdict(history).items() if k != "seconds"}
        write_record(
            generator,
            out,
            model_name=model_name,
            kwargs=init_record.get("kwargs", {}),
            scales=[scale],
            recipe=recipe,
            history=evals,
            device=device,
            data=str(data) if data is not None else None,
            cpu_bf16=bf16,
            command=command or "(called from Python: sisrlearn.runs.finetune_srgan)",
            extra={
                "init": lineage(init_record, init_label),
                "adversarial": {
                    "weight": adversarial_weight,
                    "loss": "nonsaturating",
                    "content": content,
                    "crop": crop,
                    "discriminator": {"num_features": disc_features, "input_size": crop},
                },
                "gan_history": _thin_gan(gan_steps),
            },
        )
        ckpt.unlink(missing_ok=True)
    return generator, history, evals


def _thin_gan(steps: dict, points: int = 100) -> dict:
    """Every per-step series of an SRGAN history, averaged into at most ``points`` bins."""
    thinned = {}
    for key in ("g_loss", "content", "adversarial", "d_loss", "d_real", "d_fake"):
        part = thin_history(History(step=steps["step"], loss=steps[key]), points)
        thinned["step"], thinned[key] = part["step"], part["loss"]
    return thinned
