import os

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


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def assert_checker_contract(checker, solution, bugs, capsys):
    """A checker accepts the solution, rejects each planted bug with expected/got and a hint
    (raising CheckFailed in strict mode), and says when the task is not implemented yet."""
    from sisrlearn.checks import CheckFailed

    def not_done(*args):
        raise NotImplementedError("write your solution here")

    assert checker(solution, strict=False) is True
    assert "[ok]" in capsys.readouterr().out
    for bug in bugs:
        assert checker(bug, strict=False) is False, bug.__name__
        out = capsys.readouterr().out
        assert "expected" in out and "Hint" in out
        with pytest.raises(CheckFailed):
            checker(bug, strict=True)
    assert checker(not_done, strict=False) is False
    assert "not implemented yet" in capsys.readouterr().out
