"""The machine-readable reports, read back with real parsers and checked against their schemas: the JSON report
(course-grade/1, from DESIGN.md), JUnit XML (the schema of Jenkins' xUnit plugin, junit-10.xsd, which pytest's
junit_family=xunit2 follows), Gradescope's results.json (its autograder specification), and the Markdown summary."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from conftest import ROOT, write_submission
from convgrade.report import gradescope, junit, markdown
from convgrade.results import STATUSES, CheckResult, ExerciseResult, Report
from test_cli import course

NUMBER = {"type": "number", "minimum": 0}
REPORT_SCHEMA = {
    "type": "object",
    "required": ["schema", "score", "max_score", "mode", "isolation", "exercises"],
    "properties": {
        "schema": {"const": "course-grade/1"}, "score": NUMBER, "max_score": NUMBER,
        "mode": {"enum": ["reference", "fixtures"]}, "isolation": {"type": "string", "minLength": 1},
        "student": {"type": "string"}, "course_id": {"type": "string"}, "course_version": {"type": "string"},
        "submission_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "exercises": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "score", "max_score", "status", "feedback", "checks"],
            "properties": {
                "id": {"type": "string", "pattern": r"^[a-z_][a-z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*){2,}$"},
                "score": NUMBER, "max_score": NUMBER, "status": {"enum": list(STATUSES)},
                "feedback": {"type": "string"},
                "checks": {"type": "array", "items": {
                    "type": "object", "required": ["name", "passed", "points", "max_points", "feedback"],
                    "properties": {"name": {"type": "string"}, "passed": {"type": "boolean"}, "points": NUMBER,
                                   "max_points": NUMBER, "feedback": {"type": "string"},
                                   "public": {"type": "boolean"}}}}}}},
    },
}
# Gradescope's autograder specification, results.json: every documented key, and no other
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["score", "tests"],
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"}, "output": {"type": "string"},
        "output_format": FORMAT, "test_output_format": FORMAT, "test_name_format": FORMAT,
        "visibility": VISIBILITY, "stdout_visibility": VISIBILITY, "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "score", "max_score"],
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"}, "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"}, "name_format": FORMAT, "number": {"type": "string"},
                "output": {"type": "string"}, "output_format": FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}}, "visibility": VISIBILITY,
                "extra_data": {"type": "object"}}}},
    },
}
# junit-10.xsd: element -> (children allowed, attributes required, attributes allowed besides)
JUNIT = {
    "testsuites": ({"testsuite"}, set(), {"name", "time", "tests", "failures", "errors"}),
    "testsuite": ({"testsuite", "properties", "testcase", "system-out", "system-err"},
                  {"name", "tests", "failures", "errors"},
                  {"group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"}),
    "properties": ({"property"}, set(), set()),
    "property": (set(), {"name", "value"}, set()),
    "testcase": ({"skipped", "error", "failure", "system-out", "system-err"}, {"name"}, {"time", "classname", "group"}),
    "failure": (set(), set(), {"type", "message"}),
    "error": (set(), set(), {"type", "message"}),
    "skipped": (set(), set(), {"type", "message"}),
}


def junit_errors(node: ET.Element, path: str = "") -> list[str]:
    where = f"{path}/{node.tag}"
    if node.tag not in JUNIT:
        return [f"{where}: element not in the schema"]
    children, required, allowed = JUNIT[node.tag]
    errors = [f"{where}: missing attribute {a}" for a in required - set(node.attrib)]
    errors += [f"{where}: attribute {a} not in the schema" for a in set(node.attrib) - required - allowed]
    for child in node:
        errors += [f"{where}: {child.tag} not allowed here"] if child.tag not in children else junit_errors(child, where)
    if node.tag == "testsuite":
        errors += [f"{where}: {a}={node.get(a)!r} is not a count" for a in ("tests", "failures", "errors")
                   if not node.get(a, "0").isdigit()]
    return errors


def check(name, points, max_points, feedback="", public=True):
    return CheckResult(name, points == max_points, points, max_points, feedback, public)


NASTY = "pool_forward: A has wrong values\n  your code printed:\n    \x1b[31mred\x1b[0m ```not a fence``` \x00 <b>&"
REPORT = Report("A course", "reference", "process", (
    ExerciseResult("week1.a.f", "F", 3.0, 3.0, "passed", "2 of 2 checks passed",
                   (check("shape", 1.0, 1.0), check("values", 2.0, 2.0, public=False))),
    ExerciseResult("week1.a.g", "G", 1.0, 4.0, "partial", "1 of 3 checks passed",
                   (check("course example", 1.0, 1.0), check("values", 0.0, 2.0, NASTY),
                    check("hidden property", 0.0, 1.0, "g: SECRET smallest failing input", public=False))),
    ExerciseResult("week1.a.h", "H", 0.0, 2.0, "unimplemented", "not implemented yet: ...",
                   (check("shape", 0.0, 2.0, "h: not implemented yet (h raises NotImplementedError)"),)),
    ExerciseResult("week1.b.k", "K", 0.0, 5.0, "timeout", "k: time limit of 60 s for this exercise exceeded",
                   (check("values", 0.0, 3.0, "k: time limit of 60 s for this exercise exceeded"),
                    check("shape", 0.0, 2.0, "not run"))),
    ExerciseResult("week1.c.m", "M", 0.0, 1.0, "error", "m: c.ipynb: not a readable notebook"),
))


def test_junit_is_valid_and_carries_every_check_with_its_points():
    root = ET.fromstring(junit.render(REPORT).encode("utf-8"))
    assert junit_errors(root) == []
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("9", "3", "3")
    suites = {s.get("name"): s for s in root}
    props = {p.get("name"): p.get("value") for p in suites["week1.a.g"].find("properties")}
    assert (props["score"], props["max_score"], props["points: values"], props["max_points: values"]) == \
        ("1", "4", "0", "2")
    failure = suites["week1.a.g"].find("testcase[@name='values']/failure")
    assert failure.get("message") == "pool_forward: A has wrong values"
    assert "\x1b[31mred" not in failure.text and "\ufffd[31mred" in failure.text and "<b>&" in failure.text
    assert [e.get("type") for e in suites["week1.b.k"].iter("error")] == ["timeout", "timeout"]
    assert suites["week1.c.m"].find("testcase/error").text == "m: c.ipynb: not a readable notebook"


def test_gradescope_follows_the_specification_and_hides_hidden_checks():
    data = gradescope.render(REPORT)
    jsonschema.validate(json.loads(json.dumps(data)), GRADESCOPE_SCHEMA)
    assert data["score"] == REPORT.score == sum(t["score"] for t in data["tests"])
    assert sum(t["max_score"] for t in data["tests"]) == REPORT.max_score == 15.0
    by_name = {t["name"]: t for t in data["tests"]}
    hidden = by_name["week1.a.g: hidden property"]
    assert (hidden["visibility"], hidden["status"]) == ("hidden", "failed")  # details for instructors only
    assert by_name["week1.a.g: values"]["visibility"] == "visible"
    assert by_name["week1.c.m: could not be graded"]["output"] == "m: c.ipynb: not a readable notebook"
    assert data["stdout_visibility"] == "hidden"  # the table on stdout shows hidden checks' details
    assert len({t["number"] for t in data["tests"]}) == len(data["tests"])


def test_markdown_shows_public_failures_in_fences_they_cannot_close():
    text = markdown.render(REPORT)
    assert "SECRET" not in text and "1 hidden check failed (their details are not shown)." in text
    block = text.split("<code>week1.a.g</code>")[1].split("</details>")[0]
    assert "\n````text\n" + NASTY + "\n````\n" in block  # the feedback holds ```: the fence is longer
    assert "time limit of 60 s" in text and "not a readable notebook" in text
    assert "| partial | 1/4 | `week1.a.g` |" in text.splitlines()


def test_cli_writes_every_format_for_a_real_submission(tmp_path):
    wrong = (ROOT / "reference/week1/padding.py").read_text().replace("// stride + 1)", "// stride)")
    sub = write_submission(tmp_path / "sub", {"week1/padding.py": wrong})
    out = tmp_path / "out"
    run = course("grade", str(sub), "--only", "week1.padding", "--student", "ada", "--json", str(out / "r.json"),
                 "--junit", str(out / "r.xml"), "--gradescope", str(out / "results.json"), "--markdown",
                 str(out / "r.md"))
    assert run.returncode == 0, run.stderr
    data = json.loads((out / "r.json").read_text())
    jsonschema.validate(data, REPORT_SCHEMA)
    assert (data["student"], data["course_id"], data["score"], data["max_score"]) == ("ada", "cnn", 5.0, 7.0)
    root = ET.parse(out / "r.xml").getroot()
    assert junit_errors(root) == []
    assert int(root.get("tests")) == sum(len(e["checks"]) for e in data["exercises"])
    gs = json.loads((out / "results.json").read_text())
    jsonschema.validate(gs, GRADESCOPE_SCHEMA)
    assert gs["score"] == data["score"]
    assert (out / "r.md").read_text().startswith("## Convolutional Neural Networks: 5 / 7 points")


@pytest.mark.parametrize("schema,bad", [
    (REPORT_SCHEMA, {"schema": "course-grade/1", "score": 1, "max_score": 1, "mode": "live", "isolation": "x",
                     "exercises": []}),
    (GRADESCOPE_SCHEMA, {"score": 1, "max_score": 2, "tests": []}),
])
def test_the_schemas_reject_what_the_formats_do_not_allow(schema, bad):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
