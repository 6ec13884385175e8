"""Headless Chromium, for the HTML report's tests and the README's screenshot: find it, run it, nothing else.

Each run gets a new empty profile and no network features (no sync, no updates, no QUIC, no background fetches).
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--mute-audio")


def find(install: bool = False, timeout: float = 900) -> str | None:
    """The path of Chromium; with ``install`` and as root, Debian's ``chromium`` package is installed first
    when it is missing (one install at a time: parallel test workers wait on a lock)."""
    found = next(filter(None, map(shutil.which, NAMES)), None)
    if found or not install or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return found
    with open(os.path.join(tempfile.gettempdir(), "convgrade-chromium.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "install", "-y", "-q", "chromium"], ["apt-get", "update", "-q"],
                    ["apt-get", "install", "-y", "-q", "chromium"]):  # the lists may be missing: update once
            if shutil.which("chromium"):
                break
            subprocess.run(cmd, env=env, capture_output=True, timeout=timeout, check=False)
    return next(filter(None, map(shutil.which, NAMES)), None)


def run(chromium: str, page: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Chromium on the file ``page`` with a fresh profile; ``args`` say what to produce."""
    with tempfile.TemporaryDirectory(prefix="convgrade-chromium-") as profile:
        cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", *args, Path(page).resolve().as_uri()]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def screenshot(chromium: str, page: Path, png: Path, *, width: int = 1000, height: int = 1400) -> None:
    """A PNG of the top ``width`` x ``height`` CSS pixels of the page."""
    done = run(chromium, page, f"--window-size={width},{height}", f"--screenshot={Path(png).resolve()}",
               "--virtual-time-budget=10000")
    if not Path(png).is_file():
        raise RuntimeError(f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}")


def dump_dom(chromium: str, page: Path) -> str:
    """The page's DOM after it loaded (and its scripts ran)."""
    done = run(chromium, page, "--dump-dom", "--virtual-time-budget=10000")
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return done.stdout
