"""What a training run leaves behind: resumable checkpoints, the zoo record ``NAME.json``
beside the weights, and the process layout under ``torchrun``.

Shared by ``sisrlearn train`` (``trainer``) and ``python -m sisrlearn.colorize``.
"""

from __future__ import annotations

import json
import math
import os
import shlex
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from .runtime import get_device
from .train import History, save_weights

__all__ = ["command_line", "device_name", "write_record", "save_checkpoint", "restore",
           "thin_history", "distributed_setup", "device_for_rank", "unwrap",
           "check_paths"]  # fmt: skip


def check_paths(out, *, resume: bool, overwrite: bool) -> tuple[Path | None, Path | None]:
    """(``OUT.pt``, ``OUT.ckpt``) of a run, or (None, None) without ``out``: refuses to replace
    an earlier run's files unless ``overwrite``, and to resume without a checkpoint."""
    if out is None:
        if resume:
            raise ValueError("resume needs out= (the checkpoint lives beside it)")
        return None, None
    out = Path(out)
    if out.suffix != ".pt":
        raise ValueError(f"out must end in .pt, got {str(out)!r}")
    ckpt = out.with_suffix(".ckpt")
    if resume and not ckpt.is_file():
        raise ValueError(f"resume needs a checkpoint {ckpt} (written while training with out=)")
    if not resume and not overwrite:
        for path in (out, out.with_suffix(".json")):
            if path.exists():
                raise FileExistsError(
                    f"{path} exists; pass overwrite=True (--overwrite) to replace it "
                    "or resume=True (--resume) to continue"
                )
    return out, ckpt


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DistributedDataParallel wrapper (or the model itself)."""
    return model.module if hasattr(model, "module") else model


def restore(ckpt: Path, model: nn.Module, opt, device) -> History:
    """Load a checkpoint written by ``save_checkpoint`` into ``model`` and ``opt``."""
    state = torch.load(ckpt, map_location=device, weights_only=True)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    return History.from_dict(json.loads(state["history"]))


def save_checkpoint(path: Path, model: nn.Module, opt, history: History, metrics=None) -> None:
    """Model, optimiser and history (with ``metrics`` of this step, which ``fit`` records
    only after the evaluation returns) in one file, replaced atomically."""
    history = History.from_dict(json.loads(json.dumps(history.to_dict())))
    if metrics:
        history.eval_step.append(history.step[-1])
        for name, value in metrics.items():
            history.metrics.setdefault(name, []).append(float(value))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".ckpt.tmp")
    torch.save({"model": unwrap(model).state_dict(), "optimizer": opt.state_dict(),
                "history": json.dumps(history.to_dict())}, tmp)  # fmt: skip
    os.replace(tmp, path)


def thin_history(history: History, points: int = 500) -> dict:
    """The history with the loss averaged into at most ``points`` bins (a small JSON)."""
    data = history.to_dict()
    n = len(history.loss)
    if n > points:
        size = math.ceil(n / points)
        data["step"] = [history.step[min(i + size, n) - 1] for i in range(0, n, size)]
        data["loss"] = [sum(history.loss[i : i + size]) / len(history.loss[i : i + size])
                        for i in range(0, n, size)]  # fmt: skip
    return data


def device_name(device: torch.device) -> str:
    """``cpu (N threads)``, ``cuda:0 (GPU name)``: what the records and tables print."""
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def write_record(
    model: nn.Module,
    out: Path,
    *,
    model_name: str,
    kwargs: dict,
    scales: Sequence[int],
    recipe,
    history: History,
    device: torch.device,
    command: str,
    half: bool = False,
    world: int = 1,
    extra: dict | None = None,
) -> None:
    """``OUT.pt`` (the state_dict) and the zoo record ``OUT.json`` (the keys ``sisrlearn.zoo``
    reads, the recipe as trained, the thinned history, plus ``extra``)."""
    sha = save_weights(model, out, overwrite=True, half=half)
    record = {
        "model": model_name, "kwargs": kwargs,
        "scale": scales[0] if len(scales) == 1 else None, "scales": list(scales),
        "weights": out.name, "sha256": sha, "dtype": "float16" if half else "float32",
        "command": command, "steps": history.step[-1] if history.step else 0,
        "seconds": round(history.seconds, 1), "device": device_name(device),
        "processes": world, "torch": torch.__version__, "recipe": asdict(recipe),
        **(extra or {}), "history": thin_history(history),
    }  # fmt: skip
    out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")


def distributed_setup() -> tuple[int, int]:
    """(world size, rank): joins the process group under ``torchrun`` (NCCL on GPUs, gloo on
    CPUs); (1, 0) for a single process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 1, 0
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return world, dist.get_rank()


def device_for_rank(rank: int) -> torch.device:
    """This process's device: its own GPU under a multi-GPU ``torchrun``, else ``get_device``."""
    device = get_device()
    if device.type == "cuda" and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        local = int(os.environ.get("LOCAL_RANK", rank))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return device


def command_line(argv: Sequence[str]) -> str:
    """The ``sisrlearn`` command line ``argv`` as a shell line (for the JSON record)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    prefix = f"torchrun --nproc_per_node={world} -m sisrlearn" if world > 1 else "sisrlearn"
    return f"{prefix} {shlex.join(argv)}"
