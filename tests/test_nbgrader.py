"""nbgrader end to end, with the real commands and a real kernel: build, generate_assignment, three
submissions (the reference filled in, a partial one, the untouched release), autograde, generate_feedback,
export. The exported grades equal `course grade` on the same notebooks, point for point, and the hidden
checks appear neither in the release nor in the feedback."""
from __future__ import annotations

import ast
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT

BIN = Path(sys.executable).parent
LESSONS = ["padding", "pooling"]  # two notebooks keep the kernel starts few; every lesson is built


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("jupyter")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
           "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    return env


def run(cmd, cwd, env):
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def fill(notebook: Path, target: Path, keep: set[str]) -> None:
    """A student's notebook: the release, with the solutions of ``keep`` taken from the source notebook."""
    source = nbformat.read(str(notebook.parents[2] / "source" / "week1" / notebook.name), 4)
    released = nbformat.read(str(notebook), 4)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in keep:
            cell.source = "\n".join(line for line in solutions[grade_id].splitlines()
                                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
            if grade_id == "zero_pad":  # a student's RuntimeWarning on stderr must cost nothing
                cell.source = cell.source.replace('    """\n', '    """\n    np.sqrt(-np.ones(1))\n', 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(released, str(target))


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory, env):
    out = tmp_path_factory.mktemp("nbgrader")
    run([str(BIN / "course"), "--course", str(ROOT), "nbgrader", "build", str(out), "--assignment", "week1"],
        out, env)
    run([str(BIN / "nbgrader"), "db", "assignment", "add", "week1"], out, env)
    run([str(BIN / "nbgrader"), "generate_assignment", "week1", "--force"], out, env)
    students = {"ada": None, "bob": {"zero_pad", "conv_output_size", "pool_forward"}, "cy": set()}
    for student, keep in students.items():
        for lesson in LESSONS:
            release = out / "release" / "week1" / f"{lesson}.ipynb"
            target = out / "submitted" / student / "week1" / f"{lesson}.ipynb"
            if keep is None:
                fill(release, target, {"zero_pad", "conv_output_size", "same_padding", "pool_forward"})
            else:
                fill(release, target, keep)
    run([str(BIN / "nbgrader"), "autograde", "week1", "--create"], out, env)
    run([str(BIN / "nbgrader"), "generate_feedback", "week1"], out, env)
    run([str(BIN / "nbgrader"), "export"], out, env)
    return out


def test_build_writes_valid_nbgrader_notebooks(course_dir):
    config = (course_dir / "nbgrader_config.py").read_text()
    assert "c.CourseDirectory.course_id = 'cnn'" in config and "gradebook.db" in config
    nb = nbformat.read(str(course_dir / "source" / "week1" / "padding.ipynb"), 4)
    nbformat.validate(nb)
    tests = [c for c in nb.cells if c.metadata["nbgrader"]["grade"]]
    assert [(c.metadata["nbgrader"]["grade_id"], c.metadata["nbgrader"]["points"]) for c in tests] == [
        ("test_zero_pad", 3.0), ("test_conv_output_size", 2.0), ("test_same_padding", 2.0)]
    assert all(c.metadata["nbgrader"]["schema_version"] == 3 for c in nb.cells)


def test_grade_ids_are_stable_across_builds(course_dir, tmp_path, env):
    run([str(BIN / "course"), "--course", str(ROOT), "nbgrader", "build", str(tmp_path)], tmp_path, env)
    ids = lambda p: [c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(str(p), 4).cells]  # noqa: E731
    assert ids(tmp_path / "source/week1/padding.ipynb") == ids(course_dir / "source/week1/padding.ipynb")


def reference_body_lines(lesson: str) -> set[str]:
    """Every statement line of the reference's function bodies (docstrings aside)."""
    source = (ROOT / "reference" / "week1" / f"{lesson}.py").read_text()
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            lines |= {line.strip() for stmt in body for line in ast.get_source_segment(source, stmt).splitlines()}
    return {line for line in lines if len(line) > 12}


@pytest.mark.parametrize("lesson", ["padding", "pooling", "convolution", "edges"])
def test_release_holds_no_solution(course_dir, lesson):
    nb = nbformat.read(str(course_dir / "release" / "week1" / f"{lesson}.ipynb"), 4)
    text = "\n".join(c.source for c in nb.cells)
    assert "public=False" not in text and "BEGIN HIDDEN TESTS" not in text
    leaked = [line for line in reference_body_lines(lesson) if line in text]
    assert not leaked, leaked


def test_feedback_hides_hidden_checks(course_dir):
    feedback = list((course_dir / "feedback").rglob("*.html"))
    assert len(feedback) == 3 * len(LESSONS)
    for path in feedback:
        text = path.read_text()
        assert "public=False" not in text and "HIDDEN" not in text, path
        assert "Traceback (most recent call last)" not in text and "Error" + "Traceback" not in text, path
        assert "values (mode" not in text  # a hidden check's name


def test_exported_grades_equal_course_grade(course_dir, env):
    """Each test cell scores the exercise's points as `course grade` gives them, to the last digit; the export's
    total is nbgrader's own sum of those (floats added in its database, so compared to 4 decimals)."""
    from nbgrader.api import Gradebook

    with open(course_dir / "grades.csv") as f:
        rows = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(f)}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as book:
        cells = {(s, g.name.removeprefix("test_")): g.score for s in rows for lesson in LESSONS
                 for g in book.find_submission_notebook(lesson, "week1", s).grades if g.name.startswith("test_")}
    for student, expected_total in rows.items():
        folder = course_dir / "submitted" / student / "week1"
        done = run([str(BIN / "course"), "--course", str(ROOT), "grade", str(folder), "--only", "week1.padding",
                    "--only", "week1.pooling", "--json", "-"], course_dir, env)
        data = json.loads(done.stdout)
        assert data["score"] == round(expected_total, 4), student
        assert {e["id"].rsplit(".", 1)[1]: e["score"] for e in data["exercises"]} \
            == {name: score for (s, name), score in cells.items() if s == student}, student
    assert rows["ada"] == pytest.approx(15.0) and rows["cy"] == 0.0 and 0 < rows["bob"] < 15


def test_a_corrupt_notebook_names_the_file(tmp_path, env):
    bad = tmp_path / "padding.ipynb"
    bad.write_text("{not json")
    done = subprocess.run([str(BIN / "course"), "--course", str(ROOT), "grade", str(bad)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith("course: padding.ipynb: not a readable notebook (")
    foreign = tmp_path / "other.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), str(foreign))
    done = subprocess.run([str(BIN / "course"), "--course", str(ROOT), "grade", str(foreign)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 2 and "not a notebook of this course" in done.stderr


def test_an_unknown_isolation_level_fails_the_test_cell_in_the_kernel(tmp_path, env):
    run([str(BIN / "course"), "--course", str(ROOT), "nbgrader", "build", str(tmp_path), "--assignment", "week1"],
        tmp_path, env)
    done = subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--output-dir",
                           str(tmp_path / "out"), str(tmp_path / "source" / "week1" / "padding.ipynb")],
                          cwd=tmp_path, env={**env, "CONVGRADE_ISOLATION": "banana"}, capture_output=True, text=True)
    said = re.sub(r"\x1b\[[0-9;]*m", "", done.stderr)  # the kernel's traceback, without its colours
    assert done.returncode != 0  # the first test cell raised: nothing was graded at another level
    assert "IsolationError: CONVGRADE_ISOLATION=banana: no such isolation level" in said, said[-3000:]
    assert 'convgrade.check("week1.padding.zero_pad", public=True)' in said
