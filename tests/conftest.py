"""Shared fixtures: the course, and grading a lesson file written from source."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "convgrade-hypothesis"))
if not os.environ.get("CONVGRADE_CACHE"):  # recorded draws (drawcache): this test run's own, never the home's; made
    os.environ["CONVGRADE_CACHE"] = tempfile.mkdtemp(prefix="convgrade-cache-")  # before xdist starts its workers,
    atexit.register(shutil.rmtree, os.environ["CONVGRADE_CACHE"], True)  # which inherit it and share the draws

from convgrade import config as course_mod  # noqa: E402
from convgrade.results import ExerciseResult, Report  # noqa: E402
from convgrade.runner import grade  # noqa: E402
from convgrade.sandbox import isolation, levels  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LEVELS = isolation.levels()  # what the sandbox can do on this machine, strongest first
ISOLATION = levels.resolve()  # the strongest, unless CONVGRADE_ISOLATION forces one (make test-portable)


@pytest.fixture(scope="session")
def course() -> course_mod.Course:
    return course_mod.load(ROOT)


def write_submission(folder: Path, files: dict[str, str]) -> Path:
    """A submission folder holding ``{relative path: source}``."""
    for rel, source in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return folder


def grade_one(course: course_mod.Course, folder: Path, exercise_id: str) -> ExerciseResult:
    report: Report = grade(course, folder, [exercise_id])
    (result,) = report.exercises
    return result
