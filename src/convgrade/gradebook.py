"""The gradebook: a SQLite file with one row per student, each written in one transaction.

``course batch`` writes a row as each submission's result arrives; ``course gradebook merge`` writes the
JSON reports that CI jobs made. A student's row is replaced by their newer result, never duplicated.
``digest`` (sha256 of the submission's files), ``version`` (course.toml's) and ``scope`` (the exercise ids
graded) say what a row is the result of: ``course batch`` regrades a submission only when one of them changed.
``kind`` is ``graded``, ``ungradable`` (``reason`` says why; final until the submission changes) or
``crashed`` (the grading process died; retried by the next run).
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
from dataclasses import astuple, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

from .config import ConfigError, Course
from .points import add
from .report.table import points
from .results import SCHEMA, Report

TABLE = """CREATE TABLE IF NOT EXISTS results (
    student TEXT PRIMARY KEY, source TEXT NOT NULL, digest TEXT NOT NULL, version TEXT NOT NULL,
    scope TEXT NOT NULL, kind TEXT NOT NULL, mode TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL,
    reason TEXT NOT NULL, report TEXT NOT NULL, graded_at TEXT NOT NULL)"""


@dataclass(frozen=True)
class Row:
    student: str
    source: str  # the submission graded, or the report merged
    digest: str  # "" when the submission could not be read (retried by the next run)
    version: str
    scope: str  # the exercise ids graded, comma-separated
    kind: str  # graded, ungradable, crashed
    mode: str = ""  # reference or fixtures (graded rows)
    score: float = 0.0
    max_score: float = 0.0
    reason: str = ""
    report: str = ""  # the JSON report (graded rows)
    graded_at: str = ""

    @property
    def final(self) -> bool:
        """A result that stands until the submission, the course version or the selection changes."""
        return bool(self.digest) and self.kind in ("graded", "ungradable")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def report_json(report: Report, course: Course, student: str | None = None, digest: str | None = None) -> dict:
    """The JSON report (schema course-grade/1) with what a gradebook needs to file it."""
    data = report.to_json()
    data.update(course_id=course.id, course_version=course.version)
    if student is not None:
        data["student"] = student
    if digest is not None:
        data["submission_sha256"] = digest
    return data


def graded_row(student: str, source: str, digest: str, data: dict) -> Row:
    scope = ",".join(e["id"] for e in data["exercises"])
    return Row(student, source, digest, str(data.get("course_version", "")), scope, "graded", data["mode"],
               float(data["score"]), float(data["max_score"]), "", json.dumps(data), now())


class Gradebook:
    def __init__(self, path: Path, course: Course) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute(TABLE)
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('course', ?)", (course.id,))
            (owner,) = self.db.execute("SELECT value FROM meta WHERE key = 'course'").fetchone()
        except sqlite3.DatabaseError as e:
            raise ConfigError(f"{self.path}: not a gradebook ({e}); give --out a new file or an earlier "
                              "run's gradebook") from None
        if owner != course.id:
            raise ConfigError(f"{self.path}: the gradebook of course {owner!r}, not {course.id!r}; give --out "
                              "another file")

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def put(self, row: Row) -> None:
        """Store ``row`` in one transaction, replacing the student's earlier row."""
        marks = ", ".join("?" * len(fields(Row)))
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(f"INSERT OR REPLACE INTO results VALUES ({marks})", astuple(row))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def rows(self) -> list[Row]:
        return [Row(*r) for r in self.db.execute("SELECT * FROM results ORDER BY student")]


def write_csv(path: Path, course: Course, rows: list[Row]) -> None:
    """student, points per exercise (course.toml's order; blank when not graded), total, max_score, note.
    The exercises are those graded in some row (all of them when none is)."""
    reports = {row.student: json.loads(row.report) for row in rows if row.report}
    graded = {e["id"] for data in reports.values() for e in data["exercises"]}
    ids = [e.id for e in course.exercises if e.id in graded] or [e.id for e in course.exercises]
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["student", *ids, "total", "max_score", "note"])
        for row in rows:
            scores = {e["id"]: points(e["score"]) for e in reports.get(row.student, {}).get("exercises", [])}
            out.writerow([row.student, *(scores.get(i, "") for i in ids), points(row.score), points(row.max_score),
                          _note(row)])
    os.replace(tmp, path)


CANVAS_HEAD = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def write_canvas(path: Path, course: Course, rows: list[Row]) -> None:
    """The gradebook as Canvas's gradebook import reads it: Student, ID, SIS User ID, SIS Login ID, Section, then
    one column per assignment (its title: Canvas creates the assignment on the first import, and matches its
    "Title (Canvas id)" column on later ones), a "Points Possible" row under the header, and one row per student
    with the points of the assignment's graded exercises (blank: not graded). A student is identified by their
    SIS Login ID, the name ``course batch`` knows them by (their folder's or notebook's name)."""
    reports = {row.student: json.loads(row.report) for row in rows if row.report}
    assignments = list(course.assignments)
    possible = {a: add(e.points for e in course.exercises if e.assignment == a) for a in assignments}
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow([*CANVAS_HEAD, *(course.assignments[a] for a in assignments)])
        out.writerow(["    Points Possible", "", "", "", "", *(points(possible[a]) for a in assignments)])
        for row in rows:
            graded = reports.get(row.student, {}).get("exercises", [])
            scores = {a: [e["score"] for e in graded if e["id"].split(".", 1)[0] == a] for a in assignments}
            out.writerow([row.student, "", "", row.student, "",
                          *(points(add(scores[a])) if scores[a] else "" for a in assignments)])
    os.replace(tmp, path)


def _note(row: Row) -> str:
    if row.kind == "ungradable":
        return f"cannot be graded: {row.reason}"
    if row.kind == "crashed":
        return f"grading crashed ({row.reason}); run `course batch` again to retry"
    return "public checks only (fixtures mode)" if row.mode == "fixtures" else ""


def read_report(path: Path, course: Course) -> dict:
    """A JSON report of this course, checked; ConfigError naming the file otherwise."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: not a readable JSON report ({e}); give the file `course grade --json` wrote") \
            from None
    known = {e.id for e in course.exercises}
    ok = (isinstance(data, dict) and data.get("schema") == SCHEMA and data.get("mode") in ("reference", "fixtures")
          and all(isinstance(data.get(k), (int, float)) for k in ("score", "max_score"))
          and isinstance(data.get("exercises"), list)
          and all(isinstance(e, dict) and isinstance(e.get("score"), (int, float)) for e in data["exercises"]))
    if not ok:
        raise ConfigError(f"{path}: not a {SCHEMA} report; give the file `course grade --json` wrote")
    if data.get("course_id", course.id) != course.id or data.get("course") != course.name:
        raise ConfigError(f"{path}: a report of course {data.get('course_id', data.get('course'))!r}, not "
                          f"{course.id!r}; merge it into that course's gradebook")
    unknown = [e.get("id") for e in data["exercises"] if e.get("id") not in known]
    if unknown:
        raise ConfigError(f"{path}: exercise {unknown[0]!r} is not in course.toml; grade with this course's "
                          "version, or add the exercise")
    return data


def merge(book: Gradebook, course: Course, paths: list[Path], allow_fixtures: bool = False) -> list[Row]:
    """File JSON reports in the gradebook, one row per student (the report's ``student``, else its file name).
    Every report is checked before any is written."""
    rows: dict[str, tuple[Path, Row]] = {}
    for path in map(Path, paths):
        data = read_report(path, course)
        if data["mode"] == "fixtures" and not allow_fixtures:
            raise ConfigError(f"{path}: graded in fixtures mode (public checks only, in a student bundle); grade "
                              "the submission in the instructor's checkout, or pass --allow-fixtures")
        student = str(data.get("student") or path.stem)
        if student in rows:
            raise ConfigError(f"{rows[student][0]} and {path} are both reports of {student!r}; name each one "
                              "(`course grade --student NAME`) or give them distinct file names")
        digest = data.get("submission_sha256") or "report:" + hashlib.sha256(path.read_bytes()).hexdigest()
        rows[student] = (path, graded_row(student, str(path), str(digest), data))
    for _, row in rows.values():
        book.put(row)
    return [row for _, row in rows.values()]
