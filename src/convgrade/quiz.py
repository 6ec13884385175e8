"""``course quiz ASSIGNMENT --student ID``: one student's variant of an assignment's questions.

It writes ``<assignment>-<student>.md`` (the questions with the student's numbers), ``<assignment>-<student>.ipynb``
(the same, an answer cell per question) and ``answers/<assignment>.toml`` (the file ``course grade`` reads, with
every answer left blank). Nothing written holds an answer or a way to compute one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .answers import answers_path, key
from .config import ConfigError, Course, ExerciseConfig
from .lesson import Lesson, load_file
from .questions import Question, Variant, prompt, variant

SAFE = re.compile(r"^[A-Za-z0-9_.@+-]+$")  # a student id that is also a file name and a TOML string


@dataclass(frozen=True)
class Item:
    """One question of a student's quiz: its entry, declaration, variant and text."""

    cfg: ExerciseConfig
    question: Question
    variant: Variant
    text: str


def items(course: Course, assignment: str, student: str) -> list[Item]:
    """The assignment's questions for ``student``, in course.toml's order."""
    if assignment not in course.assignments:
        raise ConfigError(f"quiz {assignment}: no such assignment; one of {', '.join(course.assignments)}")
    if not SAFE.match(student):
        raise ConfigError(f"--student {student!r}: use letters, digits and . _ @ + - only")
    chosen = [e for e in course.exercises if e.assignment == assignment and e.is_question]
    if not chosen:
        raise ConfigError(f"quiz {assignment}: the assignment has no questions (kind = \"question\" in course.toml)")
    out, lessons = [], {}
    for cfg in chosen:
        lesson = lessons.setdefault(cfg.lesson, Lesson(course, cfg.lesson))
        question = lesson.question(cfg)
        stubs = load_file(course.root / "exercises" / cfg.path, f"_convgrade_prompts_{cfg.lesson.replace('.', '_')}")
        stub = getattr(stubs, cfg.name, None) if stubs else None
        if stub is None:
            raise ConfigError(f"exercises/{cfg.path}: no {cfg.name}; a question's prompt is its docstring there")
        v = variant(question, cfg.id, course.seed, student)
        out.append(Item(cfg, question, v, prompt(stub, v)))
    return out


def markdown(course: Course, assignment: str, student: str, quiz: list[Item]) -> str:
    lines = [f"# {course.assignments[assignment]}", "",
             f"Your variant, {student}: your numbers differ from your classmates'. Write each answer in "
             f"`{answers_path(assignment)}` and run `course grade --student {student}`.", ""]
    for i, item in enumerate(quiz, 1):
        points = f"{item.cfg.points:g} point{'s' * (item.cfg.points != 1)}"
        lines += [f"## {i}. {item.cfg.title} ({points})", "", item.text, "",
                  f"Answer: `{key(item.cfg)}` = {item.question.compare.describe()}.", ""]
    return "\n".join(lines)


def answers_template(assignment: str, student: str, quiz: list[Item]) -> str:
    lines = [f"# {assignment}: the answers of {student}; fill in each value (a number, [a, b, c] or \"text\")",
             f'student = "{student}"', ""]
    tables: dict[str, list[str]] = {}
    for item in quiz:
        table, name = key(item.cfg).rsplit(".", 1)
        tables.setdefault(table, []).append(f"# {name} = {item.question.compare.describe()}")
    for table, rows in tables.items():
        lines += [f"[{table}]", *rows, ""]
    return "\n".join(lines)


def write(course: Course, assignment: str, student: str, outdir: Path) -> list[Path]:
    """Write the student's quiz (Markdown, notebook) and blank answers file into ``outdir``."""
    quiz = items(course, assignment, student)
    outdir.mkdir(parents=True, exist_ok=True)
    md = outdir / f"{assignment}-{student}.md"
    md.write_text(markdown(course, assignment, student, quiz), encoding="utf-8")
    answers = outdir / answers_path(assignment)
    answers.parent.mkdir(parents=True, exist_ok=True)
    if not answers.exists():  # never overwrite a student's answers
        answers.write_text(answers_template(assignment, student, quiz), encoding="utf-8")
    nb = outdir / f"{assignment}-{student}.ipynb"
    nb.write_text(notebook(course, assignment, student, quiz), encoding="utf-8")
    return [md, nb, answers]


def notebook(course: Course, assignment: str, student: str, quiz: list[Item]) -> str:
    """The quiz as a notebook: a Markdown cell per question, then its answer cell (``key = value`` in TOML)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["convgrade"] = {"assignment": assignment, "student": student}
    nb.cells.append(nbformat.v4.new_markdown_cell(
        f"# {course.assignments[assignment]}\n\nYour variant, {student}. Replace each `...` with your answer."))
    for i, item in enumerate(quiz, 1):
        nb.cells.append(nbformat.v4.new_markdown_cell(f"## {i}. {item.cfg.title}\n\n{item.text}\n\n"
                                                      f"Answer with {item.question.compare.describe()}."))
        cell = nbformat.v4.new_raw_cell(f"{key(item.cfg)} = ...")
        cell.metadata["convgrade"] = {"answer": item.cfg.id}
        nb.cells.append(cell)
    return nbformat.writes(nb)
