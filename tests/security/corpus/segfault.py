"""A segmentation fault through ctypes.

status: error
feedback: your code crashed the process (segmentation fault)
"""
import ctypes


def zero_pad(X, pad):
    return ctypes.string_at(0)
