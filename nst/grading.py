r"""Graders for the lessons' fill-in cells: compare an answer, and say *what* differs.

A lesson asks the learner to write a building block (a Gram matrix, a style loss, one Adam
step) and grades it in the next cell, CS231n-style, with the relative error

.. math:: \mathrm{rel\_error}(x, y) = \max_i \frac{|x_i - y_i|}{\max(10^{-8}, |x_i| + |y_i|)} .

A bare "wrong" teaches little, so `check` looks for the usual slips before giving up and names
the one it finds:

- the function still raises `NotImplementedError`, or returns ``None`` (a missing ``return``);
- a shape that differs (and whether the answer is the transpose of the expected one);
- the right numbers times a constant: a missing ``1/2``, a factor ``N*M`` or ``4 N^2 M^2`` of a
  normalisation (the grader passes the factors that make sense for the exercise), the sign;
- otherwise the largest error and where it is.

A pass prints one line ``PASS name: rel_error 1.2e-16 (tolerance 1e-06)``; a failure raises
`GradingError` (an `AssertionError`) whose message is the hint.

>>> check("2 + 2", 4.0, 4.0)
PASS 2 + 2: rel_error 0.0e+00 (tolerance 1e-06)
0.0
>>> try:
...     check("half", np.array([1.0, 2.0]), np.array([2.0, 4.0]))
... except GradingError as hint:
...     print(hint)
half: every value is 0.5x the expected one, 1/2 times: a missing factor 2, or an extra 1/2?
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction

import numpy as np

from nst.gradcheck import relative_error as rel_error

__all__ = ["GradingError", "answer", "check", "rel_error", "require"]

#: Constant ratios recognised without help from the grader: ratio -> what it usually means.
COMMON_FACTORS = {
    0.5: "a missing factor 2, or an extra 1/2?",
    2.0: "a 1/2 left out, or a term counted twice?",
    0.25: "an extra 1/4 (or 1/2 twice)?",
    4.0: "a missing 1/4 (Gatys' style loss has 1/(4 N^2 M^2))?",
    -1.0: "the sign is flipped: (a - b) where (b - a) was meant, or a missing minus?",
}


class GradingError(AssertionError):
    """A graded answer differs from the expected one; the message says how."""


def require(name: str, condition: bool, hint: str) -> None:
    """Grade a property rather than a value: print a pass line, or raise `hint`.

    >>> require("G is symmetric", True, "G should equal its transpose")
    PASS G is symmetric
    """
    if not condition:
        raise GradingError(f"{name}: {hint}")
    print(f"PASS {name}")


def answer(name: str, function: Callable, *args, **kwargs):
    """Call the learner's `function`; a `NotImplementedError` becomes a clear message.

    The untouched fill-in raises `NotImplementedError`, which is kept (so a notebook run with
    empty answers stops there), but with a message that names the cell to fill in.
    """
    try:
        return function(*args, **kwargs)
    except NotImplementedError as error:
        raise NotImplementedError(
            f"{name}: not written yet. Fill in the cell marked '# YOUR CODE HERE' "
            "above (replace the 'raise NotImplementedError' line), run it, then run this cell."
        ) from error


def _as_array(name: str, value) -> np.ndarray:
    if value is None:
        raise GradingError(
            f"{name}: the answer is None. Did the function end without 'return'? "
            "(A body that only computes a value returns None.)"
        )
    if hasattr(value, "numpy"):  # a TensorFlow tensor or variable
        value = value.numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise GradingError(
            f"{name}: the answer is a {type(value).__name__}, not numbers ({error})"
        ) from None
    return array


def _constant_ratio(got: np.ndarray, expected: np.ndarray, rtol: float) -> float | None:
    """The one number r with got = r * expected everywhere, if there is one (else None)."""
    nonzero = np.abs(expected) > 1e-12 * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    if not nonzero.any() or not np.allclose(got[~nonzero], 0.0, atol=1e-12):
        return None
    ratios = got[nonzero] / expected[nonzero]
    r = float(np.median(ratios))
    if r == 0.0 or not np.allclose(ratios, r, rtol=max(rtol, 1e-9) * 10):
        return None
    return r


def _explain_ratio(r: float, factors: Mapping[str, float]) -> str:
    """Words for got = r * expected: a named factor of the exercise, or a common slip."""
    for label, value in factors.items():
        if np.isclose(r, value, rtol=1e-6):
            return f"too large by the factor {label}: a division by {label} is missing?"
        if np.isclose(r, 1.0 / value, rtol=1e-6):
            return f"too small by the factor {label}: divided by {label} once too often?"
        if np.isclose(r, -value, rtol=1e-6) or np.isclose(r, -1.0 / value, rtol=1e-6):
            return f"the factor {label} and the sign are both off."
    for value, meaning in COMMON_FACTORS.items():
        if np.isclose(r, value, rtol=1e-6):
            return f"{Fraction(value).limit_denominator(8)} times: {meaning}"
    return "check the normalisation (what you divide by) and any constant factor."


def check(
    name: str,
    got,
    expected,
    *,
    rtol: float = 1e-6,
    factors: Mapping[str, float] | None = None,
) -> float:
    """Grade one answer against the expected value; print a pass line or raise a hint.

    Parameters
    ----------
    name : str
        What is graded, as the learner knows it (``"gram_matrix on the 2x2x2 example"``).
    got : array_like, tensor or number
        The learner's answer.
    expected : array_like, tensor or number
        The worked number or the library's answer.
    rtol : float
        The largest `rel_error` that passes.
    factors : mapping of str to float, optional
        Constant factors that a slip in this exercise would introduce, by the name the lesson
        uses (``{"N*M": n * m, "1/2": 0.5}``): if the answer is off by exactly one of them the
        hint names it.

    Returns
    -------
    error : float
        The relative error (below `rtol`).

    Raises
    ------
    GradingError
        With a hint: None returned, the shape (or the transpose), a constant factor, the sign,
        or the largest difference and where it is.
    """
    got_array = _as_array(name, got)
    want = _as_array(f"{name} (expected)", expected)
    if got_array.shape != want.shape:
        hint = f"{name}: shape {got_array.shape}, expected {want.shape}."
        if got_array.T.shape == want.shape and np.allclose(got_array.T, want, rtol=rtol):
            hint += " The numbers are right but transposed: swap the two axes."
        elif got_array.size == want.size:
            hint += " Same number of values: a reshape or an axis order differs."
        elif got_array.ndim != want.ndim:
            hint += " A batch axis added or dropped, or a sum over the wrong axes?"
        raise GradingError(hint)
    if not np.all(np.isfinite(got_array)):
        raise GradingError(f"{name}: the answer has NaN or infinite values.")
    error = rel_error(got_array, want)
    if error <= rtol:
        print(f"PASS {name}: rel_error {error:.1e} (tolerance {rtol:g})")
        return error
    square = want.ndim == 2 and want.shape[0] == want.shape[1] > 1
    if square and np.allclose(got_array.T, want, rtol=rtol):
        raise GradingError(f"{name}: the numbers are right but transposed: swap the axes.")
    ratio = _constant_ratio(got_array, want, rtol)
    if ratio is not None:
        raise GradingError(
            f"{name}: every value is {ratio:.4g}x the expected one, "
            + _explain_ratio(ratio, dict(factors or {}))
        )
    where = np.unravel_index(int(np.argmax(np.abs(got_array - want))), want.shape)
    at = f" at index {tuple(int(i) for i in where)}" if want.ndim else ""
    raise GradingError(
        f"{name}: rel_error {error:.2e} is above the tolerance {rtol:g}; the largest "
        f"difference is{at}: got {got_array[where]:.6g}, expected {want[where]:.6g}."
    )
