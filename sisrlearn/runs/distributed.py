"""The process layout of a run under ``torchrun`` (DistributedDataParallel)."""

from __future__ import annotations

import os

import torch
from torch import nn

from ..runtime import get_device

__all__ = ["device_for_rank", "distributed_setup", "leave_process_group", "unwrap"]


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


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DistributedDataParallel wrapper (or the model itself)."""
    return model.module if hasattr(model, "module") else model


def leave_process_group() -> None:
    """Close the process group before exiting, so that no rank exits with gloo still running
    (which can abort it: "terminate called without an active exception")."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
