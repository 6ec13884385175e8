"""Realistic wrong answers to lesson 1.4, each with the feedback lines it must produce."""
import numpy as np

from convgrade import mistake


@mistake("zero_pad", "every axis was padded, batch and channels too",
         feedback=["zero_pad: X_pad has the wrong shape", "got (3, 3, 3, 3), expected (1, 3, 3, 1)"])
def zero_pad_all_axes(X, pad):
    return np.pad(X, pad)


@mistake("zero_pad", "only one side of H and W was padded",
         feedback=["zero_pad: X_pad has the wrong shape", "got (1, 2, 2, 1), expected (1, 3, 3, 1)"])
def zero_pad_one_side(X, pad):
    return np.pad(X, ((0, 0), (0, pad), (0, pad), (0, 0)))


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
