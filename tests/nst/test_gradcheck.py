"""nst.gradcheck: central differences and CS231n's relative error, including a failing check."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from nst.gradcheck import numerical_gradient, relative_error
from nst.losses import content_loss, style_loss, style_target


def _check_gradient(analytic: np.ndarray, f, x: np.ndarray, tol: float = 1e-6) -> None:
    """The check the tests and lessons use: relative error against central differences."""
    error = relative_error(analytic, numerical_gradient(f, x))
    assert error < tol, f"gradient check failed: relative error {error:.3g} >= {tol}"


def test_numerical_gradient_of_a_polynomial():
    # f(x) = sum x^3 + x0 x1 -> grad = 3 x^2 + (x1, x0, 0); central differences are exact
    # for cubics up to h^2 * f''' / 6 = h^2
    x = np.array([1.0, -2.0, 0.5])

    def f(v):
        return np.sum(v**3) + v[0] * v[1]

    expected = 3 * x**2 + np.array([x[1], x[0], 0.0])
    np.testing.assert_allclose(numerical_gradient(f, x, eps=1e-4), expected, rtol=0, atol=1e-7)


def test_numerical_gradient_does_not_touch_its_input_and_is_float64():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    before = x.copy()
    grad = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    np.testing.assert_array_equal(x, before)
    assert grad.dtype == np.float64 and grad.shape == (2, 3)
    np.testing.assert_allclose(grad, 2 * before, rtol=1e-8)


def test_numerical_gradient_of_a_transposed_fortran_ordered_input():
    # A transposed view is not C-contiguous: the gradient must still be 2x, not zeros.
    x = np.arange(1.0, 7.0).reshape(2, 3).T  # (3, 2), Fortran-ordered
    weights = np.arange(6.0).reshape(3, 2)
    grad = numerical_gradient(lambda v: float(np.sum(weights * v**2)), x)
    np.testing.assert_allclose(grad, 2 * weights * x, rtol=1e-8)


def test_numerical_gradient_accepts_tensors_and_rejects_non_scalars():
    x = np.array([[1.0, 2.0]])
    grad = numerical_gradient(lambda v: tf.reduce_sum(tf.square(v)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)
    with pytest.raises(ValueError, match="scalar"):
        numerical_gradient(lambda v: v, x)
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda v: 0.0, x, eps=0.0)


def test_relative_error_definition():
    # max |x - y| / max(1e-8, |x| + |y|)
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0, 3.0], [1.0, 1.0]) == 0.5
    assert relative_error([0.0], [1e-9]) == pytest.approx(0.1, rel=1e-12)
    assert relative_error([1.0], [-1.0]) == 1.0
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error([1.0], [1.0, 2.0])


def test_autodiff_gradient_of_losses_passes_and_a_wrong_one_fails():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 3, 3, 2))
    p = rng.normal(size=(1, 3, 3, 2))
    target = style_target(rng.normal(size=(4, 4, 2)))

    def total(v):
        return content_loss(v, p) + style_loss(v, target)

    v = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(v)
        loss = total(v)
    right = tape.gradient(loss, v).numpy()
    _check_gradient(right, total, x)

    # A deliberately wrong gradient: the content part with a factor 2 too many (sum (F - P)^2
    # differentiated as if it were 1/2 sum, the classic slip) must fail the same check.
    wrong = right + (x - p)
    with pytest.raises(AssertionError, match="gradient check failed"):
        _check_gradient(wrong, total, x)
    # and so must a gradient with two entries swapped
    swapped = right.copy().reshape(-1)
    swapped[[0, 1]] = swapped[[1, 0]]
    with pytest.raises(AssertionError, match="gradient check failed"):
        _check_gradient(swapped.reshape(right.shape), total, x)
