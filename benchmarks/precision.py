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

from nst.atomic import write_atomic

BEGIN, END = "<!-- BEGIN PRECISION -->", "<!-- END PRECISION -->"


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.precision", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="width/8, 64 and 128 px")
    parser.add_argument("--precision", default="bfloat16", choices=("bfloat16", "float16"))
    parser.add_argument("--rounds", type=int, default=None, help="timed steps per variant")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="step-time sizes, px")
    parser.add_argument("--budget", type=int, default=None,
                        help="Adam iterations of the quality stage (L-BFGS: a third)")  # fmt: skip
    parser.add_argument("--output", type=Path, default=None, help="Markdown file to update")
    parser.add_argument("--render", action="store_true", help="only rewrite the Markdown")
    parser.add_argument(
        "--keep-steps", action="store_true", help="reuse the previous step times; measure quality"
    )
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
    out, final32 = {}, None
    for p in precisions:  # float32 first: its final loss is the mark the others race to
        # a reduced run may go on past `iterations` (up to 3x) until it reaches that mark
        run = _runs(
            content, style, weights, optimizer, p, iterations * (1 if p == "float32" else 3)
        )
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
                if final32 is not None and step.iteration >= iterations and loss <= final32:
                    break
        run.close()
        out[p] = {"at": at, "trace": trace, "seconds": spent}
        if p == "float32":
            final32 = trace[-1][2]
    for p in precisions:
        reached = [(i, s) for i, s, loss in out[p]["trace"] if loss <= final32]
        out[p]["time_to_float32_final"] = reached[0][1] if reached else None
        out[p]["iterations_to_float32_final"] = reached[0][0] if reached else None
    return out


def render(results: dict) -> str:
    p = results["precision"]
    lines = [BEGIN, "", f"### Reduced precision: {p} against float32", ""]
    lines += [
        f"Measured {results['date']} by `{results['command']}`; weights: {results['weights']}; "
        f"machine: {results['machine']}; load average at the start {results['load']}, at the "
        f"end {results.get('load_end', '?')}."
        + (
            f" Step times measured {results['steps_measured']} (load {results['steps_load']})."
            if "steps_measured" in results
            else ""
        ),
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
        n32, n16 = q["float32"]["trace"][-1][0], q[p].get("iterations_to_float32_final")
        reached = (
            f"not reached in {q[p]['trace'][-1][0]} iterations"
            if t16 is None
            else f"{t16:.1f} s ({n16} iterations) = **{t16 / t32:.2f}x**"
        )
        lines += [
            "",
            f"Time to the float32 run's final loss (optimisation only): float32 {t32:.1f} s "
            f"({n32} iterations), {p} {reached}.",
        ]
    lines += ["", "Against issue 13's targets:", ""] + [f"- {v}" for v in verdicts(results)]
    lines += ["", END]
    return "\n".join(lines)


def verdicts(results: dict) -> list[str]:
    """PASS or MISS for each of issue 13's targets (Adam), with the figure."""
    p, out = results["precision"], []
    for row in (r for r in results["steps"] if r["optimizer"] == "adam"):
        ratio = row[p] / row["float32"]
        mark = "PASS" if ratio <= 0.62 else "MISS"
        out.append(f"{mark}: step time at {row['size']} px {ratio:.2f}x float32's (target 0.62x)")
    adam = results["quality"].get("adam")
    if adam:
        first = min(adam["float32"]["at"], key=int)
        gap = adam[p]["at"][first] / adam["float32"]["at"][first] - 1
        mark = "PASS" if abs(gap) <= 0.05 else "MISS"
        out.append(f"{mark}: float32 loss after {first} iterations {gap:+.1%} (target within 5 %)")
        t16 = adam[p]["time_to_float32_final"]
        ratio = None if t16 is None else t16 / adam["float32"]["seconds"]
        mark = "PASS" if ratio is not None and ratio <= 0.6 else "MISS"
        shown = "not reached" if ratio is None else f"{ratio:.2f}x"
        out.append(f"{mark}: time to the float32 run's final loss {shown} (target 0.6x)")
    return out


def write_section(path: Path, section: str) -> None:
    """Replace the PRECISION section of `path` (or append it), atomically."""
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    write_atomic(path, lambda stream: stream.write(text.encode("utf-8")))


def main(argv=None) -> int:
    args = _parse(argv)
    import datetime

    import vgg_mat
    from benchmarks import inputs, report

    quick = args.quick
    folder = inputs.cache_dir()
    name = "precision-quick.json" if quick else "precision.json"
    output = args.output or (
        folder / "BENCHMARKS-precision-quick.md" if quick else inputs.REPO_ROOT / "BENCHMARKS.md"
    )
    if args.render:
        write_section(output, render(json.loads((folder / name).read_text(encoding="utf-8"))))
        print(f"rewrote {output}", file=sys.stderr)
        return 0
    width = 8 if quick else 1
    sizes = args.sizes or ([64, 128] if quick else [256, 512])
    rounds = args.rounds or (3 if quick else 5)
    quality_size = min(sizes) if quick else 256
    adam = args.budget or (60 if quick else 300)
    budgets = {"adam": adam, "lbfgs": max(1, adam // 3)}
    checkpoints = {max(1, adam // 10), max(1, adam // 3), adam}  # 30, 100, 300
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
    if args.keep_steps and (folder / name).is_file():
        previous = json.loads((folder / name).read_text(encoding="utf-8"))
        results["steps"], sizes = previous["steps"], []
        results["steps_measured"] = previous.get("steps_measured", previous["date"])
        results["steps_load"] = previous.get("steps_load", previous["load"])
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
    results["load_end"] = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    payload = json.dumps(results, indent=1).encode("utf-8")
    write_atomic(folder / name, lambda stream: stream.write(payload))
    write_section(output, render(results))
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
