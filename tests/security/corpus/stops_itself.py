"""SIGSTOP to itself: the worker freezes and never answers.

status: timeout
feedback: time limit of 2 s exceeded by one call of zero_pad
"""
import os
import signal


def zero_pad(X, pad):
    os.kill(os.getpid(), signal.SIGSTOP)
