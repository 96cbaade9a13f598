"""What ``nst sweep`` and ``nst batch`` share: the cluster options, the output folder, the
weights, a progress bar fed by steps or by counts, and the manifest of one run's result.

- `add_cluster_arguments` ``--scheduler tcp://HOST:8786`` | ``--workers N``;
  `cluster_client` checks them before any work (no Dask installed: how to install it; no
  answer: exit 2) and makes the client when the work starts.
- `check_output_folder`  ``-o DIR``: not a file, not an input's folder, writable.
- `start_weights`        TensorFlow (quietly), the weights, and the synthetic banner.
- `StepBar`              one tqdm bar over every run's iterations.
- `write_result`         a run's image (provenance inside) and its manifest.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from nst.cli.checks import check_writable
from nst.cli.errors import UsageError
from nst.manifest import (
    SYNTHETIC_NOTICE,
    finish_manifest,
    image_label,
    run_manifest,
    save_labelled_image,
    step_label,
    write_json,
)
from nst.progress import LossRecord, Outcome, RunHistory

__all__ = [
    "StepBar",
    "add_cluster_arguments",
    "check_output_folder",
    "cluster_client",
    "start_weights",
    "write_result",
]


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """``--scheduler`` and ``--workers`` (exclusive)."""
    from nst.cli.arguments import integer

    group = parser.add_argument_group("cluster (Dask; pip install 'nst-from-scratch[distributed]')")
    one = group.add_mutually_exclusive_group()
    one.add_argument("--scheduler", metavar="tcp://HOST:8786",
                     help="run on this Dask scheduler's workers (each reads --weights PATH and "
                     "the input paths itself)")  # fmt: skip
    one.add_argument("--workers", type=integer(1), metavar="N",
                     help="start a local Dask cluster of N worker processes")  # fmt: skip


def check_cluster(args: argparse.Namespace) -> None:
    """Before any work: Dask installed, the scheduler answers (UsageError otherwise)."""
    if args.scheduler is None and args.workers is None:
        return
    from nst.distributed import check_scheduler, import_distributed

    flag = "--scheduler" if args.scheduler is not None else "--workers"
    try:
        import_distributed()
    except ImportError as error:
        raise UsageError(f"{flag}: {error}") from None
    if args.scheduler is not None:
        check_scheduler(args.scheduler)  # ValueError: exit 2


def cluster_client(args: argparse.Namespace):
    """The Dask client of ``--scheduler`` / ``--workers``, or None."""
    if args.scheduler is None and args.workers is None:
        return None
    from nst.distributed import connect

    return connect(args.scheduler, workers=args.workers)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def check_output_folder(folder: Path, inputs: Sequence[Path]) -> Path:
    """``-o DIR``: a folder (made later), writable, not the folder of any input."""
    folder = folder.expanduser()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"output folder {folder}: is a file; choose a folder with -o")
    for source in inputs:
        where = source if source.is_dir() else source.parent
        if where.resolve() == folder.resolve() or (source.is_dir() and _inside(folder, source)):
            raise UsageError(
                f"output folder {folder} is the input folder of {source}; choose another -o"
            )
    check_writable(folder)
    return folder


def start_weights(args: argparse.Namespace, located: Path | None):
    """Import TensorFlow quietly, load the weights, print the synthetic banner if so."""
    from nst.cli.run import load_weights
    from nst.cli.tflog import import_tensorflow

    import_tensorflow(verbose=getattr(args, "verbose", False))
    weights = load_weights(located)
    if weights.synthetic:
        print(f"!! SYNTHETIC RANDOM WEIGHTS ({weights.source}): everything written is labelled "
              f"'{SYNTHETIC_NOTICE}'; for real results: vgg-mat download", file=sys.stderr,
              flush=True)  # fmt: skip
    return weights


class StepBar:
    """One progress bar over many runs: `step` for a `nst.Step`, `add` for a count."""

    def __init__(self, total: int, description: str, *, quiet: bool):
        from tqdm.auto import tqdm

        self._bar = tqdm(total=total, desc=description, unit="it", file=sys.stderr,
                         disable=quiet, dynamic_ncols=True, mininterval=0.2)  # fmt: skip

    def step(self, step: Any) -> None:
        if step.iteration:
            self._bar.update(1)

    def add(self, count: int) -> None:
        self._bar.update(count)

    def note(self, text: str) -> None:
        self._bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        self._bar.close()


def write_result(
    command: str,
    args: argparse.Namespace,
    result: Any,
    *,
    out: Path,
    config: Any,
    weights: Any,
    content: tuple[Path, Any],
    styles: Sequence[tuple[Path, Any]],
    started: str,
    extra: dict | None = None,
) -> dict:
    """Write a `nst.shared.RunResult`'s image to `out` and its manifest (`out` with .json).

    Returns the manifest record (``status``, ``output``, ``metrics`` and `extra` included).
    """
    from nst.manifest import manifest_path

    records = [LossRecord(i, losses, elapsed) for i, losses, elapsed in result.records]
    keep = None
    if result.image is not None:
        keep = SimpleNamespace(iteration=result.iteration, losses=result.losses, image=result.image)
    finite = [r for r in records if math.isfinite(r.losses.get("total", math.nan))]
    best = min(finite, key=lambda r: r.losses["total"], default=None)
    history = RunHistory(records=records, best=best, last=keep)
    failed = result.status != "completed"
    outcome = Outcome(result.status, 1 if failed else 0, result.message, keep,
                      "last good" if failed else "last", history)  # fmt: skip
    record = run_manifest(
        command, argv=getattr(args, "argv", []), started=started, config=config, weights=weights,
        output=out, content=content, styles=list(styles),
        run={"device": getattr(args, "device", "auto"), "quiet": args.quiet},
    )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    written = False
    if keep is not None:
        label = image_label(command, weights)
        save_labelled_image(out, keep.image, step_label(label, keep))
        written = True
    finish_manifest(record, outcome, written=written, plot=None, wall_time_s=result.seconds)
    record["metrics"] = result.metrics
    record.update(extra or {})
    write_json(manifest_path(out), record)
    return record


def same_settings(record: dict, config: Any) -> bool:
    """Whether a manifest `record` was written for exactly these resolved settings."""
    import json
    from dataclasses import asdict

    wanted = json.loads(json.dumps(asdict(config), default=os.fspath))
    return record.get("settings") == wanted
