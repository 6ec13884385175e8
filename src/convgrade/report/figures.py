"""Pictures for the HTML report, as PNG ``data:`` URIs: heat maps of differences, and the figures an exercise's
``figure`` hook makes (any object with an ``html()`` method; ``Panels`` shows pictures side by side).

Each picture is one PNG drawn pixel for pixel with Pillow through a matplotlib colormap (no figures, no pyplot,
nothing to display), so that the page can reflow the panels on a narrow screen; PNGs carry no timestamps,
so the same report gives the same bytes.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from html import escape
from typing import Any, Callable, Protocol

import numpy as np

MAX_CHANNELS = 8  # heat maps per failing array
MAX_SIDE = 256  # larger maps are shown with a stride
LEVELS, GRID, BAD = 254, 254, 255  # palette: LEVELS colours for values, then the grid's grey and NaN's magenta


@dataclass(frozen=True)
class Picture:
    uri: str  # data:image/png;base64,...
    alt: str
    caption: str
    width: int
    height: int


def png_uri(pixels: np.ndarray, palette: np.ndarray | None = None) -> str:
    """A (H, W) uint8 array as a PNG data URI: grey levels, or indices into ``palette`` (n, 3)."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8))
    if palette is not None:
        image.putpalette(palette.tobytes())  # mode P: one byte a pixel
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def colorize(a: np.ndarray, cmap: str, vmin: float, vmax: float) -> tuple[np.ndarray, np.ndarray]:
    """``a`` as indices (H, W) into a palette (256, 3) sampled from a matplotlib colormap; NaN is magenta."""
    from matplotlib import colormaps

    scale = (a - vmin) / (vmax - vmin) if vmax > vmin else np.zeros_like(a)
    indices = np.round(np.clip(np.nan_to_num(scale, nan=0.0), 0, 1) * (LEVELS - 1)).astype(np.uint8)
    indices[np.isnan(a)] = BAD
    lut = colormaps[cmap](np.linspace(0, 1, LEVELS), bytes=True)[:, :3]  # (LEVELS, 3)
    return indices, np.vstack([lut, [[200, 200, 200], [255, 0, 255]]]).astype(np.uint8)


def numeric(a: Any) -> np.ndarray | None:
    """``a`` as a finite-or-NaN float64 array when it is a real numeric ndarray, else None."""
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf" or a.size == 0:
        return None
    return a.astype(np.float64)


def span(*arrays: np.ndarray) -> tuple[float, float]:
    """The smallest and largest finite value of the arrays together."""
    finite = [a[np.isfinite(a)] for a in arrays]
    values = np.concatenate([f.ravel() for f in finite]) if finite else np.zeros(1)
    return (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)


def picture(a: np.ndarray, cmap: str, vmin: float, vmax: float, alt: str, caption: str) -> Picture:
    """A (H, W) array drawn through a matplotlib colormap from ``vmin`` to ``vmax``."""
    h, w = a.shape
    return Picture(png_uri(*colorize(a, cmap, vmin, vmax)), alt, caption, w, h)


class Figure(Protocol):
    """What an exercise's ``figure`` hook returns, by name: something the HTML report can show."""

    def html(self) -> str: ...


def panels_html(pictures: list[Picture], note: str, kind: str) -> str:
    """Pictures side by side (two to a row on a phone), with a note under them."""
    def one(p: Picture) -> str:
        return (f"<figure><img src=\"{p.uri}\" alt=\"{escape(p.alt, quote=True)}\" width=\"{p.width}\" "
                f"height=\"{p.height}\"><figcaption>{escape(p.caption)}</figcaption></figure>")

    return (f"<div class=\"panels {escape(kind, quote=True)}\">{''.join(one(p) for p in pictures)}</div>"
            + (f"<p class=\"note\">{escape(note)}</p>" if note else ""))


@dataclass(frozen=True)
class Panels:
    """A heading, a caption, and pictures side by side; ``make()`` draws them (pictures, note) when the page is
    written, so that a machine without matplotlib still writes the page (with a note in their place)."""

    title: str
    caption: str
    make: Callable[[], tuple[list[Picture], str]]
    kind: str = "photo"

    def html(self) -> str:
        return (f"<h3>{escape(self.title)}</h3><p class=\"note\">{escape(self.caption)}</p>"
                + panels_html(*self.make(), self.kind))


def _channels(bad: np.ndarray, diff: np.ndarray, channels_first: bool) -> tuple[list[tuple[str, np.ndarray,
                                                                                          np.ndarray]], str]:
    """Split an array into 2-D maps, one per channel: ``[(label, bad, diff)]`` and where they come from."""
    if bad.ndim == 1:
        return [("", bad[None], diff[None])], ""
    if bad.ndim == 2:
        return [("", bad, diff)], ""
    where = ""
    if bad.ndim == 4:  # one image of the batch: the first that differs
        i = int(np.argwhere(bad.reshape(len(bad), -1).any(axis=1))[0][0])
        where = f"image {i} of {len(bad)}; " if len(bad) > 1 else ""
        bad, diff = bad[i], diff[i]
    if bad.ndim != 3:
        return [], ""
    if not channels_first:
        bad, diff = np.moveaxis(bad, -1, 0), np.moveaxis(diff, -1, 0)  # (C, H, W)
    order = [c for c in range(len(bad)) if bad[c].any()] + [c for c in range(len(bad)) if not bad[c].any()]
    shown = sorted(order[:MAX_CHANNELS])
    more = f"; {len(bad) - len(shown)} more channels not shown" if len(bad) > len(shown) else ""
    return [(f"channel {c}", bad[c], diff[c]) for c in shown], where + f"{len(bad)} channels{more}"


def difference_pictures(artifacts: dict, *, channels_first: bool = False) -> tuple[list[Picture], str] | None:
    """Heat maps, one per channel, of where ``got`` differs from ``expected`` (|got − expected| there), and a caption."""
    got, expected = numeric(artifacts.get("got")), numeric(artifacts.get("expected"))
    if got is None or expected is None or got.shape != expected.shape or got.ndim == 0:
        return None
    bad = ~np.isclose(got, expected, rtol=1e-6, atol=1e-8)
    if not bad.any():
        return None
    diff = np.where(bad, np.abs(got - expected), 0.0)
    maps, where = _channels(bad, diff, channels_first)
    if not maps:  # more than 4 axes: no picture
        return None
    finite = diff[np.isfinite(diff)]
    top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    pictures = []
    for label, b, d in maps:
        text = f"{label + ': ' if label else ''}{int(b.sum())} of {b.size} differ"
        step = max(1, -(-max(b.shape) // MAX_SIDE))  # every step-th value of a large map
        uri, w, h = _cells(*colorize(d[::step, ::step], "Reds", 0.0, top))
        pictures.append(Picture(uri, f"heat map of {label or 'the values'}", text
                                + (f" (one value in {step} along each axis)" if step > 1 else ""), w, h))
    name = str(artifacts.get("name", "output"))
    caption = (f"{name}: where your values differ on the smallest failing input; white: within tolerance, "
               f"darkest red: a difference of {top:.3g}{'; magenta: NaN' if np.isnan(diff).any() else ''}"
               f"{'; ' + where if where else ''}")
    return pictures, caption


def _cells(indices: np.ndarray, palette: np.ndarray, target: int = 160) -> tuple[str, int, int]:
    """Each value as a square of pixels, with grey lines between cells when they are large enough to see."""
    h, w = indices.shape
    cell = max(1, min(40, target // max(h, w)))
    big = np.repeat(np.repeat(indices, cell, axis=0), cell, axis=1)  # (h * cell, w * cell)
    if cell >= 8:
        big[::cell, :] = big[:, ::cell] = GRID
        big = np.pad(big, ((0, 1), (0, 1)), constant_values=GRID)
    return png_uri(big, palette), big.shape[1], big.shape[0]
