"""``course release OUTDIR``: the student starter repository, with no solution in it.

The bundle holds the stubs (exercises/), course.toml (the released exercises only), the grader modules of the
released lessons (without the mistake catalogue), fixtures/ (the reference's answers to the public checks, see
``fixtures``), the engine as a wheel (vendor/convgrade-<version>-py3-none-any.whl, see ``wheel``), the pins
it was tested with (requirements.lock), a README for students whose two commands install both, and a GitHub
Actions workflow that installs them the same way and grades every push. There, ``course grade`` runs in ``fixtures``
mode. Before the folder appears, the bundle is verified: the reference scores full marks from the fixtures,
and no reference function body occurs in any of its files.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import config as course_mod, wheel
from .catalogue import catalogue_markdown
from .config import ConfigError, Course, ExerciseConfig
from .fixtures import RecordingLesson
from .report.table import points
from .results import Report
from .runner import grade

CHECKOUT = wheel.CHECKOUT
VENDOR = "vendor"  # the engine's wheel in the bundle
JUNK = ("__pycache__", ".hypothesis", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Release:
    outdir: Path
    lessons: tuple[str, ...]
    public: tuple[str, ...]  # exercises with public checks (graded in the bundle)
    hidden_only: tuple[str, ...]  # exercises without: graded by the instructor only
    public_points: float
    fail_under: float
    questions: tuple[str, ...] = ()  # prompts only: graded by the instructor from the students' answers files


def release(course: Course, outdir: Path, only: list[str] | None = None, fail_under: float | None = None) -> Release:
    outdir = Path(outdir).resolve()
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise ConfigError(f"{outdir}: exists and is not an empty folder; `course release` writes a new one")
    chosen = course.select(only)
    lessons = tuple(dict.fromkeys(e.lesson for e in chosen))
    for lesson in lessons:
        rel = Path(*lesson.split(".")).with_suffix(".py")
        for tree in ("exercises", "graders", "reference"):
            if not (course.root / tree / rel).is_file():
                raise ConfigError(f"{tree}/{rel.as_posix()}: missing; lesson {lesson!r} needs it to be released")
    recorders: dict[str, RecordingLesson] = {}

    def recording(c: Course, lesson: str) -> RecordingLesson:
        return recorders.setdefault(lesson, RecordingLesson(c, lesson))

    report = grade(course, course.root / "reference", only, mode="fixtures", make_lesson=recording)
    _expect_full_marks(report, "reference/ on its public checks")
    public = tuple(e.id for e in report.exercises)
    public_points = report.max_score
    fail_under = public_points if fail_under is None else fail_under
    tmp = outdir.with_name(f".{outdir.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        _write(course, chosen, lessons, recorders, tmp, fail_under, public_points)
        bundle = course_mod.load(tmp)
        _expect_full_marks(grade(bundle, course.root / "reference", mode="fixtures"),
                           f"the bundle's fixtures on reference/ (self-test in {tmp})")
        found = leaks(tmp, course.root / "reference")
        if found:
            raise ConfigError("solution code in the bundle: " + "; ".join(found[:5]) + "; replace it in the stub "
                              "or grader named, then release again")
        if outdir.exists():
            outdir.rmdir()
        tmp.rename(outdir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    hidden_only = tuple(e.id for e in chosen if e.id not in public and not e.is_question)
    questions = tuple(e.id for e in chosen if e.is_question)
    return Release(outdir, lessons, public, hidden_only, public_points, fail_under, questions)


def _expect_full_marks(report: Report, what: str) -> None:
    short = [e for e in report.exercises if e.score < e.max_score]
    if short:
        e = short[0]
        first = next((c for c in e.checks if not c.passed), None)
        detail = (first.feedback if first else e.feedback).splitlines()[0]
        raise ConfigError(f"{what}: {e.id} scores {points(e.score)}/{points(e.max_score)} ({detail}); fix the "
                          "reference or the check, then release again")


def _write(course: Course, chosen: list[ExerciseConfig], lessons: tuple[str, ...],
           recorders: dict[str, RecordingLesson], out: Path, fail_under: float, public_points: float) -> None:
    (out / "course.toml").write_text(course_toml(course, chosen), encoding="utf-8")
    for lesson in lessons:
        rel = Path(*lesson.split(".")).with_suffix(".py")
        (out / "exercises" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(course.root / "exercises" / rel, out / "exercises" / rel)
    _copy_graders(course, lessons, out / "graders")
    (out / VENDOR).mkdir()
    shutil.copyfile(wheel.engine_wheel(), out / VENDOR / wheel.filename())
    for lesson in lessons:
        if lesson in recorders:
            recorders[lesson].save(out)
    lock = CHECKOUT / "requirements.lock"
    if lock.is_file():
        shutil.copyfile(lock, out / "requirements.lock")
    bundle = course_mod.load(out)
    (out / "README.md").write_text(readme(bundle, fail_under, public_points, lock.is_file()), encoding="utf-8")
    (out / ".github" / "workflows").mkdir(parents=True)
    (out / ".github" / "workflows" / "grade.yml").write_text(workflow(fail_under, lock.is_file()), encoding="utf-8")
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n.hypothesis/\nreport.json\njunit.xml\n")


def _copy_graders(course: Course, lessons: tuple[str, ...], target: Path) -> None:
    """The course's graders/: the released lessons' checks and every course-local helper module, without the
    catalogue of mistakes (graders/mistakes/), the lessons that are not released and the questions' (graded on the
    instructor's side only: the bundle has their prompts in exercises/, and no way to work out an answer)."""
    source = course.root / "graders"
    quizzes = {e.lesson for e in course.exercises if e.is_question}  # their graders show how answers are worked
    other = {Path(*ls.split(".")).with_suffix(".py") for ls in course.lessons if ls not in lessons or ls in quizzes}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        rel = path.relative_to(source)
        if rel.parts[0] == "mistakes" or rel in other or any(part in JUNK for part in rel.parts) \
                or path.suffix == ".pyc":
            continue
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / rel)


# -- course.toml ----------------------------------------------------------------------------------------
def course_toml(course: Course, chosen: list[ExerciseConfig]) -> str:
    """course.toml with the released exercises (and their assignments) only."""
    data = tomllib.loads((course.root / course_mod.FILENAME).read_text(encoding="utf-8"))
    ids = {e.id for e in chosen}
    data["exercises"] = {k: v for k, v in data.get("exercises", {}).items() if k in ids}
    data["assignments"] = {k: v for k, v in data.get("assignments", {}).items()
                           if k in {e.assignment for e in chosen}}
    head = "# Written by `course release` from the instructor's course.toml; the graders read it: do not edit.\n"
    return head + re.sub(r"\n{3,}", "\n\n", "\n".join(_toml(data))).lstrip("\n") + "\n"


def _toml(table: dict, prefix: tuple[str, ...] = ()) -> list[str]:
    lines = [f"{_key(k)} = {_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    out = [f"[{'.'.join(map(_key, prefix))}]", *lines] if prefix and (lines or not table) else lines
    for k, v in table.items():
        if isinstance(v, dict):
            out += ["", *_toml(v, (*prefix, k))]
    return out


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(map(_value, v)) + "]"
    raise ConfigError(f"course.toml: a value of type {type(v).__name__} cannot be released; use strings, "
                      "numbers, booleans and lists")


# -- README, workflow -----------------------------------------------------------------------------------
def _install(locked: bool) -> list[str]:
    return wheel.install_commands(f"{VENDOR}/{wheel.filename()}", "requirements.lock" if locked else None)


def readme(course: Course, fail_under: float, public_points: float, locked: bool) -> str:
    install = "\n".join(_install(locked))
    full = " (until every public check passes)" if fail_under >= public_points else ""
    return f"""# {course.name}

Your exercises are in `exercises/`: each function or class has a docstring that says what it computes,
the shapes of its inputs and outputs, and a small worked example. Replace each
`raise NotImplementedError` with your code; keep the names and signatures.

## Set up (once), then grade

Python 3.11 is all it takes (no `make`, no compiler). On **Linux or macOS**, in a terminal:

```
python3 -m venv .venv && . .venv/bin/activate
{install}
course grade
```

On **Windows**, in PowerShell (if activating is refused, first run
`Set-ExecutionPolicy -Scope CurrentUser RemoteSigned`; without the `py` launcher, `python -m venv .venv`):

```
py -3.11 -m venv .venv; .venv\\Scripts\\Activate.ps1
{install.replace(chr(10), "; ")}
course grade
```

In a new terminal, activate again (`. .venv/bin/activate`, or `.venv\\Scripts\\Activate.ps1`) before grading.

## Check your work

```
course grade                          # every exercise
course grade --only {course.lessons[0]:<17} # one lesson (or one exercise id)
course grade --json report.json       # the same report, for machines
```

Your code runs in a separate process per exercise: an infinite loop, a crash or a runaway allocation
costs that exercise only, and the report is still written. On Windows and macOS (where the sandbox's
stronger levels are Linux-only) the report says `isolation: portable`; the grades are the same.

Each failing check shows its input, what came back, what was expected and a hint.

**What this score is.** Here `course grade` runs the *public* checks (the course's worked examples),
against answers recorded from the reference solution (the report says `checks: fixtures`). Your grade
comes from your instructor, who also runs hidden, property-based checks on many random inputs: passing
every public check is a good sign, not a guarantee. Exercises without public checks are graded by your
instructor only.

## Every push is graded

`.github/workflows/grade.yml` installs the course, runs `course grade` and keeps `report.json` and
`junit.xml` as artifacts of the run; the summary page of the run shows the table. The run is marked failed
while the score is under {points(fail_under)} points{full}.

Do not edit `graders/`, `fixtures/`, `vendor/` (the grader itself, pinned), `course.toml` or the workflow: your
instructor grades with their own copy.

## The exercises

{catalogue_markdown(course)}"""


def workflow(fail_under: float, locked: bool) -> str:
    install = "\n          ".join(_install(locked))
    pins = "requirements.lock" if locked else f"{VENDOR}/*.whl"  # setup-python's cache key (it fails without one)
    return f"""# Written by `course release`: grades every push with the public checks.
name: grade
on: [push, pull_request, workflow_dispatch]
permissions:
  contents: read
jobs:
  grade:  # on the three systems students use: a breakage on any shows up here first
    strategy:
      fail-fast: false
      matrix:
        os: [ubuntu-latest, macos-latest, windows-latest]
    runs-on: ${{{{ matrix.os }}}}
    timeout-minutes: 30
    env:
      PYTHONUTF8: "1"  # else Windows writes a pipe in its ANSI code page, which lacks characters reports hold
    defaults:
      run:
        shell: bash  # Git Bash on Windows: the same commands everywhere
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: {pins}
      - name: Install the course
        run: |
          python -m pip install --upgrade pip
          {install}
      - name: Grade
        run: >-
          course grade --student "${{{{ github.repository }}}}"
          --json report.json --junit junit.xml --markdown "$GITHUB_STEP_SUMMARY"
          --fail-under {round(fail_under, 4)!r}
      - name: Keep the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grade-report-${{{{ matrix.os }}}}
          path: |
            report.json
            junit.xml
"""


# -- no solutions ---------------------------------------------------------------------------------------
def _squeeze(text: str) -> str:
    """Comments dropped and whitespace squeezed: a body matches wherever it is pasted, however indented."""
    return " ".join(re.sub(r"#[^\n]*", "", text).split())


def reference_bodies(reference: Path) -> list[tuple[str, str]]:
    """(``reference/hw1/vectors.py:normalize``, body) for every function and method, docstrings left out."""
    out = []
    for path in sorted(reference.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                if body:
                    text = "\n".join(lines[body[0].lineno - 1:body[-1].end_lineno])
                    out.append((f"reference/{path.relative_to(reference).as_posix()}:{node.name}", _squeeze(text)))
    return out


def leaks(bundle: Path, reference: Path) -> list[str]:
    """Where a reference body occurs in the bundle: ``exercises/hw1/vectors.py holds the body of ...``."""
    bodies = reference_bodies(reference)
    found = []
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        text = _squeeze(path.read_bytes().decode("utf-8", "replace"))
        found += [f"{path.relative_to(bundle).as_posix()} holds the body of {where}"
                  for where, body in bodies if body and body in text]
    return found
