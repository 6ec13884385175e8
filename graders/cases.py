"""Hypothesis strategies for this course's lessons, building only valid inputs: sizes are derived from the
hyperparameters (``n = (n_out - 1) * s + f - 2p + r``).

Each composite returns a frozen dataclass, so a failing case prints with named fields and the feedback
can describe it (``A_prev.shape=(1, 3, 3, 1), W.shape=(2, 2, 1, 1), stride=2, pad=0``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convgrade.extra.numpy import arrays, check_bounds, cut


def side(f: int, pad: int, *, max_side: int) -> st.SearchStrategy[int]:
    """An input side n such that the output side floor((n + 2*pad - f)/stride) + 1 is at least 1."""
    low = max(1, f - 2 * pad)
    if low > max_side:
        raise ValueError(f"f={f} with pad={pad} needs a side of at least {low}, larger than max_side={max_side}")
    return st.integers(low, max_side)


def output_size(n: int, f: int, pad: int, stride: int) -> int:
    return (n + 2 * pad - f) // stride + 1


def ordered(items: dict, reverse: bool) -> dict:
    """The same dict with its keys in reverse order when asked (students must not rely on key order)."""
    return dict(reversed(items.items())) if reverse else dict(items)


@dataclass(frozen=True)
class ConvCase:
    A_prev: np.ndarray  # (m, n_H_prev, n_W_prev, n_C_prev)
    W: np.ndarray  # (f, f, n_C_prev, n_C)
    b: np.ndarray  # (1, 1, 1, n_C)
    stride: int
    pad: int
    reverse_keys: bool = field(default=False, repr=False)

    @property
    def hparameters(self) -> dict:
        return ordered({"stride": self.stride, "pad": self.pad}, self.reverse_keys)

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        m, n_H, n_W, _ = self.A_prev.shape
        f, n_C = self.W.shape[0], self.W.shape[3]
        return (m, output_size(n_H, f, self.pad, self.stride), output_size(n_W, f, self.pad, self.stride), n_C)


@st.composite
def conv_cases(draw, *, max_m: int = 2, max_side: int = 7, max_c: int = 3, max_f: int = 3, max_stride: int = 3,
               max_pad: int = 2, kind: str = "ints", f: int | None = None, pad: int | None = None,
               stride: int | None = None) -> ConvCase:
    """A convolution's inputs and hyperparameters, always giving an output of at least 1x1."""
    check_bounds(max_m=max_m - 1, max_side=max_side - 1, max_c=max_c - 1, max_f=max_f - 1, max_stride=max_stride - 1,
            max_pad=max_pad)
    f = draw(st.integers(1, max_f)) if f is None else f
    pad = draw(st.integers(0, max_pad)) if pad is None else pad
    stride = draw(st.integers(1, max_stride)) if stride is None else stride
    m, n_C_prev, n_C = draw(st.integers(1, max_m)), draw(st.integers(1, max_c)), draw(st.integers(1, max_c))
    n_H, n_W = draw(side(f, pad, max_side=max(max_side, f))), draw(side(f, pad, max_side=max(max_side, f)))
    big = max(max_side, f)
    return ConvCase(
        A_prev=cut(draw, (m, n_H, n_W, n_C_prev), (max_m, big, big, max_c), kind=kind),
        W=cut(draw, (f, f, n_C_prev, n_C), (max_f, max_f, max_c, max_c), kind=kind),
        b=cut(draw, (1, 1, 1, n_C), (1, 1, 1, max_c), kind=kind),
        stride=stride, pad=pad, reverse_keys=draw(st.booleans()),
    )


@dataclass(frozen=True)
class PoolCase:
    A_prev: np.ndarray  # (m, n_H_prev, n_W_prev, n_C)
    f: int
    stride: int
    reverse_keys: bool = field(default=False, repr=False)

    @property
    def hparameters(self) -> dict:
        return ordered({"f": self.f, "stride": self.stride}, self.reverse_keys)

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        m, n_H, n_W, n_C = self.A_prev.shape
        return (m, output_size(n_H, self.f, 0, self.stride), output_size(n_W, self.f, 0, self.stride), n_C)


@st.composite
def pool_cases(draw, *, max_m: int = 2, max_side: int = 7, max_c: int = 3, max_f: int = 3, max_stride: int = 3,
               kind: str = "ints", unique: bool = False) -> PoolCase:
    """A pooling layer's input and hyperparameters (no padding), always giving an output of at least 1x1."""
    f, stride = draw(st.integers(1, max_f)), draw(st.integers(1, max_stride))
    m, n_C = draw(st.integers(1, max_m)), draw(st.integers(1, max_c))
    n_H, n_W = draw(side(f, 0, max_side=max(max_side, f))), draw(side(f, 0, max_side=max(max_side, f)))
    big = max(max_side, f)
    bound = max(3, max_m * big * big * max_c) if unique else 3
    A = cut(draw, (m, n_H, n_W, n_C), (max_m, big, big, max_c), kind=kind, bound=bound, unique=unique)
    return PoolCase(A, f, stride, draw(st.booleans()))


@dataclass(frozen=True)
class PadCase:
    X: np.ndarray  # (m, n_H, n_W, n_C)
    pad: int


@st.composite
def pad_cases(draw, *, max_m: int = 2, max_side: int = 5, max_c: int = 3, max_pad: int = 3) -> PadCase:
    m, n_H, n_W, n_C = (draw(st.integers(1, k)) for k in (max_m, max_side, max_side, max_c))
    return PadCase(draw(arrays((m, n_H, n_W, n_C))), draw(st.integers(0, max_pad)))


@dataclass(frozen=True)
class ImageCase:
    image: np.ndarray  # (H, W)
    kernel: np.ndarray  # (kh, kw)


@st.composite
def image_cases(draw, *, max_side: int = 8, max_k: int = 4, dtype: str = "float64") -> ImageCase:
    """A grey image and a kernel no larger than it; uint8 images hold values 0..255 like photographs."""
    kh, kw = draw(st.integers(1, max_k)), draw(st.integers(1, max_k))
    H, W = draw(st.integers(kh, max(kh, max_side))), draw(st.integers(kw, max(kw, max_side)))
    if dtype == "uint8":
        image = draw(hnp.arrays(np.uint8, (H, W), elements=st.integers(0, 255)))
    else:
        image = draw(arrays((H, W)))
    return ImageCase(image, draw(arrays((kh, kw))))


@dataclass(frozen=True, kw_only=True)
class ConvPair(ConvCase):
    """A convolution's inputs with b = 0, plus a second input and filter bank of the same shapes (linearity)."""

    A_prev2: np.ndarray  # like A_prev
    W2: np.ndarray  # like W


@st.composite
def conv_pairs(draw, *, kind: str = "ints", **bounds: int) -> ConvPair:
    """``conv_cases`` with a zero bias and a second A_prev and W, for checks that conv(A1 + A2) = conv(A1) + conv(A2)."""
    case = draw(conv_cases(kind=kind, **bounds))
    return ConvPair(A_prev=case.A_prev, W=case.W, b=np.zeros_like(case.b), stride=case.stride, pad=case.pad,
                    reverse_keys=case.reverse_keys, A_prev2=draw(arrays(case.A_prev.shape, kind=kind)),
                    W2=draw(arrays(case.W.shape, kind=kind)))


@st.composite
def nonsquare_pool_cases(draw, *, max_m: int = 2, max_out: int = 3, max_c: int = 3, max_f: int = 3,
                         max_stride: int = 3, kind: str = "ints") -> PoolCase:
    """A pooling case whose output is never square (out n_H != out n_W), so mixing up H and W always shows."""
    if max_out < 2:
        raise ValueError(f"max_out={max_out} must be at least 2 (two different output sides)")
    f, stride = draw(st.integers(1, max_f)), draw(st.integers(1, max_stride))
    m, n_C = draw(st.integers(1, max_m)), draw(st.integers(1, max_c))
    out_H = draw(st.integers(1, max_out))
    out_W = (out_H - 1 + draw(st.integers(1, max_out - 1))) % max_out + 1  # any side but out_H
    n_H, n_W = ((n - 1) * stride + f + draw(st.integers(0, stride - 1)) for n in (out_H, out_W))
    return PoolCase(draw(arrays((m, n_H, n_W, n_C), kind=kind)), f, stride, draw(st.booleans()))


@dataclass(frozen=True)
class EdgeCase:
    image: np.ndarray  # (H, W)
    vertical: np.ndarray  # (kh, kw)
    horizontal: np.ndarray  # (kh, kw), the same shape as vertical


@st.composite
def edge_cases(draw, *, max_side: int = 8, max_k: int = 4, dtype: str = "float64") -> EdgeCase:
    """``image_cases`` with a second kernel of the same shape: the inputs of an edge-magnitude function."""
    case = draw(image_cases(max_side=max_side, max_k=max_k, dtype=dtype))
    return EdgeCase(case.image, case.kernel, draw(arrays(case.kernel.shape)))


@dataclass(frozen=True, kw_only=True)
class ConvGradCase(ConvCase):
    """conv_backward's inputs: a convolution's inputs and the gradient dZ of the cost w.r.t. its output."""

    dZ: np.ndarray  # (m, n_H, n_W, n_C), the shape of Z

    @property
    def cache(self) -> tuple:
        return (self.A_prev, self.W, self.b, self.hparameters)


@st.composite
def conv_grad_cases(draw, *, overlapping: bool = False, nonsquare: bool = False, reverse_keys: bool | None = None,
                    kind: str = "ints", max_f: int = 3, **bounds: int) -> ConvGradCase:
    """``conv_cases`` with dZ of the output's shape; ``overlapping`` draws stride < f and at least two windows
    down (they share pixels), ``nonsquare`` makes n_W_prev != n_H_prev; ``reverse_keys`` None draws the key order."""
    if overlapping:
        if max_f < 2:
            raise ValueError(f"max_f={max_f} leaves no stride < f for overlapping windows")
        f = draw(st.integers(2, max_f))
        bounds.update(f=f, stride=draw(st.integers(1, f - 1)))
    case = draw(conv_cases(kind=kind, max_f=max_f, **bounds))
    A = case.A_prev
    if overlapping and case.out_shape[1] < 2:  # rows for a second window, which overlaps the first
        rows = case.W.shape[0] + case.stride - 2 * case.pad - A.shape[1]
        A = np.concatenate([A, draw(arrays((A.shape[0], rows, *A.shape[2:]), kind=kind))], axis=1)
    if nonsquare and A.shape[1] == A.shape[2]:
        A = np.concatenate([A, draw(arrays(A[:, :, :1].shape, kind=kind))], axis=2)  # one more column
    case = ConvCase(A, case.W, case.b, case.stride, case.pad,
                    draw(st.booleans()) if reverse_keys is None else reverse_keys)
    return ConvGradCase(A_prev=case.A_prev, W=case.W, b=case.b, stride=case.stride, pad=case.pad,
                        reverse_keys=case.reverse_keys, dZ=draw(arrays(case.out_shape, kind=kind)))


@dataclass(frozen=True, kw_only=True)
class PoolGradCase(PoolCase):
    """pool_backward's inputs: a pooling layer's input, the gradient dA w.r.t. its output, and the mode."""

    dA: np.ndarray  # (m, n_H, n_W, n_C), the shape of A
    mode: str  # "max" or "average"

    @property
    def cache(self) -> tuple:
        return (self.A_prev, self.hparameters)


@st.composite
def pool_grad_cases(draw, *, mode: str | None = None, overlapping: bool = False, nonsquare: bool = False,
                    reverse_keys: bool | None = None, kind: str = "ints", unique: bool = False, max_m: int = 2,
                    max_side: int = 5, max_c: int = 2, max_f: int = 3, max_stride: int = 3) -> PoolGradCase:
    """A pooling input (no ties when ``unique``), dA of the output's shape, and a mode (drawn when None);
    ``overlapping`` draws stride < f and at least two windows down, ``nonsquare`` makes n_W_prev != n_H_prev."""
    check_bounds(max_m=max_m - 1, max_side=max_side - 1, max_c=max_c - 1, max_f=max_f - 1, max_stride=max_stride - 1)
    if overlapping and max_f < 2:
        raise ValueError(f"max_f={max_f} leaves no stride < f for overlapping windows")
    f = draw(st.integers(2 if overlapping else 1, max_f))
    stride = draw(st.integers(1, f - 1 if overlapping else max_stride))
    m, n_C = draw(st.integers(1, max_m)), draw(st.integers(1, max_c))
    low_H = f + stride if overlapping else f  # two windows down, sharing rows
    n_H, n_W = draw(st.integers(low_H, max(max_side, low_H))), draw(side(f, 0, max_side=max(max_side, f)))
    if nonsquare and n_W == n_H:
        n_W += 1  # one more column
    size = m * n_H * n_W * n_C
    A = draw(arrays((m, n_H, n_W, n_C), kind=kind, bound=max(3, size) if unique else 3, unique=unique))
    base = PoolCase(A, f, stride, draw(st.booleans()) if reverse_keys is None else reverse_keys)
    return PoolGradCase(A_prev=A, f=f, stride=stride, reverse_keys=base.reverse_keys,
                        dA=draw(arrays(base.out_shape, kind=kind)),
                        mode=draw(st.sampled_from(("max", "average"))) if mode is None else mode)
