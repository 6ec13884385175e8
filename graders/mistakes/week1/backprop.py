"""Realistic wrong answers to the backpropagation lesson, each with the feedback lines it must produce.

conv_backward and pool_backward mistakes share the course's loops (``_conv_backward``, ``_pool_backward``)
with the knobs students get wrong. The diagnosis names the first mistake that explains the output, so one
that agrees with another on its smallest failing input comes first.
"""
import numpy as np

from convgrade import mistake

_FIRST_MAX_ONLY = "only the first of several tied maxima is True (np.argmax)"


# conv_backward

def _unpad(dA_pad, pad, n_H_prev, n_W_prev):
    return dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]


def _conv_backward(dZ, cache, *, step=None, add=True, dW_per_example=False, kernel=None, unpad=_unpad, hp=None):
    """The course's loops; the knobs: window step, += or =, dW reset for each example, the kernel used for
    dA, how the padding is cut off, how stride and pad are read."""
    A_prev, W, b, hparameters = cache
    stride, pad = (hparameters["stride"], hparameters["pad"]) if hp is None else hp(hparameters)
    step = stride if step is None else step
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_pad, dW = np.zeros(A_pad.shape), np.zeros(W.shape)
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
    return unpad(dA_pad, pad, *A_prev.shape[1:3]), dW, db


@mistake("conv_backward", "the padding was cut off with dA_pad[:, pad:-pad, pad:-pad, :], empty when pad = 0",
         feedback=["conv_backward: dA_prev has the wrong shape",
                   "got (1, 0, 0, 1), expected (1, 1, 1, 1)",
                   "hint: with pad = 0, dA_prev is dA_pad itself, and dA_pad[:, pad:-pad] is empty (-0 is 0): cut with "
                   "dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]"])
def conv_backward_minus_pad(dZ, cache):
    return _conv_backward(dZ, cache, unpad=lambda dA_pad, pad, n_H, n_W: dA_pad[:, pad:-pad, pad:-pad, :])


@mistake("conv_backward", "the padding was not cut off (dA_pad returned as dA_prev)",
         feedback=["conv_backward: dA_prev has the wrong shape",
                   "smallest failing input: A_prev.shape=(1, 1, 1, 1), W.shape=(1, 1, 1, 1), b.shape=(1, 1, 1, 1), "
                   "stride=1, pad=1, dZ.shape=(1, 3, 3, 1)",
                   "got (1, 3, 3, 1), expected (1, 1, 1, 1)"])
def conv_backward_padded(dZ, cache):
    return _conv_backward(dZ, cache, unpad=lambda dA_pad, pad, n_H, n_W: dA_pad)


@mistake("conv_backward", "db was summed to shape (n_C,) instead of (1, 1, 1, n_C)",
         feedback=["conv_backward: db has the wrong shape", "got (1,), expected (1, 1, 1, 1)"])
def conv_backward_db_flat(dZ, cache):
    dA_prev, dW, _ = _conv_backward(dZ, cache)
    return dA_prev, dW, np.sum(dZ, axis=(0, 1, 2))


@mistake("conv_backward", "dW was reset for every example, so it holds only the last example's part",
         feedback=["conv_backward: dW has wrong values",
                   "smallest failing input: A_prev.shape=(2, 1, 1, 1), W.shape=(1, 1, 1, 1), b.shape=(1, 1, 1, 1), "
                   "stride=1, pad=0, dZ.shape=(2, 1, 1, 1)"])
def conv_backward_dW_last_example(dZ, cache):
    return _conv_backward(dZ, cache, dW_per_example=True)


@mistake("conv_backward", "the windows start at h and w instead of h*stride and w*stride",
         feedback=["conv_backward: dA_prev has wrong values",
                   "smallest failing input: A_prev.shape=(1, 1, 3, 1), W.shape=(1, 1, 1, 1), b.shape=(1, 1, 1, 1), "
                   "stride=2, pad=0, dZ.shape=(1, 1, 2, 1)"])
def conv_backward_no_stride(dZ, cache):
    return _conv_backward(dZ, cache, step=1)


@mistake("conv_backward", "dA_pad[window] was assigned (=) instead of accumulated (+=)",
         feedback=["conv_backward: dA_prev has wrong values",
                   "smallest failing input: A_prev.shape=(1, 1, 1, 1), W.shape=(1, 1, 1, 2), b.shape=(1, 1, 1, 2), "
                   "stride=1, pad=0, dZ.shape=(1, 1, 1, 2)",
                   "hint: dA_pad[i, h*stride:h*stride+f, w*stride:w*stride+f, :] += W[:, :, :, c] * dZ[i, h, w, c]: "
                   "when stride < f, neighbouring windows share pixels, and each adds its part (+=); none replaces "
                   "another's (=)"])
def conv_backward_assign(dZ, cache):
    return _conv_backward(dZ, cache, add=False)


@mistake("conv_backward", "the kernel was flipped (rotated 180 degrees) for dA_prev, but the forward pass does not "
                          "flip it",
         feedback=["conv_backward: dA_prev has wrong values",
                   "smallest failing input: A_prev.shape=(1, 2, 2, 1), W.shape=(2, 2, 1, 1), b.shape=(1, 1, 1, 1), "
                   "stride=1, pad=0, dZ.shape=(1, 1, 1, 1)",
                   "got dA_prev = [[[[1.],", "expected dA_prev = [[[[0.],"])
def conv_backward_flipped(dZ, cache):
    return _conv_backward(dZ, cache, kernel=lambda W: W[::-1, ::-1])


@mistake("conv_backward", "the dA and dW updates were swapped: dA_pad got a_slice * dZ and dW got W * dZ",
         feedback=["conv_backward: dA_prev.mean() has the wrong value"])
def conv_backward_updates_swapped(dZ, cache):
    A_prev, W, b, hparameters = cache
    s, p, f = hparameters["stride"], hparameters["pad"], W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    dA_pad = np.zeros(A_pad.shape)
    for i, h, w, c in np.ndindex(*dZ.shape):
        dA_pad[i, h * s:h * s + f, w * s:w * s + f] += A_pad[i, h * s:h * s + f, w * s:w * s + f] * dZ[i, h, w, c]
    dW = W * dZ.sum(axis=(0, 1, 2))  # filter c times the sum of its dZ
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, -1)
    return _unpad(dA_pad, p, *A_prev.shape[1:3]), dW, db


@mistake("conv_backward", "db[..., c] was assigned (=) in the loop, so it holds the last dZ[i, h, w, c] only: sum "
         "them all (+=)", feedback=["conv_backward: db.mean() has the wrong value"])
def conv_backward_db_last(dZ, cache):
    dA_prev, dW, _ = _conv_backward(dZ, cache)
    return dA_prev, dW, dZ[-1:, -1:, -1:, :].copy()


@mistake("conv_backward", "stride and pad were read in the dict's order (hparameters.values()), not by name",
         feedback=["conv_backward: dA_prev depends on the order of the keys in hparameters",
                   "with hparameters={'stride': 1, 'pad': 0}: dA_prev[0, 0, 0, 0] = 1.0",
                   "with hparameters={'pad': 0, 'stride': 1}: dA_prev[0, 0, 0, 0] = 0.0"])
def conv_backward_by_position(dZ, cache):
    return _conv_backward(dZ, cache, hp=lambda hparameters: tuple(hparameters.values()))


# create_mask_from_window

@mistake("create_mask_from_window", "the maximum's index (np.argmax(x)) was returned, not a True/False mask of x's "
         "shape", feedback=["create_mask_from_window: mask is a numpy int64 scalar (0), expected a numpy ndarray"])
def create_mask_index(x):
    return np.argmax(x)


@mistake("create_mask_from_window", "x was compared with np.max(x, axis=1) without keepdims=True: row i's maximum "
         "lined up with column i",
         feedback=["create_mask_from_window: raised ValueError: operands could not be broadcast together with "
                   "shapes (2,3) (2,)"])
def create_mask_row_max(x):
    row_max = x.max(axis=1)  # (f,): broadcast along the last axis, against the columns
    return x == row_max


@mistake("create_mask_from_window", "the mask compares with > (x > np.max(x) is never True)",
         feedback=["create_mask_from_window: mask has wrong values",
                   "first difference at mask[0, 0]: got False, expected True"])
def create_mask_greater(x):
    return x > np.max(x)


@mistake("create_mask_from_window", _FIRST_MAX_ONLY,
         feedback=["create_mask_from_window: mask has wrong values",
                   "first difference at mask[0, 1]: got False, expected True"])
def create_mask_argmax(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(x), x.shape)] = True
    return mask


@mistake("create_mask_from_window", _FIRST_MAX_ONLY,
         feedback=["create_mask_from_window: mask has wrong values",
                   "first difference at mask[0, 1]: got 0.0, expected True"])
def create_mask_argmax_ones(x):
    mask = np.zeros_like(x)  # x's dtype: 0 and 1, not False and True
    mask.flat[x.argmax()] = 1
    return mask


@mistake("create_mask_from_window", "each column was compared with its own maximum (np.max(x, axis=0))",
         feedback=["create_mask_from_window: mask has wrong values",
                   "smallest failing input: x.shape=(2, 2)"])
def create_mask_column_max(x):
    return x == np.max(x, axis=0)


# distribute_value

@mistake("distribute_value", "dz was not divided: every entry got the whole gradient dz",
         feedback=["distribute_value: a has wrong values",
                   "first difference at a[0, 0]: got 2.0, expected 0.5"])
def distribute_value_undivided(dz, shape):
    return np.full(shape, dz, dtype=np.float64)


@mistake("distribute_value", "the result is flat (np.ones(n_H * n_W)): give it the window's shape (n_H, n_W)",
         feedback=["distribute_value: a has the wrong shape",
                   "got (4,), expected (2, 2)"])
def distribute_value_flat(dz, shape):
    n = shape[0] * shape[1]
    return np.full(n, dz / n)


@mistake("distribute_value", "dz was divided by n_H only",
         feedback=["distribute_value: a has wrong values", "smallest failing input: dz=1.0, shape=(1, 2)",
                   "first difference at a[0, 0]: got 1.0, expected 0.5"])
def distribute_value_n_H(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * dz / n_H


@mistake("distribute_value", "dz / n_H * n_W was written without parentheses (it multiplies by n_W)",
         feedback=["distribute_value: a has wrong values", "first difference at a[0, 0]: got 2.0, expected 0.5",
                   "distribute_value: a.sum() has the wrong value"])
def distribute_value_precedence(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * (dz / n_H * n_W)


@mistake("distribute_value", "dz was divided by n_H + n_W instead of n_H * n_W",
         feedback=["distribute_value: a has wrong values", "smallest failing input: dz=1.0, shape=(1, 1)",
                   "first difference at a[0, 0]: got 0.5, expected 1.0"])
def distribute_value_sum(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * dz / (n_H + n_W)


@mistake("distribute_value", "integer division dz // (n_H * n_W)",
         feedback=["distribute_value: a has wrong values", "first difference at a[0, 0]: got 0.0, expected 0.5"])
def distribute_value_floor(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * (dz // (n_H * n_W))


# pool_backward

def _first_max(a_slice):
    mask = np.zeros(a_slice.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(a_slice), a_slice.shape)] = True
    return mask


def _pool_backward(dA, cache, mode, *, step=None, add=True, mask=None, share=None, hp=None):
    """The course's loops; the knobs: window step, += or =, the max mask, the average's share (f, n_H, n_W) -> divisor,
    how f and stride are read."""
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    A_prev, hparameters = cache
    f, stride = (hparameters["f"], hparameters["stride"]) if hp is None else hp(hparameters)
    step = stride if step is None else step
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i, h, w, c in np.ndindex(m, n_H, n_W, n_C):
        window = (i, slice(h * step, h * step + f), slice(w * step, w * step + f), c)
        a_slice = A_prev[window]
        if mode == "max":
            grad = (a_slice == np.max(a_slice) if mask is None else mask(a_slice)) * dA[i, h, w, c]
        else:
            grad = np.ones((f, f)) * dA[i, h, w, c] / (f * f if share is None else share(f, n_H, n_W))
        if add:
            dA_prev[window] += grad
        else:
            dA_prev[window] = grad
    return dA_prev


@mistake("pool_backward", 'max and average were swapped (the mask for mode="average", the even share for "max")',
         feedback=["pool_backward: dA_prev[1, 1] has wrong values",
                   "got dA_prev[1, 1] = [[ 0.0849,  0.2788],"])
def pool_backward_modes_swapped(dA, cache, mode="max"):
    return _pool_backward(dA, cache, {"max": "average", "average": "max"}.get(mode, mode))


@mistake("pool_backward", "the max mask was taken over all channels of the window (A_prev[i, vs:ve, hs:he] without c)",
         feedback=["pool_backward: dA_prev[1, 1] has wrong values",
                   "got dA_prev[1, 1] = [[0.    , 0.    ],"])
def pool_backward_mask_across_channels(dA, cache, mode="max"):
    if mode != "max":
        return _pool_backward(dA, cache, mode)
    A_prev, hparameters = cache
    f, s = hparameters["f"], hparameters["stride"]
    dA_prev = np.zeros(A_prev.shape)
    for i, h, w, c in np.ndindex(*dA.shape):
        window = A_prev[i, h * s:h * s + f, w * s:w * s + f]  # (f, f, n_C): every channel
        dA_prev[i, h * s:h * s + f, w * s:w * s + f] += (window == window.max()) * dA[i, h, w, c]
    return dA_prev


@mistake("pool_backward", "only the first of several tied maxima gets the gradient (np.argmax)",
         feedback=["pool_backward: dA_prev has wrong values",
                   "smallest failing input: A_prev.shape=(1, 2, 2, 1), f=2, stride=1, dA.shape=(1, 1, 1, 1), "
                   "mode='max'",
                   "first difference at dA_prev[0, 0, 1, 0]: got 0.0, expected 1.0"])
def pool_backward_argmax(dA, cache, mode="max"):
    return _pool_backward(dA, cache, mode, mask=_first_max)


@mistake("pool_backward", "the average's gradient was not divided by f*f",
         feedback=["pool_backward: dA_prev has wrong values",
                   "smallest failing input: A_prev.shape=(1, 2, 2, 1), f=2, stride=1, dA.shape=(1, 1, 1, 1), "
                   "mode='average'",
                   "first difference at dA_prev[0, 0, 0, 0]: got 1.0, expected 0.25",
                   "first difference at dA_prev[1, 1][0, 0]: got 0.3394184996, expected 0.08485462"])
def pool_backward_average_undivided(dA, cache, mode="max"):
    return _pool_backward(dA, cache, mode, share=lambda f, n_H, n_W: 1)


@mistake("pool_backward", "the average's gradient was spread over dA's (n_H, n_W) instead of the window's (f, f)",
         feedback=["pool_backward: dA_prev has wrong values",
                   "smallest failing input: A_prev.shape=(1, 1, 2, 1), f=1, stride=1, dA.shape=(1, 1, 2, 1), "
                   "mode='average'",
                   "first difference at dA_prev[0, 0, 0, 0]: got 0.5, expected 1.0"])
def pool_backward_average_output_shape(dA, cache, mode="max"):
    return _pool_backward(dA, cache, mode, share=lambda f, n_H, n_W: n_H * n_W)


@mistake("pool_backward", "dA_prev[window] was assigned (=) instead of accumulated (+=)",
         feedback=["pool_backward: dA_prev has wrong values",
                   "hint: dA_prev[i, h*stride:h*stride+f, w*stride:w*stride+f, c] += the window's gradient: when "
                   "stride < f, neighbouring windows share pixels, and each adds its part (+=); none replaces "
                   "another's (=)"])
def pool_backward_assign(dA, cache, mode="max"):
    return _pool_backward(dA, cache, mode, add=False)


@mistake("pool_backward", "the windows start at h and w instead of h*stride and w*stride",
         feedback=["pool_backward: dA_prev has wrong values",
                   "smallest failing input: A_prev.shape=(1, 1, 3, 1), f=1, stride=2, dA.shape=(1, 1, 2, 1), "
                   "mode='max'"])
def pool_backward_no_stride(dA, cache, mode="max"):
    return _pool_backward(dA, cache, mode, step=1)


@mistake("pool_backward", "f and stride were read in the dict's order (hparameters.values()), not by name",
         diagnose=False,  # with f and stride swapped, the loops raise
         feedback=["with hparameters={'stride': 2, 'f': 1}",
                   'hint: read them by name, hparameters["f"] and hparameters["stride"]: the course builds the dict '
                   'stride first'])
def pool_backward_by_position(dA, cache, mode="max"):
    return _pool_backward(dA, cache, mode, hp=lambda hparameters: tuple(hparameters.values()))
