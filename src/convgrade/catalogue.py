"""The course's catalogue as Markdown: the table ``course list --markdown`` prints and READMEs show."""
from __future__ import annotations

from .config import Course
from .points import add
from .report.table import points


def catalogue_markdown(course: Course) -> str:
    """The catalogue as the README shows it (a test keeps the README in step with course.toml)."""
    out = []
    for aid, title in course.assignments.items():
        chosen = [e for e in course.exercises if e.assignment == aid]
        out += [f"**{title}** ({points(add(e.points for e in chosen))} points)", "",
                "| exercise | points | what |", "|---|---:|---|"]
        out += [f"| `{e.id}` | {points(e.points)} | {e.title} |" for e in chosen]
        out.append("")
    return "\n".join(out)
