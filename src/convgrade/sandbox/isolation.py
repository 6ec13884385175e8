"""Isolation of a worker, applied in the forked child before any student code runs.

``namespaces`` (Linux, as root): new mount, network, IPC and UTS namespaces, and a new root filesystem that
holds only what the worker needs: the system folders and Python (read-only), its copy of the submission
(read-only), and fresh size-limited tmpfs for its scratch folder, /tmp and /dev/shm. Nothing else exists
there: not the course, the reference, the graders, other submissions or the grading output. /proc shows
only the worker's own processes; then it becomes an unprivileged uid of its own, with a process limit.
``user-namespaces`` (Linux, any user where unprivileged user namespaces are allowed): the same filesystem,
network, IPC and UTS namespaces, entered through a new user namespace, plus a new PID namespace: the worker
can neither see nor signal any process outside it, the grader among them, though it runs under the grader's
uid (as root, under a uid of its own). It drops every capability and may gain none (no_new_privs).
``process``: resource limits only, on a worker forked by the zygote (POSIX). ``portable``: a fresh Python per
worker, its time limits kept by the grader and its memory limited where the system can (``portable.py``); the
automatic choice only where the others are missing (Windows, or no ``fork``/``resource``).
``KNOWN`` lists every level, ``levels()`` those this machine provides.
The worker tells the grader what it entered (``entered``): its namespaces, ids, capabilities and limits.
Loaded by path in the zygote; imports no ``graders``.
"""
from __future__ import annotations

import ctypes
import os
import platform
import signal
import sys

try:
    import resource
except ImportError:  # Windows (or a grader that forces the portable level): only that level is available
    resource = None

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x04000000, 0x08000000, 0x40000000
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
NAMESPACES = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 0x4000, 0x40000
MNT_DETACH = 2
LOCKED = 1 | 2 | 4 | 8 | 1024 | 2048 | 4096  # read-only, nosuid, nodev, noexec, noatime, nodiratime, relatime
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS = 4, 38, 39
CAPABILITY_VERSION_3 = 0x20080522
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")
KNOWN = ("namespaces", "user-namespaces", "process", "portable")  # every level there is, strongest first
NAMESPACE_NAMES = ("mnt", "net", "ipc", "uts", "pid", "user")
TMPFS = 64 << 20  # size of each private tmpfs (scratch, /tmp, /dev/shm), bytes
try:
    _libc = ctypes.CDLL(None, use_errno=True)
except (OSError, TypeError):  # Windows: no C library by that name, and no level here that needs it
    _libc = None


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: None if s is None else s.encode())
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), "prctl")


def levels() -> list[str]:
    """Every level this process can apply to its children, strongest first."""
    return [level for level in KNOWN if not missing(level)]


def missing(level: str) -> str:
    """What this machine lacks to apply ``level`` (one of ``KNOWN``) to this process's children; "" if nothing."""
    if level == "portable":
        return ""
    if not hasattr(os, "fork") or resource is None or not sys.platform.startswith("linux"):  # the zygote needs
        # fork, rlimits, /proc, prctl and SOCK_SEQPACKET: Linux (macOS and Windows grade at the portable level)
        return (f"os.fork, the resource module and Linux's /proc (this is {platform.system()} on "
                f"{platform.machine()}; the portable level works here)")
    if level == "process":
        return ""
    if platform.machine() not in SYS_PIVOT_ROOT:
        return f"Linux namespaces (this is {platform.system()} on {platform.machine()})"
    if level == "namespaces":
        if os.geteuid() != 0:
            return f"root (this process runs as uid {os.geteuid()}; for any other user there is user-namespaces)"
        failed = _probe(lambda: unshare(NAMESPACES))
        return failed and f"permission to create mount, network, IPC and UTS namespaces ({failed})"
    failed = _probe(_enter_user_namespace)
    return failed and (f"unprivileged user namespaces ({failed}; see the sysctls user.max_user_namespaces, "
                       "kernel.unprivileged_userns_clone and kernel.apparmor_restrict_unprivileged_userns)")


def _probe(enter) -> str:
    """Why a child cannot ``enter`` its namespaces and make its mounts private there; "" when it can."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            enter()
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            os._exit(0)
        except BaseException as exc:  # noqa: BLE001
            os.write(write, str(exc).encode(errors="replace")[:500])
            os._exit(1)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    os.set_blocking(read, False)  # what the child wrote is there now; a process forked meanwhile may hold the pipe
    try:
        said = os.read(read, 1000).decode(errors="replace")
    except BlockingIOError:
        said = ""
    finally:
        os.close(read)
    return "" if os.waitstatus_to_exitcode(status) == 0 else said or f"exit status {status}"


def namespaces() -> dict[str, str]:
    """This process's namespaces as the kernel names them (``{"net": "net:[4026531840]", ...}``); {} without /proc."""
    found = {}
    for name in NAMESPACE_NAMES:
        try:
            found[name] = os.readlink(f"/proc/self/ns/{name}")
        except OSError:
            pass
    return found


def entered(ns: dict[str, str], limits: list[str]) -> dict:
    """What this process is in after ``apply`` (its namespaces ``ns`` as ``apply`` read them), as the kernel
    says: the worker sends it to the grader before it runs any student code."""
    header, data = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0), (ctypes.c_uint32 * 6)()
    _check(_libc.capget(header, data), "capget")
    return {"namespaces": ns, "ids": [*os.getresuid(), *os.getresgid()], "groups": os.getgroups(),
            "capabilities": [data[i] | data[i + 3] << 32 for i in range(3)],  # effective, permitted, inheritable
            "no_new_privs": _libc.prctl(ctypes.c_int(PR_GET_NO_NEW_PRIVS), ctypes.c_ulong(0), ctypes.c_ulong(0),
                                        ctypes.c_ulong(0), ctypes.c_ulong(0)),
            "limits": {name: list(resource.getrlimit(getattr(resource, name))) for name in [*limits, "RLIMIT_NPROC"]}}


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _bind(source: str, new: str, *, writable: bool = False, device: bool = False) -> None:
    """Bind ``source`` at the same path under the new root ``new``, read-only unless ``writable``."""
    target = new + source
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(source, target, None, MS_BIND | MS_REC)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (0 if device else MS_NODEV) | (0 if writable else MS_RDONLY)
    flags |= os.statvfs(target).f_flag & LOCKED  # in a user namespace these cannot be cleared, only kept
    mount(None, target, None, flags)


def _tmpfs(target: str, mode: int, size: int = TMPFS, owner: int | None = None) -> None:
    os.makedirs(target, exist_ok=True)
    data = f"size={size},mode={mode:o}" + (f",uid={owner},gid={owner}" if owner is not None else "")
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, data)


def _system(new: str, python: list[str]) -> None:
    """The system folders (symlinks kept as symlinks) and Python's own folders, read-only."""
    done: list[str] = []
    for path in [*SYSTEM, *sorted(set(python))]:
        if not os.path.lexists(path) or any(_inside(path, d) for d in done):
            continue
        if os.path.islink(path) and path in SYSTEM:  # e.g. /lib -> usr/lib on a merged /usr
            os.symlink(os.readlink(path), new + path)
        else:
            _bind(os.path.realpath(path), new)
            if os.path.realpath(path) != path:
                _bind(path, new)
        done.append(path)


def _dev(new: str) -> None:
    _tmpfs(new + "/dev", 0o755, size=1 << 16)
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            _bind("/dev/" + name, new, writable=True, device=True)
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{i}", f"{new}/dev/{name}")
    os.symlink("/proc/self/fd", new + "/dev/fd")
    _tmpfs(new + "/dev/shm", 0o1777)


def pivot_root(new: str) -> None:
    """Make ``new`` the root and detach the old one entirely."""
    os.chdir(new)
    number = SYS_PIVOT_ROOT[platform.machine()]
    _check(_libc.syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", ctypes.c_int(MNT_DETACH)), "umount old root")
    os.chdir("/")


def new_root(cfg: dict) -> None:
    """Build the worker's whole filesystem in a tmpfs at ``cfg["newroot"]`` and switch to it."""
    new, uid = cfg["newroot"], cfg["uid"]
    mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    _tmpfs(new + "/tmp", 0o1777)  # first: Python itself may live under /tmp (a checkout's .venv), bound on top
    _system(new, [p for p in sys.path if os.path.isdir(p)])
    _dev(new)
    _bind(cfg["root"], new)
    _tmpfs(new + cfg["cwd"], 0o700, owner=uid)
    os.makedirs(new + "/proc")
    try:
        mount("proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV, "hidepid=2")
    except OSError:  # a container may forbid a new procfs in a user namespace: then the worker has no /proc
        if cfg["isolation"] == "namespaces":
            raise
    pivot_root(new)
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def apply(cfg: dict) -> dict[str, str]:
    """Enter the configured isolation level and set the resource limits, irreversibly; the namespaces entered,
    read as soon as they are (the new root may have no /proc to read them from later)."""
    level = cfg["isolation"]
    if level not in KNOWN:
        raise ValueError(f"unknown isolation level {level!r}")
    ns = {}
    if level == "namespaces":
        unshare(NAMESPACES)
        ns = namespaces()
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        new_root(cfg)
        uid = cfg["uid"]
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (cfg["nproc"], cfg["nproc"]))
    elif level == "user-namespaces" and os.geteuid() != 0:
        budget = _tasks_of(os.getuid()) + cfg["nproc"]  # counted before /proc shows only the new namespace
        _enter_user_namespace()
        _init_and_worker()  # returns in the worker, pid 2 of the new PID namespace
        ns = namespaces()
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        new_root(cfg)
        _drop_capabilities()
        resource.setrlimit(resource.RLIMIT_NPROC, (budget, budget))
    elif level == "user-namespaces":  # root, testing this level: its Python may be where the worker's uid
        unshare(NAMESPACES)  # cannot look (/root), so the filesystem is built first, then the uid changes
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        new_root(cfg)
        os.setgroups([])
        os.setresgid(cfg["uid"], cfg["uid"], cfg["uid"])
        os.setresuid(cfg["uid"], cfg["uid"], cfg["uid"])
        _enter_user_namespace()
        _init_and_worker()
        ns = namespaces()
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV, "hidepid=2")  # this PID namespace's own
        _drop_capabilities()
        resource.setrlimit(resource.RLIMIT_NPROC, (cfg["nproc"], cfg["nproc"]))
    elif os.geteuid() != 0:  # the uid is shared with the grader: bound the worker's new processes only
        budget = _tasks_of(os.getuid()) + cfg["nproc"]
        soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        if hard == resource.RLIM_INFINITY or budget < hard:
            resource.setrlimit(resource.RLIMIT_NPROC, (budget, budget))
    for name, value in cfg["limits"].items():
        # the CPU limit's soft side sends SIGXCPU (a clear message); at the hard side, a second later, SIGKILL
        resource.setrlimit(getattr(resource, name), (value, value + (name == "RLIMIT_CPU")))
    return ns or namespaces()


def _enter_user_namespace() -> None:
    """New user (this uid and gid, mapped to themselves), PID, mount, network, IPC and UTS namespaces."""
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER | CLONE_NEWPID | NAMESPACES)
    prctl(PR_SET_DUMPABLE, 1)  # /proc/self of an undumpable process belongs to root: its maps are not ours
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w", encoding="ascii") as f:
            f.write(text)
    prctl(PR_SET_DUMPABLE, 0)


def _init_and_worker() -> None:
    """Fork the new PID namespace's init, which forks the worker; return in the worker.

    This process stays outside the namespace and ends as the worker ended (same exit status or signal),
    so the grader sees one worker whatever the level. The init reaps orphans and ends when the worker
    does, and the kernel then kills whatever is left in the namespace. Neither runs student code."""
    read, write = os.pipe()
    init = os.fork()
    if init == 0:
        os.close(read)
        worker = os.fork()
        if worker == 0:
            os.close(write)
            os.setsid()  # its own session and process group, as at the other levels
            return
        close_fds_except({write})
        while True:
            pid, status = os.waitpid(-1, 0)
            if pid == worker:
                os.write(write, str(status).encode())
                os._exit(0)
    os.close(write)
    close_fds_except({read})
    data = os.read(read, 32)
    _, status = os.waitpid(init, 0)
    _end_as(int(data) if data else status)


def _end_as(status: int) -> None:
    """Exit with the exit status, or die of the signal, that the raw wait ``status`` describes."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if sig != signal.SIGKILL:  # its action cannot be set (nor blocked): it is always the default
                signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
            os.kill(os.getpid(), sig)
        finally:
            os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status))


def close_fds_except(keep: set[int]) -> None:
    """Close every descriptor but those in ``keep``, without reading /proc (a worker may be remounting it)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    start = 0
    for fd in [*sorted(keep), hard if 0 < hard < 1 << 30 else 1 << 30]:  # RLIM_INFINITY does not fit a C int
        if start < fd:  # closerange(n, n) would close every descriptor from n up (close_range(n, n - 1))
            os.closerange(start, fd)
        start = fd + 1


def _drop_capabilities() -> None:
    """No capability in any set, and none to gain by exec (the user namespace gave a full set)."""
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, data), "capset")
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def _tasks_of(uid: int) -> int:
    """Threads of all processes of ``uid`` (what RLIMIT_NPROC counts)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "-1 ").split()[0]) == uid:
            total += int(fields.get("Threads", "1"))
    return total
