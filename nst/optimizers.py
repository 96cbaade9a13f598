r"""The two optimisers of `nst.stylize`: a TF-native Adam step and a bridge to scipy's L-BFGS-B.

Both know nothing about style transfer: they minimise any f(x) over a box lo <= x <= hi.

- `adam_update` one Adam step on tensors, in Keras' form (the TensorFlow tutorial's optimiser),
  followed by the projection onto the box (clipping). Pure: new state in, new state out, so it
  runs inside the caller's compiled step with no Python or numpy round trip.
- `lbfgsb_iterations` a generator over the iterations of `scipy.optimize.minimize(...,
  method="L-BFGS-B")` with box bounds: one item per L-BFGS iteration (not per function
  evaluation), produced lazily, so a caller can stop, plot or save between iterations.

Two engines drive the same L-BFGS-B code and give the same iterates (tested):

- ``"setulb"``: a plain generator around scipy's reverse-communication routine
  ``scipy.optimize._lbfgsb.setulb`` (exactly the loop `scipy.optimize.minimize` runs), with the
  bounds set up in vectorised numpy. No thread, and no per-variable Python loops: scipy's public
  path converts the bounds element by element (about 1 s at 256 px and 5-10 s at 512 px on a
  2-core machine before the first evaluation). It is a private scipy API whose signature
  changed in 1.15, so it is used only on the scipy versions it was checked on (1.15-1.17).
- ``"minimize"``: the public `scipy.optimize.minimize`. scipy drives that loop and only calls
  back, so it runs in a worker thread that hands each iterate over and then waits until the
  consumer asks for the next: no work is done ahead of the consumer, and the worker is stopped
  when the consumer stops (``close()``, an exception, Ctrl-C).

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
    engine: str = "auto",
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
    engine : {"auto", "setulb", "minimize"}
        How scipy is driven (module docstring); ``"auto"`` takes ``"setulb"`` where available.

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
    if engine not in ("auto", "setulb", "minimize"):
        raise ValueError(f"unknown engine {engine!r}; use auto, setulb or minimize")
    if engine == "setulb" or (engine == "auto" and _setulb_available()):
        return (yield from _setulb_iterations(fun, x0, lower, upper, max_iterations, maxcor, maxls))
    return (yield from _minimize_iterations(fun, x0, lower, upper, max_iterations, maxcor, maxls))


def _setulb_available() -> bool:
    """True on the scipy versions whose private ``setulb`` signature `_setulb_iterations` uses."""
    try:
        from scipy.optimize import _lbfgsb  # noqa: F401
    except ImportError:
        return False
    major, minor = (int(part) for part in scipy.__version__.split(".")[:2])
    return (1, 15) <= (major, minor) <= (1, 17)


def _setulb_message(task: np.ndarray) -> str:
    from scipy.optimize import _lbfgsb_py

    status = getattr(_lbfgsb_py, "status_messages", {}).get(int(task[0]), str(int(task[0])))
    detail = getattr(_lbfgsb_py, "task_messages", {}).get(int(task[1]), str(int(task[1])))
    return f"{status}: {detail}"


def _setulb_iterations(fun, x0, lower, upper, max_iterations, maxcor, maxls):
    """L-BFGS-B by reverse communication: the loop of scipy's ``_minimize_lbfgsb``."""
    from scipy.optimize import _lbfgsb

    n, m = x0.size, maxcor
    has_lower, has_upper = np.isfinite(lower), np.isfinite(upper)
    # nbd: 0 unbounded, 1 lower only, 2 both, 3 upper only (L-BFGS-B's convention)
    nbd = np.select([has_lower & has_upper, has_lower, has_upper], [2, 1, 3], 0).astype(np.int32)
    low = np.where(has_lower, lower, 0.0)
    high = np.where(has_upper, upper, 0.0)
    x = x0.copy()  # setulb moves x in place
    f: Any = np.array(0.0)
    g = np.zeros(n)
    wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m)
    iwa = np.zeros(3 * n, np.int32)
    task = np.zeros(2, np.int32)  # START
    ln_task = np.zeros(2, np.int32)
    lsave = np.zeros(4, np.int32)
    isave = np.zeros(44, np.int32)
    dsave = np.zeros(29)
    maxfun = (max_iterations + 1) * (maxls + 1)
    evaluations, iteration = 0, 0
    last_x, last_info = None, None
    while True:
        # factr = 0 and pgtol = 0: never stop merely because progress is slow
        _lbfgsb.setulb(m, x, low, high, nbd, f, g, 0.0, 0.0, wa, iwa, task, lsave, isave,
                       dsave, maxls, ln_task)  # fmt: skip
        if task[0] == 3:  # FG: f and g wanted at x
            last_x = x.copy()
            value, gradient, last_info = fun(last_x)
            f, g = float(value), np.asarray(gradient, dtype=np.float64)
            evaluations += 1
            if evaluations == 1:
                yield 0, last_x.copy(), last_info
                if max_iterations == 0:
                    return "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
        elif task[0] == 1:  # NEW_X: an iteration is complete
            iteration += 1
            if not np.array_equal(x, last_x):  # not the last evaluated point: evaluate it
                last_x = x.copy()
                _, _, last_info = fun(last_x)
            yield iteration, x.copy(), last_info
            if iteration >= max_iterations:
                return "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
            if evaluations > maxfun:
                return "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"
        else:
            return _setulb_message(task)


def _minimize_iterations(fun, x0, lower, upper, max_iterations, maxcor, maxls):
    """L-BFGS-B through the public `scipy.optimize.minimize`, in a worker thread."""
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
