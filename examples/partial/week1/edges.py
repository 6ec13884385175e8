"""Edge detection with a 2-D convolution (lessons 1.2-1.3).

A convolution slides a small kernel over an image and at every position sums the
elementwise product of the kernel and the patch under it. As in deep learning, the
kernel is not flipped (strictly, this is cross-correlation). An edge kernel answers
strongly where the brightness changes in one direction and zero where it is flat.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_valid(image, kernel):
    """2-D convolution of a grayscale image with a kernel, no padding ("valid").

    Arguments:
    image -- (H, W) array of any numeric dtype (photographs arrive as uint8);
             it is converted to float64
    kernel -- (kh, kw) array

    Returns:
    out -- (H - kh + 1, W - kw + 1) float64 array,
           out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel)

    Example: a 6x6 image * a 3x3 kernel -> a 4x4 output, and
    conv2d_valid(np.arange(9).reshape(3, 3), np.ones((2, 2))) == [[8, 12], [20, 24]].
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    windows = sliding_window_view(image, kernel.shape)  # (H - kh + 1, W - kw + 1, kh, kw)
    return np.tensordot(windows, kernel, axes=2)  # sum of each window times the kernel


def vertical_edge_kernel():
    """The course's 3x3 vertical edge detector, a float64 array.

    Returns:
    kernel -- (3, 3) float64 array [[1, 0, -1], [1, 0, -1], [1, 0, -1]]

    Example: a 6x6 image whose left three columns are 10 and right three are 0 gives
    conv2d_valid(image, vertical_edge_kernel()) == 4 rows of [0, 30, 30, 0]:
    the bright band in the middle is the vertical edge.
    """
    return np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float64)


def horizontal_edge_kernel():
    """The course's 3x3 horizontal edge detector: the transpose of the vertical one.

    Returns:
    kernel -- (3, 3) float64 array [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]

    Example: horizontal_edge_kernel() == vertical_edge_kernel().T
    """
    return vertical_edge_kernel().T.copy()


def sobel_kernel(direction="vertical"):
    """The 3x3 Sobel edge detector: the vertical kernel with more weight on the middle row.

    Arguments:
    direction -- "vertical" or "horizontal"; anything else raises ValueError

    Returns:
    kernel -- (3, 3) float64 array; "vertical" is [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
              "horizontal" is its transpose

    Example: sobel_kernel("horizontal") == [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
    """
    kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)
    if direction == "vertical":
        return kernel
    if direction == "horizontal":
        return kernel.T.copy()
    raise ValueError(f"direction must be 'vertical' or 'horizontal', got {direction!r}")


def scharr_kernel(direction="vertical"):
    """The 3x3 Scharr edge detector: like Sobel, with weights 3, 10, 3.

    Arguments:
    direction -- "vertical" or "horizontal"; anything else raises ValueError

    Returns:
    kernel -- (3, 3) float64 array; "vertical" is [[3, 0, -3], [10, 0, -10], [3, 0, -3]],
              "horizontal" is its transpose

    Example: scharr_kernel("horizontal") == [[3, 10, 3], [0, 0, 0], [-3, -10, -3]]
    """
    kernel = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64)
    if direction == "vertical":
        return kernel
    if direction == "horizontal":
        return kernel.T.copy()
    raise ValueError(f"direction must be 'vertical' or 'horizontal', got {direction!r}")


def edge_magnitude(image, vertical, horizontal):
    """Edge strength in any direction, from a vertical and a horizontal edge kernel.

    Arguments:
    image -- (H, W) array of any numeric dtype (photographs arrive as uint8)
    vertical -- (kh, kw) vertical edge kernel, e.g. sobel_kernel("vertical")
    horizontal -- (kh, kw) horizontal edge kernel, e.g. sobel_kernel("horizontal")

    Returns:
    magnitude -- (H - kh + 1, W - kw + 1) float64 array,
                 sqrt(conv2d_valid(image, vertical)**2 + conv2d_valid(image, horizontal)**2)

    Example: the 6x6 image with left half 10 and right half 0, with the two Sobel
    kernels, gives 4 rows of [0, 40, 40, 0].
    """
    g_v = conv2d_valid(image, vertical)  # (H - kh + 1, W - kw + 1)
    g_h = conv2d_valid(image, horizontal)  # (H - kh + 1, W - kw + 1)
    return np.sqrt(g_v**2 + g_h**2)


# --- catalogued mistake ---
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

def _conv(image, kernel):
    """A correct conv2d_valid, for the edge_magnitude mistakes."""
    windows = sliding_window_view(np.asarray(image, dtype=np.float64), kernel.shape)
    return np.tensordot(windows, np.asarray(kernel, dtype=np.float64), axes=2)

def edge_magnitude(image, vertical, horizontal):
    return _conv(image, vertical) ** 2 + _conv(image, horizontal) ** 2