"""`course batch`: a class of 20 submissions graded by one process, then by two."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .common import BIN, ROOT, Run, Section, Target, autogroup, loadavg, median, run, run_together, scratch, table

STUDENTS = 20
LESSONS = ("padding", "pooling")  # four exercises of small numpy checks: about a second per submission
ONLY = tuple(f"week1.{lesson}" for lesson in LESSONS)  # the batch's --only flags
REPEATS = 2  # of each configuration, in turns


def make_class(folder: Path, students: int) -> Path:
    """Copies of the reference's lesson files, each a little different (as hand-ins are)."""
    for i in range(1, students + 1):
        for lesson in LESSONS:
            path = folder / f"s{i:02d}" / "week1" / f"{lesson}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text((ROOT / "reference" / "week1" / f"{lesson}.py").read_text() + f"# student s{i:02d}\n")
    return folder


def halves(klass: Path, tmp: Path) -> list[Path]:
    out = [tmp / "half-a", tmp / "half-b"]
    for i, sub in enumerate(sorted(klass.iterdir())):
        shutil.copytree(sub, out[i % 2] / sub.name)
    return out


def command(klass: Path, jobs: int, out: Path, only: tuple[str, ...] = ONLY) -> list[str]:
    """`course batch`, by default of LESSONS only (``only=()``: the whole course)."""
    flags = [x for lesson in only for x in ("--only", lesson)]
    return [str(BIN / "course"), "--course", str(ROOT), "batch", str(klass), "--jobs", str(jobs), "--out", str(out),
            *flags]


def batch(klass: Path, jobs: int, out: Path, students: int = STUDENTS) -> Run:
    r = run(command(klass, jobs, out))
    if f"{students} graded" not in r.stdout:
        raise RuntimeError(f"course batch did not grade every submission: {r.stdout[-500:]}")
    return r


def bench() -> Section:
    section = Section("`course batch`: one grading process vs two", load=loadavg())
    tmp = scratch("batch-")
    klass, one = make_class(tmp / "class", STUDENTS), make_class(tmp / "one", 1)
    parts = halves(klass, tmp)
    runs: dict[int, list[Run]] = {1: [], 2: []}
    split: list[tuple[float, float]] = []
    single = [batch(one, 1, tmp / "gradebook-one.sqlite", students=1)]
    for i in range(REPEATS):
        for jobs in (1, 2):
            runs[jobs].append(batch(klass, jobs, tmp / f"gradebook-{jobs}-{i}.sqlite"))  # a new gradebook: no skips
        split.append(run_together([command(p, 1, tmp / f"gradebook-{p.name}-{i}.sqlite") for p in parts],
                                  new_session=True))
    wall = {j: median([r.wall for r in rs]) for j, rs in runs.items()}
    cpu = {j: median([r.cpu for r in rs]) for j, rs in runs.items()}
    wall["split"], cpu["split"] = median([w for w, _ in split]), median([c for _, c in split])
    speedup, split_speedup = wall[1] / wall[2], wall[1] / wall["split"]
    cpus = len(os.sched_getaffinity(0))
    util = {k: cpu[k] / wall[k] for k in wall}  # CPUs' worth of time each configuration got, on average
    gain, growth = util[2] / util[1], cpu[2] / cpu[1]
    # wall(n submissions, one process) = start + n * each: the start is paid once per process, in parallel
    each = (wall[1] - median([r.wall for r in single])) / (STUDENTS - 1)
    start = median([r.wall for r in single]) - each
    bound = wall[1] / (start + each * STUDENTS / 2)  # --jobs 2 with the submissions perfectly shared
    section.lines += [
        f"`course batch CLASS --jobs N --out NEW.sqlite --only week1.padding --only week1.pooling` on {STUDENTS} "
        f"copies of the reference's `week1/padding.py` and `week1/pooling.py` (4 exercises each), a new gradebook "
        f"every run; this machine has {cpus} CPUs and "
        f"`kernel.sched_autogroup_enabled` is {int(autogroup())}. For comparison, the same class split in two "
        f"halves graded by two `course batch --jobs 1` at once, each started in a session of its own (`setsid`). "
        f"The three configurations in turns, {REPEATS} runs each.", "",
        *table(["", "wall (median)", "CPU of the tree (median)", "CPUs' worth used", "runs (wall)"], [
            ["--jobs 1", f"{wall[1]:.1f} s", f"{cpu[1]:.1f} s", f"{util[1]:.2f}",
             ", ".join(f"{r.wall:.1f}" for r in runs[1])],
            ["--jobs 2", f"{wall[2]:.1f} s", f"{cpu[2]:.1f} s", f"{util[2]:.2f}",
             ", ".join(f"{r.wall:.1f}" for r in runs[2])],
            ["2 x --jobs 1 on halves, own sessions", f"{wall['split']:.1f} s", f"{cpu['split']:.1f} s",
             f"{util['split']:.2f}", ", ".join(f"{w:.1f}" for w, _ in split)],
            ["**speedup** --jobs 1 / --jobs 2", f"**{speedup:.2f}x**", "", "", ""],
            ["speedup --jobs 1 / two in own sessions", f"{split_speedup:.2f}x", "", "", ""]]),
        f"wall = CPU / CPUs' worth used, so speedup = (CPUs' worth used, --jobs 2 / --jobs 1: {gain:.2f}) / "
        f"(CPU grew: {growth:.2f}x) = {speedup:.2f}x. A batch of one submission takes "
        f"{single[0].wall:.1f} s (one run): from the two, a batch costs {start:.1f} s to start (the command's "
        f"interpreter and imports, a grading process forked from it, its zygote) and {each:.2f} s per submission, "
        f"so two processes sharing the submissions perfectly would be at most {bound:.2f}x faster.",
        ""]
    why = [f"{1.8 / speedup:.2f}x short. speedup = {gain:.2f} (CPU time per second two processes got, relative to "
           f"one) / {growth:.2f} (CPU the same 20 submissions cost, relative to one)."]
    if util[2] < 1.8:
        why.append(f"The machine was busy (load average {section.load} on {cpus} CPUs), so CPU time is what is "
                   f"short: --jobs 2 got {util[2]:.2f} CPUs' worth, --jobs 1 {util[1]:.2f}.")
        if autogroup() and split_speedup > 1.2 * speedup:
            why.append(f"Autogroup scheduling is on: the kernel shares CPU time between sessions first, and the "
                       f"other sessions on this machine take their share. The same 20 submissions graded by two "
                       f"separate batches took {wall['split']:.1f} s, a {split_speedup:.2f}x speedup over --jobs 1 "
                       f"on the same busy machine, against {speedup:.2f}x for --jobs 2.")
    if bound < 1.9:
        why.append(f"The start is paid in full by both: {start:.1f} s against {each:.2f} s per submission caps "
                   f"--jobs 2 at {bound:.2f}x for {STUDENTS} submissions (a bigger class raises the cap).")
    if growth > 1.05:
        why.append(f"The work grew {growth:.2f}x with two processes: the second grading process repeats the start "
                   f"(up to {start:.1f} s, {start / cpu[1]:.0%} of --jobs 1's CPU), and two processes share the "
                   "caches and memory bandwidth.")
    section.targets.append(Target("2 grading processes vs 1 (`course batch --jobs`)", ">= 1.8x",
                                  f"{speedup:.2f}x ({wall[1]:.1f} s vs {wall[2]:.1f} s)", speedup >= 1.8,
                                  "" if speedup >= 1.8 else " ".join(why)))
    return section
