"""Sparse coding for super-resolution: shrinkage, ISTA/FISTA, LISTA and coupled dictionaries.

The Lasso problem codes a signal ``y`` (m values) over a dictionary ``D`` (m x K, one atom per
column) with few non-zero coefficients::

    min_z  0.5 * ||y - D z||^2 + lam * ||z||_1

(the objective of scikit-learn's ``sparse_encode``/``DictionaryLearning``; ``sklearn.linear_model
.Lasso`` divides the first term by ``m``). Batches are rows: ``y`` is (n, m), codes are (n, K).

Papers: Daubechies, Defrise, De Mol, CPAM 2004 (ISTA); Beck & Teboulle, SIAM J. Imaging
Sciences 2009 (FISTA); Gregor & LeCun, ICML 2010 (LISTA); Yang, Wright, Huang, Ma, "Image
Super-Resolution via Sparse Representation", IEEE TIP 2010 (ScSR, coupled dictionaries).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from . import bench
from ._validate import as_batch, check_scale, unbatch
from .color import rgb_to_y
from .degrade import gaussian_blur
from .images import modcrop
from .resize import imresize

__all__ = [
    "soft_threshold", "lasso_objective", "lipschitz", "ista", "LISTA", "train_lista",
    "CoupledDictionary", "lr_features", "sample_patch_pairs", "learn_coupled_dictionary",
    "scsr", "back_project", "save_dictionary", "load_dictionary", "shipped_dictionary",
    "WEIGHTS_DIR",
]  # fmt: skip

WEIGHTS_DIR = Path(__file__).parent / "weights"


# ---------------------------------------------------------------------------- Lasso and ISTA


def soft_threshold(x: torch.Tensor, theta: float | torch.Tensor) -> torch.Tensor:
    """Shrinkage ``h_theta(x) = sign(x) * max(|x| - theta, 0)``, the proximal map of theta|.|_1.

    ``theta`` is a non-negative number or a tensor broadcastable to ``x`` (one per atom).
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    theta_t = torch.as_tensor(theta, dtype=x.dtype, device=x.device)
    if not theta_t.is_floating_point() or bool((theta_t < 0).any()):
        raise ValueError(f"theta must be non-negative, got {theta!r}")
    return torch.sign(x) * torch.clamp(x.abs() - theta_t, min=0)


def _check_problem(y: torch.Tensor, dictionary: torch.Tensor, lam: float):
    for name, t in (("y", y), ("dictionary", dictionary)):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            raise TypeError(f"{name} must be a float torch.Tensor, got {type(t).__name__}")
    if dictionary.dim() != 2:
        raise ValueError(f"dictionary must be (m, K), got shape {tuple(dictionary.shape)}")
    if y.dim() not in (1, 2) or y.shape[-1] != dictionary.shape[0]:
        raise ValueError(f"y must be (m,) or (n, m) with m = {dictionary.shape[0]} "
                         f"(the dictionary's rows), got shape {tuple(y.shape)}")  # fmt: skip
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or lam < 0:
        raise ValueError(f"lam must be a non-negative number, got {lam!r}")


def lasso_objective(
    y: torch.Tensor, dictionary: torch.Tensor, codes: torch.Tensor, lam: float
) -> torch.Tensor:
    """``0.5 ||y - D z||^2 + lam ||z||_1`` for each row: y (n, m), codes (n, K) -> (n,)."""
    _check_problem(y, dictionary, lam)
    residual = y - codes @ dictionary.T
    return 0.5 * residual.pow(2).sum(-1) + lam * codes.abs().sum(-1)


def lipschitz(dictionary: torch.Tensor) -> float:
    """``L = ||D||_2^2``: the largest eigenvalue of ``D^T D``, the gradient's Lipschitz constant."""
    return float(torch.linalg.matrix_norm(dictionary.double(), ord=2) ** 2)


def ista(
    y: torch.Tensor,
    dictionary: torch.Tensor,
    *,
    lam: float,
    num_iters: int = 100,
    fista: bool = False,
    codes: torch.Tensor | None = None,
    return_history: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
    """Solve the Lasso with ISTA, ``z <- h_{lam/L}(W y + S z)``, ``W = D^T/L``, ``S = I - D^T D/L``.

    Args:
        y: (m,) or a batch (n, m) of signals (every row is coded at once).
        dictionary: ``D``, (m, K), atoms in columns.
        lam: weight of the L1 term.
        num_iters: iterations (each is one matrix product with ``S``).
        fista: Beck & Teboulle's momentum (error O(1/k^2) instead of O(1/k)).
        codes: starting codes (n, K) (default: zeros).
        return_history: also return the list of codes after every iteration.

    Returns:
        Codes (n, K) (or (K,) for a single ``y``), and the history if asked.
    """
    _check_problem(y, dictionary, lam)
    if isinstance(num_iters, bool) or not isinstance(num_iters, int) or num_iters < 0:
        raise ValueError(f"num_iters must be a non-negative int, got {num_iters!r}")
    single = y.dim() == 1
    y2 = y[None] if single else y
    lip = lipschitz(dictionary)
    # rows: z W^T = (W y)^T and z S^T = z S (S is symmetric)
    wy = (y2 @ dictionary) / lip  # (n, K)
    s = (
        torch.eye(dictionary.shape[1], dtype=y.dtype, device=y.device)
        - (dictionary.T @ dictionary) / lip
    )
    theta = lam / lip
    z = torch.zeros_like(wy) if codes is None else codes.reshape(wy.shape).to(wy)
    v, t, history = z, 1.0, []
    for _ in range(num_iters):
        z_next = soft_threshold(wy + v @ s, theta)
        if fista:
            t_next = (1 + math.sqrt(1 + 4 * t * t)) / 2
            v = z_next + ((t - 1) / t_next) * (z_next - z)
            t = t_next
        else:
            v = z_next
        z = z_next
        if return_history:
            history.append(z[0] if single else z)
    out = z[0] if single else z
    return (out, history) if return_history else out


class LISTA(nn.Module):
    """Learned ISTA (Gregor & LeCun, ICML 2010): ISTA unrolled into ``num_layers`` layers.

    ``z_1 = h_theta(W y)``, ``z_{t+1} = h_theta(W y + S z_t)`` with ``W`` (K x m), ``S`` (K x K)
    and one threshold per atom ``theta`` (K,) all learned. Built from a dictionary it starts as
    exactly ``num_layers`` iterations of ISTA: ``W = D^T/L``, ``S = I - D^T D/L``,
    ``theta = lam/L``.

    Args:
        dictionary: ``D`` (m, K) to initialise from.
        lam: the Lasso weight the initial thresholds come from.
        num_layers: number of shrinkage layers ``T`` (>= 1).
    """

    def __init__(self, dictionary: torch.Tensor, *, lam: float, num_layers: int = 3) -> None:
        super().__init__()
        _check_problem(dictionary[:, 0], dictionary, lam)
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"num_layers must be a positive int, got {num_layers!r}")
        d = dictionary.detach().float()
        lip = lipschitz(d)
        k = d.shape[1]
        self.num_layers = num_layers
        self.W = nn.Linear(d.shape[0], k, bias=False)  # (n, m) -> (n, K)
        self.S = nn.Linear(k, k, bias=False)  # (n, K) -> (n, K)
        with torch.no_grad():
            self.W.weight.copy_(d.T / lip)
            self.S.weight.copy_(torch.eye(k) - d.T @ d / lip)
        self.theta = nn.Parameter(torch.full((k,), lam / lip))

    def forward(self, y: torch.Tensor, *, return_all: bool = False):
        """Codes (n, K) for signals (n, m); ``return_all`` gives every layer's codes."""
        theta = self.theta.clamp_min(0)
        b = self.W(y)
        z = soft_threshold(b, theta)
        layers = [z]
        for _ in range(self.num_layers - 1):
            z = soft_threshold(b + self.S(z), theta)
            layers.append(z)
        return layers if return_all else z


def train_lista(
    model: LISTA,
    y: torch.Tensor,
    target_codes: torch.Tensor,
    *,
    steps: int = 1000,
    learning_rate: float = 1e-3,
    batch_size: int = 256,
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """Fit LISTA to predict the Lasso codes ``target_codes`` (n, K) of ``y`` (n, m) (MSE, Adam).

    Returns the loss of every step (Gregor & LeCun train on the optimal codes, eq. 6).
    """
    if y.shape[0] != target_codes.shape[0]:
        raise ValueError(f"y and target_codes must have as many rows, got {y.shape[0]} and "
                         f"{target_codes.shape[0]}")  # fmt: skip
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    losses = []
    for _ in tqdm(range(steps), disable=not progress, desc="LISTA"):
        idx = torch.randint(0, y.shape[0], (min(batch_size, y.shape[0]),), generator=gen)
        loss = (model(y[idx]) - target_codes[idx]).pow(2).sum(-1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------------------- ScSR (Yang 2010)

# first- and second-order derivative filters of Yang et al. (section III-C): f1, f2 = f1^T, f3, f4
_F1 = torch.tensor([-1.0, 0.0, 1.0])
_F3 = torch.tensor([1.0, 0.0, -2.0, 0.0, 1.0])


def lr_features(upscaled: torch.Tensor) -> torch.Tensor:
    """The 4 gradient maps of a bicubic-upscaled image: (N, 1, H, W) -> (N, 4, H, W).

    ``[-1, 0, 1]`` horizontally and vertically, ``[1, 0, -2, 0, 1]`` horizontally and
    vertically (Yang et al., TIP 2010, eq. 10); replicate padding keeps the size.
    """
    batch, single = as_batch(upscaled, "upscaled", channels=(1,))
    x = F.pad(batch, (2, 2, 2, 2), mode="replicate")
    kernels = torch.zeros(4, 1, 5, 5, dtype=x.dtype, device=x.device)
    kernels[0, 0, 2, 1:4] = _F1.to(x)
    kernels[1, 0, 1:4, 2] = _F1.to(x)
    kernels[2, 0, 2, :] = _F3.to(x)
    kernels[3, 0, :, 2] = _F3.to(x)
    return unbatch(F.conv2d(x, kernels), single)


@dataclass
class CoupledDictionary:
    """A coupled dictionary: ``hr_atoms`` D_h (p*p, K) and ``lr_atoms`` D_l (4*p*p, K).

    Column ``k`` of D_h is the mean-removed HR patch that goes with the LR feature in column
    ``k`` of D_l; D_l's columns have unit norm. Codes found for an LR feature (normalised to
    unit norm) over D_l give its HR patch as ``D_h z * ||feature||``.
    """

    hr_atoms: torch.Tensor
    lr_atoms: torch.Tensor
    scale: int
    patch_size: int = 5
    lam: float = 0.15
    info: dict = field(default_factory=dict)

    @property
    def num_atoms(self) -> int:
        return self.lr_atoms.shape[1]


def _as_y_images(images) -> list[torch.Tensor]:
    imgs = list(images.values()) if isinstance(images, Mapping) else list(images)
    if not imgs:
        raise ValueError("images must hold at least one image")
    return [rgb_to_y(img.double()) if img.shape[0] == 3 else img.double() for img in imgs]


def sample_patch_pairs(
    images: Mapping[str, torch.Tensor] | Sequence[torch.Tensor],
    scale: int,
    *,
    patch_size: int = 5,
    num_patches: int = 20_000,
    min_norm: float = 0.02,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random (HR patch, LR feature) training pairs from HR images, normalised for learning.

    Each HR image (RGB or Y, (C, H, W) in [0, 1]) is turned to Y, mod-cropped, shrunk and
    bicubic-upscaled back (MATLAB ``imresize``). Positions whose LR feature norm is below
    ``min_norm`` (flat regions, about bicubic anyway) are skipped, as Yang et al. prune
    smooth patches. Both parts are divided by the LR feature norm.

    Returns:
        ``(hr, lr)``: (n, p*p) mean-removed HR patches and (n, 4*p*p) unit LR features.
    """
    check_scale(scale)
    gen = torch.Generator().manual_seed(seed)
    hr_rows, lr_rows = [], []
    for hr in _as_y_images(images):
        hr = modcrop(hr, scale)[None]
        if min(hr.shape[-2:]) < patch_size + 4:
            continue
        up = imresize(imresize(hr, 1 / scale), scale)
        feats = F.unfold(lr_features(up), patch_size)  # (1, 4*p*p, L)
        hr_cols = F.unfold(hr, patch_size)  # (1, p*p, L)
        norms = feats[0].norm(dim=0)
        keep = torch.nonzero(norms > min_norm).flatten()
        hr_rows.append(hr_cols[0][:, keep].T)
        lr_rows.append((feats[0][:, keep] / norms[keep]).T)
        hr_rows[-1] = (hr_rows[-1] - hr_rows[-1].mean(1, keepdim=True)) / norms[keep, None]
    hr_all, lr_all = torch.cat(hr_rows), torch.cat(lr_rows)
    if hr_all.shape[0] < num_patches:
        raise ValueError(f"num_patches={num_patches} is more than the {hr_all.shape[0]} "
                         "non-flat patches in the images")  # fmt: skip
    pick = torch.randperm(hr_all.shape[0], generator=gen)[:num_patches]
    return hr_all[pick].float(), lr_all[pick].float()


def learn_coupled_dictionary(
    images: Mapping[str, torch.Tensor] | Sequence[torch.Tensor],
    scale: int,
    *,
    num_atoms: int = 512,
    patch_size: int = 5,
    num_patches: int = 20_000,
    lam: float = 0.15,
    epochs: int = 1,
    seed: int = 0,
) -> CoupledDictionary:
    """Learn ``[D_h; D_l]`` jointly on patch pairs (Yang et al., TIP 2010, eq. 24).

    The joint vectors ``[x_h; x_l]`` are coded over ``[D_h; D_l]`` by scikit-learn's
    ``MiniBatchDictionaryLearning`` (objective ``0.5 ||x - D z||^2 + lam ||z||_1``), so one
    sparse code explains both the HR patch and its LR feature. The paper: 512 atoms, 5x5
    patches, 100,000 pairs from 91 images; fewer pairs learn in minutes on one core.
    """
    from sklearn.decomposition import MiniBatchDictionaryLearning
    from sklearn.exceptions import ConvergenceWarning

    hr, lr = sample_patch_pairs(images, scale, patch_size=patch_size,
                                num_patches=num_patches, seed=seed)  # fmt: skip
    joint = torch.cat([hr, lr], dim=1).double().numpy()
    learner = MiniBatchDictionaryLearning(
        n_components=num_atoms, alpha=lam, batch_size=256, max_iter=epochs,
        fit_algorithm="cd", transform_algorithm="lasso_cd", random_state=seed,
    )  # fmt: skip
    with warnings.catch_warnings():  # coordinate descent warns on its many tiny sub-problems
        warnings.simplefilter("ignore", ConvergenceWarning)
        atoms = torch.from_numpy(learner.fit(joint).components_.T.copy()).float()  # (5pp, K)
    hr_atoms, lr_atoms = atoms[: patch_size**2], atoms[patch_size**2 :]
    # unit-norm LR atoms, HR atoms scaled alike: the same codes pair them
    norms = lr_atoms.norm(dim=0).clamp_min(1e-8)
    info = {"num_patches": num_patches, "epochs": epochs, "seed": seed}
    return CoupledDictionary(hr_atoms / norms, lr_atoms / norms, scale, patch_size, lam, info)


def back_project(
    sr_img: torch.Tensor, lr_img: torch.Tensor, *, num_iters: int = 20, sigma: float = 1.0
) -> torch.Tensor:
    """Enforce the reconstruction constraint ``imresize(sr, 1/s) = lr`` (Yang et al., eq. 20).

    ``sr <- sr + G * imresize(lr - imresize(sr, 1/s), s)`` with ``G`` a Gaussian (5x5, sigma 1
    in the authors' code); (N, 1, H, W) images.
    """
    scale = sr_img.shape[-1] // lr_img.shape[-1]
    for _ in range(num_iters):
        diff = lr_img - imresize(sr_img, size=tuple(lr_img.shape[-2:]))
        sr_img = sr_img + gaussian_blur(imresize(diff, scale), sigma, kernel_size=5)
    return sr_img


def scsr(
    lr_img: torch.Tensor,
    dictionary: CoupledDictionary,
    *,
    overlap: int = 4,
    lam: float = 0.2,
    num_iters: int = 30,
    min_norm: float = 1 / 255,
    back_projection: int = 20,
    chunk: int = 32_768,
    progress: bool = False,
) -> torch.Tensor:
    """Super-resolve a Y image by sparse coding (Yang et al., TIP 2010, Algorithm 1).

    The LR image is bicubic-upscaled; every ``p x p`` patch (``p - overlap`` apart) has its
    gradient feature normalised and coded over D_l with FISTA (all patches at once, in chunks);
    the HR patch ``D_h z * ||feature|| + mean`` is pasted back and overlaps are averaged;
    ``back_projection`` iterations of :func:`back_project` follow. Patches with a feature
    norm below ``min_norm`` keep the bicubic values.

    Args:
        lr_img: (1, h, w) or (N, 1, h, w) Y in [0, 1].
        dictionary: a :class:`CoupledDictionary` learned for the same scale.
        overlap: pixels shared by neighbouring patches (``< patch_size``; the paper: 4 of 5).
        lam: Lasso weight at test time (0.2 in the paper's code).
        num_iters: FISTA iterations.

    Returns:
        The SR image, ``scale`` times larger, same layout as ``lr_img`` (not clipped).
    """
    batch, single = as_batch(lr_img, "lr_img", channels=(1,))
    p, scale = dictionary.patch_size, dictionary.scale
    if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap < p:
        raise ValueError(f"overlap must be an int in [0, {p - 1}], got {overlap!r}")
    if min(batch.shape[-2:]) * scale < p:
        raise ValueError(f"lr_img {tuple(batch.shape[-2:])} is too small for {p}x{p} patches")
    stride = p - overlap
    dl, dh = dictionary.lr_atoms.to(batch.device), dictionary.hr_atoms.to(batch.device)
    out = []
    for lr in batch:
        up = imresize(lr[None].float(), scale)  # (1, 1, H, W)
        h, w = up.shape[-2:]
        pad_h, pad_w = (-(h - p)) % stride, (-(w - p)) % stride
        up_pad = F.pad(up, (0, pad_w, 0, pad_h), mode="replicate")
        feats = F.unfold(lr_features(up_pad), p, stride=stride)[0].T  # (L, 4*p*p)
        means = F.unfold(up_pad, p, stride=stride)[0].mean(0)  # (L,)
        norms = feats.norm(dim=1)
        patches = torch.zeros(feats.shape[0], p * p, dtype=up.dtype, device=up.device)
        active = torch.nonzero(norms > min_norm).flatten()
        for start in tqdm(range(0, len(active), chunk), disable=not progress, desc="ScSR"):
            idx = active[start : start + chunk]
            codes = ista(feats[idx] / norms[idx, None], dl, lam=lam, num_iters=num_iters,
                         fista=True)  # fmt: skip
            patches[idx] = (codes @ dh.T) * norms[idx, None]
        patches += means[:, None]
        size = up_pad.shape[-2:]
        summed = F.fold(patches.T[None], size, p, stride=stride)
        counts = F.fold(torch.ones_like(patches.T[None]), size, p, stride=stride)
        sr = (summed / counts)[..., :h, :w]
        if back_projection:
            sr = back_project(sr.double(), lr[None].double(), num_iters=back_projection).float()
        out.append(sr[0])
    return unbatch(torch.stack(out).to(batch.dtype), single)


# ---------------------------------------------------------------------------- shipped dictionaries


def save_dictionary(dictionary: CoupledDictionary, path: str | Path, *,
                    overwrite: bool = False, record: dict | None = None) -> str:  # fmt: skip
    """Write the atoms to ``path`` (``.pt``) and a JSON record beside it; return the sha256."""
    from .train import sha256_of

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
    from .train import sha256_of

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

    from .images import load_folder

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


if __name__ == "__main__":
    raise SystemExit(_main())
