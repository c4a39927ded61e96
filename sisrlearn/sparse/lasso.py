"""The Lasso, shrinkage, ISTA/FISTA and LISTA (Gregor & LeCun 2010): sparse codes by
iteration, then by a trained network."""

from __future__ import annotations

import math

import torch
from torch import nn
from tqdm.auto import tqdm


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
        raise ValueError(
            f"y must be (m,) or (n, m) with m = {dictionary.shape[0]} "
            f"(the dictionary's rows), got shape {tuple(y.shape)}"
        )
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
        raise ValueError(
            f"y and target_codes must have as many rows, got {y.shape[0]} and "
            f"{target_codes.shape[0]}"
        )
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
