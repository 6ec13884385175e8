"""A Markdown summary for a CI job page (e.g. GitHub's $GITHUB_STEP_SUMMARY)."""
from __future__ import annotations

from ..results import Report
from .table import points


def render(report: Report) -> str:
    out = [f"## {report.course}: {points(report.score)} / {points(report.max_score)} points", "",
           "| status | points | exercise |", "|---|---:|---|"]
    out += [f"| {e.status} | {points(e.score)}/{points(e.max_score)} | `{e.id}` |" for e in report.exercises]
    for e in report.exercises:
        failures = [c for c in e.checks if not c.passed and c.public and c.feedback]
        if e.status in ("passed", "unimplemented", "missing") or not (failures or e.feedback):
            continue
        text = "\n\n".join(dict.fromkeys(c.feedback for c in failures)) or e.feedback
        out += ["", f"<details><summary><code>{e.id}</code> — {e.status}</summary>", "", "```", text, "```",
                "", "</details>"]
    return "\n".join(out) + "\n"
