"""Ignore SIGXFSZ, write 200 MB to stdout and stderr swallowing the errors, then return the right answer.

status: error
feedback: output limit of 16 MiB exceeded
"""
import os
import signal


def zero_pad(X, pad):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    chunk = b"B" * (1 << 20)
    for _ in range(100):
        for fd in (1, 2):
            try:
                os.write(fd, chunk)
            except OSError:
                pass
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
