"""``course nbgrader build OUTDIR``: the course as an nbgrader course, from the same single source.

For every lesson: ``source/<assignment>/<lesson>.ipynb`` with the module docstring as markdown, the
imports (locked), one solution cell per function or class (signature and docstring, the reference body
between nbgrader's solution markers) and one autograded test cell per exercise carrying its points. The
test cell calls the installed graders; the property-based checks sit between the hidden-test markers.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .config import Course
from .notebook import POINTER
from .report.table import points
from .submission import TEST_MARKER

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
          pts: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if grade:
        meta["points"] = pts
    return {"nbgrader": meta}


def _with_solution_markers(source: str, node: ast.FunctionDef, indent: str) -> list[str]:
    """The function with its body (after the docstring) between the solution markers."""
    lines = source.splitlines()
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    head = lines[node.lineno - 1 - len(node.decorator_list):body[0].lineno - 1]
    inner = lines[body[0].lineno - 1:node.end_lineno]
    pad = indent + "    "
    return [*head, pad + BEGIN, *inner, pad + END]


def solution_cell_source(source: str, node: ast.stmt) -> str:
    """A function, or a class whose every method body is a solution region."""
    if isinstance(node, ast.FunctionDef):
        return "\n".join(_with_solution_markers(source, node, ""))
    lines = source.splitlines()
    out, cursor = [], node.lineno - 1 - len(node.decorator_list)
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            start = item.lineno - 1 - len(item.decorator_list)
            out += lines[cursor:start] + _with_solution_markers(source, item, "    ")
            cursor = item.end_lineno
    out += lines[cursor:node.end_lineno]
    return "\n".join(out).rstrip()


def test_cell_source(exercise_id: str) -> str:
    return "\n".join([
        f"{TEST_MARKER}{exercise_id}",
        "from convgrade import notebook as convgrade",
        f'convgrade.check("{exercise_id}", public=True)',
        "### BEGIN HIDDEN TESTS",
        f'convgrade.check("{exercise_id}", public=False)',
        "### END HIDDEN TESTS",
        f'convgrade.score("{exercise_id}")',
    ])


def lesson_notebook(course: Course, lesson: str) -> nbformat.NotebookNode:
    path = course.root / "reference" / Path(*lesson.split(".")).with_suffix(".py")
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    exercises = {e.name: e for e in course.exercises if e.lesson == lesson}
    doc = ast.get_docstring(tree) or ""
    title = doc.splitlines()[0] if doc else lesson
    cells = [new_markdown_cell(f"# {title}\n\n" + "\n".join(doc.splitlines()[1:]).strip(),
                               metadata=_meta("intro", locked=True))]
    setup = [ast.get_source_segment(source, n) for n in tree.body
             if not isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not (isinstance(n, ast.Expr) and n is tree.body[0])]
    cells.append(new_code_cell("\n".join(setup), metadata=_meta("setup", locked=True)))
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        ex = exercises.get(node.name)
        if ex is not None:
            cells.append(new_markdown_cell(f"## `{node.name}` — {ex.title} ({points(ex.points)} points)",
                                           metadata=_meta(f"about_{node.name}", locked=True)))
        cells.append(new_code_cell(solution_cell_source(source, node), metadata=_meta(node.name, solution=True)))
        if ex is not None:
            cells.append(new_code_cell(test_cell_source(ex.id),
                                       metadata=_meta(f"test_{node.name}", grade=True, locked=True, pts=ex.points)))
    return _notebook(cells, course, lesson=lesson)


def quiz_notebook(course: Course, assignment: str) -> nbformat.NotebookNode:
    """A quiz: per question, a cell that shows it with the student's numbers (JupyterHub's user name; the
    submitted/<student>/ folder when nbgrader autogrades), an answer cell (``name = value``, read as TOML, never
    run for a grade) and an autograded test cell worth the question's points."""
    questions = [e for e in course.exercises if e.assignment == assignment and e.is_question]
    cells = [new_markdown_cell(f"# {course.assignments[assignment]}\n\nYour numbers differ from your classmates'. "
                               "Run each question's cell to see yours, and replace `...` in the cell under it with "
                               "your answer.", metadata=_meta("intro", locked=True))]
    for i, e in enumerate(questions, 1):
        cells.append(new_markdown_cell(f"## {i}. {e.title} ({points(e.points)} points)",
                                       metadata=_meta(f"about_{e.name}", locked=True)))
        cells.append(new_code_cell(f"from convgrade import notebook as convgrade\nconvgrade.show_question({e.id!r})",
                                   metadata=_meta(f"show_{e.name}", locked=True)))
        answer = new_code_cell(f"{e.name} = ...")
        answer.metadata["convgrade"] = {"answer": e.id}
        cells.append(answer)
        cells.append(new_code_cell("\n".join([f"{TEST_MARKER}{e.id}", "from convgrade import notebook as convgrade",
                                              f"convgrade.check_answer({e.id!r})", f"convgrade.score({e.id!r})"]),
                                   metadata=_meta(f"test_{e.name}", grade=True, locked=True, pts=e.points)))
    return _notebook(cells, course, assignment=assignment)


def _notebook(cells: list, course: Course, **what: str) -> nbformat.NotebookNode:
    """A Python 3 notebook whose metadata names the course and what it holds (its lesson or assignment)."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["convgrade"] = {**what, "course": course.id, "version": course.version}
    return nb


CONFIG = '''\
# Written by `course nbgrader build`; rebuild rather than edit.
import os

c = get_config()  # noqa: F821 - provided by nbgrader
root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = root
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "gradebook.db")
c.ExecutePreprocessor.timeout = {timeout}
c.Execute.timeout = {timeout}
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
# Feedback must not show the hidden tests: clear them before the HTML is made.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
'''


def build(course: Course, outdir: Path, assignment: str | None = None) -> list[Path]:
    """Write the nbgrader course; the notebooks written."""
    if assignment is not None and assignment not in course.assignments:
        from .config import ConfigError

        raise ConfigError(f"--assignment {assignment}: no such assignment; expected one of "
                          f"{', '.join(course.assignments)}")
    outdir.mkdir(parents=True, exist_ok=True)
    timeout = int(max(e.time_limit for e in course.exercises) * 2 + 120)
    (outdir / "nbgrader_config.py").write_text(CONFIG.format(course_id=course.id, timeout=timeout))
    (outdir / POINTER).write_text(json.dumps({"course": str(course.root)}) + "\n")
    written = []
    quizzes = list(dict.fromkeys(e.assignment for e in course.exercises if e.is_question))
    for aid in quizzes:  # one notebook per quiz: each student sees their own variant in it
        if assignment in (None, aid):
            path = outdir / "source" / aid / f"{aid}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(quiz_notebook(course, aid), str(path))
            written.append(path)
    for lesson in course.lessons:
        aid = lesson.split(".")[0]
        if assignment not in (None, aid) or aid in quizzes:
            continue
        path = outdir / "source" / aid / (lesson.split(".", 1)[1].replace(".", "_") + ".ipynb")
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(lesson_notebook(course, lesson), str(path))
        written.append(path)
    return written
