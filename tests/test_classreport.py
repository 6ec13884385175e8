"""`course gradebook report`: what a class got wrong, from the gradebook alone. A class of ten (the reference, the
stubs, examples/partial, catalogued mistakes) is batch-graded; the page's numbers are checked against the
gradebook, the Markdown against the HTML, the names kept off the page, and the page in a real browser."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tracemalloc
from collections import Counter
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.classreport import plant, synthesize
from conftest import ROOT
from convgrade.classreport import anonymise, build, diagnoses
from convgrade.feedback import failure_text
from convgrade.report import browser
from test_cli import course as run_course
from test_html import Page, chromium, harness  # noqa: F401 - chromium is a fixture

LESSONS = ["week1.padding", "week1.pooling"]
STRIDE = "the stride was ignored (windows stepped by 1, n_H = n_H_prev - f + 1)"
CLASS = {  # student: the catalogued mistakes planted in the reference (None: another source)
    "ada-ref": {}, "bo-ref": {}, "cy-stub": None, "di-partial": None,
    **{f"{name}-stride": {"week1.pooling": ["pool_forward_no_stride"]} for name in ("ed", "flo", "gus", "hal", "ivy")},
    "jo-sum": {"week1.pooling": ["pool_forward_sum"], "week1.padding": ["conv_output_size_true_division"]},
}
STATUS = {"passed": "full marks", "partial": "partial", "failed": "failed", "unimplemented": "not attempted",
          "missing": "not attempted", "error": "error/timeout", "timeout": "error/timeout"}


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("class")
    klass = tmp / "class"
    for student, mistakes in CLASS.items():
        if mistakes is not None:
            plant(course, klass / student, mistakes, lessons=LESSONS)
    shutil.copytree(ROOT / "exercises", klass / "cy-stub")
    shutil.copytree(ROOT / "examples" / "partial", klass / "di-partial")
    (klass / "kim-empty").mkdir()
    db = tmp / "gradebook.sqlite"
    only = [x for lesson in LESSONS for x in ("--only", lesson)]
    run = run_course("batch", str(klass), "--jobs", "2", "--out", str(db), *only)
    assert run.returncode == 0 and "11 submissions: 10 graded" in run.stdout, run.stdout + run.stderr
    pages = {}
    for names in ((), ("--with-names",)):
        html, md = tmp / f"class{'-names' * bool(names)}.html", tmp / f"class{'-names' * bool(names)}.md"
        run = run_course("gradebook", "report", "--out", str(db), "--html", str(html), "--markdown", str(md), *names)
        assert run.returncode == 0, run.stderr
        pages[names] = (html.read_text(encoding="utf-8"), md.read_text(encoding="utf-8"))
    return {"db": db, "report": build(db, course), "pages": pages, "stdout": run.stdout}


def gradebook(db: Path) -> tuple[Counter, list[dict]]:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT kind, report FROM results").fetchall()
    con.close()
    return Counter(kind for kind, _ in rows), [json.loads(r) for kind, r in rows if kind == "graded"]


def test_the_counts_are_the_gradebooks(graded):
    kinds, reports = gradebook(graded["db"])
    r = graded["report"]
    assert (r.graded, r.ungradable, r.crashed) == (kinds["graded"], kinds["ungradable"], 0) == (10, 1, 0)
    statuses: dict[str, Counter] = {}
    lost: Counter = Counter()
    for data in reports:
        for e in data["exercises"]:
            statuses.setdefault(e["id"], Counter())[STATUS[e["status"]]] += 1
            lost[e["id"]] += e["max_score"] - e["score"]
    assert {x.id: {k: v for k, v in x.outcomes.items() if v} for x in r.exercises} == statuses
    assert {x.id: x.lost for x in r.exercises} == pytest.approx(dict(lost))
    assert [x.lost for x in r.exercises] == sorted((x.lost for x in r.exercises), reverse=True)
    pool = next(x for x in r.exercises if x.id == "week1.pooling.pool_forward")
    assert (pool.outcomes["full marks"], pool.outcomes["not attempted"], pool.graded) == (2, 1, 10)
    assert r.exercises[0] is pool  # 8 points, lost by 8 of 10
    (week1,) = r.histograms
    scores = sorted(d["score"] / d["max_score"] for d in reports)
    assert week1.bins[-1] == scores.count(1.0) == 2 and week1.bins[0] == 1 and week1.students == 10
    assert week1.median == pytest.approx(float(np.median([d["score"] for d in reports])))


def test_the_most_frequent_mistake_is_the_one_planted_most_often(graded):
    html, md = graded["pages"][()]
    first = graded["report"].mistakes[0]
    assert (first.exercise, first.description, first.students, first.graded) == \
        ("week1.pooling.pool_forward", STRIDE, 5, 10)
    assert all(m.students < 5 for m in graded["report"].mistakes[1:])
    assert f"1. **50 % of the class (5 of 10)**: in pool_forward: {STRIDE}" in md
    assert "looks like " + STRIDE in first.example and first.example.startswith("pool_forward: A has the wrong shape")
    assert "**< 5 students**: in pool_forward: the average is the window&#x27;s sum" not in html  # escaped once
    assert "<strong>&lt; 5 students</strong>: in pool_forward: the average is the window&#x27;s sum" in html
    assert "1 submission could not be graded" in md


def html_numbers(doc: str) -> dict:
    rows = re.findall(r"<tr(?: class=\"last\")?><td><code>([^<]*)</code>.*?</td>((?:<td class=\"num\">[^<]*</td>)+)"
                      r"</tr>(?:<tr class=\"last\"><td colspan=\"7\">.*?<ul class=\"checklist\">(.*?)</ul>)?", doc)
    return {"counts": unescape(re.search(r'<p class="meta">([^<]*)</p>', doc).group(1)),
            "bins": [re.findall(r"<title>[^<]*: (\d+)</title>", svg) for svg in re.findall(r"<svg.*?</svg>", doc)],
            "exercises": [(i, *map(unescape, re.findall(r">([^<]*)</td>", cells)),
                           "<br>".join(unescape(c) for c in re.findall(r"<li>([^<]*)</li>", checks)))
                          for i, cells, checks in rows],
            "mistakes": [tuple(map(unescape, m)) for m in re.findall(r"<li><strong>([^<]*)</strong>: ([^<]*)", doc)]}


def md_numbers(doc: str) -> dict:
    lines = doc.splitlines()
    rows = [line.split(" | ") for line in lines if line.startswith("| `")]
    return {"counts": lines[2],
            "bins": [line.strip("| ").split(" | ")[1:] for line in lines if line.startswith("| students |")],
            "exercises": [(r[0].split("`")[1], *r[1:7], r[7].rstrip(" |")) for r in rows],
            "mistakes": re.findall(r"^\d+\. \*\*([^*]*)\*\*: (.*)$", doc, re.M)}


@pytest.mark.parametrize("names", [(), ("--with-names",)], ids=["anonymous", "with-names"])
def test_the_markdown_has_the_htmls_numbers(graded, names):
    html, md = graded["pages"][names]
    h, m = html_numbers(html), md_numbers(md)
    assert h == m
    assert len(h["exercises"]) == 4 and len(h["mistakes"]) == len(graded["report"].mistakes) >= 3
    assert "average-pool values: failed by 7 of 9" in h["exercises"][0][-1]  # the checks that fail most
    assert h["bins"] == [[str(n) for n in graded["report"].histograms[0].bins]]


def test_no_student_is_named_unless_asked(graded):
    anonymous, named = graded["pages"][()], graded["pages"][("--with-names",)]
    for doc in anonymous:
        assert not [s for s in (*CLASS, "kim-empty") if s in doc]
        assert unescape(doc).count("< 5 students") == len(graded["report"].mistakes) - 1
    for doc in named:
        assert "ed-stride, flo-stride, gus-stride, hal-stride, ivy-stride" in doc and "< 5" not in doc
        assert "names students (--with-names): do not share it" in doc


def test_the_example_feedback_is_anonymised():
    feedback = ("f: Z has wrong values\n  got 1, expected 2\n  looks like the bias was left out\n"
                "  traceback (your code):\n    File \"week1/convolution.py\", line 3, in f\n"
                "  your code printed:\n    looks like a forged diagnosis\n    ada@example.org\n"
                "  saved in /home/ada/work/out.npy\n  hint: add b")
    assert diagnoses(feedback) == ["the bias was left out"]
    written = failure_text("f", "Z has wrong values", case_lines=[], details=[], diagnosis="the bias was left out",
                           traceback="  File \"week1/convolution.py\"", output="x = 1", hint=None)
    assert diagnoses(written) == ["the bias was left out"]  # the engine's own wording
    assert anonymise(written) == ("f: Z has wrong values\n  looks like the bias was left out\n"
                                  "  traceback (your code) (left out)\n  your code printed (left out)")
    assert anonymise(feedback) == ("f: Z has wrong values\n  got 1, expected 2\n  looks like the bias was left out\n"
                                   "  traceback (your code) (left out)\n  your code printed (left out)\n  hint: add b")


def test_the_page_is_self_contained(graded):
    html, _ = graded["pages"][()]
    page = Page(html)
    assert {t for t, _ in page.tags} <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2",
                                         "p", "figure", "svg", "line", "rect", "title", "text", "figcaption", "div",
                                         "table", "thead", "tbody", "tr", "th", "td", "code", "ul", "li", "span",
                                         "ol", "strong", "pre"}
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on") or a in ("src", "href")]
    assert "url(" not in html and "@import" not in html and "<script" not in html


def test_usage_errors(graded, tmp_path):
    run = run_course("gradebook", "report", "--out", str(graded["db"]))
    assert run.returncode == 2 and "nothing to write; give --html FILE and/or --markdown FILE" in run.stderr
    run = run_course("gradebook", "report", "--out", str(tmp_path / "none.sqlite"), "--html", str(tmp_path / "x"))
    assert run.returncode == 2 and "none.sqlite: no such gradebook" in run.stderr


def test_two_thousand_students_in_memory_independent_of_the_class(course, graded, tmp_path):
    _, reports = gradebook(graded["db"])
    peaks = {}
    for n in (200, 2000):
        synthesize(tmp_path / f"{n}.sqlite", course, reports, n)
        tracemalloc.start()
        r = build(tmp_path / f"{n}.sqlite", course)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    kinds, rows = gradebook(tmp_path / "2000.sqlite")
    assert (r.graded, r.ungradable) == (kinds["graded"], kinds["ungradable"]) and r.graded + r.ungradable == 2000
    stride = sum(any(STRIDE in c["feedback"] for e in d["exercises"] for c in e["checks"]) for d in rows)
    assert (r.mistakes[0].description, r.mistakes[0].students) == (STRIDE, stride)
    assert r.histograms[0].students == r.graded and sum(r.exercises[0].outcomes.values()) == r.graded
    assert peaks[2000] < 1.3 * peaks[200], peaks


def test_in_chromium_the_page_renders_with_its_histogram(graded, chromium, tmp_path):  # noqa: F811
    html, _ = graded["pages"][()]
    page, shot = tmp_path / "class.html", tmp_path / "class.png"
    page.write_text(html, encoding="utf-8")
    browser.screenshot(chromium, page, shot, width=1000, height=1200)
    image = np.asarray(Image.open(shot).convert("RGB"))
    assert image.std() > 20
    assert ((image == (0x1a, 0x7f, 0x37)).all(axis=2)).sum() > 200  # the full-marks bar and the outcome bars
    for width in (1000, 360):  # nothing wider than a phone's screen but the table, which scrolls in its box
        page.write_text(harness(html, width), encoding="utf-8")
        dom = browser.dump_dom(chromium, page)
        images, overflow = re.search(r'<pre id="probe">([^<]*)</pre>', dom).group(1).split(";")
        assert images == "" and int(overflow) <= 0, f"the page is {overflow} px wider than a {width} px screen"
