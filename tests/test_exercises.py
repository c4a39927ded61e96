"""Student notebooks are generated from solution notebooks and never drift from them."""

from pathlib import Path

import nbformat
import pytest

from sisrlearn.exercises import build_all, build_student, student_text

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "exercises" / "solutions").glob("*.ipynb"))


def test_there_are_solution_notebooks():
    assert SOLUTIONS, "exercises/solutions/ holds no notebooks"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_committed_student_notebook_equals_regenerated(solution):
    student = ROOT / "exercises" / solution.name
    assert student.exists(), f"run `sisrlearn exercises` to create {student}"
    assert student.read_text() == student_text(solution), (
        f"{student.name} is out of date: run `make exercises`"
    )


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_student_notebook_has_no_answers_and_keeps_checkers(solution):
    sol = nbformat.read(str(solution), as_version=4)
    stu = build_student(sol)
    solution_cells = [c for c in sol.cells if "### BEGIN SOLUTION" in c.source]
    assert len(solution_cells) >= 3, "each exercise notebook has at least 3 tasks"
    text = "\n".join(c.source for c in stu.cells)
    assert "BEGIN SOLUTION" not in text and text.count("raise NotImplementedError(") >= 3
    assert text.count("check_") == "\n".join(c.source for c in sol.cells).count("check_")
    assert all(not c.get("outputs") for c in stu.cells if c.cell_type == "code")


def _tiny_solution():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    cell = nbformat.v4.new_code_cell(
        "def f(x):\n    ### BEGIN SOLUTION\n    # HINT: double it\n    return 2 * x\n"
        "    ### END SOLUTION"
    )
    cell.metadata["nbgrader"] = {
        "solution": True,
        "grade": False,
        "locked": False,
        "grade_id": "f",
        "schema_version": 3,
        "task": False,
    }
    nb.cells.append(cell)
    return nb


def test_hint_becomes_the_error_message_and_overwrite_is_asked(tmp_path):
    student = build_student(_tiny_solution())
    assert "raise NotImplementedError('double it')" in student.cells[0].source
    assert "return 2 * x" not in student.cells[0].source
    sol_dir, out_dir = tmp_path / "solutions", tmp_path
    sol_dir.mkdir()
    nbformat.write(_tiny_solution(), str(sol_dir / "00_tiny.ipynb"))
    assert build_all(sol_dir, out_dir) == [out_dir / "00_tiny.ipynb"]
    assert build_all(sol_dir, out_dir, check=True) == []
    (out_dir / "00_tiny.ipynb").write_text("{}")  # a student's edits
    assert build_all(sol_dir, out_dir, check=True) == [out_dir / "00_tiny.ipynb"]
    with pytest.raises(FileExistsError, match="overwrite"):
        build_all(sol_dir, out_dir)
    build_all(sol_dir, out_dir, overwrite=True)
    with pytest.raises(ValueError, match="solution notebooks"):
        build_all(tmp_path / "none", out_dir)


def test_solution_region_outside_a_solution_cell_is_refused():
    nb = _tiny_solution()
    nb.cells[0].metadata.pop("nbgrader")
    with pytest.raises(RuntimeError, match="non-solution cell"):
        build_student(nb)
