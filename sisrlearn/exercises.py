"""Student notebooks generated from solution notebooks, by nbgrader's own preprocessors.

A solution notebook follows nbgrader's conventions:

- an answer to write sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in a code
  cell marked ``nbgrader: {solution: true, grade: false}``; the student gets nbgrader's stub,
  ``raise NotImplementedError()``, with no hint in it (the checkers give the hints, in tiers);
- a checker cell that grades a task is marked ``{grade: true, solution: false, points: N}``
  (an autograder test: it raises when the task is wrong);
- the model answer of an open question is a markdown cell marked
  ``{solution: true, grade: true, points: N}`` whose answer sits between the same markers;
  the student gets ``YOUR ANSWER HERE``, the teacher grades it by hand.

:func:`build_student` runs the preprocessors of ``nbgrader generate_assignment`` in its order
(lock cells, clear solutions, clear outputs, checksums, hidden tests, mark schemes), without
the gradebook database, so the committed student notebooks are exactly what
``nbgrader generate_assignment`` releases (``tests/test_exercises.py`` checks both).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from .files import atomic_write_text

__all__ = ["build_student", "build_all", "student_text"]


def _preprocessors() -> list:
    try:
        from nbgrader.preprocessors import (
            CheckCellMetadata,
            ClearHiddenTests,
            ClearMarkScheme,
            ClearOutput,
            ClearSolutions,
            ComputeChecksums,
            LockCells,
        )
    except ImportError as err:  # pragma: no cover - nbgrader is a dev dependency
        raise ImportError(
            "generating exercises needs nbgrader: pip install 'sisrlearn[dev]'"
        ) from err
    # GenerateAssignment's list, less IncludeHeaderFooter and InstantiateTests (no header,
    # footer or AUTOTEST cells here) and SaveCells (the gradebook).
    return [
        LockCells(),
        ClearSolutions(enforce_metadata=True),
        ClearOutput(),
        CheckCellMetadata(),
        ComputeChecksums(),
        ClearHiddenTests(),
        ClearMarkScheme(),
        ComputeChecksums(),
        CheckCellMetadata(),
    ]


def build_student(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of a solution notebook (a new notebook; the input is unchanged).

    Raises:
        RuntimeError: a solution region outside a cell marked as a solution cell.
    """
    nb = nbformat.from_dict(solution)  # deep copy
    resources: dict = {}
    for preprocessor in _preprocessors():
        nb, resources = preprocessor.preprocess(nb, resources)
    nb.metadata.pop("widgets", None)
    return nb


def student_text(solution_path: str | Path) -> str:
    """The exact file contents the student notebook for ``solution_path`` should have."""
    solution = nbformat.read(str(solution_path), as_version=4)
    return nbformat.writes(build_student(solution)) + "\n"


def build_all(
    solutions: str | Path = "exercises/solutions",
    out: str | Path = "exercises",
    *,
    check: bool = False,
    overwrite: bool = False,
) -> list[Path]:
    """Generate every student notebook; return the paths written (or, with ``check``, stale).

    An existing student notebook that differs is only replaced with ``overwrite=True``
    (it may hold a student's work).
    """
    solutions, out = Path(solutions), Path(out)
    if not solutions.is_dir():
        raise ValueError(
            f"solutions must be a folder of solution notebooks, got {str(solutions)!r}"
        )
    if out.exists() and out.resolve() == solutions.resolve():
        raise ValueError(
            f"out must differ from solutions ({str(out)!r}): the answers would be lost"
        )
    sources = sorted(solutions.glob("*.ipynb"))
    if not sources:
        raise ValueError(f"no solution notebooks (*.ipynb) in {str(solutions)!r}")
    changed = []
    for source in sources:
        target = out / source.name
        text = student_text(source)
        if target.exists() and target.read_text() == text:
            continue
        changed.append(target)
        if check:
            continue
        if target.exists() and not overwrite:
            raise FileExistsError(
                f"{target} exists and differs; pass overwrite=True (--overwrite) to replace it"
            )
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, text, overwrite=overwrite)
    return changed
