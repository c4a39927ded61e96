"""Saving, loading and shipping ScSR dictionaries; the ``scsr`` method of ``sisrlearn bench``;
``python -m sisrlearn.sparse`` learns one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch

from .. import bench
from .._validate import check_scale
from .scsr import CoupledDictionary, learn_coupled_dictionary, scsr

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"


def save_dictionary(dictionary: CoupledDictionary, path: str | Path, *,
                    overwrite: bool = False, record: dict | None = None) -> str:  # fmt: skip
    """Write the atoms to ``path`` (``.pt``) and a JSON record beside it; return the sha256."""
    from ..train import sha256_of

    path = Path(path)
    if path.suffix != ".pt":
        raise ValueError(f"path must end in .pt, got {str(path)!r}")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{str(path)!r} exists; pass overwrite=True to replace it")
    state = {"hr_atoms": dictionary.hr_atoms.contiguous(),
             "lr_atoms": dictionary.lr_atoms.contiguous()}  # fmt: skip
    torch.save(state, path)
    sha = sha256_of(path)
    meta = {"method": "scsr", "weights": path.name, "sha256": sha, "scale": dictionary.scale,
            "patch_size": dictionary.patch_size, "num_atoms": dictionary.num_atoms,
            "lam": dictionary.lam, **dictionary.info, **(record or {})}  # fmt: skip
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    return sha


def load_dictionary(path: str | Path, *, sha256: str | None = None) -> CoupledDictionary:
    """Read a dictionary written by :func:`save_dictionary` (sha256 checked against the JSON)."""
    from ..train import sha256_of

    path = Path(path)
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise ValueError(f"path must be a dictionary .pt with its .json beside it, got {path}")
    meta = json.loads(meta_path.read_text())
    expected = sha256 or meta.get("sha256")
    if expected and (actual := sha256_of(path)) != expected:
        raise ValueError(f"dictionary file {str(path)!r} has sha256 {actual[:16]}..., expected "
                         f"{expected[:16]}...: corrupt, or not the file expected")  # fmt: skip
    state = torch.load(path, map_location="cpu", weights_only=True)
    info = {k: v for k, v in meta.items() if k not in ("scale", "patch_size", "lam")}
    return CoupledDictionary(state["hr_atoms"].float(), state["lr_atoms"].float(),
                             meta["scale"], meta["patch_size"], meta["lam"], info)  # fmt: skip


def shipped_dictionary(scale: int) -> CoupledDictionary:
    """The coupled dictionary shipped in ``sisrlearn/weights/scsr_dict_x{scale}.pt``."""
    check_scale(scale)
    path = WEIGHTS_DIR / f"scsr_dict_x{scale}.pt"
    if not path.is_file():
        shipped = sorted(int(p.stem.rsplit("x", 1)[1]) for p in WEIGHTS_DIR.glob("scsr_dict_x*.pt"))
        raise ValueError(f"scale must be one with a shipped ScSR dictionary {shipped}, got {scale}")
    return load_dictionary(path)


_CACHE: dict[int, CoupledDictionary] = {}


def _scsr_method(lr: torch.Tensor, scale: int) -> torch.Tensor:
    if scale not in _CACHE:
        _CACHE[scale] = shipped_dictionary(scale)
    return scsr(lr, _CACHE[scale])


bench.register_method(
    "scsr", _scsr_method, channels="y", overwrite=True,
    description="ScSR (Yang et al. 2010): coupled-dictionary sparse coding, shipped dictionaries",
)  # fmt: skip


def _main(argv: Sequence[str] | None = None) -> int:
    """``python -m sisrlearn.sparse --data T91 --scale 3 --out weights/scsr_dict_x3.pt``."""
    import argparse
    import shlex
    import sys
    import time

    from ..images import load_folder

    parser = argparse.ArgumentParser(prog="python -m sisrlearn.sparse",
                                     description="learn a coupled ScSR dictionary")  # fmt: skip
    parser.add_argument("--data", required=True, help="folder of HR training images")
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--out", required=True, help="FILE.pt (FILE.json gets the record)")
    parser.add_argument("--atoms", type=int, default=512)
    parser.add_argument("--patches", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lam", type=float, default=0.15)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    d = learn_coupled_dictionary(
        load_folder(args.data), args.scale, num_atoms=args.atoms, num_patches=args.patches,
        lam=args.lam, epochs=args.epochs,
    )  # fmt: skip
    argv = sys.argv[1:] if argv is None else list(argv)
    record = {"command": "python -m sisrlearn.sparse " + shlex.join(argv),
              "seconds": round(time.perf_counter() - started, 1),
              "threads": torch.get_num_threads(), "torch": torch.__version__}  # fmt: skip
    save_dictionary(d, args.out, overwrite=args.overwrite, record=record)
    return 0
