"""`nst.sweep` and ``nst sweep`` on the tiny synthetic network: cells equal separate runs, the
folder's files, reruns skip finished cells, Ctrl-C keeps them, bad input exits 2 before work."""

from __future__ import annotations

import json
import socket
import sys

import numpy as np
import pytest

import nst.sweeps
from nst.cli import main
from nst.config import StylizeConfig
from nst.grid import MAX_CELLS, plan_grid
from nst.manifest import SYNTHETIC_NOTICE, read_image_text
from nst.metrics import METRICS
from nst.optimize import stylize
from nst.sweeps import sweep


@pytest.mark.parametrize(
    ("optimizer", "grid"),
    [
        ("adam", {"style_weight": (1e2, 1e5)}),
        (
            "lbfgs",
            {"style_weight": (1e2, 1e5), "style_layers": (("relu1_1",), ("relu1_1", "relu3_1"))},
        ),
    ],
)
def test_cells_equal_separate_runs(tiny_net, content32, style32, optimizer, grid):
    base = StylizeConfig(iterations=3, optimizer=optimizer, init="content+noise", seed=4,
                         tv_weight=1e-3)  # fmt: skip
    cells = list(sweep(content32, style32, weights=tiny_net, grid=grid, config=base))
    assert [cell.index for cell, _ in cells] == list(range(len(cells)))
    for cell, result in cells:
        alone = list(stylize(content32, style32, weights=tiny_net, config=base, **cell.values))
        assert result.status == "completed" and result.iteration == alone[-1].iteration
        assert list(result.losses) == list(alone[-1].losses)  # the same loss entries
        # float32 sums in another order: the images agree to well under a grey level
        np.testing.assert_allclose(result.image, alone[-1].image, atol=0.05, rtol=0)
        for key, value in alone[-1].losses.items():
            np.testing.assert_allclose(result.losses[key], value, rtol=1e-4, atol=1e-6)
        assert set(result.metrics["metrics"]) == set(METRICS)


def test_the_seed_is_each_cells_own(tiny_net, content32, style32):
    base = StylizeConfig(iterations=0, init="noise")
    cells = list(sweep(content32, style32, weights=tiny_net, grid={"seed": (1, 2)}, config=base,
                       evaluate=False))  # fmt: skip
    first, second = (result.image for _, result in cells)
    assert not np.array_equal(first, second)
    again = list(stylize(content32, style32, weights=tiny_net, config=base, seed=2))[-1].image
    np.testing.assert_array_equal(second, again)


def test_grid_over_500_cells_needs_yes():
    with pytest.raises(ValueError, match="more than 500"):
        plan_grid({"seed": range(MAX_CELLS + 1)})
    assert len(plan_grid({"seed": range(MAX_CELLS + 1)}, yes=True)) == MAX_CELLS + 1


@pytest.fixture()
def files(tmp_path, write_smooth_image, synthetic_2016_path):
    (tmp_path / "in").mkdir()
    content = write_smooth_image(tmp_path / "in" / "content.png", (32, 40), 0)
    style = write_smooth_image(tmp_path / "in" / "style.png", (32, 32), 1)
    argv = ["sweep", str(content), str(style), "--iterations", "2", "--optimizer", "adam",
            "--weights", str(synthetic_2016_path), "--quiet"]  # fmt: skip
    return {"argv": argv, "out": tmp_path / "out", "dir": tmp_path}


def test_cli_writes_cells_sheet_plot_and_json_and_a_rerun_skips(files, capsys, monkeypatch):
    argv = [*files["argv"], "--style-weight", "1e2,1e4", "--style-layers", "relu1_1",
            "relu1_1,relu2_1", "-o", str(files["out"])]  # fmt: skip
    assert main(argv) == 0
    out = files["out"]
    summary = json.loads((out / "sweep.json").read_text())
    assert summary["axes"] == {"style_weight": [100.0, 10000.0],
                               "style_layers": [["relu1_1"], ["relu1_1", "relu2_1"]]}  # fmt: skip
    assert summary["synthetic"] is True and summary["notice"] == SYNTHETIC_NOTICE
    assert [c["status"] for c in summary["cells"]] == ["completed"] * 4
    assert all(set(c["metrics"]) == set(METRICS) for c in summary["cells"])
    for name in ("sheet.png", "tradeoff.png"):
        assert (out / name).stat().st_size > 1000
    cell = json.loads((out / "cells" / "cell-003.json").read_text())
    assert cell["cell"]["values"] == {
        "style_weight": 10000.0,
        "style_layers": ["relu1_1", "relu2_1"],
    }
    assert cell["settings"]["style_layers"] == {"relu1_1": 0.5, "relu2_1": 0.5}
    assert cell["metrics"]["notice"] and "SYNTHETIC" in read_image_text(
        out / "cells" / "cell-003.png"
    )
    capsys.readouterr()

    ran = []
    original = nst.sweeps.run_item
    monkeypatch.setattr(
        nst.sweeps, "run_item", lambda *a, **k: ran.append(a[2]) or original(*a, **k)
    )
    assert main(argv) == 0
    assert ran == [] and "4 of 4 cells already" in capsys.readouterr().err
    # another value: only the new cells run
    assert main([*argv, "--tv-weight", "1e-3"]) == 0  # a fixed setting: all four are new
    assert sorted(ran) == [0, 1, 2, 3]


def test_ctrl_c_keeps_finished_cells_and_the_rerun_does_the_rest(files, capsys, monkeypatch):
    argv = [*files["argv"], "--style-weight", "1e2,1e3,1e4", "-o", str(files["out"])]
    original = nst.sweeps.run_item

    def interrupted(runs, job, index, **kwargs):
        if index == 1:
            raise KeyboardInterrupt
        return original(runs, job, index, **kwargs)

    monkeypatch.setattr(nst.sweeps, "run_item", interrupted)
    assert main(argv) == 130
    summary = json.loads((files["out"] / "sweep.json").read_text())
    assert summary["status"] == "interrupted"
    assert [c["status"] for c in summary["cells"]] == ["completed", "not run", "not run"]
    assert "rerun the same command" in capsys.readouterr().err
    ran = []
    monkeypatch.setattr(
        nst.sweeps, "run_item", lambda *a, **k: ran.append(a[2]) or original(*a, **k)
    )
    assert main(argv) == 0
    assert ran == [1, 2]
    summary = json.loads((files["out"] / "sweep.json").read_text())
    assert [c["status"] for c in summary["cells"]] == ["completed"] * 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


@pytest.mark.parametrize(
    ("extra", "phrase"),
    [
        (["--style-weight", "1e3,,x"], "item 2 is empty"),
        (["--style-weight", "1e3,x"], "item 2 of '1e3,x'"),
        (["--style-weight", "1,2", "--seed", ",".join(map(str, range(251)))], "more than 500"),
        (["--tv-weight", "1e-3"], "nothing to sweep"),
        (["--style-weight", "1,2", "--scheduler", "tcp://127.0.0.1:{port}"], "no answer"),
        (["--style-weight", "1,2", "--style-layers", "relu9_9", "relu1_1"], "relu9_9"),
    ],
)
def test_cli_bad_input_exits_2_before_any_work(files, capsys, extra, phrase, monkeypatch):
    extra = [e.replace("{port}", str(_free_port())) for e in extra]
    monkeypatch.setattr(nst.sweeps, "run_item", None)  # any run would fail loudly
    assert main([*files["argv"], *extra, "-o", str(files["out"])]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and phrase in err[0], err
    assert not files["out"].exists()


def test_cli_output_folder_that_is_an_input_folder_exits_2(files, capsys):
    argv = [*files["argv"], "--style-weight", "1,2", "-o", str(files["dir"] / "in")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "is the input folder" in err and len(err.strip().splitlines()) == 1


def test_cli_scheduler_without_dask_says_how_to_install(files, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    argv = [*files["argv"], "--style-weight", "1,2", "--scheduler", "tcp://127.0.0.1:8786"]
    assert main([*argv, "-o", str(files["out"])]) == 2
    err = capsys.readouterr().err
    assert (
        "pip install 'nst-from-scratch[distributed]'" in err and len(err.strip().splitlines()) == 1
    )
