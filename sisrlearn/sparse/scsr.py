"""Coupled-dictionary super-resolution (Yang, Wright, Huang, Ma, IEEE TIP 2010, "ScSR")."""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .._validate import as_batch, check_scale, unbatch
from ..color import rgb_to_y
from ..degrade import gaussian_blur
from ..files import atomic_torch_save, atomic_write_text, check_writable
from ..images import modcrop
from ..resize import imresize
from ..train import read_state_dict, sha256_of
from ..zoo import zoo_entries
from .lasso import ista

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
        raise ValueError(
            f"num_patches={num_patches} is more than the {hr_all.shape[0]} "
            "non-flat patches in the images"
        )
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

    hr, lr = sample_patch_pairs(
        images, scale, patch_size=patch_size, num_patches=num_patches, seed=seed
    )
    joint = torch.cat([hr, lr], dim=1).double().numpy()
    learner = MiniBatchDictionaryLearning(
        n_components=num_atoms,
        alpha=lam,
        batch_size=256,
        max_iter=epochs,
        fit_algorithm="cd",
        transform_algorithm="lasso_cd",
        random_state=seed,
    )
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
            codes = ista(
                feats[idx] / norms[idx, None], dl, lam=lam, num_iters=num_iters, fista=True
            )
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


def save_dictionary(
    dictionary: CoupledDictionary,
    path: str | Path,
    *,
    overwrite: bool = False,
    record: dict | None = None,
) -> str:
    """Write the atoms to ``path`` (``.pt``) and a record beside it (``.json``, the zoo index
    format, with ``record`` merged in); return the sha256."""
    path = Path(path)
    if path.suffix != ".pt":
        raise ValueError(f"path must end in .pt, got {str(path)!r}")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{str(path)!r} exists; pass overwrite=True to replace it")
    state = {
        "hr_atoms": dictionary.hr_atoms.contiguous(),
        "lr_atoms": dictionary.lr_atoms.contiguous(),
    }
    # both files checked before either is written; each is replaced atomically
    check_writable(path.with_suffix(".json"), overwrite=True)
    atomic_torch_save(state, path, overwrite=overwrite)
    sha = sha256_of(path)
    settings = {
        "patch_size": dictionary.patch_size,
        "num_atoms": dictionary.num_atoms,
        "lam": dictionary.lam,
        **dictionary.info,
    }
    meta = {
        "kind": "dictionary",
        "scales": [dictionary.scale],
        "weights": path.name,
        "sha256": sha,
        **(record or {}),
        "dictionary": settings,
    }
    atomic_write_text(path.with_suffix(".json"), json.dumps(meta, indent=1) + "\n", overwrite=True)
    return sha


def load_dictionary(
    path: str | Path, *, meta: dict | None = None, sha256: str | None = None
) -> CoupledDictionary:
    """Read a dictionary written by :func:`save_dictionary`.

    Its settings (scale, patch size, lambda) come from ``meta`` or else from the ``.json``
    record beside the file; the sha256 is checked against ``sha256`` or the record's.
    """
    path = Path(path)
    meta_path = path.with_suffix(".json")
    if meta is None:
        if not path.is_file() or not meta_path.is_file():
            raise ValueError(f"path must be a dictionary .pt with its .json beside it, got {path}")
        record = json.loads(meta_path.read_text())
        scales = record.get("scales") or [None]
        meta = {**record.get("dictionary", {}), "scale": scales[0], "sha256": record.get("sha256")}
    if not path.is_file():
        raise ValueError(f"path must be an existing dictionary .pt file, got {path}")
    missing = [key for key in ("scale", "patch_size", "lam") if key not in meta]
    if missing:
        raise ValueError(f"the record of dictionary {path.name} lacks {', '.join(missing)}")
    expected = sha256 or meta.get("sha256")
    if expected and (actual := sha256_of(path)) != expected:
        raise ValueError(
            f"dictionary file {path.name!r} has sha256 {actual[:16]}..., expected "
            f"{expected[:16]}...: corrupt, or not the file expected"
        )
    state = read_state_dict(path)
    info = {k: v for k, v in meta.items() if k not in ("scale", "patch_size", "lam")}
    return CoupledDictionary(
        state["hr_atoms"].float(),
        state["lr_atoms"].float(),
        meta["scale"],
        meta["patch_size"],
        meta["lam"],
        info,
    )


def shipped_dictionary_scales() -> list[int]:
    """The scales with a coupled dictionary in the model zoo."""
    return sorted(e.scale for e in zoo_entries().values() if e.kind == "dictionary")


def shipped_dictionary(scale: int) -> CoupledDictionary:
    """The coupled dictionary the model zoo ships for ``scale`` (sha256-checked)."""
    check_scale(scale)
    entries = [e for e in zoo_entries().values() if e.kind == "dictionary" and e.scale == scale]
    if not entries:
        raise ValueError(
            f"scale must be one with a shipped ScSR dictionary {shipped_dictionary_scales()}, "
            f"got {scale}"
        )
    entry = entries[0]
    meta = {**entry.record.get("dictionary", {}), "scale": scale}
    return load_dictionary(entry.weights, meta=meta, sha256=entry.sha256)
