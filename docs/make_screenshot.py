"""Make docs/report.png, the README's picture of an HTML report: examples/partial/ graded on week 1's edges and
convolution lessons with pictures, and photographed by headless Chromium. Without examples/partial/, a
submission made here stands in: the reference with a few catalogued mistakes pasted in.

    .venv/bin/python docs/make_screenshot.py [--submission DIR] [--html PATH] [--width 1000] [--height 1500]

Needs Chromium (Debian's `chromium`; installed with apt-get when missing and run as root).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTIAL = ROOT / "examples" / "partial"
sys.path.insert(0, str(ROOT))

from convgrade import config as course_mod  # noqa: E402
from convgrade.mistakes import as_submission  # noqa: E402
from convgrade.report import browser, html  # noqa: E402
from convgrade.runner import Lesson, grade  # noqa: E402

LESSONS = ["week1.edges", "week1.convolution"]
MISTAKES = {  # lesson: the catalogued mistakes pasted into its reference file
    "week1.edges": ["vertical_edge_kernel_transposed", "edge_magnitude_abs_sum"],
    "week1.convolution": ["conv_forward_no_bias"],
}


def build_submission(course: course_mod.Course, folder: Path) -> Path:
    """``folder`` laid out like exercises/: the reference lessons with the mistakes above."""
    for lesson, names in MISTAKES.items():
        rel = Path(*lesson.split(".")).with_suffix(".py")
        source = (course.root / "reference" / rel).read_text(encoding="utf-8")
        catalogue = {m.impl.__name__: m for m in Lesson(course, lesson).mistakes}
        for name in names:
            source = as_submission(source, catalogue[name])
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(source, encoding="utf-8")
    return folder


def _shrink(png: Path) -> None:
    """256 colours are plenty for a page of text and a few small pictures: a third of the bytes."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(png, optimize=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--submission", metavar="DIR", default=str(PARTIAL) if (PARTIAL / "week1").is_dir() else None,
                   help="the folder to grade (default: examples/partial/ when it exists)")
    p.add_argument("--html", metavar="PATH", help="also keep the HTML report at PATH")
    p.add_argument("--png", metavar="PATH", default=str(ROOT / "docs" / "report.png"))
    p.add_argument("--width", type=int, default=1000)
    p.add_argument("--height", type=int, default=1500)
    args = p.parse_args(argv)
    chromium = browser.find(install=True)
    if chromium is None:
        print("make_screenshot: no chromium (install Debian's `chromium` package)", file=sys.stderr)
        return 2
    course = course_mod.load(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.submission) if args.submission else build_submission(course, Path(tmp) / "submission")
        report = grade(course, folder, LESSONS, figures=True)
        page = Path(args.html) if args.html else Path(tmp) / "report.html"
        page.write_text(html.render(report), encoding="utf-8")
        browser.screenshot(chromium, page, Path(args.png), width=args.width, height=args.height)
    _shrink(Path(args.png))
    print(f"wrote {args.png} ({report.score:g} / {report.max_score:g} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
