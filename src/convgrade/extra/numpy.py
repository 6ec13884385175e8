"""Array strategies for numpy lessons (opt-in, as ``hypothesis.extra.numpy``): float64 arrays of small values.

Values are small integers stored as float64 by default: the smallest failing arrays stay readable, and sums
are exact. ``cut`` keeps values in place while sizes shrink, so hypothesis shrinks sizes and values apart.

A strategy is made once per set of arguments and then reused: a composite strategy asks for ``arrays(...)`` at
every draw, and making and validating a new one each time (a lazy ``hnp.arrays``, its ``sampled_from``) cost
more than drawing from it, thousands of times while hypothesis shrinks a failure. A strategy keeps no state
between draws, so the same one draws exactly what a new one would.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def check_bounds(**kw: int) -> None:
    """Check keyword bounds the way hypothesis does: name the argument and its value."""
    for name, value in kw.items():
        if value < 0:
            raise ValueError(f"{name}={value} must be at least 0")


def values(*, kind: str = "ints", bound: int = 3) -> st.SearchStrategy[float]:
    """Array elements: ``ints`` are integers in [-bound, bound] (as float64); ``floats`` are finite in that range."""
    return _reused(_values, kind=kind, bound=bound)


def arrays(shape: tuple[int, ...], *, kind: str = "ints", bound: int = 3, unique: bool = False) -> st.SearchStrategy:
    """float64 arrays of ``shape`` with elements from ``values``."""
    return _reused(_arrays, shape, kind=kind, bound=bound, unique=unique)


def cut(draw, shape: tuple[int, ...], max_shape: tuple[int, ...], **kw) -> np.ndarray:
    """An array of ``shape`` cut from one drawn at ``max_shape``: its values do not move when the sizes
    shrink, so hypothesis shrinks sizes and values independently (much faster than redrawing)."""
    full = draw(arrays(tuple(max(a, b) for a, b in zip(shape, max_shape)), **kw))
    return full[tuple(slice(0, n) for n in shape)].copy()


def _values(*, kind: str, bound: int) -> st.SearchStrategy[float]:
    if kind == "ints":  # sampled_from, smallest first: arrays can then fill, and shrinking is fast
        return st.sampled_from([float(v) for k in range(bound + 1) for v in dict.fromkeys((k, -k))])
    if kind == "floats":
        return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    raise ValueError(f"kind={kind!r} must be 'ints' or 'floats'")


def _arrays(shape: tuple[int, ...], *, kind: str, bound: int, unique: bool) -> st.SearchStrategy:
    return hnp.arrays(np.float64, shape, elements=_values(kind=kind, bound=bound), unique=unique)


def _reused(make: Any, *args: Any, **kw: Any) -> st.SearchStrategy:
    """``make(*args, **kw)``, the one made before for the same arguments when they are all ints, strings, bools and
    tuples of ints (of these exact types, part of the key: 3, 3.0 and True are one key to a dict, but may not draw
    alike); made anew for any other argument (e.g. a list or numpy integers for a shape)."""
    leaves = [*(x for a in args for x in (a if type(a) is tuple else (a,))), *kw.values()]
    if not all(type(x) in _KEYS for x in leaves):
        return make(*args, **kw)
    key = (make, args, tuple(kw.items()), tuple(map(type, leaves)))
    found = _MADE.get(key)
    if found is None:
        found = make(*args, **kw)
        if len(_MADE) < _LIMIT:
            _MADE[key] = found
    return found


_KEYS = (int, str, bool)
_MADE: dict[Any, st.SearchStrategy] = {}
_LIMIT = 4096  # strategies kept; a grader asking for more (shapes from a wide range) makes the rest anew
