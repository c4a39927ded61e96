"""DRCN (Kim, Lee, Lee: "Deeply-Recursive Convolutional Network for Image Super-Resolution",
CVPR 2016).

Depth without new parameters: one convolution is applied ``D`` times with the *same* weights.
Every recursion's features are turned into an image by a shared reconstruction net, and the
final output is a learned weighted average of the ``D`` predictions (eq. 7-8 of the paper)::

    H_0 = embed(x)                    two conv(3, F) + ReLU   (N, 1, H, W) -> (N, F, H, W)
    H_d = ReLU(W * H_{d-1} + b)       d = 1..D, one shared W  (N, F, H, W)
    y_d = recon(H_d) + x              skip connection         (N, 1, H, W)
    y   = sum_d w_d y_d               learned ensemble weights w (initially 1/D)

Training uses *recursive supervision* (eq. 9-11): every ``y_d`` is pulled towards the target
as well as the ensemble, ``L = alpha * mean_d MSE(y_d, t) + (1 - alpha) * MSE(y, t)``, with
``alpha`` decayed from 1 towards 0 during training (:meth:`DRCN.recursive_loss`; ``sisrlearn
train drcn`` uses it, with alpha decaying linearly over the run). The paper
uses F = 256 and D = 16 (about 1.77M parameters).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import Recipe, register_model

__all__ = ["DRCN", "AllRecursions", "RecursiveSupervision"]


@register_model(
    "drcn",
    kind="sr",
    recipe=Recipe(
        upsampled=True,
        channels="y",
        patch_size=41,
        stride=21,
        batch_size=64,
        learning_rate=1e-4,
        optimizer="adam",
        loss="recursive",  # recursive supervision, alpha 1 -> 0 (the paper's eq. 11)
        steps=60_000,
        grad_clip=0.4,
    ),
    description="DRCN (Kim et al. CVPR 2016): one conv applied D times, ensemble of recursions",
)
class DRCN(nn.Module):
    """DRCN: embedding, one recursive convolution applied ``recursions`` times, a shared
    reconstruction, a skip connection, and learned ensemble weights.

    Args:
        recursions: D, how many times the shared convolution is applied (16 in the paper).
        num_features: F, channels of every hidden layer (256 in the paper).
        channels: image channels (1: Y).

    Input (N, channels, H, W): the LR image bicubic-upscaled, in [0, 1]; output the same size.
    """

    def __init__(self, *, recursions: int = 16, num_features: int = 256, channels: int = 1) -> None:
        super().__init__()
        if isinstance(recursions, bool) or not isinstance(recursions, int) or recursions < 1:
            raise ValueError(f"recursions must be a positive int, got {recursions!r}")
        for name, value in (("num_features", num_features), ("channels", channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.recursions = recursions
        feats = num_features
        self.embed = nn.Sequential(
            nn.Conv2d(channels, feats, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(feats, feats, 3, padding=1),
            nn.ReLU(),
        )
        self.recursive_conv = nn.Conv2d(feats, feats, 3, padding=1)  # ONE weight tensor
        self.reconstruct = nn.Sequential(
            nn.Conv2d(feats, feats, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(feats, channels, 3, padding=1),
        )
        self.ensemble_weights = nn.Parameter(torch.full((recursions,), 1.0 / recursions))
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)
        # start every recursion's prediction near the input: y_d ~ x
        nn.init.normal_(self.reconstruct[-1].weight, std=1e-3)

    def forward_all(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(y, y_d)``: the ensemble output (N, C, H, W) and every recursion's prediction
        stacked as (D, N, C, H, W)."""
        h = self.embed(x)
        preds = []
        for _ in range(self.recursions):
            h = F.relu(self.recursive_conv(h))  # the same weights every time
            preds.append(self.reconstruct(h) + x)  # skip connection
        stacked = torch.stack(preds)
        w = self.ensemble_weights.view(-1, *([1] * x.dim()))
        return (w * stacked).sum(dim=0), stacked

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_all(x)[0]

    def recursive_loss(
        self, x: torch.Tensor, target: torch.Tensor, *, alpha: float
    ) -> torch.Tensor:
        """The paper's loss with recursive supervision (eq. 11, without weight decay):
        ``alpha * mean_d MSE(y_d, target) + (1 - alpha) * MSE(y, target)``.

        Args:
            alpha: in [0, 1]; the paper starts near 1 (every recursion supervised) and decays
                it so that the ensemble output takes over.
        """
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
        y, preds = self.forward_all(x)
        per_recursion = ((preds - target.unsqueeze(0)) ** 2).mean()
        return alpha * per_recursion + (1 - alpha) * F.mse_loss(y, target)


class AllRecursions(nn.Module):
    """Training view of a DRCN: returns the ensemble output and every recursion's
    prediction stacked as (1 + D, N, C, H, W), for :class:`RecursiveSupervision`."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, preds = self.model.forward_all(x)
        return torch.cat([y.unsqueeze(0), preds])


class RecursiveSupervision(nn.Module):
    """DRCN's loss with recursive supervision (Kim et al. 2016, eq. 11, as
    ``DRCN.recursive_loss``): ``alpha * mean_d MSE(y_d, t) + (1 - alpha) * MSE(y, t)`` on the
    stacked outputs of :class:`AllRecursions`. ``alpha`` decays linearly from 1 (every
    recursion supervised) to 0 (the ensemble alone) over the ``total`` steps of the run;
    ``done`` steps are already behind (a resumed run continues the schedule)."""

    def __init__(self, total: int, done: int = 0) -> None:
        super().__init__()
        self.total, self.calls = max(total, 1), done

    def alpha(self) -> float:
        return max(0.0, 1.0 - self.calls / self.total)

    def forward(self, stacked: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        alpha = self.alpha()
        self.calls += 1
        ensemble = ((stacked[0] - target) ** 2).mean()
        per_recursion = ((stacked[1:] - target.unsqueeze(0)) ** 2).mean()
        return alpha * per_recursion + (1 - alpha) * ensemble
