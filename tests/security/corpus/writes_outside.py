"""Try to overwrite the reference, the graders and course.toml wherever they might be, and to leave files
behind (in /tmp, /dev/shm, the working directory) for a later exercise or another submission.

level: namespaces
status: failed
feedback: X_pad is None
"""
import os
import sys

EVIL = "def zero_pad(X, pad):\n    return X\n"


def zero_pad(X, pad):
    for folder in ["/work/main", os.getcwd(), *sys.path, "/tmp", "/dev/shm", "/"]:
        for rel in ("reference/week1/padding.py", "graders/week1/padding.py", "course.toml", "week1/padding.py",
                    "planted-MARKER.txt"):
            try:
                with open(os.path.join(folder, rel), "w") as f:
                    f.write(EVIL)
                print("wrote", os.path.join(folder, rel))
            except OSError:
                pass
    return None
