"""Wording: how values, failing inputs and whole check failures are shown to a student.

    conv_forward: Z has the wrong shape
      smallest failing input: A_prev.shape=(1, 3, 3, 1), W.shape=(2, 2, 1, 1), b.shape=(1, 1, 1, 1), stride=2, pad=0
      got (1, 2, 2, 1), expected (1, 1, 1, 1)
      hint: n_H = floor((n_H_prev + 2*pad - f) / stride) + 1 — are you stepping by the stride?
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .sandbox.codec import Opaque, TensorData

SMALL = 16  # arrays with at most this many values are printed in full
INDENT = "  "


def fmt_index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def fmt_array(a: np.ndarray) -> str:
    with np.printoptions(precision=4, suppress=True, threshold=SMALL, linewidth=88):
        text = np.array2string(a, separator=", ")
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return ("\n" + INDENT * 2).join(lines)


def kind_of(x: Any) -> str:
    """A short description of a value's type for "returned X, expected Y" messages."""
    if isinstance(x, np.ndarray):
        return f"an ndarray of shape {x.shape}" + ("" if x.dtype == np.float64 else f" and dtype {x.dtype}")
    if isinstance(x, TensorData):
        return f"a torch.Tensor of shape {x.array.shape}"
    if isinstance(x, Opaque):  # "week1.padding.Liar", or a description such as "str of 10000000 characters"
        return f"a {x.type_name}" + ("" if " " in x.type_name else " object")
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} item{'s' * (len(x) != 1)}"
    if x is None:
        return "None (did you forget to return?)"
    if isinstance(x, (bool, np.bool_)):
        return f"a bool ({x})"
    if isinstance(x, np.generic):
        return f"a numpy {x.dtype} scalar ({x})"
    if isinstance(x, str) and len(x) > 60:
        return f"a str of {len(x)} characters"
    if isinstance(x, (int, float, str)):
        return f"a{'n' * isinstance(x, int)} {type(x).__name__} ({_short(repr(x))})"
    if isinstance(x, dict):
        return "a dict"
    return f"a {type(x).__name__}"


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def describe_value(name: str, value: Any) -> tuple[str, str | None]:
    """The part of the input line for one field, and an extra line with the array when it is small."""
    if isinstance(value, np.ndarray):
        extra = f"{name} = {fmt_array(value)}" if value.size <= SMALL else None
        return f"{name}.shape={value.shape}", extra
    return f"{name}={_short(repr(value))}", None


def describe_case(case: Any, label: str = "smallest failing input") -> list[str]:
    """``label: A_prev.shape=(...), stride=2`` and the small arrays, one per line."""
    if case is None:
        return []
    if dataclasses.is_dataclass(case):
        items = [(f.name, getattr(case, f.name)) for f in dataclasses.fields(case) if f.repr]
        hp = getattr(case, "hparameters", None)
        if isinstance(hp, dict) and getattr(case, "reverse_keys", False):  # show the order the student got
            items = [(n, v) for n, v in items if n not in hp] + [("hparameters", hp)]
    elif isinstance(case, dict):
        items = list(case.items())
    else:
        items = [("input", case)]
    parts, extras = zip(*(describe_value(n, v) for n, v in items)) if items else ((), ())
    return [f"{label}: " + ", ".join(parts), *(INDENT + e for e in extras if e)]


def failure_text(fn: str, what: str, *, case_lines: list[str], details: list[str], diagnosis: str | None,
                 traceback: str, output: str, hint: str | None) -> str:
    lines = [f"{fn}: {what}", *(INDENT + line for line in case_lines), *(INDENT + d for d in details)]
    if diagnosis:
        lines.append(INDENT + f"looks like {diagnosis}")
    if traceback.strip():
        lines.append(INDENT + "traceback (your code):")
        lines += [INDENT * 2 + t for t in traceback.rstrip().splitlines()]
    if output.strip():
        lines.append(INDENT + "your code printed:")
        lines += [INDENT * 2 + t for t in output.rstrip().splitlines()[:20]]
    if hint:
        lines.append(INDENT + f"hint: {hint}")
    return "\n".join(lines)
