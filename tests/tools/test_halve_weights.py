"""tools/halve_weights.py: float16 storage only where PSNR stays within the tolerance."""

import importlib.util
import json
from pathlib import Path

from sisrlearn.runs import train_recipe
from sisrlearn.train import load_weights, sha256_of
from sisrlearn.zoo import add_entry, read_index

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("halve_weights", ROOT / "tools" / "halve_weights.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def _tiny_zoo(tmp_path, hr_folder):
    zoo_dir = tmp_path / "zoo"
    train_recipe(
        "srcnn", 2, hr_folder, steps=2, out=zoo_dir / "srcnn_x2.pt", batch_size=2, progress=False
    )
    add_entry("srcnn_x2", zoo_dir / "srcnn_x2.json", index=zoo_dir / "index.json")
    return zoo_dir


def test_float16_within_tolerance_is_stored_and_recorded(tmp_path, hr_folder, capsys):
    zoo_dir = _tiny_zoo(tmp_path, hr_folder)
    argv = [
        "srcnn_x2",
        "--data",
        str(hr_folder),
        "--index",
        str(zoo_dir / "index.json"),
        "--tolerance",
        "1",
    ]
    assert tool.main(argv) == 0
    assert "srcnn_x2: float16" in capsys.readouterr().out
    record = json.loads((zoo_dir / "index.json").read_text())["entries"]["srcnn_x2"]
    assert record["dtype"] == "float16" and record["sha256"] == sha256_of(zoo_dir / "srcnn_x2.pt")
    assert record["float16"]["command"].startswith("python tools/halve_weights.py srcnn_x2")
    assert set(record["float16"]["psnr"]["x2"]) == {"float32", "float16"}
    entry = read_index(zoo_dir / "index.json")[0]["srcnn_x2"]
    model = tool.build_model(entry.model, **entry.kwargs)
    load_weights(model, entry.weights, sha256=entry.sha256)  # the new file verifies


def test_a_change_beyond_the_tolerance_keeps_float32(tmp_path, hr_folder, capsys):
    zoo_dir = _tiny_zoo(tmp_path, hr_folder)
    before = sha256_of(zoo_dir / "srcnn_x2.pt")
    tool.main(
        [
            "srcnn_x2",
            "--data",
            str(hr_folder),
            "--index",
            str(zoo_dir / "index.json"),
            "--tolerance",
            "-1",
        ]
    )
    assert "kept float32" in capsys.readouterr().out
    assert sha256_of(zoo_dir / "srcnn_x2.pt") == before
    index = json.loads((zoo_dir / "index.json").read_text())
    assert index["entries"]["srcnn_x2"]["dtype"] == "float32"
