"""The terminal report: one line per exercise, then the details of each failure."""
from __future__ import annotations

from ..points import text as points  # the one way points are written for people (re-exported)
from ..results import ExerciseResult, Report

QUIET = ("unimplemented", "missing")  # one summary line says it all; no per-check details


def line(e: ExerciseResult) -> str:
    shown = f"{points(e.score)}/{points(e.max_score)}"
    return f"  {e.status:<14}{shown:>13}   {e.id} — {e.feedback.splitlines()[0]}"


def render(report: Report) -> str:
    out = [f"{report.course}: {points(report.score)} / {points(report.max_score)} points"
           f"   (checks: {report.mode}, isolation: {report.isolation})", "",
           f"  {'status':<14}{'points':>13}   exercise"]
    out += [line(e) for e in report.exercises]
    details = []
    for e in report.exercises:
        if e.status in QUIET:
            continue
        if e.status in ("error", "timeout"):
            details += ["", f"{e.id} ({e.status})", *("  " + t for t in e.feedback.splitlines())]
            continue
        seen: dict[str, str] = {}
        for c in e.checks:
            if c.passed:
                continue
            details += ["", f"{e.id} · {c.name} ({points(c.points)}/{points(c.max_points)})"]
            if c.feedback in seen:
                details.append(f"  the same failure as '{seen[c.feedback]}'")
            else:
                seen[c.feedback] = c.name
                details += ["  " + t for t in c.feedback.splitlines()]
    if details:
        out += ["", "Details", "-------", *details[1:]]
    return "\n".join(out) + "\n"
