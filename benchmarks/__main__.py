"""``python -m benchmarks [SECTION...]``: run the benchmarks and write BENCHMARKS.md (all sections) or print
the Markdown (some). Sections: kernels, roundtrip, batch, cluster (with the class of full submissions: `fullclass`),
grading, lessons, classreport."""
from __future__ import annotations

import datetime
import sys
import time

from . import batch, classreport, cluster, grading, kernels, roundtrip
from .common import ROOT, Section, blas, env_notes, loadavg, machine, table, versions

SECTIONS = {"kernels": kernels.bench, "roundtrip": roundtrip.bench, "batch": batch.bench, "cluster": cluster.bench,
            "grading": grading.bench, "lessons": grading.bench_lessons, "classreport": classreport.bench}


def render(sections: list[Section], started: datetime.datetime, seconds: float, load: tuple[str, str]) -> str:
    targets = [t for s in sections for t in s.targets]
    met = sum(t.met for t in targets)
    out = ["# Benchmarks", "",
           "Written by `make bench` (`python -m benchmarks`); do not edit by hand. Issue 8, items 1 and 2.", "",
           *table(["", ""], [
               ["date", started.strftime("%Y-%m-%d %H:%M UTC")],
               *[[k, v] for k, v in machine()],
               ["versions", versions()],
               ["BLAS", blas()],
               ["environment", env_notes()],
               ["load average (1, 5, 15 min)", f"{load[0]} at the start, {load[1]} at the end; per section below"],
               ["`make bench` took", f"{seconds / 60:.1f} min"]]),
           "The machine is shared with other sessions: read the figures with the load average in mind. Every "
           "comparison is a ratio of two figures measured in the same run, in turns.", "",
           f"## Targets: {met} of {len(targets)} met", "",
           *table(["target", "goal", "measured", "met"],
                  [[t.name, t.goal, t.measured, "yes" if t.met else "**no**"] for t in targets])]
    missed = [t for t in targets if not t.met]
    if missed:
        out += ["### Why the missed ones are missed", ""]
        out += [f"- **{t.name}**: {t.why}" for t in missed] + [""]
    for s in sections:
        out += [f"## {s.title}", "", f"Load average when the section started: {s.load}.", "", *s.lines]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    names = argv or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        print(f"benchmarks: no section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    started, t0, load0 = datetime.datetime.now(datetime.timezone.utc), time.monotonic(), loadavg()
    sections = []
    for name in names:
        print(f"benchmarks: {name} (load average {loadavg()})...", file=sys.stderr, flush=True)
        t = time.monotonic()
        sections.append(SECTIONS[name]())
        print(f"benchmarks: {name} took {time.monotonic() - t:.0f} s", file=sys.stderr, flush=True)
    text = render(sections, started, time.monotonic() - t0, (load0, loadavg()))
    if argv:
        print(text)
    else:
        (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")
        print(f"benchmarks: wrote {ROOT / 'BENCHMARKS.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
