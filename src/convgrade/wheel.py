"""The running engine as a wheel, for a student bundle or a new course to install pinned (``vendor/*.whl``).

From a checkout (``pyproject.toml`` beside ``src/convgrade``) the wheel is built from a clean copy of it with
setuptools, so the checkout gets no ``build/`` folder. From an installed wheel, the installed files are packed
again (the files listed in the distribution's RECORD, byte for byte, with a new RECORD). Either way the wheel is
made once per process: a selftest releases every lesson.
"""
from __future__ import annotations

import atexit
import base64
import csv
import functools
import hashlib
import importlib.metadata
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .config import ConfigError

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent.parent  # src/convgrade -> the engine's checkout (pyproject.toml, requirements.lock)
NAME = "convgrade"
INSTALLED_ONLY = ("INSTALLER", "REQUESTED", "RECORD", "direct_url.json")  # pip writes these; a wheel has none


def version() -> str:
    try:
        return importlib.metadata.version(NAME)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(f"{NAME} is not installed (no package metadata): install it with pip (`make` in its "
                          "checkout) before releasing or starting a course") from None


def filename() -> str:
    return f"{NAME}-{version()}-py3-none-any.whl"


def is_checkout() -> bool:
    return (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "src" / NAME).resolve() == PACKAGE


@functools.cache
def engine_wheel() -> Path:
    """The wheel of the engine running now, in a temporary folder removed at exit; copy it where it is needed."""
    out = Path(tempfile.mkdtemp(prefix="convgrade-wheel-"))
    atexit.register(shutil.rmtree, out, True)
    made = _build(out) if is_checkout() else _repack(out)
    if made.name != filename():
        raise ConfigError(f"built {made.name}, expected {filename()}: the installed {NAME} ({version()}) is not "
                          f"the checkout's; reinstall it (`make` in {CHECKOUT})")
    return made


def _build(out: Path) -> Path:
    src = out / "src"
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".hypothesis")
    shutil.copytree(CHECKOUT / "src", src / "src", ignore=junk)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (CHECKOUT / name).is_file():
            shutil.copyfile(CHECKOUT / name, src / name)
    code = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    run = subprocess.run([sys.executable, "-c", code, str(out)], cwd=src, capture_output=True, text=True)
    if run.returncode != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-5:])
        raise ConfigError(f"{CHECKOUT}: building the {NAME} wheel failed:\n{tail}")
    shutil.rmtree(src)
    return out / run.stdout.strip().splitlines()[-1]


def _repack(out: Path) -> Path:
    """The installed distribution packed again as a wheel: its package files and its metadata, unchanged."""
    try:
        dist = importlib.metadata.distribution(NAME)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    files = [f for f in (dist.files or []) if f.parts[0] == NAME or f.parts[0].endswith(".dist-info")] if dist else []
    if not files or Path(dist.locate_file(f"{NAME}/__init__.py")).resolve() != PACKAGE / "__init__.py":
        raise ConfigError(f"{PACKAGE}: not a checkout of {NAME} and not an installed wheel of it, so there is no "
                          f"wheel to ship; run this from a checkout (`make` there), or `pip install` the wheel")
    target = out / filename()
    record = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(files, key=str):
            if "__pycache__" in f.parts or f.suffix == ".pyc" or (f.parts[0].endswith(".dist-info")
                                                                    and f.name in INSTALLED_ONLY):
                continue
            data = Path(dist.locate_file(f)).read_bytes()
            zf.writestr(f.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append((f.as_posix(), f"sha256={digest}", str(len(data))))
        info = next(f.parts[0] for f in files if f.parts[0].endswith(".dist-info"))
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([*record, (f"{info}/RECORD", "", "")])
        zf.writestr(f"{info}/RECORD", text.getvalue())
    return target


TORCH_CPU = "--extra-index-url https://download.pytorch.org/whl/cpu"


def install_commands(wheel: str, lock: str | None) -> list[str]:
    """How a bundle or a new course installs the engine from ``wheel`` (a relative path), pinned: the exact
    versions of ``lock`` (a pip freeze) when there is one, else the wheel's own pins."""
    if lock:
        return [f"pip install {TORCH_CPU} -r {lock}", f"pip install --no-deps {wheel}"]
    return [f"pip install {TORCH_CPU} {wheel}"]
