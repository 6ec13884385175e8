"""`course new DIR`: a course that passes `course selftest` as written, here and in a venv that has only the
engine's wheel (no checkout on its path)."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import engine_venv
from convgrade import __version__
from convgrade.wheel import engine_wheel

WHEEL = f"vendor/convgrade-{__version__}-py3-none-any.whl"
FILES = {"course.toml", "exercises/hw1/activations.py", "reference/hw1/activations.py",
         "graders/hw1/activations.py", "graders/mistakes/hw1/activations.py", "README.md", "Makefile",
         ".gitignore", WHEEL}


def course(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / "course"), *args], cwd=cwd, capture_output=True, text=True,
                          env=engine_venv.clean_env(), timeout=300)


@pytest.fixture(scope="module")
def here() -> Path:
    return Path(sys.executable).parent


@pytest.fixture(scope="module")
def new_course(here, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("new")
    run = course(here, "new", "Signals_101", cwd=work)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"wrote the course 'Signals 101' (signals-101) in Signals_101: one lesson")
    return work / "Signals_101"


def test_the_new_course_holds_one_lesson_a_readme_and_a_makefile(new_course):
    assert {p.relative_to(new_course).as_posix() for p in new_course.rglob("*") if p.is_file()} == FILES
    toml = (new_course / "course.toml").read_text()
    assert 'name = "Signals 101"' in toml and 'id = "signals-101"' in toml
    assert (new_course / "exercises/hw1/activations.py").read_text().rstrip().endswith("raise NotImplementedError")
    makefile = (new_course / "Makefile").read_text()
    assert f"$(wildcard vendor/convgrade-{__version__}-py3-none-any.whl) convgrade=={__version__}" in makefile
    assert "\t$(BIN)/course selftest\n" in makefile and "\t$(BIN)/course grade reference\n" in makefile
    assert "make demo" in (new_course / "README.md").read_text()


def test_the_new_course_passes_selftest(here, new_course):
    run = course(here, "selftest", cwd=new_course)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 of 5 probes passed" in run.stdout


def test_the_reference_scores_full_marks_and_the_stubs_zero(here, new_course):
    for tree, score, status in (("reference", 4.0, "passed"), ("exercises", 0.0, "unimplemented")):
        run = course(here, "grade", tree, "--json", "-", cwd=new_course)
        assert run.returncode == 0, run.stderr
        data = json.loads(run.stdout)
        assert (data["score"], data["max_score"]) == (score, 4.0)
        assert [(e["id"], e["status"]) for e in data["exercises"]] == [("hw1.activations.relu", status)]


def test_a_folder_that_is_not_empty_is_refused(here, new_course):
    run = course(here, "new", new_course.name, cwd=new_course.parent)
    assert run.returncode == 2
    assert run.stderr == (f"course: {new_course.name}: exists and is not an empty folder; `course new` writes a new "
                          "course: give a new folder's name\n")


def test_from_the_wheel_alone_new_then_selftest_works(tmp_path):
    """pip install of the wheel into an empty venv, then `course new x && cd x && course selftest`."""
    wheel = engine_wheel()
    bin_dir = engine_venv.shared(wheel)
    where = subprocess.run([str(bin_dir / "python"), "-c", "import convgrade; print(convgrade.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, env=engine_venv.clean_env())
    assert Path(where.stdout.strip()).is_relative_to(bin_dir.parent), where.stderr
    work = tmp_path / "work"
    work.mkdir()
    assert course(bin_dir, "new", "x", cwd=work).returncode == 0
    run = course(bin_dir, "selftest", cwd=work / "x")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 of 5 probes passed" in run.stdout
    # without a checkout, the wheel in vendor/ is the installed one packed again: the same files, byte for byte
    with zipfile.ZipFile(work / "x" / WHEEL) as repacked, zipfile.ZipFile(wheel) as built:
        same = [n for n in built.namelist() if not n.endswith("RECORD")]
        assert sorted(same) == sorted(n for n in repacked.namelist() if not n.endswith("RECORD"))
        assert all(repacked.read(n) == built.read(n) for n in same)
