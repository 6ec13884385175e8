"""Padding and output sizes (lesson 1.4).

A "valid" convolution shrinks the image: n x n * f x f -> (n - f + 1) x (n - f + 1),
and the pixels at the border are used less than those in the middle. Padding the
image with p rows and columns of zeros on every side fixes both; a "same" convolution
chooses p so that the output keeps the input's size.
"""
import numpy as np


def zero_pad(X, pad):
    """Pad the height and width of a batch of images with zeros.

    Arguments:
    X -- (m, n_H, n_W, n_C) array: m images
    pad -- int, rows/columns of zeros added on each side (top, bottom, left, right)

    Returns:
    X_pad -- (m, n_H + 2*pad, n_W + 2*pad, n_C) array of X's dtype; X is not changed

    Example: zero_pad(np.ones((4, 3, 3, 2)), 2).shape == (4, 7, 7, 2)
    """
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)


def conv_output_size(n, f, pad=0, stride=1):
    """Height (or width) of a convolution's or pooling's output.

    Arguments:
    n -- int, input height (or width)
    f -- int, filter size
    pad -- int, padding p on each side
    stride -- int, stride s

    Returns:
    n_out -- int, floor((n + 2*pad - f) / stride) + 1

    Example: conv_output_size(6, 3) == 4; conv_output_size(7, 3, pad=0, stride=2) == 3;
    conv_output_size(6, 3, pad=1) == 6.
    """
    return int((n + 2 * pad - f) // stride + 1)


def same_padding(f):
    """The padding p that makes a stride-1 convolution keep the input's size ("same").

    Arguments:
    f -- int, odd filter size

    Returns:
    p -- int, (f - 1) / 2; an even f raises ValueError (no whole p works)

    Example: same_padding(3) == 1; same_padding(5) == 2; same_padding(1) == 0.
    """
    if f % 2 == 0:
        raise ValueError(f"same padding needs an odd filter size, got f={f}")
    return int((f - 1) // 2)


# --- catalogued mistake ---
import numpy as np

def conv_output_size(n, f, pad=0, stride=1):
    return (n + 2 * pad - f) / stride + 1