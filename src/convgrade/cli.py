"""The ``course`` command: grade, list, nbgrader build, release, batch, gradebook merge/export/report, selftest,
new."""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
from pathlib import Path

from . import config as course_mod
from .config import ConfigError, Course
from .results import Report

EXIT_OK, EXIT_UNDER, EXIT_USAGE = 0, 1, 2  # EXIT_USAGE: also a configuration error (course.toml, CONVGRADE_ISOLATION)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as the contract says
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _course(args: argparse.Namespace) -> Course:
    root = Path(args.course) if args.course else course_mod.find_root(Path.cwd())
    return course_mod.load(root)


def _submission(course: Course, given: str | None) -> Path:
    if given is None:
        local = Path("exercises")
        path = local if local.is_dir() else course.root / "exercises"
    else:
        path = Path(given)
    if not path.exists():
        raise ConfigError(f"{path}: no such submission; give a folder laid out like exercises/, a .ipynb, "
                          "or a folder of notebooks")
    return path


def cmd_grade(args: argparse.Namespace) -> int:
    from .sandbox import prestart, warm

    prestart()  # the sandbox's fork server loads Python and numpy while this process imports the checks
    from .batch import Ungradable, grade_path
    from .digest import content_hash
    from .gradebook import report_json
    from .parallel import cpus
    from .hints import expected
    from .report import table

    course = _course(args)
    path = _submission(course, args.submission)
    jobs = cpus() if args.jobs is None else _jobs(args.jobs)
    warm(*expected(course.root, [cfg.id for cfg in course.select(args.only) if not cfg.is_question]))
    try:
        report, notes = grade_path(course, path, args.only, figures=bool(args.html), student=args.student, jobs=jobs)
    except Ungradable as e:
        raise ConfigError(str(e)) from None
    for note in notes:
        print(f"course: {note}", file=sys.stderr)
    if report.mode == "fixtures":
        _note_hidden_only(course, report, args.only)
    data = report_json(report, course, args.student, content_hash(path))
    if args.json and args.json != "-":
        _write(args.json, json.dumps(data, indent=2) + "\n")
    for target, kind in ((args.junit, "junit"), (args.gradescope, "gradescope"), (args.markdown, "markdown"),
                         (args.html, "html")):
        if target:  # each report's module imported only when asked for (XML, HTML and pictures cost imports)
            _write(target, _render(kind, report))
    print(json.dumps(data, indent=2) if args.json == "-" else table.render(report), end="\n" if args.json == "-" else "")
    # report.score is the float nearest to the score as shown, so this compares the shown score with N
    if args.fail_under is not None and report.score < args.fail_under:
        given = repr(args.fail_under).removesuffix(".0")
        print(f"score {table.points(report.score)} is under --fail-under {given}", file=sys.stderr)
        return EXIT_UNDER
    return EXIT_OK


def _render(kind: str, report: Report) -> str:
    """The report as the ``--junit``, ``--gradescope``, ``--markdown`` or ``--html`` file holds it."""
    module = importlib.import_module(f".report.{kind}", __package__)
    if kind == "gradescope":
        return json.dumps(module.render(report), indent=2) + "\n"
    return module.render(report)


def _jobs(n: int) -> int:
    if n < 1:
        raise ConfigError(f"--jobs {n}: expected a positive number of processes")
    return n


def _note_hidden_only(course: Course, report: Report, only: list[str] | None) -> None:
    graded = {e.id for e in report.exercises}
    left = [e.id for e in course.select(only) if e.id not in graded]
    if left:
        print(f"course: checks: fixtures (public checks only); {len(left)} exercise{'s' * (len(left) != 1)} "
              f"without public checks, graded by your instructor only: {', '.join(left)}", file=sys.stderr)


def _write(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


def cmd_list(args: argparse.Namespace) -> int:
    from .catalogue import catalogue_markdown
    from .points import add
    from .report.table import points

    course = _course(args)
    if args.markdown:
        print(catalogue_markdown(course), end="")
        return EXIT_OK
    print(f"{course.name} ({course.id}, version {course.version}): {points(course.max_score)} points")
    for aid, title in course.assignments.items():
        chosen = [e for e in course.exercises if e.assignment == aid]
        print(f"\n{title} — {points(add(e.points for e in chosen))} points")
        for e in chosen:
            print(f"  {points(e.points):>4}  {e.id:<46} {e.title}")
    return EXIT_OK


def cmd_nbgrader_build(args: argparse.Namespace) -> int:
    from .nbgrader import build

    course = _course(args)
    written = build(course, Path(args.outdir), args.assignment)
    print(f"wrote {len(written)} notebooks and nbgrader_config.py to {args.outdir}; next, in that folder:")
    for aid in dict.fromkeys(p.parent.name for p in written):
        print(f"  nbgrader generate_assignment {aid} --force")
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    from .release import release
    from .report.table import points

    made = release(_course(args), Path(args.outdir), args.only, args.fail_under)
    n = len(made.lessons)
    print(f"wrote the student repository {made.outdir}: {n} lesson{'s' * (n != 1)}, "
          f"{len(made.public) + len(made.hidden_only)} exercises"
          + (f" and {len(made.questions)} questions (prompts only: you grade the answers)" if made.questions else "")
          + "; verified: the reference scores "
          f"{points(made.public_points)}/{points(made.public_points)} from the fixtures, and no reference code "
          f"is in it. Its CI fails under {points(made.fail_under)} points.")
    if made.hidden_only:
        print(f"course: {len(made.hidden_only)} exercises have no public check, so students get no feedback on "
              f"them before you grade: {', '.join(made.hidden_only)}; declare a check without given= (a worked "
              "example) to give them one", file=sys.stderr)
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import Local, run
    from .gradebook import Gradebook, write_csv

    course = _course(args)
    out = Path(args.out)
    with contextlib.ExitStack() as stack:
        if args.scheduler or args.scheduler_file:  # on a Dask cluster: see convgrade/cluster.py
            from .cluster import connect

            pool = stack.enter_context(connect(course, args.scheduler, args.scheduler_file))
        else:
            pool = Local(_jobs(args.jobs))
        book = stack.enter_context(Gradebook(out, course))
        try:
            s = run(course, Path(args.dir), book, pool=pool, only=args.only,
                    exclude=(out, *([Path(args.csv)] if args.csv else [])))
        except KeyboardInterrupt:
            print(f"\ncourse batch: interrupted; every finished result is in {out}: run the same command again "
                  "to grade the rest", file=sys.stderr)
            return 130
        if args.csv:
            write_csv(Path(args.csv), course, book.rows())
    print(f"{s.total} submissions: {s.graded} graded, {s.unchanged} unchanged (not regraded), "
          f"{s.ungradable} cannot be graded, {s.crashed} crashed (run again to retry); gradebook {out}"
          + (f", grades {args.csv}" if args.csv else ""))
    return EXIT_OK


def cmd_gradebook_merge(args: argparse.Namespace) -> int:
    from .gradebook import Gradebook, merge, write_csv

    course = _course(args)
    with Gradebook(Path(args.out), course) as book:
        rows = merge(book, course, [Path(r) for r in args.reports], args.allow_fixtures)
        if args.csv:
            write_csv(Path(args.csv), course, book.rows())
    print(f"merged {len(rows)} reports into {args.out}" + (f"; grades {args.csv}" if args.csv else ""))
    return EXIT_OK


def cmd_gradebook_export(args: argparse.Namespace) -> int:
    from .gradebook import Gradebook, write_canvas, write_csv

    course = _course(args)
    if not Path(args.out).is_file():
        raise ConfigError(f"{args.out}: no such gradebook; run `course batch` or `course gradebook merge` first")
    with Gradebook(Path(args.out), course) as book:
        rows = book.rows()
    if args.csv:
        write_csv(Path(args.csv), course, rows)
    if args.canvas:
        write_canvas(Path(args.canvas), course, rows)
    if args.reports:
        for row in rows:
            if row.report:
                _write(str(Path(args.reports) / (row.student.replace("/", "__") + ".json")), row.report + "\n")
    print(f"exported {len(rows)} students" + (f" to {args.csv}" if args.csv else "")
          + (f", for Canvas's gradebook import to {args.canvas}" if args.canvas else "")
          + (f", reports in {args.reports}" if args.reports else ""))
    return EXIT_OK


def cmd_gradebook_report(args: argparse.Namespace) -> int:
    from .classreport import build
    from .report import classpage

    if not (args.html or args.markdown):
        raise ConfigError("gradebook report: nothing to write; give --html FILE and/or --markdown FILE")
    report = build(Path(args.out), _course(args), args.with_names)
    if args.html:
        _write(args.html, classpage.html(report))
    if args.markdown:
        _write(args.markdown, classpage.markdown(report))
    print(f"class report of {report.graded} students, {len(report.mistakes)} diagnosed mistakes: "
          + ", ".join(filter(None, (args.html, args.markdown))))
    return EXIT_OK


def cmd_quiz(args: argparse.Namespace) -> int:
    from .quiz import write

    written = write(_course(args), args.assignment, args.student, Path(args.out))
    print(f"wrote {', '.join(map(str, written))}; the student answers in {written[-1].name} "
          f"(or in the notebook) and runs `course grade --student {args.student}`")
    return EXIT_OK


def cmd_selftest(args: argparse.Namespace) -> int:
    from .selftest import Selftest, table

    course = _course(args)
    with Selftest(course) as st:
        probes = st.plan(args.only)
        findings, tty = [], sys.stderr.isatty()
        for i, probe in enumerate(probes, 1):
            if tty:
                print(f"\r[{i}/{len(probes)}] {probe.name[:70]:<70}", end="", file=sys.stderr, flush=True)
            findings.append(st.run(probe))
        if tty:
            print("\r" + " " * 80 + "\r", end="", file=sys.stderr)
    print(f"{course.name}: course selftest")
    print(table(findings))
    return EXIT_OK if all(f.ok for f in findings) else EXIT_UNDER


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import LESSON, new

    made = new(Path(args.dir))
    print(f"wrote the course {made.name!r} ({made.id}) in {made.root}: one lesson, {LESSON}; "
          f"the engine: {made.vendored or 'from PyPI'}. Next: cd {made.root} && make test (course selftest)")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="course", description="Grade a course's exercises against its reference, safely.")
    p.add_argument("--course", metavar="DIR", help="the course folder (default: nearest folder with course.toml)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    g = sub.add_parser("grade", help="grade a submission")
    g.add_argument("submission", nargs="?", metavar="SUBMISSION",
                   help="a folder laid out like exercises/ (default), a .ipynb or a folder of notebooks")
    g.add_argument("--only", action="append", metavar="ID", help="an exercise id or lesson prefix (repeatable)")
    g.add_argument("--json", metavar="PATH", help="write the JSON report to PATH (- for stdout)")
    g.add_argument("--junit", metavar="PATH", help="write a JUnit XML report (one test case per check)")
    g.add_argument("--gradescope", metavar="PATH", help="write Gradescope's results.json")
    g.add_argument("--markdown", metavar="PATH", help="write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)")
    g.add_argument("--html", metavar="PATH", help="write an HTML report with pictures (one self-contained file)")
    g.add_argument("--fail-under", type=float, metavar="N", help="exit 1 when the score is under N")
    g.add_argument("--student", metavar="NAME", help="whose submission it is, kept in the JSON report "
                                                      "(`course gradebook merge` files the report under it); "
                                                      "it chooses the variant of the questions")
    g.add_argument("--jobs", type=int, metavar="N", help="grade up to N lessons at once, each in a process of its "
                                                         "own (default: one per CPU; 1: all in this process)")
    g.set_defaults(run=cmd_grade, grades=True)
    ls = sub.add_parser("list", help="the catalogue with points")
    ls.add_argument("--markdown", action="store_true", help="as a Markdown table (the README's catalogue)")
    ls.set_defaults(run=cmd_list)
    nb = sub.add_parser("nbgrader", help="the course as an nbgrader course")
    nb_sub = nb.add_subparsers(dest="nbgrader_command", required=True, parser_class=_Parser)
    nbb = nb_sub.add_parser("build", help="write nbgrader_config.py and source/<assignment>/<lesson>.ipynb")
    nbb.add_argument("outdir", metavar="OUTDIR")
    nbb.add_argument("--assignment", metavar="ID", help="only this assignment (an id from course.toml)")
    nbb.set_defaults(run=cmd_nbgrader_build)
    rel = sub.add_parser("release", help="write the student starter repository (stubs, graders, fixtures, CI)")
    rel.add_argument("outdir", metavar="OUTDIR", help="a new (or empty) folder")
    rel.add_argument("--only", action="append", metavar="ID", help="release only these exercises, lessons or "
                                                                  "assignments (repeatable)")
    rel.add_argument("--fail-under", type=float, metavar="N",
                     help="the score under which the bundle's CI fails (default: every public check passed)")
    rel.set_defaults(run=cmd_release, grades=True)
    bt = sub.add_parser("batch", help="grade one folder or notebook per student, in parallel, resumably")
    bt.add_argument("dir", metavar="DIR", help="the folder holding the submissions")
    bt.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                    help="grading processes on this machine (default: one per CPU)")
    where = bt.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="grade on this Dask cluster (tcp://HOST:PORT) "
                                                               "instead of this machine; see the README")
    where.add_argument("--scheduler-file", metavar="FILE", help="the same, the address read from the file "
                                                                 "`dask scheduler --scheduler-file` wrote")
    bt.add_argument("--out", default="gradebook.sqlite", metavar="GRADEBOOK",
                    help="the SQLite gradebook, kept across runs (default: gradebook.sqlite)")
    bt.add_argument("--csv", metavar="PATH", help="write student, points per exercise, total")
    bt.add_argument("--only", action="append", metavar="ID", help="an exercise id or lesson prefix (repeatable)")
    bt.set_defaults(run=cmd_batch, grades=True)
    gb = sub.add_parser("gradebook", help="merge JSON reports (e.g. from CI jobs) into a gradebook; export it; "
                                           "report on the class")
    gb_sub = gb.add_subparsers(dest="gradebook_command", required=True, parser_class=_Parser)
    gbm = gb_sub.add_parser("merge", help="file JSON reports of `course grade --json` in the gradebook")
    gbm.add_argument("reports", nargs="+", metavar="REPORT")
    gbm.add_argument("--out", default="gradebook.sqlite", metavar="GRADEBOOK", help="default: gradebook.sqlite")
    gbm.add_argument("--csv", metavar="PATH", help="then write student, points per exercise, total")
    gbm.add_argument("--allow-fixtures", action="store_true",
                     help="accept reports graded in a student bundle (public checks only)")
    gbm.set_defaults(run=cmd_gradebook_merge)
    gbe = gb_sub.add_parser("export", help="write the gradebook as CSV and/or one JSON report per student")
    gbe.add_argument("--out", default="gradebook.sqlite", metavar="GRADEBOOK", help="default: gradebook.sqlite")
    gbe.add_argument("--csv", metavar="PATH")
    gbe.add_argument("--canvas", metavar="PATH", help="a CSV that Canvas's gradebook import accepts (one column "
                                                      "per assignment, students by SIS Login ID)")
    gbe.add_argument("--reports", metavar="DIR", help="write DIR/<student>.json")
    gbe.set_defaults(run=cmd_gradebook_export)
    gbr = gb_sub.add_parser("report", help="what the class got wrong: scores, exercises, checks, mistakes")
    gbr.add_argument("--out", default="gradebook.sqlite", metavar="GRADEBOOK", help="default: gradebook.sqlite")
    gbr.add_argument("--html", metavar="FILE", help="write the page (one self-contained file)")
    gbr.add_argument("--markdown", metavar="FILE", help="write it as Markdown")
    gbr.add_argument("--with-names", action="store_true", help="name the students who made each mistake")
    gbr.set_defaults(run=cmd_gradebook_report)
    qz = sub.add_parser("quiz", help="one student's variant of an assignment's questions (Markdown, a notebook "
                                     "and a blank answers file)")
    qz.add_argument("assignment", metavar="ASSIGNMENT", help="an assignment of questions")
    qz.add_argument("--student", required=True, metavar="ID", help="the student's id: it chooses the variant")
    qz.add_argument("--out", default=".", metavar="DIR", help="where to write (default: here); an existing "
                                                               "answers file is kept")
    qz.set_defaults(run=cmd_quiz)
    stp = sub.add_parser("selftest", help="prove the course's graders: reference full, stubs zero, mistakes caught, "
                                          "fixtures replay, determinism (exit 1 when anything fails)")
    stp.add_argument("--only", action="append", metavar="ID", help="an exercise id or lesson prefix (repeatable)")
    stp.set_defaults(run=cmd_selftest)
    nw = sub.add_parser("new", help="start a course: one small lesson that passes `course selftest`, a README, "
                                    "a Makefile")
    nw.add_argument("dir", metavar="DIR", help="a new (or empty) folder")
    nw.set_defaults(run=cmd_new)
    for s in (g, ls, nbb, rel, bt, gbm, gbe, gbr, qz, stp, nw):
        s.add_argument("--course", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    errors: tuple[type[BaseException], ...] = (ConfigError,)
    try:
        if getattr(args, "grades", False):  # the isolation level is checked before anything is graded
            from .sandbox.levels import IsolationError, resolve

            errors = (ConfigError, IsolationError)
            resolve()
        return args.run(args)
    except errors as e:
        print(f"course: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `course list | head`
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
