r"""Numerical gradient checking: central differences and CS231n's relative error.

Used by the tests and by the lessons to check that an analytic or autodiff gradient is right:
compute both, then require ``relative_error(analytic, numerical)`` to be small (about 1e-6 or
less in float64 for smooth functions). A wrong gradient gives an error near 1.

Reference: CS231n ``gradient_check.py`` and ``rel_error``. Lessons L5 and L6.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, *, eps: float = 1e-5
) -> np.ndarray:
    r"""Gradient of a scalar function by central differences, one coordinate at a time, in float64.

    Parameters
    ----------
    f : callable
        Takes an array shaped like `x` (float64) and returns a scalar (a Python float, a numpy
        scalar or a 0-d tensor with ``.numpy()``).
    x : ndarray
        The point, any shape. It is copied to float64 and never modified.
    eps : float
        The step h.

    Returns
    -------
    grad : ndarray of float64, shaped like `x`

    Notes
    -----
    .. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    The error is O(h^2) for smooth f; keep every coordinate further than h from a kink (ReLU,
    absolute value) or the estimate averages the two one-sided slopes.
    """
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}")
    # a C-ordered copy: the caller's array is never touched, and `flat` below is a view of it
    # (for a transposed input, reshape(-1) would copy and the perturbations would be lost)
    point = np.array(x, dtype=np.float64, order="C")
    grad = np.zeros_like(point)
    flat = point.reshape(-1)  # a view into point
    out = grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = _scalar(f(point.copy()))
        flat[i] = original - eps
        minus = _scalar(f(point.copy()))
        flat[i] = original
        out[i] = (plus - minus) / (2.0 * eps)
    return grad


def _scalar(value: object) -> float:
    """A float from a Python number, numpy scalar or 0-d tensor."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(f"f must return a scalar, got shape {array.shape}")
    return float(array.reshape(()))


def relative_error(x: np.ndarray, y: np.ndarray) -> float:
    r"""CS231n's relative error between two arrays: the largest element-wise ratio.

    Parameters
    ----------
    x, y : array_like of the same shape

    Returns
    -------
    error : float
        0 for identical arrays, about 1 when they disagree completely.

    Notes
    -----
    .. math:: \max_i \frac{|x_i - y_i|}{\max(10^{-8}, |x_i| + |y_i|)}
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"shapes differ: {x.shape} and {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
