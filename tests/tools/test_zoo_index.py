"""tools/zoo_index.py: a run added to a zoo index is copied in, thinned, scored and tabled."""

import importlib.util
import json
from pathlib import Path

from sisrlearn import zoo
from sisrlearn.runs import train_recipe

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("zoo_index", ROOT / "tools" / "zoo_index.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_add_copies_the_weights_names_the_output_and_scores(tmp_path, hr_folder, monkeypatch):
    run = tmp_path / "run" / "mine.pt"
    train_recipe(
        "srcnn",
        3,
        hr_folder,
        steps=3,
        out=run,
        batch_size=2,
        progress=False,
        model_kwargs={"n1": 4, "n2": 2},
        command=f"sisrlearn train srcnn --out {run}",
    )
    index = tmp_path / "zoo" / "index.json"
    index.parent.mkdir()
    monkeypatch.setattr(zoo, "INDEX", index)  # bench resolves the new name from this index
    psnr = tool.add("srcnn_x3", run.with_suffix(".json"), index, [hr_folder])
    record = json.loads(index.read_text())["entries"]["srcnn_x3"]
    assert (index.parent / "srcnn_x3.pt").is_file() and record["weights"] == "srcnn_x3.pt"
    assert record["command"] == "sisrlearn train srcnn --out srcnn_x3.pt"
    assert set(psnr) == {"hr"} and set(psnr["hr"]) == {"3"} and psnr["hr"]["3"] > 0
    assert record["psnr"] == psnr
    table = tool.table(index)
    # the configuration off the paper's is named; the T91 paper figure stands beside it
    assert "| srcnn_x3 | srcnn, n1=4, n2=2 | x3 |" in table and "| 32.39 |" in table


def test_thin_keeps_at_most_the_points_asked_for():
    series = {"step": list(range(1, 1001)), "loss": [1.0] * 1000, "note": "kept"}
    thinned = tool.thin(series, 100)
    assert len(thinned["step"]) == 100 and thinned["step"][-1] == 1000
    assert thinned["loss"] == [1.0] * 100 and thinned["note"] == "kept"
