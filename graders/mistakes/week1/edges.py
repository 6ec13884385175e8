"""Realistic wrong answers to lessons 1.2-1.3, each with the feedback lines it must produce."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from convgrade import mistake


def _conv(image, kernel):
    """A correct conv2d_valid, for the edge_magnitude mistakes."""
    windows = sliding_window_view(np.asarray(image, dtype=np.float64), kernel.shape)
    return np.tensordot(windows, np.asarray(kernel, dtype=np.float64), axes=2)


@mistake("conv2d_valid", "the kernel was flipped (true convolution, as scipy.signal.convolve2d computes)",
         feedback=["conv2d_valid: out has wrong values",
                   "with kernel[0, 0] = 1 and 0 elsewhere, out[i, j] must be image[i + 0, j + 0]"])
def conv2d_valid_flipped(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = kernel[::-1, ::-1]  # "a convolution flips the kernel"
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


@mistake("conv2d_valid", "the output was made with np.zeros_like(image): a uint8 image gives a uint8 output "
         "that wraps around",
         feedback=["conv2d_valid: out has wrong values", "got out = [[255]]", "expected out = [[-1.]]",
                   "hint: the values wrapped around modulo 256 (-1 became 255): convert the image first, "
                   "image.astype(np.float64), and make out a float64 array",
                   "conv2d_valid: out has dtype uint8, expected float64",
                   "input: skimage.data.camera()[::8, ::8], a 64x64 uint8 photograph, the sobel vertical kernel"])
def conv2d_valid_uint8_output(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros_like(image)[: image.shape[0] - kh + 1, : image.shape[1] - kw + 1]
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


@mistake("conv2d_valid", "the output is one row and one column short ((H - kh, W - kw))",
         feedback=["conv2d_valid: out has the wrong shape", "got (0, 1), expected (1, 2)"])
def conv2d_valid_off_by_one(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.zeros((H - kh, W - kw))
    for i in range(H - kh):
        for j in range(W - kw):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


@mistake("conv2d_valid", "the loops stop one short (range(H - kh) instead of range(H - kh + 1)): the last row and "
         "column of out stay 0", feedback=["conv2d_valid: out has wrong values",
                                           "first difference at out[0, 61]: got 0.0, expected -4.0"])
def conv2d_valid_loops_short(image, kernel):
    full = _conv(image, kernel)
    out = np.zeros(full.shape)
    out[:-1, :-1] = full[:-1, :-1]  # never reached: row H - kh and column W - kw
    return out


@mistake("conv2d_valid", "the kernel was taken to be square (kernel.shape[0] used for its width too)",
         feedback=["conv2d_valid: out has the wrong shape",
                   "got (1, 3), expected (1, 2)"])
def conv2d_valid_square_kernel(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    k = kernel.shape[0]
    out = np.zeros((image.shape[0] - k + 1, image.shape[1] - k + 1))
    for i, j in np.ndindex(*out.shape):
        out[i, j] = (image[i:i + k, j:j + k] * kernel).sum()
    return out


@mistake("conv2d_valid", "the image was zero-padded first (a 'same' output): 'valid' means no padding at all",
         feedback=["conv2d_valid: out has the wrong shape",
                   "got (64, 64), expected (62, 62)"])
def conv2d_valid_padded(image, kernel):
    kh, kw = kernel.shape
    return _conv(np.pad(np.asarray(image, dtype=np.float64), ((kh // 2, kh // 2), (kw // 2, kw // 2))), kernel)


@mistake("conv2d_valid", "each window met the kernel in a matrix product (np.dot, @) instead of elementwise (*)",
         feedback=["conv2d_valid: out has wrong values",
                   "first difference at out[0, 0]: got 0.0, expected 4.0"])
def conv2d_valid_matrix_product(image, kernel):
    windows = sliding_window_view(np.asarray(image, dtype=np.float64), kernel.shape)  # (n_H, n_W, kh, kw)
    return (windows @ kernel).sum(axis=(2, 3))


@mistake("conv2d_valid", "rows and columns were swapped (i ran over the columns, j over the rows)",
         feedback=["conv2d_valid: out has the wrong shape", "got (2, 1), expected (1, 2)"])
def conv2d_valid_swapped(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.zeros((W - kw + 1, H - kh + 1))
    for i in range(W - kw + 1):
        for j in range(H - kh + 1):
            out[i, j] = np.sum(image[j:j + kh, i:i + kw] * kernel)
    return out


@mistake("conv2d_valid", "the absolute value of each sum was taken",
         feedback=["conv2d_valid: out has wrong values", "got out = [[1.]]", "expected out = [[-1.]]",
                   "expected a*conv2d_valid(x, kernel) + b*conv2d_valid(y, kernel)"])
def conv2d_valid_abs(image, kernel):
    image = image.astype(np.float64)
    kh, kw = kernel.shape
    windows = sliding_window_view(image, (kh, kw))  # (H - kh + 1, W - kw + 1, kh, kw)
    return np.abs(np.sum(windows * kernel, axis=(2, 3)))


@mistake("conv2d_valid", "each window was multiplied in place (window *= kernel), which writes into the image",
         feedback=["conv2d_valid: modified its input image in place"])
def conv2d_valid_in_place(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = image[i:i + kh, j:j + kw]
            window *= kernel
            out[i, j] = window.sum()
    return out


@mistake("vertical_edge_kernel", "the kernel is an int array (np.array without dtype=np.float64)",
         feedback=["vertical_edge_kernel: vertical_edge_kernel() has dtype int64, expected float64"])
def vertical_edge_kernel_int():
    return np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])


@mistake("vertical_edge_kernel", "the signs are reversed ([-1, 0, 1] in every row)",
         feedback=["vertical_edge_kernel: vertical_edge_kernel() has wrong values",
                   "got vertical_edge_kernel() = [[-1.,  0.,  1.],"])
def vertical_edge_kernel_sign():
    return np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=np.float64)


@mistake("vertical_edge_kernel", "the horizontal kernel was returned (rows and columns swapped)",
         feedback=["vertical_edge_kernel: vertical_edge_kernel() has wrong values",
                   "got vertical_edge_kernel() = [[ 1.,  1.,  1.],"])
def vertical_edge_kernel_transposed():
    return np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], dtype=np.float64)


@mistake("vertical_edge_kernel", "a single row [1, 0, -1] was returned",
         feedback=["vertical_edge_kernel: vertical_edge_kernel() has the wrong shape", "got (3,), expected (3, 3)"])
def vertical_edge_kernel_one_row():
    return np.array([1, 0, -1], dtype=np.float64)


@mistake("horizontal_edge_kernel", "the transpose is missing (this is the vertical kernel)",
         feedback=["horizontal_edge_kernel: horizontal_edge_kernel() has wrong values",
                   "got horizontal_edge_kernel() = [[ 1.,  0., -1.],"])
def horizontal_edge_kernel_not_transposed():
    return np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float64)


@mistake("horizontal_edge_kernel", "np.rot90 was used instead of the transpose: the rotation turns the signs around",
         feedback=["horizontal_edge_kernel: horizontal_edge_kernel() has wrong values",
                   "got horizontal_edge_kernel() = [[-1., -1., -1.],"])
def horizontal_edge_kernel_rot90():
    return np.rot90(np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float64))


@mistake("horizontal_edge_kernel", "the kernel is an int array (np.array without dtype=np.float64)",
         feedback=["horizontal_edge_kernel: horizontal_edge_kernel() has dtype int64, expected float64",
                   "hint: np.array([[...], [...], [...]], dtype=np.float64): three rows of three; without dtype, whole "
                   "numbers make an int64 array"])
def horizontal_edge_kernel_int():
    return np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]]).T


@mistake("sobel_kernel", "the direction is compared case-insensitively (direction.lower())",
         feedback=["sobel_kernel: sobel_kernel('Vertical') returned an ndarray of shape (3, 3), "
                   "expected it to raise ValueError"])
def sobel_kernel_lower(direction="vertical"):
    kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)
    if direction.lower() == "vertical":
        return kernel
    if direction.lower() == "horizontal":
        return kernel.T
    raise ValueError(f"unknown direction {direction!r}")


@mistake("sobel_kernel", "any direction other than 'horizontal' gives the vertical kernel (no ValueError)",
         feedback=["sobel_kernel: sobel_kernel('diagonal') returned an ndarray of shape (3, 3), "
                   "expected it to raise ValueError"])
def sobel_kernel_no_error(direction="vertical"):
    kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)
    if direction == "horizontal":
        return kernel.T
    return kernel


@mistake("sobel_kernel", "the two directions are swapped (the 2s belong in the middle row of the vertical kernel)",
         feedback=["sobel_kernel: sobel_kernel() has wrong values",
                   "got sobel_kernel() = [[ 1.,  2.,  1.],"])
def sobel_kernel_swapped(direction="vertical"):
    kernel = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float64)
    if direction == "vertical":
        return kernel
    if direction == "horizontal":
        return kernel.T
    raise ValueError(f"unknown direction {direction!r}")


@mistake("sobel_kernel", "the kernel was normalised (divided by 8)",
         feedback=["sobel_kernel: sobel_kernel() has wrong values",
                   "got sobel_kernel() = [[ 0.125,  0.   , -0.125],"])
def sobel_kernel_normalised(direction="vertical"):
    kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64) / 8
    if direction == "vertical":
        return kernel
    if direction == "horizontal":
        return kernel.T
    raise ValueError(f"unknown direction {direction!r}")


@mistake("scharr_kernel", "the middle row kept Sobel's 2 instead of 10",
         feedback=["scharr_kernel: scharr_kernel() has wrong values",
                   "got scharr_kernel() = [[ 3.,  0., -3.],", "[ 2.,  0., -2.],"])
def scharr_kernel_sobel_middle(direction="vertical"):
    kernel = np.array([[3, 0, -3], [2, 0, -2], [3, 0, -3]], dtype=np.float64)
    if direction == "vertical":
        return kernel
    if direction == "horizontal":
        return kernel.T
    raise ValueError(f"unknown direction {direction!r}")


@mistake("scharr_kernel", "the weights are 10, 3, 10 instead of 3, 10, 3",
         feedback=["scharr_kernel: scharr_kernel() has wrong values",
                   "got scharr_kernel() = [[ 10.,   0., -10.],"])
def scharr_kernel_weights_swapped(direction="vertical"):
    kernel = np.array([[10, 0, -10], [3, 0, -3], [10, 0, -10]], dtype=np.float64)
    if direction == "vertical":
        return kernel
    if direction == "horizontal":
        return kernel.T
    raise ValueError(f"unknown direction {direction!r}")


@mistake("scharr_kernel", "'horizontal' gives the vertical kernel (the transpose is missing)",
         feedback=["scharr_kernel: scharr_kernel('horizontal') has wrong values",
                   "got scharr_kernel('horizontal') = [[  3.,   0.,  -3.],"])
def scharr_kernel_no_transpose(direction="vertical"):
    if direction not in ("vertical", "horizontal"):
        raise ValueError(f"unknown direction {direction!r}")
    return np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64)


@mistake("scharr_kernel", "a dict lookup raises KeyError for an unknown direction, not ValueError", diagnose=False,
         feedback=["scharr_kernel: raised KeyError: 'diagonal'"])
def scharr_kernel_key_error(direction="vertical"):
    kernel = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64)
    return {"vertical": kernel, "horizontal": kernel.T}[direction]


@mistake("edge_magnitude", "the two kernels were added into one (a single convolution with vertical + horizontal)",
         feedback=["edge_magnitude: magnitude has wrong values"])
def edge_magnitude_kernels_summed(image, vertical, horizontal):
    return np.abs(_conv(image, vertical + horizontal))


@mistake("edge_magnitude", "the larger of |g_v| and |g_h| (np.maximum) was kept instead of sqrt(g_v**2 + g_h**2)",
         feedback=["edge_magnitude: magnitude has wrong values"])
def edge_magnitude_larger(image, vertical, horizontal):
    return np.maximum(np.abs(_conv(image, vertical)), np.abs(_conv(image, horizontal)))


@mistake("edge_magnitude", "|g_v| + |g_h| was used instead of sqrt(g_v**2 + g_h**2)",
         feedback=["edge_magnitude: magnitude has wrong values", "got magnitude = [[2.]]",
                   "expected magnitude = [[1.4142]]"])
def edge_magnitude_abs_sum(image, vertical, horizontal):
    return np.abs(_conv(image, vertical)) + np.abs(_conv(image, horizontal))


@mistake("edge_magnitude", "the square root is missing (g_v**2 + g_h**2)",
         feedback=["edge_magnitude: magnitude has wrong values", "got magnitude = [[4.]]",
                   "expected magnitude = [[2.]]"])
def edge_magnitude_no_sqrt(image, vertical, horizontal):
    return _conv(image, vertical) ** 2 + _conv(image, horizontal) ** 2


@mistake("edge_magnitude", "the vertical kernel was used twice (horizontal ignored)",
         feedback=["edge_magnitude: magnitude has wrong values", "got magnitude = [[0.]]",
                   "expected magnitude = [[1.]]"])
def edge_magnitude_vertical_twice(image, vertical, horizontal):
    g_v = _conv(image, vertical)
    g_h = _conv(image, vertical)
    return np.sqrt(g_v**2 + g_h**2)


@mistake("edge_magnitude", "the magnitude was normalised by its maximum",
         feedback=["edge_magnitude: magnitude has wrong values", "got magnitude = [[nan]]",
                   "expected magnitude = [[0.]]"])
def edge_magnitude_normalised(image, vertical, horizontal):
    magnitude = np.sqrt(_conv(image, vertical) ** 2 + _conv(image, horizontal) ** 2)
    return magnitude / magnitude.max()


@mistake("edge_magnitude", "the image was scaled to [0, 1] (divided by 255) first",
         feedback=["edge_magnitude: magnitude has wrong values"])
def edge_magnitude_scaled(image, vertical, horizontal):
    image = image / 255
    return np.sqrt(_conv(image, vertical) ** 2 + _conv(image, horizontal) ** 2)


@mistake("edge_magnitude", "the squares are missing (sqrt(g_v + g_h))",
         feedback=["edge_magnitude: magnitude has negative or NaN values"])
def edge_magnitude_no_squares(image, vertical, horizontal):
    return np.sqrt(_conv(image, vertical) + _conv(image, horizontal))
