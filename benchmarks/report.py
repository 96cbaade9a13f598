"""The benchmark's Markdown: tables, the machine, and a PASS/MISS verdict per target.

`render` turns the result dict of `benchmarks.run` into Markdown; `write_report` puts it
between the markers ``<!-- BEGIN GENERATED -->`` and ``<!-- END GENERATED -->`` of
``BENCHMARKS.md``, keeping any hand-written text outside them, and writes the file atomically.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
from pathlib import Path

import numpy as np

BEGIN, END = "<!-- BEGIN GENERATED -->", "<!-- END GENERATED -->"
A = "a: TF tutorial (Keras, tf.function)"
B = "b: online course (Keras, eager)"
ADAM = "ours: nst.stylize, Adam"
LBFGS = "ours: nst.stylize, L-BFGS"
SHORT = {
    "keras-tf": A,
    "keras-eager": B,
    "ours-adam": ADAM,
    "ours-lbfgs": LBFGS,
    "ours-adam-convonly": "prototype: ours Adam, weights cut after pool5 (no fc6-fc8)",
}


def machine() -> dict:
    """CPU model, cores, RAM, library versions and load average of this machine."""
    import numpy
    import scipy
    import tensorflow as tf

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = float("nan")
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "load": os.getloadavg(),
    }


def _range(s: dict, scale: float = 1.0, fmt: str = "{:.0f}") -> str:
    return (
        f"{fmt.format(s['median'] * scale)} ({fmt.format(s['min'] * scale)}-"
        f"{fmt.format(s['max'] * scale)})"
    )


def _stats(values) -> dict:
    values = [float(v) for v in values if np.isfinite(v)]
    if not values:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan")}
    return {"median": float(np.median(values)), "min": min(values), "max": max(values)}


def per_evaluation(record: dict) -> list[float]:
    """Seconds per loss-and-gradient evaluation in each round (= per step for Adam/peers)."""
    evaluations = record.get("evaluations") or [1] * len(record["steps"])
    return [s / max(int(e), 1) for s, e in zip(record["steps"], evaluations, strict=True)]


def derived(size_result: dict) -> dict:
    """Per-variant figures of one size: ms/eval, ratio to a (per round), GFLOP/s, overhead."""
    variants = size_result["variants"]
    a_steps = variants[A]["steps"]
    matmul = _stats(size_result["matmul"])
    step_flops = size_result["flops"]["step"]
    out = {}
    for name, record in variants.items():
        per_eval = per_evaluation(record)
        ratios = [t / ta for t, ta in zip(per_eval, a_steps, strict=True)]
        gflops = [step_flops / t / 1e9 for t in per_eval]
        fraction = [g / m for g, m in zip(gflops, size_result["matmul"], strict=True)]
        row = {
            "first_s": record["first_s"],
            "step": _stats(record["steps"]),
            "per_eval": _stats(per_eval),
            "ratio_to_a": _stats(ratios),
            "gflops": _stats(gflops),
            "matmul_fraction": _stats(fraction),
        }
        if record.get("eval_s") and np.all(np.isfinite(record["eval_s"])):
            inside, total = sum(record["eval_s"]), sum(record["steps"])
            row["evaluations"] = _stats(record["evaluations"])
            row["overhead"] = (total - inside) / inside
            row["overhead_rounds"] = _stats(
                [(s - e) / e for s, e in zip(record["steps"], record["eval_s"], strict=True)]
            )
            row["eval_inside_s"] = _stats(
                [e / max(n, 1) for e, n in zip(record["eval_s"], record["evaluations"],
                                               strict=True)]
            )  # fmt: skip
        out[name] = row
    out["_matmul"] = matmul
    return out


def _spread(row: dict) -> str:
    """``"; ours-lbfgs: median of 3, 3116-3289"`` for a memory row of several runs, else ""."""
    runs = row.get("peak_rss_runs_mib") or []
    if len(runs) < 2:
        return ""
    return f"; {row['variant']}: median of {len(runs)}, {min(runs):.0f}-{max(runs):.0f}"


def verdicts(results: dict) -> list[tuple[str, str, str]]:
    """(target, measured figure, PASS/MISS/n/a) for each target of issue 8."""
    rows = []
    sizes = results.get("timing", {})
    for key, size_result in sizes.items():
        d = derived(size_result)
        ratio = d[ADAM]["ratio_to_a"]
        rows.append((
            f"Step time <= 0.9x peer (a) at {key} px (ours Adam, per-round ratio)",
            f"{ratio['median']:.2f}x ({ratio['min']:.2f}-{ratio['max']:.2f})",
            "PASS" if ratio["median"] <= 0.9 else "MISS",
        ))  # fmt: skip
        lb = d[LBFGS]["ratio_to_a"]
        rows.append((
            f"(same, ours L-BFGS per evaluation) at {key} px",
            f"{lb['median']:.2f}x ({lb['min']:.2f}-{lb['max']:.2f})",
            "PASS" if lb["median"] <= 0.9 else "MISS",
        ))  # fmt: skip
        b_over = _stats([
            tb / to for tb, to in zip(size_result["variants"][B]["steps"],
                                      size_result["variants"][ADAM]["steps"], strict=True)
        ])  # fmt: skip
        rows.append((
            f"At least 1.8x faster than peer (b) at {key} px (b / ours Adam)",
            f"{b_over['median']:.2f}x ({b_over['min']:.2f}-{b_over['max']:.2f})",
            "PASS" if b_over["median"] >= 1.8 else "MISS",
        ))  # fmt: skip
    big = results.get("matmul_size")
    if big and big in sizes:
        frac = derived(sizes[big])[ADAM]["matmul_fraction"]
        rows.append((
            f">= 85% of the TF matmul GFLOP/s at {big} px (ours Adam)",
            f"{frac['median']:.0%} ({frac['min']:.0%}-{frac['max']:.0%})",
            "PASS" if frac["median"] >= 0.85 else "MISS",
        ))  # fmt: skip
    for key, size_result in sizes.items():
        d = derived(size_result)
        if "overhead" in d[LBFGS]:
            over = d[LBFGS]["overhead"]
            rows.append((
                f"L-BFGS overhead per evaluation <= 5% of the step at {key} px",
                f"{over:.1%}",
                "PASS" if over <= 0.05 else "MISS",
            ))  # fmt: skip
    memory = results.get("memory", {})
    mem_size = results.get("memory_size")
    if mem_size and str(mem_size) in memory:
        rows_at = {r["variant"]: r for r in memory[str(mem_size)]}
        if rows_at.get("keras-tf", {}).get("ok"):
            base = rows_at["keras-tf"]["peak_rss_mib"]
            for variant in ("ours-adam", "ours-lbfgs"):
                r = rows_at.get(variant)
                if r and r.get("ok"):
                    ratio = r["peak_rss_mib"] / base
                    rows.append((
                        f"Peak RSS at {mem_size} px <= 0.8x peer (a) ({variant})",
                        f"{ratio:.2f}x ({r['peak_rss_mib']:.0f} / {base:.0f} MiB"
                        f"{_spread(r)}{_spread(rows_at['keras-tf'])})",
                        "PASS" if ratio <= 0.8 else "MISS",
                    ))  # fmt: skip
    ttq = results.get("quality")
    if ttq:
        if ttq.get("reached"):
            frac = ttq["ours_s"] / ttq["recipe_s"]
            rows.append((
                "Time to quality <= 25% of the tutorial recipe's wall time",
                f"{frac:.0%} ({ttq['ours_s']:.0f} s vs {ttq['recipe_s']:.0f} s)",
                "PASS" if frac <= 0.25 else "MISS",
            ))  # fmt: skip
        else:
            rows.append((
                "Time to quality <= 25% of the tutorial recipe's wall time",
                f"target loss not reached in {ttq['ours_s']:.0f} s = "
                f"{ttq['ours_s'] / ttq['recipe_s']:.0%} of the recipe's "
                f"{ttq['recipe_s']:.0f} s (best "
                f"{ttq['best_loss']:.4g} vs {ttq['target']:.4g})",
                "MISS",
            ))  # fmt: skip
    first = results.get("first_step")
    if first:
        for r in first:
            if r["variant"] in ("ours-lbfgs", "ours-adam"):
                if r.get("ok"):
                    figure = f"{r['first_step_s']:.1f} s at {r['size']} px"
                else:
                    figure = r.get("error", "failed")
                rows.append((
                    f"First step within 8 s of the command start ({r['variant']})",
                    figure,
                    "PASS" if r.get("ok") and r["first_step_s"] <= 8.0 else "MISS",
                ))  # fmt: skip
    huge = results.get("huge")
    if huge:
        ok = huge.get("ok") and huge["peak_rss_mib"] < 24 * 1024
        figure = (
            f"completed, peak RSS {huge['peak_rss_mib'] / 1024:.1f} GiB, {huge['wall_s']:.0f} s"
            if huge.get("ok")
            else huge.get("error", "failed")
        )
        rows.append((
            f"A {huge['size']} px output completes on a 24 GiB machine ({huge['mode']})",
            figure,
            "PASS" if ok else "MISS",
        ))  # fmt: skip
    rows += c2f_verdicts(results.get("c2f"))
    return rows


def c2f_verdicts(c2f: dict | None) -> list[tuple[str, str, str]]:
    """Issue 6's rows: coarse-to-fine peak RSS <= single scale (PASS/MISS), time (information)."""
    if not c2f:
        return []
    single, multi = c2f["single"], c2f["c2f"]
    size = c2f["size"]
    if not (single.get("ok") and multi.get("ok")):
        failed = single if not single.get("ok") else multi
        return [(
            f"Issue 6: coarse-to-fine peak RSS at {size} px <= a single-scale run at {size} px",
            f"a run failed: {failed.get('error', 'failed')}",
            "MISS",
        )]  # fmt: skip
    peaks = _c2f_peaks(c2f)
    rows = [(
        f"Issue 6: coarse-to-fine peak RSS at {size} px <= a single-scale run at {size} px",
        f"{c2f['rss_ratio']:.2f}x ({peaks['figure']})",
        peaks["verdict"],
    )]  # fmt: skip
    figure = (
        f"{c2f['time_ratio']:.2f}x ({multi['to_quality_s']:.0f} s vs "
        f"{single['to_quality_s']:.0f} s)"
        if multi["reached"]
        else f"not reached in the last stage's {c2f['iterations']} iterations "
        f"({multi['to_quality_s']:.0f} s vs {single['to_quality_s']:.0f} s)"
    )
    rows.append((
        f"Issue 6 (information, no target): coarse-to-fine time to the single-scale run's "
        f"final loss at {size} px",
        figure,
        "info",
    ))  # fmt: skip
    return rows


def _c2f_peaks(c2f: dict) -> dict:
    """The peak-RSS figure and verdict of a `benchmarks.c2f.compare` result (any rounds)."""
    from benchmarks.c2f import rss_verdict

    single = c2f.get("rss_single_mib") or [c2f["single"]["peak_rss_mib"]]
    multi = c2f.get("rss_c2f_mib") or [c2f["c2f"]["peak_rss_mib"]]
    if len(single) == 1:
        figure = f"{multi[0]:.0f} / {single[0]:.0f} MiB"
    else:
        figure = (
            f"medians {statistics.median(multi):.0f} / {statistics.median(single):.0f} MiB over "
            f"{len(single)} rounds; single scale {min(single):.0f}-{max(single):.0f}, "
            f"coarse-to-fine {min(multi):.0f}-{max(multi):.0f}"
        )
    return {"figure": figure, "verdict": rss_verdict(single, multi), "rounds": len(single)}


def _c2f_section(c2f: dict) -> list[str]:
    """The coarse-to-fine section's lines (see `benchmarks.c2f`)."""
    size, single, multi = c2f["size"], c2f["single"], c2f["c2f"]
    plan = ", ".join(map(str, c2f["plan"]))
    lines = [
        "",
        f"### Coarse-to-fine against single scale at {size} px (issue 6)",
        "",
        f"Fresh processes (`benchmarks/c2f.py`), a single-scale and a coarse-to-fine run per "
        f"round, {len(c2f.get('rounds') or [0])} round(s) interleaved; weights `{c2f['weights']}`, "
        f"{c2f['width']}; images {size} x {size}, preset tf-tutorial, our default optimiser "
        f"(L-BFGS). Single scale: {c2f['iterations']} iterations at {size} px. Coarse-to-fine: "
        f"`scales=[{plan}]`, {c2f['coarse_iterations']} iterations at each earlier stage, then "
        f"at most {c2f['iterations']} at {size} px, stopped at the first iteration whose loss is "
        "<= the single-scale run's final loss. **Quality** here is the total loss at the final "
        "size with the same weights (the last stage's loss weights equal the single-scale "
        "run's exactly), so equal quality means the same loss value. Caveat: the network is "
        "synthetic (random weights), so the loss says nothing about how the pictures look. "
        "Times run from the command start (imports and reading the weights included); "
        "'in stylize' from the `nst.stylize` call.",
        "",
        f"| Run | Plan (px) | Iterations (budget) | Loss at {size} px: start | final | "
        "Time to quality (s) | In stylize (s) | Peak RSS (MiB) | Status |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rounds = c2f.get("rounds") or [{"single": single, "c2f": multi}]
    runs = []
    for k, pair in enumerate(rounds):
        tag = f" (round {k + 1})" if len(rounds) > 1 else ""
        runs += [(f"single scale{tag}", pair["single"], str(size)),
                 (f"coarse-to-fine{tag}", pair["c2f"], plan)]  # fmt: skip
    for name, r, runs_plan in runs:
        if not r.get("ok"):
            lines.append(f"| {name} | {runs_plan} | | | | | | | {r.get('error', 'failed')} |")
            continue
        used = " + ".join(
            f"{s['iterations']} ({s['budget']})" for s in r["stages"]
        )  # fmt: skip
        status = (
            "ok"
            if r["mode"] == "single"
            else ("reached the single-scale loss" if r["reached"] else "**did not reach it**")
        )
        lines.append(
            f"| {name} | {runs_plan} | {used} | {r['stages'][-1]['start_loss']:.6g} | "
            f"{r['final_loss']:.6g} | "
            f"{r['to_quality_s']:.1f} | {r['in_stylize_s']:.1f} | {r['peak_rss_mib']:.0f} | "
            f"{status} |"
        )
    if single.get("ok") and multi.get("ok"):
        peaks = _c2f_peaks(c2f)
        median = " (medians over the rounds)" if peaks["rounds"] > 1 else ""
        lines += [
            "",
            f"Coarse-to-fine / single scale{median}: time **{c2f['time_ratio']:.2f}x** from the "
            f"command start ({c2f['stylize_ratio']:.2f}x inside `nst.stylize`)"
            + ("" if multi["reached"] else ", a lower bound: the target loss was not reached")
            + f"; peak RSS **{c2f['rss_ratio']:.2f}x**, {peaks['figure']} ({peaks['verdict']}: "
            "issue 6 requires the peak at the final size not to exceed a single-scale run's; "
            "PASS when the coarse-to-fine median is within the single-scale runs' range, "
            "`benchmarks.c2f.rss_verdict`).",
            "",
            "Stages of round 1's coarse-to-fine run:",
            "",
            "| Stage | Size (px) | Iterations (budget) | Loss at start | Loss at end | "
            "Ends at (s) | Peak RSS so far (MiB) |",
            "|---|---|---|---|---|---|---|",
        ]
        for k, s in enumerate(multi["stages"]):
            peak = s.get("peak_so_far_kib")
            lines.append(
                f"| {k} | {s['size']} | {s['iterations']} ({s['budget']}) | "
                f"{s['start_loss']:.6g} | {s['end_loss']:.6g} | {s['end_s']:.1f} | "
                f"{peak / 1024 if peak else float('nan'):.0f} |"
            )
        lines += [
            "",
            "Stage losses are in each stage's balanced weights (`nst.multiscale."
            "balance_weights`), so only the last stage's compare with the single-scale run.",
        ]
    return lines


def render(results: dict) -> str:
    """The generated Markdown section for `results` (see `benchmarks.run`)."""
    m = results["machine"]
    lines = [
        BEGIN,
        f"## Latest run: {results['date']} ({'quick' if results['quick'] else 'full'} mode)",
        "",
        f"- Command: `{results['command']}` ({results['wall_s'] / 60:.1f} min)",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.1f} GiB RAM; Python "
        f"{m['python']}, TensorFlow {m['tensorflow']} (CPU), numpy {m['numpy']}, scipy "
        f"{m['scipy']}",
        f"- Load average (1/5/15 min) at the start: "
        f"{' / '.join(f'{v:.2f}' for v in results['load_start'])}, at the end: "
        f"{' / '.join(f'{v:.2f}' for v in results['load_end'])}"
        + (
            " - **taken under load** from other processes (a shared machine); ratios from "
            "interleaved rounds are the figures that count"
            if max(results["load_start"][0], results["load_end"][0]) > 0.5 * m["cores"]
            else ""
        ),
        "- Stages (UTC): "
        + ", ".join(
            f"{k} {v}"
            for k, v in sorted(results.get("stage_dates", {}).items(), key=lambda item: item[1])
            if k != "end"
        ),
        f"- Weights: {results['weights']}; images: the sample content photo and sample style "
        "image, resized to exactly N x N",
        "",
        "### Targets",
        "",
        "| Target | Measured | Verdict |",
        "|---|---|---|",
    ]
    lines += [f"| {t} | {f} | {v} |" for t, f, v in verdicts(results)]
    for key, size_result in results.get("timing", {}).items():
        d = derived(size_result)
        fl = size_result["flops"]
        check = size_result["loss_check"]
        lines += [
            "",
            f"### Step time at {key} px ({len(size_result['matmul'])} interleaved rounds)",
            "",
            f"Step model: {fl['step'] / 1e9:.1f} GFLOP (2 x forward; forward = "
            f"{fl['conv'] / 1e9:.1f} conv to relu5_2 + {fl['gram'] / 1e9:.2f} Gram). TF float32 "
            f"matmul in the same rounds: {_range(d['_matmul'])} GFLOP/s. Loss of the first "
            f"image, peer (a) vs ours: {check['peer_a']:.6g} vs {check['ours']:.6g} "
            f"(relative difference {check['relative_difference']:.1e}).",
            "",
            "| Variant | First call (s) | ms per step | ms per evaluation | vs (a), per round |"
            " GFLOP/s | of matmul |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, row in d.items():
            if name.startswith("_"):
                continue
            lines.append(
                f"| {name} | {row['first_s']:.1f} | {_range(row['step'], 1e3)} | "
                f"{_range(row['per_eval'], 1e3)} | "
                f"{_range(row['ratio_to_a'], 1.0, '{:.2f}')} | "
                f"{_range(row['gflops'], 1.0, '{:.0f}')} | "
                f"{_range(row['matmul_fraction'], 100.0, '{:.0f}')}% |"
            )
        for name, why in size_result.get("skipped", {}).items():
            lines.append(f"| {name} | skipped: {why} | | | | | |")
        lb = d[LBFGS]
        if "overhead" in lb:
            conv = size_result.get("conversion_s", float("nan"))
            lines += [
                "",
                f"L-BFGS-B at {key} px: {_range(lb['evaluations'], 1.0, '{:.1f}')} evaluations "
                f"per iteration; {_range(lb['eval_inside_s'], 1e3)} ms inside the compiled "
                f"value_and_grad per evaluation; overhead outside it (scipy, conversions, "
                f"thread hand-off, Step record) **{lb['overhead']:.1%}** of the compiled time "
                f"(per round {_range(lb['overhead_rounds'], 100.0, '{:.1f}')}%); of that, the "
                f"float32/float64 conversions alone take {conv * 1e3:.1f} ms per evaluation.",
            ]
    costs = results.get("lbfgs")
    if costs:
        lines += [
            "",
            "### L-BFGS-B without the network (a quadratic with n = 3 x size^2 variables)",
            "",
            "A stress test, not the real cost (that is the overhead line under each step table): "
            "milliseconds per iteration (`benchmarks/lbfgs_cost.py`) on a cheap quadratic with "
            "about a quarter of its variables ending at the bounds. scipy's L-BFGS-B with the box "
            "(as `nst` calls it) and without; the bare algebra of an L-BFGS iteration (two-loop "
            "recursion, m = 10, projection, pair update) in float64 numpy and in float32 inside "
            "one `tf.function`; and scipy's one-off bounds set-up (approximate: the time to the "
            "first iterate minus one iteration).",
            "",
            "| Size | n | scipy, box | scipy, no box | numpy two-loop | TF two-loop |"
            " bounds set-up (ms, once) |",
            "|---|---|---|---|---|---|---|",
        ]
        for size, c in costs.items():
            lines.append(
                f"| {size} | {3 * int(size) ** 2} | {c['scipy_box'] * 1e3:.1f} | "
                f"{c['scipy_free'] * 1e3:.1f} | {c['numpy_two_loop'] * 1e3:.1f} | "
                f"{c['tf_two_loop'] * 1e3:.1f} | {c['bounds_setup'] * 1e3:.0f} |"
            )
    memory = results.get("memory", {})
    if memory:
        lines += [
            "",
            "### Fresh process: peak RSS and time to first step",
            "",
            "Each row is a new Python process (`python -m benchmarks.memory`): imports, reading "
            "the weights file, building the network, targets, the first step(s). Peak RSS is "
            "the child's own `VmHWM` (`ru_maxrss` is useless here: Linux carries the parent's "
            "maxrss across fork + exec; see `benchmarks/memory.py`). With several rounds, "
            "a row is the median run (`benchmarks.memory.combine_rounds`) and the peak column "
            "gives the range.",
            "",
            "| Size | Variant | Peak RSS (MiB) | vs (a) | Imports (s) | Ready (s) |"
            " First step (s) | Steps | Status |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for size, rows in memory.items():
            base = next((r["peak_rss_mib"] for r in rows if r["variant"] == "keras-tf"
                         and r.get("ok")), None)  # fmt: skip
            for r in rows:
                ratio = f"{r['peak_rss_mib'] / base:.2f}" if base and r.get("ok") else ""
                runs = r.get("peak_rss_runs_mib") or []
                peak = f"{r['peak_rss_mib']:.0f}" + (
                    f" ({min(runs):.0f}-{max(runs):.0f})" if len(runs) > 1 else ""
                )
                if r.get("ok"):
                    lines.append(
                        f"| {size} | {SHORT[r['variant']]} | {peak} | {ratio} |"
                        f" {r['imports_s']:.1f} | {r['ready_s']:.1f} | {r['first_step_s']:.1f} |"
                        f" {r['steps']} | ok |"
                    )
                else:
                    lines.append(
                        f"| {size} | {SHORT[r['variant']]} | {r['peak_rss_mib']:.0f} | | | | |"
                        f" | {r.get('error', 'failed')} |"
                    )
    first = results.get("first_step")
    if first:
        lines += [
            "",
            "### Time from command start to first step (fresh process, weights on disk)",
            "",
            "| Variant | Size | Imports (s) | Ready (s) | First step (s) |",
            "|---|---|---|---|---|",
        ]
        for r in first:
            if r.get("ok"):
                lines.append(
                    f"| {SHORT[r['variant']]} | {r['size']} | {r['imports_s']:.1f} | "
                    f"{r['ready_s']:.1f} | {r['first_step_s']:.1f} |"
                )
            else:
                lines.append(f"| {SHORT[r['variant']]} | {r['size']} | {r.get('error')} | | |")
    ttq = results.get("quality")
    if ttq:
        ref = ttq["reference"]
        lines += [
            "",
            f"### Time to quality at {ttq['size']} px",
            "",
            f"- Recipe (peer (a): TF tutorial, Adam lr 0.02, beta1 0.99, eps 0.1, "
            f"{ref['steps']} steps): final loss **{ref['final_loss']:.6g}**"
            + (
                f" (cached from the run of {ref['date']}, which took {ref['wall_s']:.0f} s)"
                if ref.get("cached")
                else f" (computed now in {ref['wall_s']:.0f} s)"
            ),
            (
                f"- Recipe wall time: **{ttq['recipe_s']:.0f} s**, measured: the reference run "
                "above ran in this run"
                if not ref.get("cached")
                else f"- Recipe wall time in this run: first call {ttq['recipe_first_s']:.1f} s +"
                f" {ref['steps'] - 1} x median step {ttq['recipe_step_s'] * 1e3:.0f} ms of peer "
                f"(a) = **{ttq['recipe_s']:.0f} s**"
            ),
            f"- The recipe's own path: loss {ref.get('initial_loss', float('nan')):.6g} at the "
            f"start (the content image), lowest {ref.get('best_loss', float('nan')):.6g} (step "
            f"{ref.get('best_step', '?')}), {ref['final_loss']:.6g} at the end"
            + (
                " - **the recipe ends above where it started** on these random weights, so "
                "matching its final loss is reached at once; the figure says little"
                if ref.get("initial_loss", float("inf")) <= ref["final_loss"]
                else ""
            ),
            f"- Ours (`nst.stylize`, preset tf-tutorial, optimizer {ttq['optimizer']}): "
            + (
                f"reached it at iteration {ttq['iterations']} after **{ttq['ours_s']:.0f} s** "
                f"(loss {ttq['best_loss']:.6g})"
                if ttq["reached"]
                else f"did not reach it in {ttq['ours_s']:.0f} s ({ttq['iterations']} iterations, "
                f"best loss {ttq['best_loss']:.6g})"
            )
            + (f"; ratio **{ttq['ours_s'] / ttq['recipe_s']:.1%}**" if ttq["reached"] else ""),
        ]
    huge = results.get("huge")
    if huge:
        lines += [
            "",
            f"### {huge['size']} px output ({huge['mode']})",
            "",
            (
                f"Completed in a fresh process: {huge['steps']} step(s), peak RSS "
                f"{huge['peak_rss_mib'] / 1024:.2f} GiB, {huge['wall_s']:.0f} s wall "
                f"(first step after {huge['first_step_s']:.0f} s); output saved."
                if huge.get("ok")
                else f"Did not complete: {huge.get('error')}"
            ),
        ]
    if results.get("c2f"):
        lines += _c2f_section(results["c2f"])
    if results.get("feedforward"):
        from benchmarks.feedforward import section

        lines += section(results["feedforward"], results["weights"])
    lines += ["", END]
    return "\n".join(lines)


def write_report(path: Path, generated: str, header: str) -> None:
    """Replace the generated section of `path` (or create it with `header`), atomically."""
    path = Path(path)
    text = path.read_text() if path.is_file() else header.rstrip() + "\n\n" + BEGIN + "\n" + END
    if BEGIN in text and END in text:
        before = text[: text.index(BEGIN)]
        after = text[text.index(END) + len(END) :]
        text = before + generated + after
    else:
        text = text.rstrip() + "\n\n" + generated + "\n"
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w") as file:
        file.write(text if text.endswith("\n") else text + "\n")
    os.replace(tmp, path)
