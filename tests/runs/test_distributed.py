"""``torchrun --nproc_per_node=2 -m sisrlearn train`` (DistributedDataParallel, gloo on the CPU)
trains the same weights as one process on the same global batch."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sisrlearn.cli import main

pytestmark = pytest.mark.skipif(
    not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
    reason="this torch build has no torch.distributed gloo backend",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun() -> list[str]:
    exe = Path(sys.executable).with_name("torchrun")
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("torchrun")
    return [found] if found else [sys.executable, "-m", "torch.distributed.run"]


@pytest.mark.slow  # starts two processes under torchrun
def test_two_processes_train_the_same_weights_as_one(tmp_path, hr_folder):
    data = hr_folder
    args = [
        "train",
        "srcnn",
        "--scale",
        "2",
        "--data",
        str(data),
        "--steps",
        "3",
        "--batch-size",
        "8",
        "--lr",
        "1e-3",
        "--no-augment",
        "--model-arg",
        "n1=8",
        "--model-arg",
        "n2=4",
        "--quiet",
    ]
    one, two = tmp_path / "one.pt", tmp_path / "ddp.pt"
    torchrun = [
        *_torchrun(),
        "--nnodes=1",
        "--nproc-per-node=2",
        "--master-addr=127.0.0.1",
        f"--master-port={_free_port()}",
        "-m",
        "sisrlearn",
        *args,
        "--out",
        str(two),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "SISRLEARN_FAST": "1"}
    with subprocess.Popen(
        torchrun, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as ddp_run:
        # meanwhile the same command in one process (`python -m sisrlearn train ...`)
        assert "WORLD_SIZE" not in os.environ
        assert main([*args, "--out", str(one)]) == 0
        try:
            log, _ = ddp_run.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            ddp_run.kill()
            raise
    assert ddp_run.returncode == 0, f"{' '.join(torchrun)}\n{log}"

    single = torch.load(one, weights_only=True)
    ddp = torch.load(two, weights_only=True)
    assert single.keys() == ddp.keys()
    for key in single:
        torch.testing.assert_close(ddp[key], single[key], rtol=0, atol=1e-5, msg=key)
    record = json.loads(two.with_suffix(".json").read_text())
    assert record["processes"] == 2 and len(record["history"]["loss"]) == 3
    assert record["command"].startswith("torchrun --nproc_per_node=2 -m sisrlearn train srcnn")
    assert json.loads(one.with_suffix(".json").read_text())["processes"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["hr", "one.pt", "one.json", "ddp.pt", "ddp.json"]
    ), "only rank 0 writes, and no checkpoint is left behind"
