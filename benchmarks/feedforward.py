"""Feed-forward style transfer (issue 15): training cost, and one pass against an optimisation.

`measure` times, on one set of weights:

1. a training step of Johnson's network (width 32, 5 residual blocks, the paper's) with the
   project's loss (`nst.feedforward.loss.PerceptualLoss`, the library defaults), at
   ``train_size`` px and batch ``batch``: the median of ``steps`` steps after the compiling one;
2. ``nst apply`` per image (`TransformNet.stylize`, one forward pass) and ``nst stylize`` (the
   library defaults: L-BFGS, `nst.config.DEFAULTS` iterations) at each size: apply is the median
   of 3 passes after a warm-up; stylize is its first step (targets, tracing) plus the median of
   its measured steps times the default iteration count (extrapolated, and said so);
3. optionally, the peak resident memory (``VmHWM``) of a fresh process that builds everything
   and trains 2 steps at ``train_size`` px, batch ``batch``.

The generator's weights are random (its speed does not depend on them). Registered as the
``feedforward`` stage of ``python -m benchmarks.run``; alone: ``python -m benchmarks.feedforward
[--quick]`` prints the Markdown section (quick: the width/8 synthetic VGG-19).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.memory import vm_hwm_kib

#: The transformation network benchmarked: Johnson et al.'s sizes.
JOHNSON = {"width": 32, "blocks": 5}


def _trainer(weights_file, size: int, batch: int, steps: int):
    """(model, loss, source, settings) for a training run on the benchmark images."""
    import numpy as np

    import vgg_mat
    from benchmarks.inputs import images
    from nst.config import resolve_config
    from nst.feedforward.johnson import TransformNet
    from nst.feedforward.loss import PerceptualLoss
    from nst.feedforward.train import TrainSettings, photo_source

    content, style = images(size)
    net = vgg_mat.VGG(vgg_mat.load(weights_file))
    loss = PerceptualLoss(net, resolve_config(None), styles=[style[np.newaxis]])
    settings = TrainSettings(steps=steps, batch=batch, size=size)
    photos = [content, content[:, ::-1].copy(), style]
    return TransformNet(**JOHNSON), loss, photo_source(photos, settings), settings


def train_step_seconds(weights_file, size: int, batch: int, steps: int) -> dict:
    """First (compiling) step and the median of the next `steps` steps, in seconds."""
    from nst.feedforward.train import train

    model, loss, source, settings = _trainer(weights_file, size, batch, steps + 1)
    began, times = time.perf_counter(), []
    for step in train(model, loss, source, settings):
        times.append(step.elapsed)
    first = times[0]
    per_step = [b - a for a, b in zip(times, times[1:], strict=False)]
    return {
        "size": size,
        "batch": batch,
        "first_s": first,
        "steps_s": per_step,
        "median_s": statistics.median(per_step),
        "wall_s": time.perf_counter() - began,
    }


def apply_vs_stylize(weights_file, size: int, *, stylize_steps: int = 3) -> dict:
    """``nst apply`` (one pass) against ``nst stylize`` (the defaults) on one size x size image."""
    import vgg_mat
    from benchmarks.inputs import images
    from nst.config import DEFAULTS
    from nst.feedforward.johnson import TransformNet
    from nst.optimize import stylize

    content, style = images(size)
    model = TransformNet(**JOHNSON)
    began = time.perf_counter()
    model.stylize(content)  # traces and compiles
    apply_first = time.perf_counter() - began
    passes = []
    for _ in range(3):
        began = time.perf_counter()
        model.stylize(content)
        passes.append(time.perf_counter() - began)
    net = vgg_mat.VGG(vgg_mat.load(weights_file))
    elapsed = [s.elapsed for s in stylize(content, style, weights=net, iterations=stylize_steps)]
    steps = [b - a for a, b in zip(elapsed[1:], elapsed[2:], strict=False)]
    iterations = DEFAULTS["iterations"]
    step = statistics.median(steps)
    return {
        "size": size,
        "apply_first_s": apply_first,
        "apply_s": statistics.median(passes),
        "stylize_first_s": elapsed[0],
        "stylize_step_s": step,
        "stylize_iterations": iterations,
        "stylize_s": elapsed[0] + iterations * step,
        "stylize_measured_steps": len(steps),
    }


def fresh_memory(weights_file, size: int, batch: int, *, timeout: float = 1800.0) -> dict:
    """Peak RSS of a fresh process that trains 2 steps at size px, batch `batch`."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.feedforward",
        "--memory-child",
        str(weights_file),
        str(size),
        str(batch),
    ]
    repo = Path(__file__).resolve().parent.parent
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=repo)
    if result.returncode != 0:
        return {"ok": False, "error": result.stderr.strip().splitlines()[-1:]}
    row = json.loads(result.stdout.strip().splitlines()[-1])
    return {"ok": True, **row}


def measure(
    weights_file, *, sizes, train_size: int, batch: int, steps: int, memory: bool, log=print
) -> dict:
    """Every figure of this benchmark (see the module docstring)."""
    log(f"feed-forward: training steps at {train_size} px, batch {batch}")
    result = {"train": train_step_seconds(weights_file, train_size, batch, steps), "apply": []}
    for size in sizes:
        log(f"feed-forward: nst apply against nst stylize at {size} px")
        result["apply"].append(apply_vs_stylize(weights_file, size))
    if memory:
        log(f"feed-forward: fresh process, training at {train_size} px, batch {batch}")
        result["memory"] = fresh_memory(weights_file, train_size, batch)
    return result


def section(result: dict, weights: str) -> list[str]:
    """The Markdown lines of `result`."""
    t = result["train"]
    lines = [
        "",
        "### Feed-forward networks (issue 15)",
        "",
        f"Weights: {weights}. Johnson's network (width {JOHNSON['width']}, "
        f"{JOHNSON['blocks']} residual blocks), the library's default loss.",
        "",
        f"- Training: {t['median_s']:.2f} s per step at {t['size']} px, batch {t['batch']} "
        f"(median of {len(t['steps_s'])}; first step with compiling {t['first_s']:.1f} s).",
    ]
    mem = result.get("memory")
    if mem and mem.get("ok"):
        lines.append(
            f"- Peak RSS of a fresh training process at {mem['size']} px, batch "
            f"{mem['batch']}: {mem['peak_rss_mib']:.0f} MiB."
        )
    elif mem:
        lines.append(f"- Peak RSS: the fresh process failed ({mem.get('error')}).")
    lines += [
        "",
        "| Size | `nst apply` per image | `nst stylize` per image | ratio |",
        "|---|---|---|---|",
    ]
    for row in result["apply"]:
        lines.append(
            f"| {row['size']} px | {row['apply_s'] * 1000:.0f} ms (first call "
            f"{row['apply_first_s']:.1f} s) | {row['stylize_s']:.0f} s "
            f"({row['stylize_first_s']:.1f} s + {row['stylize_iterations']} x "
            f"{row['stylize_step_s'] * 1000:.0f} ms, "
            f"extrapolated from {row['stylize_measured_steps']} steps) | "
            f"{row['stylize_s'] / row['apply_s']:,.0f}x |"
        )
    return lines


def _memory_child(weights_file: str, size: int, batch: int) -> None:
    from nst.feedforward.train import train

    model, loss, source, settings = _trainer(weights_file, size, batch, 2)
    for _ in train(model, loss, source, settings):
        pass
    peak = vm_hwm_kib()
    mib = None if peak is None else peak / 1024
    print(json.dumps({"size": size, "batch": batch, "peak_rss_mib": mib}))


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.feedforward [--quick]``: measure and print the section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.feedforward")
    parser.add_argument("--quick", action="store_true", help="width/8 synthetic VGG-19")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--train-size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        path, size, batch = args.memory_child
        _memory_child(path, int(size), int(batch))
        return 0
    from benchmarks.inputs import cache_dir, weights_path

    width = 8 if args.quick else 1
    weights_file = weights_path(width)
    result = measure(
        weights_file,
        sizes=args.sizes,
        train_size=args.train_size,
        batch=args.batch,
        steps=args.steps,
        memory=not args.no_memory,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    label = f"synthetic VGG-19, width_divisor {width} (random He-normal: speed and memory only)"
    (cache_dir() / f"feedforward{'-quick' if args.quick else ''}.json").write_text(
        json.dumps(result, indent=1)
    )
    print("\n".join(section(result, label)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
