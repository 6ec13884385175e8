"""`course gradebook report`: the class report of a synthetic 2,000-student gradebook, made from a few real
reports (the reference, the stubs, examples/partial, catalogued mistakes) mixed exercise by exercise."""
from __future__ import annotations

import json
import random
import shutil
from dataclasses import astuple, fields
from pathlib import Path

from convgrade import config as course_mod
from convgrade.gradebook import Gradebook, Row, graded_row
from convgrade.mistakes import as_submission
from convgrade.runner import Lesson

from .common import BIN, ROOT, Section, Target, loadavg, median, mib, run, scratch, table

STUDENTS = 2000
GOAL = 5.0  # seconds
REPEATS = 3
MISTAKES = {  # lesson: catalogued mistakes pasted into the reference (a template student)
    "week1.edges": ["vertical_edge_kernel_transposed", "edge_magnitude_abs_sum"],
    "week1.padding": ["conv_output_size_no_stride"],
    "week1.convolution": ["conv_forward_no_bias"],
    "week1.pooling": ["pool_forward_no_stride"],
}


def plant(course: course_mod.Course, folder: Path, mistakes: dict[str, list[str]], source: Path | None = None,
          lessons: list[str] | None = None) -> Path:
    """``folder`` laid out like exercises/: the lessons of ``source`` (default the reference; every lesson, or
    ``lessons``) with the named catalogued mistakes pasted in."""
    source = source or course.root / "reference"
    for lesson in lessons or course.lessons:
        rel = Path(*lesson.split(".")).with_suffix(".py")
        text = (source / rel).read_text(encoding="utf-8")
        catalogue = {m.impl.__name__: m for m in Lesson(course, lesson).mistakes}
        for name in mistakes.get(lesson, []):
            text = as_submission(text, catalogue[name])
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


def templates(course: course_mod.Course, tmp: Path) -> list[dict]:
    """Real whole-course reports, graded by `course batch`: the reference, the stubs, examples/partial and the
    reference with MISTAKES."""
    klass = tmp / "templates"
    plant(course, klass / "reference", {})
    plant(course, klass / "mistakes", MISTAKES)
    shutil.copytree(ROOT / "exercises", klass / "stubs")
    shutil.copytree(ROOT / "examples" / "partial", klass / "partial")
    run([str(BIN / "course"), "--course", str(ROOT), "batch", str(klass), "--jobs", "2", "--out",
         str(tmp / "templates.sqlite")])
    with Gradebook(tmp / "templates.sqlite", course) as book:
        return [json.loads(r.report) for r in book.rows() if r.report]


def synthesize(path: Path, course: course_mod.Course, reports: list[dict], students: int, seed: int = 0) -> None:
    """A gradebook of ``students`` rows, in one transaction. Each student follows one of the reports, with a
    third of their exercise results taken from the others at random; about 1 in 100 could not be graded."""
    ids = [e["id"] for e in reports[0]["exercises"]]
    if any([e["id"] for e in r["exercises"]] != ids for r in reports):
        raise ValueError("the reports grade different exercises; grade them all with the same --only")
    rng = random.Random(seed)

    def rows():  # made one at a time: 2,000 whole-course reports are 150 MB of JSON
        for i in range(students):
            student, digest = f"student{i:05d}", f"{i:064x}"
            if rng.random() < 0.01:
                yield Row(student, f"class/{student}", digest, course.version, "", "ungradable",
                          reason="the folder is empty")
                continue
            base = rng.choice(reports)
            exercises = [(base if rng.random() < 2 / 3 else rng.choice(reports))["exercises"][j]
                         for j in range(len(ids))]
            data = {**base, "student": student, "exercises": exercises,
                    "score": round(sum(e["score"] for e in exercises), 4),
                    "max_score": round(sum(e["max_score"] for e in exercises), 4)}
            yield graded_row(student, f"class/{student}", digest, data)

    with Gradebook(path, course) as book:
        book.db.execute("BEGIN")
        book.db.executemany(f"INSERT OR REPLACE INTO results VALUES ({', '.join('?' * len(fields(Row)))})",
                            map(astuple, rows()))
        book.db.execute("COMMIT")


def bench() -> Section:
    section = Section("`course gradebook report`: the class report of 2,000 students", load=loadavg())
    course = course_mod.load(ROOT)
    tmp = scratch("classreport-")
    reports = templates(course, tmp)
    size = {}
    for n in (200, STUDENTS):
        synthesize(tmp / f"class-{n}.sqlite", course, reports, n)
        size[n] = (tmp / f"class-{n}.sqlite").stat().st_size

    def report(n: int):
        return run([str(BIN / "course"), "--course", str(ROOT), "gradebook", "report", "--out",
                    str(tmp / f"class-{n}.sqlite"), "--html", str(tmp / f"class-{n}.html"), "--markdown",
                    str(tmp / f"class-{n}.md")])

    runs: dict[int, list] = {200: [], STUDENTS: []}
    for _ in range(REPEATS):
        for n in runs:
            runs[n].append(report(n))
    wall = {n: median([r.wall for r in rs]) for n, rs in runs.items()}
    cpu = {n: median([r.cpu for r in rs]) for n, rs in runs.items()}
    rss = {n: max(r.max_rss for r in rs) for n, rs in runs.items()}
    page = (tmp / f"class-{STUDENTS}.html").stat().st_size
    section.lines += [
        f"`course gradebook report --out GRADEBOOK --html PAGE --markdown PAGE.md` on synthetic gradebooks: each "
        f"student's exercise results drawn at random from {len(reports)} real whole-course reports graded by "
        "`course batch` (the reference, the stubs, `examples/partial`, the reference with catalogued mistakes "
        "pasted in), about 1 in 100 a submission that could not be graded. The whole command, interpreter start "
        f"included; {REPEATS} runs each, in turns. Peak RSS is the command's (from `wait4`).", "",
        *table(["students", "gradebook", "wall (median)", "CPU (median)", "runs (wall)", "peak RSS"], [
            [f"{n:,}", mib(size[n]), f"**{wall[n]:.2f} s**" if n == STUDENTS else f"{wall[n]:.2f} s",
             f"{cpu[n]:.2f} s", ", ".join(f"{r.wall:.2f}" for r in runs[n]), mib(rss[n])] for n in runs]),
        f"The page for {STUDENTS:,} students is {page / 1024:.0f} KiB. Memory: rows are streamed from SQLite and "
        f"tallied per exercise, check and mistake, so {STUDENTS // 200}x the students costs "
        f"{rss[STUDENTS] / rss[200]:.2f}x the peak RSS.", ""]
    section.targets.append(Target(f"class report of {STUDENTS:,} students (`course gradebook report`)",
                                  f"< {GOAL:g} s", f"{wall[STUDENTS]:.2f} s, peak RSS {mib(rss[STUDENTS])} "
                                  f"({mib(rss[200])} for 200)", wall[STUDENTS] < GOAL,
                                  "" if wall[STUDENTS] < GOAL else
                                  f"{wall[STUDENTS] / GOAL:.2f}x over, at load average {section.load} on "
                                  f"2 CPUs: the command used {cpu[STUDENTS]:.2f} s of CPU, "
                                  f"{cpu[STUDENTS] / wall[STUDENTS]:.0%} of its wall time; the rest it waited "
                                  "for a CPU."))
    return section
