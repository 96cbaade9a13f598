"""bfloat16 against float32, side by side in one process: step time, and quality per second.

Usage::

    python -m benchmarks.precision            # 256 and 512 px, full-width synthetic VGG-19
    python -m benchmarks.precision --quick    # width/8, 64 and 128 px, a minute or two

Two measurements (issue 13), both on the same synthetic weights and sample images:

1. **Step time.** For each size, Adam and L-BFGS, a float32 and a reduced-precision run are
   started (compiled, one warm-up step each), then their steps are taken in turn, round after
   round, so that whatever else the machine does falls on both alike. The ratio of medians is
   the figure.
2. **Quality.** At one size, from the same start (the content image), each precision runs
   Adam for 300 iterations (L-BFGS: 100). The images are scored by the **float32** objective
   (the same targets, in float32): the loss each reaches after 30, 100 and 300 iterations, and
   the time (optimisation only, scoring excluded) the reduced run needs to reach the float32
   run's final loss, as a fraction of the float32 run's time.

It rewrites the section between the ``PRECISION`` markers of ``BENCHMARKS.md`` (quick mode:
``build/bench/BENCHMARKS-precision-quick.md``) and ``build/bench/precision[-quick].json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

BEGIN, END = "<!-- BEGIN PRECISION -->", "<!-- END PRECISION -->"


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.precision", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="width/8, 64 and 128 px")
    parser.add_argument("--precision", default="bfloat16", choices=("bfloat16", "float16"))
    parser.add_argument("--rounds", type=int, default=None, help="timed steps per variant")
    parser.add_argument("--output", type=Path, default=None, help="Markdown file to update")
    return parser.parse_args(argv)


def _runs(content, style, weights, optimizer, precision, iterations):
    import nst

    return nst.stylize(
        content, style, weights=weights, iterations=iterations, optimizer=optimizer,
        precision=precision, init="content",
    )  # fmt: skip


def step_times(weights, size, optimizer, precisions, rounds):
    """Median seconds per step of each precision, steps interleaved: {precision: s}."""
    from benchmarks.inputs import images

    content, style = images(size)
    runs = {p: _runs(content, style, weights, optimizer, p, rounds + 2) for p in precisions}
    for run in runs.values():
        next(run)  # iteration 0: the start image, targets and compilation
        next(run)  # one warm step
    times = {p: [] for p in precisions}
    for _ in range(rounds):
        for p, run in runs.items():
            start = time.perf_counter()
            next(run)
            times[p].append(time.perf_counter() - start)
    for run in runs.values():
        run.close()
    return {p: float(np.median(t)) for p, t in times.items()}


def quality(weights, size, optimizer, precisions, iterations, checkpoints):
    """Float32 loss after each checkpoint, and the time to float32's final loss."""
    import tensorflow as tf

    from benchmarks.inputs import images
    from nst.config import resolve_config
    from nst.objective import Objective, image_to_variable
    from vgg_mat.architecture import VGG19_LAYER_NAMES
    from vgg_mat.network import VGG

    content, style = images(size)
    config = resolve_config(None, layer_names=VGG19_LAYER_NAMES, optimizer=optimizer)
    judge = Objective(VGG(weights), config, content=content[None], styles=[style[None]])

    def score(image) -> float:  # the float32 total of an image
        z = tf.constant(image_to_variable(image[None], config.pixel_range), tf.float32)
        return float(judge.values(z)[0])

    every = max(1, iterations // 30)
    out = {}
    for p in precisions:
        run = _runs(content, style, weights, optimizer, p, iterations)
        next(run)  # the start: not timed (targets, compilation)
        spent, trace, at = 0.0, [], {}
        while True:
            start = time.perf_counter()
            step = next(run, None)
            spent += time.perf_counter() - start
            if step is None:
                break
            if step.iteration % every == 0 or step.iteration in checkpoints:
                loss = score(step.image)
                trace.append((step.iteration, spent, loss))
                if step.iteration in checkpoints:
                    at[step.iteration] = loss
        out[p] = {"at": at, "trace": trace, "seconds": spent}
    final32 = out["float32"]["trace"][-1]
    for p in precisions:
        reached = [s for _, s, loss in out[p]["trace"] if loss <= final32[2]]
        out[p]["time_to_float32_final"] = reached[0] if reached else None
    return out


def render(results: dict) -> str:
    p = results["precision"]
    lines = [BEGIN, "", f"### Reduced precision: {p} against float32", ""]
    lines += [
        f"Measured {results['date']} by `{results['command']}`; weights: {results['weights']}; "
        f"machine: {results['machine']}; load average at the start {results['load']}.",
        "",
        "| size | optimiser | float32 s/step | " + p + " s/step | ratio |",
        "|---|---|---|---|---|",
    ]
    for row in results["steps"]:
        ratio = row[p] / row["float32"]
        lines.append(
            f"| {row['size']} px | {row['optimizer']} | {row['float32']:.3f} | {row[p]:.3f} | "
            f"**{ratio:.2f}x** |"
        )
    for optimizer, q in results["quality"].items():
        size = results["quality_size"]
        lines += ["", f"Quality, {optimizer}, {size} px, same start, scored in float32:", ""]
        lines += ["| iterations | float32 loss | " + p + " loss | ratio |", "|---|---|---|---|"]
        for it in sorted(q["float32"]["at"], key=int):
            a, b = q["float32"]["at"][it], q[p]["at"].get(it)
            shown = "-" if b is None else f"{b:.4g} | {b / a:.3f}"
            lines.append(f"| {it} | {a:.4g} | {shown} |")
        t32, t16 = q["float32"]["seconds"], q[p]["time_to_float32_final"]
        reached = "not reached" if t16 is None else f"{t16:.1f} s = **{t16 / t32:.2f}x**"
        lines += ["", f"Time to the float32 run's final loss: float32 {t32:.1f} s, {p} {reached}."]
    lines += ["", END]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace the PRECISION section of `path` (or append it), atomically."""
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv=None) -> int:
    args = _parse(argv)
    import datetime

    import vgg_mat
    from benchmarks import inputs, report

    quick = args.quick
    width = 8 if quick else 1
    sizes = [64, 128] if quick else [256, 512]
    rounds = args.rounds or (3 if quick else 5)
    quality_size = 64 if quick else 256
    budgets = {"adam": 60 if quick else 300, "lbfgs": 30 if quick else 100}
    checkpoints = {30, 100, 300} if not quick else {10, 30, 60}
    weights = vgg_mat.load(inputs.weights_path(width), up_to="relu5_1")
    precisions = ("float32", args.precision)
    shown = sys.argv[1:] if argv is None else argv
    results = {
        "precision": args.precision,
        "command": "python -m benchmarks.precision" + "".join(f" {a}" for a in shown),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "weights": f"synthetic VGG-19, width/{width} (random: speed and loss only)",
        "machine": report.machine().get("cpu", "unknown CPU"),
        "load": ", ".join(f"{v:.1f}" for v in os.getloadavg()),
        "steps": [],
        "quality": {},
        "quality_size": quality_size,
    }
    for size in sizes:
        for optimizer in ("adam", "lbfgs"):
            row = step_times(weights, size, optimizer, precisions, rounds)
            results["steps"].append({"size": size, "optimizer": optimizer, **row})
            print(f"{size} px {optimizer}: {row}", file=sys.stderr, flush=True)
    for optimizer, iterations in budgets.items():
        kept = {c for c in checkpoints if c <= iterations}
        results["quality"][optimizer] = quality(
            weights, quality_size, optimizer, precisions, iterations, kept
        )
        print(f"quality {optimizer} done", file=sys.stderr, flush=True)
    folder = inputs.cache_dir()
    name = "precision-quick.json" if quick else "precision.json"
    (folder / name).write_text(json.dumps(results, indent=1), encoding="utf-8")
    output = args.output or (
        folder / "BENCHMARKS-precision-quick.md" if quick else inputs.REPO_ROOT / "BENCHMARKS.md"
    )
    write_section(output, render(results))
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
