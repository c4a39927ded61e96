"""ipywidgets explorers for the notebooks (they need a live kernel to respond)."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display

from .images import to_numpy

__all__ = ["before_after"]


def _as_rgb_array(img: torch.Tensor) -> np.ndarray:
    arr = np.clip(to_numpy(img), 0, 1)
    return np.repeat(arr[..., None], 3, axis=2) if arr.ndim == 2 else arr


def before_after(
    before: torch.Tensor,
    after: torch.Tensor,
    *,
    labels: tuple[str, str] = ("before", "after"),
    size: float = 5.0,
) -> widgets.VBox:
    """A slider that wipes between two images of the same size (left: ``before``).

    Returns the widget box; display it as the last line of a cell. The slider's value is
    the column where ``after`` starts.
    """
    if before.shape != after.shape:
        raise ValueError(f"before and after must have the same shape, got "
                         f"{tuple(before.shape)} and {tuple(after.shape)}")  # fmt: skip
    left, right = _as_rgb_array(before), _as_rgb_array(after)
    width = left.shape[1]
    slider = widgets.IntSlider(
        value=width // 2, min=0, max=width, step=1, description="split",
        continuous_update=False, layout=widgets.Layout(width="60%"),
    )  # fmt: skip
    out = widgets.Output()

    def draw(change=None) -> None:
        split = slider.value
        merged = np.concatenate([left[:, :split], right[:, split:]], axis=1)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(size, size * left.shape[0] / width))
            ax.imshow(merged, interpolation="nearest")
            ax.axvline(split - 0.5, color="yellow", linewidth=1)
            ax.set_title(f"{labels[0]}  |  {labels[1]}   (split at column {split})")
            ax.axis("off")
            display(fig)
            plt.close(fig)

    slider.observe(draw, names="value")
    draw()
    return widgets.VBox([slider, out])
