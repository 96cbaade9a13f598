r"""The two optimisers of `nst.stylize`: a TF-native Adam step and a bridge to scipy's L-BFGS-B.

Both know nothing about style transfer: they minimise any f(x) over a box lo <= x <= hi.

- `adam_update` one Adam step on tensors, in Keras' form (the TensorFlow tutorial's optimiser),
  followed by the projection onto the box (clipping). Pure: new state in, new state out, so it
  runs inside the caller's compiled step with no Python or numpy round trip.
- `lbfgsb_iterations` a generator over the iterations of `scipy.optimize.minimize(...,
  method="L-BFGS-B")` with box bounds: one item per L-BFGS iteration (not per function
  evaluation), produced lazily, so a caller can stop, plot or save between iterations.

Why a generator needs a thread: scipy drives the loop and only calls back; it cannot yield.
`lbfgsb_iterations` runs `minimize` in a worker thread that hands each iterate over and then
waits until the consumer asks for the next, so no work is done ahead of the consumer and the
worker is stopped cleanly when the consumer stops (``close()``, an exception, Ctrl-C).

References: Kingma and Ba, "Adam" (2015), section 2 (the epsilon-hat form below);
Byrd, Lu, Nocedal, Zhu, "A limited memory algorithm for bound constrained optimization" (1995).
Lesson L9.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import scipy.optimize
import tensorflow as tf


def adam_update(
    x: tf.Tensor,
    gradient: tf.Tensor,
    m: tf.Tensor,
    v: tf.Tensor,
    t: tf.Tensor,
    *,
    learning_rate: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-7,
    lower: tf.Tensor | float | None = None,
    upper: tf.Tensor | float | None = None,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    r"""One Adam step (Keras' form), then projection onto the box [lower, upper].

    Parameters
    ----------
    x, gradient, m, v : tf.Tensor, all of one shape (e.g. (1, H, W, 3)) and float dtype
        The parameters, df/dx at `x`, and the first and second moment estimates (zeros at the
        start).
    t : () tf.Tensor
        The step number, 1 for the first step (same float dtype as `x`).
    learning_rate, beta1, beta2, epsilon : float
        Adam's hyperparameters. Keras' defaults are (0.001, 0.9, 0.999, 1e-7); the TensorFlow
        style-transfer tutorial uses (0.02, 0.99, 0.999, 0.1).
    lower, upper : tensor broadcastable to `x`, float, or None
        The box; None leaves that side open.

    Returns
    -------
    x, m, v : tf.Tensor
        The new parameters (inside the box) and moments, same shapes as the inputs.

    Notes
    -----
    With g the gradient,

    .. math::

        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g^2,

        \hat\alpha_t = \eta \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}, \qquad
        x_t = \Pi_{[lo, hi]}\!\left(x_{t-1} - \hat\alpha_t \frac{m_t}{\sqrt{v_t} + \hat\epsilon}
        \right).

    This is Kingma and Ba's "epsilon-hat" form, the one ``tf.keras.optimizers.Adam`` computes:
    epsilon is added to the **un-bias-corrected** :math:`\sqrt{v_t}`, so it acts
    :math:`\sqrt{1-\beta_2^t}` times more strongly than in the paper's Algorithm 1 early on. Adam
    is invariant to the scale of the loss only while epsilon is small against
    :math:`\sqrt{v_t}`; the TF tutorial's epsilon = 0.1 (on a [0, 1] image) deliberately breaks
    that, which is why its weights behave unlike other Adam setups (curriculum, L9).
    :math:`\Pi` clips each element to the box (the projection of the TF tutorial's ``clip_0_1``).
    """
    m = beta1 * m + (1.0 - beta1) * gradient  # m_t
    v = beta2 * v + (1.0 - beta2) * tf.square(gradient)  # v_t
    alpha = learning_rate * tf.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)  # alpha-hat_t
    x = x - alpha * m / (tf.sqrt(v) + epsilon)
    if lower is not None:
        x = tf.maximum(x, lower)
    if upper is not None:
        x = tf.minimum(x, upper)
    return x, m, v


class _Stopped(Exception):
    """Raised inside the worker thread when the consumer has stopped listening."""


def lbfgsb_iterations(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray, Any]],
    x0: np.ndarray,
    lower: np.ndarray | float,
    upper: np.ndarray | float,
    *,
    max_iterations: int,
    maxcor: int = 10,
    maxls: int = 20,
) -> Iterator[tuple[int, np.ndarray, Any]]:
    r"""Minimise f over a box with scipy's L-BFGS-B, yielding once per iteration.

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
        scipy's termination message (the generator's ``StopIteration.value``), e.g.
        ``"STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"``, or ``"stopped"`` if the consumer
        stopped early. scipy may stop before `max_iterations` when the line search cannot make
        progress; the tolerances ``ftol`` and ``gtol`` are set to 0 so that it never stops
        merely because progress is slow.

    Notes
    -----
    Exceptions raised by `fun` propagate to the consumer. Every evaluation is computed lazily:
    the worker waits after each yielded iterate until the consumer asks for the next one.
    """
    if max_iterations < 0:
        raise ValueError(f"max_iterations must be >= 0, got {max_iterations}")
    x0 = np.asarray(x0, dtype=np.float64).ravel()
    lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), x0.shape)
    upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), x0.shape)
    x0 = np.clip(x0, lower, upper)

    to_consumer: queue.Queue = queue.Queue()
    to_worker: queue.Queue = queue.Queue()
    last: dict = {}  # the latest evaluation: {"x": ..., "info": ...}

    def hand_over(iteration: int, x: np.ndarray, info: Any) -> None:
        to_consumer.put(("iterate", (iteration, x, info)))
        if to_worker.get() == "stop":
            raise _Stopped

    def evaluate(x: np.ndarray) -> tuple[float, np.ndarray]:
        x = np.array(x, dtype=np.float64)  # scipy reuses its buffer; keep our own copy
        f, g, info = fun(x)
        first = not last
        last["x"], last["info"] = x, info
        if first:
            hand_over(0, x.copy(), info)
        return float(f), np.asarray(g, dtype=np.float64)

    def callback(intermediate_result: scipy.optimize.OptimizeResult) -> None:
        x = np.array(intermediate_result.x, dtype=np.float64)
        if not np.array_equal(x, last["x"]):  # not the last evaluated point: evaluate it
            _, _, info = fun(x)
            last["x"], last["info"] = x, info
        hand_over(callback.iteration, x, last["info"])
        callback.iteration += 1

    callback.iteration = 1

    def work() -> None:
        try:
            if max_iterations == 0:  # scipy would still iterate once; evaluate x0 only
                evaluate(x0)
                message = "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
            else:
                result = scipy.optimize.minimize(
                    evaluate,
                    x0,
                    jac=True,
                    method="L-BFGS-B",
                    bounds=scipy.optimize.Bounds(lower, upper),
                    callback=callback,
                    options={
                        "maxiter": max_iterations,
                        "maxcor": maxcor,
                        "maxls": maxls,
                        "maxfun": (max_iterations + 1) * (maxls + 1),
                        "ftol": 0.0,
                        "gtol": 0.0,
                    },
                )
                message = str(result.message)
            to_consumer.put(("done", message))
        except _Stopped:
            to_consumer.put(("done", "stopped"))
        except BaseException as error:  # handed to the consumer, who re-raises it
            to_consumer.put(("error", error))

    worker = threading.Thread(target=work, name="lbfgsb", daemon=True)
    worker.start()
    finished = False
    try:
        while True:
            kind, payload = to_consumer.get()
            if kind == "iterate":
                yield payload
                to_worker.put("continue")
            elif kind == "done":
                finished = True
                return payload
            else:
                finished = True
                raise payload
    finally:
        if not finished:  # the consumer stopped early: release the waiting worker
            to_worker.put("stop")
        worker.join()
