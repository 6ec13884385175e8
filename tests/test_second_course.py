"""A second course, examples/mlp-course, written only against the engine's public API: everything an instructor
runs works on it (selftest, grade, release, nbgrader build + nbgrader's own generate_assignment and autograde,
batch), and no file of the engine names it or the CNN course."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import nbformat
import numpy as np
import pytest

from conftest import ROOT
from convgrade import config as course_mod
from convgrade.lesson import Lesson
from convgrade.mistakes import as_submission, matches
from convgrade.release import leaks
from convgrade.sandbox.codec import TensorData
from test_nbgrader import BIN, env, run  # noqa: F401 - env is a fixture used here

COURSE = ROOT / "examples" / "mlp-course"
ENGINE = ROOT / "src" / "convgrade"


def course(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "course"), "--course", str(COURSE), *args], cwd=cwd, capture_output=True,
                          text=True)


def names_of(root: Path) -> set[str]:
    """What identifies a course: its id and name, its assignment ids and its exercises' names."""
    data = tomllib.loads((root / "course.toml").read_text())
    return {data["course"]["id"], data["course"]["name"], *data["assignments"],
            *(eid.rsplit(".", 1)[1] for eid in data["exercises"])}


def naming(text: str, names: set[str]) -> list[str]:
    return sorted(n for n in names if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", text, re.I))


CNN = names_of(ROOT) | {"LeNet", "A_prev", "conv_forward"}
# torch's own function names (F.softmax, F.relu, ...) and arguments (adaptive pooling's output_size) are the
# torch extra's vocabulary, not a course's
TORCH_FUNCTIONS = {n for n in dir(__import__("torch").nn.functional) if not n.startswith("_")} | {"output_size"}


def test_no_file_of_the_engine_names_either_course():
    ours = names_of(COURSE)
    assert {"mlp", "softmax", "TinyMLP", "unit1"} <= ours and {"cnn", "conv_forward", "LeNet5", "week1"} <= CNN
    found = {str(p.relative_to(ENGINE)): naming(p.read_text(encoding="utf-8"), (CNN | ours) - TORCH_FUNCTIONS)
             for p in ENGINE.rglob("*") if p.is_file() and p.suffix in (".py", ".css", ".js", ".html", ".md")}
    assert {p: n for p, n in found.items() if n} == {}


def test_the_course_uses_only_the_public_api():
    for path in (COURSE / "graders").rglob("*.py"):
        imports = re.findall(r"^\s*(?:from|import) (convgrade[\w.]*)", path.read_text(), re.M)
        assert set(imports) <= {"convgrade", "convgrade.extra.numpy", "convgrade.extra.torch"}, path


def test_selftest_proves_the_course():
    done = course("selftest")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    probes = int(re.search(r"(\d+) of \1 probes passed", done.stdout)[1])
    mistakes = sum(len(Lesson(course_mod.load(COURSE), ls).mistakes) for ls in ("unit1.probabilities", "unit1.network"))
    assert mistakes >= 12 and probes == 4 * 4 + mistakes  # reference, stub, fixtures, determinism + each mistake


@pytest.mark.parametrize("tree, score, statuses", [("reference", 12.0, {"passed"}), ("exercises", 0.0, {"unimplemented"})])
def test_grade_reference_full_and_stubs_zero(tree, score, statuses):
    done = course("grade", str(COURSE / tree), "--json", "-")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["score"], data["max_score"], data["mode"]) == (score, 12.0, "reference")
    assert {e["status"] for e in data["exercises"]} == statuses and len(data["exercises"]) == 4


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "mlp-starter"
    done = course("release", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_release_holds_nothing_of_the_cnn_course_and_no_solution(bundle):
    files = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    assert {"course.toml", "exercises/unit1/probabilities.py", "exercises/unit1/network.py",
            "graders/unit1/probabilities.py", "graders/unit1/network.py", "README.md"} <= set(files)
    assert not [f for f in files if f.startswith(("reference/", "graders/mistakes/"))]
    named = {f: naming((bundle / f).read_bytes().decode("utf-8", "replace"), CNN) for f in files}
    assert {f: n for f, n in named.items() if n} == {}
    assert leaks(bundle, COURSE / "reference") == []
    assert "course grade --only unit1.probabilities" in (bundle / "README.md").read_text()


def test_the_bundle_grades_from_fixtures(bundle):
    done = subprocess.run([str(BIN / "course"), "--course", str(bundle), "grade", str(COURSE / "reference"),
                           "--json", "-"], cwd=bundle, capture_output=True, text=True)
    data = json.loads(done.stdout)
    assert data["mode"] == "fixtures" and data["score"] == data["max_score"] > 0


# nbgrader: the real commands, with their state in temporary folders (see test_nbgrader) ---------------------

def submit(release: Path, source: Path, target: Path, solved: bool) -> None:
    """A student's notebook: the release, its solution cells filled from the source notebook when ``solved``."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nbformat.read(str(source), 4).cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(str(release), 4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if solved and meta.get("solution"):
            cell.source = "\n".join(line for line in solutions[meta["grade_id"]].splitlines()
                                    if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))


@pytest.fixture(scope="module")
def nbgrader_dir(tmp_path_factory, env):  # noqa: F811 - the fixture imported above
    out = tmp_path_factory.mktemp("nbgrader-mlp")
    run([str(BIN / "course"), "--course", str(COURSE), "nbgrader", "build", str(out)], out, env)
    run([str(BIN / "nbgrader"), "db", "assignment", "add", "unit1"], out, env)
    run([str(BIN / "nbgrader"), "generate_assignment", "unit1", "--force"], out, env)
    for student, solved, lessons in (("ada", True, ("probabilities", "network")), ("cy", False, ("probabilities",))):
        for lesson in lessons:  # cy hands in the untouched numpy notebook only (a kernel start less)
            submit(out / "release" / "unit1" / f"{lesson}.ipynb", out / "source" / "unit1" / f"{lesson}.ipynb",
                   out / "submitted" / student / "unit1" / f"{lesson}.ipynb", solved)
    run([str(BIN / "nbgrader"), "autograde", "unit1", "--create"], out, env)
    return out


def test_nbgrader_build_and_release(nbgrader_dir):
    assert "c.CourseDirectory.course_id = 'mlp'" in (nbgrader_dir / "nbgrader_config.py").read_text()
    tests = [(c.metadata["nbgrader"]["grade_id"], c.metadata["nbgrader"]["points"])
             for c in nbformat.read(str(nbgrader_dir / "source/unit1/probabilities.ipynb"), 4).cells
             if c.metadata["nbgrader"]["grade"]]
    assert tests == [("test_softmax", 3.0), ("test_one_hot", 2.0), ("test_cross_entropy", 3.0)]
    released = "\n".join(c.source for lesson in ("probabilities", "network")
                         for c in nbformat.read(str(nbgrader_dir / f"release/unit1/{lesson}.ipynb"), 4).cells)
    assert "public=False" not in released and "np.sum(e, axis=-1, keepdims=True)" not in released
    assert "self.hidden = nn.Linear(d_in, hidden)" not in released and naming(released, CNN) == []


def test_nbgrader_autograde_scores_the_notebooks(nbgrader_dir):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{nbgrader_dir / 'gradebook.db'}") as book:
        scores = {(s, g.name): g.score for s, lessons in (("ada", ("probabilities", "network")), ("cy", ("probabilities",)))
                  for lesson in lessons
                  for g in book.find_submission_notebook(lesson, "unit1", s).grades if g.name.startswith("test_")}
    assert {k[1]: v for k, v in scores.items() if k[0] == "ada"} == {
        "test_softmax": 3.0, "test_one_hot": 2.0, "test_cross_entropy": 3.0, "test_TinyMLP": 4.0}
    assert {k[1]: v for k, v in scores.items() if k[0] == "cy"} == {
        "test_softmax": 0.0, "test_one_hot": 0.0, "test_cross_entropy": 0.0}


# batch -------------------------------------------------------------------------------------------------------

def test_batch_grades_a_small_class(tmp_path):
    klass = tmp_path / "class"
    shutil.copytree(COURSE / "reference", klass / "ada")
    shutil.copytree(COURSE / "exercises", klass / "cy")
    shutil.copytree(COURSE / "reference", klass / "dan")
    lesson = Lesson(course_mod.load(COURSE), "unit1.probabilities")
    wrong = next(m for m in lesson.mistakes if m.impl.__name__ == "softmax_no_max")
    (klass / "dan/unit1/probabilities.py").write_text(
        as_submission((COURSE / "reference/unit1/probabilities.py").read_text(), wrong))
    grades = tmp_path / "grades.csv"
    done = course("batch", str(klass), "--jobs", "1", "--out", str(tmp_path / "gb.sqlite"), "--csv", str(grades))
    assert done.returncode == 0, done.stderr
    table = {r["student"]: r for r in csv.DictReader(grades.open())}
    assert {s: float(r["total"]) for s, r in table.items() if s != "dan"} == {"ada": 12.0, "cy": 0.0}
    dan = table["dan"]
    assert 9 < float(dan["total"]) < 12 and float(dan["unit1.probabilities.softmax"]) < 3
    assert float(dan["unit1.network.TinyMLP"]) == 4.0


# engine: what the second course showed --------------------------------------------------------------------

def test_a_mistake_explains_a_module_output_and_a_nan():
    out = np.array([[0.5, -1.0]])
    assert matches(TensorData(out, "float64"), TensorData(out.copy(), "float64"))
    assert matches({"output": TensorData(out, "float64")}, {"output": TensorData(out, "float64")})
    assert not matches(TensorData(out, "float64"), TensorData(out + 1, "float64"))
    assert matches(float("nan"), float("nan")) and not matches(float("nan"), 1.0)
