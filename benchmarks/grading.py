"""Grading one submission: the whole course, `course grade` vs `nbgrader autograde` on the same checks, memory."""
from __future__ import annotations

import cProfile
import csv
import json
import os
import pstats
import time
from pathlib import Path

from .common import BIN, ROOT, Run, Section, Target, loadavg, median, mib, run, scratch, table, us

NB_LESSONS = ("edges", "padding", "convolution", "pooling", "backprop")  # week 1 without convnet (see notes)
NB_PAIRS = 2  # nbgrader autograde and course grade, in turns
PROFILED = ("week1.convolution", "week1.pooling")  # graded in this process under cProfile
PROBE = """\
import json, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1"),
                                     nbformat.v4.new_code_cell("import graders.notebook, graders.runner")])
client = NotebookClient(nb, kernel_name="python3")
start = time.perf_counter()
with client.setup_kernel():
    client.execute_cell(nb.cells[0], 0)
    ready = time.perf_counter()
    client.execute_cell(nb.cells[1], 1)
    done = time.perf_counter()
print(json.dumps({"kernel": ready - start, "imports": done - ready}))
"""


def submission_partial() -> tuple[Path, str]:
    """examples/partial/ when it holds lesson files, else exercises/ (and a note saying so)."""
    partial = ROOT / "examples" / "partial"
    if any(partial.glob("**/*.py")):
        return partial, "examples/partial"
    return ROOT / "exercises", "exercises/ (examples/partial/ has no lesson files yet)"


def grade(submission: Path, only: tuple[str, ...] = (), memory: bool = False, cwd: Path = ROOT,
          env: dict | None = None) -> tuple[Run, dict]:
    out = scratch("report-") / "report.json"
    flags = [x for o in only for x in ("--only", o)]
    r = run([str(BIN / "course"), "--course", str(ROOT), "grade", str(submission), *flags, "--json", str(out)],
            cwd=cwd, env=env, memory=memory)
    return r, json.loads(out.read_text())


def jupyter_env(home: Path) -> dict:
    """Jupyter's state in ``home`` (nothing read from or written to the user's), the venv first on PATH."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
            "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def nbgrader_course(tmp: Path, env: dict) -> Path:
    """`course nbgrader build`, `nbgrader generate_assignment`, and one student (ada) handing in the
    released notebooks of NB_LESSONS with the reference's solutions filled in."""
    import nbformat

    out = tmp / "nbcourse"
    run([str(BIN / "course"), "--course", str(ROOT), "nbgrader", "build", str(out), "--assignment", "week1"],
        cwd=tmp, env=env)
    run([str(BIN / "nbgrader"), "generate_assignment", "week1", "--force"], cwd=out, env=env)
    for lesson in NB_LESSONS:
        source = nbformat.read(str(out / "source" / "week1" / f"{lesson}.ipynb"), 4)
        solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                     if c.metadata.get("nbgrader", {}).get("solution")}
        nb = nbformat.read(str(out / "release" / "week1" / f"{lesson}.ipynb"), 4)
        for cell in nb.cells:
            cell.source = solutions.get(cell.metadata.get("nbgrader", {}).get("grade_id"), cell.source)
        target = out / "submitted" / "ada" / "week1" / f"{lesson}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(target))
    return out


def vs_nbgrader(section: Section) -> None:
    tmp = scratch("nbgrader-")
    env = jupyter_env(tmp / "home")
    out = nbgrader_course(tmp, env)
    only = tuple(f"week1.{lesson}" for lesson in NB_LESSONS)
    notebooks = out / "submitted" / "ada" / "week1"
    nb_runs, course_runs = [], []
    for _ in range(NB_PAIRS):
        nb_runs.append(run([str(BIN / "nbgrader"), "autograde", "week1", "--create", "--force"], cwd=out, env=env))
        r, report = grade(notebooks, only, cwd=out, env=env)
        course_runs.append(r)
    run([str(BIN / "nbgrader"), "export"], cwd=out, env=env)
    with open(out / "grades.csv") as f:
        nb_score = float(next(r for r in csv.DictReader(f) if r["student_id"] == "ada")["raw_score"])
    empty = tmp / "empty"  # nbgrader's own cost: the same command with no notebook to grade
    empty.mkdir()
    (empty / "nbgrader_config.py").write_text((out / "nbgrader_config.py").read_text())
    bare = run([str(BIN / "nbgrader"), "autograde", "week1", "--create", "--force"], cwd=empty, env=env, check=False)
    probe = json.loads(run([str(BIN / "python"), "-c", PROBE], cwd=out, env=env).stdout)

    nb_wall, course_wall = median([r.wall for r in nb_runs]), median([r.wall for r in course_runs])
    nb_cpu, course_cpu = median([r.cpu for r in nb_runs]), median([r.cpu for r in course_runs])
    ratio = nb_wall / course_wall
    n = len(NB_LESSONS)
    section.lines += [
        f"### `course grade` vs `nbgrader autograde` (week 1, {n} notebooks, one student)", "",
        f"One student (the reference's solutions filled into the released notebooks) hands in the week-1 "
        f"notebooks {', '.join(NB_LESSONS)}; week1.convnet is left out to keep `make bench` short (its "
        f"`train_digits` trains LeNet-5, the same seconds in both paths). `course nbgrader build` + "
        f"`nbgrader generate_assignment` are set up once (not timed); then, in turns, {NB_PAIRS} times each: "
        f"`nbgrader autograde week1 --create --force` (a kernel per notebook runs the test cells, which call "
        f"the same checks, public then hidden) and `course grade submitted/ada/week1 --only ...` on the same "
        f"notebooks. Both give {report['score']:g}/{report['max_score']:g} (nbgrader export: {nb_score:g}).", "",
        *table(["", "wall (median)", "CPU of the process tree (median)", "runs (wall)"], [
            ["`nbgrader autograde`", f"{nb_wall:.1f} s", f"{nb_cpu:.1f} s",
             ", ".join(f"{r.wall:.1f}" for r in nb_runs)],
            ["`course grade` on the same notebooks", f"{course_wall:.1f} s", f"{course_cpu:.1f} s",
             ", ".join(f"{r.wall:.1f}" for r in course_runs)],
            ["**ratio** nbgrader / course", f"**{ratio:.2f}x**", f"{nb_cpu / course_cpu:.2f}x", ""]]),
        "Where nbgrader's extra time goes (measured in the same run):", "",
        *table(["part (one run each)", "wall", "CPU"], [
            ["`nbgrader autograde` with no notebook to grade (its own start, config, database)",
             f"{bare.wall:.1f} s", f"{bare.cpu:.1f} s"],
            [f"a kernel start (nbclient), once per notebook: x{n}", f"{probe['kernel']:.1f} s", ""],
            [f"`import graders.notebook, graders.runner` in that kernel, once per notebook: x{n}",
             f"{probe['imports']:.1f} s", ""],
            ["sum of those for this assignment", f"{bare.wall + n * (probe['kernel'] + probe['imports']):.1f} s", ""],
            ["nbgrader − course (measured)", f"{nb_wall - course_wall:.1f} s", f"{nb_cpu - course_cpu:.1f} s"]]),
    ]
    fixed = bare.wall + n * (probe["kernel"] + probe["imports"])
    need = fixed / 4  # ratio = (fixed + checks) / checks = 5  =>  checks = fixed / 4
    why = (f"{5 / ratio:.1f}x short. nbgrader = its fixed costs, {fixed:.1f} s (its own start and database "
           f"{bare.wall:.1f} s, {n} kernel starts at {probe['kernel']:.1f} s, {n} imports of the graders at "
           f"{probe['imports']:.1f} s) + the checks run in the kernels ({nb_wall - fixed:.1f} s); `course grade` "
           f"is the same checks, {course_wall:.1f} s in all. So the ratio is about 1 + {fixed:.1f} / "
           f"{course_wall:.1f}: it reaches 5x only when the checks take {need:.1f} s, {course_wall / need:.1f}x "
           f"less than now (speeding them up speeds nbgrader's test cells up too). The checks' time is hypothesis "
           f"and the round trips, not the reference: see \"Where a grade's time goes\".")
    section.targets.append(Target("faster than `nbgrader autograde` on the same checks", ">= 5x",
                                  f"{ratio:.2f}x ({course_wall:.1f} s vs {nb_wall:.1f} s)", ratio >= 5,
                                  "" if ratio >= 5 else why))


def full_course(section: Section) -> None:
    partial, partial_name = submission_partial()
    rows = []
    graded = [("`reference`", ROOT / "reference", ()), (f"`{partial_name}`", partial, ()),
              ("`reference`, only `week2.classic.VGG16` (the largest model)", ROOT / "reference",
               ("week2.classic.VGG16",))]
    for name, path, only in graded:
        r, report = grade(path, only, memory=True)
        depth = lambda d: mib(r.by_depth.get(d, 0))  # noqa: E731 - 0 grader, 1 zygote, 2 keepers, 3 workers
        rows.append([name, f"{report['score']:g}/{report['max_score']:g}", f"{r.wall:.1f} s", f"{r.cpu:.1f} s",
                     mib(r.max_rss), mib(r.tree_pss), depth(0), depth(1), depth(3)])
    section.lines += [
        "### The whole course, one submission", "",
        "`course grade SUBMISSION --json` as a subprocess, one run each to keep `make bench` short (the medians "
        "of several runs are in the comparison with nbgrader below); CPU counts the grader, zygote and workers. Memory: the largest peak RSS of "
        "any one process of the tree (exact: `wait4`'s `ru_maxrss`), and the largest sum of PSS over the live "
        "tree (grader, zygote, keepers, worker; shared pages counted once; sampled every 0.1 s), and the largest PSS "
        "of each kind of process.", "",
        *table(["submission", "score", "wall", "CPU (tree)", "largest process (peak RSS)", "whole tree (peak PSS)",
                "grader (PSS)", "zygote (PSS)", "largest worker (PSS)"], rows)]


def kind(func: tuple[str, int, str]) -> str:
    """Where a profiled function's own time belongs."""
    path, _, name = func
    if path == "~":
        if "select.select" in name:
            return "waiting for the worker's reply (`select`)"
        if "_socket.socket" in name or "send_fds" in name or "recv_fds" in name:
            return "socket I/O to the worker and the zygote"
        return "numpy's C code" if "numpy" in name else "Python built-ins (isinstance, getattr, len, ...)"
    for part, label in (("/hypothesis/", "hypothesis's own code (generate, shrink, run)"),
                        ("/graders/sandbox/", "the sandbox's Python (framing, codec, worker start and kill)"),
                        (str(ROOT / "reference"), "the reference solutions (Python lines)"),
                        ("/graders/", "the graders' Python (checks, strategies, comparison, feedback)"),
                        ("/numpy/", "numpy's Python code")):
        if part in path:
            return label
    return "other Python (standard library, ...)"


def outside(stats: dict, part: str) -> float:
    """Cumulative seconds spent in functions whose file path holds ``part``, entered from elsewhere."""
    return sum(ct for f, (*_, callers) in stats.items() if part in f[0]
               for caller, (*_, ct) in callers.items() if part not in caller[0])


def profile(section: Section) -> None:
    """Lessons graded in this process under cProfile: where the grading process's time goes."""
    from graders import course as course_mod
    from graders.runner import grade as grade_in_process

    course = course_mod.load(ROOT)
    profiler = cProfile.Profile()
    start, cpu = time.perf_counter(), time.process_time()
    profiler.enable()
    report = grade_in_process(course, ROOT / "reference", list(PROFILED))
    profiler.disable()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    stats = pstats.Stats(profiler).stats  # {func: (primitive calls, calls, own time, cumulative, callers)}
    buckets: dict[str, float] = {}
    for func, (_, _, own, _, _) in stats.items():
        buckets[kind(func)] = buckets.get(kind(func), 0.0) + own
    total = sum(buckets.values())
    sandbox = {f[2]: (v[1], v[3]) for f, v in stats.items() if f[0].endswith("graders/sandbox/__init__.py")}
    examples = next((v[1] for f, v in stats.items() if f[0].endswith("graders/context.py")
                     and f[2] == "begin_example"), 0)
    parts = {
        "drawing the inputs (graders/strategies.py and the hypothesis draws inside it)": outside(stats,
                                                                                                "/graders/strategies"),
        "calls of the student's code (`Sandbox.request`: encode, send, wait, receive, decode)":
            sandbox.get("request", (0, 0.0))[1] - sandbox.get("_start", (0, 0.0))[1],
        "starting and ending workers (`Sandbox._start`, `_kill`)": sum(sandbox.get(k, (0, 0.0))[1]
                                                                      for k in ("_start", "_kill")),
        "the reference": outside(stats, str(ROOT / "reference")),
        "comparing, diagnosing, feedback (graders/expect.py, feedback.py, mistakes/)": sum(
            outside(stats, p) for p in ("/graders/expect", "/graders/feedback", "/graders/mistakes")),
    }
    parts["the rest: hypothesis's engine around each example, loading the lessons, ..."] = total - sum(parts.values())
    n = len(report.exercises)
    requests, starts = sandbox.get("request", (0, 0.0))[0], sandbox.get("_start", (0, 0.0))[0]
    section.lines += [
        f"### Where a grade's time goes (cProfile, in process: {', '.join(PROFILED)}, the reference)", "",
        f"`graders.runner.grade` on {n} exercises ({report.score:g}/{report.max_score:g}, {examples} examples, "
        f"{requests} calls of the student's code, {starts} workers started): {wall:.1f} s wall, {cpu:.1f} s CPU in "
        f"the grading process. cProfile slows Python code down and wall time includes waiting for a CPU: read the "
        f"shares, not the seconds.", "",
        *table(["what (cumulative)", "seconds", "share", "per example"],
               [[k, f"{v:.2f}", f"{v / total:.0%}", us(v / max(1, examples))] for k, v in parts.items()]),
        "The same time by where it is spent (self time):", "",
        *table(["", "seconds", "share"], [[k, f"{v:.2f}", f"{v / total:.0%}"]
                                          for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])]),
    ]
    section.profile = {"wall": wall, "total": total, "parts": parts, "examples": examples, "requests": requests}


def bench() -> Section:
    section = Section("Grading one submission", load=loadavg())
    full_course(section)
    vs_nbgrader(section)
    profile(section)
    return section
