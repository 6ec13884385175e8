"""convgrade: property-based grading of student code against a reference, in a sandbox.

A course is a folder (``course.toml``, ``exercises/``, ``reference/``, ``graders/``); its lesson checks import
what they need from here (and from ``convgrade.extra.numpy``, ``convgrade.extra.torch``):

    from convgrade import Exercise, expect_array

    normalize = Exercise("normalize", hint="...")

    @normalize.check("values", points=2, given=vectors())
    def _(case, st, ref):
        expect_array(st.normalize(case.x), ref.normalize(case.x), name="y")

See docs/authoring.md for the whole API and ``course new DIR`` for a course that passes ``course selftest``.

The names are imported on first use (PEP 562), so that ``course`` can start its sandbox before it imports
hypothesis and the checks: ``import convgrade.cli`` costs no more than the command it runs needs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lazy import exports

if TYPE_CHECKING:
    from .checks import Check, CheckFailed, Exercise, fixed_input, worked
    from .expect import (ATOL, RTOL, add_worked_example, expect_array, expect_close, expect_equal, expect_raises,
                         expect_scalar, expect_shape, expect_tuple, expect_type, expect_unchanged)
    from .feedback import fmt_array, fmt_index, fmt_number, fmt_value, kind_of
    from .mistakes import mistake
    from .operations import WorkerOps
    from .questions import Choice, Close, Exact, Question, Tuple
    from .refcache import remember
    from .report import figures
    from .sandbox.codec import TensorData

_WHERE = {  # each public name -> the module that defines it
    **dict.fromkeys(("Check", "CheckFailed", "Exercise", "fixed_input", "worked"), ".checks"),
    **dict.fromkeys(("ATOL", "RTOL", "add_worked_example", "expect_array", "expect_close", "expect_equal",
                     "expect_raises", "expect_scalar", "expect_shape", "expect_tuple", "expect_type",
                     "expect_unchanged"), ".expect"),
    **dict.fromkeys(("fmt_array", "fmt_index", "fmt_number", "fmt_value", "kind_of"), ".feedback"),
    "mistake": ".mistakes",
    "WorkerOps": ".operations",
    **dict.fromkeys(("Choice", "Close", "Exact", "Question", "Tuple"), ".questions"),
    "remember": ".refcache",
    "TensorData": ".sandbox.codec",
    "figures": ".report.figures:",
}

__all__ = ["ATOL", "RTOL", "Check", "CheckFailed", "Choice", "Close", "Exact", "Question", "Tuple", "Exercise",
           "add_worked_example", "expect_array", "expect_close",
           "expect_equal", "expect_raises", "expect_scalar", "expect_shape", "expect_tuple", "expect_type",
           "expect_unchanged", "figures", "fixed_input", "fmt_array", "fmt_index", "fmt_number", "fmt_value", "kind_of",
           "mistake", "remember", "TensorData", "worked", "WorkerOps", "__version__"]


_exported, __dir__ = exports(__name__, globals(), _WHERE)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = _version()
        return globals()[name]
    return _exported(name)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("convgrade")
    except PackageNotFoundError:  # a source tree that was not installed
        return "0+unknown"
