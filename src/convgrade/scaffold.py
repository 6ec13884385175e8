"""``course new DIR``: a new course of one small lesson (ReLU) that passes ``course selftest`` as written.

The files are the templates below, filled with the course's id and name (from DIR's name) and the engine's
version; the engine's wheel goes in ``vendor/`` when there is one, so ``make test`` installs this very engine.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import wheel
from .config import ConfigError

LESSON = "hw1/activations.py"

COURSE_TOML = '''\
# The course: the one registry. Every exercise here has three files with the same relative path:
# exercises/<lesson>.py (the stub), reference/<lesson>.py (the solution), graders/<lesson>.py (its checks).

[course]
name = "{name}"
id = "{id}"
version = "1"
seed = 1

[limits]                 # defaults; any exercise may override them
time_limit = 60          # seconds the student's code may run in one exercise, all calls together
call_timeout = 20        # seconds for one call
memory = "2 GiB"         # address space of the worker process
max_examples = 20        # hypothesis examples per property check

[assignments.hw1]
title = "Homework 1"

[exercises."hw1.activations.relu"]
title = "The ReLU activation"
points = 4
'''

DOC = '''\
"""Activations (lesson 1): the ReLU that follows every layer.

Each function says what it computes, the shapes in and out, and a tiny worked example.
Replace `raise NotImplementedError` with your code; keep the names and signatures.
"""
import numpy as np


def relu(Z):
    """The rectified linear unit, entry by entry: max(0, z).

    Arguments:
    Z -- float64 array of any shape

    Returns:
    A -- float64 array of Z's shape, A = max(0, Z) entry by entry; Z is not changed

    Example: relu(np.array([[-1.0, 0.0, 2.0]])) gives array([[0., 0., 2.]])
    """
'''
EXERCISE = DOC + '''\
    # YOUR CODE HERE
    raise NotImplementedError
'''
REFERENCE = DOC + '''\
    return np.maximum(Z, 0.0)  # entry by entry (np.max would reduce an axis)
'''

GRADERS = '''\
"""Graders for lesson 1: relu."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from convgrade import add_worked_example, Exercise, expect_array, expect_shape, expect_unchanged
from convgrade.extra.numpy import arrays


@dataclass(frozen=True)
class Case:
    Z: np.ndarray


@st.composite
def cases(draw, max_dims: int = 3, max_side: int = 4) -> Case:
    """Z of 1 to ``max_dims`` axes of 1 to ``max_side`` entries, small integers stored as float64."""
    shape = tuple(draw(st.lists(st.integers(1, max_side), min_size=1, max_size=max_dims)))
    return Case(draw(arrays(shape)))


relu = Exercise("relu", hint="np.maximum(0, Z) compares entry by entry; np.max(Z, 0) is a reduction over axis 0")

add_worked_example(relu, "the lesson's example: relu([[-1, 0, 2]])", lambda: {"Z": np.array([[-1.0, 0.0, 2.0]])},
                   name="A")


@relu.check("output shape", points=1, given=cases())
def _(case, st, ref):
    expect_shape(st.relu(case.Z), case.Z.shape, name="A")


@relu.check("values", points=2, given=cases())
def _(case, st, ref):
    expect_array(st.relu(case.Z), ref.relu(case.Z), name="A")


@relu.check("leaves Z unchanged", points=1, given=cases())
def _(case, st, ref):
    A, (Z_after,) = st.with_args.relu(case.Z)
    expect_array(A, ref.relu(case.Z), name="A")
    expect_unchanged([case.Z], [Z_after], ("Z",))
'''

MISTAKES = '''\
"""Realistic wrong answers to lesson 1, each with the feedback lines it must produce (`course selftest`)."""
import numpy as np

from convgrade import mistake


@mistake("relu", "np.max (the largest entry along axis 0) was used instead of np.maximum (entry by entry)",
         feedback=["relu: A has the wrong shape", "got (3,), expected (1, 3)"])
def relu_max_not_maximum(Z):
    return np.max(Z, 0)
'''

README = '''\
# {name}

A course graded by [convgrade](https://pypi.org/project/convgrade/): `exercises/` holds what students edit,
`reference/` the solutions, `graders/` the checks (one module per lesson) and `graders/mistakes/` realistic wrong
answers with the feedback each must get. `course.toml` lists every exercise with its points.

```
make demo     # grade reference/: full marks
make test     # course selftest: reference full, stubs zero, every mistake caught with its feedback
```

Both create `.venv` on first use and install the engine pinned ({engine}). Then, in `.venv`:

```
course grade exercises           # the stubs: zero, every exercise "not implemented"
course grade path/to/submission  # a student's folder laid out like exercises/
course release ../student-repo   # the student starter repository: stubs, public checks, CI; no solutions
```

A new lesson is three files with the same path under `exercises/`, `reference/` and `graders/`, plus its
entries in `course.toml` (and, recommended, `graders/mistakes/<same path>`). See convgrade's docs/authoring.md.
'''

MAKEFILE = '''\
# Quickstart: `make demo` grades the reference (full marks); `make test` runs `course selftest`.
# Both create .venv with the engine, pinned, on first use: {how}.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ENGINE ?= $(firstword $(wildcard vendor/{wheel}) convgrade=={version})
export HYPOTHESIS_STORAGE_DIRECTORY ?= $(CURDIR)/.venv/hypothesis

.PHONY: demo test clean

$(STAMP):
\ttest -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
\t$(BIN)/pip install --quiet --disable-pip-version-check {torch} $(ENGINE)
\ttouch $(STAMP)

demo: $(STAMP)
\t$(BIN)/course grade reference

test: $(STAMP)
\t$(BIN)/course selftest

clean:
\trm -rf $(VENV)
'''

GITIGNORE = ".venv/\n__pycache__/\n.hypothesis/\n"


@dataclass(frozen=True)
class NewCourse:
    root: Path
    id: str
    name: str
    vendored: str | None  # the engine's wheel under vendor/, or None (the Makefile installs it from PyPI)


def new(root: Path) -> NewCourse:
    root = Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ConfigError(f"{root}: exists and is not an empty folder; `course new` writes a new course: "
                          "give a new folder's name")
    words = re.findall(r"[A-Za-z0-9]+", root.resolve().name) or ["course"]
    cid = "-".join(words).lower()
    name = " ".join(words).capitalize()
    version, whl = wheel.version(), wheel.filename()
    try:
        built: Path | None = wheel.engine_wheel()
    except ConfigError:  # no checkout and no installed wheel: the Makefile falls back on PyPI
        built = None
    how = (f"vendor/{whl}, else convgrade=={version} from PyPI" if built else f"convgrade=={version} from PyPI")
    files = {
        "course.toml": COURSE_TOML.format(name=name, id=cid),
        f"exercises/{LESSON}": EXERCISE,
        f"reference/{LESSON}": REFERENCE,
        f"graders/{LESSON}": GRADERS,
        f"graders/mistakes/{LESSON}": MISTAKES,
        "README.md": README.format(name=name, engine=how),
        "Makefile": MAKEFILE.format(how=how, wheel=whl, version=version, torch=wheel.TORCH_CPU),
        ".gitignore": GITIGNORE,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    if built:
        (root / "vendor").mkdir()
        shutil.copyfile(built, root / "vendor" / whl)
    return NewCourse(root, cid, name, f"vendor/{whl}" if built else None)
