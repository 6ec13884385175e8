"""The forward pass of a convolutional layer (lessons 1.5-1.7).

Layout is NHWC, as in the course: A_prev (m, n_H_prev, n_W_prev, n_C_prev) holds m
images, W (f, f, n_C_prev, n_C) holds n_C filters, b (1, 1, 1, n_C) one bias per filter.
Each filter covers all n_C_prev channels and makes one output channel; the kernel is
not flipped (cross-correlation). Everything is float64.
"""
import numpy as np


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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError
