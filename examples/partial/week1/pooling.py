"""The forward pass of a pooling layer (lesson 1.9).

Pooling slides an f x f window over each channel separately and keeps the window's
maximum ("max") or mean ("average"). It has no parameters to learn and no padding here;
the number of channels is unchanged. Layout is NHWC, as in the course.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pool_forward(A_prev, hparameters, mode="max"):
    """Forward pass of a max or average pooling layer.

    Arguments:
    A_prev -- (m, n_H_prev, n_W_prev, n_C) input
    hparameters -- dict {"f": f, "stride": s} (keys in any order)
    mode -- "max" or "average"; anything else raises ValueError

    Returns:
    A -- (m, n_H, n_W, n_C) output, with n_H = floor((n_H_prev - f) / s) + 1,
         n_W = floor((n_W_prev - f) / s) + 1, and
         A[i, h, w, c] = max (or mean) of A_prev[i, h*s:h*s+f, w*s:w*s+f, c]
    cache -- (A_prev, hparameters), kept for pool_backward

    Example: a 4x4 image, {"f": 2, "stride": 2} -> 2x2: the max (or mean) of each 2x2 block.
    """
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    f = hparameters["f"]
    s = hparameters["stride"]
    windows = sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::s, ::s]  # (m, n_H, n_W, n_C, f, f)
    # all windows at once; the f x f axes go first so numpy reduces over whole (m, n_H, n_W, n_C) blocks
    windows = np.moveaxis(windows, (4, 5), (0, 1))  # (f, f, m, n_H, n_W, n_C)
    if mode == "max":
        A = windows.max(axis=(0, 1))  # (m, n_H, n_W, n_C)
    else:
        A = windows.mean(axis=(0, 1))  # (m, n_H, n_W, n_C)
    cache = (A_prev, hparameters)
    return A, cache


# --- catalogued mistake ---
import numpy as np

def _size(n, f, stride):
    return (n - f) // stride + 1

def _pool(A_prev, f, stride, reduce, n_H=None, n_W=None, step=None):
    """A[i, h, w] = reduce(window (f, f, n_C)); sizes and window step as given, else the correct ones."""
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H = _size(n_H_prev, f, stride) if n_H is None else n_H
    n_W = _size(n_W_prev, f, stride) if n_W is None else n_W
    step = stride if step is None else step
    A = np.zeros((m, n_H, n_W, n_C))
    for i, h, w in np.ndindex(m, n_H, n_W):
        A[i, h, w] = reduce(A_prev[i, h * step:h * step + f, w * step:w * step + f])
    return A

def _reduce(mode):
    """The correct reduction of a window (f, f, n_C) to (n_C,); ValueError for an unknown mode."""
    if mode == 'max':
        return lambda window: window.max(axis=(0, 1))
    if mode == 'average':
        return lambda window: window.mean(axis=(0, 1))
    raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")

def pool_forward(A_prev, hparameters, mode='max'):
    reduce = (lambda window: window.sum(axis=(0, 1))) if mode == 'average' else _reduce(mode)
    return (_pool(A_prev, hparameters['f'], hparameters['stride'], reduce), (A_prev, hparameters))