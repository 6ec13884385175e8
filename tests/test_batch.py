"""`course batch` and `course gradebook merge`: a class graded in parallel into a SQLite gradebook that survives
`kill -9` (nothing lost, nothing duplicated, nothing regraded), and submissions that cannot be graded at all."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, write_submission
from convgrade.batch import Progress
from test_cli import course

REFERENCE = (ROOT / "reference/week1/padding.py").read_text()
ONLY = ("--only", "week1.padding")


def rows(db: Path) -> dict[str, tuple]:
    if not db.exists():
        return {}
    with sqlite3.connect(db, timeout=30) as con:
        try:
            found = con.execute("SELECT student, graded_at, report, kind FROM results").fetchall()
        except sqlite3.OperationalError:  # the table is not there yet
            return {}
    con.close()
    assert len(found) == len({r[0] for r in found}), "a student has two rows"
    return {r[0]: r[1:] for r in found}


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (its grading processes and what they started)."""
    parents = {}
    for name in os.listdir("/proc"):
        try:
            parents[int(name)] = int(Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()[1])
        except (ValueError, OSError, IndexError):
            pass
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except OSError:
        return False


def test_a_batch_killed_with_sigkill_resumes_without_losing_or_duplicating(tmp_path):
    students = [f"s{i}" for i in range(1, 7)]
    klass = tmp_path / "class"
    for s in students:
        write_submission(klass / s, {"week1/padding.py": REFERENCE + f"# {s}\n"})
    db, grades = tmp_path / "gradebook.sqlite", tmp_path / "grades.csv"
    args = ["batch", str(klass), "--jobs", "2", "--out", str(db), *ONLY]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(tmp_path / "stderr", "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "convgrade.cli", *args], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    while not rows(db) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    below = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = rows(db)
    assert 1 <= len(before) < len(students), f"killed too late or too early: {len(before)} rows"
    deadline = time.monotonic() + 20
    while any(map(alive, below)) and time.monotonic() < deadline:  # the grading processes die with the batch
        time.sleep(0.05)
    assert not [p for p in below if alive(p)], "processes outlived the killed batch"

    run = course(*args, "--csv", str(grades))
    assert run.returncode == 0, run.stderr
    assert f"{len(before)} unchanged since the last run" in run.stderr
    after = rows(db)
    assert sorted(after) == students
    assert all(after[s] == before[s] for s in before), "a finished result was changed or regraded"
    table = list(csv.DictReader(grades.open()))
    assert [(r["student"], r["week1.padding.zero_pad"], r["total"], r["note"]) for r in table] == \
        [(s, "3", "7", "") for s in students]

    (klass / "s1/week1/padding.py").write_text(REFERENCE.replace("// stride + 1)", "// stride)"))
    run = course(*args)
    assert "5 unchanged since the last run, 0 cannot be graded, 1 to grade" in run.stderr
    again = rows(db)
    assert json.loads(again["s1"][1])["score"] == 5.0 and all(again[s] == after[s] for s in students[1:])


def test_a_submission_that_cannot_be_graded_gets_a_row_with_the_reason(tmp_path):
    klass = tmp_path / "class"
    write_submission(klass, {"ada/week1/padding.py": REFERENCE, "notes.txt": "hi", "eve.ipynb": "{not json",
                             "bob.ipynb": json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                                      "nbformat_minor": 5}),
                             "frank/padding.py": "x = 1\n", ".hidden/week1/padding.py": REFERENCE})
    (klass / "empty").mkdir()
    db, grades = tmp_path / "gb.sqlite", tmp_path / "grades.csv"
    run = course("batch", str(klass), "--jobs", "1", "--out", str(db), "--csv", str(grades), *ONLY)
    assert run.returncode == 0, run.stderr
    assert "6 submissions: 1 graded, 0 unchanged (not regraded), 5 cannot be graded" in run.stdout
    notes = {r["student"]: (r["total"], r["note"]) for r in csv.DictReader(grades.open())}
    assert notes == {
        "ada": ("7", ""),
        "bob": ("0", "cannot be graded: bob.ipynb: not a notebook of this course (no convgrade lesson in its "
                     "metadata); submit the notebook you were given, filled in"),
        "empty": ("0", "cannot be graded: the folder is empty"),
        "eve": ("0", "cannot be graded: eve.ipynb is not a readable notebook (Expecting property name enclosed in "
                     "double quotes: line 1 column 2 (char 1))"),
        "frank": ("0", "cannot be graded: none of the lesson files (week1/padding.py) is in the folder; lay it out "
                       "like exercises/"),
        "notes.txt": ("0", "cannot be graded: notes.txt is not a folder or a notebook (.ipynb); hand in a folder "
                           "laid out like exercises/"),
    }

    # beyond one machine: the reports of CI jobs are merged into the same gradebook and CSV
    sub = write_submission(tmp_path / "carol", {"week1/padding.py": REFERENCE.replace("// stride + 1)", "// stride)")})
    report = tmp_path / "ci" / "report.json"
    assert course("grade", str(sub), *ONLY, "--student", "carol", "--json", str(report)).returncode == 0
    run = course("gradebook", "merge", str(report), "--out", str(db), "--csv", str(grades))
    assert run.returncode == 0, run.stderr
    table = {r["student"]: r for r in csv.DictReader(grades.open())}
    assert (table["carol"]["week1.padding.conv_output_size"], table["carol"]["total"]) == ("0", "5")
    assert len(table) == 7 and table["ada"]["total"] == "7"

    data = json.loads(report.read_text())
    (tmp_path / "bundle.json").write_text(json.dumps({**data, "mode": "fixtures", "student": "dan"}))
    run = course("gradebook", "merge", str(tmp_path / "bundle.json"), "--out", str(db))
    assert run.returncode == 2 and "graded in fixtures mode (public checks only" in run.stderr
    (tmp_path / "twice.json").write_text(json.dumps(data))
    run = course("gradebook", "merge", str(report), str(tmp_path / "twice.json"), "--out", str(db))
    assert run.returncode == 2 and "are both reports of 'carol'" in run.stderr
    assert len(rows(db)) == 7


def test_progress_shows_done_total_rate_and_eta():
    out = io.StringIO()
    progress = Progress(4, out)
    progress.start -= 30  # 30 s in
    progress.step("ada: 7/7")
    assert out.getvalue() == "[#####---------------] 1/4  2.0/min  ETA 0:01:30  ada: 7/7\n"
