"""`course release`: the student starter repository. Built with the real command, copied to a fresh folder and
graded there with the engine installed from the bundle's own wheel into a throwaway venv (no reference/, no
checkout): the stubs score 0, the reference bodies pasted into the stubs score full marks, both in fixtures mode.
No reference function body is anywhere in it, and no copy of the engine's source."""
from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

import engine_venv
from conftest import ROOT, write_submission
from convgrade import __version__, config as course_mod
from convgrade.config import ConfigError
from convgrade.fixtures import load
from convgrade.release import release
from convgrade.runner import grade
from test_cli import course

LESSONS = ("week1.padding", "week1.pooling")
WHEEL = f"vendor/convgrade-{__version__}-py3-none-any.whl"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    built = tmp_path_factory.mktemp("release") / "starter"
    run = course("release", str(built), *(a for ls in LESSONS for a in ("--only", ls)))
    assert run.returncode == 0, run.stderr
    assert "no public check" not in run.stderr  # every exercise has a public worked example
    fresh = tmp_path_factory.mktemp("student") / "repo"
    shutil.copytree(built, fresh)
    return fresh


@pytest.fixture(scope="module")
def engine(bundle) -> Path:
    """bin/ of a venv where the bundle's wheel is installed, as its README says (the pins borrowed, see engine_venv)."""
    return engine_venv.shared(bundle / WHEEL)


def in_bundle(engine: Path, bundle: Path, *args: str) -> subprocess.CompletedProcess:
    """`course ...` run inside the bundle with the engine installed from the bundle's wheel."""
    return subprocess.run([str(engine / "course"), *args], cwd=bundle, capture_output=True, text=True,
                          env=engine_venv.clean_env())


def fail_under(bundle: Path) -> str:
    return re.search(r"--fail-under (\S+)", (bundle / ".github/workflows/grade.yml").read_text())[1]


def squeeze(text: str) -> str:
    """Comments dropped, whitespace squeezed: a body matches wherever it is pasted, however indented."""
    return " ".join(re.sub(r"#[^\n]*", "", text).split())


def bodies(tree: Path) -> dict[str, str]:
    """Every function's body (docstring left out) in the .py files under ``tree``, whitespace squeezed."""
    out = {}
    for path in tree.rglob("*.py"):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                lines = source.splitlines()[body[0].lineno - 1:body[-1].end_lineno]
                out[f"{path.relative_to(tree)}:{node.name}"] = squeeze("\n".join(lines))
    return out


def test_the_bundle_holds_what_a_student_needs_and_no_solution(bundle):
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert {"course.toml", "README.md", "requirements.lock", ".github/workflows/grade.yml",
            "exercises/week1/padding.py", "exercises/week1/pooling.py", "graders/week1/padding.py",
            "fixtures/week1/padding.npz", "fixtures/week1/pooling.npz", WHEEL} <= names
    assert not [n for n in names if n.startswith(("reference/", "graders/mistakes/week", "graders/week2/",
                                                  "convgrade/"))]
    assert "pyproject.toml" not in names  # nothing to build: the engine is the wheel
    assert [e.id for e in course_mod.load(bundle).exercises] == [
        "week1.padding.zero_pad", "week1.padding.conv_output_size", "week1.padding.same_padding",
        "week1.pooling.pool_forward"]
    texts = {n: (bundle / n).read_text(errors="replace") for n in names if not n.endswith((".npz", ".whl"))}
    texts.update({n: np.load(bundle / n)["header"].tobytes().decode() for n in names if n.endswith(".npz")})
    reference = bodies(ROOT / "reference")
    assert len(reference) > 40
    for where, body in reference.items():
        assert body in squeeze((ROOT / "reference" / where.split(":")[0]).read_text())  # the search can find it
        leaked = [n for n, text in texts.items() if body in squeeze(text)]
        assert not leaked, f"the body of reference/{where} is in {leaked}"
    workflow = texts[".github/workflows/grade.yml"]
    assert "course grade" in workflow and "--json report.json" in workflow and "actions/upload-artifact" in workflow
    install = ["pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.lock",
               f"pip install --no-deps {WHEEL}"]
    assert "\n".join(install) in texts["README.md"]
    assert "\n          ".join(install) in workflow
    job = yaml.safe_load(workflow)["jobs"]["grade"]
    assert (job["strategy"]["matrix"]["os"], job["runs-on"]) == (["ubuntu-latest", "macos-latest", "windows-latest"],
                                                                 "${{ matrix.os }}")
    readme = texts["README.md"]
    assert "python3 -m venv .venv && . .venv/bin/activate" in readme and "make" not in readme.replace("`make`", "")
    assert "py -3.11 -m venv .venv; .venv\\Scripts\\Activate.ps1" in readme


def test_the_bundle_runs_the_engine_from_its_wheel(bundle, engine):
    run = in_bundle(engine, bundle, "list")
    assert run.returncode == 0 and "week1.pooling.pool_forward" in run.stdout
    where = subprocess.run([str(engine / "python"), "-c", "import convgrade; print(convgrade.__file__)"], cwd=bundle,
                           capture_output=True, text=True, env=engine_venv.clean_env())
    assert Path(where.stdout.strip()).is_relative_to(engine.parent), where.stderr


def test_the_stubs_score_zero_from_the_fixtures(bundle, engine):
    run = in_bundle(engine, bundle, "grade", "--json", "-", "--fail-under", fail_under(bundle))
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert (data["mode"], data["score"], data["max_score"]) == ("fixtures", 0.0, float(fail_under(bundle)))
    assert [(e["id"], e["status"]) for e in data["exercises"]] == [
        ("week1.padding.zero_pad", "unimplemented"), ("week1.padding.conv_output_size", "unimplemented"),
        ("week1.padding.same_padding", "unimplemented"), ("week1.pooling.pool_forward", "unimplemented")]
    assert all(c["public"] for e in data["exercises"] for c in e["checks"])  # hidden checks are left out


def paste(stub: str, reference: str) -> str:
    """The stub with each function's body (after its docstring) replaced by the reference's, and the
    reference's imports added."""
    tree = ast.parse(reference)
    ref_tree = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    imports = [ast.get_source_segment(reference, n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    ref_lines, lines = reference.splitlines(), stub.splitlines()
    for node in sorted((n for n in ast.parse(stub).body if isinstance(n, ast.FunctionDef)),
                       key=lambda n: -n.lineno):
        r = ref_tree[node.name]
        body = ref_lines[r.body[1].lineno - 1:r.end_lineno]
        lines[node.body[1].lineno - 1:node.end_lineno] = body
    return "\n".join(imports + lines) + "\n"


def test_reference_bodies_pasted_in_score_full_marks(bundle, engine, tmp_path):
    files = {f"week1/{ls.split('.')[1]}.py": paste((bundle / "exercises/week1" / f"{ls.split('.')[1]}.py").read_text(),
                                                   (ROOT / "reference/week1" / f"{ls.split('.')[1]}.py").read_text())
             for ls in LESSONS}
    sub = write_submission(tmp_path / "solved", files)
    run = in_bundle(engine, bundle, "grade", str(sub), "--json", "-", "--fail-under", fail_under(bundle))
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert (data["mode"], data["score"]) == ("fixtures", data["max_score"]) and data["score"] > 2
    assert {e["status"] for e in data["exercises"]} == {"passed"}


def test_fixtures_are_npz_without_pickle_and_hold_each_call(bundle):
    with np.load(bundle / "fixtures/week1/pooling.npz", allow_pickle=False) as z:
        assert z["header"].dtype == np.uint8 and {"a0", "a1"} <= set(z.files)
    body = load(bundle / "fixtures/week1/pooling.npz")
    assert (body["format"], body["lesson"], body["version"]) == ("convgrade-fixtures/1", "week1.pooling", "2026.1")
    calls = body["checks"]["pool_forward"]["the course's example"]
    assert [(c["name"], c["kwargs"]) for c in calls] == [("pool_forward", {"mode": "max"}),
                                                         ("pool_forward", {"mode": "average"})]
    A, (A_prev, hp) = calls[0]["value"]
    assert A.shape == (2, 3, 3, 3) and A_prev.shape == (2, 5, 5, 3) and hp == {"stride": 1, "f": 3}
    assert body["checks"]["pool_forward"]["an unknown mode raises ValueError"] == []  # needs no reference


def test_fixtures_of_another_course_version_are_refused(bundle, tmp_path):
    stale = tmp_path / "stale"
    shutil.copytree(bundle, stale)
    toml = stale / "course.toml"
    toml.write_text(toml.read_text().replace('version = "2026.1"', 'version = "2026.2"'))
    with pytest.raises(ConfigError, match=r"fixtures/week1/padding.npz: recorded for course 'cnn' version "
                                          r"'2026.1'.*rebuild the bundle with `course release`"):
        grade(course_mod.load(stale), stale / "exercises")


TOY_GRADERS = '''
from convgrade.checks import CheckFailed, Exercise
from convgrade.expect import expect_equal

double = Exercise("double")

@double.check("the worked example", points=1)
def _(st, ref):
    expect_equal(st.double(21), ref.double(21), name="double(21)")

@double.check("halving undoes it", points=1)
def _(st, ref):
    expect_equal(ref.half(st.double(3)), 3, name="half(double(3))")

@double.check("negative numbers raise ValueError", points=1)
def _(st, ref):
    try:
        ref.double(-1)
    except ValueError as e:
        assert str(e) == "no negatives"
    else:
        raise AssertionError("the reference did not raise")

make = Exercise("make")

@make.check("the reference's object", points=1)
def _(st, ref):
    ref.make()
'''
TOY_REFERENCE = '''
class Thing:
    pass

def double(x):
    if x < 0:
        raise ValueError("no negatives")
    return 2 * x

def half(x):
    return x // 2

def make():
    return Thing()
'''


@pytest.fixture
def toy(tmp_path) -> course_mod.Course:
    """A course of one lesson whose graders use the reference in ways a recording must handle."""
    write_submission(tmp_path / "toy", {
        "course.toml": '[course]\nname = "Toy"\nid = "toy"\nversion = "1"\n[assignments.week1]\ntitle = "W"\n'
                       '[exercises."week1.toy.double"]\ntitle = "Double"\npoints = 3\n'
                       '[exercises."week1.toy.make"]\ntitle = "Make"\npoints = 1\n',
        "graders/week1/toy.py": TOY_GRADERS, "reference/week1/toy.py": TOY_REFERENCE,
        "exercises/week1/toy.py": "def double(x):\n    raise NotImplementedError\n\n\n"
                                  "def make():\n    raise NotImplementedError\n"})
    return course_mod.load(tmp_path / "toy")


def test_a_public_check_whose_reference_returns_an_object_cannot_be_released(toy, tmp_path):
    message = (r"graders/week1/toy.py: exercise 'week1.toy.make', check \"the reference's object\": ref.make\(\) "
               r"returned a Thing, which fixtures cannot hold")
    with pytest.raises(ConfigError, match=message):
        release(toy, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_answers_replay_in_order_exceptions_too_and_a_call_off_the_record_fails_its_check(toy, tmp_path):
    made = release(toy, tmp_path / "out", only=["week1.toy.double"])
    bundle = course_mod.load(made.outdir)
    right = write_submission(tmp_path / "right", {"week1/toy.py": "def double(x):\n    return 2 * x\n"})
    report = grade(bundle, right)
    assert (report.mode, report.score, report.max_score) == ("fixtures", 3.0, 3.0)
    wrong = write_submission(tmp_path / "wrong", {"week1/toy.py": "def double(x):\n    return x + 2\n"})
    (result,) = grade(bundle, wrong).exercises
    assert [c.passed for c in result.checks] == [False, False, True]
    assert result.checks[1].feedback.splitlines() == [
        "double: this check cannot be replayed from the recorded answers",
        "  the check asked for ref.half(5)",
        "  fixtures/week1/toy.npz holds the answer to ref.half(6)",
        "  hint: the fixtures may be out of date, or the check fed your output to the reference: ask your instructor"]


def test_a_stub_holding_a_reference_body_stops_the_release(toy, tmp_path):
    stub = toy.root / "exercises/week1/toy.py"
    stub.write_text(stub.read_text().replace("def double(x):\n    raise NotImplementedError",
                                             "def double(x):\n    if x < 0:\n        raise ValueError(\"no negatives\")"
                                             "\n    return 2 * x  # done"))
    with pytest.raises(ConfigError, match=r"solution code in the bundle: exercises/week1/toy.py holds the body of "
                                          r"reference/week1/toy.py:double"):
        release(toy, tmp_path / "out", only=["week1.toy.double"])
    assert not (tmp_path / "out").exists()
