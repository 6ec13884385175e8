"""What a submission is: a folder laid out like exercises/, a notebook, or a folder of notebooks.

Notebooks built by ``course nbgrader build`` carry their lesson in their metadata (``convgrade.lesson``);
their code cells, minus the test cells, become the lesson file, graded exactly as a ``.py`` file is (one saved on
Windows too: a byte order mark, CRLF line endings and backslashes in its metadata change nothing).
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

TEST_MARKER = "# convgrade: tests of "
MAGIC = re.compile(r"^(\s*)([%!].*)$", re.MULTILINE)


class NotebookError(ValueError):
    """A notebook that cannot be graded: corrupt, or not built by this course."""


@dataclass
class Prepared:
    """A submission as a folder of lesson files, with the lessons that came from notebooks."""

    folder: Path
    lessons: list[str] = field(default_factory=list)  # lessons found in notebooks (empty for a .py folder)
    errors: dict[str, str] = field(default_factory=dict)  # notebook file -> why it cannot be graded
    _tmp: tempfile.TemporaryDirectory | None = None

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def is_test_cell(source: str) -> bool:
    return source.lstrip().startswith(TEST_MARKER)


def code_of(sources: list[str]) -> str:
    """The lesson file made of code cells: test cells dropped, IPython magics and shell lines commented out."""
    cells = [MAGIC.sub(r"\1# \2", s) for s in sources if s.strip() and not is_test_cell(s)]
    return "\n\n".join(cells) + "\n"


def _read(path: Path):
    import nbformat  # slow to import (jsonschema): only when a notebook is graded

    try:  # utf-8-sig: an editor on Windows may have saved it with a byte order mark
        nb = nbformat.reads(path.read_bytes().decode("utf-8-sig"), as_version=4)
    except Exception as e:  # noqa: BLE001 - nbformat raises many kinds (JSON, validation, encoding)
        raise NotebookError(f"{path.name}: not a readable notebook ({type(e).__name__}: {str(e)[:200]}); "
                            "re-download it or restore it from your last checkpoint") from None
    return nb


def quiz_of(path: Path) -> tuple[str, str] | None:
    """``(assignment, answers file text)`` of a quiz notebook (``course quiz`` wrote it), else None."""
    from .answers import answers_from_cells

    nb = _read(path)
    meta = nb.metadata.get("convgrade")
    if not isinstance(meta, dict) or not isinstance(meta.get("assignment"), str):
        return None
    marks = [c.metadata.get("convgrade") for c in nb.cells]
    cells = [(m["answer"], c.source) for c, m in zip(nb.cells, marks)
             if isinstance(m, dict) and isinstance(m.get("answer"), str)]
    return meta["assignment"], answers_from_cells(str(meta.get("student", "")), cells)


def read_notebook(path: Path) -> tuple[str, str]:
    """``(lesson, source)`` of a course notebook; NotebookError naming the file otherwise."""
    nb = _read(path)
    lesson = nb.metadata.get("convgrade", {}).get("lesson") if isinstance(nb.metadata.get("convgrade"), dict) else None
    if not isinstance(lesson, str):
        raise NotebookError(f"{path.name}: not a notebook of this course (no convgrade lesson in its metadata); "
                            "submit the notebook you were given, filled in")
    return lesson, code_of([c.source for c in nb.cells if c.cell_type == "code"])


def prepare(path: Path) -> Prepared:
    """Turn the SUBMISSION argument into a folder of lesson files."""
    path = Path(path)
    notebooks = [path] if path.suffix == ".ipynb" else sorted(path.glob("**/*.ipynb")) if path.is_dir() else []
    notebooks = [n for n in notebooks if ".ipynb_checkpoints" not in n.parts]
    if not notebooks:
        return Prepared(path)
    tmp = tempfile.TemporaryDirectory(prefix="convgrade-nb-")
    prepared = Prepared(Path(tmp.name), _tmp=tmp)
    for nb in notebooks:
        try:
            quiz = quiz_of(nb)
            if quiz is not None:  # its answer cells become answers/<assignment>.toml
                target = prepared.folder / "answers" / f"{quiz[0]}.toml"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(quiz[1], encoding="utf-8")
                prepared.lessons.append(quiz[0])
                continue
            lesson, source = read_notebook(nb)
        except NotebookError as e:
            prepared.errors[str(nb)] = str(e)
            continue
        target = prepared.folder / Path(*lesson.split(".")).with_suffix(".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
        prepared.lessons.append(lesson)
    return prepared
