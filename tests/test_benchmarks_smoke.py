"""Smoke run of the benchmark harness on a tiny network (never asserts speed).

The harness (`benchmarks/`) runs end to end in quick mode on a width/8 synthetic VGG-19 at 32 px:
every pipeline builds, steps and lands in the table with the expected columns, the peers and
ours compute the same loss (a real check that the Keras peer got our weights the right way
round), and a fresh-process measurement comes back with a peak RSS. The coarse-to-fine stage
(issue 6) runs alone at 64 px (stages 32 and 64 px, 3 iterations each) in two fresh processes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

STEP_COLUMNS = (
    "| Variant | First call (s) | ms per step | ms per evaluation | vs (a), per round |"
    " GFLOP/s | of matmul |"
)
VARIANTS = (
    "a: TF tutorial (Keras, tf.function)",
    "b: online course (Keras, eager)",
    "ours: nst.stylize, Adam",
    "ours: nst.stylize, L-BFGS",
)


@pytest.fixture
def bench(monkeypatch, tmp_path):
    """`benchmarks` importable from the repo root, its cache in a temporary folder."""
    monkeypatch.syspath_prepend(str(REPO))
    monkeypatch.setenv("NST_BENCH_CACHE", str(tmp_path / "cache"))
    import benchmarks.run

    return benchmarks.run


def test_quick_run_writes_the_table(bench, tmp_path):
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\nHand-written notes stay.\n")
    results_path = tmp_path / "results.json"
    status = bench.main([
        "--quick", "--sizes", "32", "--rounds", "1", "--recipe-steps", "3",
        "--skip", "memory,first-step,huge", "--output", str(output), "--json", str(results_path),
    ])  # fmt: skip
    assert status == 0
    text = output.read_text()
    assert text.startswith("# Benchmarks\n\nHand-written notes stay.\n")
    assert "<!-- BEGIN GENERATED -->" in text and "<!-- END GENERATED -->" in text
    assert STEP_COLUMNS in text
    assert "| Target | Measured | Verdict |" in text
    for name in VARIANTS:
        assert f"| {name} |" in text
    assert "c: PyTorch" in text  # measured, or skipped with its reason
    assert "### Time to quality at 32 px" in text

    results = json.loads(results_path.read_text())
    timed = results["timing"]["32"]
    assert set(VARIANTS) <= set(timed["variants"])
    for name in VARIANTS:
        assert len(timed["variants"][name]["steps"]) == 1
        assert timed["variants"][name]["first_s"] > 0
    # the same function for all: peer (a) and ours agree on the first image's loss
    assert timed["loss_check"]["relative_difference"] < 1e-4
    assert timed["flops"]["step"] == pytest.approx(2 * timed["flops"]["forward"], rel=1e-12)
    assert results["quality"]["reference"]["steps"] == 3

    # a new generated section replaces the old one and keeps the hand-written text
    from benchmarks import report

    report.write_report(output, report.BEGIN + "\nnew table\n" + report.END, "# unused")
    again = output.read_text()
    assert again.count(report.BEGIN) == 1 and "new table" in again
    assert again.startswith("# Benchmarks\n\nHand-written notes stay.\n")
    assert "Time to quality" not in again


def test_fresh_process_reports_peak_rss(bench):
    from benchmarks import inputs, memory

    row = memory.fresh_process("ours-adam", 32, weights=inputs.weights_path(8), steps=1)
    assert row["ok"], row.get("error")
    assert row["peak_rss_mib"] > 50  # TensorFlow alone is more than that
    assert 0 < row["imports_s"] <= row["ready_s"] <= row["first_step_s"] <= row["total_s"]


def test_bad_arguments_exit_2(bench, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--skip", "everything"])
    assert exit_info.value.code == 2
    assert "unknown stage" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--weights", str(tmp_path / "missing.mat")])
    assert exit_info.value.code == 2
    assert "missing.mat" in capsys.readouterr().err


def test_render_without_results_exits_2(bench, tmp_path, capsys):
    status = bench.main(
        ["--render", "--json", str(tmp_path / "none.json"), "--output", str(tmp_path / "B.md")]
    )
    assert status == 2
    assert "none.json" in capsys.readouterr().err
    assert not (tmp_path / "B.md").exists()


def test_quick_coarse_to_fine_stage(bench, tmp_path):
    """The c2f stage alone: two fresh processes, the section, the targets row, the JSON."""
    output = tmp_path / "BENCHMARKS.md"
    results_path = tmp_path / "results.json"
    status = bench.main([
        "--quick", "--skip", "timing,lbfgs,memory,first-step,quality,huge", "--c2f-size", "64",
        "--c2f-iterations", "3", "--output", str(output), "--json", str(results_path),
    ])  # fmt: skip
    assert status == 0
    text = output.read_text()
    assert "### Coarse-to-fine against single scale at 64 px (issue 6)" in text
    assert "Issue 6: coarse-to-fine peak RSS at 64 px <= a single-scale run at 64 px" in text

    c2f = json.loads(results_path.read_text())["c2f"]
    single, multi = c2f["single"], c2f["c2f"]
    assert single["ok"], single.get("error")
    assert multi["ok"], multi.get("error")
    assert c2f["plan"] == [32, 64]
    assert [s["size"] for s in multi["stages"]] == [32, 64]
    assert single["iterations"] == [3]  # L-BFGS runs its full budget on this tiny problem
    assert single["final_loss"] < single["stages"][0]["start_loss"]
    assert multi["target"] == single["final_loss"]
    assert multi["stages"][0]["iterations"] <= 3 and multi["stages"][1]["iterations"] <= 3
    if multi["reached"]:  # stopped at the first Step at or below the target
        assert multi["final_loss"] <= single["final_loss"]
    else:  # ran its whole last-stage budget
        assert multi["stages"][1]["iterations"] == 3
        assert multi["final_loss"] > single["final_loss"]
    for run in (single, multi):
        assert run["peak_rss_mib"] > 50  # TensorFlow alone is more than that
        assert 0 < run["imports_s"] <= run["call_s"] <= run["to_quality_s"] <= run["total_s"]
    assert c2f["rss_ratio"] == multi["peak_rss_mib"] / single["peak_rss_mib"]
    assert c2f["time_ratio"] == multi["to_quality_s"] / single["to_quality_s"]
    expected = "PASS" if multi["peak_rss_mib"] <= single["peak_rss_mib"] else "MISS"
    assert f"MiB) | {expected} |" in text


def test_coarse_to_fine_rounds_medians_and_verdict(bench, monkeypatch):
    """Several rounds: ratios of the medians, PASS within the single-scale runs' range."""
    from benchmarks import c2f, report

    assert c2f.rss_verdict([2000], [2000]) == "PASS"
    assert c2f.rss_verdict([2000], [2001]) == "MISS"  # one round: the plain comparison
    assert c2f.rss_verdict([1990, 2040, 2010], [2000, 2030, 2100]) == "PASS"  # 2030 <= 2040
    assert c2f.rss_verdict([1990, 2000, 2010], [2020, 2030, 2000]) == "MISS"  # 2020 > 2010

    peaks = iter(
        [(2000, 100.0), (2100, 50.0), (2040, 110.0), (2010, 44.0), (1990, 90.0), (2030, 60.0)]
    )  # (peak MiB, seconds): single, c2f, single, c2f, ...

    def fake_run(mode, size, **kwargs):
        peak, seconds = next(peaks)
        stage = {
            "size": size,
            "budget": 3,
            "iterations": 3,
            "start_loss": 2.0,
            "end_loss": 1.0,
            "end_s": seconds,
            "peak_so_far_kib": peak * 1024,
        }
        return {"mode": mode, "size": size, "ok": True, "peak_rss_mib": peak,
                "to_quality_s": seconds, "in_stylize_s": seconds - 5, "final_loss": 1.0,
                "stages": [stage], "iterations": [3], "reached": True}  # fmt: skip

    monkeypatch.setattr(c2f, "fresh_run", fake_run)
    result = c2f.compare(64, weights=Path("w.mat"), iterations=3, rounds=3, log=lambda _: None)
    assert result["rss_single_mib"] == [2000, 2040, 1990]
    assert result["rss_c2f_mib"] == [2100, 2010, 2030]
    assert result["rss_ratio"] == 2030 / 2000  # median / median
    assert result["time_ratio"] == pytest.approx(0.5)  # median of 0.5, 0.4, 0.667
    assert result["rss_verdict"] == "PASS"  # 2030 <= max(single) = 2040
    assert result["single"] is result["rounds"][0]["single"]
    text = "\n".join(report._c2f_section(result))
    assert "| single scale (round 3) |" in text and "| coarse-to-fine (round 2) |" in text
    assert "medians 2030 / 2000 MiB over 3 rounds" in text and "(PASS:" in text
    (row,) = [r for r in report.c2f_verdicts(result) if "peak RSS" in r[0]]
    assert row[2] == "PASS" and "1.01x" in row[1]


def test_memory_rounds_keep_the_median_run(bench):
    """A memory row of several fresh processes is the median run, with every peak listed."""
    from benchmarks import memory, report

    def run(peak, first_step, ok=True):
        return {"variant": "ours-lbfgs", "ok": ok, "peak_rss_mib": peak, "imports_s": 2.0,
                "ready_s": 4.0, "first_step_s": first_step, "steps": 1}  # fmt: skip

    row = memory.combine_rounds([run(3289, 13.0), run(3116, 12.0), run(3200, 14.0)])
    assert row["peak_rss_mib"] == 3200 and row["first_step_s"] == 14.0  # one run's figures
    assert row["peak_rss_runs_mib"] == [3289, 3116, 3200]
    assert memory.combine_rounds([run(10, 1.0), run(30, 1.0)])["peak_rss_mib"] == 10
    failed = run(0, 0.0, ok=False)
    assert memory.combine_rounds([failed, run(5, 1.0)])["peak_rss_mib"] == 5
    assert memory.combine_rounds([failed]) is failed

    keras = {**run(4000, 16.0), "variant": "keras-tf", "peak_rss_runs_mib": [3950, 4000, 4100]}
    machine = {"cpu": "CPU", "cores": 2, "ram_gib": 24.0, "python": "3", "tensorflow": "2",
               "numpy": "2", "scipy": "1"}  # fmt: skip
    results = {"memory": {"1024": [keras, row]}, "memory_size": 1024, "machine": machine,
               "date": "today", "quick": False, "command": "bench", "wall_s": 60.0,
               "load_start": [0.0] * 3, "load_end": [0.0] * 3, "weights": "w.mat"}  # fmt: skip
    (verdict,) = [v for v in report.verdicts(results) if "ours-lbfgs" in v[0]]
    assert verdict[1] == (
        "0.80x (3200 / 4000 MiB; ours-lbfgs: median of 3, 3116-3289; "
        "keras-tf: median of 3, 3950-4100)"
    )
    assert verdict[2] == "PASS"
    text = report.render(results)
    assert "| 1024 | ours: nst.stylize, L-BFGS | 3200 (3116-3289) | 0.80 |" in text


def test_precision_benchmark_runs_and_states_its_verdicts(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(REPO))
    monkeypatch.setenv("NST_BENCH_CACHE", str(tmp_path / "cache"))
    import benchmarks.precision as precision

    out = tmp_path / "B.md"
    out.write_text("# Benchmarks\n\nhand-written text\n", encoding="utf-8")
    argv = ["--quick", "--sizes", "32", "--rounds", "1", "--budget", "6", "--output", str(out)]
    assert precision.main(argv) == 0
    text = out.read_text(encoding="utf-8")
    assert "hand-written text" in text  # kept: only the PRECISION section is generated
    assert text.count(precision.BEGIN) == text.count(precision.END) == 1
    assert "| 32 px | adam |" in text and "| 32 px | lbfgs |" in text
    results = json.loads((tmp_path / "cache" / "precision-quick.json").read_text())
    assert set(results["quality"]) == {"adam", "lbfgs"}
    assert sorted(map(int, results["quality"]["adam"]["float32"]["at"])) == [1, 2, 6]
    verdicts = precision.verdicts(results)
    assert len(verdicts) == 3 and all(v.startswith(("PASS", "MISS")) for v in verdicts)
    slow = {**results, "steps": [{**results["steps"][0], "bfloat16": 1.0, "float32": 1.0}]}
    assert precision.verdicts(slow)[0].startswith("MISS: step time at 32 px 1.00x")
