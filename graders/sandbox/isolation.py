"""Isolation of a worker, applied in the forked child before any student code runs.

``namespaces`` (Linux, as root): new mount, network, IPC and UTS namespaces; the course folder, the
graders, the original submission's folder and the grading output replaced by read-only tmpfs that hold
only what the worker needs (its Python, its copy of the submission, its scratch folder); a
private /proc that shows only the worker's own processes; then an unprivileged uid of its own, with a
process limit. ``process``: resource limits only. Loaded by path in the zygote; imports no ``graders``.
"""
from __future__ import annotations

import ctypes
import os
import resource
import stat
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x04000000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 0x4000, 0x40000
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: None if s is None else s.encode())
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def available() -> str:
    """The strongest level this process can apply to its children."""
    if os.geteuid() != 0:
        return "process"
    pid = os.fork()
    if pid == 0:
        try:
            unshare(CLONE_NEWNS | CLONE_NEWNET)
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return "namespaces" if os.waitstatus_to_exitcode(status) == 0 else "process"


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _traversable(path: str) -> bool:
    """Whether an unprivileged uid ("other") may pass through this folder."""
    try:
        return bool(os.stat(path).st_mode & stat.S_IXOTH)
    except OSError:
        return True


def _replace(folder: str, keep: list[str]) -> None:
    """Mount an empty tmpfs over ``folder``, then bind back only its entries that lead to a kept path."""
    entries = {p[len(folder.rstrip(os.sep)) + 1:].split(os.sep)[0] for p in keep if _inside(p, folder) and p != folder}
    fds = {name: os.open(os.path.join(folder, name), os.O_PATH) for name in entries
           if os.path.lexists(os.path.join(folder, name))}
    mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    for name, fd in fds.items():
        target = os.path.join(folder, name)
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.mkdir(target)
        else:
            open(target, "w").close()
        mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
        os.close(fd)
    mount(None, folder, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def make_view(hide: list[str], keep: list[str]) -> None:
    """Hide ``hide`` (keeping what leads to ``keep``) and open up folders the worker's uid could not pass
    on its way to ``keep`` (e.g. a Python installed under /root). Top-down, so replaced folders nest."""
    blocked = {a for k in keep for a in _ancestors(k) if not _traversable(a)}
    for folder in sorted({os.path.realpath(h) for h in hide} | blocked, key=lambda p: p.count(os.sep)):
        if folder in keep or not os.path.lexists(folder):
            continue
        if os.path.isdir(folder):
            _replace(folder, keep)
        else:
            mount("/dev/null", folder, None, MS_BIND)


def _ancestors(path: str) -> list[str]:
    parts = path.strip(os.sep).split(os.sep)
    return [os.sep + os.sep.join(parts[:i]) for i in range(1, len(parts))]


def apply(cfg: dict) -> None:
    """Enter the configured isolation level and set the resource limits; irreversible."""
    if cfg["isolation"] == "namespaces":
        unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        make_view(cfg["hide"], keep=[cfg["root"], cfg["cwd"], *(p for p in sys.path if os.path.isdir(p))])
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
        uid = cfg["uid"]
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (cfg["nproc"], cfg["nproc"]))
    for name, value in cfg["limits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
