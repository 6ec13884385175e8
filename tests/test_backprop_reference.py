"""The reference backward passes agree with torch autograd (float64) on hypothesis inputs and give the course's
numbers."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from convgrade.lesson import course_module

from conftest import ROOT

gs = course_module(ROOT, "cases")  # the course's strategies (graders/cases.py)
from convgrade.lesson import load_file

ref = load_file(ROOT / "reference/week1/backprop.py", "_test_ref_backprop")
ref_conv = load_file(ROOT / "reference/week1/convolution.py", "_test_ref_convolution")
PROFILE = settings(max_examples=60, database=None, derandomize=True, deadline=None)
# pad 0, overlapping windows (stride < f) and non-square inputs each in every run, besides anything conv_cases draws
CONV_CASES = st.one_of(gs.conv_grad_cases(kind="floats", max_side=7),
                       gs.conv_grad_cases(kind="floats", pad=0, nonsquare=True),
                       gs.conv_grad_cases(kind="floats", overlapping=True, nonsquare=True))
POOL_CASES = st.one_of(gs.pool_grad_cases(kind="floats", unique=True, max_side=7),
                       gs.pool_grad_cases(kind="floats", unique=True, overlapping=True, nonsquare=True))


def nchw(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.from_numpy(a).permute(0, 3, 1, 2).contiguous().requires_grad_(grad)


def nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).numpy()


@PROFILE
@given(CONV_CASES)
def test_conv_backward_matches_autograd(case):
    A = nchw(case.A_prev, grad=True)
    W = torch.from_numpy(case.W).permute(3, 2, 0, 1).contiguous().requires_grad_(True)  # (n_C, n_C_prev, f, f)
    b = torch.from_numpy(case.b.reshape(-1)).clone().requires_grad_(True)
    Z = F.conv2d(A, W, b, stride=case.stride, padding=case.pad)
    (Z * nchw(case.dZ)).sum().backward()
    dA_prev, dW, db = ref.conv_backward(case.dZ, case.cache)
    np.testing.assert_allclose(dA_prev, nhwc(A.grad), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dW, W.grad.permute(2, 3, 1, 0).numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, b.grad.numpy().reshape(1, 1, 1, -1), rtol=1e-10, atol=1e-12)


@PROFILE
@given(POOL_CASES)  # unique values: torch's max-pool sends the gradient to one of tied maxima, the course to all
def test_pool_backward_matches_autograd(case):
    for mode, op in (("max", F.max_pool2d), ("average", F.avg_pool2d)):
        A = nchw(case.A_prev, grad=True)
        (op(A, case.f, stride=case.stride) * nchw(case.dA)).sum().backward()
        np.testing.assert_allclose(ref.pool_backward(case.dA, case.cache, mode=mode), nhwc(A.grad),
                                   rtol=1e-12, atol=1e-12)


@PROFILE
@given(gs.pool_grad_cases(mode="max", max_f=3))  # small integers: ties are common
def test_every_tied_maximum_gets_the_gradient(case):
    dA_prev = ref.pool_backward(case.dA, case.cache, mode="max")
    expected = np.zeros_like(case.A_prev)
    m, n_H, n_W, n_C = case.dA.shape
    for i, h, w, c in np.ndindex(m, n_H, n_W, n_C):
        rows, cols = slice(h * case.stride, h * case.stride + case.f), slice(w * case.stride, w * case.stride + case.f)
        window = case.A_prev[i, rows, cols, c]
        expected[i, rows, cols, c] += ref.create_mask_from_window(window) * case.dA[i, h, w, c]
    np.testing.assert_allclose(dA_prev, expected, rtol=1e-12, atol=1e-12)


def test_the_course_numbers():
    rng = np.random.RandomState(1)
    A_prev, W, b = rng.randn(10, 4, 4, 3), rng.randn(2, 2, 3, 8), rng.randn(1, 1, 1, 8)
    Z, cache = ref_conv.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    dA, dW, db = ref.conv_backward(Z, cache)
    np.testing.assert_allclose([dA.mean(), dW.mean(), db.mean()], [1.45243777754, 1.72699145831, 7.83923256462],
                               rtol=1e-10)
    rng = np.random.RandomState(1)
    A_prev, dA = rng.randn(5, 5, 3, 2), rng.randn(5, 4, 2, 2)
    assert np.isclose(dA.mean(), 0.145713902729)
    cache = (A_prev, {"stride": 1, "f": 2})
    np.testing.assert_allclose(ref.pool_backward(dA, cache, mode="max")[1, 1],
                               [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]], atol=1e-8)
    np.testing.assert_allclose(ref.pool_backward(dA, cache, mode="average")[1, 1],
                               [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]],
                               atol=1e-8)
    assert ref.create_mask_from_window(np.array([[1, 3], [3, 2]])).tolist() == [[False, True], [True, False]]
    np.testing.assert_array_equal(ref.distribute_value(2, (2, 2)), np.full((2, 2), 0.5))
