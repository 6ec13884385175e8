"""Points add up, exactly, in every format a person or a gradebook reads: the reference, the stubs and
examples/partial, graded in the instructor's checkout (reference mode) and in a bundle made by `course release`
(fixtures mode). In each format, read back as text: every exercise's score is at most its max, its checks' points
add up to it, the exercises add up to the report's score, and every format shows the JSON report's numbers.
(nbgrader's export is held to `course grade`'s numbers in test_nbgrader.py.)"""
from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

import engine_venv
from conftest import ROOT
from convgrade import config as course_mod
from convgrade.gradebook import Gradebook, graded_row, report_json, write_csv
from convgrade.points import add, shares, text
from convgrade.release import release
from convgrade.report import gradescope, html, junit, markdown, table
from convgrade.results import Report
from convgrade.runner import grade
from test_release import WHEEL, fail_under, in_bundle

# shares in thirds and elevenths, partial credit, unimplemented exercises, torch modules: the 0.9091 of 0.909
# that IdentityBlock scored in a bundle (its public checks share 1 point by 5/11 and 5/11)
ONLY = ["week1.edges", "week1.backprop", "week2.resnet.IdentityBlock"]
SUBMISSIONS = {"reference": ROOT / "reference", "stubs": ROOT / "exercises", "partial": ROOT / "examples" / "partial"}
NUMBER = r"(\d+(?:\.\d+)?)"


def test_shares_add_up_to_the_points_exactly():
    assert shares(1, [1] * 11) == [0.091] + [0.0909] * 10
    assert shares(1, [5, 5, 1]) == [0.4546, 0.4545, 0.0909]  # the largest remainder first, the first on a tie
    assert shares(2, [2, 2, 1, 1]) == [0.6667, 0.6667, 0.3333, 0.3333]
    assert shares(10, [1.5, 0.1, 3]) == [3.2609, 0.2174, 6.5217]
    for total, weights in [(1, [1] * 11), (2, [2, 2, 1, 1]), (10, [1.5, 0.1, 3]), (0.0003, [1] * 5), (7.25, [3, 3, 3])]:
        assert sum(Decimal(repr(s)) for s in shares(total, weights)) == Decimal(repr(total))
    assert add([0.1, 0.2]) == 0.3 and add([36.1879, 0.0001]) == 36.188 and add([]) == 0.0
    assert [text(x) for x in (0.9091, 150.0, 0.0, 1.5, 52.0333)] == ["0.9091", "150", "0", "1.5", "52.0333"]


@dataclass
class Shown:
    """The numbers one format shows, as written: the report's score and max (if shown), each exercise's score and
    max (max None when not shown), and each exercise's checks (points, max) when the format lists them all."""

    total: tuple[Decimal, Decimal] | None = None
    exercises: dict[str, tuple[Decimal, Decimal | None]] = field(default_factory=dict)
    checks: dict[str, list[tuple[Decimal, Decimal]]] = field(default_factory=dict)


def from_json(data: dict) -> Shown:
    shown = Shown((data["score"], data["max_score"]))
    for e in data["exercises"]:
        shown.exercises[e["id"]] = (e["score"], e["max_score"])
        if e["checks"]:
            shown.checks[e["id"]] = [(c["points"], c["max_points"]) for c in e["checks"]]
    return shown


def from_junit(xml: str) -> Shown:
    shown = Shown()
    for suite in ET.fromstring(xml):
        props = {p.get("name"): Decimal(p.get("value")) for p in suite.iter("property") if p.get("name") != "title"
                 and p.get("name") != "status"}
        shown.exercises[suite.get("name")] = (props.pop("score"), props.pop("max_score"))
        names = [k.removeprefix("points: ") for k in props if k.startswith("points: ")]
        if names:
            shown.checks[suite.get("name")] = [(props[f"points: {n}"], props[f"max_points: {n}"]) for n in names]
    return shown


def from_gradescope(data: dict) -> Shown:
    """Gradescope shows tests (one per check) and the total; an exercise's score is the sum of its tests."""
    shown = Shown((data["score"], data["extra_data"]["max_score"]))
    for t in data["tests"]:
        shown.checks.setdefault(t["tags"][0], []).append((t["score"], t["max_score"]))
    for eid, checks in shown.checks.items():
        shown.exercises[eid] = (sum(p for p, _ in checks), sum(m for _, m in checks))
    return shown


def from_lines(text_: str, head: str, row: str) -> Shown:
    """The table and Markdown: a headline with the report's points, then one row per exercise."""
    score, max_score = re.search(head, text_, flags=re.M).groups()
    shown = Shown((Decimal(score), Decimal(max_score)))
    for s, m, eid in re.findall(row, text_, flags=re.M):
        shown.exercises[eid] = (Decimal(s), Decimal(m))
    return shown


def from_html(page: str) -> Shown:
    score, max_score = re.search(rf'<div class="score">{NUMBER} / {NUMBER} points</div>', page).groups()
    shown = Shown((Decimal(score), Decimal(max_score)))
    for s, m, name in re.findall(rf'<td class="num">{NUMBER}/{NUMBER}</td><td>(.*?) <span class="title">', page):
        shown.exercises[re.sub(r"<[^>]*>", "", name)] = (Decimal(s), Decimal(m))
    for section in re.findall(r'<section id="ex-(.*?)</section>', page, flags=re.S):
        eid = section.split('"', 1)[0]
        s, m = re.search(rf'<span class="num">{NUMBER} / {NUMBER} points</span>', section).groups()
        assert shown.exercises[eid] == (Decimal(s), Decimal(m)), eid
        checks = re.findall(rf'<span class="meta">\({NUMBER}/{NUMBER}\)</span>', section)
        if checks:
            shown.checks[eid] = [(Decimal(p), Decimal(q)) for p, q in checks]
    return shown


def from_csv(path: Path, student: str) -> Shown:
    with open(path, newline="", encoding="utf-8") as f:
        (row,) = [r for r in csv.DictReader(f) if r["student"] == student]
    exercises = {k: (Decimal(v), None) for k, v in row.items() if k.count(".") >= 2 and v != ""}
    return Shown((Decimal(row["total"]), Decimal(row["max_score"])), exercises)


def every_format(report: Report, course: course_mod.Course, tmp: Path) -> dict[str, Shown]:
    """The report in each format, read back as a reader would read it."""
    data = json.loads(json.dumps(report_json(report, course)), parse_float=Decimal, parse_int=Decimal)
    with Gradebook(tmp / "gradebook.sqlite", course) as book:
        book.put(graded_row("s", "x", "d", report_json(report, course)))
        write_csv(tmp / "grades.csv", course, book.rows())
    return {
        "json": from_json(data),
        "junit": from_junit(junit.render(report)),
        "gradescope": from_gradescope(json.loads(json.dumps(gradescope.render(report)), parse_float=Decimal,
                                                 parse_int=Decimal)),
        "table": from_lines(table.render(report), rf": {NUMBER} / {NUMBER} points",
                            rf"^  \w+ +{NUMBER}/{NUMBER}   (\S+) — "),
        "markdown": from_lines(markdown.render(report), rf"^## .*: {NUMBER} / {NUMBER} points$",
                               rf"^\| \w+ \| {NUMBER}/{NUMBER} \| `(\S+)` \|$"),
        "html": from_html(html.render(report)),
        "csv": from_csv(tmp / "grades.csv", "s"),
    }


def assert_adds_up(shown: Shown, reference: Shown, where: str) -> None:
    assert shown.exercises, where
    for eid, (score, max_score) in shown.exercises.items():
        assert 0 <= score <= (max_score if max_score is not None else score), f"{where}: {eid}"
        assert (score, max_score if max_score is not None else reference.exercises[eid][1]) \
            == reference.exercises[eid], f"{where}: {eid} is not the JSON report's"
        if eid in shown.checks:
            assert sum(p for p, _ in shown.checks[eid]) == score, f"{where}: {eid}'s checks"
            if max_score is not None:
                assert sum(m for _, m in shown.checks[eid]) == max_score, f"{where}: {eid}'s checks' max"
            assert all(0 <= p <= m for p, m in shown.checks[eid]), f"{where}: {eid}"
    if shown.total is not None:
        assert shown.total == reference.total, f"{where}: the report's points are not the JSON report's"
        assert shown.total[0] == sum(s for s, _ in shown.exercises.values()), f"{where}: score"
        maxes = [m for _, m in shown.exercises.values()]
        if None not in maxes:
            assert shown.total[1] == sum(maxes), f"{where}: max_score"
    assert set(shown.exercises) == set(reference.exercises), where


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """A student bundle of the lessons in ONLY, made by `course release` (fixtures mode)."""
    out = tmp_path_factory.mktemp("points") / "starter"
    release(course_mod.load(ROOT), out, ONLY)
    return out


@pytest.mark.parametrize("mode", ["reference", "fixtures"])
def test_points_add_up_in_every_format(mode, request, tmp_path):
    root = ROOT if mode == "reference" else request.getfixturevalue("bundle")
    course = course_mod.load(root)
    seen = {}
    for name, submission in SUBMISSIONS.items():
        report = grade(course, submission, ONLY if mode == "reference" else None)
        assert report.mode == mode
        folder = tmp_path / name
        folder.mkdir()
        shown = every_format(report, course, folder)
        for fmt, numbers in shown.items():
            assert_adds_up(numbers, shown["json"], f"{mode}, {name}, {fmt}")
        seen[name] = shown["json"]
    full = seen["reference"].total[1]
    assert seen["reference"].total == (full, full) and seen["stubs"].total == (0, full)
    assert 0 < seen["partial"].total[0] < full
    if mode == "fixtures":  # it scored 0.9091 of 0.909
        assert seen["reference"].exercises["week2.resnet.IdentityBlock"] == (Decimal("0.9091"), Decimal("0.9091"))


def test_fail_under_compares_the_score_as_shown(request):
    """In the bundle, the reference's score equals the CI's threshold to the last digit shown: exit 0."""
    bundle = request.getfixturevalue("bundle")
    threshold = fail_under(bundle)
    engine = engine_venv.shared(bundle / WHEEL)  # the bundle's engine, as installed
    run = in_bundle(engine, bundle, "grade", str(ROOT / "reference"), "--json", "-", "--fail-under", threshold)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout, parse_float=Decimal, parse_int=Decimal)
    assert data["score"] == data["max_score"] == Decimal(threshold)
    assert [(e["score"], e["max_score"]) for e in data["exercises"] if e["id"] == "week2.resnet.IdentityBlock"] \
        == [(Decimal("0.9091"), Decimal("0.9091"))]
