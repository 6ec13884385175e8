"""The trusted side of a lesson: its checks (``graders/``), its reference (``reference/``) and its mistakes.

A course's ``graders/`` folder is imported as a package of its own, one per course folder
(``_convgrade_course_<hash>``), so that lesson files can share course-local helpers with relative imports
(``from ..cases import VectorCase``) and two courses never shadow each other. Reference files are loaded by path.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import zlib
from pathlib import Path
from types import ModuleType

from .checks import Exercise
from .config import ConfigError, Course, ExerciseConfig
from .mistakes import Mistake, catalogue
from .questions import Question

GRADERS = "graders"  # the course's folder of checks (and graders/mistakes/, the catalogue)


def load_file(path: Path, name: str) -> ModuleType | None:
    """Import a file by path under a private module name; None when the file does not exist."""
    if not path.is_file():
        return None
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def course_key(root: Path) -> str:
    return f"{zlib.crc32(str(Path(root).resolve()).encode()):08x}"


def course_package(root: Path) -> str:
    """The import name of the course's ``graders/`` folder (created on first use)."""
    name = f"_convgrade_course_{course_key(root)}"
    if name not in sys.modules:
        folder = Path(root).resolve() / GRADERS
        spec = importlib.util.spec_from_loader(name, loader=None, is_package=True)
        package = importlib.util.module_from_spec(spec)
        package.__path__ = [str(folder)]
        sys.modules[name] = package
    return name


def course_module(root: Path, rel: str) -> ModuleType | None:
    """``graders/<rel>.py`` of the course (``rel`` dotted, e.g. ``hw1.vectors``), or None when absent."""
    if not (Path(root) / GRADERS / Path(*rel.split("."))).with_suffix(".py").is_file():
        return None
    return importlib.import_module(f"{course_package(root)}.{rel}")


class Lesson:
    """One lesson's grader module, reference module and mistake catalogue."""

    def __init__(self, course: Course, lesson: str) -> None:
        rel = Path(*lesson.split("."))
        key = f"{course_key(course.root)}_{lesson.replace('.', '_')}"
        self.root = course.root  # the course's folder (its content keys the recorded draws, ``drawcache``)
        self.graders = course_module(course.root, lesson)
        self.reference = load_file(course.root / "reference" / rel.with_suffix(".py"), f"_convgrade_reference_{key}")
        self.mistakes: list[Mistake] = catalogue(course_module(course.root, f"mistakes.{lesson}"))

    def spec(self, cfg: ExerciseConfig) -> Exercise:
        """The exercise's checks as its grader module declares them."""
        spec = getattr(self.graders, cfg.name, None) if self.graders else None
        if not isinstance(spec, Exercise) or not spec.checks:
            raise ConfigError(f"{GRADERS}/{cfg.path}: no checks for exercise {cfg.id!r}; add "
                              f"`{cfg.name} = Exercise({cfg.name!r})` and its checks, or remove the entry from "
                              "course.toml")
        return spec

    def exercise(self, cfg: ExerciseConfig) -> Exercise:
        """The checks to run; their ``ref`` is the reference module (see ``fixtures`` for the other sources)."""
        spec = self.spec(cfg)
        if self.reference is None:
            raise ConfigError(f"reference/{cfg.path}: missing; exercise {cfg.id!r} needs a reference solution")
        return spec

    def question(self, cfg: ExerciseConfig) -> Question:
        """The question's declaration (how to draw a variant, compare answers, show the computation)."""
        if self.graders is None and self.reference is None:  # a student bundle: prompts only
            raise ConfigError(f"{cfg.id}: a question graded by your instructor; ask them for your quiz "
                              f"(`course quiz {cfg.assignment} --student ID` in the course's own checkout)")
        spec = getattr(self.graders, cfg.name, None) if self.graders else None
        if not isinstance(spec, Question):
            raise ConfigError(f"{GRADERS}/{cfg.path}: no question {cfg.name!r}; add "
                              f"`{cfg.name} = Question({cfg.name!r}, draw=...)`, or remove the entry from course.toml")
        return spec

    def reference_of(self, cfg: ExerciseConfig) -> ModuleType:
        """The reference module, which a question needs for its answer function."""
        if self.reference is None or not callable(getattr(self.reference, cfg.name, None)):
            raise ConfigError(f"reference/{cfg.path}: no function {cfg.name!r}; question {cfg.id!r} needs its "
                              "answer as a function of the variant's parameters")
        return self.reference
