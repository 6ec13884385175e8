"""Realistic wrong answers to lesson 1.9, each with the feedback lines it must produce.

They share ``_pool``, the course's loops with the knobs students get wrong (sizes, step, reduction).
"""
import numpy as np

from convgrade import mistake


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
        A[i, h, w] = reduce(A_prev[i, h * step:h * step + f, w * step:w * step + f])  # (f, f, n_C) -> (n_C,)
    return A


def _reduce(mode):
    """The correct reduction of a window (f, f, n_C) to (n_C,); ValueError for an unknown mode."""
    if mode == "max":
        return lambda window: window.max(axis=(0, 1))
    if mode == "average":
        return lambda window: window.mean(axis=(0, 1))
    raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")


@mistake("pool_forward", "the stride was ignored (windows stepped by 1, n_H = n_H_prev - f + 1)",
         feedback=['pool_forward: A has the wrong shape (mode="max")',
                   "smallest failing input: A_prev.shape=(1, 1, 2, 1), f=1, stride=2",
                   "got (1, 1, 2, 1), expected (1, 1, 1, 1)"])
def pool_forward_no_stride(A_prev, hparameters, mode="max"):
    return _pool(A_prev, hparameters["f"], 1, _reduce(mode)), (A_prev, hparameters)


@mistake("pool_forward", "the +1 is missing from n_H = floor((n_H_prev - f) / stride) + 1",
         feedback=['pool_forward: A has the wrong shape (mode="max")',
                   "smallest failing input: A_prev.shape=(1, 1, 1, 1), f=1, stride=1",
                   "got (1, 0, 0, 1), expected (1, 1, 1, 1)"])
def pool_forward_no_plus_one(A_prev, hparameters, mode="max"):
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = (A_prev.shape[1] - f) // stride, (A_prev.shape[2] - f) // stride
    return _pool(A_prev, f, stride, _reduce(mode), n_H, n_W), (A_prev, hparameters)


@mistake("pool_forward", "n_W was computed from n_H_prev (H and W mixed up)",
         feedback=['pool_forward: A has the wrong shape (mode="max")',
                   "smallest failing input: A_prev.shape=(1, 1, 2, 1), f=1, stride=1",
                   "got (1, 1, 1, 1), expected (1, 1, 2, 1)"])
def pool_forward_width_from_height(A_prev, hparameters, mode="max"):
    f, stride = hparameters["f"], hparameters["stride"]
    n = _size(A_prev.shape[1], f, stride)
    return _pool(A_prev, f, stride, _reduce(mode), n, n), (A_prev, hparameters)


@mistake("pool_forward", "the windows start at h and w instead of h*stride and w*stride",
         feedback=['pool_forward: A has wrong values (mode="max")',
                   "smallest failing input: A_prev.shape=(1, 1, 3, 1), f=1, stride=2",
                   "first difference at A[0, 0, 1, 0]: got 0.0, expected 1.0"])
def pool_forward_start_at_h(A_prev, hparameters, mode="max"):
    return _pool(A_prev, hparameters["f"], hparameters["stride"], _reduce(mode), step=1), (A_prev, hparameters)


@mistake("pool_forward", "the loops run over range(n_H - f) instead of range(n_H): A's last rows and columns were "
         "never pooled", feedback=["pool_forward: A has wrong values (mode=\"max\")"])
def pool_forward_loops_short(A_prev, hparameters, mode="max"):
    A = _pool(A_prev, hparameters["f"], hparameters["stride"], _reduce(mode))
    f, (n_H, n_W) = hparameters["f"], A.shape[1:3]
    A[:, max(n_H - f, 0):] = 0
    A[:, :, max(n_W - f, 0):] = 0
    return A, (A_prev, hparameters)


@mistake("pool_forward", "the window ends at vert_start + stride, not vert_start + f (a stride x stride window)",
         feedback=["pool_forward: A has wrong values (mode=\"max\")"])
def pool_forward_window_of_stride(A_prev, hparameters, mode="max"):
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = _size(A_prev.shape[1], f, stride), _size(A_prev.shape[2], f, stride)
    return _pool(A_prev, stride, stride, _reduce(mode), n_H, n_W), (A_prev, hparameters)


@mistake("pool_forward", "the output size was rounded up (ceil) instead of down: n_H = floor((n_H_prev - f) / stride) "
         "+ 1, and the last window ran past the edge",
         feedback=["pool_forward: raised ValueError: zero-size array to reduction operation maximum which has no "
                   "identity"])
def pool_forward_size_rounded_up(A_prev, hparameters, mode="max"):
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = (-(-(A_prev.shape[i] - f) // stride) + 1 for i in (1, 2))
    return _pool(A_prev, f, stride, _reduce(mode), n_H, n_W), (A_prev, hparameters)


@mistake("pool_forward", "np.max (or np.mean) reduced the (f, f, n_C) window over axes (1, 2): its spatial axes are "
         "(0, 1)", feedback=["pool_forward: A has wrong values (mode=\"max\")"])
def pool_forward_reduced_wrong_axes(A_prev, hparameters, mode="max"):
    reduce = {"max": np.max, "average": np.mean}[mode]
    return _pool(A_prev, hparameters["f"], hparameters["stride"], lambda window: reduce(window, axis=(1, 2))), \
        (A_prev, hparameters)


@mistake("pool_forward", 'max and average were swapped (mode == "max" took the mean, "average" the max)',
         feedback=["pool_forward: A has wrong values (mode=\"max\")"])
def pool_forward_modes_swapped(A_prev, hparameters, mode="max"):
    other = {"max": "average", "average": "max"}.get(mode, mode)
    return _pool(A_prev, hparameters["f"], hparameters["stride"], _reduce(other)), (A_prev, hparameters)


@mistake("pool_forward", "A is float32 (np.zeros(..., dtype=np.float32)): keep A_prev's float64",
         feedback=["pool_forward: A has dtype float32, expected float64 (mode=\"max\")"])
def pool_forward_float32(A_prev, hparameters, mode="max"):
    A = _pool(A_prev, hparameters["f"], hparameters["stride"], _reduce(mode))
    return A.astype(np.float32), (A_prev, hparameters)


@mistake("pool_forward", "the average is the window's sum, not its mean",
         feedback=['pool_forward: A has wrong values (mode="average")',
                   "first difference at A[0, 0, 0, 0]: got 4.0, expected 1.0",
                   "pool_forward: max-pool gave less than average-pool",
                   'at A[0, 0, 0, 0]: 1.0 (mode="max") < 4.0 (mode="average")'])
def pool_forward_sum(A_prev, hparameters, mode="max"):
    reduce = (lambda window: window.sum(axis=(0, 1))) if mode == "average" else _reduce(mode)
    return _pool(A_prev, hparameters["f"], hparameters["stride"], reduce), (A_prev, hparameters)


@mistake("pool_forward", "each window was divided in place (window /= f*f): a slice of A_prev is a view, so this "
                         "changed A_prev and the windows that overlap it",
         feedback=['pool_forward: A has wrong values (mode="average")',
                   "pool_forward: modified its input A_prev in place"])
def pool_forward_divide_in_place(A_prev, hparameters, mode="max"):
    f = hparameters["f"]

    def mean_in_place(window):
        window /= f * f
        return window.sum(axis=(0, 1))

    reduce = mean_in_place if mode == "average" else _reduce(mode)
    return _pool(A_prev, f, hparameters["stride"], reduce), (A_prev, hparameters)


@mistake("pool_forward", "each window was pooled over all its channels (A_prev[i, vert, horiz, :]) instead of "
                         "one channel c at a time",
         feedback=['pool_forward: A has wrong values (mode="max")',
                   "got A = [[[[1., 1.]]]]", "expected A = [[[[0., 1.]]]]",
                   'pool_forward: channel 0 of A depends on the other channels (mode="max")',
                   "A[0, 0, 0, 0] = 1.0, but pooling A_prev[..., 0:1] alone gives 0.0"])
def pool_forward_all_channels(A_prev, hparameters, mode="max"):
    reduce = {"max": np.max, "average": np.mean}[mode]  # a scalar per window, copied to every channel
    return _pool(A_prev, hparameters["f"], hparameters["stride"], reduce), (A_prev, hparameters)


@mistake("pool_forward", 'mode was compared with "avg", so "average" (and any unknown mode) fell back to max',
         feedback=['pool_forward: A has wrong values (mode="average")',
                   "first difference at A[0, 0, 0, 0]: got 2.0, expected 1.75",
                   "pool_forward: pool_forward(A_prev, {'f': 2, 'stride': 2}, mode='min') returned a tuple of 2 "
                   "items, expected it to raise ValueError"])
def pool_forward_avg_string(A_prev, hparameters, mode="max"):
    reduce = _reduce("average" if mode == "avg" else "max")
    return _pool(A_prev, hparameters["f"], hparameters["stride"], reduce), (A_prev, hparameters)


@mistake("pool_forward", "an unknown mode fell through the if/elif and left A as zeros",
         feedback=["pool_forward: pool_forward(A_prev, {'f': 2, 'stride': 2}, mode='min') returned a tuple of 2 "
                   "items, expected it to raise ValueError"])
def pool_forward_no_else(A_prev, hparameters, mode="max"):
    reduce = _reduce(mode) if mode in ("max", "average") else (lambda window: 0.0)
    return _pool(A_prev, hparameters["f"], hparameters["stride"], reduce), (A_prev, hparameters)


@mistake("pool_forward", "the cache is (A_prev) without hparameters: (A_prev) is just A_prev, not a tuple",
         feedback=["pool_forward: cache is an ndarray of shape (1, 1, 1, 1), expected a tuple (A_prev, hparameters)"])
def pool_forward_cache_without_hparameters(A_prev, hparameters, mode="max"):
    return _pool(A_prev, hparameters["f"], hparameters["stride"], _reduce(mode)), (A_prev)


@mistake("pool_forward", "f and stride were read by position (f, stride = hparameters.values()), not by name",
         feedback=["the course's example: np.random.seed(1); A_prev = np.random.randn(2, 5, 5, 3); "
                   'hparameters = {"stride": 1, "f": 3}',
                   "got (2, 2, 2, 3), expected (2, 3, 3, 3)",
                   'pool_forward: A changes with the order of the keys in hparameters (mode="max")',
                   "hparameters = {'f': 1, 'stride': 2} gives A.shape=(1, 1, 1, 1)",
                   "hparameters = {'stride': 2, 'f': 1} gives A.shape=(1, 0, 0, 1)"])
def pool_forward_by_position(A_prev, hparameters, mode="max"):
    f, stride = hparameters.values()
    return _pool(A_prev, f, stride, _reduce(mode)), (A_prev, hparameters)
