"""The HTML report: one self-contained page (pictures as data: URIs, no scripts, no network) that reads on a
phone and prints. Every text in it is escaped: feedback carries the student's output and tracebacks.

    render(report) -> str    # grade(..., figures=True) adds what each exercise's figure hook draws
"""
from __future__ import annotations

import re
from html import escape
from typing import Callable

from ..results import CheckResult, ExerciseResult, Report
from . import figures
from .table import points

CSS = """
:root { --ok: #1a7f37; --part: #9a6700; --bad: #cf222e; --none: #6e7781; --line: #d0d7de; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 64rem; padding: 1rem; font: 16px/1.45 system-ui, -apple-system, "Segoe UI",
       Roboto, sans-serif; color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 0; overflow-wrap: break-word; }
.score { font-size: 2rem; font-weight: 700; }
.bar { height: .6rem; background: var(--soft); border: 1px solid var(--line); border-radius: .3rem; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--ok); }
.meta, .title, figcaption, .note { color: #59636e; font-size: .9rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top;
         overflow-wrap: break-word; }
td.num, th.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .8rem; font-weight: 600;
         color: #fff; white-space: nowrap; }
.passed { background: var(--ok); } .partial { background: var(--part); }
.failed, .error, .timeout, .missing { background: var(--bad); } .unimplemented { background: var(--none); }
section { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; margin: 1rem 0; }
section > header { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: baseline; }
.checks { list-style: none; padding: 0; margin: .5rem 0 0; }
.checks > li { padding: .35rem 0; border-top: 1px solid var(--line); }
.mark { display: inline-block; width: 1.2rem; font-weight: 700; }
.pass .mark { color: var(--ok); } .fail .mark { color: var(--bad); }
pre { background: var(--soft); padding: .5rem .75rem; border-radius: .3rem; white-space: pre-wrap;
      overflow-wrap: anywhere; font-size: .82rem; margin: .4rem 0; }
figure { margin: .5rem 0; }
img { max-width: 100%; height: auto; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .75rem; }
.panels img { width: 100%; border: 1px solid var(--line); }
.cells { grid-template-columns: repeat(auto-fill, minmax(7rem, 10rem)); } .cells img { image-rendering: pixelated; }
tr.first-diff td { background: #fff8c5; font-weight: 600; }
footer { color: #59636e; font-size: .8rem; margin-top: 2rem; }
@media (max-width: 40rem) { body { padding: .5rem; font-size: 15px; } section { padding: .5rem; }
  .panels { grid-template-columns: repeat(2, 1fr); } .score { font-size: 1.5rem; } }
@media print { body { max-width: none; padding: 0; font-size: 10pt; } a { color: inherit; text-decoration: none; }
  section { border: none; border-top: 1px solid #999; border-radius: 0; padding: .5rem 0; }
  figure, tr, pre, .panels { break-inside: avoid; } h2 { break-after: avoid; }
  .badge, .bar > span, tr.first-diff td { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""
# No scripts, no fetches: images only from data: URIs, styles only from this page.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def render(report: Report) -> str:
    """A complete HTML document for ``report``."""
    title = f"{report.course}: {points(report.score)} / {points(report.max_score)} points"
    body = [_header(report), _summary(report), *filter(None, map(_exercise, report.exercises)),
            f"<footer>checks: {_e(report.mode)} · isolation: {_e(report.isolation)}</footer>"]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body)
            + "\n</body>\n</html>\n")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _id(exercise_id: str) -> str:
    """An exercise id that may break after its dots on a narrow screen."""
    return ".<wbr>".join(_e(part) for part in exercise_id.split("."))


def anchor(exercise_id: str) -> str:
    return "ex-" + re.sub(r"[^A-Za-z0-9_.-]", "-", exercise_id)


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(status)}</span>'


def _header(report: Report) -> str:
    share = 100 * report.score / report.max_score if report.max_score else 0
    return (f"<header><h1>{_e(report.course)}</h1>"
            f"<div class=\"score\">{points(report.score)} / {points(report.max_score)} points</div>"
            f"<div class=\"bar\" role=\"img\" aria-label=\"{share:.0f}% of the points\">"
            f"<span style=\"width: {share:.1f}%\"></span></div></header>")


DETAILED = ("partial", "failed", "error", "timeout")  # the others say all in one line of the summary


def _summary(report: Report) -> str:
    rows = []
    for e in report.exercises:
        name = f"<a href=\"#{_e(anchor(e.id))}\">{_id(e.id)}</a>" if e.status in DETAILED else _id(e.id)
        line = e.feedback.splitlines()[0] if e.feedback and e.status in ("unimplemented", "missing") else ""
        rows.append(f"<tr><td>{_badge(e.status)}</td><td class=\"num\">{points(e.score)}/{points(e.max_score)}</td>"
                    f"<td>{name} <span class=\"title\">— {_e(e.title)}</span>"
                    + (f"<div class=\"note\">{_e(line)}</div>" if line else "") + "</td></tr>")
    return ("<div class=\"scroll\"><table><thead><tr><th>status</th><th class=\"num\">points</th><th>exercise</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _exercise(e: ExerciseResult) -> str:
    if e.status not in DETAILED:
        return ""
    head = (f"<section id=\"{_e(anchor(e.id))}\"><header>{_badge(e.status)}<h2>{_id(e.id)}</h2>"
            f"<span class=\"num\">{points(e.score)} / {points(e.max_score)} points</span></header>"
            f"<div class=\"title\">{_e(e.title)}</div>")
    if e.status in ("error", "timeout") or not e.checks:
        return f"{head}{_text(e.feedback)}</section>"
    channels_first = e.id.rsplit(".", 1)[-1][:1].isupper()  # a class: a torch module, NCHW outputs
    seen: dict[str, str] = {}
    items = "".join(_check(c, seen, channels_first) for c in e.checks)
    return f"{head}{_text(e.feedback)}{_figures(e.figures)}<ul class=\"checks\">{items}</ul></section>"


def _text(text: str) -> str:
    """One line as a paragraph, several (a traceback, the student's output) as preformatted text."""
    if not text:
        return ""
    return f"<p>{_e(text)}</p>" if "\n" not in text else f"<pre>{_e(text)}</pre>"


def _check(c: CheckResult, seen: dict[str, str], channels_first: bool) -> str:
    cls, mark = ("pass", "✓") if c.passed else ("fail", "✗")
    line = (f"<span class=\"mark\" aria-label=\"{'passed' if c.passed else 'failed'}\">{mark}</span>{_e(c.name)} "
            f"<span class=\"meta\">({points(c.points)}/{points(c.max_points)})</span>")
    if c.passed or not c.feedback:
        return f"<li class=\"{cls}\">{line}</li>"
    if c.feedback in seen:
        return f"<li class=\"{cls}\">{line}<div class=\"note\">the same failure as ‘{_e(seen[c.feedback])}’</div></li>"
    seen[c.feedback] = c.name
    heat = _draw(lambda: _heat_maps(c.artifacts, channels_first)) if c.artifacts else ""
    return f"<li class=\"{cls}\">{line}<pre>{_e(c.feedback)}</pre>{heat}</li>"


def _heat_maps(artifacts: dict, channels_first: bool) -> str:
    drawn = figures.difference_pictures(artifacts, channels_first=channels_first)
    return figures.panels_html(*drawn, "cells") if drawn else ""


def _draw(make: Callable[[], str]) -> str:
    """Pictures need matplotlib and Pillow (the ``html`` extra); without them the page says so in their place."""
    try:
        return make()
    except ImportError as e:
        return (f"<p class=\"note\">no picture: {_e(e.name or e)} is not installed (pip install matplotlib, "
                "or the package's html extra)</p>")


def _figures(data: dict | None) -> str:
    """What the exercise's figure hook made (``figures.Figure``s: pictures of a photograph, a layer table)."""
    return "".join(_draw(fig.html) for fig in (data or {}).values())
