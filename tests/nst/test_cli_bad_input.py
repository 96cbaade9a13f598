"""Issue 16 at the command line, in-process: each bad input one line and exit 2; new folders.

The checks that must happen before TensorFlow loads, SIGTERM and the silenced TensorFlow logs
run in real processes in ``test_cli_subprocess.py``.
"""

from __future__ import annotations

import json

import pytest
from PIL import Image

from nst.cli import main
from nst.cli.tflog import is_tf_log_line

TINY = ["--size", "48", "--iterations", "2"]


@pytest.fixture()
def argv(tmp_path, write_smooth_image, synthetic_2016_path):
    content = write_smooth_image(tmp_path / "content.png", (60, 80), 0)
    style = write_smooth_image(tmp_path / "style.png", (64, 64), 1)
    return ["stylize", str(content), str(style), "--weights", str(synthetic_2016_path)]


def _error(capsys) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("!!")]
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    return lines[0]


@pytest.mark.parametrize(
    "options, phrase",
    [
        (["--tv-weight", "-1e-3"], "argument --tv-weight: must be a finite number >= 0, got -1e-3"),
        (["--content-weight", "-.5"], "argument --content-weight: must be a finite number"),
        (["--style-weight", "-inf"], "argument --style-weight: must be a finite number"),
        (["--optimizer", "adam", "--lbfgs-engine", "minimize"], "lbfgs_engine='minimize' "
         "applies only to optimizer lbfgs, and this run uses 'adam'"),
        (["--optimizer", "lbfgs", "--learning-rate", "2"], "learning_rate=2.0 applies only"),
        (["--size", "1"], "the smallest that works is 17 px on the shorter side (a size at least"),
        (["--size", "100000"], "--size: a 75000x100000 px run with lbfgs needs about"),
    ],
)  # fmt: skip
def test_bad_values_get_the_projects_own_message(argv, tmp_path, options, phrase, capsys):
    out = tmp_path / "out.png"
    assert main([*argv, "-o", str(out), *options]) == 2
    assert phrase in _error(capsys)
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_a_missing_output_folder_is_made_with_its_parents(argv, tmp_path):
    out = tmp_path / "out" / "deeper" / "result.png"
    assert main([*argv, "-o", str(out), *TINY, "--quiet"]) == 0
    with Image.open(out) as img:
        assert max(img.size) == 48
    assert json.loads(out.with_suffix(".json").read_text())["status"] == "completed"


def test_a_folder_is_not_made_when_the_run_is_refused(argv, tmp_path, capsys):
    out = tmp_path / "new" / "result.png"
    assert main([*argv, "-o", str(out), "--preset", "nope"]) == 2
    assert not (tmp_path / "new").exists()


def test_the_progress_bar_counts_iterations(argv, tmp_path, capsys):
    assert main([*argv, "-o", str(tmp_path / "x.png"), *TINY]) == 0
    err = capsys.readouterr().err
    assert "2/2 [" in err and "/3 [" not in err, err


def test_tensorflow_log_lines_are_recognised():
    assert is_tf_log_line("I0000 00:00:1796302402.445890   20928 port.cc:153] oneDNN custom")
    assert is_tf_log_line("WARNING: All log messages before absl::InitializeLog() is called")
    assert not is_tf_log_line("nst stylize: error: output x.gif: unsupported extension")
