"""Realistic wrong answers to lesson 1.4, each with the feedback lines it must produce."""
import numpy as np

from convgrade import mistake

_WRONG_AXES = ("np.pad's widths went to the wrong axes: they pair with X's axes (m, n_H, n_W, n_C), so pad the 2nd "
               "and 3rd only")


@mistake("zero_pad", "every axis was padded, batch and channels too",
         feedback=["zero_pad: X_pad has the wrong shape", "got (3, 3, 3, 3), expected (1, 3, 3, 1)"])
def zero_pad_all_axes(X, pad):
    return np.pad(X, pad)


@mistake("zero_pad", "only one side of H and W was padded",
         feedback=["zero_pad: X_pad has the wrong shape", "got (1, 2, 2, 1), expected (1, 3, 3, 1)"])
def zero_pad_one_side(X, pad):
    return np.pad(X, ((0, 0), (0, pad), (0, pad), (0, 0)))


@mistake("zero_pad", _WRONG_AXES,
         feedback=["zero_pad: X_pad has the wrong shape",
                   "got (10, 9, 3, 2), expected (4, 9, 9, 2)"])
def zero_pad_batch_axis(X, pad):
    widths = [(pad, pad), (pad, pad), (0, 0), (0, 0)]  # (m, n_H) padded: blank images join the batch
    return np.pad(X, widths)


@mistake("zero_pad", _WRONG_AXES,
         feedback=["zero_pad: X_pad has the wrong shape",
                   "got (4, 3, 9, 8), expected (4, 9, 9, 2)"])
def zero_pad_channels_first(X, pad):
    widths = [(0, 0), (0, 0), (pad, pad), (pad, pad)]  # the last two axes, as for an (m, n_C, n_H, n_W) batch
    return np.pad(X, widths)


@mistake("zero_pad", "X_pad is float32: keep X's dtype (np.pad does; np.zeros(..., dtype=np.float32) does not)",
         feedback=["zero_pad: X_pad has dtype float32, expected float64"])
def zero_pad_float32(X, pad):
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    return X_pad.astype(np.float32)


@mistake("zero_pad", "the padding was written into X itself", diagnose=False,
         feedback=["zero_pad: modified its input X in place"])
def zero_pad_in_place(X, pad):
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    X[...] = 0
    return X_pad


@mistake("conv_output_size", "the result is a float from true division",
         feedback=["conv_output_size: n_out is a float (1.0), expected an int", "return an int: int(...), or // for floor division"])
def conv_output_size_true_division(n, f, pad=0, stride=1):
    return (n + 2 * pad - f) / stride + 1


@mistake("conv_output_size", "the padding was counted once instead of on both sides",
         feedback=["conv_output_size: n_out is wrong", "got 2, expected 3"])
def conv_output_size_one_pad(n, f, pad=0, stride=1):
    return (n + pad - f) // stride + 1


@mistake("conv_output_size", "the stride was ignored",
         feedback=["conv_output_size: n_out is wrong", "got 2, expected 1"])
def conv_output_size_no_stride(n, f, pad=0, stride=1):
    return n + 2 * pad - f + 1


@mistake("conv_output_size", "the +1 went inside the floor division ((n + 2*pad - f + 1) // stride)",
         feedback=["conv_output_size: conv_output_size(n=7, f=3, pad=0, stride=2) is wrong",
                   "got 2, expected 3"])
def conv_output_size_one_inside(n, f, pad=0, stride=1):
    return (n + 2 * pad - f + 1) // stride


@mistake("same_padding", "an even f was not rejected",
         feedback=["same_padding: same_padding(2) returned an int (0), expected it to raise ValueError"])
def same_padding_no_check(f):
    return (f - 1) // 2


@mistake("same_padding", "the padding is f // 2 - 1",
         feedback=["same_padding: same_padding(1) is wrong", "got -1, expected 0"])
def same_padding_off_by_one(f):
    if f % 2 == 0:
        raise ValueError(f"f={f} is even")
    return f // 2 - 1


@mistake("same_padding", "the padding is returned as a float",
         feedback=["same_padding: same_padding(1) is a float (0.0), expected an int"])
def same_padding_float(f):
    if f % 2 == 0:
        raise ValueError(f"f={f} is even")
    return (f - 1) / 2
