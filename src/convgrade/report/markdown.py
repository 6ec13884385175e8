"""A Markdown summary for a CI job page (e.g. GitHub's $GITHUB_STEP_SUMMARY): a table, then the feedback of
each public check that failed. Hidden checks are counted, never described."""
from __future__ import annotations

import html
import re

from ..results import ExerciseResult, Report
from .table import points


def _fence(text: str) -> str:
    """A code block that the text cannot close, whatever backticks it holds."""
    ticks = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    return f"{ticks}text\n{text}\n{ticks}"


def _details(e: ExerciseResult) -> list[str]:
    if e.status in ("error", "timeout", "missing") or not e.checks:  # one message says it for every check
        return [_fence(e.feedback)] if e.feedback else []
    failed = [c for c in e.checks if not c.passed]
    out = [_fence(text) for text in dict.fromkeys(c.feedback for c in failed if c.public and c.feedback)]
    hidden = sum(not c.public for c in failed)
    if hidden:
        out.append(f"{hidden} hidden check{'s' * (hidden != 1)} failed (their details are not shown).")
    return out


def render(report: Report) -> str:
    out = [f"## {html.escape(report.course)}: {points(report.score)} / {points(report.max_score)} points", "",
           f"checks: {report.mode}, isolation: {report.isolation}", "",
           "| status | points | exercise |", "|---|---:|---|"]
    out += [f"| {e.status} | {points(e.score)}/{points(e.max_score)} | `{e.id}` |" for e in report.exercises]
    for e in report.exercises:
        if e.status in ("passed", "unimplemented"):
            continue
        details = _details(e)
        if details:
            out += ["", f"<details><summary><code>{e.id}</code> — {e.status}</summary>", "",
                    *("\n\n".join(details).splitlines()), "", "</details>"]
    return "\n".join(out) + "\n"
