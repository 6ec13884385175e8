"""Held-out mistakes of lesson 1.4 (see README.md): never pasted into graders/mistakes."""
import math

import numpy as np

from convgrade import mistake


@mistake("zero_pad", "np.pad on the batch axis and H, not H and W")
def zero_pad_batch_and_height(X, pad):
    return np.pad(X, ((pad, pad), (pad, pad), (0, 0), (0, 0)), mode="constant", constant_values=0)


@mistake("zero_pad", "the last two axes (W and C) padded, as for a channels-first image")
def zero_pad_last_two_axes(X, pad):
    return np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")


@mistake("zero_pad", "pad taken as the total, split between the two sides")
def zero_pad_split(X, pad):
    half = pad // 2
    return np.pad(X, ((0, 0), (half, pad - half), (half, pad - half), (0, 0)))


@mistake("zero_pad", "the padded array made as float32")
def zero_pad_float32(X, pad):
    m, n_H, n_W, n_C = X.shape
    X_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C), dtype=np.float32)
    X_pad[:, pad:pad + n_H, pad:pad + n_W, :] = X
    return X_pad


@mistake("conv_output_size", "ceil instead of floor")
def conv_output_size_ceil(n, f, pad=0, stride=1):
    return math.ceil((n + 2 * pad - f) / stride) + 1


@mistake("conv_output_size", "the +1 inside the division")
def conv_output_size_plus_one_inside(n, f, pad=0, stride=1):
    return (n + 2 * pad - f + 1) // stride


# What a right diagnosis says: a regular expression its "looks like ..." line matches (case aside).
NAMED_BY = {
    'zero_pad_batch_and_height': r'axes|batch axis',
    'zero_pad_last_two_axes': r'axes|channels',
    'zero_pad_split': r'split|half|total|one side',
    'zero_pad_float32': r'float32|dtype',
    'conv_output_size_ceil': r'ceil|round',
    'conv_output_size_plus_one_inside': r'\+ ?1|\+1',
}
