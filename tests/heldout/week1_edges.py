"""Held-out mistakes of lessons 1.2-1.3 (see README.md): never pasted into graders/mistakes."""
import numpy as np

from convgrade import mistake


@mistake("conv2d_valid", "range(H - kh) leaves the last row and column at zero")
def conv2d_valid_range_short(image, kernel):
    image = image.astype(np.float64)
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh):
        for j in range(W - kw):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


@mistake("conv2d_valid", "a square kernel assumed (f = kernel.shape[0] for both axes)")
def conv2d_valid_square(image, kernel):
    image = np.asarray(image, dtype=float)
    f = kernel.shape[0]
    H, W = image.shape
    out = np.zeros((H - f + 1, W - f + 1))
    for i in range(H - f + 1):
        for j in range(W - f + 1):
            out[i, j] = np.sum(image[i:i + f, j:j + f] * kernel)
    return out


@mistake("conv2d_valid", "the output made with the image's dtype")
def conv2d_valid_image_dtype(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=image.dtype)
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


@mistake("conv2d_valid", "the image padded first ('same' instead of 'valid')")
def conv2d_valid_same(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(np.asarray(image, dtype=np.float64), ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    H, W = padded.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out


@mistake("conv2d_valid", "a matrix product of window and kernel instead of the elementwise product")
def conv2d_valid_matmul(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(np.dot(image[i:i + kh, j:j + kw], kernel))
    return out


@mistake("edge_magnitude", "the two kernels added into one before convolving")
def edge_magnitude_kernels_added(image, vertical, horizontal):
    return np.abs(conv2d_valid(image, vertical + horizontal))  # noqa: F821 - the lesson's own


@mistake("edge_magnitude", "the larger of the two responses instead of their norm")
def edge_magnitude_larger(image, vertical, horizontal):
    return np.maximum(np.abs(conv2d_valid(image, vertical)), np.abs(conv2d_valid(image, horizontal)))  # noqa: F821


# What a right diagnosis says: a regular expression its "looks like ..." line matches (case aside).
NAMED_BY = {
    'conv2d_valid_range_short': r'range|short|last row',
    'conv2d_valid_square': r'square|kernel.shape\[0\]|kh',
    'conv2d_valid_image_dtype': r'dtype|uint8',
    'conv2d_valid_same': r'pad|same',
    'conv2d_valid_matmul': r'matrix product|np.dot|@',
    'edge_magnitude_kernels_added': r'added|sum of the kernels|one kernel',
    'edge_magnitude_larger': r'larger|maximum of|np.maximum',
}
