"""The strategies build only valid inputs: every drawn case has an output of at least 1x1, and its fields
agree with each other (shapes, hyperparameters, key order)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from convgrade.lesson import course_module

from conftest import ROOT

gs = course_module(ROOT, "cases")  # the course's strategies (graders/cases.py)


@settings(max_examples=200, database=None, derandomize=True)
@given(gs.conv_cases())
def test_conv_cases_are_valid(case):
    m, n_H, n_W, n_C_prev = case.A_prev.shape
    f, f2, c_in, n_C = case.W.shape
    assert f == f2 and c_in == n_C_prev and case.b.shape == (1, 1, 1, n_C)
    assert n_H + 2 * case.pad >= f and n_W + 2 * case.pad >= f
    assert min(case.out_shape[1:3]) >= 1
    assert set(case.hparameters) == {"stride", "pad"}
    assert case.A_prev.dtype == case.W.dtype == np.float64 and np.isfinite(case.A_prev).all()


@settings(max_examples=200, database=None, derandomize=True)
@given(gs.pool_cases())
def test_pool_cases_are_valid(case):
    m, n_H, n_W, n_C = case.A_prev.shape
    assert n_H >= case.f and n_W >= case.f and min(case.out_shape[1:3]) >= 1
    assert list(case.hparameters) in (["f", "stride"], ["stride", "f"])


@settings(max_examples=100, database=None, derandomize=True)
@given(gs.pool_cases(unique=True))
def test_unique_pool_inputs_have_no_ties(case):
    assert len(np.unique(case.A_prev)) == case.A_prev.size


@settings(max_examples=100, database=None, derandomize=True)
@given(gs.image_cases(dtype="uint8"))
def test_image_cases_fit_the_kernel(case):
    assert case.image.dtype == np.uint8
    assert case.image.shape[0] >= case.kernel.shape[0] and case.image.shape[1] >= case.kernel.shape[1]


def test_side_names_the_argument_when_impossible():
    import pytest

    with pytest.raises(ValueError, match=r"f=9 with pad=0 needs a side of at least 9, larger than max_side=5"):
        gs.side(9, 0, max_side=5)


def test_both_key_orders_are_drawn():
    from hypothesis import find

    find(gs.conv_cases(), lambda c: list(c.hparameters) == ["pad", "stride"])
    find(gs.conv_cases(), lambda c: list(c.hparameters) == ["stride", "pad"])
