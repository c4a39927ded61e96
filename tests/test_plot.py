"""``sisrlearn.plot``: the figures notebooks draw."""

import pytest
import torch

from sisrlearn.plot import compare_crops, plot_history, show_filters, show_images
from sisrlearn.train import History


def test_show_images_and_titles():
    fig = show_images({"a": torch.rand(3, 8, 8), "b": torch.rand(1, 8, 8)})
    assert [ax.get_title() for ax in fig.axes[:2]] == ["a", "b"]
    with pytest.raises(ValueError, match="at least one"):
        show_images([])


def test_compare_crops_puts_psnr_in_titles():
    hr = torch.rand(3, 20, 20)
    fig = compare_crops({"same": hr.clone(), "noisy": (hr + 0.1).clamp(0, 1)}, hr, box=(2, 2, 8, 8))
    titles = [ax.get_title() for ax in fig.axes]
    assert "dB" in titles[1] and titles[-1].startswith("HR")
    assert all(im.get_interpolation() == "nearest" for ax in fig.axes for im in ax.images)
    with pytest.raises(ValueError, match="does not fit"):
        compare_crops({"x": hr}, hr, box=(15, 15, 10, 10))


def test_plot_history_and_filters():
    hist = History(step=[1, 2, 3], loss=[1.0, 0.5, 0.25], eval_step=[3], metrics={"psnr": [20.0]})
    assert len(plot_history(hist, smooth=2).axes) == 2
    assert show_filters(torch.rand(5, 1, 3, 3)).axes
    with pytest.raises(ValueError, match="weight"):
        show_filters(torch.rand(3, 3))
