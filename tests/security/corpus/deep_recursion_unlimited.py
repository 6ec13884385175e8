"""Unbounded recursion after lifting Python's recursion limit: the C stack overflows (or memory runs out).

status: error
feedback: your code crashed the process (segmentation fault)
"""
import sys


def _down(n):
    return sorted([n], key=lambda v: _down(v + 1))  # every level goes through C, so the C stack grows


def zero_pad(X, pad):
    sys.setrecursionlimit(10**8)
    return _down(0)
