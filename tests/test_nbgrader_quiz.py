"""A quiz through real nbgrader: one released notebook, each student graded on their own variant (the
submitted/<student>/ folder names them), answers read from the answer cells; the grades equal `course grade`'s."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from test_nbgrader import env, run  # noqa: F401 - the fixture: a private Jupyter home
from test_questions import QUESTIONS, drawn

BIN = Path(sys.executable).parent


def answered(release: Path, target: Path, student: str, right: set[str]) -> None:
    nb = nbformat.read(str(release), 4)
    for cell in nb.cells:
        qid = cell.metadata.get("convgrade", {}).get("answer")
        if qid:
            name = qid.rsplit(".", 1)[1]
            value = drawn(name, student)[1]
            value = list(value) if isinstance(value, tuple) else value
            if name not in right:  # a wrong answer for the others
                value = [-1] * len(value) if isinstance(value, list) else -1
            cell.source = f"{name} = {json.dumps(value)}"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))


@pytest.fixture(scope="module")
def quiz_dir(tmp_path_factory, env):  # noqa: F811
    out = tmp_path_factory.mktemp("nbquiz")
    run([str(BIN / "course"), "--course", str(ROOT), "nbgrader", "build", str(out), "--assignment", "quiz1"], out, env)
    run([str(BIN / "nbgrader"), "db", "assignment", "add", "quiz1"], out, env)
    run([str(BIN / "nbgrader"), "generate_assignment", "quiz1", "--force"], out, env)
    release = out / "release" / "quiz1" / "quiz1.ipynb"
    names = {n for n, e in QUESTIONS.items() if e.assignment == "quiz1"}
    answered(release, out / "submitted" / "ada" / "quiz1" / "quiz1.ipynb", "ada", names)
    answered(release, out / "submitted" / "bo" / "quiz1" / "quiz1.ipynb", "bo", {"output_size", "conv_params"})
    run([str(BIN / "nbgrader"), "autograde", "quiz1", "--create"], out, env)
    run([str(BIN / "nbgrader"), "export"], out, env)
    return out


def test_each_student_is_graded_on_their_own_variant(quiz_dir, env):  # noqa: F811
    with open(quiz_dir / "grades.csv") as f:
        rows = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(f)}
    assert rows == {"ada": 8.0, "bo": 2.0}
    for student, total in rows.items():  # course grade of the same notebook, with the folder's student
        nb = quiz_dir / "submitted" / student / "quiz1" / "quiz1.ipynb"
        done = subprocess.run([str(BIN / "course"), "--course", str(ROOT), "grade", str(nb), "--student", student,
                               "--json", "-"], capture_output=True, text=True, env=env)
        assert json.loads(done.stdout)["score"] == total, done.stderr


def test_the_release_holds_no_answer(quiz_dir):
    text = (quiz_dir / "release" / "quiz1" / "quiz1.ipynb").read_text()
    assert "reference" not in text and "show_question" in text and "output_size = ..." in text
