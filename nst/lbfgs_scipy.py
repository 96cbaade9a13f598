"""The reference engine: scipy's public L-BFGS-B, one item per iteration.

`scipy_lbfgsb_iterations` runs `scipy.optimize.minimize(method="L-BFGS-B")` (Byrd, Lu, Nocedal,
Zhu 1995) and hands its iterates over one by one, with the arguments, yields and return messages
of `nst.lbfgs.tf_lbfgs_iterations` (``lbfgs_engine="minimize"``). scipy drives that loop and only
calls back, so it runs in a worker thread that hands each iterate over and then waits until the
consumer asks for the next: no work is done ahead of the consumer, and the worker is stopped when
the consumer stops (``close()``, an exception, Ctrl-C).

scipy's own vector work is 80-300 ms per evaluation at 196,608 variables (7-29 % of a style
transfer step at 256-512 px), against 2-5 % for the compiled engine: this one is the reference
that the default is checked against (tests/nst/test_optimizers.py), not the fast path.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import scipy.optimize

__all__ = ["scipy_lbfgsb_iterations"]


class _Stopped(Exception):
    """Raised inside the worker thread when the consumer has stopped listening."""


def scipy_lbfgsb_iterations(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray, Any]],
    x0: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    max_iterations: int,
    maxcor: int = 10,
    maxls: int = 20,
) -> Iterator[tuple[int, np.ndarray, Any]]:
    """L-BFGS-B through the public `scipy.optimize.minimize`, in a worker thread.

    Arguments, yields and return value as `nst.optimizers.lbfgsb_iterations` (`x0` a float64
    (n,) array inside the box, `lower` and `upper` (n,) arrays); the return message is scipy's,
    or ``"stopped"`` when the consumer stopped early.
    """
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
