"""Faster versions of the reference's conv_forward and conv_backward, measured beside them as evidence.

Not used by the graders: they show what the measured costs come from (np.pad's and sliding_window_view's Python
overhead on small arrays, the windows copied with a 3-element innermost axis, f*f small GEMMs in backward).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def pad(A: np.ndarray, p: int) -> np.ndarray:
    """Zero-pad H and W by p (what np.pad does, without its Python overhead)."""
    m, n_H, n_W, n_C = A.shape
    out = np.zeros((m, n_H + 2 * p, n_W + 2 * p, n_C))
    out[:, p:p + n_H, p:p + n_W] = A
    return out


def im2col(A_pad: np.ndarray, f: int, s: int) -> np.ndarray:
    """Every f x f window as a row, the channel axis innermost: (m*n_H*n_W, f*f*n_C_prev)."""
    m, H, W, C = A_pad.shape
    n_H, n_W = (H - f) // s + 1, (W - f) // s + 1
    sm, sh, sw, sc = A_pad.strides
    windows = as_strided(A_pad, (m, n_H, n_W, f, f, C), (sm, sh * s, sw * s, sh, sw, sc))  # (m, n_H, n_W, f, f, C)
    return windows.reshape(m * n_H * n_W, f * f * C)  # one copy, contiguous runs of C values


def conv_forward(A_prev, W, b, hparameters):
    f, _, _, n_C = W.shape
    s, p = hparameters["stride"], hparameters["pad"]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    n_H, n_W = (n_H_prev + 2 * p - f) // s + 1, (n_W_prev + 2 * p - f) // s + 1
    Z = im2col(pad(A_prev, p), f, s) @ W.reshape(-1, n_C)  # (m*n_H*n_W, n_C): one GEMM
    return Z.reshape(m, n_H, n_W, n_C) + b, (A_prev, W, b, hparameters)


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    f, _, n_C_prev, n_C = W.shape
    s, p = hparameters["stride"], hparameters["pad"]
    m, n_H, n_W, _ = dZ.shape
    A_pad = pad(A_prev, p)
    dZ2 = dZ.reshape(-1, n_C)  # (m*n_H*n_W, n_C)
    dW = (im2col(A_pad, f, s).T @ dZ2).reshape(W.shape)  # one GEMM
    dcols = (dZ2 @ W.reshape(-1, n_C).T).reshape(m, n_H, n_W, f, f, n_C_prev)  # one GEMM
    dA_pad = np.zeros_like(A_pad)
    for kh in range(f):  # col2im: add each window position's share back
        for kw in range(f):
            dA_pad[:, kh:kh + s * (n_H - 1) + 1:s, kw:kw + s * (n_W - 1) + 1:s] += dcols[:, :, :, kh, kw]
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, n_C)
    return dA_pad[:, p:p + n_H_prev, p:p + n_W_prev], dW, db
