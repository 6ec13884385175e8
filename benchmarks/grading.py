"""Grading one submission: the whole course, `course grade` vs `nbgrader autograde` on the same checks, memory."""
from __future__ import annotations

import cProfile
import csv
import json
import os
import pstats
import time
from dataclasses import replace
from pathlib import Path

from .common import BIN, ROOT, Run, Section, Target, loadavg, median, mib, run, scratch, table, us

NB_PAIRS = 2  # nbgrader autograde and course grade, in turns, per student
LESSON_ROUNDS = 5  # `course grade --only LESSON` runs per lesson, the lessons in turns
LESSON_GOAL, WEEK_GOAL = 1.0, 3.0  # seconds from the shell, start-up included (issue 15, item 2)
WHOLE_GOAL, PARTIAL_GOAL, MEMORY_GOAL = 7.0, 5.0, 1.5 * 2**30  # a whole-course grade (issue 15, items 1 and 5)
FLOOR_ROUNDS = 3
FLOORS = {  # what every `course grade` pays before it grades anything: (what, Python code run by a fresh python)
    "interpreter": ("the Python interpreter starting and ending (`python -c pass`)", "pass"),
    "engine": ("the grading process's imports (`import convgrade.cli, convgrade.batch`: numpy, hypothesis, the "
               "engine)", "import convgrade.cli, convgrade.batch"),
    "zygote": ("a sandbox's fork server ready, numpy preloaded (`sandbox.zygote`)",
               "from convgrade import sandbox; sandbox.zygote(('numpy',))"),
    "torch": ("a lesson with a model: its graders import `convgrade.extra.torch` (torch, today), then a fork server "
              "preloading torch and loading the torch operations is ready",
              "from convgrade import sandbox; from convgrade.operations import requirements; "
              "from convgrade.extra.torch import TORCH; sandbox.zygote(requirements([TORCH])[0], None, "
              "requirements([TORCH])[1])"),
    "import torch": ("`import torch` alone (what a grading process pays when its graders import it)", "import torch"),
}
PROFILED = ("week1.convolution", "week1.pooling")  # graded in this process under cProfile
PROBE = """\
import json, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1"),
                                     nbformat.v4.new_code_cell("import convgrade.notebook, convgrade.runner"),
                                     nbformat.v4.new_code_cell("import convgrade.sandbox as s; from convgrade.operations import requirements; "
                                                               "from convgrade.extra.torch import TORCH; "
                                                               "s.zygote(*requirements([TORCH])[:1], '', requirements([TORCH])[1])")])
client = NotebookClient(nb, kernel_name="python3")
start = time.perf_counter()
with client.setup_kernel():
    client.execute_cell(nb.cells[0], 0)
    ready = time.perf_counter()
    client.execute_cell(nb.cells[1], 1)
    imported = time.perf_counter()
    client.execute_cell(nb.cells[2], 2)
    done = time.perf_counter()
print(json.dumps({"kernel": ready - start, "imports": imported - ready, "zygote": done - imported}))
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


def fill_notebook(released: Path, lesson_file: Path, target: Path) -> None:
    """A student's notebook: the released one, each solution cell holding the function or class of that name
    from ``lesson_file``; whatever else the file holds (imports, helpers) goes into the first solution cell."""
    import ast

    import nbformat

    source = lesson_file.read_text(encoding="utf-8")
    lines, tree = source.splitlines(), ast.parse(source)
    defs, rest = {}, []
    for node in tree.body[1 if ast.get_docstring(tree) else 0:]:
        first = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
        text = "\n".join(lines[first - 1:node.end_lineno])
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defs[node.name] = text
        else:
            rest.append(text)
    nb = nbformat.read(str(released), 4)
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for cell in cells:
        cell.source = defs.pop(cell.metadata["nbgrader"]["grade_id"], cell.source)
    if cells:
        cells[0].source = "\n\n".join([*rest, *defs.values(), cells[0].source])
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))


def nbgrader_course(tmp: Path, env: dict, students: dict[str, Path]) -> tuple[Path, list[str]]:
    """`course nbgrader build` for the whole course, `nbgrader generate_assignment` for each assignment, and
    each student handing in every released notebook filled in from their lesson files; the assignments."""
    import nbformat

    out = tmp / "nbcourse"
    run([str(BIN / "course"), "--course", str(ROOT), "nbgrader", "build", str(out)], cwd=tmp, env=env)
    assignments = sorted(p.name for p in (out / "source").iterdir())
    for aid in assignments:
        run([str(BIN / "nbgrader"), "generate_assignment", aid, "--force"], cwd=out, env=env)
    for released in sorted((out / "release").glob("*/*.ipynb")):
        lesson = nbformat.read(str(released), 4).metadata["convgrade"].get("lesson")
        if lesson is None:  # a quiz's notebook: handed in as released (its questions unanswered), for both students
            for student in students:
                target = out / "submitted" / student / released.parent.name / released.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(released.read_bytes())
            continue
        for student, folder in students.items():
            fill_notebook(released, folder / Path(*lesson.split(".")).with_suffix(".py"),
                          out / "submitted" / student / released.parent.name / released.name)
    return out, assignments


def summed(runs: list[Run]) -> Run:
    """One submission's nbgrader runs (one per assignment) as one: times added."""
    first = runs[0]
    return replace(first, wall=sum(r.wall for r in runs), cpu=sum(r.cpu for r in runs))


def vs_nbgrader(section: Section) -> None:
    tmp = scratch("nbgrader-")
    env = jupyter_env(tmp / "home")
    partial, partial_name = submission_partial()
    students = {"ada": ROOT / "reference", "bob": partial}
    names = {"ada": "`reference`", "bob": f"`{partial_name}`"}
    out, assignments = nbgrader_course(tmp, env, students)
    notebooks = len(list((out / "release").glob("*/*.ipynb")))
    nb_runs: dict[str, list[Run]] = {s: [] for s in students}
    course_runs: dict[str, list[Run]] = {s: [] for s in students}
    reports = {}
    for _ in range(NB_PAIRS):
        for student in students:
            nb_runs[student].append(summed([run([str(BIN / "nbgrader"), "autograde", aid, "--student", student,
                                                 "--create", "--force"], cwd=out, env=env) for aid in assignments]))
            r, reports[student] = grade(out / "submitted" / student, cwd=out, env=env)
            course_runs[student].append(r)
    run([str(BIN / "nbgrader"), "export"], cwd=out, env=env)
    nb_scores = {s: 0.0 for s in students}
    with open(out / "grades.csv") as f:
        for row in csv.DictReader(f):
            nb_scores[row["student_id"]] += float(row["raw_score"] or 0)
    empty = tmp / "empty"  # nbgrader's own cost: the same command with no notebook to grade
    empty.mkdir()
    (empty / "nbgrader_config.py").write_text((out / "nbgrader_config.py").read_text())
    bare = run([str(BIN / "nbgrader"), "autograde", assignments[0], "--create", "--force"], cwd=empty, env=env,
               check=False)
    probe = json.loads(run([str(BIN / "python"), "-c", PROBE], cwd=out, env=env).stdout)

    rows, ratios = [], {}
    for student in students:
        nb_wall, course_wall = median([r.wall for r in nb_runs[student]]), median([r.wall for r in course_runs[student]])
        nb_cpu, course_cpu = median([r.cpu for r in nb_runs[student]]), median([r.cpu for r in course_runs[student]])
        ratios[student] = (nb_wall / course_wall, nb_wall, course_wall)
        report = reports[student]
        score = f"{report['score']:g}/{report['max_score']:g} (nbgrader: {nb_scores[student]:g})"
        rows += [[f"{names[student]}: `nbgrader autograde`, {len(assignments)} assignments", score,
                  f"{nb_wall:.1f} s", f"{nb_cpu:.1f} s", ", ".join(f"{r.wall:.1f}" for r in nb_runs[student])],
                 [f"{names[student]}: `course grade` on the same notebooks", "", f"{course_wall:.1f} s",
                  f"{course_cpu:.1f} s", ", ".join(f"{r.wall:.1f}" for r in course_runs[student])],
                 [f"**ratio** nbgrader / course", "", f"**{nb_wall / course_wall:.2f}x**",
                  f"{nb_cpu / course_cpu:.2f}x", ""]]
    per_notebook = probe["kernel"] + probe["imports"] + probe["zygote"]
    fixed = len(assignments) * bare.wall + notebooks * per_notebook
    section.lines += [
        f"### `course grade` vs `nbgrader autograde` (the whole course: {len(assignments)} assignments, "
        f"{notebooks} notebooks)", "",
        f"`course nbgrader build` + `nbgrader generate_assignment` for each assignment are set up once (not "
        f"timed). Two students hand in every notebook: ada the reference's solutions, bob those of "
        f"{names['bob']}, each filled into the released notebooks function by function. Then, in turns, "
        f"{NB_PAIRS} times each: `nbgrader autograde ASSIGNMENT --student S --create --force` for each assignment "
        f"(a kernel per notebook runs the test cells, which call the same checks, public then hidden; the times "
        f"of one student's assignments are added) and `course grade submitted/S` on the same notebooks. The "
        f"scores agree (nbgrader's from `nbgrader export`).", "",
        *table(["submission and command", "score", "wall (median)", "CPU of the process tree (median)",
                "runs (wall)"], rows),
        "Where nbgrader's extra time goes (measured in the same run):", "",
        *table(["part (one run each)", "wall", "CPU"], [
            ["`nbgrader autograde` with no notebook to grade (its own start, config, database), once per "
             f"assignment: x{len(assignments)}", f"{bare.wall:.1f} s", f"{bare.cpu:.1f} s"],
            [f"a kernel start (nbclient), once per notebook: x{notebooks}", f"{probe['kernel']:.1f} s", ""],
            [f"`import convgrade.notebook, convgrade.runner` in that kernel, once per notebook: x{notebooks}",
             f"{probe['imports']:.1f} s", ""],
            [f"the kernel's sandbox starting (a zygote importing numpy and torch; numpy alone for the lessons "
             f"without models), once per notebook: x{notebooks}",
             f"{probe['zygote']:.1f} s", ""],
            ["sum of those for the course", f"{fixed:.1f} s", ""]]),
    ]
    worst = min(ratios, key=lambda k: ratios[k][0])
    ratio, nb_wall, course_wall = ratios[worst]
    need = fixed / 4  # ratio = (fixed + checks) / checks = 5  =>  checks = fixed / 4
    why = (f"{5 / ratio:.1f}x short ({names[worst]}). nbgrader runs the same checks plus its fixed costs, "
           f"{fixed:.1f} s for the course ({len(assignments)} starts of its own, {notebooks} kernels, each importing "
           f"the graders and starting a sandbox of its own); `course grade` pays its start once. So the "
           f"ratio is about 1 + {fixed:.1f} / {course_wall:.1f}: it reaches 5x only when the checks take "
           f"{need:.1f} s, {course_wall / need:.1f}x less than now (and speeding the checks up speeds nbgrader's "
           f"test cells up as much). The checks' time is hypothesis and the round trips: see \"Where a grade's time "
           f"goes\".")
    measured = ", ".join(f"{names[s]} {r:.2f}x ({c:.1f} s vs {n:.1f} s)" for s, (r, n, c) in ratios.items())
    section.targets.append(Target("faster than `nbgrader autograde` on the same checks (whole course)", ">= 5x",
                                  measured, ratio >= 5, "" if ratio >= 5 else why))


def full_course(section: Section) -> None:
    partial, partial_name = submission_partial()
    rows = []
    graded = [("`reference`", ROOT / "reference", ()), (f"`{partial_name}`", partial, ()),
              ("`reference`, only `week2.classic.VGG16` (the largest model)", ROOT / "reference",
               ("week2.classic.VGG16",))]
    grade(ROOT / "reference", (), memory=False)  # untimed: the recorded draws and the reference's answers warm
    measured = {}
    for name, path, only in graded:
        r, report = grade(path, only, memory=True)
        measured[path, only] = r
        depth = lambda d: mib(r.by_depth.get(d, 0))  # noqa: E731 - 0 grader, 1 zygote, 2 keepers, 3 workers
        rows.append([name, f"{report['score']:g}/{report['max_score']:g}", f"{r.wall:.1f} s", f"{r.cpu:.1f} s",
                     mib(r.max_rss), mib(r.tree_pss), depth(0), depth(1), depth(3)])
    whole, half = measured[ROOT / "reference", ()], measured[partial, ()]
    load = f"one run, load {loadavg().split()[0]}"
    for what, goal, r in (("`reference`", WHOLE_GOAL, whole), (f"`{partial_name}`", PARTIAL_GOAL, half)):
        section.targets.append(Target(f"`course grade` of the whole course, {what}, wall", f"<= {goal:g} s",
                                      f"{r.wall:.1f} s ({load})", r.wall <= goal,
                                      f"{r.wall:.1f} s, {r.wall / goal:.1f}x the goal; CPU of the tree {r.cpu:.1f} s: "
                                      "see \"Where a grade's time goes\""))
    section.targets.append(Target("peak memory of a whole-course grade of `reference` (PSS of the tree)",
                                  f"<= {mib(MEMORY_GOAL)}", f"{mib(whole.tree_pss)} ({load})",
                                  whole.tree_pss <= MEMORY_GOAL,
                                  f"{mib(whole.tree_pss)}: the largest network's worker and its fork server"))
    section.lines += [
        "### The whole course, one submission", "",
        "`course grade SUBMISSION --json` as a subprocess, one run each after an untimed grade of the reference "
        "(the recorded draws and the reference's answers warm, as for every submission after the first), to keep "
        "`make bench` short (the medians of several runs are in the comparison with nbgrader below); CPU counts "
        "the grader, zygote and workers. Memory: the largest peak RSS of "
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
                        ("/convgrade/sandbox/", "the sandbox's Python (framing, codec, worker start and kill)"),
                        (str(ROOT / "reference"), "the reference solutions (Python lines)"),
                        ("/convgrade/", "the engine's Python (checks, strategies, comparison, feedback)"),
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
    from convgrade import config as course_mod
    from convgrade.runner import grade as grade_in_process

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
    sandbox = {f[2]: (v[1], v[3]) for f, v in stats.items() if f[0].endswith("convgrade/sandbox/__init__.py")}
    examples = next((v[1] for f, v in stats.items() if f[0].endswith("convgrade/student.py")
                     and f[2] == "begin_example"), 0)
    parts = {
        "drawing the inputs (graders/cases.py, convgrade/extra/numpy.py and the hypothesis draws inside them)":
            outside(stats, "/graders/cases") + outside(stats, "/convgrade/extra/numpy"),
        "calls of the student's code (`Sandbox.request`: encode, send, wait, receive, decode)":
            sandbox.get("request", (0, 0.0))[1] - sandbox.get("_start", (0, 0.0))[1],
        "starting and ending workers (`Sandbox._start`, `_kill`)": sum(sandbox.get(k, (0, 0.0))[1]
                                                                      for k in ("_start", "_kill")),
        "the reference": outside(stats, str(ROOT / "reference")),
        "comparing, diagnosing, feedback (convgrade/expect.py, feedback.py, mistakes.py)": sum(
            outside(stats, p) for p in ("/convgrade/expect", "/convgrade/feedback", "/convgrade/mistakes")),
    }
    parts["the rest: hypothesis's engine around each example, loading the lessons, ..."] = total - sum(parts.values())
    n = len(report.exercises)
    requests, starts = sandbox.get("request", (0, 0.0))[0], sandbox.get("_start", (0, 0.0))[0]
    section.lines += [
        f"### Where a grade's time goes (cProfile, in process: {', '.join(PROFILED)}, the reference)", "",
        f"`convgrade.runner.grade` on {n} exercises ({report.score:g}/{report.max_score:g}, {examples} examples, "
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


def course_grade(only: str) -> Run:
    """`course grade reference --only ONLY` from the shell (its table to stdout, nothing written)."""
    return run([str(BIN / "course"), "--course", str(ROOT), "grade", str(ROOT / "reference"), "--only", only])


def lessons(section: Section) -> None:
    """Each Week 1 lesson, and the whole of Week 1, graded from the shell: start-up included (issue 15, item 2)."""
    from convgrade import config as course_mod

    chosen = [lesson for lesson in course_mod.load(ROOT).lessons if lesson.startswith("week1.")] + ["week1"]
    for only in chosen:  # once untimed: the recorded draws (``drawcache``) and the page cache are warm
        course_grade(only)
    runs: dict[str, list[Run]] = {only: [] for only in chosen}
    loads = []
    for _ in range(LESSON_ROUNDS):
        for only in chosen:
            runs[only].append(course_grade(only))
        loads.append(loadavg().split()[0])
    floors = {k: median([run([str(BIN / "python"), "-c", code]).wall for _ in range(FLOOR_ROUNDS)])
              for k, (_, code) in FLOORS.items()}
    timed = _convnet_timed()
    rows = []
    for only in chosen:
        goal = WEEK_GOAL if only == "week1" else LESSON_GOAL
        wall, cpu = median([r.wall for r in runs[only]]), median([r.cpu for r in runs[only]])
        met = wall <= goal
        rows.append([f"`--only {only}`", f"<= {goal:g} s", f"{wall:.2f} s", f"{cpu:.2f} s",
                     ", ".join(f"{r.wall:.2f}" for r in runs[only]), "yes" if met else "**no**"])
        section.targets.append(Target(f"`course grade --only {only}` from the shell, start-up included",
                                      f"<= {goal:g} s", f"{wall:.2f} s (median of {LESSON_ROUNDS}, load {loads[0]}"
                                      f"-{loads[-1]})", met,
                                      "" if met else _why_slow(only, wall, goal, floors, timed)))
    section.lines += [
        "### One lesson, the student's loop (`course grade --only LESSON`)", "",
        f"`course grade reference --only LESSON` as a subprocess, the table to stdout: the lessons in turns, "
        f"{LESSON_ROUNDS} rounds after one untimed run each (recorded draws and page cache warm). CPU counts the "
        f"grader, its fork server and workers. Load average (1 min) after each round: {', '.join(loads)}.", "",
        *table(["selection", "goal", "wall (median)", "CPU of the tree (median)", "runs (wall)", "met"], rows),
        f"What every grade pays before it checks anything (a fresh `python -c`, median of {FLOOR_ROUNDS}; the "
        "fork server starts before the grading process imports its checks, so the two overlap on two CPUs):", "",
        *table(["part", "wall"], [[FLOORS[k][0], f"{v:.2f} s"] for k, v in floors.items()])]


def _why_slow(only: str, wall: float, goal: float, floors: dict[str, float], timed: dict[str, float]) -> str:
    why = (f"{wall:.2f} s, {wall - goal:.2f} s over; the grading process's start costs {floors['engine']:.2f} s of "
           f"it (the interpreter {floors['interpreter']:.2f} s of that, the rest imports), a fork server "
           f"{floors['zygote']:.2f} s (overlapped with those imports), the rest is grading")
    if only in ("week1", "week1.convnet"):
        why += (f". Its models need torch in the worker: a fork server with torch takes {floors['torch']:.2f} s "
                f"(measured floor, one after the other), and a grading process whose graders import torch pays "
                f"`import torch` ({floors['import torch']:.2f} s) again")
        if timed:
            why += (f"; week1.convnet's exercises took {timed['convnet']:.2f} s once its sandbox was up (as the last "
                    f"Week 1 grade timed them, `hints.timed`), {timed['train_digits']:.2f} s of it train_digits, "
                    "which trains the student's network for 10 epochs in the worker")
    return why + ". The machine is shared: read it with the load average beside it."


def _convnet_timed() -> dict[str, float]:
    """How long week1.convnet's exercises took when a grade of Week 1 last timed them (``hints``): the lesson's
    grading once its sandbox was up, and train_digits alone; nothing when none did."""
    from convgrade import config as course_mod
    from convgrade import hints

    ids = [cfg.id for cfg in course_mod.load(ROOT).select(["week1.convnet"])]
    timed = hints.timed(ROOT, ids)
    if sorted(timed) != sorted(ids):
        return {}
    return {"convnet": sum(timed.values()), "train_digits": timed["week1.convnet.train_digits"]}


def bench_lessons() -> Section:
    section = Section("Grading one lesson", load=loadavg())
    lessons(section)
    return section


def bench() -> Section:
    section = Section("Grading one submission", load=loadavg())
    full_course(section)
    vs_nbgrader(section)
    profile(section)
    return section
