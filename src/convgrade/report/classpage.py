"""The class report as one self-contained HTML page (the histograms are inline SVG: no script, no network) and
as Markdown. Both are written from the same texts, so they show the same numbers.

    html(report) -> str      markdown(report) -> str      # report: classreport.build(gradebook, course)
"""
from __future__ import annotations

import re
from html import escape

from ..classreport import BINS, OUTCOMES, ClassReport, ExerciseStats, Histogram, MistakeStats, share, students_text
from .html import CSP, CSS
from .table import points

BIN_LABELS = tuple(f"{10 * i}–{10 * i + 9} %" for i in range(BINS - 1)) + ("100 %",)
TITLE = "what did the class get wrong?"
EXTRA_CSS = """
.hist { max-width: 34rem; } .hist rect.bin { fill: #8c959f; } .hist rect.full { fill: var(--ok); }
.hist text { font: 11px system-ui, sans-serif; fill: #1f2328; } .hist line { stroke: var(--line); }
.split { display: flex; height: .7rem; min-width: 8rem; border: 1px solid var(--line); border-radius: .3rem;
         overflow: hidden; } .split > span { display: block; height: 100%; }
.o0 { background: var(--ok); } .o1 { background: var(--part); } .o2 { background: var(--bad); }
.o3 { background: #afb8c1; } .o4 { background: #8250df; }
.legend span.key { display: inline-block; width: .7rem; height: .7rem; margin: 0 .2rem 0 .6rem; }
table.exercises tr:not(.last) > td { border-bottom: none; } table.exercises th.num { white-space: normal; }
table.exercises .title, table.exercises code { display: block; max-width: 19rem; }
ol.mistakes > li { margin: .75rem 0; } .checklist { margin: 0; padding-left: 1rem; font-size: .85rem; }
@media print { .split > span, .hist rect, .legend span.key { -webkit-print-color-adjust: exact;
  print-color-adjust: exact; } }
"""


# -- the texts both formats share ---------------------------------------------------------------------------
def counts_line(r: ClassReport) -> str:
    out = f"{r.graded} student{'s' * (r.graded != 1)} graded"
    if r.fixtures:
        out += f" ({r.fixtures} with public checks only)"
    return out + (f"; {r.ungradable} submission{'s' * (r.ungradable != 1)} could not be graded and {r.crashed} "
                  "crashed while grading (not counted below)")


def histogram_caption(h: Histogram) -> str:
    return (f"{h.title}: {h.students} student{'s' * (h.students != 1)}, mean {points(h.mean)}, median "
            f"{points(h.median)} of {points(h.max_score)} points")


def lost_text(x: ExerciseStats) -> str:
    each = x.lost / x.graded if x.graded else 0.0
    return f"{points(x.lost)} ({points(round(each, 2))} each)"


def outcome_text(x: ExerciseStats, outcome: str) -> str:
    n = x.outcomes[outcome]
    return f"{n} ({share(n, x.graded)})" if n else "0"


def check_texts(x: ExerciseStats) -> list[str]:
    return [f"{c.name}: failed by {c.failed} of {c.attempted}" for c in x.checks]


def mistake_heading(m: MistakeStats, with_names: bool) -> tuple[str, str]:
    """(who: "38 % of the class (19 of 50)", what: "in normalize: x was divided by its sum")."""
    return students_text(m, with_names), f"in {m.function}: {m.description}"


def small_note(m: MistakeStats, with_names: bool) -> str:
    return "" if m.example or with_names else "no example for a group this small"


# -- HTML ---------------------------------------------------------------------------------------------------
def _e(text: object) -> str:
    return escape(str(text), quote=True)


def html(r: ClassReport) -> str:
    """A complete HTML document for the class report."""
    body = [f"<header><h1>{_e(r.course)}: {TITLE}</h1><p class=\"meta\">{_e(counts_line(r))}</p></header>",
            "<h2>Scores</h2>", *map(_histogram, r.histograms),
            "<h2>Where the class lost points</h2>", _exercises(r.exercises),
            "<h2>The most frequent mistakes</h2>", _mistakes(r)]
    if r.with_names:
        body.insert(1, "<p class=\"note\">This page names students (--with-names): do not share it.</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            f"<title>{_e(r.course)}: {TITLE}</title>\n<style>{CSS}{EXTRA_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _histogram(h: Histogram, width: int = 440, height: int = 180) -> str:
    """Students per tenth of the assignment's points, drawn by hand in SVG."""
    top, bottom, left = 16, 34, 4
    step, tallest = (width - 2 * left) / BINS, max(h.bins) or 1
    parts = [f"<line x1=\"0\" y1=\"{height - bottom}\" x2=\"{width}\" y2=\"{height - bottom}\"></line>"]
    for i, (n, label) in enumerate(zip(h.bins, BIN_LABELS)):
        bar = (height - top - bottom) * n / tallest
        x, y = left + i * step, height - bottom - bar
        kind = "full" if i == BINS - 1 else "bin"
        parts.append(f"<rect class=\"{kind}\" x=\"{x + 2:.1f}\" y=\"{y:.1f}\" width=\"{step - 4:.1f}\" "
                     f"height=\"{bar:.1f}\"><title>{_e(label)}: {n}</title></rect>")
        parts.append(f"<text class=\"count\" x=\"{x + step / 2:.1f}\" y=\"{y - 3:.1f}\" "
                     f"text-anchor=\"middle\">{n}</text>")
        parts.append(f"<text x=\"{x + step / 2:.1f}\" y=\"{height - bottom + 13}\" text-anchor=\"middle\">"
                     f"{_e(label.split('–')[0].rstrip(' %'))}</text>")
    parts.append(f"<text x=\"{width / 2}\" y=\"{height - 4}\" text-anchor=\"middle\">share of the points (%), "
                 "students per tenth</text>")
    caption = histogram_caption(h)
    return (f"<figure><svg class=\"hist\" role=\"img\" aria-label=\"{_e(caption)}\" viewBox=\"0 0 {width} {height}\" "
            f"width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">{''.join(parts)}</svg>"
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _exercises(exercises: tuple[ExerciseStats, ...]) -> str:
    keys = "".join(f"<span class=\"key o{i}\"></span>{_e(o)}" for i, o in enumerate(OUTCOMES))
    head = "".join(f"<th class=\"num\">{_e(o)}</th>" for o in OUTCOMES)
    rows = []
    for x in exercises:
        bar = "".join(f"<span class=\"o{i}\" style=\"width: {100 * x.outcomes[o] / x.graded:.1f}%\"></span>"
                      for i, o in enumerate(OUTCOMES) if x.outcomes[o] and x.graded)
        checks = "".join(f"<li>{_e(t)}</li>" for t in check_texts(x))
        line = "" if checks else " class=\"last\""
        rows.append(f"<tr{line}><td><code>{_e(x.id)}</code><div class=\"title\">{_e(x.title)}</div>"
                    f"<div class=\"split\" role=\"img\" aria-label=\"outcomes\">{bar}</div></td>"
                    f"<td class=\"num\">{_e(lost_text(x))}</td>"
                    + "".join(f"<td class=\"num\">{_e(outcome_text(x, o))}</td>" for o in OUTCOMES) + "</tr>")
        if checks:  # a row of its own: check names are long
            rows.append(f"<tr class=\"last\"><td colspan=\"{2 + len(OUTCOMES)}\"><span class=\"note\">checks "
                        f"that fail most:</span><ul class=\"checklist\">{checks}</ul></td></tr>")
    return (f"<p class=\"legend note\">{keys}</p><div class=\"scroll\"><table class=\"exercises\"><thead><tr>"
            f"<th>exercise</th><th class=\"num\">points lost</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _mistakes(r: ClassReport) -> str:
    if not r.mistakes:
        return "<p class=\"note\">No diagnosed mistake in the gradebook.</p>"
    items = []
    for m in r.mistakes:
        who, what = mistake_heading(m, r.with_names)
        example = f"<pre>{_e(m.example)}</pre>" if m.example else ""
        note = small_note(m, r.with_names)
        names = f"<div class=\"note\">students: {_e(', '.join(m.names))}</div>" if m.names else ""
        items.append(f"<li><strong>{_e(who)}</strong>: {_e(what)}{example}"
                     + (f"<div class=\"note\">{_e(note)}</div>" if note else "") + f"{names}</li>")
    return f"<ol class=\"mistakes\">{''.join(items)}</ol>"


# -- Markdown -----------------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    ticks = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{ticks}\n{text}\n{ticks}"


def markdown(r: ClassReport) -> str:
    out = [f"# {r.course}: {TITLE}", "", counts_line(r), ""]
    if r.with_names:
        out += ["This page names students (--with-names): do not share it.", ""]
    out += ["## Scores", ""]
    for h in r.histograms:
        out += [f"**{histogram_caption(h)}**", "", "| share of the points | " + " | ".join(BIN_LABELS) + " |",
                "|---|" + "---:|" * BINS, "| students | " + " | ".join(map(str, h.bins)) + " |", ""]
    out += ["## Where the class lost points", "",
            "| exercise | points lost | " + " | ".join(OUTCOMES) + " | checks that fail most |",
            "|---|" + "---:|" * (1 + len(OUTCOMES)) + "---|"]
    for x in r.exercises:
        out.append(f"| `{x.id}` {_cell(x.title)} | {lost_text(x)} | "
                   + " | ".join(outcome_text(x, o) for o in OUTCOMES) + " | "
                   + "<br>".join(map(_cell, check_texts(x))) + " |")
    out += ["", "## The most frequent mistakes", ""]
    for i, m in enumerate(r.mistakes, 1):
        who, what = mistake_heading(m, r.with_names)
        out.append(f"{i}. **{who}**: {what}")
        if m.example:
            out += ["", *("   " + line if line else "" for line in _fence(m.example).splitlines())]
        if small_note(m, r.with_names):
            out += ["", f"   {small_note(m, r.with_names)}"]
        if m.names:
            out += ["", f"   students: {', '.join(m.names)}"]
        out.append("")
    if not r.mistakes:
        out += ["No diagnosed mistake in the gradebook.", ""]
    return "\n".join(out).rstrip() + "\n"
