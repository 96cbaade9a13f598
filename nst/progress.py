"""Following a run: the loss history, the best image so far, and a progress bar on stderr.

`nst.stylize` yields `Step` records and does no I/O; these helpers turn them into what a user
sees and what the manifest keeps:

- `RunHistory`   per-iteration losses (every term and layer) and timings, in columns, plus the
  best step (lowest total loss) and the last one. Images of other steps are not kept.
- `ProgressBar`  tqdm on stderr: iteration n / total, the per-term losses, it/s and the ETA.
- `follow`       consume a run: record, show and hand each step on; stop cleanly on Ctrl-C or
  SIGTERM (`sigterm_as_interrupt`), on a non-finite loss (`nst.StylizeError`) or when handing
  a step on fails, and say which image should be kept (the last, the best so far, or the last
  good one).
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from nst.choices import LOSS_TERMS

#: Terms shown in the progress bar (the per-layer ones stay in the manifest).
BAR_TERMS = LOSS_TERMS


@dataclass(frozen=True)
class LossRecord:
    """The losses of one iteration, without its image (what `nst.plots.plot_losses` reads)."""

    iteration: int
    losses: dict[str, float]
    elapsed: float


def _pixels(step: Any) -> int:
    """H * W of a step's image (0 for a step without one)."""
    image = getattr(step, "image", None)
    return 0 if image is None else int(image.shape[0] * image.shape[1])


@dataclass
class RunHistory:
    """Losses and timings of every step seen, the best step and the last one.

    Attributes
    ----------
    records : list of LossRecord
        One per step, in order.
    best : Step or None
        The step with the lowest finite ``losses["total"]`` among the steps of the largest
        image seen so far (the earliest on ties). In a coarse-to-fine run a later, larger stage
        always replaces a smaller one's best: the output must have the requested size, and
        losses of stages at different sizes are not comparable.
    last : Step or None
        The latest step.
    """

    records: list[LossRecord] = field(default_factory=list)
    best: Any = None
    last: Any = None

    def add(self, step: Any) -> None:
        """Record a `nst.Step` (keeps its image only while it is the best or the last)."""
        self.records.append(LossRecord(step.iteration, dict(step.losses), float(step.elapsed)))
        total = step.losses.get("total", math.nan)
        if math.isfinite(total):
            best = self.best
            # compare (image size, -total): a larger stage wins, then the lower loss
            if best is None or (_pixels(step), -total) > (_pixels(best), -best.losses["total"]):
                self.best = step
        self.last = step

    def columns(self) -> dict[str, Any]:
        """The history in columns, for the manifest.

        Returns
        -------
        dict
            ``{"iteration": [...], "elapsed_s": [...], "losses": {key: [...]}}``, one entry per
            step; ``losses`` has every key of the steps (``total``, ``content``, ``style``,
            ``tv``, ``content/<layer>``, ``style/<layer>``).
        """
        keys = list(dict.fromkeys(k for r in self.records for k in r.losses))
        return {
            "iteration": [r.iteration for r in self.records],
            "elapsed_s": [round(r.elapsed, 6) for r in self.records],
            "losses": {k: [r.losses.get(k, math.nan) for r in self.records] for k in keys},
        }


def format_losses(losses: dict[str, float], terms: tuple[str, ...] = BAR_TERMS) -> str:
    """``total=1.23e+05 content=...`` for the terms present (4 significant digits)."""
    return " ".join(f"{k}={losses[k]:.3e}" for k in terms if k in losses)


class ProgressBar:
    """A tqdm progress bar on stderr for a run of ``total`` steps; silent when `quiet`.

    Parameters
    ----------
    total : int
        Iterations expected (a run of 50 iterations shows ``50/50`` at its end): a step 0, the
        starting image of a run or of a coarse-to-fine stage, shows its losses without counting.
    description : str
        Shown on the left (``"stylize"``, ``"texture"``, ...).
    quiet : bool
        No output at all.
    stream : file, optional
        Default ``sys.stderr``.

    Notes
    -----
    Each `update` shows ``n/total``, the rate (it/s), the elapsed time and the ETA
    ``(total - n) / rate``, and the per-term losses of the step as the postfix.
    """

    def __init__(self, total: int, description: str, *, quiet: bool, stream: TextIO | None = None):
        from tqdm.auto import tqdm

        self._bar = tqdm(
            total=total,
            desc=description,
            unit="it",
            file=stream if stream is not None else sys.stderr,
            disable=quiet,
            dynamic_ncols=True,
            mininterval=0.2,
        )

    def update(self, step: Any) -> None:
        """Show the step's losses; advance by one unless it is a starting image (iteration 0)."""
        self._bar.set_postfix_str(format_losses(step.losses), refresh=step.iteration == 0)
        if step.iteration:
            self._bar.update(1)

    def close(self) -> None:
        """Finish the line (idempotent)."""
        self._bar.close()


@dataclass
class Outcome:
    """How a run ended and which image to keep.

    Attributes
    ----------
    status : {"completed", "interrupted", "failed"}
    exit_status : int
        0, 130 (Ctrl-C), 143 (SIGTERM) or 1 (non-finite loss, or `on_step` failed).
    message : str or None
        scipy's termination message for a completed L-BFGS run (else None), or what went wrong.
    keep : Step or None
        The image to write: the last step (completed, or `on_step` failed), the best so far
        (interrupted: lowest total loss), the last good one (non-finite loss); None when no
        step was reached.
    which : str or None
        ``"last"``, ``"best"`` or ``"last good"``.
    history : RunHistory
    signal : str or None
        ``"SIGINT"`` or ``"SIGTERM"`` when a signal stopped the run.
    """

    status: str
    exit_status: int
    message: str | None
    keep: Any
    which: str | None
    history: RunHistory
    signal: str | None = None


class SnapshotError(Exception):
    """`on_step` could not save a step (the cause is the OSError or ValueError it raised)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread (`sigterm_as_interrupt`): stops a run like Ctrl-C."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated(signal.Signals(signum).name)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Within: SIGTERM (``timeout``, docker, systemd) raises `Terminated` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def follow(
    steps: Iterator[Any],
    bar: ProgressBar,
    on_step: Callable[[Any], None] | None = None,
) -> Outcome:
    """Consume a `nst.stylize` generator: record each step, update `bar`, call ``on_step(step)``.

    Parameters
    ----------
    steps : generator of Step
    bar : ProgressBar
        Closed on return.
    on_step : callable, optional
        Called after each step is recorded (e.g. to write a snapshot); an `OSError` or
        `ValueError` from it ends the run as ``"failed"`` ("could not write a snapshot: ...").
        One from the run itself also ends it as ``"failed"``, with the run's own message.

    Returns
    -------
    Outcome

    Notes
    -----
    Ctrl-C (`KeyboardInterrupt`), SIGTERM (`Terminated`, within `sigterm_as_interrupt`) and
    `nst.StylizeError` end the run without propagating. The
    generator is always closed, which stops L-BFGS-B's worker thread when the run ends early.
    """
    from nst.optimize import StylizeError

    history = RunHistory()
    message = None
    try:
        try:
            while True:
                try:
                    step = next(steps)
                except StopIteration as stop:
                    message = stop.value  # scipy's termination message (L-BFGS), else None
                    break
                history.add(step)
                bar.update(step)
                if on_step is not None:
                    try:
                        on_step(step)
                    except (OSError, ValueError) as error:
                        raise SnapshotError(error) from error
        finally:
            steps.close()
            bar.close()
    except Terminated:
        return Outcome("interrupted", 143, "terminated (SIGTERM)", history.best, "best", history,
                       "SIGTERM")  # fmt: skip
    except KeyboardInterrupt:
        return Outcome("interrupted", 130, "interrupted (Ctrl-C / SIGINT)", history.best, "best",
                       history, "SIGINT")  # fmt: skip
    except StylizeError as error:
        return Outcome("failed", 1, str(error), error.last_step, "last good", history)
    except SnapshotError as error:
        return Outcome("failed", 1, f"could not write a snapshot: {error.__cause__}",
                       history.last, "last", history)  # fmt: skip
    except (OSError, ValueError) as error:  # from the run itself: its own message
        return Outcome("failed", 1, str(error), history.last, "last", history)
    return Outcome("completed", 0, message, history.last, "last", history)
