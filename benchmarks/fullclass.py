"""A class of 20 full submissions (the whole course, quizzes included): `course batch --jobs 2` throughput
against issue 15's baseline, and the same class on the cluster section's 2-worker Dask cluster (steady state)."""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convgrade import config as course_mod
from convgrade.answers import answers_path, answers_toml
from convgrade.config import ExerciseConfig
from convgrade.gradebook import Gradebook
from convgrade.questions import answer, variant
from convgrade.runner import Lesson

from .classreport import plant
from .common import ROOT, Run, Target, median, mib, table

# kind of hand-in: how many in the class (20 in all)
MIX = {"reference": 8, "mistakes": 4, "partial": 4, "stubs": 4}
GOAL = 3.0  # throughput over the baseline's, at least (issue 15, item 5)
# Issue 15's "today": BENCHMARKS.md of 079adc4 (2026-11-28), "The whole course, one submission": a whole
# submission was graded by one process, one exercise after another; CPU of the process tree per kind of hand-in.
# The stubs were not measured then: counted as free, and the quizzes did not exist (also free), so the baseline
# below is a bound the real one could not beat. A catalogued mistake is counted as the reference it is pasted in.
BASELINE_CPU = {"reference": 34.4, "mistakes": 34.4, "partial": 17.9, "stubs": 0.0}
BASELINE_SOURCE = "079adc4"


def mistakes_of(course: course_mod.Course, j: int, every: int) -> dict[str, list[str]]:
    """The ``j``-th student with mistakes: in every ``every``-th lesson (from the ``j``-th), its ``j``-th
    catalogued mistake: four or five lessons, over both weeks and the quizzes."""
    out = {}
    for lesson in course.lessons[j::every]:
        names = [m.impl.__name__ for m in Lesson(course, lesson).mistakes]
        if names:
            out[lesson] = [names[j % len(names)]]
    return out


def answer_quizzes(course: course_mod.Course, sub: Path, assignments: list[str], mistakes: dict[str, list[str]],
                   lessons: dict[str, Lesson]) -> None:
    """``answers/<assignment>.toml`` for the student ``sub.name``: the reference's answer to their variant of each
    question of ``assignments``, or the answer of a catalogued mistake ``mistakes`` names for its lesson."""
    values: dict[str, dict[ExerciseConfig, Any]] = {}
    for cfg in course.select(None):
        if cfg.is_question and cfg.assignment in assignments:
            lesson = lessons.setdefault(cfg.lesson, Lesson(course, cfg.lesson))
            question = lesson.question(cfg)
            v = variant(question, cfg.id, course.seed, sub.name)
            chosen = mistakes.get(cfg.lesson, [])
            wrong = [m for m in lesson.mistakes if m.target == cfg.name and m.impl.__name__ in chosen]
            values.setdefault(cfg.assignment, {})[cfg] = (wrong[0].impl(**v.params) if wrong else
                                                          answer(lesson.reference_of(cfg), question, v))
    for assignment, answers in values.items():
        (sub / answers_path(assignment)).parent.mkdir(parents=True, exist_ok=True)
        (sub / answers_path(assignment)).write_text(answers_toml(sub.name, answers), encoding="utf-8")


def make_full_class(folder: Path) -> Path:
    """MIX's hand-ins, each a whole submission laid out like exercises/ (quiz answers in ``answers/``: all for
    the reference and the mistakes, the first quiz's for partial, none for the stubs), each a little different."""
    course = course_mod.load(ROOT)
    quizzes = sorted({cfg.assignment for cfg in course.select(None) if cfg.is_question})
    lessons: dict[str, Lesson] = {}
    n = 0
    for kind, count in MIX.items():
        for j in range(count):
            n += 1
            sub = folder / f"s{n:02d}-{kind}"
            mistakes = mistakes_of(course, j, MIX["mistakes"]) if kind == "mistakes" else {}
            if kind == "partial":
                shutil.copytree(ROOT / "examples" / "partial", sub)
            elif kind == "stubs":
                shutil.copytree(ROOT / "exercises", sub)
            else:
                plant(course, sub, mistakes)
            answer_quizzes(course, sub, {"stubs": [], "partial": quizzes[:1]}.get(kind, quizzes), mistakes, lessons)
            with open(sub / "week1" / "padding.py", "a", encoding="utf-8") as f:
                f.write(f"# student s{n:02d}\n")
    return folder


def students() -> int:
    return sum(MIX.values())


def baseline() -> tuple[float, float]:
    """Issue 15's class: the CPU seconds of the whole class then, and the most submissions a minute `--jobs 2`
    could have graded (that CPU shared perfectly by the 2 CPUs, no start cost)."""
    cpu = sum(BASELINE_CPU[k] * n for k, n in MIX.items())
    return cpu, students() / (cpu / 2) * 60


def reports(book: Path) -> dict[str, str]:
    """Each student's JSON report in a gradebook (the graded_at time left out)."""
    with Gradebook(book, course_mod.load(ROOT)) as b:
        return {r.student: r.report for r in b.rows()}


def total_score(book: dict[str, str]) -> float:
    return sum(json.loads(r)["score"] for r in book.values() if r)


@dataclass(frozen=True)
class Turn:
    """A local run and a Dask run of the same class, one after the other."""

    load: str  # the load average before the turn
    local: Run
    dask: Run
    cluster_cpu: float  # the scheduler's, the nannies', the workers' and their sandboxes' during the Dask run

    @property
    def ratio(self) -> float:
        return self.dask.wall / self.local.wall


@dataclass(frozen=True)
class FullRuns:
    """The full class graded in halves, a turn each (the order alternates): the class's figures are sums."""

    turns: tuple[Turn, ...]
    score: float  # the whole class's points, equal both ways

    @property
    def local_wall(self) -> float:
        return sum(t.local.wall for t in self.turns)

    @property
    def dask_wall(self) -> float:
        return sum(t.dask.wall for t in self.turns)

    @property
    def local_cpu(self) -> float:
        return sum(t.local.cpu for t in self.turns)

    @property
    def dask_cpu(self) -> float:  # the client's and the cluster's
        return sum(t.dask.cpu + t.cluster_cpu for t in self.turns)

    @property
    def ratio(self) -> float:
        return median([t.ratio for t in self.turns])

    def loads(self) -> str:
        return "; ".join(t.load for t in self.turns)


def lines(full: FullRuns, short_ratio: float, short_turns: str) -> list[str]:
    n = students()
    cpu0, base = baseline()
    rate = n / full.local_wall * 60
    mix = ", ".join(f"{count} {kind}" for kind, count in MIX.items())
    rows = [[f"half {i + 1}: {'local, then Dask' if i % 2 == 0 else 'Dask, then local'}", t.load,
             f"{t.local.wall:.1f} s", f"{t.dask.wall:.1f} s", f"{t.ratio:.2f}", f"{t.local.cpu:.0f} s",
             f"{t.dask.cpu:.0f} + {t.cluster_cpu:.0f} s", mib(t.local.max_rss)] for i, t in enumerate(full.turns)]
    return [
        "### A class of full submissions: throughput, and Dask's overhead in the steady state", "",
        f"{n} whole submissions ({mix}): `reference` copies; the reference with one catalogued mistake pasted in "
        f"one lesson out of {MIX['mistakes']} (with `convgrade.mistakes.as_submission`: four or five lessons each, "
        f"over both weeks and the quizzes, where the mistake's answer is written); `examples/partial` (the first "
        f"quiz answered right, the second not); `exercises/` (the stubs, no answers). The quiz answers are each "
        f"student's own variant (`answers/QUIZ.toml`, as `course quiz --student` asks them). "
        f"`course batch HALF --jobs 2 --out NEW.sqlite` with no `--only` (code and quizzes) and the same half on "
        f"the cluster above (`--scheduler-file`; its workers are warm from the short class but not for the models' "
        f"lessons: each worker's first such submission starts its fork server with torch, as local mode does in "
        f"every run). The class is graded in two halves of {n // 2} (each with the same mix), one turn each, the "
        f"order alternating, so that each ratio compares runs of a few minutes under about the same load: the "
        f"class's figures are the two halves' sums, the ratio the median (the mean) of the two turns' "
        f"(`make bench` cannot afford more turns). The reports are the same both ways ({full.score:.4f} points for "
        f"the class). Memory: the largest peak RSS of one process of the local batch's tree (`wait4`).", "",
        *table(["turn", "load average before", "--jobs 2 wall", "Dask wall", "Dask / local", "--jobs 2 CPU",
                "Dask CPU (client + cluster)", "largest process (local)"], rows + [
            ["**the class**", "", f"{full.local_wall:.1f} s", f"{full.dask_wall:.1f} s", f"**{full.ratio:.2f}**",
             f"{full.local_cpu:.0f} s", f"{full.dask_cpu:.0f} s ({full.dask_cpu / full.local_cpu:.2f}x)", ""]]),
        *table(["", "submissions / min", "wall", "CPU per submission"], [
            ["`course batch --jobs 2`", f"**{rate:.2f}**", f"{full.local_wall:.0f} s", f"{full.local_cpu / n:.1f} s"],
            ["Dask, 2 workers", f"{n / full.dask_wall * 60:.2f}", f"{full.dask_wall:.0f} s",
             f"{full.dask_cpu / n:.1f} s"],
            [f"issue 15's baseline (a bound, from {BASELINE_SOURCE})", f"<= {base:.2f}", f">= {cpu0 / 2:.0f} s",
             f"{cpu0 / n:.1f} s"]]),
        f"The baseline: when issue 15 was filed, BENCHMARKS.md ({BASELINE_SOURCE}) measured a whole-course grade "
        f"at {BASELINE_CPU['reference']} s of CPU for `reference` and {BASELINE_CPU['partial']} s for "
        f"`examples/partial`, one process grading one exercise after another; no batch of full submissions was "
        f"measured. This class then: the reference and the mistakes at the reference's cost, the partial ones at "
        f"theirs, the stubs and the quizzes (which did not exist) free: {cpu0:.0f} s of CPU, at best shared "
        f"perfectly by `--jobs 2` on 2 CPUs: {cpu0 / 2:.0f} s, **at most {base:.2f} submissions a minute**. "
        f"The goal, {GOAL:g}x that: {GOAL * base:.1f} a minute, the class in {cpu0 / 2 / GOAL:.0f} s.", "",
        f"Which Dask figure is which: this one ({full.ratio:.2f}x) is what a long batch pays per submission (each "
        f"submission takes {full.dask_wall * 2 / n:.0f} s of a worker, so the client's fixed start, about 0.3 s "
        f"of `import distributed`, and the connection hardly count); the short class's ({short_ratio:.2f}x, "
        f"turns {short_turns}) adds those fixed costs to 4-5 s runs.", ""]


def targets(full: FullRuns, short_ratio: float, short_turns: str, dask_goal: float) -> list[Target]:
    n = students()
    cpu0, base = baseline()
    rate = n / full.local_wall * 60
    used = full.local_cpu / full.local_wall
    tp = Target(f"`course batch --jobs 2` throughput, {n} full submissions", f">= {GOAL:g}x baseline",
                f"{rate / base:.2f}x ({rate:.2f}/min, {full.local_wall:.0f} s; baseline <= {base:.2f}/min)",
                rate >= GOAL * base,
                "" if rate >= GOAL * base else
                f"{GOAL * base / rate:.2f}x short. A batch's throughput is the CPU per submission over the CPUs: "
                f"the class took {full.local_cpu:.0f} s of CPU ({full.local_cpu / n:.1f} s a submission) against "
                f"{cpu0:.0f} s counted for the baseline ({cpu0 / n:.1f} s), and --jobs 2 got {used:.2f} CPUs' "
                f"worth (load averages {full.loads()} before the turns). What shares one submission's exercises "
                "over both CPUs (issue 15's gain on one grade's wall time) cannot help a batch, which keeps both "
                "CPUs busy with two submissions already: only CPU saved per submission raises its throughput.")
    dask_met = full.ratio <= dask_goal
    over = f", over {dask_goal:.2f}x: fixed costs weigh on 4-5 s runs" if short_ratio > dask_goal else ""
    short = f"short class {short_ratio:.2f}x (median of turns {short_turns}{over})"
    dask = Target(f"Dask's overhead on {n} full submissions (2 local Dask workers vs `--jobs 2`)",
                  f"<= {dask_goal:.2f}x", f"{full.ratio:.2f}x (turns {', '.join(f'{t.ratio:.2f}' for t in full.turns)}"
                  f"); {short}", dask_met,
                  "" if dask_met else
                  f"{full.ratio / dask_goal:.2f}x over; load averages {full.loads()} on 2 CPUs before the turns; "
                  f"Dask used {full.dask_cpu / full.local_cpu:.2f}x the CPU of local mode.")
    return [tp, dask]
