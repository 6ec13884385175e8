"""Held-out mistakes of lesson 1.9 (see README.md): never pasted into graders/mistakes."""
import math

import numpy as np

from convgrade import mistake


@mistake("pool_forward", "np.max over axes (1, 2) of a (f, f, n_C) window")
def pool_forward_wrong_axes(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                if mode == "max":
                    A[i, h, w, :] = np.max(window, axis=(1, 2))
                elif mode == "average":
                    A[i, h, w, :] = np.mean(window, axis=(1, 2))
                else:
                    raise ValueError(mode)
    return A, (A_prev, hparameters)


@mistake("pool_forward", "range(n_H - f) instead of range(n_H)")
def pool_forward_range_short(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = int(1 + (n_H_prev - f) / stride), int(1 + (n_W_prev - f) / stride)
    A = np.zeros((m, n_H, n_W, n_C))
    if mode not in ("max", "average"):
        raise ValueError(mode)
    for i in range(m):
        for h in range(n_H - f):
            for w in range(n_W - f):
                for c in range(n_C):
                    a_prev_slice = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, c]
                    A[i, h, w, c] = np.max(a_prev_slice) if mode == "max" else np.mean(a_prev_slice)
    return A, (A_prev, hparameters)


@mistake("pool_forward", "max and average swapped")
def pool_forward_modes_swapped(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    a_prev_slice = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, c]
                    if mode == "max":
                        A[i, h, w, c] = np.mean(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    else:
                        raise ValueError(mode)
    return A, (A_prev, hparameters)


@mistake("pool_forward", "the slice forgets the channel: A_prev[i, vs:ve, hs:he]")
def pool_forward_no_channel(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    if mode not in ("max", "average"):
        raise ValueError(mode)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    a_prev_slice = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f]
                    A[i, h, w, c] = np.max(a_prev_slice) if mode == "max" else np.mean(a_prev_slice)
    return A, (A_prev, hparameters)


@mistake("pool_forward", "A made as float32")
def pool_forward_float32(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C), dtype=np.float32)
    reduce = {"max": np.max, "average": np.mean}
    if mode not in reduce:
        raise ValueError(mode)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                A[i, h, w, :] = reduce[mode](window, axis=(0, 1))
    return A, (A_prev, hparameters)


@mistake("pool_forward", "the window ends at vert_start + stride instead of vert_start + f")
def pool_forward_end_by_stride(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    if mode not in ("max", "average"):
        raise ValueError(mode)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vert_start, horiz_start = h * stride, w * stride
                vert_end, horiz_end = vert_start + stride, horiz_start + stride
                window = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, :]
                A[i, h, w, :] = window.max(axis=(0, 1)) if mode == "max" else window.mean(axis=(0, 1))
    return A, (A_prev, hparameters)


@mistake("pool_forward", "ceil in the output size")
def pool_forward_ceil(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = math.ceil((n_H_prev - f) / stride) + 1, math.ceil((n_W_prev - f) / stride) + 1
    A = np.zeros((m, n_H, n_W, n_C))
    if mode not in ("max", "average"):
        raise ValueError(mode)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                A[i, h, w, :] = window.max(axis=(0, 1)) if mode == "max" else window.mean(axis=(0, 1))
    return A, (A_prev, hparameters)


# What a right diagnosis says: a regular expression its "looks like ..." line matches (case aside).
NAMED_BY = {
    'pool_forward_wrong_axes': r'axes|axis',
    'pool_forward_range_short': r'range|short|last',
    'pool_forward_modes_swapped': r'swapped|mixed up|the other',
    'pool_forward_no_channel': r'channel',
    'pool_forward_float32': r'float32|dtype',
    'pool_forward_end_by_stride': r'end|stride.*instead of f|\+ ?stride',
    'pool_forward_ceil': r'ceil|round',
}
