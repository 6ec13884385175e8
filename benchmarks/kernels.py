"""The reference's numpy kernels vs torch (float64, CPU, one thread each), and vs numpy's matrix multiply."""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_limits

from graders.runner import load_file

from . import suggested
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
FWD_COPY = "&nbsp;&nbsp;its copy of the windows (innermost axis: f values, strided)"
FWD_GEMM = "&nbsp;&nbsp;its GEMM"
FWD_WHOLE = "**conv_forward, whole**"
FWD_EINSUM = "np.einsum(..., optimize=True)"
FWD_VIEW = "sliding_window_view + [:, ::s, ::s]"
SUG_PAD = "suggested: np.zeros + slice assignment (for np.pad)"
SUG_COPY = "suggested: as_strided windows copied, channel axis innermost"
SUG_FWD = "**suggested conv_forward, whole**"
BWD_COPY = "&nbsp;&nbsp;its copy of the windows (innermost axis: n_W values, strided)"
BWD_DA = "dA: f·f GEMMs dZ @ W[kh, kw].T, each added into a strided slice"
BWD_DW = "dW: np.tensordot(windows, dZ, ...)"
BWD_WHOLE = "**conv_backward, whole**"
SUG_DW = "suggested dW: im2col (channel innermost) + one GEMM"
SUG_DA = "suggested dA: one GEMM dZ @ W_cols.T (then f·f adds)"
SUG_BWD = "**suggested conv_backward, whole**"


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
    np.testing.assert_allclose(suggested.conv_forward(A, W, b, hp)[0], Z, rtol=1e-9, atol=1e-9)
    for mine, theirs in zip(suggested.conv_backward(dZ, cache), (dA, dW, db)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-9)
    Ac, Wc, bc = At.detach(), Wt.detach(), bt.detach()  # no graph: forward only
    forward = {"reference": lambda: ref["week1/convolution"].conv_forward(A, W, b, hp),
               "torch": lambda: F.conv2d(Ac, Wc, bc, stride=stride, padding=pad),
               "matmul": lambda: X @ Y,
               "suggested": lambda: suggested.conv_forward(A, W, b, hp)}
    backward = {"reference": lambda: ref["week1/backprop"].conv_backward(dZ, cache),
                "torch": lambda: torch.autograd.grad(Zt, (At, Wt, bt), dZt, retain_graph=True),
                "suggested": lambda: suggested.conv_backward(dZ, cache)}
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


def conv_forward_stages(shape, wshape, pad, stride) -> dict[str, float]:
    """conv_forward taken apart: numpy 2's einsum copies the windows, then runs one GEMM (its bmm path)."""
    A, W, b = rng.standard_normal(shape), rng.standard_normal(wshape), rng.standard_normal((1, 1, 1, wshape[3]))
    f, _, _, n_C = W.shape
    A_pad = np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::stride, ::stride]  # (m, n_H, n_W, n_C_prev, f, f)
    cols = np.ascontiguousarray(windows).reshape(-1, W.size // n_C)  # (m*n_H*n_W, n_C_prev*f*f)
    W_cols = np.ascontiguousarray(W.transpose(2, 0, 1, 3)).reshape(-1, n_C)  # (n_C_prev*f*f, n_C)
    Z = np.einsum("mhwcij,ijcn->mhwn", windows, W, optimize=True)
    return interleaved({
        "np.pad": lambda: np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0))),
        FWD_VIEW: lambda: sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::stride,
                                                                                                        ::stride],
        FWD_EINSUM: lambda: np.einsum("mhwcij,ijcn->mhwn", windows, W, optimize=True),
        FWD_COPY: lambda: np.ascontiguousarray(windows),
        FWD_GEMM: lambda: cols @ W_cols,
        "Z + b": lambda: Z + b,
        FWD_WHOLE: lambda: ref["week1/convolution"].conv_forward(A, W, b, {"stride": stride,
                                                                                           "pad": pad}),
        SUG_PAD: lambda: suggested.pad(A, pad),
        SUG_COPY: lambda: suggested.im2col(A_pad, f, stride),
        SUG_FWD: lambda: suggested.conv_forward(A, W, b, {"stride": stride, "pad": pad}),
    }, REPEATS, MIN_TIME, CLOCK)


def conv_backward_stages(shape, wshape, pad, stride) -> dict[str, float]:
    """conv_backward taken apart, line by line as the reference computes it, and the suggested steps."""
    A, W = rng.standard_normal(shape), rng.standard_normal(wshape)
    f, n_C = W.shape[0], W.shape[3]
    A_pad = np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::stride, ::stride]  # (m, n_H, n_W, n_C_prev, f, f)
    dZ = rng.standard_normal((*windows.shape[:3], n_C))
    m, n_H, n_W, _ = dZ.shape
    dZ2, cols = dZ.reshape(-1, n_C), suggested.im2col(A_pad, f, stride)

    def dA_loop() -> np.ndarray:
        dA_pad = np.zeros_like(A_pad)
        for kh in range(f):
            for kw in range(f):
                rows = slice(kh, kh + stride * (n_H - 1) + 1, stride)
                cols = slice(kw, kw + stride * (n_W - 1) + 1, stride)
                dA_pad[:, rows, cols, :] += dZ @ W[kh, kw].T
        return dA_pad

    cache = (A, W, np.zeros((1, 1, 1, n_C)), {"stride": stride, "pad": pad})
    return interleaved({
        "np.pad": lambda: np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0))),
        BWD_DW: lambda: np.tensordot(windows, dZ, axes=([0, 1, 2], [0, 1, 2])),
        BWD_COPY: lambda: np.ascontiguousarray(
            windows.transpose(3, 4, 5, 0, 1, 2)),
        BWD_DA: dA_loop,
        "db: dZ.sum": lambda: dZ.sum(axis=(0, 1, 2)),
        BWD_WHOLE: lambda: ref["week1/backprop"].conv_backward(dZ, cache),
        SUG_DW: lambda: suggested.im2col(A_pad, f, stride).T @ dZ2,
        "&nbsp;&nbsp;that GEMM alone": lambda: cols.T @ dZ2,
        SUG_DA: lambda: dZ2 @ W.reshape(-1, n_C).T,
        SUG_BWD: lambda: suggested.conv_backward(dZ, cache),
    }, REPEATS, MIN_TIME, CLOCK)


def convolution(section: Section) -> dict[str, dict[str, dict[str, float]]]:
    """conv_forward and conv_backward vs torch and the suggested versions, and GFLOP/s; the ratios by shape."""
    rows, sugg_rows, gemm_rows = [], [], []
    out: dict[str, dict[str, dict[str, float]]] = {"forward": {}, "backward": {}, "suggested": {}, "gflops": {}}
    for name, (shape, wshape, pad, stride) in CONV.items():
        forward, backward, flops = conv_case(shape, wshape, pad, stride)
        fwd = interleaved(forward, REPEATS, MIN_TIME, CLOCK)
        bwd = interleaved(backward, REPEATS, MIN_TIME, CLOCK)
        rf, rb = out["forward"][name], out["backward"][name] = fwd["reference"] / fwd["torch"], bwd["reference"] / bwd["torch"]
        sf, sb = out["suggested"][name] = fwd["suggested"] / fwd["torch"], bwd["suggested"] / bwd["torch"]
        gf = out["gflops"][name] = {k: flops / fwd[k] / 1e9 for k in ("reference", "torch", "matmul")}
        label = f"{name}: A_prev {shape}, W {wshape}, pad {pad}, stride {stride}"
        rows.append([label, us(fwd["reference"]), us(fwd["torch"]), f"**{rf:.2f}x**", us(bwd["reference"]),
                     us(bwd["torch"]), f"**{rb:.2f}x**"])
        sugg_rows.append([name, us(fwd["suggested"]), f"{sf:.2f}x", f"{fwd['reference'] / fwd['suggested']:.2f}x",
                          us(bwd["suggested"]), f"{sb:.2f}x", f"{bwd['reference'] / bwd['suggested']:.2f}x"])
        gemm_rows.append([label, f"{flops / 1e6:,.1f}", f"{gf['reference']:.2f}", f"{gf['torch']:.2f}",
                          f"{gf['matmul']:.2f}", f"**{gf['reference'] / gf['matmul']:.0%}**"])
    section.lines += [
        "### Convolution", "",
        *table(["shape", "conv_forward", "F.conv2d", "ratio", "conv_backward", "autograd backward", "ratio"], rows),
        "GFLOP/s of the forward pass, 2·m·n_H·n_W·n_C·f·f·n_C_prev flops, against numpy's `@` on matrices of the "
        "sizes inside the convolution (M = m·n_H·n_W, K = f·f·n_C_prev, N = n_C; float64, contiguous, same "
        "thread):", "",
        *table(["shape", "MFLOP", "reference GFLOP/s", "torch GFLOP/s", "numpy matmul GFLOP/s", "reference / matmul"],
               gemm_rows),
        "The suggested versions (`benchmarks/suggested.py`: zero-padding by slice assignment, one `as_strided` "
        "window copy with the channel axis innermost, one GEMM per gradient), measured in the same turns:", "",
        *table(["shape", "suggested forward", "vs F.conv2d", "reference / suggested", "suggested backward",
                "vs autograd", "reference / suggested"], sugg_rows)]
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
        stages = {k: conv_forward_stages(*CONV[k]) for k in ("course", "large")}
        back = {k: conv_backward_stages(*CONV[k]) for k in ("course", "large")}
    section.lines += ["### conv_forward and conv_backward taken apart (CPU per call)", "",
                      "Each step alone, on the course shape and the large one (same inputs as above):", "",
                      *table(["step", "course", "large"], [[k, us(stages["course"][k]), us(stages["large"][k])]
                                                          for k in stages["course"]]),
                      *table(["step", "course", "large"], [[k, us(back["course"][k]), us(back["large"][k])]
                                                          for k in back["course"]])]
    fwd, bwd, sugg = conv["forward"], conv["backward"], conv["suggested"]
    share = {k: g["reference"] / g["matmul"] for k, g in conv["gflops"].items()}
    listed = lambda ratios: ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items())  # noqa: E731
    section.targets += [
        Target("reference conv_forward vs torch F.conv2d (float64)", "<= 1.0x", listed(fwd),
               max(fwd.values()) <= 1.0, forward_why(fwd, stages, sugg, conv["gflops"])),
        Target("reference conv_backward vs torch autograd backward (float64)", "<= 1.5x", listed(bwd),
               max(bwd.values()) <= 1.5, backward_why(bwd, back, sugg)),
        Target("reference conv_forward GFLOP/s vs numpy matmul (large shape)", ">= 50 %",
               f"{share['large']:.0%} (medium {share['medium']:.0%}, course {share['course']:.0%})",
               share["large"] >= 0.5, "" if share["large"] >= 0.5 else gemm_why(stages["large"])),
    ]
    return section


def forward_why(ratios: dict[str, float], stages: dict[str, dict[str, float]], sugg: dict, rates: dict) -> str:
    out = []
    for shape, ratio in ratios.items():
        if ratio <= 1.0:
            continue
        s, r = stages.get(shape), rates[shape]
        line = f"{shape} shape: {ratio:.2f}x, {ratio - 1:.0%} over"
        if s is None or s[FWD_GEMM] > 0.5 * s[FWD_WHOLE]:
            text = (f"{line}: bound by one GEMM of the same size as torch's; the reference runs at "
                    f"{r['reference'] / r['matmul']:.0%} of numpy's bare matmul, torch's whole convolution at "
                    f"{r['torch'] / r['matmul']:.0%} of it")
            if s is not None:
                text += (f". The rest is the einsum's copy of the windows ({us(s[FWD_COPY])}, innermost axis f "
                         f"strided values; {us(s[SUG_COPY])} with the channel axis innermost)")
            text += f"; the suggested version is {sugg[shape][0]:.2f}x torch"
            if r["torch"] >= 0.95 * r["matmul"]:
                text += (". torch's MKL dgemm is at least as fast as numpy's OpenBLAS here, so no numpy "
                         "rewrite gets reliably under 1.0x at this size")
            out.append(text + ".")
        else:
            out.append(f"{line}: per-call overhead, not arithmetic. Of conv_forward's {us(s[FWD_WHOLE])}, np.pad "
                       f"takes {us(s['np.pad'])}, sliding_window_view {us(s[FWD_VIEW])} and np.einsum "
                       f"{us(s[FWD_EINSUM])}, whose copy and GEMM are only {us(s[FWD_COPY])} and {us(s[FWD_GEMM])} "
                       f"(the rest: parsing, path search, set-up); F.conv2d is one C++ call. The suggested version "
                       f"(zero-padding by slice assignment: {us(s[SUG_PAD])}) takes {us(s[SUG_FWD])}, "
                       f"{sugg[shape][0]:.2f}x torch: a few µs per numpy call keep it above torch at this size.")
    return " ".join(out)


def backward_why(ratios: dict[str, float], back: dict[str, dict[str, float]], sugg: dict) -> str:
    out = []
    for shape, ratio in ratios.items():
        if ratio <= 1.5:
            continue
        s = back.get(shape)
        line = f"{shape} shape: {ratio:.2f}x, {ratio / 1.5 - 1:.0%} over the goal"
        if s is None:
            out.append(f"{line}; the suggested version is {sugg[shape][1]:.2f}x torch.")
            continue
        out.append(f"{line}. Of conv_backward's {us(s[BWD_WHOLE])}: dA's f·f small GEMMs and strided adds "
                   f"{us(s[BWD_DA])}, dW's tensordot {us(s[BWD_DW])} (its copy of the windows alone "
                   f"{us(s[BWD_COPY])}), np.pad {us(s['np.pad'])}. One GEMM for dA (dZ @ W_cols.T: "
                   f"{us(s[SUG_DA])}) and one for dW on a channel-innermost im2col ({us(s[SUG_DW])}) make the "
                   f"suggested conv_backward {us(s[SUG_BWD])}, {sugg[shape][1]:.2f}x torch.")
    return " ".join(out)


def gemm_why(s: dict[str, float]) -> str:
    return (f"the einsum copies the windows ({us(s[FWD_COPY])}) before its GEMM ({us(s[FWD_GEMM])}).")
