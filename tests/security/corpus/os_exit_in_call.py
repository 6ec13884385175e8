"""os._exit(3) in the call: the process ends at once, without unwinding.

status: error
feedback: your code ended the process (exit status 3)
"""
import os


def zero_pad(X, pad):
    os._exit(3)
