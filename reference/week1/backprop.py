"""Backpropagation through a convolution and a pooling layer (optional in the course's first assignment).

The forward passes are those of convolution.py and pooling.py; here you compute their gradients.
Layout is NHWC, as in the course: A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, n_C),
b (1, 1, 1, n_C), everything float64. The forward convolution is a cross-correlation (no kernel flip):

    Z[i, h, w, c] = sum(A_pad[i, h*s:h*s+f, w*s:w*s+f, :] * W[..., c]) + b[..., c]

Every output value read one window of the (padded) input, so the backward pass sends each
dZ[i, h, w, c] back to that window; where windows overlap, their contributions add up (+=).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

WINDOW_VALUES = 1 << 17  # float64 values (1 MiB) of windows copied at a time in conv_backward


def conv_backward(dZ, cache):
    """Backward pass of a convolution layer: the gradients of the cost w.r.t. its input, W and b.

    Arguments:
    dZ -- (m, n_H, n_W, n_C) gradient of the cost with respect to the conv output Z
    cache -- (A_prev, W, b, hparameters), as conv_forward returns it: A_prev (m, n_H_prev, n_W_prev, n_C_prev),
             W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C), hparameters {"stride": s, "pad": p} (keys in any order)

    Returns:
    dA_prev -- (m, n_H_prev, n_W_prev, n_C_prev), the shape of A_prev (the padding cut off again)
    dW -- (f, f, n_C_prev, n_C), the shape of W
    db -- (1, 1, 1, n_C), the shape of b

    For every example i, output position (h, w) and filter c, with the window
    a_slice = A_pad[i, h*s:h*s+f, w*s:w*s+f, :]:
        dA_pad[i, h*s:h*s+f, w*s:w*s+f, :] += W[:, :, :, c] * dZ[i, h, w, c]
        dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
        db[:, :, :, c] += dZ[i, h, w, c]
    then dA_prev = dA_pad without its p padded rows and columns on each side (careful when p = 0).

    Example: A_prev = [[1, 2], [3, 4]] as shape (1, 2, 2, 1), W = np.full((1, 1, 1, 1), 2.0),
    {"stride": 1, "pad": 0}, dZ = np.ones((1, 2, 2, 1)) -> dA_prev 2.0 everywhere
    (each pixel met W once), dW [[[[10.0]]]] (1 + 2 + 3 + 4), db [[[[4.0]]]].
    """
    A_prev, W, b, hparameters = cache
    s, p = hparameters["stride"], hparameters["pad"]
    f, f, n_C_prev, n_C = W.shape
    m, n_H, n_W, n_C = dZ.shape
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    A_pad = np.zeros((m, n_H_prev + 2 * p, n_W_prev + 2 * p, n_C_prev))  # zero-padded by p on H and W
    A_pad[:, p:p + n_H_prev, p:p + n_W_prev, :] = A_prev
    # windows[i, h, w] is the slice a_slice = A_pad[i, h*s:h*s+f, w*s:w*s+f, :] (a view, nothing copied)
    sm, sh, sw, sc = A_pad.strides
    windows = np.ndarray((m, n_H, n_W, f, f, n_C_prev), A_pad.dtype, A_pad, 0, (sm, sh * s, sw * s, sh, sw, sc))
    K = f * f * n_C_prev
    W_cols = W.reshape(K, n_C)  # filter c as column c
    dW = np.zeros((K, n_C))
    dA_pad = np.zeros(A_pad.shape)
    # A block of output rows at a time (all of them when they are few), so that the block's windows, copied
    # into rows, are still in the CPU's cache when the products read them.
    few = m * n_H * n_W * K <= WINDOW_VALUES
    block = max(1, n_H if few else WINDOW_VALUES // (n_W * K))
    for i in [slice(None)] if few else [slice(i, i + 1) for i in range(m)]:
        for h in range(0, n_H, block):
            rows = windows[i, h:h + block].reshape(-1, K)  # every window a row
            dZ_rows = dZ[i, h:h + block].reshape(-1, n_C)
            # dW: every window, weighted by its output's dZ, summed over (i, h, w)
            dW += rows.T @ dZ_rows
            # dA: each output sends W[..., c] * dZ back to the window it read; where windows overlap, they add up
            d_windows = (dZ_rows @ W_cols.T).reshape(-1, min(block, n_H - h), n_W, f, f, n_C_prev)
            top = h * s
            for kh in range(f):
                for kw in range(f):
                    rows_h = slice(top + kh, top + kh + s * (d_windows.shape[1] - 1) + 1, s)
                    cols_w = slice(kw, kw + s * (n_W - 1) + 1, s)
                    dA_pad[i, rows_h, cols_w, :] += d_windows[:, :, :, kh, kw]
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, n_C)  # every output position added b once
    dA_prev = dA_pad[:, p:p + n_H_prev, p:p + n_W_prev, :]  # (m, n_H_prev, n_W_prev, n_C_prev)
    return dA_prev, dW.reshape(f, f, n_C_prev, n_C), db


def create_mask_from_window(x):
    """The max-pooling mask of one window: True where x holds its maximum.

    Max-pooling passes the gradient only to the input that was the max. If several entries tie
    for the max, every one of them is True (as in the course).

    Arguments:
    x -- (f, f) array, one pooling window

    Returns:
    mask -- (f, f) bool array, x == np.max(x)

    Example: create_mask_from_window(np.array([[1, 3], [3, 2]])) -> [[False, True], [True, False]]
    """
    return x == np.max(x)


def distribute_value(dz, shape):
    """Spread a gradient evenly over an average-pooling window.

    Average-pooling gave every input of the window the same weight 1/(n_H*n_W), so each
    input receives that share of the gradient.

    Arguments:
    dz -- scalar, the gradient of one pooled output
    shape -- (n_H, n_W), the shape of the window

    Returns:
    a -- (n_H, n_W) float64 array, dz / (n_H * n_W) in every entry

    Example: distribute_value(2, (2, 2)) -> [[0.5, 0.5], [0.5, 0.5]]
    """
    n_H, n_W = shape
    average = dz / (n_H * n_W)
    return np.ones(shape) * average


def pool_backward(dA, cache, mode="max"):
    """Backward pass of a pooling layer: the gradient of the cost w.r.t. the pooling input.

    Arguments:
    dA -- (m, n_H, n_W, n_C) gradient of the cost with respect to the pooling output
    cache -- (A_prev, hparameters), as pool_forward returns it: A_prev (m, n_H_prev, n_W_prev, n_C),
             hparameters {"f": f, "stride": s} (keys in any order)
    mode -- "max" or "average"; anything else raises ValueError

    Returns:
    dA_prev -- (m, n_H_prev, n_W_prev, n_C), the shape of A_prev

    For every example i, output position (h, w) and channel c, with the window
    a_slice = A_prev[i, h*s:h*s+f, w*s:w*s+f, c]:
        max:     dA_prev[i, h*s:h*s+f, w*s:w*s+f, c] += create_mask_from_window(a_slice) * dA[i, h, w, c]
        average: dA_prev[i, h*s:h*s+f, w*s:w*s+f, c] += distribute_value(dA[i, h, w, c], (f, f))
    Windows overlap when s < f; their contributions add up. Pixels no window covers get 0.

    Example: A_prev = [[1, 3], [3, 2]] as shape (1, 2, 2, 1), {"f": 2, "stride": 2}, dA = np.ones((1, 1, 1, 1))
    -> "max": [[0, 1], [1, 0]] (both tied maxima get the gradient); "average": 0.25 everywhere.
    """
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape

    if mode == "max":
        # The max of every window at once.
        windows = sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::stride, ::stride]  # (m, n_H, n_W, n_C, f, f)
        window_max = windows[:, :n_H, :n_W].max(axis=(4, 5))  # (m, n_H, n_W, n_C)

    dA_prev = np.zeros(A_prev.shape)  # (m, n_H_prev, n_W_prev, n_C)
    # For each window offset (kh, kw): the input pixel at that offset of every window, all windows at once.
    for kh in range(f):
        for kw in range(f):
            rows = slice(kh, kh + stride * (n_H - 1) + 1, stride)
            cols = slice(kw, kw + stride * (n_W - 1) + 1, stride)
            if mode == "max":
                mask = A_prev[:, rows, cols, :] == window_max  # create_mask_from_window, entry (kh, kw) of every window
                dA_prev[:, rows, cols, :] += mask * dA
            else:
                dA_prev[:, rows, cols, :] += dA / (f * f)  # distribute_value, entry (kh, kw) of every window
    return dA_prev
