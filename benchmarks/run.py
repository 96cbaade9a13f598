"""The single entry point: ``python -m benchmarks.run`` (``--quick`` for a fast look).

One run measures, on the same synthetic VGG-19 weights, images and loss for every pipeline:

1. interleaved step times at each size (`benchmarks.timing`), with the TF matmul rate probed
   in every round, the FLOP model of `benchmarks.flops` and the L-BFGS overhead, plus the cost
   of scipy's L-BFGS-B iteration away from the network (`benchmarks.lbfgs_cost`);
2. peak RSS of each variant in a fresh process at the memory sizes (`benchmarks.memory`),
   the median of 3 interleaved rounds (quick: 1);
3. time from command start to the first step in a fresh process;
4. time to quality (`benchmarks.quality`) against the TF tutorial's 1000-step recipe;
5. (full mode) a 2048 px output in a fresh process;
6. coarse-to-fine against a single-scale run of equal final loss, in fresh processes
   (`benchmarks.c2f`, issue 6): 1024 px on a width/4 network (quick: 128 px, width/8);
7. feed-forward networks (`benchmarks.feedforward`, issue 15): a training step of Johnson's
   network at 256 px, batch 4 (with --sizes: the smallest size), ``nst apply`` against
   ``nst stylize`` per image at each size, and (with the memory stage) the peak RSS of training.

It writes the results as JSON (``<cache>/latest[-quick].json``) and the generated section of
``BENCHMARKS.md`` (quick mode: ``<cache>/BENCHMARKS-quick.md``), atomically, after every stage;
hand-written text outside the markers is kept. ``--keep-previous`` starts from the previous
JSON, so stages can be rerun one at a time (each is dated in the output).

Full mode: full-width weights, 256 and 512 px, memory at 1024 and 512 px, about 25-35 minutes
on 2 busy cores without the 2048 px stage (``--skip huge``), which adds about 5-10 minutes, and
the coarse-to-fine stage (``--skip c2f``), which adds about 6 (3 rounds at 1024 px).
Quick mode: width_divisor 8, 64 and 128 px, a 100-step recipe, a few minutes.
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

STAGES = (
    "timing", "lbfgs", "memory", "first-step", "quality", "huge", "c2f", "feedforward", "sweep",
)  # fmt: skip


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
    parser.add_argument("--output", type=Path, default=None,
                        help="Markdown file to update (default: BENCHMARKS.md; quick mode: "
                        "<cache>/BENCHMARKS-quick.md, so a quick look never replaces the "
                        "full table)")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None,
                        help="results JSON (default: <cache>/latest[-quick].json)")  # fmt: skip
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="step-time sizes in px (default 256 512; quick: 64 128)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=None,
                        help="measured steps per variant (default 5; quick: 3)")  # fmt: skip
    parser.add_argument("--skip", default="",
                        help=f"comma-separated stages to skip: {', '.join(STAGES)}")  # fmt: skip
    parser.add_argument("--quality-size", type=int, default=None,
                        help="time-to-quality size (default 256; quick: the smallest)")  # fmt: skip
    parser.add_argument("--memory-sizes", type=int, nargs="+", default=None,
                        help="fresh-process sizes (default 1024 512; quick: 128 64)")  # fmt: skip
    parser.add_argument("--memory-variants", nargs="+", default=None,
                        help="fresh-process variants to run (default: all, prototypes at the "
                        "largest size); --keep-previous keeps the other rows")  # fmt: skip
    parser.add_argument("--weights", type=Path, default=None,
                        help="a VGG-19 .mat file to use instead of the synthetic one (e.g. "
                        "the real imagenet-vgg-verydeep-19.mat)")  # fmt: skip
    parser.add_argument("--render", action="store_true",
                        help="only rewrite the Markdown from the results JSON")  # fmt: skip
    parser.add_argument("--keep-previous", action="store_true",
                        help="start from the previous results JSON: skipped stages keep "
                        "their earlier figures (each stage is dated)")  # fmt: skip
    parser.add_argument("--quality-budget", type=float, default=0.25,
                        help="ours may run for this fraction of the recipe's wall time "
                        "(default 0.25, the target: enough to decide PASS or MISS)")  # fmt: skip
    parser.add_argument("--recipe-steps", type=int, default=None,
                        help="steps of the tutorial recipe (default 1000; quick: 100)")  # fmt: skip
    parser.add_argument("--memory-rounds", type=int, default=None,
                        help="fresh processes per memory row, interleaved; the row is the "
                        "median (default 3; quick: 1)")  # fmt: skip
    parser.add_argument("--c2f-size", type=int, default=None,
                        help="coarse-to-fine stage: final size in px (default 1024; quick: "
                        "128)")  # fmt: skip
    parser.add_argument("--c2f-iterations", type=int, default=None,
                        help="coarse-to-fine stage: the single-scale run's L-BFGS iterations, "
                        "also the budget of each coarse-to-fine stage (default 150; quick: "
                        "10)")  # fmt: skip
    parser.add_argument("--c2f-rounds", type=int, default=None,
                        help="rounds of the coarse-to-fine pair (default 3; quick: 1)")  # fmt: skip
    parser.add_argument("--c2f-width", type=int, default=None,
                        help="coarse-to-fine stage: width_divisor of the synthetic network "
                        "(default 4; quick: 8; ignored with --weights)")  # fmt: skip
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(STAGES)
    if unknown:
        parser.exit(2, f"benchmarks.run: unknown stage(s) in --skip: {', '.join(sorted(unknown))};"
                       f" use {', '.join(STAGES)}\n")  # fmt: skip
    args.skip = skip
    if args.output is None:
        from benchmarks.inputs import cache_dir

        args.output = (
            cache_dir() / "BENCHMARKS-quick.md" if args.quick else REPO_ROOT / "BENCHMARKS.md"
        )
    if args.sizes is not None and min(args.sizes) < 32:
        parser.exit(2, "benchmarks.run: --sizes must be >= 32 px (VGG-19 must reach conv5)\n")
    if args.c2f_size is not None and args.c2f_size < 64:
        parser.exit(2, "benchmarks.run: --c2f-size must be >= 64 px (two stages of >= 32 px)\n")
    if args.c2f_iterations is not None and args.c2f_iterations < 1:
        parser.exit(2, "benchmarks.run: --c2f-iterations must be >= 1\n")
    if args.memory_rounds is not None and args.memory_rounds < 1:
        parser.exit(2, "benchmarks.run: --memory-rounds must be >= 1\n")
    if args.c2f_rounds is not None and args.c2f_rounds < 1:
        parser.exit(2, "benchmarks.run: --c2f-rounds must be >= 1\n")
    if args.c2f_width is not None and args.c2f_width not in (1, 2, 4, 8, 16):
        parser.exit(2, "benchmarks.run: --c2f-width must be one of 1, 2, 4, 8, 16\n")
    if not args.quality_budget > 0:
        parser.exit(2, "benchmarks.run: --quality-budget must be > 0\n")
    if args.rounds is not None and args.rounds < 1:
        parser.exit(2, "benchmarks.run: --rounds must be >= 1\n")
    if args.weights is not None and not args.weights.is_file():
        parser.exit(2, f"benchmarks.run: --weights: no file at {args.weights}\n")
    if not args.output.parent.is_dir():
        parser.exit(2, f"benchmarks.run: --output folder {args.output.parent} does not exist\n")
    return args


HEADER = """# Benchmarks

Where `nst.stylize` stands against the pipelines users would pick instead (issue 8), side by side
in one run, as ratios. Regenerate with `make bench` (`python -m benchmarks.run`, about 20 minutes
on 2 cores) or `make bench-quick` (`python -m benchmarks.run --quick`); everything between the
GENERATED markers below is rewritten by the runner.
"""


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = _parse(argv)
    started = time.perf_counter()
    shown = sys.argv[1:] if argv is None else argv
    command = "python -m benchmarks.run" + "".join(f" {a}" for a in shown)
    load_start = os.getloadavg()

    import vgg_mat
    from benchmarks import inputs, memory, ours, quality, report, timing

    quick = args.quick
    width = 8 if quick else 1
    sizes = args.sizes or ([64, 128] if quick else [256, 512])
    rounds = args.rounds or (3 if quick else 4)
    memory_sizes = args.memory_sizes or ([128, 64] if quick else [1024, 512])
    memory_rounds = args.memory_rounds or (1 if quick else 3)
    first_size = min(sizes) if quick else 256
    quality_size = args.quality_size or (min(sizes) if quick else 256)
    recipe_steps = args.recipe_steps or (100 if quick else 1000)
    huge_size = None if quick else 2048
    c2f_size = args.c2f_size or (128 if quick else 1024)
    c2f_iterations = args.c2f_iterations or (10 if quick else 150)
    c2f_width = args.c2f_width or (8 if quick else 4)
    c2f_rounds = args.c2f_rounds or (1 if quick else 3)
    json_path = args.json or inputs.cache_dir() / ("latest-quick.json" if quick else "latest.json")

    if args.render:
        if not json_path.is_file():
            print(f"benchmarks.run: --render: no results at {json_path}; run the benchmark first",
                  file=sys.stderr)  # fmt: skip
            return 2
        report.write_report(args.output, report.render(json.loads(json_path.read_text())), HEADER)
        _log(f"rewrote {args.output} from {json_path}")
        return 0

    _log(f"weights: synthetic VGG-19, width/{width} (written once into {inputs.cache_dir()})")
    weights_file = inputs.weights_path(width) if args.weights is None else args.weights
    weights = vgg_mat.load(weights_file)
    net = vgg_mat.VGG(weights)
    results: dict = {}
    if args.keep_previous and json_path.is_file():
        results = json.loads(json_path.read_text())
        results = {k: v for k, v in results.items() if k in STAGE_KEYS or k == "stage_dates"}
    results.update({
        "quick": quick,
        "command": command,
        "weights": (
            f"{weights_file.name}, width_divisor {width} (synthetic, random He-normal: speed "
            "and memory only, no meaningful images)"
            if weights.synthetic
            else f"{weights_file.name} ({weights.label})"
        ),
        "date": _now(),
        "load_start": load_start,
        "machine": report.machine(),
    })  # fmt: skip
    results.setdefault("stage_dates", {})

    def save(stage: str) -> None:
        """Date the stage, write the JSON and the Markdown (after every stage)."""
        results["stage_dates"][stage] = _now()
        results["load_end"] = os.getloadavg()
        results["wall_s"] = time.perf_counter() - started
        handle, tmp = tempfile.mkstemp(dir=json_path.parent, suffix=".tmp")
        with os.fdopen(handle, "w") as file:
            json.dump(results, file, indent=1, default=float)
        os.replace(tmp, json_path)
        report.write_report(args.output, report.render(results), HEADER)

    if "timing" not in args.skip:
        results["timing"] = {}
        results["matmul_size"] = str(max(sizes))
        for size in sizes:
            _log(f"timing at {size} px ({rounds} interleaved rounds)")
            content, style = inputs.images(size)
            size_result = timing.time_size(
                weights, net, content, style, rounds=rounds, log=_log,
                matmul_n=512 if quick else 2048,
            )  # fmt: skip
            size_result["conversion_s"] = ours.conversion_seconds((1, size, size, 3))
            results["timing"][str(size)] = size_result
            save("timing")

    if "lbfgs" not in args.skip:
        from benchmarks.lbfgs_cost import lbfgs_costs

        results["lbfgs"] = {}
        for size in sizes:
            _log(f"L-BFGS-B cost without the network, n = 3 x {size} x {size}")
            results["lbfgs"][str(size)] = lbfgs_costs(3 * size * size)
            save("lbfgs")

    def fresh_rows(size: int, steps: int, variants=memory.VARIANTS) -> list[dict]:
        runs: dict[str, list[dict]] = {variant: [] for variant in variants}
        for k in range(memory_rounds):  # the variants interleaved, round after round
            for variant in variants:
                _log(f"fresh process: {variant} at {size} px (round {k + 1} of {memory_rounds})")
                row = memory.fresh_process(variant, size, weights=weights_file, steps=steps)
                runs[variant].append(row)
                _log(f"  peak RSS {row['peak_rss_mib']:.0f} MiB, first step after "
                     f"{row.get('first_step_s', float('nan')):.1f} s, ok={row['ok']}")  # fmt: skip
        return [memory.combine_rounds(runs[variant]) for variant in variants]

    if "memory" not in args.skip:
        previous = results.get("memory", {}) if args.keep_previous else {}
        results["memory"] = {}
        results["memory_size"] = max(memory_sizes)
        for size in memory_sizes:
            variants = memory.VARIANTS + (memory.PROTOTYPES if size == max(memory_sizes) else ())
            if args.memory_variants:
                variants = tuple(v for v in variants if v in args.memory_variants)
            rows = {r["variant"]: r for r in previous.get(str(size), [])}
            rows.update({r["variant"]: r for r in fresh_rows(size, 1, variants)})
            order = memory.VARIANTS + memory.PROTOTYPES
            ordered = sorted(rows.values(), key=lambda r: order.index(r["variant"]))
            results["memory"][str(size)] = ordered
            save("memory")

    if "first-step" not in args.skip:
        results["first_step"] = []
        for variant in memory.VARIANTS:
            _log(f"fresh process, time to first step: {variant} at {first_size} px")
            row = memory.fresh_process(variant, first_size, weights=weights_file, steps=1)
            results["first_step"].append(row)
            _log(f"  first step after {row.get('first_step_s', float('nan')):.1f} s")
        save("first-step")

    if "quality" not in args.skip:
        content, style = inputs.images(quality_size)
        _log(f"time to quality at {quality_size} px: recipe reference ({recipe_steps} steps)")
        reference = quality.recipe_reference(
            weights_file, content, style, steps=recipe_steps, cache=inputs.cache_dir()
        )
        timed = results.get("timing", {}).get(str(quality_size))
        if reference.get("cached") is False:  # run just now: its own wall time is the figure
            recipe_s, recipe_first, recipe_step = reference["wall_s"], float("nan"), float("nan")
        else:
            if timed is None:  # not timed in this run: time the pipelines at this size
                timed = timing.time_size(weights, net, content, style, rounds=3, log=_log,
                                         matmul_n=512)  # fmt: skip
            a = timed["variants"][report.A]
            recipe_first = a["first_s"]
            recipe_step = float(sorted(a["steps"])[len(a["steps"]) // 2])
            recipe_s = recipe_first + (recipe_steps - 1) * recipe_step
        target = reference["final_loss"]
        _log(f"  target loss {target:.6g}; recipe {recipe_s:.0f} s; ours...")
        reached = quality.time_to_quality(
            net,
            content,
            style,
            target=target,
            max_seconds=max(30.0, args.quality_budget * recipe_s),
        )
        results["quality"] = {
            "size": quality_size,
            "reference": reference,
            "target": target,
            "recipe_first_s": recipe_first,
            "recipe_step_s": recipe_step,
            "recipe_s": recipe_s,
            "optimizer": "lbfgs (our default)",
            "budget": args.quality_budget,
            "ours_s": reached["seconds"],
            **{k: v for k, v in reached.items() if k != "seconds"},
        }
        _log(f"  ours: reached={reached['reached']} in {reached['seconds']:.0f} s")
        save("quality")

    if "huge" not in args.skip and huge_size:
        _log(f"fresh process: a {huge_size} px output (ours, Adam, 1 iteration, single scale)")
        image = inputs.cache_dir() / f"stylized-{huge_size}px-SYNTHETIC-WEIGHTS.png"
        row = memory.fresh_process("ours-adam", huge_size, weights=weights_file, steps=1,
                                   timeout=3000.0, save=image)  # fmt: skip
        row["mode"] = "single scale, Adam, 1 iteration"
        results["huge"] = row
        _log(f"  ok={row['ok']} peak RSS {row['peak_rss_mib'] / 1024:.1f} GiB")
        save("huge")

    if "c2f" not in args.skip:
        from benchmarks import c2f

        if args.weights is None:
            c2f_weights = inputs.weights_path(c2f_width)
            c2f_label = f"width_divisor {c2f_width} (synthetic, random He-normal)"
        else:
            c2f_weights, c2f_label = args.weights, f"{weights.label}"
        results["c2f"] = c2f.compare(
            c2f_size, weights=c2f_weights, iterations=c2f_iterations, width=c2f_label,
            rounds=c2f_rounds, timeout=3000.0, log=_log,
        )  # fmt: skip
        save("c2f")

    if "feedforward" not in args.skip:
        from benchmarks import feedforward

        ff_sizes = args.sizes or [256, 512]
        results["feedforward"] = feedforward.measure(
            weights_file, sizes=ff_sizes, train_size=min(ff_sizes), batch=4,
            steps=2 if quick else 3, memory="memory" not in args.skip, log=_log,
        )  # fmt: skip
        save("feedforward")

    if "sweep" not in args.skip:  # issue 14: a 3x3 sweep against nine separate runs
        from benchmarks import sweep

        _log("a 3x3 sweep against nine separate runs (benchmarks/sweep.py)")
        results["sweep"] = sweep.compare(min(sizes), weights_file=weights_file,
                                         iterations=min(recipe_steps, 20 if quick else 50),
                                         rounds=1 if quick else 3, log=_log)  # fmt: skip
        save("sweep")

    save("end")
    print(report.render(results))
    _log(f"wrote {args.output} and {json_path} in {results['wall_s'] / 60:.1f} min")
    return 0


#: Result keys that belong to a stage (kept from the previous JSON with --keep-previous).
STAGE_KEYS = (
    "timing", "lbfgs", "matmul_size", "memory", "memory_size", "quality", "first_step", "huge",
    "c2f", "feedforward", "sweep",
)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
