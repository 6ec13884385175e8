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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


# --- catalogued mistake ---
import numpy as np

def _unpad(dA_pad, pad, n_H_prev, n_W_prev):
    return dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]

def _conv_backward(dZ, cache, *, step=None, add=True, dW_per_example=False, kernel=None, unpad=_unpad, hp=None):
    """The course's loops; the knobs: window step, += or =, dW reset for each example, the kernel used for
    dA, how the padding is cut off, how stride and pad are read."""
    A_prev, W, b, hparameters = cache
    stride, pad = (hparameters['stride'], hparameters['pad']) if hp is None else hp(hparameters)
    step = stride if step is None else step
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_pad, dW = (np.zeros(A_pad.shape), np.zeros(W.shape))
    K = W if kernel is None else kernel(W)
    for i in range(m):
        if dW_per_example:
            dW = np.zeros(W.shape)
        for h, w, c in np.ndindex(n_H, n_W, n_C):
            window = (i, slice(h * step, h * step + f), slice(w * step, w * step + f))
            if add:
                dA_pad[window] += K[:, :, :, c] * dZ[i, h, w, c]
            else:
                dA_pad[window] = K[:, :, :, c] * dZ[i, h, w, c]
            dW[:, :, :, c] += A_pad[window] * dZ[i, h, w, c]
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, n_C)
    return (unpad(dA_pad, pad, *A_prev.shape[1:3]), dW, db)

def _first_max(a_slice):
    mask = np.zeros(a_slice.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(a_slice), a_slice.shape)] = True
    return mask

def _pool_backward(dA, cache, mode, *, step=None, add=True, mask=None, share=None, hp=None):
    """The course's loops; the knobs: window step, += or =, the max mask, the average's share (f, n_H, n_W) -> divisor,
    how f and stride are read."""
    if mode not in ('max', 'average'):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    A_prev, hparameters = cache
    f, stride = (hparameters['f'], hparameters['stride']) if hp is None else hp(hparameters)
    step = stride if step is None else step
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i, h, w, c in np.ndindex(m, n_H, n_W, n_C):
        window = (i, slice(h * step, h * step + f), slice(w * step, w * step + f), c)
        a_slice = A_prev[window]
        if mode == 'max':
            grad = (a_slice == np.max(a_slice) if mask is None else mask(a_slice)) * dA[i, h, w, c]
        else:
            grad = np.ones((f, f)) * dA[i, h, w, c] / (f * f if share is None else share(f, n_H, n_W))
        if add:
            dA_prev[window] += grad
        else:
            dA_prev[window] = grad
    return dA_prev

def create_mask_from_window(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(x), x.shape)] = True
    return mask