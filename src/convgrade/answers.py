"""Grading questions: a student's answers file against the reference's answer to their variant.

Where a submission's answers are: ``<submission>/answers/<assignment>.toml``, e.g.

    student = "alice"          # whose variant the answers are (``course grade --student`` may say it instead)
    [areas]                    # the lesson, then one key per question
    rectangle_area = 12
    box_shape = [2, 3, 4]

No student code runs for a question: the answer is read from TOML (never evaluated) and compared with the
reference's answer, computed here, in the trusted process. The course's own ``reference/`` folder answers every
variant with the reference, so ``course grade reference`` scores full marks on questions too.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .config import Course, ExerciseConfig
from .feedback import INDENT
from .mistakes import Mistake
from .questions import AnswerError, Question, Variant, answer, params_line, show, variant
from .results import CheckResult, ExerciseResult

ANSWERS = "answers"  # the folder of answers files inside a submission
CHECK = "answer"  # the one check of a question


@dataclass(frozen=True)
class Answers:
    """One assignment's answers file, read; ``error`` says why it cannot be used (then ``values`` is empty)."""

    path: str  # as shown to the student: answers/quiz.toml
    student: str | None
    values: dict[str, Any]
    error: str = ""
    reference: bool = False  # the course's reference/ folder: every answer is the reference's
    exists: bool = True


def answers_path(assignment: str) -> str:
    return f"{ANSWERS}/{assignment}.toml"


def read_answers(submission: Path, assignment: str, course: Course) -> Answers:
    """The assignment's answers in the submission folder (see the module's docstring)."""
    rel = answers_path(assignment)
    if Path(submission).resolve() == (course.root / "reference").resolve():
        return Answers(rel, None, {}, reference=True)
    path = Path(submission) / rel
    if not path.is_file():
        return Answers(rel, None, {}, exists=False)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        return Answers(rel, None, {}, f"{rel} is not valid TOML ({e}); fix that line (strings in quotes, "
                                      "lists in brackets)")
    student = data.pop("student", None)
    if student is not None and not isinstance(student, str):
        return Answers(rel, None, {}, f"{rel}: student = {student!r}, expected your id in quotes")
    return Answers(rel, student, data)


def lookup(answers: Answers, cfg: ExerciseConfig) -> tuple[bool, Any]:
    """``(found, raw value)`` of the question's key, ``<lesson under the assignment>.<name>``."""
    table: Any = answers.values
    for part in cfg.id.split(".")[1:]:
        if not isinstance(table, dict) or part not in table:
            return False, None
        table = table[part]
    return True, table


def key(cfg: ExerciseConfig) -> str:
    return cfg.id.split(".", 1)[1]


def whose(answers: Answers, student: str | None) -> tuple[str | None, str]:
    """The student whose variant is graded, or None and why not."""
    if answers.reference:
        return student or "", ""
    if student and answers.student and student != answers.student:
        return None, (f"{answers.path} holds the answers of {answers.student!r}, not {student!r}; grade it "
                      f"with --student {answers.student}, or fix student = in the file")
    chosen = student or answers.student
    if not chosen:
        return None, (f"whose variant? {answers.path} has no student = \"ID\" line; add it, or grade with "
                      "--student ID")
    return chosen, ""


def grade_question(cfg: ExerciseConfig, question: Question, reference: ModuleType, mistakes: list[Mistake],
                   answers: Answers, student: str | None, course_seed: int) -> ExerciseResult:
    """One question's result: full points for an answer equal to the reference's on the student's variant."""
    def result(status: str, feedback: str, v: Variant | None = None, passed: bool = False) -> ExerciseResult:
        score = cfg.points if passed else 0.0
        check = CheckResult(CHECK, passed, score, cfg.points, "" if passed else feedback)
        return ExerciseResult(cfg.id, cfg.title, score, cfg.points, status, feedback, (check,),
                              variant=v.to_json() if v else None)

    if answers.error:
        return result("error", f"{cfg.name}: {answers.error}")
    if not answers.exists:
        return result("unimplemented", f"not answered yet: no {answers.path} (`course quiz {cfg.assignment} "
                                       "--student ID` writes your quiz and that file)")
    chosen, why = whose(answers, student)
    if chosen is None:
        return result("error", f"{cfg.name}: {why}")
    v = variant(question, cfg.id, course_seed, chosen)
    expected = answer(reference, question, v)
    if answers.reference:
        return result("passed", "answered", v, passed=True)
    found, raw = lookup(answers, cfg)
    if not found:
        return result("unimplemented", f"not answered: {answers.path} has no {key(cfg)} = ...; "
                                       f"expected {question.compare.describe()}", v)
    try:
        got = question.compare.parse(raw)
    except AnswerError as e:
        return result("failed", f"{cfg.name}: {answers.path}: {key(cfg)} = {e}", v)
    if question.compare.equal(got, expected):
        return result("passed", "correct", v, passed=True)
    return result("failed", wrong(cfg, question, reference, mistakes, v, got, expected), v)


def wrong(cfg: ExerciseConfig, question: Question, reference: ModuleType, mistakes: list[Mistake], v: Variant,
          got: Any, expected: Any) -> str:
    """The feedback on a wrong answer: the variant, both answers, the mistake it looks like, the computation."""
    lines = [f"{cfg.name}: wrong answer",
             f"your variant (seed {v.seed}): {params_line(v)}",
             f"your answer: {show(got)}, expected {show(expected)}"]
    diagnosis = diagnose(question, mistakes, v, got)
    if diagnosis:
        lines.append(f"looks like {diagnosis}")
    if question.worked is not None:
        lines.append("worked computation:")
        lines += [INDENT + line for line in question.worked(**v.params)]
    if question.hint:
        lines.append(f"hint: {question.hint}")
    return "\n".join(lines[:1] + [INDENT + line for line in lines[1:]])


def diagnose(question: Question, mistakes: list[Mistake], v: Variant, got: Any) -> str | None:
    """The first catalogued wrong answer that gives the student's answer on their variant."""
    for m in mistakes:
        if m.target != question.name or not m.diagnose:
            continue
        try:
            value = m.impl(**v.params)
            if question.compare.equal(got, tuple(value) if isinstance(value, list) else value):
                return m.description
        except Exception:  # noqa: BLE001 - a mistake that does not apply to this variant explains nothing
            continue
    return None


def answers_toml(student: str, values: dict[ExerciseConfig, Any]) -> str:
    """An answers file holding ``values`` (question -> answer), as a student would write it."""
    tables: dict[str, list[str]] = {}
    for cfg, value in values.items():
        table, name = key(cfg).rsplit(".", 1)
        tables.setdefault(table, []).append(f"{name} = {show(tuple(value) if isinstance(value, list) else value)}")
    lines = [f'student = "{student}"', ""]
    for table, rows in tables.items():
        lines += [f"[{table}]", *rows, ""]
    return "\n".join(lines)


def answer_value(text: str) -> tuple[bool, Any]:
    """``(answered, raw value)`` of an answer cell's right-hand side: TOML when it reads as TOML, else the text
    itself (so that only its question says it cannot be read); ``...`` or nothing is unanswered."""
    text = text.strip()
    if text in ("", "..."):
        return False, None
    try:
        return True, tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return True, text


def answers_from_cells(student: str, cells: list[tuple[str, str]]) -> str:
    """An answers file made of a quiz notebook's answer cells (``(question id, "name = value")``)."""
    lines = [f"student = {json.dumps(student)}"]
    for qid, cell in cells:
        answered, value = answer_value(cell.partition("=")[2])
        if not isinstance(value, (bool, int, float, str, list)):  # e.g. a TOML table: kept as the text typed
            value = cell.partition("=")[2].strip()
        if answered:
            lines.append(f"{qid.split('.', 1)[1]} = {show(tuple(value) if isinstance(value, list) else value)}")
    return "\n".join(lines) + "\n"
