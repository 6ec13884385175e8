"""Change the working directory, the environment, sys.path and the umask, and plant a fake numpy.

status: failed
feedback: X_pad is None
"""
import os
import sys


def zero_pad(X, pad):
    try:
        os.makedirs("/tmp/evil", exist_ok=True)
        with open("/tmp/evil/numpy.py", "w") as f:
            f.write("raise SystemExit('fake numpy')\n")
    except OSError:
        pass
    os.chdir("/")
    os.environ.update(PATH="/nonexistent", HOME="/", PYTHONPATH="/tmp/evil", OMP_NUM_THREADS="64",
                      HYPOTHESIS_STORAGE_DIRECTORY="/tmp/evil")
    sys.path.insert(0, "/tmp/evil")
    os.umask(0o777)
    return None
