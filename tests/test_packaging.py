"""The setup files agree with each other (conda env, pyproject, Makefile, CI)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements):
    return {re.split(r"[<>=\[ ]", r.strip())[0].lower() for r in requirements}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    env = (ROOT / "environment.yml").read_text()
    listed = set(re.findall(r"^\s*-\s+([A-Za-z][\w.-]*)", env, flags=re.M))
    assert wanted <= {n.lower() for n in listed}, wanted - {n.lower() for n in listed}
    assert "python=3.11" in env and "name: sisrlearn" in env


def test_torch_is_pinned_to_the_same_version_everywhere():
    makefile = (ROOT / "Makefile").read_text()
    env = (ROOT / "environment.yml").read_text()
    pin = re.search(r"torch==([\d.]+)", makefile).group(1)
    assert f"torch=={pin}" in env
    assert "torchvision" not in makefile + env + (ROOT / "pyproject.toml").read_text()


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_notebooks_are_stored_without_outputs_and_with_cell_ids():
    import json

    paths = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/**/*.ipynb")])
    assert paths
    for path in paths:
        cells = json.loads(path.read_text())["cells"]
        ids = [cell.get("id") for cell in cells]
        assert None not in ids and len(set(ids)) == len(ids), f"{path.name}: missing/repeated id"
        for cell in cells:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
