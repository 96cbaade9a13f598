"""The single entry point: ``python -m benchmarks.run`` (``--quick`` for a fast look).

One run measures, on the same synthetic VGG-19 weights, images and loss for every pipeline:

1. interleaved step times at each size (`benchmarks.timing`), with the TF matmul rate probed
   in every round, the FLOP model of `benchmarks.flops` and the L-BFGS overhead;
2. peak RSS of each variant in a fresh process at the memory sizes (`benchmarks.memory`);
3. time from command start to the first step in a fresh process;
4. time to quality (`benchmarks.quality`) against the TF tutorial's 1000-step recipe;
5. (full mode) a 2048 px output in a fresh process.

It writes the results as JSON (``<cache>/latest[-quick].json``) and the generated section of
``BENCHMARKS.md`` (atomically; hand-written text outside the markers is kept).

Full mode: full-width weights, 256 and 512 px, memory at 512 and 1024 px, about 20 minutes
on 2 cores. Quick mode: width_divisor 8, 64 and 128 px, a 100-step recipe, a few minutes.
Exit status 2 with one line on stderr for bad arguments.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

STAGES = ("timing", "memory", "first-step", "quality", "huge")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    from benchmarks.inputs import REPO_ROOT

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Side-by-side speed and memory of nst.stylize against its peers.",
    )
    parser.add_argument("--quick", action="store_true",
                        help="narrow network (width/8), 64 and 128 px, few steps")  # fmt: skip
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "BENCHMARKS.md",
                        help="Markdown file to update (default: BENCHMARKS.md)")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None,
                        help="results JSON (default: <cache>/latest[-quick].json)")  # fmt: skip
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="step-time sizes in px (default 256 512; quick: 64 128)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=None,
                        help="measured steps per variant (default 5; quick: 3)")  # fmt: skip
    parser.add_argument("--skip", default="",
                        help=f"comma-separated stages to skip: {', '.join(STAGES)}")  # fmt: skip
    parser.add_argument("--recipe-steps", type=int, default=None,
                        help="steps of the tutorial recipe (default 1000; quick: 100)")  # fmt: skip
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(STAGES)
    if unknown:
        parser.exit(2, f"benchmarks.run: unknown stage(s) in --skip: {', '.join(sorted(unknown))};"
                       f" use {', '.join(STAGES)}\n")  # fmt: skip
    args.skip = skip
    if args.sizes is not None and min(args.sizes) < 32:
        parser.exit(2, "benchmarks.run: --sizes must be >= 32 px (VGG-19 must reach conv5)\n")
    if args.rounds is not None and args.rounds < 1:
        parser.exit(2, "benchmarks.run: --rounds must be >= 1\n")
    if not args.output.parent.is_dir():
        parser.exit(2, f"benchmarks.run: --output folder {args.output.parent} does not exist\n")
    return args


HEADER = """# Benchmarks

Where `nst.stylize` stands against the pipelines users would pick instead (issue 8), side by side
in one run, as ratios. Regenerate with `make bench` (`python -m benchmarks.run`, about 20 minutes
on 2 cores) or `make bench-quick` (`python -m benchmarks.run --quick`); everything between the
GENERATED markers below is rewritten by the runner.
"""


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = _parse(argv)
    started = time.perf_counter()
    command = "python -m benchmarks.run" + (" " + " ".join(argv) if argv else "")
    if argv is None:
        command = "python -m benchmarks.run" + "".join(f" {a}" for a in sys.argv[1:])
    load_start = os.getloadavg()

    import vgg_mat
    from benchmarks import inputs, memory, ours, quality, report, timing

    quick = args.quick
    width = 8 if quick else 1
    sizes = args.sizes or ([64, 128] if quick else [256, 512])
    rounds = args.rounds or (3 if quick else 5)
    memory_sizes = [64, 128] if quick else [512, 1024]
    first_size = min(sizes) if quick else 256
    quality_size = min(sizes) if quick else 256
    recipe_steps = args.recipe_steps or (100 if quick else 1000)
    huge_size = None if quick else 2048

    _log(f"weights: synthetic VGG-19, width/{width} (written once into {inputs.cache_dir()})")
    weights_file = inputs.weights_path(width)
    weights = vgg_mat.load(weights_file)
    net = vgg_mat.VGG(weights)
    results: dict = {
        "quick": quick,
        "command": command,
        "weights": f"{weights_file.name}, width_divisor {width}",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": load_start,
        "machine": report.machine(),
        "timing": {},
        "matmul_size": str(max(sizes)),
        "memory_size": max(memory_sizes),
    }

    if "timing" not in args.skip:
        for size in sizes:
            _log(f"timing at {size} px ({rounds} interleaved rounds)")
            content, style = inputs.images(size)
            size_result = timing.time_size(
                weights, net, content, style, rounds=rounds, log=_log,
                matmul_n=512 if quick else 2048,
            )  # fmt: skip
            size_result["conversion_s"] = ours.conversion_seconds((1, size, size, 3))
            results["timing"][str(size)] = size_result

    if "memory" not in args.skip:
        results["memory"] = {}
        for size in memory_sizes:
            rows = []
            for variant in memory.VARIANTS:
                _log(f"fresh process: {variant} at {size} px")
                rows.append(memory.fresh_process(variant, size, weights=weights_file, steps=2))
                _log(f"  peak RSS {rows[-1]['peak_rss_mib']:.0f} MiB, ok={rows[-1]['ok']}")
            results["memory"][str(size)] = rows

    if "first-step" not in args.skip:
        results["first_step"] = []
        for variant in memory.VARIANTS:
            _log(f"fresh process, time to first step: {variant} at {first_size} px")
            row = memory.fresh_process(variant, first_size, weights=weights_file, steps=1)
            results["first_step"].append(row)
            _log(f"  first step after {row.get('first_step_s', float('nan')):.1f} s")

    if "quality" not in args.skip:
        content, style = inputs.images(quality_size)
        _log(f"time to quality at {quality_size} px: recipe reference ({recipe_steps} steps)")
        reference = quality.recipe_reference(
            weights_file, content, style, steps=recipe_steps, cache=inputs.cache_dir()
        )
        timed = results["timing"].get(str(quality_size))
        if timed is None:  # not timed in this run: time peer (a) here
            timed = timing.time_size(weights, net, content, style, rounds=3, log=_log,
                                     matmul_n=512)  # fmt: skip
        a = timed["variants"][report.A]
        recipe_step = float(sorted(a["steps"])[len(a["steps"]) // 2])
        recipe_s = a["first_s"] + (recipe_steps - 1) * recipe_step
        _log(f"  target loss {reference['final_loss']:.6g}; recipe ~{recipe_s:.0f} s; ours...")
        reached = quality.time_to_quality(
            net, content, style, target=reference["final_loss"],
            max_seconds=max(60.0, 0.5 * recipe_s),
        )  # fmt: skip
        results["quality"] = {
            "size": quality_size,
            "reference": reference,
            "target": reference["final_loss"],
            "recipe_first_s": a["first_s"],
            "recipe_step_s": recipe_step,
            "recipe_s": recipe_s,
            "optimizer": "lbfgs (our default)",
            "ours_s": reached["seconds"],
            **{k: v for k, v in reached.items() if k != "seconds"},
        }
        _log(f"  ours: reached={reached['reached']} in {reached['seconds']:.0f} s")

    if "huge" not in args.skip and huge_size:
        _log(f"fresh process: a {huge_size} px output (ours, Adam, 1 iteration, single scale)")
        save = inputs.cache_dir() / f"stylized-{huge_size}px-SYNTHETIC-WEIGHTS.png"
        row = memory.fresh_process("ours-adam", huge_size, weights=weights_file, steps=1,
                                   timeout=1200.0, save=save)  # fmt: skip
        row["mode"] = "single scale, Adam, 1 iteration"
        results["huge"] = row
        _log(f"  ok={row['ok']} peak RSS {row['peak_rss_mib'] / 1024:.1f} GiB")

    results["load_end"] = os.getloadavg()
    results["wall_s"] = time.perf_counter() - started
    json_path = args.json or inputs.cache_dir() / ("latest-quick.json" if quick else "latest.json")
    handle, tmp = tempfile.mkstemp(dir=json_path.parent, suffix=".tmp")
    with os.fdopen(handle, "w") as file:
        json.dump(results, file, indent=1, default=float)
    os.replace(tmp, json_path)
    generated = report.render(results)
    report.write_report(args.output, generated, HEADER)
    print(generated)
    _log(f"wrote {args.output} and {json_path} in {results['wall_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
