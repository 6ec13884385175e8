"""Array strategies for numpy lessons (opt-in, as ``hypothesis.extra.numpy``): float64 arrays of small values.

Values are small integers stored as float64 by default: the smallest failing arrays stay readable, and sums
are exact. ``cut`` keeps values in place while sizes shrink, so hypothesis shrinks sizes and values apart.
"""
from __future__ import annotations

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
    if kind == "ints":  # sampled_from, smallest first: arrays can then fill, and shrinking is fast
        return st.sampled_from([float(v) for k in range(bound + 1) for v in dict.fromkeys((k, -k))])
    if kind == "floats":
        return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    raise ValueError(f"kind={kind!r} must be 'ints' or 'floats'")


def arrays(shape: tuple[int, ...], *, kind: str = "ints", bound: int = 3, unique: bool = False) -> st.SearchStrategy:
    """float64 arrays of ``shape`` with elements from ``values``."""
    return hnp.arrays(np.float64, shape, elements=values(kind=kind, bound=bound), unique=unique)


def cut(draw, shape: tuple[int, ...], max_shape: tuple[int, ...], **kw) -> np.ndarray:
    """An array of ``shape`` cut from one drawn at ``max_shape``: its values do not move when the sizes
    shrink, so hypothesis shrinks sizes and values independently (much faster than redrawing)."""
    full = draw(arrays(tuple(max(a, b) for a, b in zip(shape, max_shape)), **kw))
    return full[tuple(slice(0, n) for n in shape)].copy()
