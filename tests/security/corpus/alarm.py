"""signal.alarm(1) with the default action, then a sleep: SIGALRM ends the process.

status: error
feedback: your code ended the process (SIGALRM)
"""
import signal
import time


def zero_pad(X, pad):
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(1)
    time.sleep(5)
