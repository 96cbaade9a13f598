"""The optimisers of `nst.stylize`, by name: Adam's update and box-constrained L-BFGS.

Both know nothing about style transfer: they minimise any f(x) over a box lo <= x <= hi.

- `adam_update` (`nst.adam`): one Adam step on tensors, then the projection onto the box;
- `lbfgsb_iterations`: box-constrained L-BFGS as a generator, one item per iteration, with the
  engine chosen by name (`nst.choices.LBFGS_ENGINES`):

  - ``"tf"`` (what ``"auto"`` picks): the projected L-BFGS in compiled TensorFlow
    (`nst.lbfgs.tf_lbfgs_iterations`), the default;
  - ``"minimize"``: scipy's public L-BFGS-B (`nst.lbfgs_scipy.scipy_lbfgsb_iterations`), the
    reference.

  Both have the same arguments, yields and return messages (tested). The engine ``"setulb"``
  (scipy's private ``_lbfgsb.setulb``, which worked on scipy 1.15-1.17 only) was removed.

Lesson L9.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from nst.adam import adam_update
from nst.choices import LBFGS_ENGINES, REMOVED_LBFGS_ENGINES
from nst.lbfgs import tf_lbfgs_iterations
from nst.lbfgs_scipy import scipy_lbfgsb_iterations

__all__ = ["adam_update", "lbfgsb_iterations", "scipy_lbfgsb_iterations", "tf_lbfgs_iterations"]


def lbfgsb_iterations(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray, Any]],
    x0: np.ndarray,
    lower: np.ndarray | float,
    upper: np.ndarray | float,
    *,
    max_iterations: int,
    maxcor: int = 10,
    maxls: int = 20,
    engine: str = "auto",
) -> Iterator[tuple[int, np.ndarray, Any]]:
    r"""Minimise f over a box with L-BFGS, yielding once per iteration.

    Parameters
    ----------
    fun : callable ``fun(x) -> (f, g, info)``
        `x` a (n,) float64 array; returns the value f (float), the gradient g ((n,) float64)
        and any `info` the caller wants back with each iterate (e.g. the loss terms).
    x0 : (n,) ndarray
        The starting point; it is projected onto the box first (as L-BFGS-B does).
    lower, upper : (n,) ndarray or float
        The box lo <= x <= hi (use -inf / inf for an open side).
    max_iterations : int
        Number of L-BFGS iterations (scipy's ``maxiter``); >= 0.
    maxcor : int
        Number of correction pairs kept (the "limited memory" m; scipy's default 10).
    maxls : int
        Maximum number of function evaluations per line search (scipy's default 20).
    engine : {"auto", "tf", "minimize"}
        The projected L-BFGS in TensorFlow (`tf_lbfgs_iterations`) or scipy's L-BFGS-B
        (`scipy_lbfgsb_iterations`). ``"auto"`` is ``"tf"``: measured as good in loss per
        iteration and 4-13x cheaper per evaluation.

    Yields
    ------
    iteration : int
        0 for the starting point, then 1, 2, ... after each L-BFGS iteration.
    x : (n,) ndarray of float64
        The iterate (a copy, safe to keep).
    info : object
        What `fun` returned with its evaluation at exactly this `x`.

    Returns
    -------
    message : str
        The termination message in scipy's words (the generator's ``StopIteration.value``),
        e.g. ``"STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"``, or ``"stopped"`` if the
        consumer stopped the ``"minimize"`` engine early. Every engine may stop before
        `max_iterations` when the line search cannot make progress, at a point whose projected
        gradient is exactly 0, or after an iteration that did not lower f; the tolerances
        ``ftol`` and ``gtol`` are 0 so that none stops merely because progress is slow.

    Notes
    -----
    Exceptions raised by `fun` propagate to the consumer. Every evaluation is computed lazily:
    nothing is evaluated ahead of the consumer.

    Raises
    ------
    ValueError
        ``max_iterations < 0``, or an unknown or removed engine (``"setulb"``: use
        ``"minimize"`` for scipy's L-BFGS-B).
    """
    if max_iterations < 0:
        raise ValueError(f"max_iterations must be >= 0, got {max_iterations}")
    x0 = np.asarray(x0, dtype=np.float64).ravel()
    lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), x0.shape)
    upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), x0.shape)
    x0 = np.clip(x0, lower, upper)
    if engine in REMOVED_LBFGS_ENGINES:
        raise ValueError(
            f"engine {engine!r} was {REMOVED_LBFGS_ENGINES[engine]}; valid engines: "
            f"{', '.join(LBFGS_ENGINES)}"
        )
    if engine not in LBFGS_ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of: {', '.join(LBFGS_ENGINES)}")
    engines = {"auto": tf_lbfgs_iterations, "tf": tf_lbfgs_iterations,
               "minimize": scipy_lbfgsb_iterations}  # fmt: skip
    run = engines[engine](
        fun, x0, lower, upper, max_iterations=max_iterations, maxcor=maxcor, maxls=maxls
    )
    del x0  # the engine holds it now (the TF one drops it once x0 is a tensor)
    return (yield from run)
