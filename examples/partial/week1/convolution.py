"""The forward pass of a convolutional layer (lessons 1.5-1.7).

Layout is NHWC, as in the course: A_prev (m, n_H_prev, n_W_prev, n_C_prev) holds m
images, W (f, f, n_C_prev, n_C) holds n_C filters, b (1, 1, 1, n_C) one bias per filter.
Each filter covers all n_C_prev channels and makes one output channel; the kernel is
not flipped (cross-correlation). Everything is float64.
"""
import numpy as np

WINDOW_VALUES = 1 << 17  # float64 values (1 MiB) of windows copied at a time in conv_forward


def conv_single_step(a_slice_prev, W, b):
    """Apply one filter to one slice of the input: a single output value.

    Arguments:
    a_slice_prev -- (f, f, n_C_prev) slice of the input
    W -- (f, f, n_C_prev) weights of one filter
    b -- (1, 1, 1) bias of that filter

    Returns:
    Z -- Python float, sum(a_slice_prev * W) + b (take the bias with b.item():
         numpy 2 refuses float() of an array with dimensions)

    Example: a_slice_prev = np.ones((3, 3, 2)), W = np.full((3, 3, 2), 0.5),
    b = np.full((1, 1, 1), -1.0) -> 18 * 0.5 - 1 == 8.0
    """
    return float(np.sum(a_slice_prev * W)) + b.item()


def conv_forward(A_prev, W, b, hparameters):
    """Forward pass of a convolution: every filter slid over every padded image.

    Arguments:
    A_prev -- (m, n_H_prev, n_W_prev, n_C_prev) input
    W -- (f, f, n_C_prev, n_C) filters
    b -- (1, 1, 1, n_C) biases
    hparameters -- dict {"stride": s, "pad": p} (keys in any order)

    Returns:
    Z -- (m, n_H, n_W, n_C) output, with
         n_H = floor((n_H_prev + 2p - f) / s) + 1, n_W = floor((n_W_prev + 2p - f) / s) + 1,
         Z[i, h, w, c] = sum(A_pad[i, h*s:h*s+f, w*s:w*s+f, :] * W[..., c]) + b[..., c]
         where A_pad is A_prev zero-padded by p on each side of H and W
    cache -- (A_prev, W, b, hparameters), kept for conv_backward

    Example: A_prev (2, 5, 7, 4), W (3, 3, 4, 8), {"pad": 1, "stride": 2} -> Z (2, 3, 4, 8).
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    s = hparameters["stride"]
    p = hparameters["pad"]
    n_H = (n_H_prev + 2 * p - f) // s + 1
    n_W = (n_W_prev + 2 * p - f) // s + 1
    A_pad = np.zeros((m, n_H_prev + 2 * p, n_W_prev + 2 * p, n_C_prev))  # zero-padded by p on H and W
    A_pad[:, p:p + n_H_prev, p:p + n_W_prev, :] = A_prev
    # windows[i, h, w] is the slice A_pad[i, h*s:h*s+f, w*s:w*s+f, :]: a view of A_pad, nothing copied
    sm, sh, sw, sc = A_pad.strides
    windows = np.ndarray((m, n_H, n_W, f, f, n_C_prev), A_pad.dtype, A_pad, 0, (sm, sh * s, sw * s, sh, sw, sc))
    # Every window as a row times every filter as a column: matrix products, a block of output rows at a time
    # (all of them when they are few) so that the block's windows, copied into rows, are still in the CPU's
    # cache when the product reads them.
    K = f * f * n_C_prev
    W_cols = W.reshape(K, n_C)  # filter c as column c
    few = m * n_H * n_W * K <= WINDOW_VALUES
    block = max(1, n_H if few else WINDOW_VALUES // (n_W * K))
    Z = np.empty((m, n_H, n_W, n_C))
    for i in [slice(None)] if few else [slice(i, i + 1) for i in range(m)]:
        for h in range(0, n_H, block):
            rows = windows[i, h:h + block].reshape(-1, K)  # (images * rows * n_W, f * f * n_C_prev)
            np.matmul(rows, W_cols, out=Z[i, h:h + block].reshape(-1, n_C))  # a view of Z: Z is filled
    Z += b
    cache = (A_prev, W, b, hparameters)
    return Z, cache


def conv_layer_forward(A_prev, W, b, hparameters):
    """One layer of a ConvNet: a convolution followed by ReLU.

    Arguments:
    A_prev -- (m, n_H_prev, n_W_prev, n_C_prev) input
    W -- (f, f, n_C_prev, n_C) filters
    b -- (1, 1, 1, n_C) biases
    hparameters -- dict {"stride": s, "pad": p} (keys in any order)

    Returns:
    A -- (m, n_H, n_W, n_C) array, max(Z, 0) with Z from conv_forward (no cache)

    Example: a 6x6x3 image and 10 filters 3x3x3, {"stride": 1, "pad": 0}
    -> A (1, 4, 4, 10), every value >= 0.
    """
    Z, _ = conv_forward(A_prev, W, b, hparameters)
    return np.maximum(Z, 0)


def conv_param_count(f, n_c_prev, n_filters):
    """Number of parameters of a convolutional layer: weights plus one bias per filter.

    Arguments:
    f -- int, filter size
    n_c_prev -- int, channels of the input
    n_filters -- int, number of filters

    Returns:
    count -- int, (f * f * n_c_prev + 1) * n_filters (independent of the image size)

    Example: 10 filters 3x3x3 -> conv_param_count(3, 3, 10) == 280.
    """
    return int((f * f * n_c_prev + 1) * n_filters)


# --- catalogued mistake ---
import math
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

def _pad(A_prev, p):
    return np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))

def _windows(A_pad, f, s):
    return sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::s, ::s]

def _conv(A_pad, W, s):
    """Every window times every filter, no bias."""
    return np.einsum('mhwcij,ijcn->mhwn', _windows(A_pad, W.shape[0], s), W)

def _conv_forward(A_prev, W, b, hparameters):
    """The right Z, for the mistakes of conv_layer_forward."""
    return _conv(_pad(A_prev, hparameters['pad']), W, hparameters['stride']) + b

def conv_forward(A_prev, W, b, hparameters):
    return (_conv(_pad(A_prev, hparameters['pad']), W, hparameters['stride']), (A_prev, W, b, hparameters))