"""`vgg_mat.standin`: which weights (a file, or the cached synthetic stand-in), and
`vgg_mat.real_or_synthetic`: the real file when found, else the stand-in."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from vgg_mat.download import WeightsNotFoundError
from vgg_mat.matfile import load
from vgg_mat.standin import (
    SYNTHETIC,
    load_located,
    locate_weights,
    real_or_synthetic,
    synthetic_file,
)
from vgg_mat.synthetic import write_synthetic
from vgg_mat.weights import MatFileError


@pytest.fixture
def nothing_to_find(monkeypatch, tmp_path):
    """No ``$VGG19_MAT`` file and an empty cache: `find_weights` finds nothing."""
    empty_home = tmp_path / "empty-cache"
    empty_home.mkdir()
    monkeypatch.delenv("VGG19_MAT", raising=False)
    monkeypatch.setenv("VGG_MAT_HOME", str(empty_home))
    return empty_home


def _temp_entries() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("vgg_mat-standin-*")}


def test_falls_back_to_a_synthetic_miniature_when_nothing_is_found(nothing_to_find, capsys):
    before = _temp_entries()
    weights = real_or_synthetic(width_divisor=16, seed=3)
    printed = capsys.readouterr().out.splitlines()
    assert weights.synthetic is True
    assert weights.label.startswith("SYNTHETIC RANDOM WEIGHTS, NOT VGG-19")
    assert "width_divisor=16, seed=3" in weights.source
    assert len(weights.layers) == 43
    assert weights.layer("conv1_1").kernel.shape == (3, 3, 3, 64 // 16)
    assert weights.layer("conv5_4").kernel.shape == (3, 3, 512 // 16, 512 // 16)
    # One line: which weights, and why (find_weights' message up to its advice).
    assert len(printed) == 1
    assert printed[0].startswith("Using SYNTHETIC RANDOM WEIGHTS")
    assert "no VGG-19 weights file found" in printed[0]
    assert str(nothing_to_find) in printed[0]
    # The temporary folder (and the file in it) is gone; nothing is written into the cache.
    assert _temp_entries() == before
    assert list(nothing_to_find.iterdir()) == []


def test_the_stand_in_is_written_once_and_reused(nothing_to_find):
    first = synthetic_file(width_divisor=16, seed=4)
    assert first == nothing_to_find / "synthetic-vgg19-wd16-seed4.mat"
    stamp = first.stat().st_mtime_ns
    assert synthetic_file(width_divisor=16, seed=4) == first
    assert first.stat().st_mtime_ns == stamp  # not written again
    assert not list(nothing_to_find.glob(".*.tmp"))  # written atomically: no leftovers
    # real_or_synthetic's stand-in (in a temporary folder) has the same weights
    again = real_or_synthetic(width_divisor=16, seed=4, verbose=False)
    np.testing.assert_array_equal(
        again.layer("conv1_1").kernel, load(first).layer("conv1_1").kernel
    )


def test_locate_weights_gives_the_file_or_none_for_synthetic(nothing_to_find, synthetic_2016_path):
    assert locate_weights(SYNTHETIC) is None
    assert locate_weights(synthetic_2016_path) == synthetic_2016_path
    with pytest.raises(WeightsNotFoundError, match="no VGG-19 weights file found"):
        locate_weights()
    assert load_located(synthetic_2016_path).source == str(synthetic_2016_path)
    stand_in = load_located(None)
    assert stand_in.synthetic and stand_in.layer("conv1_1").kernel.shape == (3, 3, 3, 8)
    assert stand_in.source == str(nothing_to_find / "synthetic-vgg19-wd8-seed0.mat")


def test_a_VGG19_MAT_naming_no_file_falls_back_and_says_why(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("VGG19_MAT", str(tmp_path / "not-there.mat"))
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path))
    weights = real_or_synthetic(width_divisor=16)
    assert weights.synthetic is True
    line = capsys.readouterr().out.strip()
    assert "VGG19_MAT" in line and "not-there.mat" in line


def test_seed_and_width_divisor_are_passed_to_write_synthetic(nothing_to_find, tmp_path):
    made = real_or_synthetic(width_divisor=16, seed=5, verbose=False)
    expected = load(write_synthetic(tmp_path / "direct.mat", width_divisor=16, seed=5))
    assert made.names == expected.names
    for a, b in zip(made.layers, expected.layers, strict=True):
        if a.kind == "conv":
            np.testing.assert_array_equal(a.kernel, b.kernel)
            np.testing.assert_array_equal(a.bias, b.bias)
    other_seed = real_or_synthetic(width_divisor=16, seed=6, verbose=False)
    assert not np.array_equal(other_seed.layer("conv1_1").kernel, made.layer("conv1_1").kernel)
    wider = real_or_synthetic(width_divisor=8, seed=5, verbose=False)
    assert wider.layer("conv1_1").kernel.shape == (3, 3, 3, 8)


def test_verbose_false_prints_nothing(nothing_to_find, capsys):
    real_or_synthetic(width_divisor=16, verbose=False)
    assert capsys.readouterr().out == ""


def test_the_file_VGG19_MAT_names_is_used(monkeypatch, tmp_path, synthetic_2016_path, capsys):
    # A synthetic file stands in for the real one here: what matters is that it is the one
    # loaded, not a fresh stand-in (which would have width_divisor 8 and a different source).
    monkeypatch.setenv("VGG19_MAT", str(synthetic_2016_path))
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path))
    weights = real_or_synthetic()
    assert weights.source == str(synthetic_2016_path)
    assert weights.layer("conv1_1").kernel.shape == (3, 3, 3, 4)  # the file's width_divisor 16
    line = capsys.readouterr().out.strip()
    assert line == f"Using {weights.label}: found via $VGG19_MAT"


def test_the_cached_file_is_used(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("VGG19_MAT", raising=False)
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path))
    write_synthetic(tmp_path / "imagenet-vgg-verydeep-19.mat", width_divisor=16, seed=2)
    weights = real_or_synthetic()
    assert weights.source == str(tmp_path / "imagenet-vgg-verydeep-19.mat")
    assert capsys.readouterr().out.strip().endswith("found via the cache")


def test_an_explicit_path_is_used_before_VGG19_MAT(monkeypatch, tmp_path, synthetic_2016_path):
    monkeypatch.setenv("VGG19_MAT", str(synthetic_2016_path))
    other = write_synthetic(tmp_path / "other.mat", width_divisor=16, seed=1)
    weights = real_or_synthetic(other, verbose=False)
    assert weights.source == str(other)


def test_an_explicit_broken_path_raises_instead_of_falling_back(nothing_to_find, fixtures_dir):
    broken = fixtures_dir / "truncated-download-75776-bytes.mat"
    with pytest.raises(MatFileError, match="truncated-download-75776-bytes.mat"):
        real_or_synthetic(broken)


def test_a_broken_file_in_VGG19_MAT_raises_instead_of_falling_back(monkeypatch, fixtures_dir):
    monkeypatch.setenv("VGG19_MAT", str(fixtures_dir / "html-page-saved-as-mat.mat"))
    with pytest.raises(MatFileError, match="html-page-saved-as-mat.mat"):
        real_or_synthetic()


def test_an_explicit_missing_path_raises(nothing_to_find, tmp_path):
    with pytest.raises(WeightsNotFoundError, match="missing.mat: no such weights file"):
        real_or_synthetic(tmp_path / "missing.mat")
