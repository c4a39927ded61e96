"""``sisrlearn.widgets.viewers``: the before/after slider."""

import matplotlib.pyplot as plt
import pytest
import torch

from sisrlearn.widgets import before_after


def test_before_after_slider_redraws_at_the_new_split(monkeypatch):
    drawn = []
    monkeypatch.setattr("sisrlearn.widgets.viewers.display", lambda fig: drawn.append(fig))
    real_subplots = plt.subplots
    axes = []

    def spy(*args, **kwargs):
        fig, ax = real_subplots(*args, **kwargs)
        axes.append(ax)
        return fig, ax

    monkeypatch.setattr("sisrlearn.widgets.viewers.plt.subplots", spy)
    a, b = torch.zeros(3, 10, 12), torch.ones(3, 10, 12)
    box = before_after(a, b)
    slider = box.children[0]
    assert slider.max == 12 and slider.value == 6
    slider.value = 3
    assert len(drawn) == 2 and "split at column 3" in axes[-1].get_title()
    shown = axes[-1].images[0].get_array()
    assert shown[:, :3].max() == 0 and shown[:, 3:].min() == 1  # before | after at column 3
    with pytest.raises(ValueError, match="same shape"):
        before_after(a, torch.ones(3, 10, 11))
