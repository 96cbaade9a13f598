"""The `vgg-mat` command line through `main(argv)`, and once as ``python -m vgg_mat``."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vgg_mat import integrity
from vgg_mat.cli import main
from vgg_mat.matfile import OfficialFile, load
from vgg_mat.synthetic import plan_layers

# A table row: index, name, kind, ... (see vgg_mat.cli.layer_table).
ROW = re.compile(r"^\s*(\d+)\s+(\w+)\s+(conv|relu|pool|softmax)\s")
REPO = Path(__file__).resolve().parents[2]


def _rows(text: str) -> list[tuple[str, str]]:
    return [m.group(2, 3) for line in text.splitlines() if (m := ROW.match(line))]


def _one_error_line(err: str, *phrases: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for phrase in phrases:
        assert phrase in lines[0], (phrase, lines[0])


def test_inspect_synthetic(synthetic_2016_path, capsys):
    assert main(["inspect", str(synthetic_2016_path)]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert [name for name, _ in rows] == [p.name for p in plan_layers(16, 10)]
    assert len(rows) == 43
    assert "SYNTHETIC RANDOM WEIGHTS" in out
    assert "layout:       2016" in out
    assert "checksum:     unverified" in out
    total = sum(p.num_params for p in plan_layers(16, 10))
    assert f"total parameters: {total:,}" in out
    assert "RGB 123.680 116.779 103.939" in out
    assert "classes:          10" in out
    assert "input size:       224x224" in out
    fc6 = next(line for line in out.splitlines() if " fc6 " in line)
    assert "7x7x32x256" in fc6 and f"{7 * 7 * 32 * 256 + 256:,}" in fc6


def test_inspect_beta16(synthetic_beta16_path, capsys):
    assert main(["inspect", str(synthetic_beta16_path)]) == 0
    out = capsys.readouterr().out
    assert "layout:       beta16" in out
    pool1 = next(line for line in out.splitlines() if " pool1 " in line)
    assert "max 2x2" in pool1 and "0 0 0 0" in pool1


def test_inspect_real_fragment(fixtures_dir, capsys):
    assert main(["inspect", str(fixtures_dir / "real-vgg19-first-two-layers.mat")]) == 0
    out = capsys.readouterr().out
    assert _rows(out) == [("conv1_1", "conv"), ("relu1_1", "relu")]
    assert "SYNTHETIC" not in out
    assert "none (no metadata in the file)" in out
    assert "total parameters: 1,792" in out  # 3*3*3*64 + 64


@pytest.mark.parametrize("command", ["inspect", "verify"])
@pytest.mark.parametrize(
    "fixture, phrase",
    [
        ("html-page-saved-as-mat.mat", "HTML page"),
        ("truncated-download-75776-bytes.mat", "truncated"),
    ],
)
def test_broken_files_exit_2(command, fixture, phrase, fixtures_dir, capsys):
    path = fixtures_dir / fixture
    assert main([command, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    _one_error_line(
        captured.err, f"vgg-mat {command}: error:", str(path), phrase, "vgg-mat download"
    )


@pytest.mark.parametrize("command", ["inspect", "verify"])
def test_missing_file_exits_2(command, tmp_path, capsys):
    assert main([command, str(tmp_path / "absent.mat")]) == 2
    _one_error_line(capsys.readouterr().err, "absent.mat", "no such file")


def test_verify_unofficial_file_exits_1(synthetic_2016_path, capsys):
    assert main(["verify", str(synthetic_2016_path)]) == 1
    out = capsys.readouterr().out
    md5 = hashlib.md5(synthetic_2016_path.read_bytes()).hexdigest()
    assert f"md5:  {md5}" in out
    assert f"size: {synthetic_2016_path.stat().st_size:,} bytes" in out
    assert "result: unverified" in out
    assert "534,904,783 bytes, MD5 106118b7cf60435e6d8e04f6a6dc3657" in out


def test_verify_calls_an_official_size_file_with_another_md5_corrupt(
    synthetic_2016_path, monkeypatch, capsys
):
    """The published size but another MD5: what `vgg_mat.load` refuses, `verify` names so."""
    size = synthetic_2016_path.stat().st_size
    entry = OfficialFile("official-2016", "0" * 32, size)
    monkeypatch.setattr(integrity, "OFFICIAL_FILES", {"official-2016": entry})
    assert main(["verify", str(synthetic_2016_path)]) == 1
    assert "result: corrupt or edited" in capsys.readouterr().out


def test_verify_official_file_exits_0(synthetic_2016_path, monkeypatch, capsys):
    content = synthetic_2016_path.read_bytes()
    entry = OfficialFile("official-2016", hashlib.md5(content).hexdigest(), len(content))
    monkeypatch.setattr(integrity, "OFFICIAL_FILES", {"official-2016": entry})
    assert main(["verify", str(synthetic_2016_path)]) == 0
    assert "result: official-2016" in capsys.readouterr().out


def test_synthetic_writes_refuses_to_overwrite_and_forces(tmp_path, capsys):
    out = tmp_path / "mini.mat"
    args = ["synthetic", str(out), "--width-divisor", "32", "--num-classes", "3", "--seed", "5"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC RANDOM WEIGHTS" in printed and str(out) in printed
    weights = load(out)
    assert weights.synthetic and len(weights.class_ids) == 3 and weights.layout == "2016"
    before = out.read_bytes()

    assert main([*args[:-1], "6"]) == 2
    _one_error_line(capsys.readouterr().err, str(out), "already exists", "--force")
    assert out.read_bytes() == before

    assert main([*args[:-1], "6", "--force"]) == 0
    assert out.read_bytes() != before


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
@pytest.mark.parametrize("layout", ["2016", "beta16"])
def test_synthetic_file_respects_the_umask(umask, mode, layout, tmp_path, capsys):
    """Like any file the user creates: 0666 & ~umask (was 0600 from mkstemp, whatever the umask)."""
    out = tmp_path / "mini.mat"
    old = os.umask(umask)
    try:
        assert main(["synthetic", str(out), "--layout", layout, "--width-divisor", "64"]) == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == mode
    assert [p.name for p in tmp_path.iterdir()] == ["mini.mat"]  # no temporary file left


def test_synthetic_beta16(tmp_path, capsys):
    out = tmp_path / "old.mat"
    assert main(["synthetic", str(out), "--layout", "beta16", "--width-divisor", "64"]) == 0
    assert load(out).layout == "beta16"


@pytest.mark.parametrize(
    "extra, phrase",
    [
        (["--width-divisor", "0"], "--width-divisor"),
        (["--num-classes", "1"], "--num-classes"),
        (["--layout", "2017"], "--layout"),
        (["--seed", "x"], "--seed"),
    ],
)
def test_synthetic_bad_arguments_exit_2(extra, phrase, tmp_path, capsys):
    out = tmp_path / "x.mat"
    assert main(["synthetic", str(out), *extra]) == 2
    assert phrase in capsys.readouterr().err
    assert not out.exists()


def test_synthetic_into_missing_folder_exits_2(tmp_path, capsys):
    out = tmp_path / "no" / "such" / "x.mat"
    assert main(["synthetic", str(out), "--width-divisor", "64"]) == 2
    _one_error_line(capsys.readouterr().err, "no such folder")


def test_no_command_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def _run_module(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "vgg_mat", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_python_m_vgg_mat(synthetic_2016_path, fixtures_dir):
    done = _run_module("inspect", str(synthetic_2016_path))
    assert done.returncode == 0, done.stderr
    assert len(_rows(done.stdout)) == 43
    broken = _run_module("inspect", str(fixtures_dir / "html-page-saved-as-mat.mat"))
    assert broken.returncode == 2
    assert broken.stdout == ""
    _one_error_line(broken.stderr, "HTML page")


@pytest.mark.slow
def test_full_width_synthetic_has_vgg19_parameter_count(tmp_path, capsys):
    """Writes the 533 MB full-width miniature (about 35 s and 2.2 GB of memory on 2 cores)."""
    out = tmp_path / "full.mat"
    assert main(["synthetic", str(out)]) == 0
    capsys.readouterr()
    assert main(["inspect", str(out)]) == 0
    text = capsys.readouterr().out
    assert len(_rows(text)) == 43
    assert "total parameters: 143,667,240" in text
    assert "classes:          1000" in text


def test_synthetic_onto_a_folder_exits_2_naming_it(tmp_path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    assert main(["synthetic", str(folder), "--force", "--width-divisor", "16"]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and ".tmp" not in err and len(err.strip().splitlines()) == 1
    assert list(folder.iterdir()) == []
