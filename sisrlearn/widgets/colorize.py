"""The colorization realism test, run in the classroom (Zhang et al., ECCV 2016, sec. 3.1).

The paper's "colorization Turing test" on Amazon Mechanical Turk shows a real photo and a
colorized version of it side by side, in random order, and asks which is real; the score is
how often the fake is chosen: the *fooled* rate (50% would be indistinguishable from real).
``RealismTest`` keeps the score (testable without a display); ``realism_test`` is the
ipywidgets front end.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display

from ..images import to_numpy

__all__ = ["RealismTest", "realism_test"]


class RealismTest:
    """Rounds of (real, fake) pairs, each shown left/right in a random order.

    Args:
        real, fake: two equally long sequences of (3, H, W) images in [0, 1]; ``fake[i]``
            is the colorized ``real[i]``.
        seed: the order of the rounds and the sides.
    """

    def __init__(
        self, real: Sequence[torch.Tensor], fake: Sequence[torch.Tensor], *, seed: int = 0
    ) -> None:
        if len(real) != len(fake) or not real:
            raise ValueError(
                f"real and fake must be non-empty and equally long, got {len(real)} and {len(fake)}"
            )
        for i, (r, f) in enumerate(zip(real, fake, strict=True)):
            if r.shape != f.shape:
                raise ValueError(
                    f"real[{i}] and fake[{i}] must have the same shape, got "
                    f"{tuple(r.shape)} and {tuple(f.shape)}"
                )
        rng = np.random.default_rng(seed)
        self.order = rng.permutation(len(real)).tolist()
        self.fake_left = (rng.random(len(real)) < 0.5).tolist()
        self.real, self.fake = list(real), list(fake)
        self.answers: list[bool] = []  # True: the viewer was fooled (picked the fake)

    @property
    def done(self) -> bool:
        return len(self.answers) == len(self.order)

    def pair(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The current round's (left, right) images."""
        if self.done:
            raise ValueError("every round has been answered; see fooled_rate")
        k, i = len(self.answers), self.order[len(self.answers)]
        return (self.fake[i], self.real[i]) if self.fake_left[k] else (self.real[i], self.fake[i])

    def answer(self, real_side: str) -> bool:
        """Record that the viewer thinks ``real_side`` (``"left"``/``"right"``) is real;
        return True when that was the fake (the viewer was fooled)."""
        if real_side not in ("left", "right"):
            raise ValueError(f"real_side must be 'left' or 'right', got {real_side!r}")
        if self.done:
            raise ValueError("every round has been answered; see fooled_rate")
        fooled = (real_side == "left") == self.fake_left[len(self.answers)]
        self.answers.append(fooled)
        return fooled

    @property
    def fooled_rate(self) -> float:
        """Fraction of the answered rounds in which the fake was picked as real."""
        return sum(self.answers) / len(self.answers) if self.answers else 0.0


def realism_test(
    real: Sequence[torch.Tensor],
    fake: Sequence[torch.Tensor],
    *,
    seed: int = 0,
    size: float = 4.0,
) -> widgets.VBox:
    """The classroom realism test: two images, two buttons, the fooled rate at the end.

    Returns the widget box (display it as the last line of a cell); ``box.test`` is the
    ``RealismTest`` that keeps the score.
    """
    test = RealismTest(real, fake, seed=seed)
    out = widgets.Output()
    status = widgets.Label()
    left_btn = widgets.Button(description="left is real")
    right_btn = widgets.Button(description="right is real")

    def draw() -> None:
        with out:
            out.clear_output(wait=True)
            if test.done:
                fooled, rounds = sum(test.answers), len(test.answers)
                status.value = (
                    f"done: fooled in {fooled} of {rounds} rounds "
                    f"({test.fooled_rate:.0%}; 50% = indistinguishable)"
                )
                left_btn.disabled = right_btn.disabled = True
                return
            fig, axes = plt.subplots(1, 2, figsize=(2 * size, size))
            for ax, img, name in zip(axes, test.pair(), ("left", "right"), strict=True):
                ax.imshow(np.clip(to_numpy(img), 0, 1))
                ax.set_title(name)
                ax.axis("off")
            fig.tight_layout()
            display(fig)
            plt.close(fig)
            status.value = (
                f"round {len(test.answers) + 1} of {len(test.order)}: which one "
                f"is the real photo? (fooled so far: {sum(test.answers)})"
            )

    def on_click(side: str):
        def handler(_button) -> None:
            test.answer(side)
            draw()

        return handler

    left_btn.on_click(on_click("left"))
    right_btn.on_click(on_click("right"))
    draw()
    box = widgets.VBox([status, widgets.HBox([left_btn, right_btn]), out])
    box.test = test
    return box
