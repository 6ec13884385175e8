"""course.toml is the one registry: every entry has its three files, every public name has an entry,
and the stub and the reference agree on every signature and docstring."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT
from convgrade import config as course_mod
from convgrade.checks import Exercise
from convgrade.questions import Question
from convgrade.lesson import Lesson

COURSE = course_mod.load(ROOT)
TREES = ("exercises", "reference", "graders")


def public_defs(path: Path) -> dict[str, ast.AST]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: n for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")}


def lesson_files(tree: str) -> set[str]:
    root = ROOT / tree
    skip = {"__init__.py"}
    files = {p.relative_to(root).as_posix() for p in root.rglob("*.py") if p.name not in skip}
    if tree == "graders":  # only the lesson folders (week1/, week2/...) mirror the other trees
        files = {f for f in files if f.count("/") == 1 and not f.startswith(("sandbox/", "report/", "mistakes/"))}
    return files


@pytest.mark.parametrize("exercise", COURSE.exercises, ids=lambda e: e.id)
def test_every_entry_has_its_three_files(exercise):
    missing = [f"{tree}/{exercise.path}" for tree in TREES if not (ROOT / tree / exercise.path).is_file()]
    assert not missing, f"course.toml entry {exercise.id!r} has no {', '.join(missing)}"


def test_every_public_name_has_an_entry():
    ids = {e.id for e in COURSE.exercises}
    orphans = []
    for rel in sorted(lesson_files("exercises")):
        lesson = rel.removesuffix(".py").replace("/", ".")
        orphans += [f"exercises/{rel}: {name}" for name in public_defs(ROOT / "exercises" / rel)
                    if f"{lesson}.{name}" not in ids]
    assert not orphans, "public names without a course.toml entry:\n" + "\n".join(orphans)


def test_the_three_trees_mirror_each_other():
    trees = {tree: lesson_files(tree) for tree in TREES}
    assert trees["exercises"] == trees["reference"] == trees["graders"], trees


@pytest.mark.parametrize("rel", sorted(lesson_files("exercises")))
def test_stub_and_reference_agree(rel):
    stub, ref = public_defs(ROOT / "exercises" / rel), public_defs(ROOT / "reference" / rel)
    assert stub.keys() == ref.keys()
    for name, node in stub.items():
        if isinstance(node, ast.FunctionDef):
            assert ast.dump(node.args) == ast.dump(ref[name].args), f"{name}: signatures differ"
        assert ast.get_docstring(node) == ast.get_docstring(ref[name]), f"{name}: docstrings differ"
        assert ast.get_docstring(node), f"{name}: the stub needs a docstring that teaches"
    stub_tree = ast.parse((ROOT / "exercises" / rel).read_text())
    raises = [n for n in ast.walk(stub_tree) if isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n)]
    assert raises, f"exercises/{rel}: stub bodies must raise NotImplementedError"


@pytest.mark.parametrize("lesson", COURSE.lessons)
def test_grader_modules_declare_exactly_the_entries(lesson):
    module = Lesson(COURSE, lesson).graders
    declared = {name for name, v in vars(module).items() if isinstance(v, (Exercise, Question))}
    entries = {e.name for e in COURSE.exercises if e.lesson == lesson}
    assert declared == entries
    for name in declared:
        assert getattr(module, name).name == name, f"{lesson}.{name}: declared as {getattr(module, name).name!r}"
