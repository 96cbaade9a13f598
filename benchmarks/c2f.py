"""Coarse-to-fine against a single-scale run of equal final quality (issue 6's benchmark).

A pair of fresh processes per round (`benchmarks.memory.run_child`, so each peak RSS is the
child's own ``VmHWM`` and each wall time a cold start) at one final size S x S, with the same
weights file, images, preset (``tf-tutorial``) and optimiser (our default, L-BFGS):

1. **single scale**: ``nst.stylize(content, style, size=S, iterations=N)``, N a fixed budget;
   its final total loss L_1 is the quality to match;
2. **coarse-to-fine**: ``nst.stylize_with_options(..., scales=plan,
   scale_iterations=[N_c, ..., N])`` with `plan` = S/4, S/2, S (`plan`), stopped at the first
   Step of the last stage (size S) whose total loss is <= L_1 ("reached"), or when that stage's
   N iterations are spent ("not reached": then its time is a lower bound, not a time to
   quality).

**Quality here** is the total loss at the final size with the same weights: the last stage of a
coarse-to-fine run uses exactly the single-scale run's loss weights at S
(`nst.multiscale.balance_weights` is the identity there), so the two losses are the same
function of the image and "equal final quality" means "the same loss value". The caveat: the
network is synthetic (random He-normal weights), so a lower loss says nothing about how the
pictures look; it is an optimisation figure, not a perceptual one.

Reported for each: wall time from the command start (parent's clock before spawning) to the
single-scale run's end or to the coarse-to-fine run reaching L_1, the part of it inside
`nst.stylize` (from the call), the peak RSS, the final loss and the iterations used; for the
coarse-to-fine run also each stage's size, iterations, loss at its start and end, time and
the peak RSS so far at its end. Issue 6's requirement "the peak at the final size must not
exceed a single-scale run at that size" becomes PASS when the coarse-to-fine runs' median
peak is <= the highest single-scale peak of the rounds (`rss_verdict`; with one round, when
the one coarse-to-fine peak is <= the one single-scale peak). The rounds are there because
repeated single-scale runs with identical settings peak tens of MiB apart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path


def plan(size: int) -> tuple[int, ...]:
    """The coarse-to-fine plan for a final `size`: halving down to >= size / 4 (and >= 32 px).

    Parameters
    ----------
    size : int
        The final side in pixels (>= 32).

    Returns
    -------
    tuple of int
        ``nst.multiscale.plan_scales(size, "auto", min_size=max(32, size // 4))``: 1024 ->
        (256, 512, 1024), 128 -> (32, 64, 128), 64 -> (32, 64).

    Notes
    -----
    ``"auto"`` with the library's default ``min_size`` (256) is the same plan from 1024 px;
    the explicit ``min_size`` keeps three stages at the quick mode's small sizes too.
    """
    from nst.multiscale import plan_scales

    return plan_scales(int(size), "auto", min_size=max(32, int(size) // 4))


def _child(
    mode: str,
    size: int,
    weights: str,
    iterations: int,
    coarse_iterations: int,
    target: float | None,
    start: float,
) -> dict:
    """Run one mode (``single`` or ``c2f``) at ``size x size``; return what it measured."""
    from benchmarks import inputs
    from benchmarks.memory import vm_hwm_kib

    content, style = inputs.images(size)
    import tensorflow as tf  # noqa: F401  (import time belongs to the command)

    import nst

    t_imported = time.time() - start
    stages = plan(size) if mode == "c2f" else (size,)
    common = {"weights": weights, "preset": "tf-tutorial", "optimizer": "lbfgs", "size": size}
    if mode == "c2f":
        budgets = [coarse_iterations] * (len(stages) - 1) + [iterations]
        run = nst.stylize_with_options(
            content, style, scales=list(stages), scale_iterations=budgets, **common
        )
    else:
        budgets = [iterations]
        run = nst.stylize(content, style, iterations=iterations, **common)
    t_call = time.time()
    records = [
        {"size": s, "budget": b, "iterations": 0, "start_loss": None, "end_loss": None}
        for s, b in zip(stages, budgets, strict=True)
    ]
    reached = False
    last = len(stages) - 1
    for step in run:
        k = getattr(step, "stage", 0)
        loss = float(step.losses["total"])
        record = records[k]
        if record["start_loss"] is None:
            record["start_loss"] = loss
        record["iterations"] = step.iteration
        record["end_loss"] = loss
        record["end_s"] = time.time() - start
        record["peak_so_far_kib"] = vm_hwm_kib()
        if mode == "c2f" and k == last and target is not None and loss <= target:
            reached = True
            break
    run.close()  # stops L-BFGS's worker when we broke out early
    t_end = time.time() - start
    final = records[-1]
    return {
        "mode": mode,
        "size": size,
        "plan": list(stages),
        "budgets": budgets,
        "stages": records,
        "iterations": [r["iterations"] for r in records],
        "final_loss": final["end_loss"],
        "target": target,
        "reached": reached if mode == "c2f" else None,
        "imports_s": t_imported,
        "call_s": t_call - start,
        # to the single run's end, or to the Step that reached the target
        "to_quality_s": final["end_s"],
        "in_stylize_s": final["end_s"] - (t_call - start),
        "total_s": t_end,
        "vm_hwm_kib": vm_hwm_kib(),
    }


def fresh_run(
    mode: str,
    size: int,
    *,
    weights: Path,
    iterations: int,
    coarse_iterations: int | None = None,
    target: float | None = None,
    timeout: float = 900.0,
) -> dict:
    """One single-scale or coarse-to-fine run in a fresh Python process.

    Parameters
    ----------
    mode : {"single", "c2f"}
    size : int
        The final side in pixels (>= 32); the images are exactly ``size x size``.
    weights : Path
        The weights file (on disk).
    iterations : int
        L-BFGS iterations of the single-scale run, or of the coarse-to-fine run's last stage
        at most.
    coarse_iterations : int, optional
        Iterations of each earlier stage (default `iterations`).
    target : float, optional
        ``c2f`` only: stop at the first last-stage Step whose total loss is <= this.
    timeout : float
        Seconds before the child is killed.

    Returns
    -------
    dict
        As `benchmarks.memory.run_child`, with the child's ``plan``, ``budgets``, ``stages``
        (per stage: ``size``, ``budget``, ``iterations``, ``start_loss``, ``end_loss``,
        ``end_s``, ``peak_so_far_kib``), ``iterations``, ``final_loss``, ``reached``,
        ``imports_s``, ``call_s``, ``to_quality_s``, ``in_stylize_s``, ``total_s``.
    """
    from benchmarks.memory import run_child

    if mode not in ("single", "c2f"):
        raise ValueError(f"mode must be 'single' or 'c2f', got {mode!r}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"iterations must be an integer >= 1, got {iterations!r}")
    arguments = [
        "--mode", mode, "--size", str(size), "--weights", str(weights),
        "--iterations", str(iterations),
        "--coarse-iterations", str(iterations if coarse_iterations is None else coarse_iterations),
    ]  # fmt: skip
    if target is not None:
        arguments += ["--target", repr(float(target))]
    result: dict = {"mode": mode, "size": size}
    result.update(run_child("benchmarks.c2f", arguments, timeout=timeout))
    return result


def rss_verdict(single_mib: list[float], c2f_mib: list[float]) -> str:
    """PASS when the coarse-to-fine runs' median peak is within the single-scale runs' range.

    Parameters
    ----------
    single_mib, c2f_mib : list of float
        Peak RSS of each round's single-scale and coarse-to-fine run (MiB).

    Returns
    -------
    {"PASS", "MISS"}
        PASS when ``median(c2f_mib) <= max(single_mib)``: a coarse-to-fine run typically
        peaks no higher than a single-scale run itself can. With one round this is the plain
        comparison of the two peaks. (Repeated single-scale runs of the same settings differ
        by tens of MiB, from thread timing in TensorFlow's allocator, so one pair of runs
        cannot resolve smaller differences.)
    """
    return "PASS" if statistics.median(c2f_mib) <= max(single_mib) else "MISS"


def compare(
    size: int,
    *,
    weights: Path,
    iterations: int,
    coarse_iterations: int | None = None,
    width: str = "",
    rounds: int = 1,
    timeout: float = 900.0,
    log: Callable[[str], None] = print,
) -> dict:
    r"""Single scale for `iterations`, then coarse-to-fine until it matches that run's loss.

    Parameters
    ----------
    size : int
        Final side in pixels.
    weights : Path
        The weights file.
    iterations : int
        The single-scale budget N (also the last stage's budget).
    coarse_iterations : int, optional
        Each earlier stage's iterations (default N).
    width : str
        How to describe the network in the report (e.g. ``"width_divisor 4 (synthetic)"``).
    rounds : int
        How many times to run the pair (single, then coarse-to-fine against that run's loss),
        interleaved; the ratios are of the medians.
    timeout : float
        Seconds per child.
    log : callable
        Progress lines.

    Returns
    -------
    dict
        ``size``, ``plan``, ``weights`` (file name), ``width``, ``iterations``,
        ``coarse_iterations``, ``rounds`` (a list of ``{"single": ..., "c2f": ...}``,
        `fresh_run` results), ``single`` and ``c2f`` (round 1's), ``rss_single_mib`` and
        ``rss_c2f_mib`` (every completed round's peaks), ``time_ratio`` (median over rounds of
        c2f / single, from the command start), ``stylize_ratio`` (the same inside
        `nst.stylize`), ``rss_ratio`` (median c2f / median single peak RSS) and
        ``rss_verdict`` (`rss_verdict`); ratios are NaN and the verdict MISS when no round
        completed.

    Notes
    -----
    With :math:`L_1` the single-scale run's final loss after N iterations and :math:`t_1` its
    wall time, the coarse-to-fine wall time :math:`t_2` is taken at the first Step of its last
    stage with :math:`L \le L_1`; ``time_ratio`` = :math:`t_2 / t_1`.
    """
    pairs = []
    for k in range(rounds):
        if rounds > 1:
            log(f"c2f: round {k + 1} of {rounds}")
        pairs.append(
            _pair(size, weights=weights, iterations=iterations,
                  coarse_iterations=coarse_iterations, timeout=timeout, log=log)
        )  # fmt: skip
    done = [p for p in pairs if p["single"]["ok"] and p["c2f"]["ok"]]
    nan = float("nan")
    result = {
        "size": size,
        "plan": list(plan(size)),
        "weights": Path(weights).name,
        "width": width,
        "iterations": iterations,
        "coarse_iterations": iterations if coarse_iterations is None else coarse_iterations,
        "rounds": pairs,
        "single": pairs[0]["single"],
        "c2f": pairs[0]["c2f"],
        "rss_single_mib": [p["single"]["peak_rss_mib"] for p in done],
        "rss_c2f_mib": [p["c2f"]["peak_rss_mib"] for p in done],
        "time_ratio": nan,
        "stylize_ratio": nan,
        "rss_ratio": nan,
        "rss_verdict": "MISS",
    }
    if done:
        median = statistics.median
        result["time_ratio"] = median(
            p["c2f"]["to_quality_s"] / p["single"]["to_quality_s"] for p in done
        )
        result["stylize_ratio"] = median(
            p["c2f"]["in_stylize_s"] / p["single"]["in_stylize_s"] for p in done
        )
        result["rss_ratio"] = median(result["rss_c2f_mib"]) / median(result["rss_single_mib"])
        result["rss_verdict"] = rss_verdict(result["rss_single_mib"], result["rss_c2f_mib"])
    return result


def _pair(
    size: int,
    *,
    weights: Path,
    iterations: int,
    coarse_iterations: int | None,
    timeout: float,
    log: Callable[[str], None],
) -> dict:
    """One round of `compare`: ``{"single": ..., "c2f": ...}`` (`fresh_run` results)."""
    coarse = iterations if coarse_iterations is None else coarse_iterations
    stages = plan(size)
    log(f"c2f: single scale at {size} px, {iterations} L-BFGS iterations, fresh process")
    single = fresh_run(
        "single", size, weights=weights, iterations=iterations, timeout=timeout
    )  # fmt: skip
    log(f"  {single.get('to_quality_s', float('nan')):.0f} s, loss "
        f"{single.get('final_loss', float('nan')):.6g}, peak RSS "
        f"{single['peak_rss_mib']:.0f} MiB, ok={single['ok']}")  # fmt: skip
    if not single["ok"]:
        return {"single": single,
                "c2f": {"ok": False, "error": "not run: the single-scale run failed"}}  # fmt: skip
    log(f"c2f: coarse-to-fine {', '.join(map(str, stages))} px until loss <= "
        f"{single['final_loss']:.6g} (earlier stages {coarse} iterations, the last at most "
        f"{iterations})")  # fmt: skip
    c2f = fresh_run(
        "c2f", size, weights=weights, iterations=iterations, coarse_iterations=coarse,
        target=single["final_loss"], timeout=timeout,
    )  # fmt: skip
    if c2f["ok"]:
        log(f"  reached={c2f['reached']} after {c2f['to_quality_s']:.0f} s (iterations "
            f"{c2f['iterations']}), peak RSS {c2f['peak_rss_mib']:.0f} MiB")  # fmt: skip
    else:
        log(f"  failed: {c2f.get('error')}")
    return {"single": single, "c2f": c2f}


def main(argv: list[str] | None = None) -> int:
    """Child entry point: one run, one JSON line on stdout."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c2f")
    parser.add_argument("--mode", choices=("single", "c2f"), required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--iterations", type=int, required=True)
    parser.add_argument("--coarse-iterations", type=int, required=True)
    parser.add_argument("--target", type=float, default=None)
    parser.add_argument("--start", type=float, default=None)
    args = parser.parse_args(argv)
    start = time.time() if args.start is None else args.start
    result = _child(args.mode, args.size, args.weights, args.iterations,
                    args.coarse_iterations, args.target, start)  # fmt: skip
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
