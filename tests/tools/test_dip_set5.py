"""tools/dip_set5.py: the results so far as a table, a partial mean labelled as such."""

import importlib.util
from pathlib import Path

from sisrlearn.datasets import resolve_dataset

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("dip_set5", ROOT / "tools" / "dip_set5.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def _bicubic_of(name: str) -> float:
    return tool.bicubic_psnr(str(resolve_dataset("set5") / f"{name}.png"))


def _record(image: str, psnr: float) -> dict:
    return {
        "image": image,
        "psnr": psnr,
        "psnr_ema": psnr + 0.5,
        "iterations": 2000,
        "seconds": 1200.0,
        "threads": 1,
        "bf16": False,
        "device": "cpu",
    }


def test_table_rows_and_a_partial_mean(tmp_path, capsys):
    results = tmp_path / "dip.json"
    tool.write_results(results, [_record("woman", 28.0), _record("bird", 31.0)])
    assert tool.main(["--results", str(results), "--table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    bird, woman = _bicubic_of("bird"), _bicubic_of("woman")
    assert 25 < woman < bird < 35  # Set5 bicubic x4: bird 30.2, woman 26.5 dB
    assert lines[2] == f"| bird | {bird:.2f} | 31.00 | 31.50 | 2000 | 20 | 0.60 | cpu, float32 |"
    assert lines[3].startswith(f"| woman | {woman:.2f} | 28.00 | 28.50 |")
    mean = (bird + woman) / 2
    assert lines[4].startswith(f"| **mean of 2 of 5** | {mean:.2f} | 29.50 | 30.00 |")
    assert lines[5].startswith("| paper (Set5 mean) |  | 29.90 |")


def test_table_of_all_five_says_mean():
    names = ("baby", "bird", "butterfly", "head", "woman")
    table = tool.results_table([_record(n, 30.0) for n in names], dict.fromkeys(names, 28.0))
    assert "| **mean** | 28.00 | 30.00 | 30.50 |" in table
