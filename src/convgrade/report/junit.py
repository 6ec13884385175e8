"""JUnit XML: one test suite per exercise, one test case per check; valid against the JUnit schema that
Jenkins' xUnit plugin and pytest (junit_family=xunit2) use, which allows properties on test suites only: the
suite holds the exercise's score and each check's points (``points: <check>``, ``max_points: <check>``)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..results import ExerciseResult, Report
from .table import points

FATAL = ("error", "timeout", "missing")  # the exercise could not be graded: its checks are errors, not failures
# characters XML 1.0 cannot hold (a student's output may print any of them)
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def _suite(root: ET.Element, e: ExerciseResult) -> None:
    checks = list(e.checks)
    lost = [c for c in checks if not c.passed]
    fatal = e.status in FATAL
    suite = ET.SubElement(root, "testsuite", name=e.id, tests=str(max(len(checks), 1)),
                          failures=str(0 if fatal else len(lost)), errors=str(max(len(lost), 1) if fatal else 0))
    props = ET.SubElement(suite, "properties")
    pairs = [("title", e.title), ("status", e.status), ("score", points(e.score)), ("max_score", points(e.max_score))]
    for c in checks:
        pairs += [(f"points: {c.name}", points(c.points)), (f"max_points: {c.name}", points(c.max_points))]
    if e.variant is not None:  # a question: whose variant, drawn from which seed
        pairs += [("variant student", e.variant["student"]), ("variant seed", str(e.variant["seed"]))]
    for key, value in pairs:
        ET.SubElement(props, "property", name=xml_text(key), value=xml_text(value))
    if not checks:  # e.g. a notebook that could not be read: one case carries the message and the points lost
        checks_shown = [("could not be graded", False, e.feedback)]
    else:
        checks_shown = [(c.name, c.passed, c.feedback or e.feedback) for c in checks]
    for name, passed, text in checks_shown:
        case = ET.SubElement(suite, "testcase", classname=e.id, name=xml_text(name))
        if passed:
            continue
        kind = "error" if fatal else "failure"
        headline = text.splitlines()[0] if text else e.status
        node = ET.SubElement(case, kind, message=xml_text(headline),
                             type=e.status if fatal or e.status == "unimplemented" else "failed")
        node.text = xml_text(text)


def render(report: Report) -> str:
    suites = ET.Element("testsuites", name=xml_text(report.course))
    for e in report.exercises:
        _suite(suites, e)
    for key in ("tests", "failures", "errors"):
        suites.set(key, str(sum(int(s.get(key)) for s in suites)))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
