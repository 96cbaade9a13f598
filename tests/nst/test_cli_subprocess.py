"""The `nst` command line as a separate process: a run stopped by a real Ctrl-C, the checks that
happen before TensorFlow is imported, and `make demo` without network access.

Each process imports TensorFlow once (several seconds), so there are few of them; the options
and error messages are covered in-process by ``test_cli.py``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst.manifest import SYNTHETIC_NOTICE, read_image_text

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def env(tmp_path) -> dict[str, str]:
    """This environment without VGG19_MAT, with an empty weights cache and quiet TF logs."""
    env = {k: v for k, v in os.environ.items() if k != "VGG19_MAT"}
    env.update(VGG_MAT_HOME=str(tmp_path / "cache"), TF_CPP_MIN_LOG_LEVEL="2")
    return env


@pytest.fixture()
def images(tmp_path) -> tuple[Path, Path]:
    rng = np.random.RandomState(0)
    paths = []
    for name, size in (("content.png", (40, 56)), ("style.png", (48, 48))):
        small = rng.uniform(0, 255, size=(5, 5, 3)).astype(np.uint8)
        path = tmp_path / name
        Image.fromarray(small).resize((size[1], size[0]), Image.BILINEAR).save(path)
        paths.append(path)
    return paths[0], paths[1]


def _nst(*args: str) -> list[str]:
    return [sys.executable, "-m", "nst", *args]


def _signal_after_steps(process: subprocess.Popen, steps: int, sig: int) -> str:
    """Wait until the progress bar shows `steps` iterations done, send `sig`, return stderr."""
    seen = b""
    deadline = time.monotonic() + 240
    try:
        while max(map(int, re.findall(rb"(\d+)/100000", seen)), default=0) < steps:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            chunk = os.read(process.stderr.fileno(), 4096)
            assert chunk, f"nst exited early: {seen.decode(errors='replace')}"
            seen += chunk
        process.send_signal(sig)
        rest = process.communicate(timeout=120)[1]
    finally:
        if process.poll() is None:
            process.kill()
    return (seen + rest).decode(errors="replace")


def test_sigint_writes_the_best_image_an_interrupted_manifest_and_exits_130(
    images, tmp_path, env, synthetic_2016_path
):
    content, style = images
    out = tmp_path / "stopped.png"
    argv = _nst("stylize", str(content), str(style), "-o", str(out), "--weights",
                str(synthetic_2016_path), "--size", "48", "--iterations", "100000",
                "--optimizer", "adam", "--save-every", "2", "--plot")  # fmt: skip
    process = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    err = _signal_after_steps(process, 4, signal.SIGINT)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert "it/s" in err or "s/it" in err  # tqdm's rate
    assert "style=" in err and "content=" in err  # the per-term losses
    with Image.open(out) as img:
        img.verify()
    with Image.open(out) as img:
        assert img.size == (48, 34)  # 56x40 content, longer side 48
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert manifest["status"] == "interrupted" and manifest["exit_status"] == 130
    totals = manifest["history"]["losses"]["total"]
    assert manifest["output"]["which"] == "best"
    assert manifest["output"]["iteration"] == manifest["history"]["iteration"][np.argmin(totals)]
    assert SYNTHETIC_NOTICE in read_image_text(out)
    done = manifest["history"]["iteration"]
    assert len(done) >= 4
    expected = [tmp_path / f"stopped.{i:06d}.png" for i in done if i and i % 2 == 0]  # 6 digits
    snapshots = manifest["snapshots"]  # Ctrl-C may land between a step and its snapshot
    assert snapshots in ([str(p) for p in expected], [str(p) for p in expected[:-1]])
    assert snapshots and all(Path(p).is_file() for p in snapshots)
    with Image.open(tmp_path / "stopped.losses.png") as img:
        img.verify()


CHECKS_BEFORE_TENSORFLOW = """
import sys
from nst.cli import main
for argv in {cases!r}:
    print(main(argv), "tensorflow" in sys.modules)
"""


def test_files_and_numbers_are_checked_before_tensorflow_is_imported(images, tmp_path, env):
    content, style = images
    out = str(tmp_path / "x.png")
    cases = [
        ["stylize", str(tmp_path / "missing.png"), "-o", out],
        ["stylize", str(content), "-o", str(content)],
        ["stylize", str(content), "-o", str(content / "no" / "x.png")],  # a file on the way
        *(  # issue 16; --weights synthetic: no file to find
            ["stylize", str(content), "--weights", "synthetic", *case]
            for case in (
                ["-o", str(tmp_path / "held.png")],  # held.json is a folder
                ["-o", out, "--size", "100000"],  # the memory it would need
                ["-o", out, "--optimizer", "adam", "--lbfgs-engine", "minimize"],
                ["-o", out, "--tv-weight", "-1e-3"],
                ["-o", out, "--preset", "nope"],
            )
        ),
        ["stylize", str(content), "-o", str(tmp_path / "x.gif")],
        ["stylize", str(content), "-o", out, "--size", "0"],
        ["stylize", str(content), "-o", out, "--style-weight", "-1"],
        ["stylize", str(content), str(style), "-o", out, "--style-blend", "1,1"],
        ["stylize", str(content), "-o", out, "--weights", str(tmp_path / "none.mat")],
        ["texture", str(tmp_path / "missing.png"), "-o", out],
    ]
    (tmp_path / "held.json").mkdir()
    script = CHECKS_BEFORE_TENSORFLOW.format(cases=cases)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[: len(cases)] == ["2 False"] * len(cases)
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == len(cases) and all(line.startswith("nst ") for line in errors), errors
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content.png", "held.json", "style.png"]
    for phrase in ("manifest " + str(tmp_path / "held.json") + ": is a folder",
                   "--size: a 71429x100000 px run with lbfgs needs about", "GiB is available",
                   "lbfgs_engine='minimize' applies only to optimizer lbfgs",
                   "argument --tv-weight: must be a finite number >= 0, got -1e-3"):  # fmt: skip
        assert phrase in result.stderr, (phrase, result.stderr)
    assert ".tmp" not in result.stderr  # no temporary file named


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_offline_explains_itself_and_exits_2(tmp_path, env):
    """The recipe of `make demo` (read with ``make -n``, which runs nothing), run offline."""
    dry = subprocess.run(["make", "-n", "demo"], cwd=REPO, capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    recipe = [line for line in dry.stdout.splitlines() if "nst demo" in line]
    assert len(recipe) == 1, dry.stdout
    command = shlex.split(recipe[0])
    assert command[0] == ".venv/bin/nst" and command[1] == "demo"
    program = REPO / command[0]
    if not program.exists():
        pytest.skip(f"{program} is not installed (`make test` creates it)")
    env["VGG_MAT_URL"] = f"http://127.0.0.1:{_closed_port()}/x.mat"  # nothing listens there
    result = subprocess.run([str(program), *command[1:]], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 2, result.stderr
    err = result.stderr
    assert "Traceback" not in err
    assert "nst demo: error: could not download the VGG-19 weights" in err
    for phrase in ("vgg-mat download", "VGG19_MAT=", "nst stylize --weights synthetic",
                   "534,904,783", "106118b7cf60435e6d8e04f6a6dc3657"):  # fmt: skip
        assert phrase in err, phrase
    assert not (tmp_path / "out").exists()


def test_sigterm_writes_the_best_image_a_manifest_with_the_signal_and_exits_143(
    images, tmp_path, env, synthetic_2016_path
):
    """``timeout``, docker and systemd stop a program with SIGTERM: handled like Ctrl-C."""
    content, style = images
    out = tmp_path / "termed.png"
    argv = _nst("stylize", str(content), str(style), "-o", str(out), "--weights",
                str(synthetic_2016_path), "--size", "48", "--iterations", "100000",
                "--optimizer", "adam")  # fmt: skip
    process = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    err = _signal_after_steps(process, 3, signal.SIGTERM)
    assert process.returncode == 143, err
    assert "Traceback" not in err and "terminated (SIGTERM)" in err
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert (manifest["status"], manifest["exit_status"], manifest["signal"]) == (
        "interrupted", 143, "SIGTERM")  # fmt: skip
    assert manifest["output"]["written"] and manifest["output"]["which"] == "best"
    with Image.open(out) as img:
        assert img.size == (48, 34)
    assert SYNTHETIC_NOTICE in read_image_text(out)


def test_a_quiet_run_into_a_new_folder_prints_no_tensorflow_log_lines(images, tmp_path, env):
    """The README's offline command on a fresh clone: ``out/`` does not exist yet."""
    content, style = images
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    env.pop("NST_TF_LOG", None)
    argv = _nst("stylize", str(content), str(style), "-o", "out/deep/synthetic.png", "--weights",
                "synthetic", "--size", "48", "--iterations", "2", "--quiet")  # fmt: skip
    result = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "deep" / "synthetic.png").is_file()
    assert (tmp_path / "out" / "deep" / "synthetic.json").is_file()
    lines = [line for line in result.stderr.splitlines() if not line.startswith("!!")]
    assert lines == [], result.stderr  # no I0000/E0000 lines, no absl notice, no cuInit
