"""JUnit XML: one test suite per exercise, one test case per check, points as properties."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from ..results import Report
from .table import points


def render(report: Report) -> str:
    checks = [(e, c) for e in report.exercises for c in e.checks]
    failed = sum(not c.passed for _, c in checks)
    root = ET.Element("testsuites", name=report.course, tests=str(len(checks)), failures=str(failed))
    for e in report.exercises:
        suite = ET.SubElement(root, "testsuite", name=e.id, tests=str(len(e.checks)),
                              failures=str(sum(not c.passed for c in e.checks)))
        props = ET.SubElement(suite, "properties")
        for key, value in (("status", e.status), ("score", points(e.score)), ("max_score", points(e.max_score))):
            ET.SubElement(props, "property", name=key, value=value)
        for c in e.checks:
            case = ET.SubElement(suite, "testcase", classname=e.id, name=c.name)
            cprops = ET.SubElement(case, "properties")
            ET.SubElement(cprops, "property", name="points", value=points(c.points))
            ET.SubElement(cprops, "property", name="max_points", value=points(c.max_points))
            if not c.passed:
                text = c.feedback or e.feedback
                failure = ET.SubElement(case, "failure", message=text.splitlines()[0] if text else e.status,
                                        type=e.status)
                failure.text = text
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
