"""The edge lessons' photographs (scikit-image's bundled ones) and their pictures for the HTML report: a
photograph, the student's edge map, the expected one and their difference, drawn with the engine's picture helpers
(convgrade.figures)."""
from __future__ import annotations

import importlib.util
import os
from functools import cache
from typing import Any

import numpy as np

from convgrade import figures


@cache
def photograph(name: str) -> np.ndarray:
    """``skimage.data.<name>()`` (``camera``, ``coins``, ``chelsea``: the same uint8 pixels), decoded with Pillow
    from scikit-image's own PNG files: ``skimage.data`` reads them through ``skimage.io``, whose import (scipy,
    imageio's plugins) costs more than grading the lesson. Read-only: slice it, never write into it."""
    from PIL import Image

    folder = importlib.util.find_spec("skimage").submodule_search_locations[0]
    with Image.open(os.path.join(folder, "data", f"{name}.png")) as image:
        pixels = np.array(image)
    pixels.setflags(write=False)
    return pixels


def _map(a: np.ndarray, alt: str, who: str) -> figures.Picture:
    """An edge map on its own scale, given in the caption: magma from 0 up, or grey around 0 when it has signs."""
    lo, hi = figures.span(a)
    cmap = "magma" if lo >= 0 else "gray"  # a signed map (one kernel's response): mid-grey is 0
    if lo < 0:
        lo, hi = -max(-lo, hi), max(-lo, hi)
    return figures.picture(a, cmap, lo, hi, alt, f"{who}, {a.shape[0]}×{a.shape[1]}, from {lo:.3g} to {hi:.3g}")


def edge_pictures(photo: np.ndarray, got: Any, expected: np.ndarray, kind: str,
                  note: str) -> tuple[list[figures.Picture], str]:
    """The photograph, the student's edge map, the expected one and their difference; and a note."""
    pictures = [figures.Picture(figures.png_uri(np.asarray(photo, dtype=np.uint8)), "the photograph",
                        f"the photograph, {photo.shape[0]}×{photo.shape[1]}", photo.shape[1], photo.shape[0])]
    expected, got = np.asarray(expected, dtype=np.float64), figures.numeric(got)
    if got is not None and (got.ndim != 2 or max(got.shape) > 4 * max(photo.shape)):
        got = None
    if got is not None:
        pictures.append(_map(got, f"your {kind}", "yours"))
    pictures.append(_map(expected, f"the expected {kind}", "expected"))
    if got is not None and got.shape == expected.shape:
        diff = got - expected
        top = float(np.abs(diff[np.isfinite(diff)]).max(initial=0.0))
        pictures.append(figures.picture(diff, "RdBu_r", -top or -1.0, top or 1.0,
                                        "the difference, yours minus expected",
                                        f"yours − expected: red where yours is larger, blue where smaller "
                                        f"(largest {top:.3g})"))
    elif got is not None:
        note = note or f"your {kind} has shape {got.shape}, expected {expected.shape}: no difference to show"
    return pictures, note


def edge_panels(caption: str, photo: np.ndarray, got: Any, expected: np.ndarray, kind: str,
                note: str) -> figures.Panels:
    return figures.Panels("On a photograph", caption, lambda: edge_pictures(photo, got, expected, kind, note))
