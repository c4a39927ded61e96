"""GAN objectives, the optimal discriminator and 2-D toy GANs.

Every loss works on discriminator **logits** ``l`` (``D = sigmoid(l)``), so ``log D`` and
``log(1 - D)`` are computed as ``-softplus(-l)`` and ``-softplus(l)``: finite even where the
sigmoid rounds to 0 or 1.

Papers: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014 (minimax value,
optimal discriminator, non-saturating loss); Lim & Ye, "Geometric GAN", arXiv:1705.02894,
2017 and Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018
(hinge loss); Zhao, Mathieu & LeCun, "Energy-based Generative Adversarial Networks", ICLR 2017
(the one-sided hinge on an energy, :func:`energy_hinge_losses`); Mao et al., "Least Squares
Generative Adversarial Networks", ICCV 2017; Metz et al., "Unrolled Generative Adversarial
Networks", ICLR 2017 (the ring of Gaussians). The VGG perceptual loss of SRGAN lives in
:mod:`sisrlearn.perceptual` (re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .losses import GAN_KINDS, GANLoss  # noqa: F401  (the chapter's losses)
from .perceptual import VGG19_LAYERS, PerceptualLoss, VGGFeatures

__all__ = [
    "GAN_KINDS",
    "GANLoss",
    "energy_hinge_losses",
    "optimal_discriminator",
    "fit_discriminator_on_grid",
    "ring_of_gaussians",
    "grid_of_gaussians",
    "mode_centres",
    "mode_coverage",
    "toy_mlp",
    "GANHistory",
    "train_gan",
    "VGG19_LAYERS",
    "VGGFeatures",
    "PerceptualLoss",
]


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """``D*(x) = p_data(x) / (p_data(x) + p_g(x))`` (Goodfellow et al. 2014, Proposition 1);
    0.5 where both densities are 0. Inputs: densities (non-negative) of the same shape."""
    for name, p in (("p_data", p_data), ("p_g", p_g)):
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor of densities, got {type(p).__name__}")
        if (p < 0).any():
            raise ValueError(f"{name} must be non-negative (a density)")
    if p_data.shape != p_g.shape:
        raise ValueError(f"p_data and p_g must have the same shape: {p_data.shape}, {p_g.shape}")
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp_min(1e-300), torch.full_like(total, 0.5))


def fit_discriminator_on_grid(
    x: torch.Tensor,
    p_data: torch.Tensor,
    p_g: torch.Tensor,
    *,
    steps: int = 200,
    hidden: int = 32,
    learning_rate: float = 1.0,
    seed: int = 0,
) -> torch.Tensor:
    """Maximise the value function numerically: train a small MLP ``D(x)`` on a 1-D grid.

    ``V(D) = sum_x dx [p_data(x) log D(x) + p_g(x) log(1 - D(x))]`` (a quadrature of
    Goodfellow et al.'s eq. 1 for fixed G) is maximised over the MLP's weights (L-BFGS,
    ``steps`` iterations); nothing tells it the formula. Returns ``D`` on the grid, shape of
    ``x``.
    """
    if x.dim() != 1 or x.shape != p_data.shape or x.shape != p_g.shape:
        raise ValueError("x, p_data and p_g must be 1-D tensors of the same length")
    gen = torch.Generator().manual_seed(seed)
    net = toy_mlp(1, 1, hidden=hidden, depth=2, generator=gen).double()
    xs = x.double()[:, None]
    mean, std = xs.mean(), xs.std().clamp_min(1e-12)
    weights_real, weights_fake = p_data.double(), p_g.double()
    norm = (weights_real + weights_fake).sum()
    opt = torch.optim.LBFGS(
        net.parameters(),
        lr=learning_rate,
        max_iter=steps,
        tolerance_grad=1e-12,
        tolerance_change=1e-14,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        opt.zero_grad()
        logits = net((xs - mean) / std)[:, 0]
        # -V: -log D = softplus(-l), -log(1 - D) = softplus(l)
        loss = (weights_real * F.softplus(-logits) + weights_fake * F.softplus(logits)).sum()
        loss = loss / norm
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return torch.sigmoid(net((xs - mean) / std)[:, 0]).to(x.dtype)


def energy_hinge_losses(
    real_energy: torch.Tensor, fake_energy: torch.Tensor, *, margin: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """EBGAN's one-sided hinge: ``(loss of D, loss of G)``, both minimised, batch means.

    The discriminator outputs an **energy** ``e >= 0``: low for real samples, high for fakes
    (the "fake = 1" convention). ``L_D = E[e(x)] + E[max(0, m - e(G(z)))]``,
    ``L_G = E[e(G(z))]`` (Zhao, Mathieu & LeCun, ICLR 2017, eqs. 1-2). Only the fake term has
    a hinge: the real term is bounded below because an energy is. With the energy
    ``e = -log D = softplus(-logit)`` of a standard discriminator, ``L_D`` is the real half of
    the cross-entropy plus a fake term that stops once ``D(G(z)) < exp(-m)``, and ``L_G`` is
    exactly the non-saturating loss ``-log D(G(z))``.

    Args:
        real_energy, fake_energy: energies of real and generated samples, any shape, ``>= 0``.
        margin: ``m > 0``.
    """
    for name, e in (("real_energy", real_energy), ("fake_energy", fake_energy)):
        if not isinstance(e, torch.Tensor) or not e.is_floating_point():
            raise TypeError(f"{name} must be a float tensor of energies, got {type(e).__name__}")
        if (e < 0).any():
            raise ValueError(
                f"{name} must be >= 0 (an energy; e.g. softplus(-logit) = -log D), "
                f"got a minimum of {e.min().item():.3g}"
            )
    if not margin > 0:
        raise ValueError(f"margin must be positive, got {margin!r}")
    d_loss = real_energy.mean() + F.relu(margin - fake_energy).mean()
    return d_loss, fake_energy.mean()


# ------------------------------------------------------------------ toy 2-D data and networks


def mode_centres(kind: str = "ring", *, modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    """Centres of the toy mixtures, (K, 2): ``"ring"`` (``modes`` points on a circle of
    ``radius``) or ``"grid"`` (a ``modes x modes`` grid with spacing ``radius``, centred)."""
    if kind == "ring":
        angle = torch.arange(modes, dtype=torch.float32) * (2 * math.pi / modes)
        return radius * torch.stack([angle.cos(), angle.sin()], 1)
    if kind == "grid":
        axis = (torch.arange(modes, dtype=torch.float32) - (modes - 1) / 2) * radius
        return torch.cartesian_prod(axis, axis)
    raise ValueError(f"kind must be 'ring' or 'grid', got {kind!r}")


def _mixture(centres: torch.Tensor, n: int, std: float, generator) -> torch.Tensor:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not std > 0:
        raise ValueError(f"std must be positive, got {std!r}")
    pick = torch.randint(len(centres), (n,), generator=generator)
    return centres[pick] + std * torch.randn(n, 2, generator=generator)


def ring_of_gaussians(
    n: int, *, modes: int = 8, radius: float = 2.0, std: float = 0.05, generator=None
) -> torch.Tensor:
    """``n`` samples (n, 2) of ``modes`` equal Gaussians on a circle (Metz et al., ICLR 2017)."""
    return _mixture(mode_centres("ring", modes=modes, radius=radius), n, std, generator)


def grid_of_gaussians(
    n: int, *, side: int = 5, spacing: float = 1.0, std: float = 0.05, generator=None
) -> torch.Tensor:
    """``n`` samples (n, 2) of a ``side x side`` grid of equal Gaussians, centred at 0."""
    return _mixture(mode_centres("grid", modes=side, radius=spacing), n, std, generator)


def mode_coverage(
    samples: torch.Tensor, centres: torch.Tensor, *, threshold: float = 0.15, min_count: int = 5
) -> tuple[int, float]:
    """(modes hit by at least ``min_count`` samples within ``threshold`` of their centre,
    fraction of samples near any mode). Few modes hit with many good samples = mode collapse."""
    dist = torch.cdist(samples.float(), centres.float())  # (n, K)
    nearest, which = dist.min(1)
    good = nearest < threshold
    counts = torch.bincount(which[good], minlength=len(centres))
    return int((counts >= min_count).sum()), float(good.float().mean())


def toy_mlp(
    in_features: int,
    out_features: int,
    *,
    hidden: int = 128,
    depth: int = 3,
    generator: torch.Generator | None = None,
) -> nn.Sequential:
    """A ``depth``-hidden-layer ReLU MLP for toy GANs (G: latent -> 2-D, D: 2-D -> 1 logit)."""
    layers: list[nn.Module] = []
    width = in_features
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, out_features))
    net = nn.Sequential(*layers)
    if generator is not None:
        with torch.no_grad():
            for layer in net:
                if isinstance(layer, nn.Linear):
                    bound = 1 / math.sqrt(layer.in_features)
                    layer.weight.uniform_(-bound, bound, generator=generator)
                    layer.bias.uniform_(-bound, bound, generator=generator)
    return net


@dataclass
class GANHistory:
    """Per-step losses of ``train_gan`` and the generator's samples at ``snapshot_every``."""

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    snapshot_step: list[int] = field(default_factory=list)
    snapshots: list[torch.Tensor] = field(default_factory=list)


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    sample_data: Callable[[int], torch.Tensor],
    *,
    loss: GANLoss,
    steps: int,
    latent_dim: int,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    betas: tuple[float, float] = (0.5, 0.999),
    d_steps: int = 1,
    snapshot_every: int = 0,
    num_snapshot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> GANHistory:
    """Alternate ``d_steps`` discriminator steps and one generator step (Goodfellow et al.,
    Algorithm 1), with Adam. ``sample_data(n)`` returns ``n`` real samples (on any device)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    if not isinstance(loss, GANLoss):
        raise TypeError(f"loss must be a GANLoss, got {type(loss).__name__}")
    device = next(generator.parameters()).device
    gen = torch.Generator(device="cpu").manual_seed(seed)
    fixed_z = torch.randn(num_snapshot, latent_dim, generator=gen).to(device)
    opt_g = torch.optim.Adam(generator.parameters(), lr=learning_rate, betas=betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=learning_rate, betas=betas)
    history = GANHistory()
    for step in tqdm(range(1, steps + 1), disable=not progress, desc="gan", leave=False):
        for _ in range(d_steps):
            real = sample_data(batch_size).to(device)
            with torch.no_grad():
                fake = generator(torch.randn(batch_size, latent_dim, generator=gen).to(device))
            d_loss = loss.discriminator(discriminator(real), discriminator(fake))
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        fake = generator(torch.randn(batch_size, latent_dim, generator=gen).to(device))
        g_loss = loss.generator(discriminator(fake))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        history.step.append(step)
        history.d_loss.append(d_loss.item())
        history.g_loss.append(g_loss.item())
        if snapshot_every and (step % snapshot_every == 0 or step == steps):
            with torch.no_grad():
                history.snapshots.append(generator(fixed_z).cpu())
            history.snapshot_step.append(step)
    return history
