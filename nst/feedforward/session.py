"""A training run with everything around `train`: progress bar, checkpoints, manifest, signals.

`fit` follows `nst.feedforward.train.train` and

- shows a progress bar (`nst.progress.ProgressBar`: step n / total, the loss terms, it/s, ETA);
- refuses to replace an earlier run's model or manifest unless ``overwrite=True``, and then
  removes both first: a model and a manifest on disk always come from the same run;
- writes the model (`nst.feedforward.modelfile.save_model`, atomically, labelled with the loss
  network's weights, ``loss.net.weights``) every ``checkpoint_every`` steps and at the end, so
  the file on disk is always a whole model;
- writes a JSON manifest next to it (``model.json``: every setting, the loss settings, the
  weights' label, the loss history in columns, the checkpoints, how the run ended), rewritten
  at every checkpoint;
- on Ctrl-C or SIGTERM stops at once and keeps the last checkpoint (a whole file, never one
  half-written: a signal that comes while a checkpoint is written waits for it to finish); the
  manifest says which signal stopped the run and at which step.

Exit status (`FitOutcome.exit_status`): 0 done, 1 the loss or a gradient became non-finite
(`nst.feedforward.train.train` stops before the update; the last checkpoint, written from finite
weights, is kept and the manifest's ``kept_checkpoint`` names it), 130 Ctrl-C, 143 SIGTERM.
Lesson 12; `nst train` calls this.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nst.feedforward.modelfile import save_model
from nst.feedforward.origin import provenance
from nst.feedforward.train import TrainSettings, train
from nst.manifest import environment, manifest_path, utc_now, write_json
from nst.progress import ProgressBar, RunHistory, Terminated, sigterm_as_interrupt

__all__ = ["LOSS_FIELDS", "FitOutcome", "fit", "model_info"]

#: The `StylizeConfig` fields that define the loss (the optimiser's fields do not apply here).
LOSS_FIELDS = (
    "preset",
    "content_layers",
    "style_layers",
    "content_weight",
    "style_weight",
    "tv_weight",
    "content_convention",
    "style_convention",
    "tv_kind",
    "pixel_range",
    "tv_pixel_scale",
    "pooling",
    "style_blend",
    "style_scale",
    "style_layer_weight_exp",
)


@dataclass
class FitOutcome:
    """How a training run ended.

    Attributes
    ----------
    status : {"completed", "interrupted", "failed"}
    exit_status : int
        0, 130 (Ctrl-C), 143 (SIGTERM), 1 (non-finite loss or gradient).
    steps : int
        Steps completed.
    checkpoint : int or None
        The step of the model file on disk (None: none written).
    history : RunHistory
    message : str or None
    """

    status: str
    exit_status: int
    steps: int
    checkpoint: int | None
    history: RunHistory = field(default_factory=RunHistory)
    message: str | None = None


def model_info(
    settings: TrainSettings, config, weights, *, style: str, trained_on: str, step: int
) -> dict[str, Any]:
    """What a model file says about how it was made (JSON-ready): the settings, the loss, the
    weights' provenance (`nst.feedforward.origin.provenance`), the style and the training data.
    """
    return {
        "step": step,
        "training": asdict(settings),
        "loss": {name: _plain(getattr(config, name)) for name in LOSS_FIELDS},
        **provenance(weights),
        "style": style,
        "trained_on": trained_on,
    }


def _clear(out: Path, *, overwrite: bool) -> None:
    """Make room for a new run at `out`: refuse an earlier run's files, or remove them.

    The manifest goes first: stopped in between, the disk holds the old model alone (which
    says what it is), never the old model with a new manifest.
    """
    existing = [path for path in (manifest_path(out), out) if path.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{existing[0]} exists (an earlier run?); choose another output or pass "
            "overwrite=True to replace the model and its manifest"
        )
    for path in existing:
        path.unlink()


@contextlib.contextmanager
def _signals_deferred(*, resend: bool):
    """Within: Ctrl-C and SIGTERM wait (a checkpoint and its manifest are written together).

    On leaving, a signal that came is sent again (`resend`) or dropped (the final writes).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    numbers = (signal.SIGINT, signal.SIGTERM)
    previous = {n: signal.signal(n, lambda number, frame: caught.append(number)) for n in numbers}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught and resend:
            signal.raise_signal(caught[0])


def _plain(value: Any) -> Any:
    """A config value as JSON-ready Python: dicts, lists, numbers, strings."""
    if isinstance(value, dict):
        return {str(k): float(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return getattr(value, "name", value)  # a Preset: its name


def fit(
    model,
    loss,
    source,
    settings: TrainSettings,
    *,
    out: str | Path,
    info: dict[str, Any],
    manifest: dict[str, Any] | None = None,
    quiet: bool = False,
    overwrite: bool = False,
) -> FitOutcome:
    """Train `model` with a progress bar, checkpoints every N steps and a manifest.

    Parameters
    ----------
    model, loss, source, settings
        As for `nst.feedforward.train.train`; ``loss.net.weights`` (the loss network's
        `vgg_mat.VGGWeights`) labels every checkpoint.
    out : path
        The model file (``.npz``); the manifest is the same path with ``.json``.
    info : dict
        `model_info` of the run (its ``step`` is set at each checkpoint).
    manifest : dict, optional
        More entries for the manifest (the command line, the inputs).
    quiet : bool
        No progress bar.
    overwrite : bool
        Replace the model and manifest of an earlier run at `out` (both are removed before the
        run starts); otherwise either one existing is an error.

    Returns
    -------
    FitOutcome

    Raises
    ------
    FileExistsError
        `out` or its manifest exists and `overwrite` is False (nothing is touched).
    """
    out = Path(out)
    weights = loss.net.weights
    _clear(out, overwrite=overwrite)
    began, history = time.perf_counter(), RunHistory()
    record = {
        "command": "train",
        "status": "running",
        "started": utc_now(),
        "model": str(out.resolve()),
        "architecture": model.architecture,
        **info,
        **(manifest or {}),
        "checkpoints": [],
        "environment": environment(),
    }
    write_json(manifest_path(out), record)
    outcome = FitOutcome("completed", 0, 0, None, history)

    def checkpoint(step: int) -> None:
        with _signals_deferred(resend=True):  # the model and its manifest agree
            save_model(out, model, weights=weights, info={**info, "step": step})
            outcome.checkpoint = step
            record["checkpoints"].append(step)
            record.update(history=history.columns(), step=step)
            write_json(manifest_path(out), record)

    bar = ProgressBar(settings.steps, "train", quiet=quiet)
    every = settings.checkpoint_every
    try:
        with sigterm_as_interrupt():
            for step in train(model, loss, source, settings):
                history.add(step)
                bar.update(step)
                outcome.steps = step.iteration
                if step.iteration == settings.steps or (every and step.iteration % every == 0):
                    checkpoint(step.iteration)
    except Terminated:
        outcome.status, outcome.exit_status, outcome.message = "interrupted", 143, "SIGTERM"
    except KeyboardInterrupt:
        outcome.status, outcome.exit_status, outcome.message = "interrupted", 130, "SIGINT"
    except FloatingPointError as error:
        outcome.status, outcome.exit_status, outcome.message = "failed", 1, str(error)
    finally:
        bar.close()
    totals = history.columns()["losses"].get("total", [])
    record.update(
        status=outcome.status,
        exit_status=outcome.exit_status,
        message=outcome.message,
        steps_done=outcome.steps,
        kept_checkpoint=outcome.checkpoint,
        final_total_loss=totals[-1] if totals and math.isfinite(totals[-1]) else None,
        history=history.columns(),
        finished=utc_now(),
        wall_time_s=round(time.perf_counter() - began, 3),
    )
    with _signals_deferred(resend=False):
        write_json(manifest_path(out), record)
    return outcome
