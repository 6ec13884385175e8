"""KeyboardInterrupt from the call, as if Ctrl-C had been pressed.

status: failed
feedback: raised KeyboardInterrupt
"""


def zero_pad(X, pad):
    raise KeyboardInterrupt
