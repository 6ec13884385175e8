"""A throwaway virtualenv where convgrade is installed from its wheel, as a student or instructor gets it.

Installing the pinned packages from the network takes minutes, so the venv borrows them: every entry of the
running venv's site-packages is hard-linked into the new one, except convgrade itself (the editable install
of this checkout, its .pth finder included). Then the wheel goes in with pip, ``--no-deps``. What runs there
cannot see this repository: ``convgrade.__file__`` is inside the new venv. ``shared`` makes one such venv per
wheel for the whole test run (its xdist workers too): the tests only run what is installed there.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from convgrade.wheel import engine_wheel

MINE = ("convgrade", "convgrade-*", "__editable__*convgrade*", "__pycache__")
RUN = "CONVGRADE_TEST_RUN"  # a folder for the whole test run, which conftest makes before xdist starts its workers


def make(folder: Path, wheel: Path | None = None) -> Path:
    """The venv's bin/ folder, with ``course`` installed from ``wheel`` (default: the wheel of this checkout)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    site = folder / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    shutil.rmtree(site)
    try:
        shutil.copytree(sysconfig.get_paths()["purelib"], site, ignore=shutil.ignore_patterns(*MINE),
                        copy_function=os.link, symlinks=True)
    except OSError as e:  # another filesystem: hard links cannot cross it
        pytest.skip(f"cannot hard-link the pinned packages into {folder}: {e}")
    python = folder / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--no-index", str(wheel or engine_wheel())], check=True, cwd=folder)
    return folder / "bin"


def shared(wheel: Path) -> Path:
    """bin/ of a venv where ``wheel`` is installed, made once per test run and wheel (the same bytes: the same
    venv), under a lock, so that a test on another xdist worker waits for it rather than making another."""
    folder = Path(os.environ[RUN]) / f"venv-{hashlib.sha256(wheel.read_bytes()).hexdigest()[:16]}"
    with open(folder.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / "made").exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a test stopped while making it left
            make(folder, wheel)
            (folder / "made").touch()
    return folder / "bin"


def clean_env() -> dict[str, str]:
    """This process's environment without PYTHONPATH or a virtualenv, so nothing points at this checkout."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
