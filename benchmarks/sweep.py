"""A 3x3 sweep against nine separate runs (issue 14): what sharing the start-up saves.

Same process, same synthetic weights, same images (`benchmarks.inputs`), same nine settings
(``style_weight`` x ``tv_weight``, 3 x 3), our default optimiser (L-BFGS) for `iterations`
iterations each:

- **sweep**: `nst.sweep` (``evaluate=False``: the runs only), the network, the style targets
  and the compiled step built once (`nst.shared`);
- **separate**: nine ``nst.stylize`` calls one after the other, each building its own network
  view, targets and compiled step (TensorFlow already imported and warm: a lower bound on
  nine ``nst stylize`` commands, which also pay the import and the weights file each time);
- **iterations**: the sweep's time inside its iterations (each cell's last Step's elapsed
  minus its first's), the floor a sweep could reach.

The two are interleaved over `rounds` rounds (sweep, separate, sweep, ...); the figures are
medians. ``python -m benchmarks.sweep --quick`` runs it alone (width/8 network, 64 px).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

GRID = {"style_weight": (1e2, 1e4, 1e6), "tv_weight": (0.0, 1e-4, 1e-3)}


def _sweep_once(net, content, style, iterations: int) -> tuple[float, float]:
    from nst.config import StylizeConfig
    from nst.sweeps import sweep

    start = time.perf_counter()
    inside = 0.0
    config = StylizeConfig(iterations=iterations)
    for _, result in sweep(content, style, weights=net, grid=GRID, config=config, evaluate=False):
        inside += result.records[-1][2] - result.records[0][2]
    return time.perf_counter() - start, inside


def _separate_once(net, content, style, iterations: int) -> float:
    import nst

    start = time.perf_counter()
    for style_weight in GRID["style_weight"]:
        for tv_weight in GRID["tv_weight"]:
            steps = nst.stylize(content, style, weights=net, iterations=iterations,
                                style_weight=style_weight, tv_weight=tv_weight)  # fmt: skip
            for _ in steps:
                pass
    return time.perf_counter() - start


def compare(size: int, *, weights_file, iterations: int, rounds: int = 3,
            log: Callable[[str], None] = print) -> dict:  # fmt: skip
    """Median wall times of the sweep and of nine separate runs at ``size x size``."""
    import vgg_mat
    from benchmarks import inputs

    net = vgg_mat.VGG(vgg_mat.load(weights_file))
    content, style = inputs.images(size)
    _separate_once(net, content, style, 1)  # warm-up: TensorFlow's first-call costs, once
    sweeps, separate, inside = [], [], []
    for k in range(rounds):
        total, within = _sweep_once(net, content, style, iterations)
        sweeps.append(total)
        inside.append(within)
        separate.append(_separate_once(net, content, style, iterations))
        log(f"  round {k + 1}: sweep {total:.1f} s (iterations {within:.1f} s), "
            f"nine separate runs {separate[-1]:.1f} s")  # fmt: skip
    sweep_s, separate_s = statistics.median(sweeps), statistics.median(separate)
    inside_s = statistics.median(inside)
    return {
        "size": size, "iterations": iterations, "rounds": rounds, "cells": 9,
        "weights": str(weights_file), "sweep_s": sweep_s, "separate_s": separate_s,
        "iterations_s": inside_s, "ratio": sweep_s / separate_s,
        "overhead": sweep_s / inside_s - 1.0, "sweep_runs_s": sweeps,
        "separate_runs_s": separate, "iterations_runs_s": inside,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.sweep [--quick]``: print the comparison as JSON."""
    from benchmarks import inputs

    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="width/8 network, 64 px")
    parser.add_argument("--size", type=int, default=None, help="px (default 256; quick 64)")
    parser.add_argument("--iterations", type=int, default=None, help="(default 50; quick 20)")
    parser.add_argument("--rounds", type=int, default=None, help="(default 3; quick 1)")
    args = parser.parse_args(argv)
    width = 8 if args.quick else 1
    result = compare(
        args.size or (64 if args.quick else 256),
        weights_file=inputs.weights_path(width),
        iterations=args.iterations or (20 if args.quick else 50),
        rounds=args.rounds or (1 if args.quick else 3),
        log=lambda text: print(text, file=sys.stderr, flush=True),
    )
    result["width_divisor"] = width
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
