"""``course selftest``: the proof that a course's graders are right, which every course gets for free.

For each exercise: the reference scores full marks; the untouched stub scores zero as ``unimplemented``; every
catalogued mistake loses points and its feedback holds the lines written beside it (and "looks like ..." when
the mistake is one the grader should name); the public checks replay from fixtures (the student bundle's mode);
grading twice gives byte-identical reports (the first catalogued mistake graded twice: when its mistake probe ran
before in the same ``Selftest``, its grading is the first of the two). A catalogued mistake is graded once per
``Selftest``, however many probes and ``outcome`` calls read it. Each of these is a ``Probe``, so that a test
runner can run them one by one (this repository's tests parametrise over ``plan``) and a failure names exactly what
broke.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .feedback import diagnoses, names_mistake
from .config import ConfigError, Course, ExerciseConfig
from .lesson import Lesson
from .mistakes import Mistake, as_submission
from .results import ExerciseResult, Report
from .runner import grade

STUDENTS = 50  # the students' variants a question's probes look at
KINDS = ("reference", "stub", "mistake", "fixtures", "variants", "determinism")  # "variants": questions only


@dataclass(frozen=True)
class Probe:
    exercise: str  # the exercise id
    kind: str  # one of KINDS
    mistake: str = ""  # the catalogued mistake's function name, for kind "mistake"

    @property
    def name(self) -> str:
        return f"{self.exercise}:{self.mistake or self.kind}"


@dataclass(frozen=True)
class Finding:
    probe: Probe
    ok: bool
    detail: str = ""  # why it failed, with the feedback that shows it


@dataclass(frozen=True)
class Outcome:
    probe: Probe
    caught: bool  # the mistake loses points
    named: bool  # its feedback says "looks like ..." or shows which layers differ (see feedback.names_mistake)
    said: tuple[str, ...] = ()  # what its feedback says it looks like (the catalogued mistakes it was taken for)


class Selftest:
    """Runs probes of one course, grading each lesson's reference and stubs once however many probes ask."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self._lessons: dict[str, Lesson] = {}
        self._graded: dict[tuple[str, str, bool], Report] = {}  # (tree, lesson, replayed from fixtures) -> report
        self._bundles: dict[str, Course | str] = {}  # lesson -> released bundle, or why it could not be released
        self._mistaken: dict[tuple[str, str], ExerciseResult | str] = {}  # (exercise, mistake) -> _submitted's
        self._tmp = tempfile.TemporaryDirectory(prefix="convgrade-selftest-")

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> Selftest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lesson(self, lesson: str) -> Lesson:
        if lesson not in self._lessons:
            self._lessons[lesson] = Lesson(self.course, lesson)
        return self._lessons[lesson]

    def plan(self, only: list[str] | None = None) -> list[Probe]:
        """Every probe of the selected exercises, in catalogue order."""
        probes = []
        for cfg in self.course.select(only):
            probes += [Probe(cfg.id, "reference"), Probe(cfg.id, "stub")]
            probes += [Probe(cfg.id, "mistake", m.impl.__name__) for m in self._mistakes(cfg)]
            probes += [Probe(cfg.id, "variants" if cfg.is_question else "fixtures"), Probe(cfg.id, "determinism")]
        return probes

    def run(self, probe: Probe) -> Finding:
        cfg = next(e for e in self.course.exercises if e.id == probe.exercise)
        check: Callable[[ExerciseConfig, Probe], str] = getattr(self, f"_{probe.kind}")
        try:
            problem = check(cfg, probe)
        except ConfigError as e:
            problem = str(e)
        return Finding(probe, not problem, problem)

    # -- the probes: each returns "" when it holds, else what is wrong ----------------------------------------
    def _reference(self, cfg: ExerciseConfig, probe: Probe) -> str:
        result = self._result("reference", cfg)
        if (result.status, result.score) == ("passed", result.max_score):
            return ""
        return (f"reference/{cfg.path} scores {result.score:g}/{result.max_score:g} ({result.status})\n"
                + _failures(result))

    def _stub(self, cfg: ExerciseConfig, probe: Probe) -> str:
        result = self._result("exercises", cfg)
        if (result.status, result.score) == ("unimplemented", 0.0):
            return ""
        return (f"exercises/{cfg.path} scores {result.score:g}/{result.max_score:g} as {result.status!r}, expected 0 "
                f"as 'unimplemented' (the stub's body should end in `raise NotImplementedError`)\n"
                + (_failures(result) or result.feedback))

    def _mistake(self, cfg: ExerciseConfig, probe: Probe) -> str:
        m, result = self._catalogued(cfg, probe.mistake)
        if isinstance(result, str):
            return result
        lines = feedback_lines(result)
        shown = "\n--- feedback was:\n" + "\n".join(lines)
        if result.score >= result.max_score:
            return f"{probe.mistake} ({m.description}) got full marks: no check catches it"
        missing = [want for want in m.feedback if want not in lines]
        if missing:
            return f"{probe.mistake}: the feedback lacks:\n" + "\n".join(missing) + shown
        if m.diagnose and f"looks like {m.description}" not in lines:
            return f"{probe.mistake}: the feedback does not say \"looks like {m.description}\"" + shown
        return ""

    def outcome(self, probe: Probe, held_out: Mistake | None = None) -> Outcome:
        """How a mistake probe's feedback fares: does a check catch the mistake, does the feedback name it.
        ``held_out``: a wrong implementation from outside the catalogue, graded the same way; it is named when
        the feedback names any catalogued mistake."""
        cfg = next(e for e in self.course.exercises if e.id == probe.exercise)
        m, result = (held_out, self._submitted(cfg, held_out, probe.mistake)) if held_out \
            else self._catalogued(cfg, probe.mistake)
        if isinstance(result, str):  # a wrong answer no student's variant tells apart
            return Outcome(probe, False, False)
        lines = feedback_lines(result)
        named = names_mistake(lines, None if held_out else m.description)
        return Outcome(probe, result.score < result.max_score, named, tuple(diagnoses(lines)))

    def _catalogued(self, cfg: ExerciseConfig, name: str) -> tuple[Mistake, ExerciseResult | str]:
        """A catalogued mistake and its ``_submitted`` grading, graded once: its mistake probe, ``outcome`` and
        (the first mistake's) the determinism probe share it."""
        m = next(m for m in self._mistakes(cfg) if m.impl.__name__ == name)
        if (cfg.id, name) not in self._mistaken:
            self._mistaken[cfg.id, name] = self._submitted(cfg, m, name)
        return m, self._mistaken[cfg.id, name]

    def _submitted(self, cfg: ExerciseConfig, m: Mistake, tag: str) -> ExerciseResult | str:
        """The mistake graded as a submission (a question's: answered by a student whose variant it gets wrong),
        or why it cannot be."""
        if cfg.is_question:
            found = self._student_fooled_by(cfg, m)
            return found if isinstance(found, str) else self._grade_answers(cfg, *found, tag)
        return self._grade_source(cfg, as_submission(self._reference_source(cfg), m), tag)

    def _fixtures(self, cfg: ExerciseConfig, probe: Probe) -> str:
        released = self._released(cfg.lesson)
        if isinstance(released, str):
            return released
        ref, stub = (next((r for r in self._report(tree, cfg.lesson, released).exercises if r.id == cfg.id), None)
                     for tree in ("reference", "exercises"))
        if ref is None or stub is None:
            return ""  # no public check: nothing to replay (course release says so)
        if ref.score != ref.max_score:
            return (f"replayed from fixtures, reference/{cfg.path} scores {ref.score:g}/{ref.max_score:g}\n"
                    + _failures(ref))
        if stub.score != 0:
            return f"replayed from fixtures, exercises/{cfg.path} scores {stub.score:g}, expected 0"
        return ""

    def _variants(self, cfg: ExerciseConfig, probe: Probe) -> str:
        from .questions import answer, variant

        lesson = self.lesson(cfg.lesson)
        question, seen = lesson.question(cfg), set()
        for i in range(STUDENTS):
            v = variant(question, cfg.id, self.course.seed, f"student{i}")
            try:
                value = answer(lesson.reference_of(cfg), question, v)
                question.compare.parse(list(value) if isinstance(value, tuple) else value)
            except Exception as e:  # noqa: BLE001 - e.g. AnswerError: a variant the reference cannot answer
                return f"variant of student{i} ({v.params}): its answer cannot be given ({type(e).__name__}: {e})"
            if isinstance(value, tuple) and any(x <= 0 for x in value if isinstance(x, int)):
                return f"variant of student{i} ({v.params}): the answer {value} has a size that is not positive"
            seen.add(json.dumps(v.params, sort_keys=True))
        if len(seen) < 2:
            return f"{STUDENTS} students all got the same variant; draw the parameters from the rng"
        return ""

    def _determinism(self, cfg: ExerciseConfig, probe: Probe) -> str:
        mistakes = self._mistakes(cfg)
        if cfg.is_question:
            runs = [self._grade_answers(cfg, "student0", {cfg: -1}, f"again{i}") for i in range(2)]
        elif mistakes:  # a failing submission: shrinking and feedback must be the same every time
            source = as_submission(self._reference_source(cfg), mistakes[0])
            first = self._mistaken.get((cfg.id, mistakes[0].impl.__name__))  # when its mistake probe ran
            first = first if isinstance(first, ExerciseResult) else self._grade_source(cfg, source, "again0")
            runs = [first, self._grade_source(cfg, source, "again1")]
        else:
            runs = [grade(self.course, self.course.root / "reference", [cfg.id]).exercises[0] for _ in range(2)]
        first, second = (json.dumps(_plain(r), sort_keys=True) for r in runs)
        return "" if first == second else "grading the same submission twice gave different reports"

    # -- helpers ------------------------------------------------------------------------------------------------
    def _mistakes(self, cfg: ExerciseConfig) -> list[Mistake]:
        return [m for m in self.lesson(cfg.lesson).mistakes if m.target == cfg.name]

    def _result(self, tree: str, cfg: ExerciseConfig) -> ExerciseResult:
        return next(r for r in self._report(tree, cfg.lesson).exercises if r.id == cfg.id)

    def _report(self, tree: str, lesson: str, released: Course | None = None) -> Report:
        """The whole lesson graded once (in a released bundle: in fixtures mode, where the exercises without a
        public check are left out)."""
        key = (tree, lesson, released is not None)
        if key not in self._graded:
            course, mode = (released, "fixtures") if released else (self.course, None)
            self._graded[key] = grade(course, self.course.root / tree, [lesson], mode=mode)
        return self._graded[key]

    def _reference_source(self, cfg: ExerciseConfig) -> str:
        return (self.course.root / "reference" / cfg.path).read_text(encoding="utf-8")

    def _grade_source(self, cfg: ExerciseConfig, source: str, tag: str) -> ExerciseResult:
        folder = Path(self._tmp.name) / f"{cfg.id}-{tag}"
        (folder / cfg.path).parent.mkdir(parents=True, exist_ok=True)
        (folder / cfg.path).write_text(source, encoding="utf-8")
        return grade(self.course, folder, [cfg.id]).exercises[0]

    def _student_fooled_by(self, cfg: ExerciseConfig, m: Mistake) -> tuple[str, dict] | str:
        """A student whose variant the mistake answers wrongly (and first of the catalogue), with its answer."""
        from .answers import diagnose
        from .questions import answer, variant

        lesson = self.lesson(cfg.lesson)
        question = lesson.question(cfg)
        for i in range(STUDENTS):
            v = variant(question, cfg.id, self.course.seed, f"student{i}")
            wrong = m.impl(**v.params)
            wrong = tuple(wrong) if isinstance(wrong, list) else wrong
            right = answer(lesson.reference_of(cfg), question, v)
            named = diagnose(question, self._mistakes(cfg), v, wrong)
            if not question.compare.equal(wrong, right) and (not m.diagnose or named == m.description):
                return f"student{i}", {cfg: wrong}
        return f"{m.impl.__name__}: equals the reference's answer on every one of {STUDENTS} students' variants"

    def _grade_answers(self, cfg: ExerciseConfig, student: str, values: dict, tag: str) -> ExerciseResult:
        from .answers import answers_path, answers_toml

        target = Path(self._tmp.name) / f"{cfg.id}-{tag}" / answers_path(cfg.assignment)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(answers_toml(student, values), encoding="utf-8")
        return grade(self.course, target.parent.parent, [cfg.id]).exercises[0]

    def _released(self, lesson: str) -> Course | str:
        """The lesson's student bundle made by ``course release``, loaded; or why it could not be released."""
        if lesson not in self._bundles:
            from . import config
            from .release import release

            out = Path(self._tmp.name) / f"bundle-{lesson}"
            try:
                self._bundles[lesson] = config.load(release(self.course, out, [lesson]).outdir)
            except ConfigError as e:
                self._bundles[lesson] = f"course release of {lesson} failed: {e}"
        return self._bundles[lesson]


def feedback_lines(result: ExerciseResult) -> list[str]:
    """Every line of an exercise's feedback, stripped: what a catalogued mistake's lines are looked up in."""
    text = "\n".join([result.feedback, *(c.feedback for c in result.checks)])
    return [line.strip() for line in text.splitlines()]


def _failures(result: ExerciseResult) -> str:
    return "\n".join(c.feedback for c in result.checks if not c.passed)


def _plain(result: ExerciseResult) -> dict:
    return {"id": result.id, "score": result.score, "status": result.status, "feedback": result.feedback,
            "checks": [[c.name, c.passed, c.points, c.feedback] for c in result.checks]}


def table(findings: list[Finding]) -> str:
    """The terminal report: a line per exercise, then what failed."""
    by_exercise: dict[str, list[Finding]] = {}
    for f in findings:
        by_exercise.setdefault(f.probe.exercise, []).append(f)
    lines = []
    for exercise, found in by_exercise.items():
        bad = [f for f in found if not f.ok]
        lines.append(f"  {'ok  ' if not bad else 'FAIL'}  {exercise:<48} {len(found) - len(bad)}/{len(found)} probes")
    failed = [f for f in findings if not f.ok]
    for f in failed:
        lines += ["", f"{f.probe.name} ({f.probe.kind})", *("    " + line for line in f.detail.splitlines())]
    passed = len(findings) - len(failed)
    lines += ["", f"{passed} of {len(findings)} probes passed" + (f"; {len(failed)} failed" if failed else "")]
    return "\n".join(lines)
