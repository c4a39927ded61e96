import os
import re

os.environ.setdefault("SISRLEARN_FAST", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

matplotlib.use("Agg")


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def one_thread():
    """Tiny problems: one thread avoids thread overhead on a busy machine (modules that want
    it say ``pytestmark = pytest.mark.usefixtures("one_thread")``)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def hr_folder(tmp_path):
    """Two smooth random 48x48 RGB PNGs in ``tmp_path/hr``: a training/validation folder."""
    from sisrlearn.images import save_image

    folder = tmp_path / "hr"
    gen = torch.Generator().manual_seed(0)
    for i in range(2):
        img = torch.rand(3, 48, 48, generator=gen)
        img = torch.nn.functional.avg_pool2d(img[None], 3, 1, 1)[0]  # some structure
        save_image(img, folder / f"img{i}.png")
    return folder


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(autouse=True)
def _fresh_hints():
    """Every test starts with no failed attempts recorded by the exercise checkers."""
    from sisrlearn.checks import reset_hints

    reset_hints()
    yield
    reset_hints()


def _hint_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("Hint ")]


def _assert_hints_teach(out_first: str, out_second: str) -> None:
    """The first failure shows hint 1, the next one hint 2 (a different, more specific
    text); neither is code."""
    first, second = _hint_lines(out_first), _hint_lines(out_second)
    assert first and first[0].startswith("Hint 1 of"), out_first
    assert second and second[0].startswith("Hint 2 of"), out_second
    assert first[0][len("Hint 1 of 2: ") :] != second[0][len("Hint 2 of 2: ") :]
    code = re.compile(r"\bdef \w+\(|\breturn [\w.]+\(|\blambda\b")
    for line in first + second:
        assert not code.search(line), line


def assert_checker_contract(checker, solution, bugs, capsys):
    """A checker accepts the solution (no hint), rejects each planted bug with expected/got,
    teaches in tiers (hint 1 after the first failed attempt, hint 2 after the next or on
    request with ``hint=True``), raises CheckFailed in strict mode, and says when the task is
    not implemented yet (a hint only on request)."""
    from sisrlearn.checks import CheckFailed, reset_hints

    def not_done(*args, **kwargs):
        raise NotImplementedError

    assert checker(solution, strict=False) is True
    out = capsys.readouterr().out
    assert "[ok]" in out and "Hint" not in out
    assert len(bugs) >= 2
    for bug in bugs:
        reset_hints()
        assert checker(bug, strict=False) is False, getattr(bug, "__name__", bug)
        first = capsys.readouterr().out
        assert "[failed]" in first and "expected" in first, first
        with pytest.raises(CheckFailed):
            checker(bug, strict=True)
        _assert_hints_teach(first, capsys.readouterr().out)
        reset_hints()
        checker(bug, strict=False, hint=True)  # asked for more at the first attempt
        assert _hint_lines(capsys.readouterr().out)[0].startswith("Hint 2 of")
    reset_hints()
    assert checker(not_done, strict=False) is False
    out = capsys.readouterr().out
    assert "not implemented yet" in out and "Hint" not in out
    checker(not_done, strict=False, hint=True)
    assert _hint_lines(capsys.readouterr().out)[0].startswith("Hint 1 of")
    with pytest.raises(CheckFailed):
        checker(not_done, strict=True)


def assert_prediction_contract(checker, right, wrongs, capsys):
    """A prediction checker accepts the right prediction, rejects wrong ones with the
    measured result and tiered hints, and raises CheckFailed in strict mode."""
    from sisrlearn.checks import CheckFailed, reset_hints

    assert checker(right, strict=False) is True
    out = capsys.readouterr().out
    assert "[ok]" in out and "Hint" not in out
    assert len(wrongs) >= 2
    for wrong in wrongs:
        reset_hints()
        assert checker(wrong, strict=False) is False, wrong
        first = capsys.readouterr().out
        assert "[failed]" in first and "expected" in first, first
        with pytest.raises(CheckFailed):
            checker(wrong, strict=True)
        _assert_hints_teach(first, capsys.readouterr().out)


def reference_ms_ssim(x, y, weights=(0.0448, 0.2856, 0.3001, 0.2363, 0.1333)) -> float:
    """NumPy/SciPy MS-SSIM (Wang et al. 2003) for the metric and loss tests: valid 11x11
    Gaussian windows, 2x2 mean pooling."""
    import numpy as np
    from scipy.ndimage import correlate

    g = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5**2))
    win = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = 0.01**2, 0.03**2
    value = 1.0
    for level, w in enumerate(weights):

        def f(a):
            return correlate(a, win, mode="constant")[5:-5, 5:-5]

        mx, my = f(x), f(y)
        vx, vy, cxy = f(x * x) - mx**2, f(y * y) - my**2, f(x * y) - mx * my
        cs = ((2 * cxy + c2) / (vx + vy + c2)).mean()
        if level < len(weights) - 1:
            value *= max(cs, 0) ** w
            h, wd = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
            x = x[:h, :wd].reshape(h // 2, 2, wd // 2, 2).mean((1, 3))
            y = y[:h, :wd].reshape(h // 2, 2, wd // 2, 2).mean((1, 3))
        else:
            lum = (2 * mx * my + c1) / (mx**2 + my**2 + c1)
            value *= max((lum * (2 * cxy + c2) / (vx + vy + c2)).mean(), 0) ** w
    return value


def two_step_losses(model, opt, x, y) -> list[float]:
    """The MSE before each of two optimiser steps (the "one step lowers the loss" tests)."""
    import torch.nn.functional as F

    losses = []
    for _ in range(2):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
