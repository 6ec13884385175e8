"""Comparisons that fail coarse to fine: type, then shape, then dtype, then values (first difference).

Each raises ``CheckFailed`` with a headline a student can act on; the runner adds the failing input,
the diagnosis and the hint.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .checks import CheckFailed
from .feedback import fmt_array, fmt_index, fmt_number, fmt_value, kind_of, SMALL

RTOL, ATOL = 1e-6, 1e-8


def expect_type(got: Any, types: type | tuple[type, ...], expected: str, *, name: str = "output") -> Any:
    if not isinstance(got, types) or (isinstance(got, np.ndarray) and type(got) is not np.ndarray):
        raise CheckFailed(f"{name} is {kind_of(got)}, expected {expected}", kind="type")
    return got


def expect_tuple(got: Any, names: tuple[str, ...]) -> tuple:
    """The function returns ``(a, b, ...)``: check the container, hand back the items."""
    if type(got) not in (tuple, list) or len(got) != len(names):
        raise CheckFailed(f"returned {kind_of(got)}, expected a tuple ({', '.join(names)})", kind="type")
    return tuple(got)


def expect_shape(got: Any, shape: tuple[int, ...], *, name: str = "output") -> np.ndarray:
    expect_type(got, np.ndarray, "a numpy ndarray", name=name)
    if got.shape != tuple(shape):
        failed = CheckFailed(f"{name} has the wrong shape", [f"got {got.shape}, expected {tuple(shape)}"],
                             kind="shape")
        failed.arrays = {"name": name, "got": got, "expected": None}
        raise failed
    return got


def expect_array(got: Any, expected: np.ndarray, *, name: str = "output", rtol: float = RTOL, atol: float = ATOL,
                 check_dtype: bool = True) -> np.ndarray:
    """Type, shape, dtype, then values within ``rtol``/``atol`` (``numpy.isclose`` semantics)."""
    expect_shape(got, expected.shape, name=name)
    if check_dtype and got.dtype != expected.dtype:
        raise CheckFailed(f"{name} has dtype {got.dtype}, expected {expected.dtype}",
                          ["convert with .astype(np.float64), or start from float64 arrays (np.zeros defaults to it)"]
                          if expected.dtype == np.float64 else [], kind="dtype")
    expect_close(got, expected, name=name, rtol=rtol, atol=atol)
    return got


def expect_close(got: np.ndarray, expected: np.ndarray, *, name: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    if got.dtype.kind == "b" or expected.dtype.kind == "b":
        bad = got != expected
    else:
        bad = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    if not bad.any():
        return
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    details = [f"first difference at {name}{fmt_index(first)}: got {fmt_number(got[first].item())}, "
               f"expected {fmt_number(expected[first].item())}",
               f"{int(bad.sum())} of {bad.size} values differ"
               + ("" if got.dtype.kind == "b" else f" (tolerance rtol={rtol:g}, atol={atol:g})")]
    if expected.size <= SMALL:
        details += [f"got {name} = " + fmt_array(got), f"expected {name} = " + fmt_array(expected)]
    failed = CheckFailed(f"{name} has wrong values", details, kind="values")
    failed.arrays = {"name": name, "got": got, "expected": expected}
    raise failed


def expect_scalar(got: Any, expected: float, *, name: str = "output", rtol: float = RTOL, atol: float = ATOL) -> float:
    """A Python or numpy real number (not an array, not a bool)."""
    if isinstance(got, np.ndarray):
        raise CheckFailed(f"{name} is {kind_of(got)}, expected a float",
                          ["turn a one-element array into a number with .item()"], kind="type")
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"{name} is {kind_of(got)}, expected a float", kind="type")
    if not np.isclose(float(got), expected, rtol=rtol, atol=atol):
        raise CheckFailed(f"{name} has the wrong value",
                          [f"got {fmt_number(float(got))}, expected {fmt_number(float(expected))} "
                           f"(tolerance rtol={rtol:g}, atol={atol:g})"])
    return float(got)


def expect_equal(got: Any, expected: Any, *, name: str = "output") -> Any:
    """Exact equality of ints, strings and tuples of them; integer results must be integers."""
    if isinstance(expected, tuple):
        got_items = expect_tuple(got, tuple(f"{name}[{i}]" for i in range(len(expected))))
        for i, (g, e) in enumerate(zip(got_items, expected)):
            expect_equal(g, e, name=f"{name}[{i}]")
        return got
    if isinstance(expected, int) and not isinstance(expected, bool):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            hint = ["return an int: int(...), or // for floor division"] if isinstance(got, (float, np.floating)) else []
            raise CheckFailed(f"{name} is {kind_of(got)}, expected an int", hint, kind="type")
    if isinstance(expected, float):
        return expect_scalar(got, expected, name=name, rtol=1e-9, atol=0)
    if isinstance(got, np.ndarray) or type(got) is not type(expected) and not isinstance(expected, int):
        raise CheckFailed(f"{name} is {kind_of(got)}, expected {kind_of(expected)}", kind="type")
    if got != expected:
        raise CheckFailed(f"{name} is wrong", [f"got {fmt_value(got)}, expected {fmt_value(expected)}"])
    return got


def expect_unchanged(before: list, after: list, names: tuple[str, ...],
                     advice: str = "work on a copy (X.copy(), or arrays you create) instead of writing into "
                                   "the argument") -> None:
    """The function must not modify its arguments in place."""
    for name, b, a in zip(names, before, after):
        if isinstance(b, np.ndarray) and not (isinstance(a, np.ndarray) and a.shape == b.shape
                                               and np.array_equal(a, b, equal_nan=True)):
            raise CheckFailed(f"modified its input {name} in place", [advice], kind="mutated")
        if isinstance(b, dict) and a != b:
            raise CheckFailed(f"modified its input {name} in place", [f"before: {fmt_value(b)}, after: {fmt_value(a)}"],
                              kind="mutated")


def expect_raises(call: Callable[[], Any], error: str, *, what: str, hint: str = "") -> None:
    """``call()`` must raise ``error`` (a built-in exception's name, e.g. "ValueError") in the student's code."""
    try:
        got = call()
    except CheckFailed as failed:
        if failed.raised == error:
            return
        raise
    raise CheckFailed(f"{what} returned {kind_of(got)}, expected it to raise {error}", hint=hint or None)


def add_worked_example(ex: Any, title: str, make: Callable[[], dict], *, points: float = 1, name: str = "output",
                       rtol: float = RTOL, atol: float = ATOL) -> None:
    """A public check: the student's ``ex.name(**make())`` equals the reference's on one fixed input (a worked
    example from the lesson, replayed from fixtures in the student bundle)."""

    @ex.check(title, points)
    def _(st: Any, ref: Any) -> None:
        args = make()
        expected = getattr(ref, ex.name)(**args)
        try:
            expect_array(getattr(st, ex.name)(**args), expected, name=name, rtol=rtol, atol=atol)
        except CheckFailed as failed:
            failed.case, failed.explicit = args, True
            raise
