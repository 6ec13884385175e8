"""Gradescope's ``results.json`` (the autograder specification): one test per check, with name, score,
max_score, status, output and visibility. Hidden checks are ``"visibility": "hidden"``: students never see
them, instructors see their full feedback. An exercise that could not be graded at all is one test."""
from __future__ import annotations

from ..results import Report
from .table import points


def render(report: Report) -> dict:
    tests = []
    for i, e in enumerate(report.exercises, start=1):
        checks = [(c.name, c.points, c.max_points, c.passed, c.feedback or ("" if c.passed else e.feedback),
                   c.public) for c in e.checks] or [("could not be graded", 0.0, e.max_score, False, e.feedback, True)]
        for j, (name, score, max_score, passed, output, public) in enumerate(checks, start=1):
            tests.append({
                "name": f"{e.id}: {name}",
                "number": f"{i}.{j}",
                "score": score,
                "max_score": max_score,
                "status": "passed" if passed else "failed",
                "output": output,
                "output_format": "text",
                "tags": [e.id],
                "visibility": "visible" if public else "hidden",
            })
    summary = (f"{points(report.score)} / {points(report.max_score)} points ({report.mode} checks, {report.isolation} "
               "isolation); hidden checks count in the score, their details are not shown")
    return {"score": report.score, "output": summary, "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"schema": "course-grade/1", "max_score": report.max_score, "mode": report.mode,
                           "isolation": report.isolation}}
