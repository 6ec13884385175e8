"""Gradescope's ``results.json``: one test per check; hidden checks keep their details from students."""
from __future__ import annotations

from ..results import Report


def render(report: Report) -> dict:
    tests = []
    for e in report.exercises:
        for c in e.checks:
            tests.append({
                "name": f"{e.id}: {c.name}",
                "number": e.id,
                "score": c.points,
                "max_score": c.max_points,
                "status": "passed" if c.passed else "failed",
                "output": c.feedback if c.public else ("" if c.passed else "a hidden check failed"),
                "visibility": "visible" if c.public else "after_published",
            })
    summary = f"{report.score:g} / {report.max_score:g} points ({report.mode} checks, {report.isolation} isolation)"
    return {"score": report.score, "max_score": report.max_score, "output": summary, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}
