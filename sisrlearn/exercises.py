"""Student notebooks generated from solution notebooks (nbgrader's conventions).

In a solution notebook the answer sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` in a cell whose metadata marks it as an nbgrader solution cell. The
student version replaces that region with ``raise NotImplementedError("<hint>")``, where
the hint is the region's first line when it reads ``# HINT: ...``. Outputs are cleared.
Because the cells keep nbgrader's metadata, a teacher can also run ``nbgrader generate_assignment``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from .files import atomic_write_text

__all__ = ["build_student", "build_all", "student_text"]

_HINT = "# HINT:"


def _clear_solutions_class():
    try:
        from nbgrader.preprocessors import ClearSolutions
    except ImportError as err:  # pragma: no cover - nbgrader is a dev dependency
        raise ImportError(
            "generating exercises needs nbgrader: pip install 'sisrlearn[dev]'"
        ) from err

    class HintedClearSolutions(ClearSolutions):
        """nbgrader's ClearSolutions, with the region's ``# HINT:`` line as the stub's message."""

        def _replace_solution_region(self, cell, language):
            hint = "write your solution here"
            lines = cell.source.split("\n")
            for i, line in enumerate(lines):
                if self.begin_solution_delimeter in line and i + 1 < len(lines):
                    nxt = lines[i + 1].strip()
                    if nxt.startswith(_HINT):
                        hint = nxt[len(_HINT) :].strip()
                    break
            stub = f"# YOUR CODE HERE\nraise NotImplementedError({hint!r})"
            self.code_stub = {**self.code_stub, language: stub}
            return super()._replace_solution_region(cell, language)

    return HintedClearSolutions


def build_student(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of a solution notebook (a new notebook; the input is unchanged)."""
    nb = nbformat.from_dict(solution)  # deep copy
    cls = _clear_solutions_class()
    nb, _ = cls(enforce_metadata=True).preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
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
