"""`course grade` and `course list` as a student, an instructor and CI use them."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ISOLATION, ROOT, write_submission

COURSE_BIN = [sys.executable, "-m", "convgrade.cli"]


def course(*args, cwd=ROOT, check=False):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*COURSE_BIN, *args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


def test_json_report_has_the_contract_fields():
    run = course("grade", "reference", "--only", "week1.padding", "--json", "-")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["schema"] == "course-grade/1" and data["mode"] == "reference" and data["isolation"] == ISOLATION
    assert (data["score"], data["max_score"]) == (7.0, 7.0)
    ex = data["exercises"][0]
    assert set(ex) >= {"id", "score", "max_score", "status", "feedback", "checks"}
    assert set(ex["checks"][0]) >= {"name", "passed", "points", "max_points", "feedback"}
    assert [e["id"] for e in data["exercises"]] == [
        "week1.padding.zero_pad", "week1.padding.conv_output_size", "week1.padding.same_padding"]


def test_the_same_submission_grades_identically_from_any_directory(tmp_path):
    a = course("grade", str(ROOT / "exercises"), "--only", "week1.padding", "--json", "-")
    b = course("--course", str(ROOT), "grade", str(ROOT / "exercises"), "--only", "week1.padding", "--json", "-",
               cwd=tmp_path)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout
    assert not (ROOT / "exercises" / ".hypothesis").exists() and not (tmp_path / ".hypothesis").exists()


def test_fail_under_exits_1_and_the_table_names_each_exercise(tmp_path):
    run = course("grade", "exercises", "--only", "week1.padding", "--fail-under", "1")
    assert run.returncode == 1
    assert "score 0 is under --fail-under 1" in run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"Convolutional Neural Networks: 0 / 7 points   (checks: reference, isolation: {ISOLATION})"
    assert lines[3].split()[:3] == ["unimplemented", "0/3", "week1.padding.zero_pad"]


def test_json_file_and_table_together(tmp_path):
    out = tmp_path / "reports" / "grade.json"
    run = course("grade", "reference", "--only", "week1.padding.zero_pad", "--json", str(out))
    assert run.returncode == 0 and "passed" in run.stdout
    assert json.loads(out.read_text())["score"] == 3.0


@pytest.mark.parametrize("args,message", [
    (("grade", "--only", "week9"), "course: --only week9: no such exercise or lesson (see `course list`)"),
    (("grade", "nowhere"), "course: nowhere: no such submission; give a folder laid out like exercises/, a .ipynb, "
                           "or a folder of notebooks"),
])
def test_usage_errors_exit_2(args, message):
    run = course(*args)
    assert run.returncode == 2 and run.stderr.strip() == message


def test_unknown_option_exits_2():
    assert course("grade", "--bogus").returncode == 2


def test_list_shows_every_exercise_with_points():
    run = course("list")
    assert run.returncode == 0
    assert "     3  week1.padding.zero_pad" in run.stdout


def test_a_syntax_error_costs_only_its_lesson(tmp_path):
    sub = write_submission(tmp_path, {"week1/padding.py": "def zero_pad(X, pad):\n    return X +\n"})
    run = course("grade", str(sub), "--only", "week1.padding", "--json", "-")
    data = json.loads(run.stdout)
    assert [e["status"] for e in data["exercises"]] == ["error", "error", "error"]
    assert data["exercises"][0]["feedback"] == (
        "zero_pad: week1/padding.py, line 2: SyntaxError: invalid syntax; fix it and grade again")
