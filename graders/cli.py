"""The ``course`` command: grade a submission, list the catalogue (more subcommands beside these)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import course as course_mod
from .course import ConfigError, Course

EXIT_OK, EXIT_UNDER, EXIT_USAGE = 0, 1, 2


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
    from .report import gradescope, junit, markdown, table
    from .runner import grade
    from .submission import prepare

    course = _course(args)
    prepared = prepare(_submission(course, args.submission))
    try:
        only, broken = args.only, {}
        if str(args.submission or "").endswith(".ipynb"):
            if prepared.errors:
                raise ConfigError(next(iter(prepared.errors.values())))
            only = only or prepared.lessons
        for path, message in prepared.errors.items():
            lesson = next((ls for ls in course.lessons if ls.rsplit(".", 1)[-1] == Path(path).stem), None)
            if lesson is None:
                print(f"course: {message}", file=sys.stderr)
            else:
                broken[lesson] = message
        report = grade(course, prepared.folder, only, broken)
    finally:
        prepared.close()
    data = report.to_json()
    if args.json and args.json != "-":
        _write(args.json, json.dumps(data, indent=2) + "\n")
    if args.junit:
        _write(args.junit, junit.render(report))
    if args.gradescope:
        _write(args.gradescope, json.dumps(gradescope.render(report), indent=2) + "\n")
    if args.markdown:
        _write(args.markdown, markdown.render(report))
    print(json.dumps(data, indent=2) if args.json == "-" else table.render(report), end="\n" if args.json == "-" else "")
    if args.fail_under is not None and report.score < args.fail_under:
        print(f"score {report.score:g} is under --fail-under {args.fail_under:g}", file=sys.stderr)
        return EXIT_UNDER
    return EXIT_OK


def _write(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


def catalogue_markdown(course: Course) -> str:
    """The catalogue as the README shows it (a test keeps the README in step with course.toml)."""
    from .report.table import points

    out = []
    for aid, title in course.assignments.items():
        chosen = [e for e in course.exercises if e.assignment == aid]
        out += [f"**{title}** ({points(sum(e.points for e in chosen))} points)", "",
                "| exercise | points | what |", "|---|---:|---|"]
        out += [f"| `{e.id}` | {points(e.points)} | {e.title} |" for e in chosen]
        out.append("")
    return "\n".join(out)


def cmd_list(args: argparse.Namespace) -> int:
    from .report.table import points

    course = _course(args)
    if args.markdown:
        print(catalogue_markdown(course), end="")
        return EXIT_OK
    print(f"{course.name} ({course.id}, version {course.version}): {points(course.max_score)} points")
    for aid, title in course.assignments.items():
        chosen = [e for e in course.exercises if e.assignment == aid]
        print(f"\n{title} — {points(sum(e.points for e in chosen))} points")
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


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="course", description="Grade CNN course exercises against the reference, safely.")
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
    g.add_argument("--fail-under", type=float, metavar="N", help="exit 1 when the score is under N")
    g.set_defaults(run=cmd_grade)
    ls = sub.add_parser("list", help="the catalogue with points")
    ls.add_argument("--markdown", action="store_true", help="as a Markdown table (the README's catalogue)")
    ls.set_defaults(run=cmd_list)
    nb = sub.add_parser("nbgrader", help="the course as an nbgrader course")
    nb_sub = nb.add_subparsers(dest="nbgrader_command", required=True, parser_class=_Parser)
    nbb = nb_sub.add_parser("build", help="write nbgrader_config.py and source/<assignment>/<lesson>.ipynb")
    nbb.add_argument("outdir", metavar="OUTDIR")
    nbb.add_argument("--assignment", metavar="ID", help="only this assignment (e.g. week1)")
    nbb.set_defaults(run=cmd_nbgrader_build)
    for s in (g, ls, nbb):
        s.add_argument("--course", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as e:
        print(f"course: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `course list | head`
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
