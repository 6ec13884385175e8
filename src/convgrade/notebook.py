"""The graders inside a Jupyter notebook (the test cells that ``course nbgrader build`` writes).

    from convgrade import notebook as convgrade
    convgrade.check("hw1.vectors.normalize", public=True)     # visible checks, feedback printed
    convgrade.check("hw1.vectors.normalize", public=False)    # hidden checks, a summary only
    convgrade.score("hw1.vectors.normalize")                  # the points, read by nbgrader

The student's code is the notebook's code cells run so far (IPython's input history, test cells left out),
written as the lesson file and graded in the sandbox exactly as ``course grade`` grades it. Nothing is
written to stderr (nbgrader would score the cell 0) and nothing raises: a failure is feedback, not a traceback.
One exception: an isolation level that is unknown or unavailable (``CONVGRADE_ISOLATION``) raises
``IsolationError``, so the cell fails loudly instead of grading untrusted code at another level.
"""
from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path

from . import config as course_mod
from .points import add, text as points
from .results import ExerciseResult

POINTER = "convgrade.json"  # written by `course nbgrader build`: where the course folder is
_results: dict[str, list[ExerciseResult]] = {}


def find_course(start: Path) -> course_mod.Course | None:
    """CONVGRADE_COURSE, or a course.toml / convgrade.json pointer in the working directory or above."""
    import json

    if os.environ.get("CONVGRADE_COURSE"):
        return course_mod.load(Path(os.environ["CONVGRADE_COURSE"]))
    for folder in (start, *start.parents):
        if (folder / course_mod.FILENAME).is_file():
            return course_mod.load(folder)
        if (folder / POINTER).is_file():
            return course_mod.load(Path(json.loads((folder / POINTER).read_text())["course"]))
    return None


def _history() -> list[str]:
    ip = sys.modules.get("IPython")
    shell = ip.get_ipython() if ip else None
    return list(shell.user_ns.get("In", [])) if shell else []


def check(exercise_id: str, public: bool = True) -> None:
    """Grade the public (or hidden) checks of one exercise and print what a student should read."""
    from .lesson import Lesson
    from .operations import requirements
    from .runner import grade_exercise
    from .sandbox import Limits, Sandbox
    from .submission import code_of

    try:
        course = find_course(Path.cwd())
    except course_mod.ConfigError as e:
        print(f"cannot grade here: {e}")
        return
    if course is None:
        print("Not graded here: this notebook is graded when you submit it (or run `course grade` on it).")
        return
    (cfg,) = course.select([exercise_id])
    lesson = Lesson(course, cfg.lesson)
    preload, operations = requirements(lesson.spec(cfg).needs)
    with tempfile.TemporaryDirectory(prefix="convgrade-kernel-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lesson_file = Path(tmp, cfg.path)
        lesson_file.parent.mkdir(parents=True)
        lesson_file.write_text(code_of(_history()[1:]), encoding="utf-8")
        with Sandbox(Path(tmp), Limits(memory=cfg.memory), preload=preload, operations=operations,
                     hide=(course.root,)) as sandbox:
            result = grade_exercise(cfg, lesson, sandbox, course.seed, public=public)
    _results.setdefault(exercise_id, []).append(result)
    if result.checks:
        print(_summary(result, public))


def _summary(result: ExerciseResult, public: bool) -> str:
    kind = "visible" if public else "hidden"
    passed = sum(c.passed for c in result.checks)
    head = (f"{result.id}: {passed} of {len(result.checks)} {kind} checks passed "
            f"({points(result.score)} / {points(result.max_score)} points)")
    if result.status in ("unimplemented", "missing", "error", "timeout"):
        return f"{head}\n  {result.feedback}"
    if not public:  # hidden checks stay hidden: no names, inputs or expected values
        return head
    details = [c.feedback for c in result.checks if not c.passed]
    return "\n\n".join([head, *dict.fromkeys(details)])


def score(exercise_id: str) -> float:
    """The exercise's points from the checks run in this kernel; 0 if any part crashed or timed out."""
    results = _results.pop(exercise_id, [])
    if any(r.status in ("error", "timeout", "missing") for r in results):
        return 0.0
    return add(r.score for r in results)


# -- questions (a quiz notebook built by `course nbgrader build`) ---------------------------------------------
def student() -> str:
    """Whose variant: JupyterHub's user name while the student works; when nbgrader autogrades, the
    ``<student>`` of the ``submitted/<student>/`` (or ``autograded/<student>/``) folder the notebook runs in."""
    parts = Path.cwd().parts
    for folder in ("autograded", "submitted"):
        if folder in parts[:-1]:
            return parts[parts.index(folder) + 1]
    return os.environ.get("JUPYTERHUB_USER") or os.environ.get("USER") or "student"


def _question(exercise_id: str):
    from .lesson import Lesson

    course = find_course(Path.cwd())
    if course is None:
        return None
    (cfg,) = course.select([exercise_id])
    return course, cfg, Lesson(course, cfg.lesson)


def _question_or_say(exercise_id: str, cannot: str, absent: str):
    """``_question``, or None after printing why not (the course's error, or ``absent`` when it is out of reach)."""
    try:
        found = _question(exercise_id)
    except course_mod.ConfigError as e:
        print(f"{cannot}: {e}")
        return None
    if found is None:
        print(absent)
    return found


def show_question(exercise_id: str) -> None:
    """Print the question with this student's numbers, and how to answer it."""
    from .questions import prompt, variant
    from .lesson import load_file

    found = _question_or_say(exercise_id, "cannot show the question here",
                             "Your question appears when the course is reachable (ask your instructor).")
    if found is None:
        return
    course, cfg, lesson = found
    question = lesson.question(cfg)
    stubs = load_file(course.root / "exercises" / cfg.path, f"_convgrade_prompts_{cfg.lesson.replace('.', '_')}")
    v = variant(question, cfg.id, course.seed, student())
    print(f"{prompt(getattr(stubs, cfg.name), v)}\n\nAnswer in the next cell: {cfg.name} = "
          f"{question.compare.describe()}   (your variant, {v.student})")


def check_answer(exercise_id: str) -> None:
    """Grade the answer cell (``name = value``, read as TOML, never run as code) on this student's variant."""
    from .answers import Answers, answer_value, grade_question

    found = _question_or_say(exercise_id, "cannot grade here",
                             "Not graded here: this notebook is graded when you submit it.")
    if found is None:
        return
    course, cfg, lesson = found
    cells = [c for c in _history() if c.lstrip().startswith(f"{cfg.name} =") or c.lstrip().startswith(f"{cfg.name}=")]
    answered, value = answer_value(cells[-1].partition("=")[2]) if cells else (False, None)
    values: dict = {}
    if answered:  # {"areas": {"rectangle_area": 12}}, as an answers file holds it
        table = values
        for part in cfg.id.split(".")[1:-1]:
            table = table.setdefault(part, {})
        table[cfg.name] = value
    who = student()
    answers = Answers("the answer cell", who, values)
    result = grade_question(cfg, lesson.question(cfg), lesson.reference_of(cfg), lesson.mistakes, answers, who,
                            course.seed)
    _results.setdefault(exercise_id, []).append(result)
    print(f"{result.id}: {points(result.score)} / {points(result.max_score)} points\n{result.feedback}")
