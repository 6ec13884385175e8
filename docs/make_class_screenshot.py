"""Make docs/class_report.png, the README's picture of `course gradebook report --html`: a class of 120 made from
four real whole-course reports (the reference, the stubs, examples/partial, the reference with catalogued
mistakes), photographed by headless Chromium.

    .venv/bin/python docs/make_class_screenshot.py [--students 120] [--html PATH] [--width 1000] [--height 1500]

Needs Chromium (Debian's `chromium`; installed with apt-get when missing and run as root). The PNG is not cut to
256 colours as docs/report.png is: that merges the legend's rarest colours (failed, error/timeout) into others.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.classreport import synthesize, templates  # noqa: E402
from convgrade import config as course_mod  # noqa: E402
from convgrade.classreport import build  # noqa: E402
from convgrade.report import browser, classpage  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=120)
    p.add_argument("--html", metavar="PATH", help="also keep the page at PATH")
    p.add_argument("--png", metavar="PATH", default=str(ROOT / "docs" / "class_report.png"))
    p.add_argument("--width", type=int, default=1000)
    p.add_argument("--height", type=int, default=1500)
    args = p.parse_args(argv)
    chromium = browser.find(install=True)
    if chromium is None:
        print("make_class_screenshot: no chromium (install Debian's `chromium` package)", file=sys.stderr)
        return 2
    course = course_mod.load(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "class.sqlite"
        synthesize(db, course, templates(course, Path(tmp)), args.students)
        page = Path(args.html) if args.html else Path(tmp) / "class.html"
        page.write_text(classpage.html(build(db, course)), encoding="utf-8")
        browser.screenshot(chromium, page, Path(args.png), width=args.width, height=args.height)
    print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
