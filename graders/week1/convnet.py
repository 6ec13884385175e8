"""Graders for lessons 1.8, 1.10, 1.11: activation_shapes, fc_vs_conv_params, fc_as_conv, LeNet5, train_digits."""
from __future__ import annotations

import importlib.metadata
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from hypothesis import strategies as st

from convgrade import (CheckFailed, Exercise, expect_array, expect_equal, expect_shape, expect_tuple,
                       expect_unchanged, fmt_number, kind_of, remember, TensorData)
from convgrade.extra.torch import TORCH, ModuleCase, add_module_checks, expect_count, student_forward, student_layout
from convgrade.extra.numpy import arrays
from ..cases import ordered, output_size


def _at(case: Any, check: Any) -> None:
    """Run ``check()``; a failure names ``case`` as the course's worked example."""
    try:
        check()
    except CheckFailed as failed:
        failed.case, failed.explicit = case, True
        raise


# activation_shapes -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NetCase:
    input_shape: tuple[int, int, int]
    layers: list  # dicts, as activation_shapes takes them


def _conv(f: int, s: int, p: int, filters: int) -> dict:
    return {"type": "conv", "f": f, "stride": s, "pad": p, "filters": filters}


def _pool(f: int, s: int) -> dict:
    return {"type": "pool", "f": f, "stride": s}


def _fc(units: int) -> dict:
    return {"type": "fc", "units": units}


COURSE_NET = NetCase((39, 39, 3), [_conv(3, 1, 0, 10), _conv(5, 2, 0, 20), _conv(5, 2, 0, 40), _fc(10)])
COURSE_TABLE = [((37, 37, 10), 280), ((17, 17, 20), 5020), ((7, 7, 40), 20040), ((10,), 19610)]
LENET_NET = NetCase((32, 32, 1), [_conv(5, 1, 0, 6), _pool(2, 2), _conv(5, 1, 0, 16), _pool(2, 2), _fc(120), _fc(84),
                                  _fc(10)])
LENET_TABLE = [((28, 28, 6), 156), ((14, 14, 6), 0), ((10, 10, 16), 2416), ((5, 5, 16), 0), ((120,), 48120),
               ((84,), 10164), ((10,), 850)]


@st.composite
def _nets(draw, *, max_layers: int = 4, max_side: int = 32) -> NetCase:
    """A layer list valid by construction: each conv or pool is drawn from the shape it receives (output >= 1);
    after an fc layer only fc layers follow. Dict keys come in either order."""
    shape = (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)), draw(st.integers(1, 8)))
    start, reverse, layers = shape, draw(st.booleans()), []
    for _ in range(draw(st.integers(1, max_layers))):
        kind = draw(st.sampled_from(("conv", "pool", "fc") if len(shape) == 3 else ("fc",)))
        if kind == "fc":
            layer = _fc(draw(st.integers(1, 20)))
            shape = (layer["units"],)
            layers.append(ordered(layer, reverse))
            continue
        n = min(shape[:2])
        p = draw(st.integers(0, 2)) if kind == "conv" else 0
        f, s = draw(st.integers(1, min(7, n + 2 * p))), draw(st.integers(1, 3))
        layer = _conv(f, s, p, draw(st.integers(1, 16))) if kind == "conv" else _pool(f, s)
        shape = (output_size(shape[0], f, p, s), output_size(shape[1], f, p, s),
                 layer["filters"] if kind == "conv" else shape[2])
        layers.append(ordered(layer, reverse))
    return NetCase(start, layers)


def _expect_layers(got: Any, expected: list, layers: list, parts: tuple[str, ...] = ("shape", "params")) -> None:
    """One (output_shape, n_params) per layer: output_shape a tuple of ints, n_params an int."""
    if type(got) not in (list, tuple) or len(got) != len(expected):
        raise CheckFailed(f"returned {kind_of(got)}, expected a list of {len(expected)} (output_shape, n_params) "
                          "tuples, one per layer", kind="type")
    for i, (item, (shape, n_params), layer) in enumerate(zip(got, expected, layers), start=1):
        where = f"layer {i} ({layer['type']})"
        if type(item) not in (list, tuple) or len(item) != 2:
            raise CheckFailed(f"{where} is {kind_of(item)}, expected a tuple (output_shape, n_params)", kind="type")
        got_shape, got_params = item
        if "shape" in parts:
            if type(got_shape) is not tuple or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                                       for n in got_shape):
                raise CheckFailed(f"{where} output shape is {kind_of(got_shape)}, expected a tuple of ints",
                                  [f"got {got_shape!r}", "build it with tuple(...) of int(...) values"], kind="type")
            if tuple(int(n) for n in got_shape) != shape:
                raise CheckFailed(f"{where} output shape is wrong", [f"got {got_shape!r}, expected {shape!r}"])
        if "params" in parts:
            expect_equal(got_params, n_params, name=f"{where} n_params")


activation_shapes = Exercise("activation_shapes", hint="conv: n_H = floor((n_H_prev + 2p - f) / s) + 1 and "
                                                       "(f*f*n_C_prev + 1) * filters parameters; pool: the same size "
                                                       "with p = 0, channels kept, 0 parameters; fc: (n_in + 1) * "
                                                       "units, n_in = n_H*n_W*n_C of its input")


def _table_check(title: str, case: NetCase, table: list) -> None:
    @activation_shapes.check(title, 1)
    def _(st, ref):
        _at(case, lambda: _expect_layers(st.activation_shapes(case.input_shape, case.layers), table, case.layers))


_table_check("the course's 39x39x3 ConvNet: 37x37x10 -> 17x17x20 -> 7x7x40 = 1960 features -> 10", COURSE_NET,
             COURSE_TABLE)
_table_check("LeNet-5's table: 32x32x1 -> 28x28x6 -> 14x14x6 -> 10x10x16 -> 5x5x16 -> 120 -> 84 -> 10, "
             "61,706 parameters", LENET_NET, LENET_TABLE)


@activation_shapes.check("output shapes of any valid layer list", 1, given=_nets())
def _(case, st, ref):
    _expect_layers(st.activation_shapes(case.input_shape, case.layers),
                   ref.activation_shapes(case.input_shape, case.layers), case.layers, ("shape",))


@activation_shapes.check("output shapes and parameter counts of any valid layer list", 1, given=_nets())
def _(case, st, ref):
    _expect_layers(st.activation_shapes(case.input_shape, case.layers),
                   ref.activation_shapes(case.input_shape, case.layers), case.layers)


# fc_vs_conv_params -----------------------------------------------------------------------------------------

@st.composite
def _layer_shapes(draw) -> dict:
    """An input shape, a filter size, and the output shape a conv with that filter (some stride and padding) gives."""
    n_H, n_W, n_C_prev = draw(st.integers(1, 64)), draw(st.integers(1, 64)), draw(st.integers(1, 16))
    p, s = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    f = draw(st.integers(1, min(n_H, n_W) + 2 * p))
    out = (output_size(n_H, f, p, s), output_size(n_W, f, p, s), draw(st.integers(1, 64)))
    return {"input_shape": (n_H, n_W, n_C_prev), "output_shape": out, "f": f}


def _expect_counts(got: Any, expected: tuple[int, int]) -> None:
    fc_params, conv_params = expect_tuple(got, ("fc_params", "conv_params"))
    expect_equal(fc_params, expected[0], name="fc_params")
    expect_equal(conv_params, expected[1], name="conv_params")


fc_vs_conv_params = Exercise("fc_vs_conv_params", hint="fc: every input connects to every output, plus one bias per "
                                                       "output: (n_H_prev*n_W_prev*n_C_prev + 1) * (n_H*n_W*n_C); "
                                                       "conv: n_C filters of f*f*n_C_prev weights and one bias, "
                                                       "shared by every position: (f*f*n_C_prev + 1) * n_C")


@fc_vs_conv_params.check("the course's 32x32x3 -> 28x28x6 with 5x5 filters: 14,455,392 vs 456", 1)
def _(st, ref):
    case = {"input_shape": (32, 32, 3), "output_shape": (28, 28, 6), "f": 5}
    _at(case, lambda: _expect_counts(st.fc_vs_conv_params(**case), (14_455_392, 456)))


@fc_vs_conv_params.check("any shapes and filter size", 2, given=_layer_shapes())
def _(args, st, ref):
    _expect_counts(st.fc_vs_conv_params(**args), ref.fc_vs_conv_params(**args))


# fc_as_conv ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FcCase:
    in_shape: tuple[int, int, int]
    W_fc: np.ndarray  # (h*w*c, n_out)
    b_fc: np.ndarray  # (n_out,)


@dataclass(frozen=True)
class FcInput(FcCase):
    x: np.ndarray  # (m, h, w, c)


@st.composite
def _fc_cases(draw, *, min_side: int = 1, with_x: bool = False) -> FcCase:
    """Distinct weights, so that any reordering of W_fc's rows or columns shows in W; with sides of at least 2,
    the wrong orders (Fortran, channels first) also differ from each other."""
    h, w, c = (draw(st.integers(min_side, 3)) for _ in range(3))
    n_in, n_out = h * w * c, draw(st.integers(1, 3))
    W_fc, b_fc = draw(arrays((n_in, n_out), bound=n_in * n_out, unique=True)), draw(arrays((n_out,)))
    if with_x:
        return FcInput((h, w, c), W_fc, b_fc, draw(arrays((draw(st.integers(1, 2)), h, w, c))))
    return FcCase((h, w, c), W_fc, b_fc)


def _conv_valid(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Stride-1, pad-0 cross-correlation of x (m, H, W, C) with W (f_h, f_w, C, n_C), plus b: (m, n_H, n_W, n_C)."""
    m, H, Wd, _ = x.shape
    f_h, f_w, _, n_C = W.shape
    Z = np.empty((m, H - f_h + 1, Wd - f_w + 1, n_C))
    for i in range(Z.shape[1]):
        for j in range(Z.shape[2]):
            Z[:, i, j] = np.einsum("mhwc,hwco->mo", x[:, i:i + f_h, j:j + f_w], W)
    return Z + b


def _expect_kernel(got: Any, case: FcCase) -> tuple[np.ndarray, np.ndarray]:
    W, b = expect_tuple(got, ("W", "b"))
    n_out = case.W_fc.shape[1]
    return expect_shape(W, (*case.in_shape, n_out), name="W"), expect_shape(b, (1, 1, 1, n_out), name="b")


fc_as_conv = Exercise("fc_as_conv", hint="x.reshape(m, -1) flattens (h, w, c) in C order, so row (i*w + j)*c + k of "
                                         "W_fc belongs to pixel (i, j), channel k: W_fc.reshape(h, w, c, n_out) puts "
                                         "it at W[i, j, k]; b = b_fc.reshape(1, 1, 1, n_out)")
_FIXED_FC = FcCase((2, 2, 2), np.arange(16.0).reshape(8, 2), np.array([1.0, 2.0]))


@fc_as_conv.check("W_fc = np.arange(16.).reshape(8, 2), in_shape (2, 2, 2): W = np.arange(16.).reshape(2, 2, 2, 2)", 1)
def _(st, ref):
    case = _FIXED_FC

    def check() -> None:
        W, b = _expect_kernel(st.fc_as_conv(case.W_fc, case.b_fc, case.in_shape), case)
        expect_array(W, np.arange(16.0).reshape(2, 2, 2, 2), name="W")
        expect_array(b, np.array([1.0, 2.0]).reshape(1, 1, 1, 2), name="b")

    _at(case, check)


@fc_as_conv.check("shapes of W (h, w, c, n_out) and b (1, 1, 1, n_out)", 1, given=_fc_cases())
def _(case, st, ref):
    _expect_kernel(st.fc_as_conv(case.W_fc, case.b_fc, case.in_shape), case)


@fc_as_conv.check("the conv with W and b (stride 1, pad 0) computes the fc layer", 1,
                  given=_fc_cases(min_side=2, with_x=True))
def _(case, st, ref):
    W, b = _expect_kernel(st.fc_as_conv(case.W_fc, case.b_fc, case.in_shape), case)
    m, n_out = case.x.shape[0], case.W_fc.shape[1]
    fc = case.x.reshape(m, -1) @ case.W_fc + case.b_fc  # (m, n_out)
    expect_array(_conv_valid(case.x, W, b), fc.reshape(m, 1, 1, n_out), name="conv(x, W, b)")


@fc_as_conv.check("W and b equal the reference's", 1, given=_fc_cases(min_side=2))
def _(case, st, ref):
    W, b = _expect_kernel(st.fc_as_conv(case.W_fc, case.b_fc, case.in_shape), case)
    W_ref, b_ref = ref.fc_as_conv(case.W_fc, case.b_fc, case.in_shape)
    expect_array(W, W_ref, name="W")
    expect_array(b, b_ref, name="b")


@fc_as_conv.check("leaves its inputs unchanged", 1, given=_fc_cases())
def _(case, st, ref):
    out, after = st.with_args.fc_as_conv(case.W_fc, case.b_fc, case.in_shape)
    _expect_kernel(out, case)
    expect_unchanged([case.W_fc, case.b_fc], after, ("W_fc", "b_fc"))


# LeNet5 ----------------------------------------------------------------------------------------------------

LeNet5 = Exercise("LeNet5", hint="conv 6@5x5 -> ReLU -> max-pool 2 -> conv 16@5x5 -> ReLU -> max-pool 2 -> flatten "
                                 "16*5*5 = 400 -> linear 120 -> ReLU -> linear 84 -> ReLU -> linear num_classes; no "
                                 "padding, no softmax (the logits go to the loss)")


@st.composite
def _lenet_cases(draw) -> ModuleCase:
    return ModuleCase((), (draw(st.integers(1, 3)), 1, 32, 32), {"num_classes": draw(st.integers(2, 20))},
                      input_seed=draw(st.integers(0, 2**16)))


add_module_checks(LeNet5, _lenet_cases())

# LeNet-5's table: each parameter's shape in registration order, and where it comes from
LENET_PARAMS = (
    ((6, 1, 5, 5), "conv1: 6 filters of 5x5x1, (N, 1, 32, 32) -> (N, 6, 28, 28), pooled to (N, 6, 14, 14)"),
    ((6,), "conv1: one bias per filter"),
    ((16, 6, 5, 5), "conv2: 16 filters of 5x5x6, (N, 6, 14, 14) -> (N, 16, 10, 10), pooled to (N, 16, 5, 5)"),
    ((16,), "conv2: one bias per filter"),
    ((120, 400), "fc1: the 16*5*5 = 400 features of the second pool -> 120"),
    ((120,), "fc1's biases"),
    ((84, 120), "fc2: 120 -> 84"),
    ((84,), "fc2's biases"),
    ((10, 84), "fc3: 84 -> 10 logits"),
    ((10,), "fc3's biases"),
)


@LeNet5.check("LeNet-5's table: 6@28x28 -> 6@14x14 -> 16@10x10 -> 16@5x5 -> 400 -> 120 -> 84 -> 10, "
              "61,706 parameters", 2)
def _(st, ref):
    case = ModuleCase((), (2, 1, 32, 32))

    def check() -> None:
        layout = student_layout(st, "LeNet5", case)
        for i, ((name, shape, _), (want, why)) in enumerate(zip(layout.params, LENET_PARAMS), start=1):
            if shape != want:
                raise CheckFailed("does not follow LeNet-5's table",
                                  [f"parameter {i} ({name}) has shape {shape}, expected {want}", f"expected {why}",
                                   *layout.unused_lines()],
                                  kind="shape")
        expect_count(layout, 61_706, "LeNet5")
        expect_shape(student_forward(st, "LeNet5", case, None)["output"], (2, 10), name="output")

    _at(case, check)


# train_digits ----------------------------------------------------------------------------------------------

ARGS = {"epochs": 10, "seed": 0}
THRESHOLDS = (0.80, 0.90, 0.95)
AGREE = 0.05  # the student's own test_accuracy vs the grader's measurement


def _held_out(ref: Any) -> tuple[np.ndarray, np.ndarray]:
    """The grader's digits, prepared as the docstring says: (450, 1, 32, 32) float32 in [0, 1], and labels.

    The 1797 bundled images are all a student has, so no image is new to every submission. The grader takes
    the 450 that train_digits(seed=0) must hold out by its docstring (train_test_split(test_size=0.25,
    random_state=0, stratify=y)): a submission that follows the recipe has never trained on one of them, and
    one that trains on a different split is measured partly on its training images, which can only flatter it.
    Remembered per course version (``import sklearn`` costs the grading process more than a second).
    """
    return remember(ref, ("held_out", ARGS["seed"], importlib.metadata.version("scikit-learn")), _split)


@lru_cache(maxsize=1)
def _split() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = np.pad(digits.images / 16.0, ((0, 0), (12, 12), (12, 12)))[:, None]  # (1797, 1, 32, 32)
    _, X_test, _, y_test = train_test_split(X, digits.target, test_size=0.25, random_state=ARGS["seed"],
                                            stratify=digits.target)
    return X_test.astype(np.float32), y_test


@dataclass(frozen=True)
class Run:
    accuracy: float  # measured by the grader on its held-out digits
    n: int
    errors: str  # what it gets wrong most, for the feedback
    reported: Any  # the student's test_accuracy, as it came back


_runs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # st -> [Run or CheckFailed, times shown]


def _run(st: Any, ref: Any) -> Run:
    """Train once per grading: every check of train_digits reads the same run. A failure is shown in full
    by the first check and named by the others."""
    if st not in _runs:
        try:
            _runs[st] = [_train(st, ref), 0]
        except CheckFailed as failed:
            _runs[st] = [failed, 0]
    entry = _runs[st]
    entry[1] += 1
    if isinstance(entry[0], CheckFailed):
        failed = entry[0]
        if entry[1] == 1 or failed.kind == "unimplemented":
            raise failed
        raise _not_checked(failed)
    return entry[0]


def _not_checked(failed: CheckFailed) -> CheckFailed:
    what = f"raised {failed.raised}" if failed.raised else failed.what
    return CheckFailed(f"not checked (see the first check): {what}", kind=failed.kind)


def _train(st: Any, ref: Any) -> Run:
    X, y = _held_out(ref)
    body = st.request("call_model", "train_digits", args=[], kwargs=ARGS, index=0, input=X)["value"]
    value, out = (body.get("value"), body.get("output")) if isinstance(body, dict) else (None, None)
    # call_model sends the other returned items when item 0 is a module (here a list of at most one),
    # else everything the function returned (and no output)
    if out is None and not (type(value) is list and len(value) < 2):
        first = value[0] if type(value) in (tuple, list) and value else None
        raise CheckFailed(f"returned {kind_of(value)}, expected a tuple (model, test_accuracy)",
                          [f"its first item is {kind_of(first)}, expected the trained LeNet5 (a torch.nn.Module)"]
                          if first is not None else [], kind="type")
    if not isinstance(out, TensorData):
        raise CheckFailed(f"the model's forward returned {kind_of(out)}, expected a tensor of logits (N, 10)",
                          kind="type")
    if len(value) != 1:
        raise CheckFailed("returned the model alone, expected a tuple (model, test_accuracy)" if value == [] else
                          f"returned {len(value) + 1} items, expected a tuple (model, test_accuracy)", kind="type")
    logits = expect_shape(out.array, (len(y), 10), name=f"model(X) for X.shape={X.shape}")
    predicted = logits.argmax(axis=1)
    return Run(float((predicted == y).mean()), len(y), _errors(y, predicted), value[0])


def _errors(y: np.ndarray, predicted: np.ndarray) -> str:
    """What the model gets wrong most: one answer for (nearly) everything, or its most frequent confusion."""
    answers = np.bincount(predicted, minlength=10)
    if answers.max() > len(y) / 2:
        return (f"it answers {int(answers.argmax())} for {int(answers.max())} of the {len(y)} images: it has not "
                "learned to tell the digits apart (on images prepared like these)")
    wrong = [(int(t), int(p)) for t, p in zip(y, predicted) if t != p]
    if not wrong:
        return "no errors"
    t, p = max(sorted(set(wrong)), key=wrong.count)
    return f"most frequent error: a {t} read as {p} ({wrong.count((t, p))} of the {int((y == t).sum())} images of {t})"


def _reported(run: Run) -> float:
    acc = run.reported
    if isinstance(acc, TensorData):
        raise CheckFailed(f"test_accuracy is {kind_of(acc)}, expected a float", ["turn it into a number with .item()"],
                          kind="type")
    if isinstance(acc, (bool, np.bool_)) or not isinstance(acc, (float, np.floating)):
        raise CheckFailed(f"test_accuracy is {kind_of(acc)}, expected a float in [0, 1]", kind="type")
    if not 0 <= acc <= 1:
        raise CheckFailed(f"test_accuracy is {fmt_number(acc)}, expected a fraction in [0, 1]",
                          ["a percentage? return correct / total, not 100 * correct / total"])
    return float(acc)


# memory: its worker imports scikit-learn and trains, about 160 MiB at once (parallel.BIG)
train_digits = Exercise("train_digits", needs=(TORCH,), memory=160, hint="prepare the digits as the docstring says (pixels / 16, zero-padded by 12 "
                                             "on every side to (1, 32, 32), float32 tensors): the grader feeds its "
                                             "own digits to your model that way; train with Adam on mini-batches, "
                                             "an optimizer step after every batch, for all the epochs")


@train_digits.check("returns (model, test_accuracy), test_accuracy a float in [0, 1]", 1)
def _(st, ref):
    _reported(_run(st, ref))


@train_digits.check(f"test_accuracy agrees with the grader's measurement (within {AGREE:g})", 1,
                    hint="if your test_accuracy is much higher, your images differ from the docstring's (pixels / 16? "
                         "padded by 12?); else compute it on the held-out split, in eval mode: "
                         "(model(X_test).argmax(dim=1) == y_test).double().mean().item()")
def _(st, ref):
    run = _run(st, ref)
    try:
        reported = _reported(run)
    except CheckFailed as failed:
        raise _not_checked(failed) from None
    if abs(reported - run.accuracy) > AGREE:
        raise CheckFailed("test_accuracy does not agree with the grader's measurement",
                          [f"your test_accuracy is {reported:.3f}; on its {run.n} held-out digits (pixels / 16, "
                           f"padded to 32x32) the grader measures {run.accuracy:.3f}"])


def _accuracy_check(threshold: float) -> None:
    @train_digits.check(f"the model classifies at least {threshold:.0%} of the grader's held-out digits", 1)
    def _(st, ref):
        run = _run(st, ref)
        if run.accuracy < threshold:
            raise CheckFailed(f"the model classifies {run.accuracy:.1%} of the grader's {run.n} held-out digits "
                              f"correctly, below {threshold:.0%}", [run.errors])


for _threshold in THRESHOLDS:
    _accuracy_check(_threshold)
