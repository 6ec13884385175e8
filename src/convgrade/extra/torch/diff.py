"""An architecture diff: the operations the student's forward pass performs (``ops.graph``, plain data from the
worker) aligned with the reference's, the first few differences said in the course's words, and both sequences
side by side for the HTML report.

A sequence alignment (Needleman-Wunsch): one missing or extra layer shifts nothing after it. An ``nn.ReLU`` and a
``torch.relu`` are the same operation; flattening (``view``, ``reshape``, ``nn.Flatten``) is passed over.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from ...feedback import DIFF_HEADING

MAX_OPS = 600  # operations aligned on each side (ResNet-50 has 174)
MAX_LINES = 3  # differences named in the feedback

MODULE_KINDS = {
    "Conv1d": "conv", "Conv2d": "conv", "Linear": "linear", "BatchNorm1d": "batchnorm", "BatchNorm2d": "batchnorm",
    "ReLU": "relu", "ReLU6": "relu6", "Tanh": "tanh", "Sigmoid": "sigmoid", "GELU": "gelu", "SiLU": "silu",
    "LeakyReLU": "leaky_relu", "ELU": "elu", "Hardtanh": "hardtanh", "Softmax": "softmax",
    "LogSoftmax": "log_softmax", "MaxPool2d": "max_pool", "AvgPool2d": "avg_pool",
    "AdaptiveAvgPool2d": "adaptive_avg_pool", "AdaptiveMaxPool2d": "adaptive_max_pool", "Flatten": "flatten",
    "Dropout": "dropout", "Dropout2d": "dropout", "ZeroPad2d": "pad", "ConstantPad2d": "pad", "Identity": "identity",
}
FUNCTION_KINDS = {
    "max_pool2d": "max_pool", "avg_pool2d": "avg_pool", "adaptive_avg_pool2d": "adaptive_avg_pool",
    "adaptive_max_pool2d": "adaptive_max_pool", "view": "flatten", "reshape": "flatten", "concat": "cat",
    "concatenate": "cat", "batch_norm": "batchnorm", "conv2d": "conv", "clip": "clamp", "mean": "global_avg_pool",
    "amax": "global_max_pool",
}
PASSED_OVER = {"flatten", "identity"}
ACTIVATIONS = {"relu": "ReLU", "relu6": "ReLU6", "tanh": "Tanh", "sigmoid": "Sigmoid", "gelu": "GELU", "silu": "SiLU",
               "leaky_relu": "LeakyReLU", "elu": "ELU", "hardtanh": "Hardtanh"}
# the positional parameters of the functional calls (after the input), to name their settings
POSITIONAL = {
    "max_pool": ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    "avg_pool": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "adaptive_avg_pool": ("output_size",), "adaptive_max_pool": ("output_size",), "cat": ("dim",),
    "softmax": ("dim",), "log_softmax": ("dim",), "dropout": ("p",), "pad": ("pad",), "leaky_relu": ("negative_slope",),
}
# the settings compared, by kind
COMPARED = {
    "conv": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias"),
    "linear": ("in_features", "out_features", "bias"), "batchnorm": ("num_features", "eps", "affine"),
    "max_pool": ("kernel_size", "stride", "padding", "ceil_mode"), "avg_pool": ("kernel_size", "stride", "padding", "ceil_mode"),
    "adaptive_avg_pool": ("output_size",), "adaptive_max_pool": ("output_size",), "cat": ("dim",),
    "softmax": ("dim",), "dropout": ("p",), "pad": ("padding",), "leaky_relu": ("negative_slope",),
}
PAIRS = ("kernel_size", "stride", "padding", "dilation")


@dataclass(frozen=True)
class Op:
    """One operation of a forward pass: where it happened, what it is and its settings, its output shape."""

    name: str  # the layer's name, or the function's
    kind: str  # the same for a layer and its functional form: "relu", "max_pool", "conv", ...
    settings: tuple[tuple[str, Any], ...]
    shape: tuple[int, ...] | None

    def get(self, key: str) -> Any:
        return dict(self.settings).get(key)

    def label(self) -> str:
        """The operation in the course's words: ``Conv2d(4->2, 1x1, stride 2, no bias)``, ``MaxPool2d(3, stride 2)``."""
        s = dict(self.settings)
        if self.kind == "conv":
            extra = [f"{k} {_side(s.get(k))}" for k, default in (("stride", 1), ("padding", 0), ("dilation", 1),
                                                                  ("groups", 1)) if _side(s.get(k)) != default]
            return (f"Conv2d({s.get('in_channels')}->{s.get('out_channels')}, {_size(s.get('kernel_size'))}"
                    + "".join(", " + e for e in extra) + ("" if s.get("bias", True) else ", no bias") + ")")
        if self.kind == "linear":
            return f"Linear({s.get('in_features')}->{s.get('out_features')}" + ("" if s.get("bias", True) else ", no bias") + ")"
        if self.kind == "batchnorm":
            extra = ("" if s.get("affine", True) else ", affine=False") + (f", eps={s['eps']}" if s.get("eps", 1e-5) != 1e-5 else "")
            return f"BatchNorm2d({s.get('num_features')}{extra})"
        if self.kind in ("max_pool", "avg_pool"):
            padding = _side(s.get("padding"))
            return (("MaxPool2d(" if self.kind == "max_pool" else "AvgPool2d(") + f"{_side(s.get('kernel_size'))}, "
                    f"stride {_side(s.get('stride'))}" + (f", padding {padding}" if padding not in (0, None) else "") + ")")
        if self.kind in ACTIVATIONS:
            return ACTIVATIONS[self.kind]
        words = {"add": "an add (+)", "sub": "a subtraction", "mul": "a product (*)", "cat": f"torch.cat (dim {s.get('dim')})",
                 "global_avg_pool": "a global average pool", "global_max_pool": "a global max-pool",
                 "adaptive_avg_pool": f"AdaptiveAvgPool2d({s.get('output_size')})",
                 "adaptive_max_pool": f"AdaptiveMaxPool2d({s.get('output_size')})", "dropout": f"Dropout(p={s.get('p')})",
                 "pad": f"ZeroPad2d({s.get('padding')})", "softmax": "a softmax", "log_softmax": "a log-softmax"}
        return words.get(self.kind, self.kind)


def _side(value: Any) -> Any:
    """(3, 3) -> 3; an unequal pair stays a pair."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == value[1]:
        return value[0]
    return value


def _size(value: Any) -> str:
    return "x".join(map(str, value)) if isinstance(value, tuple) else f"{value}x{value}"


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _settings(kind: str, raw: dict, function: bool) -> dict:
    """The compared settings of one operation, normalised so that a layer and its functional form agree."""
    if function:
        positional = raw.get("args") if isinstance(raw.get("args"), list) else []
        named = dict(zip(POSITIONAL.get(kind, ()), positional[1:]))
        raw = {**named, **{k: v for k, v in raw.items() if k != "args"}}
        if kind == "pad":
            raw["padding"] = raw.pop("pad", None)
    s = {k: _freeze(raw.get(k)) for k in COMPARED.get(kind, ()) if k in raw}
    if kind in ("max_pool", "avg_pool"):
        s.setdefault("padding", 0)
        if s.get("stride") in (None, ()):
            s["stride"] = s.get("kernel_size")
        s.setdefault("ceil_mode", False)
    for key in PAIRS:
        if isinstance(s.get(key), int) and not isinstance(s.get(key), bool):
            s[key] = (s[key], s[key])
    if kind == "conv" and isinstance(s.get("padding"), str):  # "same" (odd kernels) and "valid" as numbers
        k = s.get("kernel_size") or ()
        if s["padding"] == "valid":
            s["padding"] = (0,) * len(k)
        elif s["padding"] == "same" and all(isinstance(n, int) and n % 2 for n in k):
            s["padding"] = tuple(n // 2 for n in k)
    return s


def read_ops(data: Any) -> list[Op] | None:
    """Strictly read the worker's ``ops.graph`` reply (None when it is malformed); flattening passed over."""
    try:
        found = []
        for name, origin, type_name, raw, shape in data["ops"][:MAX_OPS]:
            function = origin == "function"
            type_name = str(type_name)[:100]
            kind = (FUNCTION_KINDS.get(type_name, type_name) if function
                    else MODULE_KINDS.get(type_name, type_name))
            if kind in ("max", "sum") and function:  # x.max(dim=...) as a pool; torch.max(a, b) is elementwise
                kind = "global_max_pool" if kind == "max" else kind
            if kind in PASSED_OVER or not isinstance(raw, dict):
                continue
            if kind in ("adaptive_avg_pool", "adaptive_max_pool") and _freeze(_settings(kind, raw, function).get(
                    "output_size")) in (1, (1, 1)):
                kind = "global_avg_pool" if kind == "adaptive_avg_pool" else "global_max_pool"
            settings = tuple(sorted(_settings(kind, raw, function).items()))
            found.append(Op(str(name)[:100], kind, settings, None if shape is None else tuple(int(n) for n in shape)))
        return found
    except (TypeError, ValueError, KeyError):
        return None


def cost(a: Op | None, b: Op | None) -> float:
    """Aligning ``a`` with ``b``: 0 the same, 0.5 the same kind with other settings, 1.5 another kind; 1 a gap."""
    if a is None or b is None:
        return 1.0
    return 0.0 if (a.kind, a.settings) == (b.kind, b.settings) else 0.5 if a.kind == b.kind else 1.5


def align(mine: list[Op], theirs: list[Op]) -> list[tuple[int | None, int | None]]:
    """The optimal alignment of two sequences: pairs of indices, None where one side has no counterpart."""
    n, m = len(mine), len(theirs)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        score[i][0] = float(i)
    for j in range(1, m + 1):
        score[0][j] = float(j)
    for i in range(1, n + 1):
        row, above = score[i], score[i - 1]
        for j in range(1, m + 1):
            row[j] = min(above[j - 1] + cost(mine[i - 1], theirs[j - 1]), above[j] + 1.0, row[j - 1] + 1.0)
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i or j:
        if i and j and score[i][j] == score[i - 1][j - 1] + cost(mine[i - 1], theirs[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and score[i][j] == score[i - 1][j] + 1.0:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    return pairs[::-1]


def differences(mine: list[Op], theirs: list[Op]) -> list[str]:
    """Every difference, in forward order, in the course's words (layers numbered from 1 on each side)."""
    pairs = align(mine, theirs)
    lines: list[str] = []
    for k, (i, j) in enumerate(pairs):
        if i is not None and j is not None:
            if cost(mine[i], theirs[j]) > 0:
                lines.append(f"layer {i + 1} ({mine[i].name}): yours is {mine[i].label()}, the reference's is "
                             f"{theirs[j].label()}")
            continue
        if i is not None:  # an extra operation of yours
            add = _add_after(mine, theirs, pairs[k + 1:]) if mine[i].kind in ACTIVATIONS else None
            if add is not None:
                then = f", then applies {theirs[add[1] + 1].label()}" if add[1] + 1 < len(theirs) else ""
                lines.append(f"layer {i + 1} ({mine[i].name}): yours applies {mine[i].label()} before the add (your "
                             f"layer {add[0] + 1}); the reference adds first{then}")
            else:
                lines.append(f"layer {i + 1} ({mine[i].name}): yours has {mine[i].label()} here; the reference "
                             "has no such layer there")
            continue
        before = next((a for a, _ in reversed(pairs[:k]) if a is not None), None)
        place = f"after layer {before + 1} ({mine[before].name})" if before is not None else "first"
        lines.append(f"{place}, the reference has {theirs[j].label()} (its layer {j + 1}); yours has none")
    return lines


def _add_after(mine: list[Op], theirs: list[Op], rest: list[tuple[int | None, int | None]]) -> tuple[int, int] | None:
    """Both indices of the add that comes next in ``rest`` (paired on both sides), when no activation of
    yours comes first: an extra activation then sits before an add."""
    for i, j in rest:
        if i is not None and mine[i].kind in ACTIVATIONS:
            return None
        if i is not None and j is not None and mine[i].kind == theirs[j].kind == "add":
            return i, j
    return None


def _until(mine: list[Op], theirs: list[Op]) -> list[Op]:
    """The reference's operations up to the one aligned with your last (or the last before it)."""
    seen = -1
    for i, j in align(mine, theirs):
        if i is not None and i == len(mine) - 1:
            return theirs[:(j if j is not None else seen) + 1]
        if j is not None:
            seen = j
    return theirs[:seen + 1]


def feedback(mine: list[Op], theirs: list[Op], *, stopped: bool = False) -> list[str]:
    """The first few differences, under a heading; nothing when the two sequences agree. When your forward pass
    ``stopped`` (an error), the reference's operations after your last one are not counted as missing."""
    if stopped:
        theirs = _until(mine, theirs)
    found = differences(mine, theirs)
    if not found:
        return []
    more = f" (and {len(found) - MAX_LINES} more)" if len(found) > MAX_LINES else ""
    return [DIFF_HEADING + more + ":",
            *found[:MAX_LINES]]


@dataclass(frozen=True)
class OpsTable:
    """Both forward passes side by side, aligned, the differences marked (a figure of the HTML report)."""

    title: str
    student: tuple[Op, ...]
    reference: tuple[Op, ...]

    def html(self) -> str:
        rows = []
        for i, j in align(list(self.student), list(self.reference)):
            mine = self.student[i] if i is not None else None
            theirs = self.reference[j] if j is not None else None
            same = mine is not None and theirs is not None and cost(mine, theirs) == 0
            cells = [_cell(i, mine), _cell(j, theirs)]
            attr = "" if same else ' class="first-diff"'
            rows.append(f"<tr{attr}>" + "".join(cells) + "</tr>")
        return ("<h3>Forward pass</h3><p class=\"note\">" + escape(self.title) + "; differences highlighted</p>"
                "<div class=\"scroll\"><table class=\"layers\"><thead><tr><th>#</th><th>yours</th><th>output shape</th>"
                "<th>#</th><th>reference</th><th>output shape</th></tr></thead><tbody>" + "".join(rows)
                + "</tbody></table></div>")


def _cell(index: int | None, op: Op | None) -> str:
    if op is None or index is None:
        return "<td></td><td><span class=\"note\">(none)</span></td><td></td>"
    shape = "—" if op.shape is None else "(" + ", ".join(map(str, op.shape)) + ")"
    return (f"<td>{index + 1}</td><td>{escape(op.label()[:120])}<div class=\"title\">{escape(op.name[:80])}</div></td>"
            f"<td>{shape}</td>")
