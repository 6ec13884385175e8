"""Graders for lessons 1.2-1.3: conv2d_valid, the edge kernels, edge_magnitude."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any, Iterator

import numpy as np
from hypothesis import strategies as st

from convgrade import (CheckFailed, Exercise, expect_array, expect_raises, expect_shape, expect_unchanged, fmt_index,
                       fmt_number, kind_of)
from convgrade.extra.numpy import arrays
from ..pictures import edge_panels, photograph
from ..cases import EdgeCase, ImageCase, edge_cases, image_cases

# The course's worked example: 6x6, left half 10, right half 0; vertical kernel -> 4 rows of [0, 30, 30, 0].
STEP = np.array([[10, 10, 10, 0, 0, 0]] * 6, dtype=np.float64)
VERTICAL = np.array([[1, 0, -1]] * 3, dtype=np.float64)
SOBEL = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)
# Images up to 6x6 and kernels up to 3x3, as in the course: larger ones make hypothesis shrink for many seconds.
IMAGES, UINT8_IMAGES = image_cases(max_side=6, max_k=3), image_cases(max_side=6, max_k=3, dtype="uint8")
EDGES = edge_cases(max_side=6, max_k=3)


@contextmanager
def _explained(line: str) -> Iterator[None]:
    """Put ``line`` first under the headline of a failure raised inside the block."""
    try:
        yield
    except CheckFailed as failed:
        failed.details.insert(0, line)
        raise


def _out_shape(image: np.ndarray, kernel: np.ndarray) -> tuple[int, int]:
    return image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1


def _pair(ref: ModuleType, kernels: str) -> tuple[np.ndarray, np.ndarray]:
    """The reference's (vertical, horizontal) kernels: "edge", "sobel" or "scharr"."""
    if kernels == "edge":
        return ref.vertical_edge_kernel(), ref.horizontal_edge_kernel()
    make = getattr(ref, f"{kernels}_kernel")
    return make("vertical"), make("horizontal")


@cache
def _photographs() -> tuple[tuple[str, np.ndarray, str], ...]:
    """(label, uint8 image, kernels): scikit-image's camera and coins, downsampled to keep grading fast."""
    camera, coins = photograph("camera")[::8, ::8], photograph("coins")[::4, ::4]  # (64, 64), (76, 96)
    return (("skimage.data.camera()[::8, ::8]", np.ascontiguousarray(camera), "sobel"),
            ("skimage.data.coins()[::4, ::4]", np.ascontiguousarray(coins), "scharr"))


@st.composite
def _rectangles(draw) -> ImageCase:
    """An image and kernel with kh != kw and an output with more columns than rows: H and W cannot be confused."""
    kh, out_H = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    kw, out_W = kh + draw(st.integers(1, 2)), out_H + draw(st.integers(1, 3))
    return ImageCase(draw(arrays((out_H + kh - 1, out_W + kw - 1))), draw(arrays((kh, kw))))


@st.composite
def _deltas(draw) -> ImageCase:
    """An image and a kernel that is 0 except for a single 1."""
    case = draw(IMAGES)
    kernel = np.zeros_like(case.kernel)
    kernel[draw(st.integers(0, kernel.shape[0] - 1)), draw(st.integers(0, kernel.shape[1] - 1))] = 1.0
    return ImageCase(case.image, kernel)


@dataclass(frozen=True)
class LinearCase:
    x: np.ndarray  # (H, W)
    y: np.ndarray  # (H, W)
    kernel: np.ndarray  # (kh, kw)
    a: int
    b: int


@st.composite
def _linear_cases(draw) -> LinearCase:
    a, b = draw(st.integers(-3, 3)), draw(st.integers(-3, 3))
    case = draw(image_cases(max_side=4, max_k=2))  # three calls per example: keep shrinking quick
    return LinearCase(case.image, draw(arrays(case.image.shape)), case.kernel, a, b)


conv2d_valid = Exercise("conv2d_valid", hint="out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel) for i < H - kh + 1 "
                                              "and j < W - kw + 1")


@conv2d_valid.check("output shape (H - kh + 1, W - kw + 1)", points=1, given=_rectangles(),
                    examples=[ImageCase(STEP, VERTICAL)],
                    hint="rows: H - kh + 1 with (H, W) = image.shape and (kh, kw) = kernel.shape; "
                         "columns: W - kw + 1")
def _(case, st, ref):
    expect_shape(st.conv2d_valid(case.image, case.kernel), _out_shape(case.image, case.kernel), name="out")


@conv2d_valid.check("values (float64)", points=2, given=IMAGES, examples=[ImageCase(STEP, VERTICAL)])
def _(case, st, ref):
    expect_array(st.conv2d_valid(case.image, case.kernel), ref.conv2d_valid(case.image, case.kernel), name="out")


@conv2d_valid.check("uint8 images do not wrap around", points=1, given=UINT8_IMAGES)
def _(case, st, ref):
    got, expected = st.conv2d_valid(case.image, case.kernel), ref.conv2d_valid(case.image, case.kernel)
    try:  # the dtype is checked on the photographs, where wrapped values differ from the other mistakes'
        expect_array(got, expected, name="out", check_dtype=False)
    except CheckFailed as failed:
        if failed.kind == "values" and np.allclose((got.astype(np.float64) - expected) % 256, 0):
            failed.hint = ("the values wrapped around modulo 256 (-1 became 255): convert the image first, "
                           "image.astype(np.float64), and make out a float64 array")
        raise


@conv2d_valid.check("uint8 photographs (skimage's camera and coins): float64 values", points=1)
def _(st, ref):
    for label, photo, kernels in _photographs():
        vertical, _ = _pair(ref, kernels)
        with _explained(f"input: {label}, a {photo.shape[0]}x{photo.shape[1]} uint8 photograph, the {kernels} "
                        "vertical kernel"):
            expect_array(st.conv2d_valid(photo, vertical), ref.conv2d_valid(photo, vertical), name="out")


@conv2d_valid.check("the kernel is not flipped (cross-correlation)", points=1, given=_deltas(),
                    hint="out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel): kernel[p, q] multiplies "
                         "image[i + p, j + q]; the kernel is used as it is, not flipped")
def _(case, st, ref):
    (p, q), (n_H, n_W) = np.argwhere(case.kernel)[0], _out_shape(case.image, case.kernel)
    with _explained(f"with kernel[{p}, {q}] = 1 and 0 elsewhere, out[i, j] must be image[i + {p}, j + {q}]"):
        expect_array(st.conv2d_valid(case.image, case.kernel), case.image[p:p + n_H, q:q + n_W], name="out")


@conv2d_valid.check("linear in the image", points=1, given=_linear_cases(),
                    hint="each out[i, j] is a weighted sum of pixels and nothing else: no abs, no bias, no clipping")
def _(case, st, ref):
    shape = _out_shape(case.x, case.kernel)
    gx = expect_shape(st.conv2d_valid(case.x, case.kernel), shape, name="conv2d_valid(x, kernel)")
    gy = expect_shape(st.conv2d_valid(case.y, case.kernel), shape, name="conv2d_valid(y, kernel)")
    with _explained("expected a*conv2d_valid(x, kernel) + b*conv2d_valid(y, kernel)"):
        expect_array(st.conv2d_valid(case.a * case.x + case.b * case.y, case.kernel), case.a * gx + case.b * gy,
                     name="conv2d_valid(a*x + b*y, kernel)", check_dtype=False)


@conv2d_valid.check("leaves image and kernel unchanged", points=1, given=IMAGES,
                    hint="image[i:i+kh, j:j+kw] is a view into the image: `window *= kernel` writes into it; "
                         "compute window * kernel instead")
def _(case, st, ref):
    _, after = st.with_args.conv2d_valid(case.image, case.kernel)
    expect_unchanged([case.image, case.kernel], after, ("image", "kernel"))


def _call(fn: str, args: tuple) -> str:
    return f"{fn}({', '.join(map(repr, args))})"


def _kernel_values(ex: Exercise, name: str, calls: tuple[tuple, ...], points: float) -> None:
    """A check that each call ``ex.name(*args)`` returns the reference's kernel (any dtype)."""
    @ex.check(name, points=points)
    def _(st, ref):
        for args in calls:
            expect_array(getattr(st, ex.name)(*args), getattr(ref, ex.name)(*args), name=_call(ex.name, args),
                         rtol=0, atol=0, check_dtype=False)


def _kernel_float64(ex: Exercise, calls: tuple[tuple, ...]) -> None:
    @ex.check("a (3, 3) float64 array", points=1,
              hint="np.array([[...], [...], [...]], dtype=np.float64): three rows of three; without dtype, whole "
                   "numbers make an int64 array")
    def _(st, ref):
        for args in calls:
            name = _call(ex.name, args)
            got = expect_shape(getattr(st, ex.name)(*args), (3, 3), name=name)
            if got.dtype != np.float64:
                raise CheckFailed(f"{name} has dtype {got.dtype}, expected float64", kind="dtype")


vertical_edge_kernel = Exercise("vertical_edge_kernel",
                                hint="three rows of [1, 0, -1]: bright on the left minus bright on the right")
_kernel_values(vertical_edge_kernel, "[[1, 0, -1], [1, 0, -1], [1, 0, -1]]", ((),), points=2)
_kernel_float64(vertical_edge_kernel, ((),))

horizontal_edge_kernel = Exercise("horizontal_edge_kernel",
                                  hint="the transpose of the vertical kernel: rows [1, 1, 1], [0, 0, 0], [-1, -1, -1] "
                                       "(bright on top minus bright below)")
_kernel_values(horizontal_edge_kernel, "[[1, 1, 1], [0, 0, 0], [-1, -1, -1]]: the transpose", ((),), points=2)
_kernel_float64(horizontal_edge_kernel, ((),))

BAD_DIRECTIONS = ("diagonal", "Vertical", "HORIZONTAL", "", "x")


def _directional(name: str, vertical: str) -> Exercise:
    """The checks of a kernel with a ``direction`` argument: "vertical" (default), "horizontal", else ValueError."""
    ex = Exercise(name, hint=f"'vertical' is {vertical}; 'horizontal' is its transpose (kernel.T)")
    _kernel_values(ex, f"vertical (the default): {vertical}", ((), ("vertical",)), points=2)
    _kernel_values(ex, "horizontal: the transpose", (("horizontal",),), points=2)
    _kernel_float64(ex, ((), ("horizontal",)))

    @ex.check("any other direction raises ValueError", points=1,
              given=st.sampled_from(BAD_DIRECTIONS).map(lambda d: {"direction": d}),
              hint="compare with == and end with raise ValueError(f\"direction must be 'vertical' or 'horizontal', "
                   "got {direction!r}\")")
    def _(args, st, ref):
        expect_raises(lambda: getattr(st, name)(**args), "ValueError", what=_call(name, (args["direction"],)))

    return ex


sobel_kernel = _directional("sobel_kernel", "[[1, 0, -1], [2, 0, -2], [1, 0, -1]]")
scharr_kernel = _directional("scharr_kernel", "[[3, 0, -3], [10, 0, -10], [3, 0, -3]]")


@dataclass(frozen=True)
class FlatCase:
    shape: tuple[int, int]
    value: int
    kernels: str  # "edge", "sobel" or "scharr": that vertical kernel and its transpose

    @property
    def image(self) -> np.ndarray:
        return np.full(self.shape, self.value, dtype=np.uint8)


@st.composite
def _flat_cases(draw) -> FlatCase:
    shape = (draw(st.integers(3, 8)), draw(st.integers(3, 8)))
    return FlatCase(shape, draw(st.integers(1, 255)), draw(st.sampled_from(("edge", "sobel", "scharr"))))


def _magnitude(st: Any, image: np.ndarray, vertical: np.ndarray, horizontal: np.ndarray) -> np.ndarray:
    """The student's magnitude, checked to be an ndarray of the valid output shape."""
    return expect_shape(st.edge_magnitude(image, vertical, horizontal), _out_shape(image, vertical), name="magnitude")


edge_magnitude = Exercise("edge_magnitude", hint="magnitude = sqrt(g_v**2 + g_h**2) with g_v = conv2d_valid(image, "
                                                  "vertical) and g_h = conv2d_valid(image, horizontal)")


@edge_magnitude.check("values", points=2, given=EDGES, examples=[EdgeCase(STEP, SOBEL, SOBEL.T.copy())])
def _(case, st, ref):
    expect_array(st.edge_magnitude(case.image, case.vertical, case.horizontal),
                 ref.edge_magnitude(case.image, case.vertical, case.horizontal), name="magnitude")


@edge_magnitude.check("photographs (skimage's camera and coins, uint8)", points=2)
def _(st, ref):
    for label, photo, kernels in _photographs():
        vertical, horizontal = _pair(ref, kernels)
        expected = ref.edge_magnitude(photo, vertical, horizontal)
        with _explained(f"input: {label}, a {photo.shape[0]}x{photo.shape[1]} uint8 photograph, {kernels} kernels"):
            expect_array(st.edge_magnitude(photo, vertical, horizontal), expected, name="magnitude")


@edge_magnitude.check("never negative", points=1, given=EDGES,
                      hint="a magnitude is a length: the square root of a sum of squares is never negative")
def _(case, st, ref):
    got = _magnitude(st, case.image, case.vertical, case.horizontal)
    bad = ~(got >= 0)  # also catches NaN
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        count = f"{int(bad.sum())} of {bad.size} values are negative or NaN"
        raise CheckFailed("magnitude has negative or NaN values", [f"magnitude{fmt_index(first)} = "
                                                                   f"{fmt_number(got[first])} ({count})"])


@edge_magnitude.check("zero on a flat image", points=1, given=_flat_cases(),
                      hint="an edge kernel's weights sum to 0, so a flat image gives g_v = g_h = 0 and a magnitude "
                           "of exactly 0: add no epsilon, divide by nothing")
def _(case, st, ref):
    vertical, horizontal = _pair(ref, case.kernels)
    got = _magnitude(st, case.image, vertical, horizontal)
    expect_array(got, np.zeros(got.shape), name="magnitude", check_dtype=False)


@edge_magnitude.check("leaves its inputs unchanged", points=1, given=EDGES)
def _(case, st, ref):
    args = [case.image, case.vertical, case.horizontal]
    out, after = st.with_args.edge_magnitude(*args)
    expect_shape(out, _out_shape(case.image, case.vertical), name="magnitude")
    expect_unchanged(args, after, ("image", "vertical", "horizontal"))


# Pictures for the HTML report (`course grade --html`): a photograph through the student's code and the reference's.
# A student bundle grades from recorded answers, without the reference (ref is None): no pictures there.

@cache
def _figure_photo(name: str) -> tuple[str, np.ndarray]:
    """(label, a grey uint8 photograph) from scikit-image's bundled images, downsampled for speed."""
    if name == "chelsea":  # RGB: its luminance
        grey = (photograph("chelsea")[::2, ::2] @ np.array([0.2125, 0.7154, 0.0721])).round().astype(np.uint8)
        return "skimage.data.chelsea(), grey, [::2, ::2]", grey  # (150, 226)
    step = {"camera": 4, "coins": 2}[name]
    return f"skimage.data.{name}()[::{step}, ::{step}]", np.ascontiguousarray(photograph(name)[::step, ::step])


def _attempt(make: Any) -> tuple[Any, str]:
    """(the student's value, "") or (None, what went wrong)."""
    try:
        return make(), ""
    except CheckFailed as failed:
        return None, f"your code {failed.what}" if failed.kind == "raised" else failed.what


def _edges(photo: str, kind: str, got: Any, expected: np.ndarray, note: str, what: str) -> dict:
    label, image = _figure_photo(photo)
    return {"edges": edge_panels(f"{label}: {what}", image, got, expected, kind, note)}


def _magnitude_figure(st: Any, ref: ModuleType | None) -> dict | None:
    if ref is None:
        return None
    _, image = _figure_photo("camera")
    vertical, horizontal = _pair(ref, "sobel")
    got, note = _attempt(lambda: st.edge_magnitude(image, vertical, horizontal))
    return _edges("camera", "edge map", got, ref.edge_magnitude(image, vertical, horizontal), note,
                  "edge_magnitude with the Sobel kernels")


def _conv_figure(st: Any, ref: ModuleType | None) -> dict | None:
    if ref is None:
        return None
    _, image = _figure_photo("coins")
    vertical, _ = _pair(ref, "sobel")
    got, note = _attempt(lambda: st.conv2d_valid(image, vertical))
    return _edges("coins", "vertical edges", got, ref.conv2d_valid(image, vertical), note,
                  "conv2d_valid with the vertical Sobel kernel")


def _kernel_figure(name: str, directions: tuple[tuple, ...]) -> Any:
    """The photograph through the student's kernel (applied by the reference's conv2d_valid) and the reference's;
    for a kernel with directions, the first direction where the two kernels differ."""
    def figure(st: Any, ref: ModuleType | None) -> dict | None:
        if ref is None:
            return None
        _, image = _figure_photo("chelsea")
        tries = [(args, getattr(ref, name)(*args), *_attempt(lambda: getattr(st, name)(*args))) for args in directions]
        args, expected, kernel, note = next((t for t in tries if not _same(t[2], t[1])), tries[0])
        usable = (isinstance(kernel, np.ndarray) and kernel.ndim == 2 and kernel.dtype.kind in "biuf"
                  and 1 <= min(kernel.shape) and max(kernel.shape) <= 15)
        if kernel is not None and not usable:
            note = f"your kernel is {kind_of(kernel)}, not a small 2-D array: it cannot be applied to the photograph"
        got = ref.conv2d_valid(image, kernel) if usable else None
        return _edges("chelsea", "filtered image", got, ref.conv2d_valid(image, expected), note,
                      f"through {_call(name, args)} (applied with the reference's conv2d_valid)")

    return figure


def _same(got: Any, expected: np.ndarray) -> bool:
    return isinstance(got, np.ndarray) and got.shape == expected.shape and bool(np.array_equal(got, expected))


edge_magnitude.figure = _magnitude_figure
conv2d_valid.figure = _conv_figure
vertical_edge_kernel.figure = _kernel_figure("vertical_edge_kernel", ((),))
horizontal_edge_kernel.figure = _kernel_figure("horizontal_edge_kernel", ((),))
sobel_kernel.figure = _kernel_figure("sobel_kernel", (("vertical",), ("horizontal",)))
scharr_kernel.figure = _kernel_figure("scharr_kernel", (("vertical",), ("horizontal",)))
