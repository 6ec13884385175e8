"""The portable level (a student's own laptop: Windows, macOS), forced here on Linux, and submissions written on
Windows: the same reports, byte for byte, whatever the level and whatever the line endings."""
from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import ISOLATION, ROOT
from convgrade import release, wheel
from convgrade.batch import grade_path
from convgrade.runner import grade
from convgrade.sandbox import ISOLATION_ENV

LESSONS = ["week1.padding", "week1.convolution", "week1.convnet.LeNet5"]  # numpy lessons and one torch exercise
SUBMISSIONS = ["reference", "exercises", "examples/partial"]


def report_text(course, path: Path, only: list[str]) -> str:
    """The report as ``course grade PATH`` writes it (a notebook too), its isolation level left out."""
    report, notes = grade_path(course, path, only)
    assert notes == []
    data = report.to_json()
    return json.dumps({**data, "isolation": "-"}, indent=2)


@pytest.mark.parametrize("submission", SUBMISSIONS)
def test_reports_are_the_same_at_the_portable_level(submission, course, monkeypatch):
    """Only the ``isolation`` field tells the portable level's report from the strongest level's."""
    monkeypatch.setenv(ISOLATION_ENV, ISOLATION)
    strongest = grade(course, ROOT / submission, LESSONS)
    monkeypatch.setenv(ISOLATION_ENV, "portable")
    portable = grade(course, ROOT / submission, LESSONS)
    assert (strongest.isolation, portable.isolation) == (ISOLATION, "portable")
    assert json.dumps({**portable.to_json(), "isolation": ISOLATION}, indent=2) == json.dumps(strongest.to_json(),
                                                                                              indent=2)
    assert [e.id for e in portable.exercises][:3] == ["week1.padding.zero_pad", "week1.padding.conv_output_size",
                                                      "week1.padding.same_padding"]


WITHOUT_FORK = """
import os, sys
sys.modules["resource"] = None  # `import resource` raises ImportError, as on Windows
sys.modules["fcntl"] = None
def no_fork(*args, **kwargs):
    raise AssertionError("the grading path called os.fork")
os.fork = os.forkpty = no_fork
"""


@pytest.mark.parametrize(("asked", "jobs"), [("portable", "1"), ("", "2")])
def test_the_portable_level_needs_neither_fork_nor_resource(asked, jobs, tmp_path):
    """Where ``resource`` cannot be imported (Windows), the automatic choice is the portable level, and ``course
    grade`` there (a numpy lesson and a torch exercise, in parallel too) never forks nor imports ``resource`` or
    ``fcntl`` in any grading process: a sitecustomize takes them from every Python but the workers (``-I -S``)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WITHOUT_FORK, encoding="utf-8")
    env = {**os.environ, ISOLATION_ENV: asked, "PYTHONPATH": str(site)}
    report = tmp_path / "out" / "report.json"
    done = subprocess.run([str(Path(sys.executable).with_name("course")), "--course", str(ROOT), "grade",
                           str(ROOT / "reference"), "--only", "week1.padding", "--only", "week1.convnet.LeNet5",
                           "--jobs", jobs, "--json", str(report), "--junit", str(tmp_path / "out" / "junit.xml"),
                           "--markdown", str(tmp_path / "out" / "summary.md")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(report.read_text(encoding="utf-8"))
    assert (data["isolation"], data["score"], data["max_score"]) == ("portable", 12.0, 12.0)
    probe = subprocess.run([sys.executable, "-c", "import resource"], env=env, capture_output=True, text=True)
    assert "ModuleNotFoundError: import of resource halted" in probe.stderr  # the sitecustomize was in force


def windows_text(source: str) -> bytes:
    """What an editor on Windows may save: CRLF line endings and a UTF-8 byte order mark."""
    return b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode("utf-8")


def test_a_submission_written_on_windows_grades_as_on_linux(course, tmp_path):
    source = (ROOT / "examples" / "partial" / "week1" / "padding.py").read_text(encoding="utf-8")
    linux = tmp_path / "linux" / "week1" / "padding.py"
    windows = tmp_path / "windows" / "week1" / "padding.py"
    for path, data in ((linux, source.encode()), (windows, windows_text(source))):
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
    assert b"\r\n" in windows.read_bytes() and windows.read_bytes().startswith(b"\xef\xbb\xbf")
    expected = report_text(course, linux.parents[1], ["week1.padding"])
    assert report_text(course, windows.parents[1], ["week1.padding"]) == expected
    assert '"score": 0' not in expected.split('"exercises"')[0]  # the partial student passes some of it


def test_a_notebook_saved_on_windows_grades_as_its_python_file(course, tmp_path):
    source = (ROOT / "examples" / "partial" / "week1" / "padding.py").read_text(encoding="utf-8")
    folder = tmp_path / "py" / "week1"
    folder.mkdir(parents=True)
    (folder / "padding.py").write_text(source, encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Padding\r\n"), nbformat.v4.new_code_cell(source.replace("\n", "\r\n"))]
    nb.metadata["convgrade"] = {"lesson": "week1.padding", "course": "cnn", "version": "2026.1"}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (C:\\Users\\ada\\.venv)",
                                 "language": "python"}
    nb.metadata["vscode"] = {"interpreter": {"path": "C:\\Users\\ada\\course\\.venv\\Scripts\\python.exe"}}
    notebook = tmp_path / "nb" / "padding.ipynb"
    notebook.parent.mkdir()
    notebook.write_bytes(windows_text(nbformat.writes(nb)))
    assert report_text(course, notebook, ["week1.padding"]) == report_text(course, folder.parent, ["week1.padding"])


@pytest.mark.parametrize("locked", [True, False])
def test_the_bundle_workflow_runs_on_the_three_systems_as_released(locked):
    """setup-python's pip cache needs a file to key on (without one the step fails: the bundle has no
    requirements.txt); Windows writes a pipe in its ANSI code page unless Python is told UTF-8."""
    job = yaml.safe_load(release.workflow(3.5, locked))["jobs"]["grade"]
    assert job["strategy"]["matrix"]["os"] == ["ubuntu-latest", "macos-latest", "windows-latest"]
    assert (job["env"], job["defaults"]["run"]["shell"]) == ({"PYTHONUTF8": "1"}, "bash")
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    keyed = setup["with"]["cache-dependency-path"]
    released = "requirements.lock" if locked else f"{release.VENDOR}/{wheel.filename()}"  # what the bundle holds
    assert fnmatch.fnmatch(released, keyed) and setup["with"]["cache"] == "pip"
    install = next(s["run"] for s in job["steps"] if s.get("name") == "Install the course")
    assert ("-r requirements.lock" in install) == locked
