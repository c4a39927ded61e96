"""Student notebooks are generated from solution notebooks by nbgrader's preprocessors, never
drift from them, and grade as nbgrader grades them (generate_assignment, autograde)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sisrlearn.exercises import build_all, build_student, student_text

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "exercises" / "solutions").glob("*.ipynb"))
CHAPTERS = [
    "01_images_and_metrics",
    "02_toy_convnet",
    "03_sparse_coding",
    "04_srcnn",
    "05_faster",
    "06_deeper",
    "07_denoising_autoencoder",
    "08_gan_objectives",
    "09_srgan",
    "10_deep_image_prior",
    "11_colorization",
    "12_benchmark",
]


def _grading(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_one_exercise_notebook_per_chapter():
    assert [p.stem for p in SOLUTIONS] == CHAPTERS


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_committed_student_notebook_equals_regenerated(solution):
    student = ROOT / "exercises" / solution.name
    assert student.exists(), f"run `sisrlearn exercises` to create {student}"
    assert student.read_text() == student_text(solution), (
        f"{student.name} is out of date: run `make exercises`"
    )


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_tasks_predictions_checks_and_model_answers(solution):
    """At least 3 tasks and one prediction, each followed by a graded checker cell; every open
    question has a graded model answer; the student gets bare stubs, no hint, no answer."""
    sol = nbformat.read(str(solution), as_version=4)
    tasks = [c for c in sol.cells if c.cell_type == "code" and _grading(c).get("solution")]
    predictions = [c for c in tasks if c.source.strip().split("\n")[1].startswith("prediction_")]
    assert len(tasks) - len(predictions) >= 3 and len(predictions) >= 1
    checks = [c for c in sol.cells if _grading(c).get("grade") and c.cell_type == "code"]
    assert len(checks) == len(tasks)
    assert all(c.source.startswith("assert check_") and _grading(c)["locked"] for c in checks)
    for i, cell in enumerate(sol.cells):
        if cell.cell_type == "markdown" and cell.source.startswith("**To think about"):
            answer = sol.cells[i + 1]
            assert _grading(answer).get("solution") and _grading(answer).get("grade")
            assert "### BEGIN SOLUTION" in answer.source and _grading(answer)["points"] > 0
    stu = build_student(sol)
    text = "\n".join(c.source for c in stu.cells)
    assert "BEGIN SOLUTION" not in text and "HINT" not in text
    code = "\n".join(c.source for c in stu.cells if c.cell_type == "code")
    assert code.count("raise NotImplementedError()") == sum(
        c.source.count("### BEGIN SOLUTION") for c in tasks
    )
    assert "NotImplementedError('" not in code and 'NotImplementedError("' not in code
    answers = [c for c in stu.cells if c.cell_type == "markdown" and _grading(c).get("solution")]
    assert answers and all(c.source == "YOUR ANSWER HERE" for c in answers)
    assert all(not c.get("outputs") for c in stu.cells if c.cell_type == "code")


def _tiny_solution():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    cell = nbformat.v4.new_code_cell(
        "class Net:\n    def __init__(self):\n        ### BEGIN SOLUTION\n        self.k = 2\n"
        "        ### END SOLUTION\n\n    def forward(self, x):\n        ### BEGIN SOLUTION\n"
        "        return self.k * x\n        ### END SOLUTION"
    )
    cell.metadata["nbgrader"] = {
        "solution": True,
        "grade": False,
        "locked": False,
        "grade_id": "net",
        "schema_version": 3,
        "task": False,
    }
    nb.cells.append(cell)
    return nb


def test_every_region_becomes_a_bare_stub_and_overwrite_is_asked(tmp_path):
    student = build_student(_tiny_solution())
    source = student.cells[0].source
    assert source.count("raise NotImplementedError()") == 2 and "self.k" not in source
    assert "def forward(self, x):" in source
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


# ---------------------------------------------------------------- nbgrader, for real

AUTOGRADED = "01_images_and_metrics"  # small and quick to execute
BUGGY_TASK = "lanczos"  # the planted bug: no window, so the kernel leaks beyond |x| < a


def _nbgrader(course: Path, *args: str) -> None:
    """Run the nbgrader command line in ``course`` (alembic, which it calls, must be on PATH)."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "SISRLEARN_FAST": "1",
        "MPLBACKEND": "Agg",
    }
    env.pop("SISRLEARN_STRICT_CHECKS", None)
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _submission(release: Path, solution: Path, bug: str | None = None) -> nbformat.NotebookNode:
    """The released notebook with the solution cells filled in from the solution notebook,
    one of them (``bug``) with the Lanczos window left out."""
    nb = nbformat.read(str(release), as_version=4)
    answers = {
        _grading(c)["grade_id"]: c.source
        for c in nbformat.read(str(solution), as_version=4).cells
        if _grading(c).get("solution")
    }
    for cell in nb.cells:
        grade_id = _grading(cell).get("grade_id")
        if _grading(cell).get("solution") and cell.cell_type == "code":
            cell.source = answers[grade_id]
            if grade_id == bug:
                assert " * (x.abs() < a)" in cell.source
                cell.source = cell.source.replace(" * (x.abs() < a)", "")
    return nb


def _scores(course: Path, notebook: str, student: str) -> dict[str, tuple[float, float]]:
    """grade_id -> (auto score, max score) of the autograded (code) cells."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(notebook, "ex01", student)
        return {
            g.name: (g.auto_score, g.max_score) for g in nb.grades if g.cell.cell_type == "code"
        }


@pytest.mark.slow
def test_nbgrader_generates_our_student_notebooks_and_autogrades_them(tmp_path):
    course = tmp_path / "course"
    (course / "source" / "all").mkdir(parents=True)
    (course / "source" / "ex01").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        'c.CourseDirectory.course_id = "sisrlearn"\n'
        f'c.CourseDirectory.db_url = "sqlite:///{course / "gradebook.db"}"\n'
        "c.Execute.timeout = 600\n"
    )
    for solution in SOLUTIONS:
        shutil.copy(solution, course / "source" / "all" / solution.name)
    shutil.copy(
        ROOT / "exercises" / "solutions" / f"{AUTOGRADED}.ipynb", course / "source" / "ex01"
    )

    # 1. nbgrader generate_assignment releases exactly the committed student notebooks
    _nbgrader(course, "generate_assignment", "all", "--force")
    for solution in SOLUTIONS:
        released = course / "release" / "all" / solution.name
        assert json.loads(released.read_text()) == json.loads(student_text(solution)), solution.name

    # 2. autograde: the solution gets full marks, the blank notebook 0, the bug loses its task
    _nbgrader(course, "generate_assignment", "ex01", "--force")
    release = course / "release" / "ex01" / f"{AUTOGRADED}.ipynb"
    solution = ROOT / "exercises" / "solutions" / f"{AUTOGRADED}.ipynb"
    submissions = {
        "full": _submission(release, solution),
        "blank": nbformat.read(str(release), as_version=4),
        "bug": _submission(release, solution, bug=BUGGY_TASK),
    }
    for student, nb in submissions.items():
        folder = course / "submitted" / student / "ex01"
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / release.name))
    _nbgrader(course, "autograde", "ex01", "--create", "--force")

    scores = {s: _scores(course, AUTOGRADED, s) for s in submissions}
    for student, grades in scores.items():
        total = sum(got for got, _ in grades.values())
        print(f"{student}: {total:g} of {sum(m for _, m in grades.values()):g} points", grades)
    assert len(scores["full"]) >= 4
    assert all(got == most > 0 for got, most in scores["full"].values())
    assert all(got == 0 for got, _ in scores["blank"].values())
    lost = {cell: most - got for cell, (got, most) in scores["bug"].items() if got != most}
    assert lost == {f"check_{BUGGY_TASK}": scores["full"][f"check_{BUGGY_TASK}"][1]}
