"""Fresh-process figures: peak RSS and time from command start to the first step.

`fresh_process` starts ``python -m benchmarks.memory`` (this module's `main`) in a new
interpreter for one variant at one size, and reads back what it measured. Each figure is
therefore a cold start, as a user's command is: importing TensorFlow, reading the weights
file, building the network, computing the targets, tracing and running the first step.

- **Peak RSS** is the child's high-water mark of resident memory, ``VmHWM`` of
  ``/proc/self/status``, read by the child just before it exits. Not ``ru_maxrss``: Linux
  carries a process's ``maxrss`` across ``fork`` + ``exec``, so a child of a parent holding the
  weights (the runner, ~700 MB) reports at least the parent's RSS in ``ru_maxrss`` (its own
  ``RUSAGE_SELF`` and the parent's ``os.wait4`` / ``RUSAGE_CHILDREN`` alike; we measured four
  different variants all "peaking" at exactly the parent's RSS). ``VmHWM`` belongs to the
  address space made by ``exec`` and is the child's own. ``ru_maxrss`` from ``os.wait4`` is
  kept in the results as ``ru_maxrss_mib`` for reference.
- **Time to first step** runs from the parent's clock just before it spawns the interpreter to
  the moment the child holds its first completed step (for ours: the first Step yielded by
  `nst.stylize`; for the peers: the first train step returned). Weights are already on disk
  (and, after the first run, in the page cache).

Variants: ``keras-tf`` (peer a), ``keras-eager`` (peer b), ``ours-adam``, ``ours-lbfgs``.
Ours is called with the weights **path**, as a user would; the peers read the same file with
`vgg_mat.load`, assign it to Keras and drop the loaded arrays.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

VARIANTS = ("keras-tf", "keras-eager", "ours-adam", "ours-lbfgs")
#: Benchmark-side prototypes of suggested changes (not what users get today):
#: ``ours-adam-convonly`` passes `nst.stylize` a `VGGWeights` cut after the last conv block
#: (pool5), so neither the numpy arrays nor the TF constants of fc6-fc8 (86 % of the file's
#: bytes, unused by style transfer) stay resident.
PROTOTYPES = ("ours-adam-convonly",)


def vm_hwm_kib() -> int | None:
    """``VmHWM`` (peak resident set) of this process from /proc, in KiB; None if unreadable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _child(variant: str, size: int, steps: int, weights: str, start: float, save: str | None):
    """Run `variant` for `steps` steps at ``size x size``; return the measured dict."""
    import numpy as np

    from benchmarks import inputs

    content, style = inputs.images(size)
    import tensorflow as tf  # noqa: F401  (import time belongs to the command)

    t_imported = time.time() - start
    if variant == "ours-adam-convonly":
        import dataclasses
        import gc

        import vgg_mat

        loaded = vgg_mat.load(weights)
        cut = loaded.names.index("pool5") + 1
        weights = dataclasses.replace(loaded, layers=loaded.layers[:cut])
        del loaded
        gc.collect()
        variant_optimizer = "adam"
    else:
        variant_optimizer = variant.split("-")[1] if variant.startswith("ours") else None
    if variant.startswith("ours"):
        import nst

        run = nst.stylize(
            content, style, weights=weights, preset="tf-tutorial", optimizer=variant_optimizer,
            iterations=steps,
        )  # fmt: skip
        t_ready = time.time() - start
        step = next(run)
        t_first = time.time() - start
        for step in run:  # noqa: B007  (to the end: the output is complete)
            pass
        final_loss = step.losses["total"]
        image = step.image
        done = step.iteration
    else:
        import vgg_mat
        from benchmarks import peers

        loaded = vgg_mat.load(weights)
        pipeline = peers.KerasTutorial(loaded, content, style, compiled=variant == "keras-tf")
        del loaded
        import gc

        gc.collect()
        t_ready = time.time() - start
        pipeline.step()
        t_first = time.time() - start
        for _ in range(steps - 1):
            pipeline.step()
        final_loss = pipeline.loss()
        image = pipeline.image.numpy()[0] * 255.0
        done = steps
    if save:
        import nst

        nst.save_image(save, np.clip(image, 0, 255))
    return {
        "variant": variant,
        "size": size,
        "steps": done,
        "imports_s": t_imported,
        "ready_s": t_ready,
        "first_step_s": t_first,
        "total_s": time.time() - start,
        "final_loss": float(final_loss),
        "vm_hwm_kib": vm_hwm_kib(),
        "ru_maxrss_self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def fresh_process(
    variant: str,
    size: int,
    *,
    weights: Path,
    steps: int = 2,
    timeout: float = 900.0,
    save: Path | None = None,
) -> dict:
    """Run one variant in a fresh Python process; return what it measured.

    Parameters
    ----------
    variant : one of `VARIANTS`
    size : int
        Image height and width in pixels.
    weights : Path
        The weights file (already on disk).
    steps : int
        Steps to run (ours: ``iterations``; the run goes to its end).
    timeout : float
        Seconds before the child is killed (then ``ok`` is False).
    save : Path, optional
        Where the child saves its final image (proof that an output completed).

    Returns
    -------
    dict
        ``ok`` (exit status 0 and a result line), ``peak_rss_mib`` (the child's ``VmHWM``;
        NaN on failure), ``ru_maxrss_mib`` (see the module docstring), the child's
        ``first_step_s``, ``ready_s``, ``imports_s``,
        ``total_s``, ``vm_hwm_kib``, and ``error`` (the child's last stderr lines) on failure.
    """
    if variant not in VARIANTS + PROTOTYPES:
        raise ValueError(
            f"unknown variant {variant!r}; use one of {', '.join(VARIANTS + PROTOTYPES)}"
        )
    command = [
        "--variant", variant, "--size", str(size), "--steps", str(steps),
        "--weights", str(weights),
    ]  # fmt: skip
    if save is not None:
        command += ["--save", str(save)]
    result: dict = {"variant": variant, "size": size}
    result.update(run_child("benchmarks.memory", command, timeout=timeout))
    return result


def combine_rounds(runs: list[dict]) -> dict:
    """One row from several fresh-process runs of the same variant and size: the median run.

    Parameters
    ----------
    runs : list of dict
        `fresh_process` results, in the order they ran.

    Returns
    -------
    dict
        The run whose peak RSS is the median of the successful runs (the lower middle one for
        an even count), so its times belong to the same run, with ``peak_rss_runs_mib``: every
        successful run's peak, in run order. The first run as it is when none succeeded.

    Notes
    -----
    One fresh process is not enough for a memory figure here: two runs of the same L-BFGS
    variant at 1024 px peaked 3116 and 3289 MiB, minutes apart (which trials the line search
    holds when the peak comes; thread timing in TensorFlow's pool).
    """
    ok = [r for r in runs if r.get("ok")]
    if not ok:
        return runs[0]
    median = sorted(ok, key=lambda r: r["peak_rss_mib"])[(len(ok) - 1) // 2]
    return {**median, "peak_rss_runs_mib": [r["peak_rss_mib"] for r in ok]}


def run_child(module: str, arguments: list[str], *, timeout: float) -> dict:
    """Run ``python -m <module> <arguments> --start <t>`` in a fresh interpreter; parse its result.

    Parameters
    ----------
    module : str
        A module whose ``main`` prints its measurements as one JSON line (the last of stdout)
        and accepts ``--start`` (the parent's ``time.time()`` just before spawning).
    arguments : list of str
        The module's other command-line arguments.
    timeout : float
        Seconds before the child is killed (then ``ok`` is False).

    Returns
    -------
    dict
        The child's JSON fields, plus ``wall_s`` (spawn to exit, parent's clock),
        ``ru_maxrss_mib`` (see the module docstring), ``ok`` (exit status 0, a result line and a
        readable ``vm_hwm_kib``), ``peak_rss_mib`` (``vm_hwm_kib`` / 1024; NaN on failure) and
        ``error`` (the reason and the child's last stderr lines) on failure.
    """
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        out_path, err_path = Path(tmp) / "out", Path(tmp) / "err"
        command = [sys.executable, "-m", module, *arguments]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.time()
            proc = subprocess.Popen(
                [*command, "--start", repr(start)], cwd=repo, stdout=out, stderr=err, env=env
            )
            killed = threading.Event()

            def kill():
                killed.set()
                proc.kill()

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        wall = time.time() - start
        lines = out_path.read_text().strip().splitlines()
        result: dict = {"wall_s": wall}
        result["ru_maxrss_mib"] = usage.ru_maxrss / 1024.0
        result["peak_rss_mib"] = float("nan")
        if proc.returncode == 0 and lines and lines[-1].startswith("{"):
            result.update(json.loads(lines[-1]))
            result["ok"] = result.get("vm_hwm_kib") is not None
            if result["ok"]:
                result["peak_rss_mib"] = result["vm_hwm_kib"] / 1024.0
            else:
                result["error"] = "the child could not read VmHWM from /proc/self/status"
        else:
            tail = err_path.read_text(errors="replace").strip().splitlines()[-3:]
            reason = "timed out" if killed.is_set() else f"exit status {proc.returncode}"
            result["ok"] = False
            result["error"] = f"{reason}: " + " | ".join(tail)
        return result


def main(argv: list[str] | None = None) -> int:
    """Child entry point: measure one variant and print one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--variant", choices=VARIANTS + PROTOTYPES, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--start", type=float, default=None)
    parser.add_argument("--save", default=None)
    args = parser.parse_args(argv)
    start = time.time() if args.start is None else args.start
    result = _child(args.variant, args.size, args.steps, args.weights, start, args.save)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
