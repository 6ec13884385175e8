"""Pictures for the HTML report, as PNG ``data:`` URIs: edge maps of a photograph and heat maps of differences.

Each picture is one PNG drawn pixel for pixel with Pillow through a matplotlib colormap (no figures, no pyplot,
nothing to display), so that the page can reflow the panels on a narrow screen; PNGs carry no timestamps,
so the same report gives the same bytes.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

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


def _numeric(a: Any) -> np.ndarray | None:
    """``a`` as a finite-or-NaN float64 array when it is a real numeric ndarray, else None."""
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf" or a.size == 0:
        return None
    return a.astype(np.float64)


def _span(*arrays: np.ndarray) -> tuple[float, float]:
    finite = [a[np.isfinite(a)] for a in arrays]
    values = np.concatenate([f.ravel() for f in finite]) if finite else np.zeros(1)
    return (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)


def _picture(a: np.ndarray, cmap: str, vmin: float, vmax: float, alt: str, caption: str) -> Picture:
    h, w = a.shape
    return Picture(png_uri(*colorize(a, cmap, vmin, vmax)), alt, caption, w, h)


def _map(a: np.ndarray, alt: str, who: str) -> Picture:
    """An edge map on its own scale, given in the caption: magma from 0 up, or grey around 0 when it has signs."""
    lo, hi = _span(a)
    cmap = "magma" if lo >= 0 else "gray"  # a signed map (one kernel's response): mid-grey is 0
    if lo < 0:
        lo, hi = -max(-lo, hi), max(-lo, hi)
    return _picture(a, cmap, lo, hi, alt, f"{who}, {a.shape[0]}×{a.shape[1]}, from {lo:.3g} to {hi:.3g}")


def edge_pictures(data: dict) -> tuple[list[Picture], str]:
    """The photograph, the student's edge map, the expected one and their difference; and a note."""
    photo, expected, got = data["photo"], data["expected"], _numeric(data.get("got"))
    pictures = [Picture(png_uri(np.asarray(photo, dtype=np.uint8)), "the photograph",
                        f"the photograph, {photo.shape[0]}×{photo.shape[1]}", photo.shape[1], photo.shape[0])]
    expected = np.asarray(expected, dtype=np.float64)
    if got is not None and (got.ndim != 2 or max(got.shape) > 4 * max(photo.shape)):
        got = None
    kind = data.get("kind", "edge map")
    if got is not None:
        pictures.append(_map(got, f"your {kind}", "yours"))
    pictures.append(_map(expected, f"the expected {kind}", "expected"))
    note = data.get("note", "")
    if got is not None and got.shape == expected.shape:
        diff = got - expected
        top = float(np.abs(diff[np.isfinite(diff)]).max(initial=0.0))
        pictures.append(_picture(diff, "RdBu_r", -top or -1.0, top or 1.0, "the difference, yours minus expected",
                                 f"yours − expected: red where yours is larger, blue where smaller "
                                 f"(largest {top:.3g})"))
    elif got is not None:
        note = note or f"your {kind} has shape {got.shape}, expected {expected.shape}: no difference to show"
    return pictures, note


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
    got, expected = _numeric(artifacts.get("got")), _numeric(artifacts.get("expected"))
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
