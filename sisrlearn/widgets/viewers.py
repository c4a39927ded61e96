"""ipywidgets explorers for the notebooks (they need a live kernel to respond)."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display

from ..images import to_numpy
from ..plot import image_grid

__all__ = ["before_after", "show_values", "xo_explorer"]


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
        raise ValueError(
            f"before and after must have the same shape, got "
            f"{tuple(before.shape)} and {tuple(after.shape)}"
        )
    left, right = _as_rgb_array(before), _as_rgb_array(after)
    width = left.shape[1]
    slider = widgets.IntSlider(
        value=width // 2,
        min=0,
        max=width,
        step=1,
        description="split",
        continuous_update=False,
        layout=widgets.Layout(width="60%"),
    )
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


def show_values(
    arrays,
    titles=None,
    *,
    vmin: float = -1.0,
    vmax: float = 1.0,
    annotate: bool = True,
    size: float = 2.2,
    ncols: int | None = None,
):
    """Draw small 2-D arrays (values in [vmin, vmax]) with their values written in each cell.

    The numbers are cut to two decimals as the slides print them (5/9 -> 0.55). A mapping's
    keys become titles. Returns the figure.
    """
    from ..toyconv import truncate

    if isinstance(arrays, dict):
        titles = list(arrays) if titles is None else titles
        arrays = list(arrays.values())
    arrays = [
        np.asarray(a.detach().cpu() if isinstance(a, torch.Tensor) else a, dtype=float)
        for a in arrays
    ]
    if not arrays or any(a.ndim != 2 for a in arrays):
        raise ValueError("arrays must hold at least one array, each 2-D (H, W)")
    fig, axes = image_grid(len(arrays), ncols=ncols, size=size)
    titles = list(titles or []) + [""] * len(arrays)
    for ax, arr, title in zip(axes.flat[: len(arrays)], arrays, titles[: len(arrays)], strict=True):
        ax.imshow(arr, cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        if annotate and arr.size <= 81:
            mid, digits = (vmin + vmax) / 2, 0 if np.all(arr == np.round(arr)) else 2
            for (i, j), value in np.ndenumerate(truncate(arr)):
                ax.text(
                    j,
                    i,
                    f"{value:.{digits}f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="black" if arr[i, j] > mid else "white",
                )
    fig.tight_layout()
    return fig


def xo_explorer(*, size: float = 1.6) -> widgets.VBox:
    """Toggle the pixels of a 9x9 image (or pick an X/O variant) and watch the hand-made
    network: the three feature maps after ReLU, both pooling stages and the X/O votes.

    Returns the widget box; display it as the last line of a cell.
    """
    from .. import toyconv

    variants = toyconv.xo_variants()
    features, weights = toyconv.xo_features(), toyconv.hand_vote_weights()
    picker = widgets.Dropdown(options=list(variants), value="X", description="image")
    buttons = [
        widgets.ToggleButton(layout=widgets.Layout(width="26px", height="26px")) for _ in range(81)
    ]
    grid = widgets.GridBox(buttons, layout=widgets.Layout(grid_template_columns="repeat(9, 28px)"))
    votes, out = widgets.HTML(), widgets.Output()
    state = {"busy": False}

    def draw(change=None) -> None:
        if state["busy"]:
            return
        img = np.array([1.0 if b.value else -1.0 for b in buttons]).reshape(9, 9)
        stages = toyconv.xo_forward(img, features)
        x_vote, o_vote = toyconv.fc_votes(stages["values"], weights)
        winner = toyconv.CLASSES[int(o_vote > x_vote)]
        votes.value = f"<b>votes</b>: X {x_vote:.2f}, O {o_vote:.2f} &rarr; <b>{winner}</b>"
        panels, titles = [], []
        for f, name in enumerate(toyconv.FEATURE_NAMES):
            panels += [features[f], stages["relu"][f], stages["pool1"][f], stages["pool2"][f]]
            titles += [name, "conv + ReLU", "pooled", "pooled again"]
        with out:
            out.clear_output(wait=True)
            fig = show_values(panels, titles, vmin=-1, vmax=1, size=size, ncols=4)
            display(fig)
            plt.close(fig)

    def load(change=None) -> None:
        state["busy"] = True
        for button, value in zip(buttons, variants[picker.value].reshape(-1), strict=True):
            button.value = bool(value > 0)
        state["busy"] = False
        draw()

    picker.observe(load, names="value")
    for button in buttons:
        button.observe(draw, names="value")
    load()
    return widgets.VBox([picker, widgets.HBox([grid, out]), votes])
