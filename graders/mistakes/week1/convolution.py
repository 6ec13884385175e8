"""Realistic wrong answers to lessons 1.5-1.7, each with the feedback lines it must produce.

The diagnosis names the first mistake that explains the student's output, and on the smallest inputs several
can agree: a mistake that more often agrees with the right answer comes before one it could be taken for
(a ReLU inside conv_forward before the missing bias; a first-channel bias before the missing bias).
"""
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from convgrade import mistake


def _pad(A_prev, p):
    return np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))  # (m, n_H_prev + 2p, n_W_prev + 2p, n_C_prev)


def _windows(A_pad, f, s):
    return sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::s, ::s]  # (m, n_H, n_W, n_C_prev, f, f)


def _conv(A_pad, W, s):
    """Every window times every filter, no bias."""
    return np.einsum("mhwcij,ijcn->mhwn", _windows(A_pad, W.shape[0], s), W)  # (m, n_H, n_W, n_C)


def _conv_forward(A_prev, W, b, hparameters):
    """The right Z, for the mistakes of conv_layer_forward."""
    return _conv(_pad(A_prev, hparameters["pad"]), W, hparameters["stride"]) + b


def _looped(A_pad, W, b, s, n_H, n_W, *, at=lambda h, w: (h, w), skip=lambda h, w: False):
    """The course's loops over an already padded input: Z[i, h, w, c] = sum(window * W[..., c]) + b[..., c], where
    ``at(h, w)`` says which window (row, column) output (h, w) reads and ``skip(h, w)`` which outputs stay 0."""
    f, n_C = W.shape[0], W.shape[3]
    Z = np.zeros((A_pad.shape[0], n_H, n_W, n_C))
    for i, h, w, c in np.ndindex(*Z.shape):
        if not skip(h, w):
            top, left = (x * s for x in at(h, w))
            Z[i, h, w, c] = np.sum(A_pad[i, top:top + f, left:left + f, :] * W[..., c]) + b[0, 0, 0, c]
    return Z


def _out_size(A_prev, f, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    return (A_prev.shape[1] + 2 * p - f) // s + 1, (A_prev.shape[2] + 2 * p - f) // s + 1


# conv_single_step

@mistake("conv_single_step", "the bias was added as the (1, 1, 1) array b, not as the number b.item()",
         feedback=["conv_single_step: Z is an ndarray of shape (1, 1, 1), expected a float",
                   "adding the (1, 1, 1) array b keeps the sum an array: add the number b.item() instead"])
def conv_single_step_array(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W) + b


@mistake("conv_single_step", "the bias b was not added",
         feedback=["conv_single_step: Z has the wrong value",
                   "got 0.0, expected 1.0 (tolerance rtol=1e-06, atol=1e-08)"])
def conv_single_step_no_bias(a_slice_prev, W, b):
    return float(np.sum(a_slice_prev * W))


@mistake("conv_single_step", "the bias was added to every product before summing (f*f*n_C_prev times)",
         feedback=["conv_single_step: Z has the wrong value",
                   "got 2.0, expected 1.0 (tolerance rtol=1e-06, atol=1e-08)"])
def conv_single_step_bias_inside_sum(a_slice_prev, W, b):
    return float(np.sum(a_slice_prev * W + b))


@mistake("conv_single_step", "np.mean was used for np.sum (the sum divided by the f*f*n_C_prev products)",
         feedback=["conv_single_step: Z has the wrong value"])
def conv_single_step_mean(a_slice_prev, W, b):
    products = a_slice_prev * W
    return float(products.sum() / products.size) + b.item()


@mistake("conv_single_step", "the sum kept the channel axis (np.sum over axes (0, 1) only): sum over all three axes",
         feedback=["conv_single_step: Z is an ndarray of shape (3,), expected a float"])
def conv_single_step_channels_kept(a_slice_prev, W, b):
    return (a_slice_prev * W).sum(axis=0).sum(axis=0) + b.item()


@mistake("conv_single_step", "float() was called on a (1, 1, 1) array", diagnose=False,
         feedback=["conv_single_step: raised TypeError: only 0-dimensional arrays can be converted "
                   "to Python scalars",
                   "hint: Z = np.sum(a_slice_prev * W) + b.item(): b is a (1, 1, 1) array and b.item() the number it "
                   "holds"])
def conv_single_step_float_of_array(a_slice_prev, W, b):
    return float(np.sum(a_slice_prev * W) + b)


@mistake("conv_single_step", "the slice was multiplied in place (a_slice_prev *= W), which writes into A_prev",
         diagnose=False,
         feedback=["conv_single_step: modified its input a_slice_prev in place",
                   "multiply into a new array (a_slice_prev * W), not in place (a_slice_prev *= W)"])
def conv_single_step_in_place(a_slice_prev, W, b):
    a_slice_prev *= W
    return float(np.sum(a_slice_prev)) + b.item()


# conv_forward

@mistake("conv_forward", "a ReLU was applied inside conv_forward (it belongs to conv_layer_forward)",
         feedback=["conv_forward: Z has wrong values", "conv_forward: Z(W + W2) has wrong values"])
def conv_forward_relu(A_prev, W, b, hparameters):
    return np.maximum(_conv_forward(A_prev, W, b, hparameters), 0), (A_prev, W, b, hparameters)


@mistake("conv_forward", "every output channel got the first filter's bias b[..., 0]",
         feedback=["conv_forward: Z has wrong values", "first difference at Z[0, 0, 0, 1]: got 0.0, expected 1.0"])
def conv_forward_first_bias(A_prev, W, b, hparameters):
    Z = _conv(_pad(A_prev, hparameters["pad"]), W, hparameters["stride"]) + b[0, 0, 0, 0]
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the bias b was not added",
         feedback=["conv_forward: Z has wrong values", "first difference at Z[0, 0, 0, 0]: got 0.0, expected 1.0"])
def conv_forward_no_bias(A_prev, W, b, hparameters):
    return _conv(_pad(A_prev, hparameters["pad"]), W, hparameters["stride"]), (A_prev, W, b, hparameters)


@mistake("conv_forward", "the windows moved by 1 instead of by the stride (h:h+f instead of h*s:h*s+f)",
         feedback=["conv_forward: Z has wrong values", "first difference at Z[0, 0, 1, 0]: got 0.0, expected 1.0"])
def conv_forward_stride_not_in_slices(A_prev, W, b, hparameters):
    s, p, f = hparameters["stride"], hparameters["pad"], W.shape[0]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    n_H, n_W = (n_H_prev + 2 * p - f) // s + 1, (n_W_prev + 2 * p - f) // s + 1
    Z = _conv(_pad(A_prev, p), W, 1)[:, :n_H, :n_W] + b  # the first n_H x n_W windows of stride 1
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the stride was ignored (a stride-1 convolution)",
         feedback=["conv_forward: Z has the wrong shape", "got (1, 1, 2, 1), expected (1, 1, 1, 1)"])
def conv_forward_no_stride(A_prev, W, b, hparameters):
    return _conv(_pad(A_prev, hparameters["pad"]), W, 1) + b, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the padding was ignored",
         feedback=["conv_forward: Z has the wrong shape", "got (1, 1, 2, 1), expected (1, 3, 4, 1)"])
def conv_forward_no_padding(A_prev, W, b, hparameters):
    return _conv(A_prev, W, hparameters["stride"]) + b, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the kernel was flipped (a true convolution, not the course's cross-correlation)",
         feedback=["conv_forward: Z has wrong values", "first difference at Z[0, 0, 0, 0]: got 0.0, expected 1.0",
                   "2 of 4 values differ (tolerance rtol=1e-06, atol=1e-08)"])
def conv_forward_flipped(A_prev, W, b, hparameters):
    Z = _conv(_pad(A_prev, hparameters["pad"]), W[::-1, ::-1], hparameters["stride"]) + b
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "H and W were swapped (the result reshaped to (m, n_W, n_H, n_C))",
         feedback=["conv_forward: Z has the wrong shape", "got (1, 2, 1, 1), expected (1, 1, 2, 1)"])
def conv_forward_hw_swapped(A_prev, W, b, hparameters):
    f, n_C = W.shape[0], W.shape[3]
    windows = _windows(_pad(A_prev, hparameters["pad"]), f, hparameters["stride"])  # (m, n_H, n_W, n_C_prev, f, f)
    m, n_H, n_W = windows.shape[:3]
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(m * n_H * n_W, -1)  # (m*n_H*n_W, f*f*n_C_prev)
    Z = (cols @ W.reshape(-1, n_C)).reshape(m, n_W, n_H, n_C) + b  # should be (m, n_H, n_W, n_C)
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "every output channel used the first filter W[..., 0]",
         feedback=["conv_forward: Z has wrong values", "got Z = [[[[0., 0.]]]]", "expected Z = [[[[0., 1.]]]]"])
def conv_forward_first_filter(A_prev, W, b, hparameters):
    W0 = np.repeat(W[..., :1], W.shape[3], axis=3)  # (f, f, n_C_prev, n_C), all W[..., 0]
    return _conv(_pad(A_prev, hparameters["pad"]), W0, hparameters["stride"]) + b, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the loops run over range(n_H - f) instead of range(n_H): Z's last rows and columns were "
         "never computed", feedback=["conv_forward: Z.mean() has the wrong value"])
def conv_forward_loops_short(A_prev, W, b, hparameters):
    f, (n_H, n_W) = W.shape[0], _out_size(A_prev, W.shape[0], hparameters)
    Z = _looped(_pad(A_prev, hparameters["pad"]), W, b, hparameters["stride"], n_H, n_W,
                skip=lambda h, w: h >= n_H - f or w >= n_W - f)
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the stride was applied twice (the loops step by it and the slice starts at h*stride too)",
         feedback=["conv_forward: Z.mean() has the wrong value"])
def conv_forward_stride_twice(A_prev, W, b, hparameters):
    s, (n_H, n_W) = hparameters["stride"], _out_size(A_prev, W.shape[0], hparameters)
    Z = _looped(_pad(A_prev, hparameters["pad"]), W, b, s, n_H, n_W, skip=lambda h, w: h % s or w % s)
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "A_prev was padded on the wrong axes: np.pad's widths pair with (m, n_H, n_W, n_C), so pad "
         "the 2nd and 3rd only", feedback=["conv_forward: Z.mean() has the wrong value"])
def conv_forward_pad_batch_axis(A_prev, W, b, hparameters):
    p, (n_H, n_W) = hparameters["pad"], _out_size(A_prev, W.shape[0], hparameters)
    A_pad = np.pad(A_prev, ((p, p), (p, p), (0, 0), (0, 0)))[:A_prev.shape[0]]  # the loops still run over m images
    return _looped(A_pad, W, b, hparameters["stride"], n_H, n_W), (A_prev, W, b, hparameters)


@mistake("conv_forward", "the window's rows were taken from w and its columns from h (the slice's two ranges "
         "swapped)", feedback=["conv_forward: Z.mean() has the wrong value"])
def conv_forward_window_swapped(A_prev, W, b, hparameters):
    n_H, n_W = _out_size(A_prev, W.shape[0], hparameters)
    Z = _looped(_pad(A_prev, hparameters["pad"]), W, b, hparameters["stride"], n_H, n_W, at=lambda h, w: (w, h))
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the bias was added to every product inside the sum (f*f*n_C_prev times), not once",
         feedback=["conv_forward: Z.mean() has the wrong value"])
def conv_forward_bias_per_product(A_prev, W, b, hparameters):
    f, _, n_C_prev, _ = W.shape
    Z = _conv(_pad(A_prev, hparameters["pad"]), W, hparameters["stride"]) + b * (f * f * n_C_prev)
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "Z is float32 (np.zeros(..., dtype=np.float32)): the course computes in float64",
         feedback=["conv_forward: Z.mean() has the wrong value"])
def conv_forward_float32(A_prev, W, b, hparameters):
    Z = _conv_forward(A_prev, W, b, hparameters)
    return Z.astype(np.float32), (A_prev, W, b, hparameters)


@mistake("conv_forward", "the cache holds the padded A_prev",
         feedback=["conv_forward: cache[0] has the wrong shape", "got (1, 3, 3, 1), expected (1, 1, 1, 1)"])
def conv_forward_cache_padded(A_prev, W, b, hparameters):
    A_pad = _pad(A_prev, hparameters["pad"])
    return _conv(A_pad, W, hparameters["stride"]) + b, (A_pad, W, b, hparameters)


@mistake("conv_forward", "stride and pad were read from hparameters by position, not by name", diagnose=False,
         feedback=["conv_forward: raised ValueError: slice step cannot be zero",
                   'hint: read them by name, hparameters["stride"] and hparameters["pad"]: the course builds the dict '
                   'pad first'])
def conv_forward_hparameters_by_position(A_prev, W, b, hparameters):
    s, p = hparameters.values()  # right for {"stride": s, "pad": p}, not for the course's {"pad": p, "stride": s}
    return _conv(_pad(A_prev, p), W, s) + b, (A_prev, W, b, hparameters)


# conv_layer_forward

@mistake("conv_layer_forward", "conv_layer_forward returned conv_forward's (Z, cache)",
         feedback=["conv_layer_forward: returned a tuple of 2 items, expected the array A alone",
                   "unlike conv_forward, a layer returns its activation only, no cache"])
def conv_layer_forward_tuple(A_prev, W, b, hparameters):
    return _conv_forward(A_prev, W, b, hparameters), (A_prev, W, b, hparameters)


@mistake("conv_layer_forward", "the ReLU was left out (A = Z)",
         feedback=["conv_layer_forward: A has negative values", "A[0, 0, 0, 0] = -1.0; a ReLU is never negative"])
def conv_layer_forward_no_relu(A_prev, W, b, hparameters):
    return _conv_forward(A_prev, W, b, hparameters)


@mistake("conv_layer_forward", "the ReLU was taken as np.abs(Z) instead of np.maximum(Z, 0)",
         feedback=["conv_layer_forward: A has wrong values",
                   "first difference at A[0, 0, 0, 0]: got 1.0, expected 0.0"])
def conv_layer_forward_abs(A_prev, W, b, hparameters):
    return np.abs(_conv_forward(A_prev, W, b, hparameters))


@mistake("conv_layer_forward", "a leaky ReLU (0.01 * Z below zero) was used instead of np.maximum(Z, 0)",
         feedback=["conv_layer_forward: A has wrong values"])
def conv_layer_forward_leaky(A_prev, W, b, hparameters):
    Z = _conv_forward(A_prev, W, b, hparameters)
    return np.maximum(Z, 0.01 * Z)


@mistake("conv_layer_forward", "np.max(Z, 0) (the largest value along axis 0) was used for np.maximum(Z, 0)",
         feedback=["conv_layer_forward: A has the wrong shape", "got (1, 1, 1), expected (1, 1, 1, 1)"])
def conv_layer_forward_np_max(A_prev, W, b, hparameters):
    return np.max(_conv_forward(A_prev, W, b, hparameters), 0)


# conv_param_count

@mistake("conv_param_count", "the input channels n_c_prev were left out ((f * f + 1) * n_filters)",
         feedback=["conv_param_count: conv_param_count(3, 3, 10) is wrong", "got 100, expected 280"])
def conv_param_count_no_channels(f, n_c_prev, n_filters):
    return (f * f + 1) * n_filters


@mistake("conv_param_count", "the biases were left out (f * f * n_c_prev * n_filters)",
         feedback=["conv_param_count: conv_param_count(3, 3, 10) is wrong", "got 270, expected 280"])
def conv_param_count_no_bias(f, n_c_prev, n_filters):
    return f * f * n_c_prev * n_filters


@mistake("conv_param_count", "one bias was counted per weight instead of per filter",
         feedback=["conv_param_count: conv_param_count(3, 3, 10) is wrong", "got 540, expected 280"])
def conv_param_count_bias_per_weight(f, n_c_prev, n_filters):
    return 2 * f * f * n_c_prev * n_filters


@mistake("conv_param_count", "f squared with math.pow, which returns a float",
         feedback=["conv_param_count: conv_param_count(3, 3, 10) is a float (280.0), expected an int"])
def conv_param_count_float(f, n_c_prev, n_filters):
    return (math.pow(f, 2) * n_c_prev + 1) * n_filters
