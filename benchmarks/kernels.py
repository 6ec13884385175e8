"""The reference's numpy kernels vs torch (float64, CPU, one thread each), and vs numpy's matrix multiply."""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

from convgrade.lesson import load_file

from .common import ROOT, Section, Target, interleaved, loadavg, table, us

REPEATS = 5
MIN_TIME = 0.025  # seconds of CPU per sample
CLOCK = time.thread_time  # CPU time of this thread: time spent waiting for a CPU on a busy machine is left out
CONV = {  # name: (A_prev shape, W shape, pad, stride)
    "course": ((2, 5, 7, 4), (3, 3, 4, 8), 1, 2),
    "medium": ((8, 32, 32, 16), (3, 3, 16, 32), 1, 1),
    "large": ((8, 28, 28, 64), (3, 3, 64, 128), 1, 1),
}
POOL = {"course": ((2, 5, 5, 3), 3, 2), "large": ((8, 56, 56, 64), 3, 2)}  # name: (A_prev shape, f, stride)
DEPTHWISE = {"course": ((2, 5, 7, 4), 3, 1, 1), "large": ((8, 56, 56, 64), 3, 1, 1)}  # (A_prev, f, pad, stride)

ref = {name: load_file(ROOT / "reference" / f"{name}.py", f"_bench_ref_{name.replace('/', '_')}")
       for name in ("week1/convolution", "week1/pooling", "week1/backprop", "week2/mobilenet")}
rng = np.random.default_rng(0)
# the steps of conv_forward and conv_backward, as the tables name them
PAD = "zero-padding (np.zeros + slice assignment) and the windows' view"
VIEW = "the windows: a strided view (np.ndarray over A_pad)"
FWD_COPY = "the windows copied into rows, all at once (m·n_H·n_W, f·f·n_C_prev)"
FWD_GEMM = "one GEMM rows @ W_cols, all at once"
FWD_WHOLE = "**conv_forward, whole** (blocked: a cache-sized block of rows per GEMM)"
BWD_DW = "dW: rows.T @ dZ, all at once"
BWD_DA = "dA's windows: dZ @ W_cols.T, all at once"
BWD_ADD = "dA: f·f strided adds of those windows into dA_pad"
BWD_WHOLE = "**conv_backward, whole** (blocked)"


def nchw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))


def nhwc(t: torch.Tensor) -> np.ndarray:
    return t.detach().permute(0, 2, 3, 1).numpy()


def conv_case(shape, wshape, pad, stride):
    A, W, b = rng.standard_normal(shape), rng.standard_normal(wshape), rng.standard_normal((1, 1, 1, wshape[3]))
    hp = {"stride": stride, "pad": pad}
    Z, cache = ref["week1/convolution"].conv_forward(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    At = nchw(A).requires_grad_()
    Wt = torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1))).requires_grad_()  # (n_C, n_C_prev, f, f)
    bt = torch.from_numpy(b.ravel()).requires_grad_()
    Zt = F.conv2d(At, Wt, bt, stride=stride, padding=pad)
    dZt = nchw(dZ)
    np.testing.assert_allclose(Z, nhwc(Zt), rtol=1e-9, atol=1e-9)
    dA, dW, db = ref["week1/backprop"].conv_backward(dZ, cache)
    dAt, dWt, _ = torch.autograd.grad(Zt, (At, Wt, bt), dZt, retain_graph=True)
    np.testing.assert_allclose(dA, nhwc(dAt), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dW, dWt.numpy().transpose(2, 3, 1, 0), rtol=1e-9, atol=1e-9)
    m, n_H, n_W, n_C = Z.shape
    f, _, n_C_prev, _ = W.shape
    M, K, N = m * n_H * n_W, f * f * n_C_prev, n_C  # the matrix product inside the convolution
    X, Y = rng.standard_normal((M, K)), rng.standard_normal((K, N))
    Ac, Wc, bc = At.detach(), Wt.detach(), bt.detach()  # no graph: forward only
    forward = {"reference": lambda: ref["week1/convolution"].conv_forward(A, W, b, hp),
               "torch": lambda: F.conv2d(Ac, Wc, bc, stride=stride, padding=pad),
               "matmul": lambda: X @ Y}
    backward = {"reference": lambda: ref["week1/backprop"].conv_backward(dZ, cache),
                "torch": lambda: torch.autograd.grad(Zt, (At, Wt, bt), dZt, retain_graph=True)}
    return forward, backward, 2 * M * K * N


def pool_case(shape, f, stride, mode):
    A = rng.standard_normal(shape)
    hp = {"f": f, "stride": stride}
    out, cache = ref["week1/pooling"].pool_forward(A, hp, mode)
    dA = rng.standard_normal(out.shape)
    At = nchw(A).requires_grad_()
    op = F.max_pool2d if mode == "max" else F.avg_pool2d
    Ot = op(At, f, stride)
    np.testing.assert_allclose(out, nhwc(Ot), rtol=1e-12, atol=1e-12)
    (dAt,) = torch.autograd.grad(Ot, At, nchw(dA), retain_graph=True)
    np.testing.assert_allclose(ref["week1/backprop"].pool_backward(dA, cache, mode), nhwc(dAt), rtol=1e-9, atol=1e-12)
    Ac, dA_t = At.detach(), nchw(dA)
    forward = {"reference": lambda: ref["week1/pooling"].pool_forward(A, hp, mode), "torch": lambda: op(Ac, f, stride)}
    backward = {"reference": lambda: ref["week1/backprop"].pool_backward(dA, cache, mode),
                "torch": lambda: torch.autograd.grad(Ot, At, dA_t, retain_graph=True)}
    return forward, backward


def depthwise_case(shape, f, pad, stride):
    n_C = shape[3]
    A, W, b = rng.standard_normal(shape), rng.standard_normal((f, f, n_C)), rng.standard_normal((1, 1, 1, n_C))
    hp = {"stride": stride, "pad": pad}
    At, Wt = nchw(A), torch.from_numpy(np.ascontiguousarray(W.transpose(2, 0, 1)[:, None]))  # (n_C, 1, f, f)
    bt = torch.from_numpy(b.ravel())
    run = lambda: F.conv2d(At, Wt, bt, stride=stride, padding=pad, groups=shape[3])  # noqa: E731
    np.testing.assert_allclose(ref["week2/mobilenet"].depthwise_conv_forward(A, W, b, hp), nhwc(run()), rtol=1e-9,
                               atol=1e-9)
    return {"reference": lambda: ref["week2/mobilenet"].depthwise_conv_forward(A, W, b, hp), "torch": run}


def windows_of(A: np.ndarray, f: int, pad: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """``(A_pad, windows)`` as the reference makes them: (m, n_H, n_W, f, f, n_C_prev), a view of A_pad."""
    m, n_H_prev, n_W_prev, n_C_prev = A.shape
    n_H, n_W = (n_H_prev + 2 * pad - f) // stride + 1, (n_W_prev + 2 * pad - f) // stride + 1
    A_pad = np.zeros((m, n_H_prev + 2 * pad, n_W_prev + 2 * pad, n_C_prev))
    A_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev] = A
    sm, sh, sw, sc = A_pad.strides
    shape, strides = (m, n_H, n_W, f, f, n_C_prev), (sm, sh * stride, sw * stride, sh, sw, sc)
    return A_pad, np.ndarray(shape, A_pad.dtype, A_pad, 0, strides)


def conv_stages(shape, wshape, pad, stride) -> dict[str, float]:
    """conv_forward and conv_backward taken apart: each step of the reference alone, unblocked."""
    A, W, b = rng.standard_normal(shape), rng.standard_normal(wshape), rng.standard_normal((1, 1, 1, wshape[3]))
    f, _, n_C_prev, n_C = W.shape
    A_pad, windows = windows_of(A, f, pad, stride)
    rows, W_cols = windows.reshape(-1, f * f * n_C_prev), W.reshape(-1, n_C)
    Z, cache = ref["week1/convolution"].conv_forward(A, W, b, {"stride": stride, "pad": pad})
    dZ = rng.standard_normal(Z.shape)
    dZ_rows = dZ.reshape(-1, n_C)
    d_windows = (dZ_rows @ W_cols.T).reshape(windows.shape)
    _, n_H, n_W, _ = dZ.shape

    def col2im() -> np.ndarray:
        dA_pad = np.zeros(A_pad.shape)
        for kh in range(f):
            for kw in range(f):
                dA_pad[:, kh:kh + stride * (n_H - 1) + 1:stride, kw:kw + stride * (n_W - 1) + 1:stride] += \
                    d_windows[:, :, :, kh, kw]
        return dA_pad

    return interleaved({
        PAD: lambda: windows_of(A, f, pad, stride),
        VIEW: lambda: np.ndarray(windows.shape, A_pad.dtype, A_pad, 0, windows.strides),
        FWD_COPY: lambda: windows.reshape(-1, f * f * n_C_prev),
        FWD_GEMM: lambda: rows @ W_cols,
        "Z += b": lambda: Z.__iadd__(b),
        FWD_WHOLE: lambda: ref["week1/convolution"].conv_forward(A, W, b, {"stride": stride, "pad": pad}),
        BWD_DW: lambda: rows.T @ dZ_rows,
        BWD_DA: lambda: dZ_rows @ W_cols.T,
        BWD_ADD: col2im,
        "db: dZ.sum": lambda: dZ.sum(axis=(0, 1, 2)),
        BWD_WHOLE: lambda: ref["week1/backprop"].conv_backward(dZ, cache),
    }, REPEATS, MIN_TIME, CLOCK)


def convolution(section: Section) -> dict[str, dict[str, dict[str, float]]]:
    """conv_forward and conv_backward vs torch, and GFLOP/s; the ratios by shape."""
    rows, gemm_rows = [], []
    out: dict[str, dict[str, dict[str, float]]] = {"forward": {}, "backward": {}, "gflops": {}}
    for name, (shape, wshape, pad, stride) in CONV.items():
        forward, backward, flops = conv_case(shape, wshape, pad, stride)
        fwd = interleaved(forward, REPEATS, MIN_TIME, CLOCK)
        bwd = interleaved(backward, REPEATS, MIN_TIME, CLOCK)
        rf, rb = out["forward"][name], out["backward"][name] = fwd["reference"] / fwd["torch"], bwd["reference"] / bwd["torch"]
        gf = out["gflops"][name] = {k: flops / fwd[k] / 1e9 for k in ("reference", "torch", "matmul")}
        label = f"{name}: A_prev {shape}, W {wshape}, pad {pad}, stride {stride}"
        rows.append([label, us(fwd["reference"]), us(fwd["torch"]), f"**{rf:.2f}x**", us(bwd["reference"]),
                     us(bwd["torch"]), f"**{rb:.2f}x**"])
        gemm_rows.append([label, f"{flops / 1e6:,.1f}", f"{gf['reference']:.2f}", f"{gf['torch']:.2f}",
                          f"{gf['matmul']:.2f}", f"**{gf['reference'] / gf['matmul']:.0%}**"])
    section.lines += [
        "### Convolution", "",
        *table(["shape", "conv_forward", "F.conv2d", "ratio", "conv_backward", "autograd backward", "ratio"], rows),
        "GFLOP/s of the forward pass, 2·m·n_H·n_W·n_C·f·f·n_C_prev flops, against numpy's `@` on matrices of the "
        "sizes inside the convolution (M = m·n_H·n_W, K = f·f·n_C_prev, N = n_C; float64, contiguous, same "
        "thread):", "",
        *table(["shape", "MFLOP", "reference GFLOP/s", "torch GFLOP/s", "numpy matmul GFLOP/s", "reference / matmul"],
               gemm_rows)]
    return out


def pooling_and_depthwise(section: Section) -> None:
    pool_rows = []
    for name, (shape, f, stride) in POOL.items():
        for mode in ("max", "average"):
            forward, backward = pool_case(shape, f, stride, mode)
            fwd = interleaved(forward, REPEATS, MIN_TIME, CLOCK)
            bwd = interleaved(backward, REPEATS, MIN_TIME, CLOCK)
            pool_rows.append([f"{name}: A_prev {shape}, f {f}, stride {stride}, {mode}", us(fwd["reference"]),
                              us(fwd["torch"]), f"{fwd['reference'] / fwd['torch']:.2f}x", us(bwd["reference"]),
                              us(bwd["torch"]), f"{bwd['reference'] / bwd['torch']:.2f}x"])
    dw_rows = []
    for name, (shape, f, pad, stride) in DEPTHWISE.items():
        t = interleaved(depthwise_case(shape, f, pad, stride), REPEATS, MIN_TIME, CLOCK)
        dw_rows.append([f"{name}: A_prev {shape}, f {f}, pad {pad}, stride {stride}", us(t["reference"]),
                        us(t["torch"]), f"{t['reference'] / t['torch']:.2f}x"])
    section.lines += ["### Pooling and depthwise convolution (no targets)", "",
                      *table(["shape", "pool_forward", "max_pool2d / avg_pool2d", "ratio", "pool_backward",
                              "autograd backward", "ratio"], pool_rows),
                      *table(["shape", "depthwise_conv_forward", "F.conv2d(groups=n_C)", "ratio"], dw_rows)]


def bench() -> Section:
    section = Section("The reference's kernels vs torch", load=loadavg())
    torch.set_num_threads(1)
    with threadpool_limits(1):
        section.lines += [
            "float64, CPU, **one thread each** (`torch.set_num_threads(1)`, numpy's OpenBLAS limited to one thread "
            "with threadpoolctl): fair on a shared 2-CPU machine, and what the grader's own process does with one "
            "core. Times are **CPU time of the benchmark thread** per call (`time.thread_time`), so time spent "
            f"waiting for a CPU is left out; each is the median of {REPEATS} samples of >= {MIN_TIME * 1e3:.0f} ms, "
            "reference and torch measured in turns. torch gets its native NCHW layout (converted before timing); "
            "backward is **backward only**: torch's graph is built once and `torch.autograd.grad(..., "
            "retain_graph=True)` is timed, against `conv_backward(dZ, cache)` / `pool_backward(dA, cache, mode)`. "
            "Every pair is checked to agree before it is timed.", ""]
        conv = convolution(section)
        pooling_and_depthwise(section)
        stages = {k: conv_stages(*CONV[k]) for k in ("course", "large")}
    section.lines += ["### conv_forward and conv_backward taken apart (CPU per call)", "",
                      "Each step of the reference alone, on the course shape and the large one (same inputs as "
                      "above). The reference copies and multiplies a cache-sized block of output rows at a time "
                      "(all of them at the course shape); the steps here are done all at once, for scale:", "",
                      *table(["step", "course", "large"], [[k, us(stages["course"][k]), us(stages["large"][k])]
                                                          for k in stages["course"]])]
    fwd, bwd = conv["forward"], conv["backward"]
    share = {k: g["reference"] / g["matmul"] for k, g in conv["gflops"].items()}
    listed = lambda ratios: ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items())  # noqa: E731
    section.targets += [
        Target("reference conv_forward vs torch F.conv2d (float64)", "<= 1.0x", listed(fwd),
               max(fwd.values()) <= 1.0, why(fwd, 1.0, "forward", stages, conv["gflops"])),
        Target("reference conv_backward vs torch autograd backward (float64)", "<= 1.5x", listed(bwd),
               max(bwd.values()) <= 1.5, why(bwd, 1.5, "backward", stages, conv["gflops"])),
        Target("reference conv_forward GFLOP/s vs numpy matmul (large shape)", ">= 50 %",
               f"{share['large']:.0%} (medium {share['medium']:.0%}, course {share['course']:.0%})",
               share["large"] >= 0.5, "" if share["large"] >= 0.5 else steps("large", "forward", stages) + "."),
    ]
    return section


def why(ratios: dict[str, float], goal: float, direction: str, stages: dict[str, dict[str, float]],
        rates: dict) -> str:
    """Where the time of each shape over the goal goes, from the steps measured alone."""
    out = []
    for shape, ratio in ratios.items():
        if ratio <= goal:
            continue
        text = f"{shape} shape: {ratio:.2f}x, {ratio / goal - 1:.0%} over the goal"
        if shape in stages:
            text += ". " + steps(shape, direction, stages)
        if direction == "forward":
            r = rates[shape]
            text += (f"; the reference runs at {r['reference'] / r['matmul']:.0%} of numpy's bare matmul on the same "
                     f"matrices, torch's whole convolution (MKL) at {r['torch'] / r['matmul']:.0%} of it")
        out.append(text + ".")
    return " ".join(out)


def steps(shape: str, direction: str, stages: dict[str, dict[str, float]]) -> str:
    """The time of each step of the pass on ``shape`` (one of the shapes taken apart)."""
    s = stages[shape]
    if direction == "forward":
        return (f"Of conv_forward's {us(s[FWD_WHOLE])}: padding {us(s[PAD])}, the windows' copy "
                f"{us(s[FWD_COPY])}, the GEMM {us(s[FWD_GEMM])}, the bias {us(s['Z += b'])}")
    return (f"Of conv_backward's {us(s[BWD_WHOLE])}: padding {us(s[PAD])}, dW's GEMM {us(s[BWD_DW])}, "
            f"dA's GEMM {us(s[BWD_DA])} and its f·f adds {us(s[BWD_ADD])}")
