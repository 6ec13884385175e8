"""Quiz 2 (lessons 2.8-2.10): MobileNet v2 and EfficientNet. Each docstring is the question; each function its
answer."""
from __future__ import annotations


def expansion_shape(n, c_in, t, s):
    """A MobileNet v2 block takes a volume of size {n}x{n}x{c_in}, expands it with expansion factor t = {t},
    then applies the 3x3 depthwise convolution (padding 1, stride {s}). What is the shape after the depthwise step,
    [n_H, n_W, n_C]?"""
    n_out = (n - 1) // s + 1
    return n_out, n_out, t * c_in


def scaled_resolution(phi, r):
    """EfficientNet scales a network's resolution by gamma^phi with gamma = 1.15. The base network takes {r}x{r}
    images. What input side does compound coefficient phi = {phi} give (before rounding)?"""
    return r * 1.15**phi


def scaling_dimension(letter):
    """In EfficientNet's compound scaling (depth alpha^phi, width beta^phi, resolution gamma^phi), which of the
    network's dimensions does {letter} scale? Answer "depth", "width" or "resolution"."""
    return {"alpha": "depth", "beta": "width", "gamma": "resolution"}[letter]
