"""Grade a submission: for each exercise, run its checks (``checkrun``: hypothesis-driven) against the sandboxed
code, and assemble the report.

Deterministic by construction: each check's cases follow from course.toml's seed and the check's id
(``checkrun``); the report holds no times and no paths, and is the same whatever the number of processes
(``parallel``) and whether the cases were recorded before (``drawcache``).
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

from . import drawcache, hints, parallel, refcache
from .checkrun import run_check
from .checks import Check, CheckFailed, Exercise
from .student import Context, Fatal
from .config import ConfigError, Course, ExerciseConfig
from .feedback import describe_case, failure_text
from .lesson import Lesson
from .mistakes import Mistake, diagnose
from .operations import WorkerOps, requirements
from .points import add, shares
from .results import CheckResult, ExerciseResult, Report
from .sandbox import Box, Limits, Sandbox


def _feedback(fn: str, failed: CheckFailed, check: Check, mistakes: list[Mistake]) -> str:
    label = "failing input (the course's worked example)" if failed.explicit else "smallest failing input"
    diagnosis = diagnose(mistakes, failed.calls) if failed.kind in ("values", "shape", "type", "dtype") else None
    hint = None if failed.kind == "unimplemented" else failed.hint or check.hint
    return failure_text(fn, failed.what, case_lines=describe_case(failed.case, label), details=failed.details,
                        diagnosis=diagnosis, traceback=failed.traceback, output=failed.output, hint=hint)


def public_first(checks: list[Check]) -> list[Check]:
    """Public checks first, then the hidden ones, each in declaration order (as the notebooks run them)."""
    return sorted(checks, key=lambda c: not c.public)


def max_points(cfg: ExerciseConfig, spec: Exercise) -> dict[str, float]:
    """What each check is worth: the exercise's points shared by the checks' weights, adding up exactly."""
    return dict(zip((c.name for c in spec.checks), shares(cfg.points, [c.points for c in spec.checks])))


def grade_exercise(cfg: ExerciseConfig, lesson: Lesson, sandbox: Box, course_seed: int,
                   public: bool | None = None, figures: bool = False) -> ExerciseResult:
    """Run the exercise's checks (only the public or hidden ones when ``public`` says so); with ``figures``,
    also the exercise's figure hook, for the HTML report."""
    with refcache.answering(lesson.root, cfg.lesson, lesson.reference):
        return _grade_exercise(cfg, lesson, sandbox, course_seed, public, figures)


def _grade_exercise(cfg: ExerciseConfig, lesson: Lesson, sandbox: Box, course_seed: int, public: bool | None,
                    figures: bool) -> ExerciseResult:
    spec = lesson.exercise(cfg)
    ctx = Context(sandbox, cfg, spec.needs)
    results: list[CheckResult] = []
    kinds: list[str] = []
    checks = [c for c in public_first(spec.checks) if public is None or c.public == public]
    worth = max_points(cfg, spec)
    draws = drawcache.for_course(lesson.root)
    for check in checks:
        try:
            failed = run_check(check, cfg, ctx, lesson.reference, course_seed, draws)
        except Fatal as fatal:
            return _fatal(cfg, spec, checks, results, fatal)
        except Exception as e:  # noqa: BLE001 - a value no check foresaw: this exercise only, never the report
            return _fatal(cfg, spec, checks, results,
                          Fatal("error", f"the grader could not check this answer ({type(e).__name__}: "
                                         f"{str(e)[:200]}); please tell your instructor"))
        if failed is None:
            results.append(CheckResult(check.name, True, worth[check.name], worth[check.name], "", check.public))
            continue
        kinds.append(failed.kind)
        results.append(CheckResult(check.name, False, 0.0, worth[check.name],
                                   _feedback(cfg.name, failed, check, lesson.mistakes), check.public, failed.arrays))
    score = add(r.points for r in results)
    passed = sum(r.passed for r in results)
    if kinds and len(kinds) == len(results) and all(k == "unimplemented" for k in kinds):
        status, summary = "unimplemented", (f"not implemented yet: replace `raise NotImplementedError` in "
                                            f"{cfg.name} ({cfg.path}) with your code")
    else:
        status = "passed" if passed == len(results) else "partial" if score > 0 else "failed"
        summary = f"{passed} of {len(results)} checks passed"
    max_score = cfg.points if public is None else add(r.max_points for r in results)
    drawn = _figure(spec, ctx, lesson.reference) if figures and status != "unimplemented" else None
    return ExerciseResult(cfg.id, cfg.title, score if status != "unimplemented" else 0.0, max_score, status,
                          summary, tuple(results), drawn)


def _figure(spec: Exercise, ctx: Context, ref: ModuleType) -> dict | None:
    """The exercise's pictures for the HTML report; none when the student's code cannot make them."""
    if spec.figure is None or ref is None:
        return None
    ctx.begin_example()
    try:
        return spec.figure(ctx.st, ref)
    except (CheckFailed, Fatal):
        return None
    except Exception:  # noqa: BLE001 - a picture that cannot be drawn must not cost the report
        return None


def _fatal(cfg: ExerciseConfig, spec: Exercise, checks: list[Check], done: list[CheckResult],
           fatal: Fatal) -> ExerciseResult:
    text = failure_text(cfg.name, fatal.message, case_lines=[], details=[], diagnosis=None,
                        traceback=fatal.traceback, output=fatal.output, hint=None)
    results = [CheckResult(r.name, r.passed, 0.0, r.max_points, r.feedback, r.public) for r in done]
    worth = max_points(cfg, spec)
    for i, check in enumerate(checks[len(done):]):
        results.append(CheckResult(check.name, False, 0.0, worth[check.name], text if i == 0 else "not run",
                                   check.public))
    max_score = add(r.max_points for r in results) if len(checks) < len(spec.checks) else cfg.points
    return ExerciseResult(cfg.id, cfg.title, 0.0, max_score, fatal.status, text, tuple(results))


def course_mode(course: Course) -> str:
    """``reference`` in the instructor's checkout; ``fixtures`` in a student bundle (fixtures/, no reference/)."""
    if not (course.root / "reference").is_dir() and (course.root / "fixtures").is_dir():
        return "fixtures"
    return "reference"


def trusted_side(mode: str) -> Callable[[Course, str], Lesson]:
    """What builds a lesson's trusted side: its reference, or its recorded fixtures in a student bundle."""
    from .fixtures import ReplayLesson

    return ReplayLesson if mode == "fixtures" else Lesson


def grade(course: Course, submission: Path, only: list[str] | None = None,
          broken: dict[str, str] | None = None, figures: bool = False, mode: str | None = None,
          make_lesson: Callable[[Course, str], Lesson] | None = None, student: str | None = None,
          jobs: int = 1) -> Report:
    """Grade the submission folder (laid out like exercises/) on the selected exercises; lessons in
    ``broken`` (lesson -> message, e.g. a corrupt notebook) score 0 with that message.

    ``mode`` ``reference`` runs every check against the reference; ``fixtures`` runs only the public checks,
    with answers replayed from fixtures/ (exercises without public checks are left out). By default, the
    mode the course folder allows (``course_mode``). ``make_lesson`` builds each lesson's trusted side.
    Questions are graded from the submission's answers files on ``student``'s variant (``convgrade.answers``),
    with no sandbox; in fixtures mode (a student bundle) they are left to the instructor. With ``jobs`` > 1
    and more than one lesson to grade, lessons are graded in that many processes (``convgrade.parallel``;
    not with a ``make_lesson`` of the caller's) when that saves time: the same report, sooner."""
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "convgrade-hypothesis"))
    mode = mode or course_mode(course)
    custom = make_lesson is not None  # a callable of the caller's: not for spawned processes
    make_lesson = make_lesson or trusted_side(mode)
    public = True if mode == "fixtures" else None
    broken = broken or {}
    lessons: dict[str, Lesson] = {}
    exercises, questions = [], []
    for cfg in course.select(only):  # every grader and reference is there before any student code runs
        if cfg.is_question:  # no student code: the trusted side only, whatever make_lesson would build
            if mode != "fixtures":
                if cfg.lesson not in lessons:
                    lessons[cfg.lesson] = Lesson(course, cfg.lesson)
                questions.append(cfg)
            continue
        if cfg.lesson not in lessons:
            lessons[cfg.lesson] = make_lesson(course, cfg.lesson)
        spec = lessons[cfg.lesson].exercise(cfg)
        if public is None or any(c.public for c in spec.checks):
            exercises.append((cfg, spec))
    results = {cfg.id: _question(course, cfg, lessons[cfg.lesson], submission, student) for cfg in questions}
    isolation = "none"  # no student code runs for a question
    if exercises:
        for cfg, spec in exercises:
            if cfg.lesson in broken:
                max_score = cfg.points if public is None else _public_points(cfg, spec)
                results[cfg.id] = ExerciseResult(cfg.id, cfg.title, 0.0, max_score, "error",
                                                 f"{cfg.name}: {broken[cfg.lesson]}")
        todo = [(cfg, spec) for cfg, spec in exercises if cfg.lesson not in broken]
        preload = requirements(_lesson_needs(course, lessons, [cfg for cfg, _ in exercises]))[0]
        operations = requirements(need for _, spec in exercises for need in spec.needs)[1]
        work = parallel.Work(submission, tuple(cfg.id for cfg, _ in todo), mode, figures, preload, operations)
        by_lesson = {lesson: requirements(_lesson_needs(course, lessons, [cfg]))[0]
                     for lesson, cfg in {cfg.lesson: cfg for cfg, _ in exercises}.items()}  # once per lesson
        hints.remember(course.root, {cfg.id: (by_lesson[cfg.lesson], requirements(spec.needs)[1])
                                     for cfg, spec in exercises})
        order = [] if custom or jobs < 2 else parallel.spread(todo, jobs, hints.timed(course.root, work.ids))
        if order:
            graded, isolation = parallel.grade(course, work, order, jobs, grade_lesson, parallel.alone(todo),
                                               parallel.big(todo))
        else:
            graded, isolation = grade_code(course, work, [(cfg, lessons[cfg.lesson]) for cfg, _ in todo])
        results.update(graded)
    ordered = tuple(results[cfg.id] for cfg in course.select(only) if cfg.id in results)
    return Report(course.name, mode, isolation, ordered)


def _lesson_needs(course: Course, lessons: dict[str, Lesson], chosen: list[ExerciseConfig]) -> Iterator[WorkerOps]:
    """What every code exercise of the chosen exercises' lessons needs: a worker imports the student's whole lesson
    file, which imports what any of its exercises needs (torch, in a lesson that has a module to write). Its fork
    server then preloads those modules once, as when the whole course is graded, instead of every worker for a
    numpy exercise of that lesson importing torch itself (1.5 s of CPU a worker, as long as grading a failing
    exercise). Only the modules: the operation files stay the chosen exercises' own (torch's warms up torch in
    the fork server, another 1.5 s that a numpy exercise has no use for)."""
    for name in dict.fromkeys(cfg.lesson for cfg in chosen):
        for cfg in course.select([name]):
            if not cfg.is_question:
                try:
                    yield from lessons[name].spec(cfg).needs
                except ConfigError:  # an exercise not graded here: its grader's error is for when it is
                    pass


def grade_code(course: Course, work: parallel.Work, todo: list[tuple[ExerciseConfig, Lesson]],
               seconds: dict[str, float] | None = None) -> parallel.Graded:
    """The code exercises ``todo`` graded here, in one sandbox; and the isolation level it proved. ``seconds``, if
    given, gets how long each exercise took (wall time, once the sandbox is up)."""
    with Sandbox(work.submission, Limits(), preload=work.preload, operations=work.operations,
                 hide=(course.root,)) as sandbox:
        results = {}
        for cfg, lesson in todo:
            start = time.perf_counter()
            spec = lesson.exercise(cfg)
            if spec.memory > parallel.ALONE:  # a large model next: give the system back what this process freed
                parallel.give_back_memory()
            sandbox.set_memory(cfg.memory)
            sandbox.set_needs(*requirements(spec.needs))
            results[cfg.id] = grade_exercise(cfg, lesson, sandbox, course.seed,
                                             public=True if work.mode == "fixtures" else None, figures=work.figures)
            if seconds is not None:
                seconds[cfg.id] = time.perf_counter() - start
        return results, sandbox.isolation


def grade_lesson(course: Course, work: parallel.Work, lesson: str) -> parallel.Graded:
    """One lesson's exercises of ``work``, graded in this process (one of ``convgrade.parallel``'s); how long each
    took is remembered for the next grade's schedule (``hints.clock``)."""
    trusted = trusted_side(work.mode)(course, lesson)
    seconds: dict[str, float] = {}
    graded = grade_code(course, work, [(cfg, trusted) for cfg in course.select([lesson]) if cfg.id in work.ids],
                        seconds)
    hints.clock(course.root, lesson, seconds)
    return graded


def _question(course: Course, cfg: ExerciseConfig, lesson: Lesson, submission: Path,
              student: str | None) -> ExerciseResult:
    from .answers import grade_question, read_answers

    return grade_question(cfg, lesson.question(cfg), lesson.reference_of(cfg), lesson.mistakes,
                          read_answers(submission, cfg.assignment, course), student, course.seed)


def _public_points(cfg: ExerciseConfig, spec: Exercise) -> float:
    worth = max_points(cfg, spec)
    return add(worth[c.name] for c in spec.checks if c.public)
