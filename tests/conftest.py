"""Shared fixtures: the course, and grading a lesson file written from source."""
from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "convgrade-hypothesis"))
if not os.environ.get("CONVGRADE_CACHE"):  # recorded draws (drawcache): this test run's own, never the home's; made
    os.environ["CONVGRADE_CACHE"] = tempfile.mkdtemp(prefix="convgrade-cache-")  # before xdist starts its workers,
    atexit.register(shutil.rmtree, os.environ["CONVGRADE_CACHE"], True)  # which inherit it and share the draws
if not os.environ.get("CONVGRADE_TEST_RUN"):  # the same, for what the tests share (engine_venv.shared)
    os.environ["CONVGRADE_TEST_RUN"] = tempfile.mkdtemp(prefix="convgrade-test-run-")
    atexit.register(shutil.rmtree, os.environ["CONVGRADE_TEST_RUN"], True)

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


# How `make test` (pytest -n 2) shares out the tests: one at a time, except tests that share a costly result, which
# go to one xdist worker together, so that only one worker computes it: the modules below (their module-scoped
# fixtures: a real nbgrader run, a release and its venv, a Dask cluster, a class graded in a batch...); each
# lesson's reference, stub and fixtures probes (the selftest grades the lesson's reference and stubs, and releases
# it, once); and each exercise's determinism probe with its first mistake probe (selftest.Selftest: the mistake probe's
# grading is the first of the two the determinism probe compares), all of NAMED's mistake probes with them, and
# test_lessons' test that reads their gradings.
# (xdist's own --dist loadgroup cannot do it here: it marks a group in ``item._nodeid``, which pytest 9 ignores.)
SHARED_FIXTURES = ("test_nbgrader", "test_nbgrader_quiz", "test_second_course", "test_release", "test_scaffold",
                   "test_html", "test_classreport", "test_points", "test_cluster", "test_parallel")
PROBE = re.compile(r"tests/test_lessons\.py::test_selftest_probe\[((.+)\.[^.:]+):(.+)\]")
LESSON_WIDE = ("reference", "stub", "fixtures")
NOT_MISTAKES = (*LESSON_WIDE, "variants", "determinism")
NAMED = "week2.resnet.IdentityBlock"  # test_lessons: the share of its catalogued mistakes that the feedback names
READS_NAMED = "tests/test_lessons.py::test_the_feedback_names_most_catalogued_mistakes"


def work_units(nodeids: list[str]) -> dict[str, str]:
    """The group each test is sent to a worker with (by default, its own), from the whole collection, in order."""
    units: dict[str, str] = {}
    mistaken: set[str] = set()  # the exercises whose first mistake probe was seen
    for nodeid in nodeids:
        module, probe = nodeid.split("::", 1)[0], PROBE.fullmatch(nodeid)
        if Path(module).stem in SHARED_FIXTURES:
            units[nodeid] = module
        elif probe and probe[3] in LESSON_WIDE:
            units[nodeid] = f"selftest of {probe[2]}"
        elif probe and (probe[3] == "determinism" or probe[3] not in NOT_MISTAKES
                        and (probe[1] not in mistaken or probe[1] == NAMED)):
            mistaken.add(probe[1])
            units[nodeid] = f"determinism of {probe[1]}"
        elif nodeid == READS_NAMED:
            units[nodeid] = f"determinism of {NAMED}"
    return units


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Shared(LoadScopeScheduling):
        """xdist's loadscope (bigger groups first, then the rest in order), with the groups of ``work_units``."""

        units: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.units is None:  # every worker collected the same tests (xdist checks it first)
                self.units = work_units(next(iter(self.registered_collections.values())))
            return self.units.get(nodeid, nodeid)

    return Shared(config, log)
