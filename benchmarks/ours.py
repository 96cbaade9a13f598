"""Our pipeline as users call it: `nst.stylize`, timed between the Steps it yields.

`OursRun` keeps one `nst.stylize` generator alive and advances it one Step at a time, so its
steps can be interleaved with the peers' (a, b, ours, a, b, ours, ...). A step's time is the
wall time of ``next(generator)``: the compiled loss-and-gradient call, the optimiser update and
everything the generator does around it (reading the losses and the image back to numpy,
building the Step) - what a user's loop sees.

For L-BFGS-B one yielded Step is one L-BFGS iteration, which may evaluate the loss several
times (line search). `lbfgs_probe` counts and times those evaluations: while it is active, the
`Objective` that `nst.stylize` builds gets its compiled ``value_and_grad`` wrapped in a timer (a
benchmark-side wrapper; nothing in `nst` is changed). The L-BFGS overhead is then

    overhead = (iteration wall time - time inside the compiled value_and_grad calls)
               / time inside the compiled value_and_grad calls,

per evaluation: scipy's L-BFGS-B work, the float32 <-> float64 conversions, the thread hand-off
of `nst.optimizers.lbfgsb_iterations` and the Step record.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import numpy as np


class EvaluationTimer:
    """Counts and times every call of an Objective's compiled ``value_and_grad``."""

    def __init__(self):
        self.calls = 0
        self.seconds = 0.0

    def wrap(self, function):
        """`function` with its calls counted and timed (results unchanged)."""

        def timed(*args, **kwargs):
            start = time.perf_counter()
            values, gradient = function(*args, **kwargs)
            self.seconds += time.perf_counter() - start  # eager CPU calls are synchronous
            self.calls += 1
            return values, gradient

        return timed


@contextlib.contextmanager
def lbfgs_probe() -> Iterator[EvaluationTimer]:
    """While active, Objectives built by `nst.stylize` time their ``value_and_grad`` calls.

    Yields
    ------
    EvaluationTimer
        Shared by every Objective built inside the ``with`` block.
    """
    import nst.optimize

    timer = EvaluationTimer()
    original = nst.optimize.Objective

    class TimedObjective(original):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.value_and_grad = timer.wrap(self.value_and_grad)

    nst.optimize.Objective = TimedObjective
    try:
        yield timer
    finally:
        nst.optimize.Objective = original


class OursRun:
    """One `nst.stylize` run, advanced a Step at a time.

    Parameters
    ----------
    weights : vgg_mat.VGGWeights or vgg_mat.VGG or path
        Passed to `nst.stylize` as is.
    content, style : (H, W, 3) float32 arrays, RGB in [0, 255]
    optimizer : {"adam", "lbfgs"}
    iterations : int
        Upper bound on Steps (the generator is simply not advanced further).
    preset : str
        The preset ("tf-tutorial": the peers' layers, losses, Adam settings and [0, 1] box).

    Attributes
    ----------
    timer : EvaluationTimer or None
        For L-BFGS, the evaluation counter/timer of this run.
    first_seconds : float
        Wall time of the first ``next()`` (targets, tracing, the first evaluation).
    """

    def __init__(
        self,
        weights,
        content: np.ndarray,
        style: np.ndarray,
        *,
        optimizer: str,
        iterations: int = 100_000,
        preset: str = "tf-tutorial",
    ):
        import nst

        self.optimizer = optimizer
        self.timer: EvaluationTimer | None = None
        if optimizer == "lbfgs":
            with lbfgs_probe() as timer:
                self._steps = nst.stylize(
                    content, style, weights=weights, preset=preset, optimizer=optimizer,
                    iterations=iterations,
                )  # fmt: skip
                start = time.perf_counter()
                self.last = next(self._steps)  # the Objective is built in the first next()
            self.timer = timer
        else:
            self._steps = nst.stylize(
                content, style, weights=weights, preset=preset, optimizer=optimizer,
                iterations=iterations,
            )  # fmt: skip
            start = time.perf_counter()
            self.last = next(self._steps)
        self.first_seconds = time.perf_counter() - start

    def step(self) -> dict[str, float]:
        """Advance one Step; returns its wall ``seconds``, ``evaluations`` and compiled time.

        Returns
        -------
        dict
            ``seconds`` (wall time of ``next()``), ``loss`` (total loss of the new Step), and
            for L-BFGS ``evaluations`` and ``eval_seconds`` (time inside compiled calls).
        """
        calls0 = self.timer.calls if self.timer else 0
        inside0 = self.timer.seconds if self.timer else 0.0
        start = time.perf_counter()
        self.last = next(self._steps)
        seconds = time.perf_counter() - start
        result = {"seconds": seconds, "loss": self.last.losses["total"]}
        if self.timer is not None:
            result["evaluations"] = self.timer.calls - calls0
            result["eval_seconds"] = self.timer.seconds - inside0
        return result

    def close(self) -> None:
        """Stop the generator (and scipy's worker thread for L-BFGS)."""
        self._steps.close()


def conversion_seconds(shape: tuple[int, ...], repeats: int = 5) -> float:
    """Median time of the L-BFGS bridge's array conversions for one evaluation.

    The same operations as the ``fun`` of `nst.optimize`'s L-BFGS loop does around the
    compiled call, on an array of `shape`: float64 -> float32 tensor, gradient tensor ->
    float64 vector, and the finiteness check.
    """
    import tensorflow as tf

    x = np.random.default_rng(0).random(int(np.prod(shape)))
    g = tf.constant(np.random.default_rng(1).random(shape, dtype=np.float32))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        z = tf.constant(x.reshape(shape).astype(np.float32))
        gradient = g.numpy().ravel().astype(np.float64)
        np.isfinite(float(gradient.sum()))
        times.append(time.perf_counter() - start)
        del z
    return float(np.median(times))
