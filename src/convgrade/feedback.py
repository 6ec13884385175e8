"""Wording: how values, failing inputs and whole check failures are shown to a student.

    normalize: y has the wrong shape
      smallest failing input: x.shape=(1, 2)
      got (1,), expected (1, 2)
      hint: y = x / np.linalg.norm(x) keeps the shape of x
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .sandbox.codec import Opaque, TensorData

SMALL = 16  # arrays with at most this many values are printed in full
INDENT = "  "
DIGITS = 10  # significant digits of a number in feedback: shows any difference rtol=1e-9 counts, and not the
# last bits, which depend on the CPU's vector kernels and so would make reports differ between machines


def fmt_number(x: Any) -> str:
    """A real number as feedback shows it: ints as they are, floats rounded to ``DIGITS`` significant digits
    and then written as Python would (``1.0``, ``0.4314491369``, ``1e-05``, ``nan``), never ``repr``'s 17."""
    if isinstance(x, (float, np.floating)):
        return repr(float(format(float(x), f".{DIGITS}g")))
    return str(x.item() if isinstance(x, np.generic) else x)  # ints, bools (and complex numbers, which no check wants)


def fmt_value(x: Any) -> str:
    """``repr`` of a plain value (str, None, tuples, lists and dicts of them), with its numbers as ``fmt_number``
    writes them."""
    if isinstance(x, (int, float, np.integer, np.floating, np.bool_)):
        return fmt_number(x)
    if isinstance(x, tuple):
        return "(" + ", ".join(map(fmt_value, x)) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, list):
        return "[" + ", ".join(map(fmt_value, x)) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{fmt_value(k)}: {fmt_value(v)}" for k, v in x.items()) + "}"
    return repr(x)


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
    if isinstance(x, Opaque):  # "hw1.vectors.Liar", or a description such as "str of 10000000 characters"
        return f"a {x.type_name}" + ("" if " " in x.type_name else " object")
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} item{'s' * (len(x) != 1)}"
    if x is None:
        return "None (did you forget to return?)"
    if isinstance(x, (bool, np.bool_)):
        return f"a bool ({x})"
    if isinstance(x, np.generic):
        return f"a numpy {x.dtype} scalar ({fmt_number(x) if isinstance(x, (np.integer, np.floating)) else x})"
    if isinstance(x, str) and len(x) > 60:
        return f"a str of {len(x)} characters"
    if isinstance(x, (int, float, str)):
        return f"a{'n' * isinstance(x, int)} {type(x).__name__} ({_short(fmt_value(x))})"
    if isinstance(x, dict):
        return "a dict"
    return f"a {type(x).__name__}"


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def describe_value(name: str, value: Any) -> tuple[str, str | None]:
    """The part of the input line for one field, and an extra line with the array when it is small. Inputs are
    drawn, not computed (the same on every machine), and shown exactly so that they can be replayed."""
    if isinstance(value, np.ndarray):
        extra = f"{name} = {fmt_array(value)}" if value.size <= SMALL else None
        return f"{name}.shape={value.shape}", extra
    return f"{name}={_short(repr(value))}", None


def describe_case(case: Any, label: str = "smallest failing input") -> list[str]:
    """``label: x.shape=(...), axis=1`` and the small arrays, one per line."""
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


DIAGNOSIS = "looks like "  # a catalogued mistake's description follows it
DIFF_HEADING = "your forward pass, layer by layer, against the reference's"  # extra.torch.diff's lines follow it


def names_mistake(lines: list[str], description: str | None) -> bool:
    """Whether feedback (stripped lines) names a mistake: "looks like <description>" (any "looks like ..." when
    ``description`` is None), or an architecture diff that says which layers differ."""
    said = diagnoses(lines)
    return (description in said if description is not None else bool(said)) or \
        any(line.startswith(DIFF_HEADING) for line in lines)


def diagnoses(lines: list[str]) -> list[str]:
    """What feedback (stripped lines) says the submission looks like: the rest of each "looks like ..." line."""
    return [line.removeprefix(DIAGNOSIS) for line in lines if line.startswith(DIAGNOSIS)]


def failure_text(fn: str, what: str, *, case_lines: list[str], details: list[str], diagnosis: str | None,
                 traceback: str, output: str, hint: str | None) -> str:
    lines = [f"{fn}: {what}", *(INDENT + line for line in case_lines), *(INDENT + d for d in details)]
    if diagnosis:
        lines.append(INDENT + DIAGNOSIS + diagnosis)
    if traceback.strip():
        lines.append(INDENT + "traceback (your code):")
        lines += [INDENT * 2 + t for t in traceback.rstrip().splitlines()]
    if output.strip():
        lines.append(INDENT + "your code printed:")
        lines += [INDENT * 2 + t for t in output.rstrip().splitlines()[:20]]
    if hint:
        lines.append(INDENT + f"hint: {hint}")
    return "\n".join(lines)
