"""The HTML report: escaped, self-contained and offline, with pictures that decode, checked in a real browser."""
from __future__ import annotations

import base64
import importlib.util
import io
import re
from html import escape
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from convgrade.extra.torch import LayerRow
from convgrade.report import browser, figures, html
from convgrade.extra.torch import layers
from convgrade.results import CheckResult, ExerciseResult, Report
from convgrade.runner import grade

from conftest import ROOT

EVIL = "<script>alert('x')</script> & <img src=x onerror=alert(1)> \"q\""
TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "div", "span", "table", "thead",
        "tbody", "tr", "th", "td", "a", "section", "p", "pre", "ul", "li", "figure", "img", "figcaption", "footer",
        "br", "wbr"}


class Page(HTMLParser):
    """The tags, attributes and text of a page."""

    def __init__(self, doc: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(doc)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


def decode(uri: str) -> Image.Image:
    assert uri.startswith("data:image/png;base64,"), uri[:40]
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1], validate=True)))
    image.load()
    return image


def assert_self_contained(doc: str) -> Page:
    page = Page(doc)
    assert {t for t, _ in page.tags} <= TAGS
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    assert all(a["href"].startswith("#") for a in page.all("a"))
    for img in page.all("img"):
        image = decode(img["src"])
        assert image.size == (int(img["width"]), int(img["height"]))
    assert "url(" not in doc and "@import" not in doc
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in doc
    assert f'<meta http-equiv="Content-Security-Policy" content="{html.CSP}">' in doc
    assert "@media print" in doc and "@media (max-width" in doc
    return page


def test_untrusted_text_is_escaped_everywhere():
    rows = (LayerRow(EVIL, EVIL, ((EVIL, (1, 2)),)),)
    table = layers.LayerTable(EVIL, rows, (1,), rows, (1,), EVIL)
    checks = (CheckResult(EVIL, False, 0.0, 1.0, f"{EVIL}\n  your code printed:\n    {EVIL}",
                          artifacts={"name": EVIL, "got": np.ones((2, 2)), "expected": np.zeros((2, 2))}),
              CheckResult("the same", False, 0.0, 1.0, f"{EVIL}\n  your code printed:\n    {EVIL}"))
    report = Report(EVIL, EVIL, EVIL, (
        ExerciseResult("week2.resnet.IdentityBlock", EVIL, 0.0, 2.0, "failed", EVIL, checks, {"layers": table}),
        ExerciseResult("week1.edges.conv2d_valid", EVIL, 0.0, 2.0, "error", f"{EVIL}\n{EVIL}"),
        ExerciseResult("week1.edges.sobel_kernel", EVIL, 0.0, 2.0, "missing", EVIL)))
    doc = html.render(report)
    page = assert_self_contained(doc)
    assert "<script" not in doc.lower() and "<img src=x" not in doc
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt; &quot;q&quot;" in doc
    assert "".join(page.text).count("<script>") >= 8  # the text shows what the student wrote, as text
    assert len(page.all("img")) == 1  # the heat map; the second failure says "the same failure as"
    assert "the same failure as ‘" in doc


def test_heat_maps_one_per_channel_of_the_first_image_that_differs():
    got = np.zeros((2, 3, 4, 2))  # (m, n_H, n_W, n_C)
    expected = got.copy()
    expected[1, 0, 1, 1] = 5.0
    pictures, caption = figures.difference_pictures({"name": "Z", "got": got, "expected": expected})
    assert [p.caption for p in pictures] == ["channel 0: 0 of 12 differ", "channel 1: 1 of 12 differ"]
    assert caption.startswith("Z: where your values differ") and "image 1 of 2" in caption
    assert all(decode(p.uri).size == (p.width, p.height) for p in pictures)
    nchw, _ = figures.difference_pictures({"name": "output", "got": got.transpose(0, 3, 1, 2),
                                           "expected": expected.transpose(0, 3, 1, 2)}, channels_first=True)
    assert [p.caption for p in nchw] == [p.caption for p in pictures]
    nan, caption = figures.difference_pictures({"name": "A", "got": np.full((2, 2), np.nan), "expected": np.ones((2, 2))})
    assert nan[0].caption == "4 of 4 differ" and "magenta: NaN" in caption
    assert figures.difference_pictures({"name": "Z", "got": got, "expected": None}) is None  # a shape failure
    assert figures.difference_pictures({"name": "Z", "got": got, "expected": got}) is None


def test_layer_table_marks_the_first_row_that_differs():
    conv = LayerRow("conv", "Conv2d", (("weight", (2, 1, 1, 1)),), (1, 2, 3, 3))
    bn = LayerRow("bn", "BatchNorm2d", (("weight", (2,)), ("bias", (2,))), (1, 2, 3, 3))
    mine = (LayerRow("c", "Conv2d", (("weight", (2, 1, 1, 1)),)), LayerRow("relu", "ReLU", ()))
    assert layers.first_difference(mine, (conv, bn)) == 1
    assert layers.first_difference(mine[:1], (conv,)) is None
    assert layers.first_difference(mine[:1], (conv, bn)) == 1
    out = layers.LayerTable("Block(2)", (conv, bn), (1, 2, 3, 3), mine, (1, 2, 3, 3)).html()
    body = out.split("<tbody>")[1]
    assert [bool(re.match(r'<tr class="first-diff">', r)) for r in re.findall(r"<tr[^>]*>", body)] == [False, True]
    assert "first difference at row 2" in out and "weight (2, 1, 1, 1)" in out


def test_without_matplotlib_the_page_says_so_in_place_of_pictures(monkeypatch):
    def missing(*args, **kwargs):
        raise ImportError("No module named 'matplotlib'", name="matplotlib")

    monkeypatch.setattr(figures, "difference_pictures", missing)
    check = CheckResult("values", False, 0.0, 1.0, "f: Z has wrong values",
                        artifacts={"name": "Z", "got": np.ones(2), "expected": np.zeros(2)})
    doc = html.render(Report("c", "reference", "process", (
        ExerciseResult("week1.x.f", "F", 0.0, 1.0, "failed", "0 of 1 checks passed", (check,)),)))
    assert "no picture: matplotlib is not installed" in doc and "<img" not in doc


def _screenshot_script():
    spec = importlib.util.spec_from_file_location("make_screenshot", ROOT / "docs" / "make_screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def week1(course, tmp_path_factory) -> tuple[Report, str]:
    """The README's example: week 1 with a transposed vertical kernel, |g_v| + |g_h|, and no bias in conv_forward."""
    script = _screenshot_script()
    folder = script.build_submission(course, tmp_path_factory.mktemp("partial"))
    report = grade(course, folder, script.LESSONS, figures=True)
    return report, html.render(report)


def _section(doc: str, exercise_id: str) -> str:
    return doc.split(f'<section id="{html.anchor(exercise_id)}">')[1].split("</section>")[0]


def test_week1_report_shows_what_is_wrong_with_pictures(week1):
    report, doc = week1
    assert_self_contained(doc)
    wrong = [e.id for e in report.exercises if e.status != "passed"]
    assert wrong == ["week1.edges.vertical_edge_kernel", "week1.edges.horizontal_edge_kernel",
                     "week1.edges.edge_magnitude", "week1.convolution.conv_forward",
                     "week1.convolution.conv_layer_forward"]
    assert re.findall(r'<section id="ex-([^"]+)">', doc) == wrong  # passed exercises: one line in the summary
    photo = Page(_section(doc, "week1.edges.edge_magnitude"))
    assert [f["alt"] for f in photo.all("img")][:4] == ["the photograph", "your edge map", "the expected edge map",
                                                       "the difference, yours minus expected"]
    assert "looks like |g_v| + |g_h| was used instead of sqrt(g_v**2 + g_h**2)" in _section(doc, "week1.edges.edge_magnitude")
    conv = _section(doc, "week1.convolution.conv_forward")
    assert '<div class="panels cells">' in conv and "channel 0: 1 of 1 differ" in conv
    assert html.render(report) == doc  # deterministic


def test_stubs_get_no_pictures(course):
    report = grade(course, ROOT / "exercises", ["week1.edges"], figures=True)
    assert all(e.status == "unimplemented" and e.figures is None for e in report.exercises)
    doc = html.render(report)
    assert_self_contained(doc)
    assert "<section" not in doc and doc.count("not implemented yet: replace") == len(report.exercises)


def harness(doc: str, width: int) -> str:
    """The report in an iframe ``width`` CSS pixels wide (headless windows are at least 500 wide), and a script that
    writes, once it loaded, whether each image decoded and how much wider than its frame the page is."""
    return f"""<!DOCTYPE html><html><body><iframe id="f" style="border: 0; width: {width}px; height: 900px"
srcdoc="{escape(doc, quote=True)}"></iframe><script>
document.getElementById("f").addEventListener("load", () => {{
  const w = document.getElementById("f").contentWindow, d = w.document;
  const seen = [...d.images].map(i => i.complete && i.naturalWidth > 0 ? "ok" : "broken");
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = seen.join(",") + ";" + (d.documentElement.scrollWidth - w.innerWidth);
  document.body.append(out);
}});
</script></body></html>"""


BROKEN = '<img src="data:image/png;base64,iVBORw0KGgoAAAAN" alt="a broken image, the control">'


@pytest.fixture(scope="module")
def chromium() -> str:
    found = browser.find(install=True)
    if found is None:
        pytest.skip("no headless Chromium: install Debian's `chromium` package (the tests do it when run as root)")
    return found


def test_in_chromium_the_page_renders_and_every_image_decodes(week1, chromium, tmp_path):
    _, doc = week1
    page, shot = tmp_path / "report.html", tmp_path / "report.png"
    page.write_text(doc, encoding="utf-8")
    browser.screenshot(chromium, page, shot, width=1000, height=1400)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1000, 1400)
    assert len(image.getcolors(maxcolors=1 << 20)) > 500  # text, badges and photographs, not a blank page
    assert np.asarray(image).std() > 20
    pdf = tmp_path / "report.pdf"
    browser.run(chromium, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 50_000  # printable, pictures included
    # the report (which runs no script) in a frame, with a probe beside it and one broken image as a control
    for width in (1000, 360):  # a desktop and a phone: nothing wider than the frame
        page.write_text(harness(doc.replace("</body>", BROKEN + "</body>"), width), encoding="utf-8")
        dom = browser.dump_dom(chromium, page)
        seen, overflow = re.search(r'<pre id="probe">([^<]*)</pre>', dom).group(1).split(";")
        assert seen.split(",") == ["ok"] * doc.count("<img ") + ["broken"]
        assert int(overflow) <= 0, f"the page is {overflow} px wider than a {width} px screen"
