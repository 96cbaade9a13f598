"""The sample images: data/make_samples.py is deterministic and matches the committed files;
nst.samples finds them and the content photo, and explains what is wrong when it cannot."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst import samples

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "data" / "make_samples.py"
STYLE_DIR = REPO / "data" / "style"


def _load_script():
    spec = importlib.util.spec_from_file_location("make_samples", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_samples = _load_script()


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """The samples written afresh by the script's own command line into a temporary folder."""
    out = tmp_path_factory.mktemp("regenerated")
    assert make_samples.main(["--out", str(out)]) == 0
    return out


# ------------------------------------------------------------------ determinism


def test_regenerated_files_are_byte_identical_to_the_committed_ones(regenerated: Path) -> None:
    fresh = sorted(p.name for p in regenerated.iterdir())
    committed = sorted(p.name for p in STYLE_DIR.iterdir())
    assert fresh == committed == sorted(f"{name}.jpg" for name in make_samples.SAMPLES)
    for name in fresh:
        assert (regenerated / name).read_bytes() == (STYLE_DIR / name).read_bytes(), name


def test_check_passes_on_the_committed_files_and_fails_on_a_changed_one(
    regenerated: Path, tmp_path: Path
) -> None:
    assert make_samples.check(STYLE_DIR) == []
    tampered = tmp_path / "style"
    shutil.copytree(regenerated, tampered)
    with Image.open(tampered / "op_art.jpg") as im:
        pixels = np.asarray(im).copy()
    pixels[:8, :8] = 255 - pixels[:8, :8]
    Image.fromarray(pixels).save(tampered / "op_art.jpg", quality=90)
    (tampered / "swirls.jpg").unlink()
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--out", str(tampered)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "op_art.jpg: differs" in result.stderr
    assert "swirls.jpg: missing" in result.stderr
    assert "stained_glass" not in result.stderr
    assert "Traceback" not in result.stderr


def test_out_that_is_a_file_is_a_one_line_error_with_status_2(tmp_path: Path, capsys) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    assert make_samples.main(["--out", str(not_a_folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(not_a_folder) in err
    assert not_a_folder.read_text() == "x"


# ------------------------------------------------------------------ the files themselves


def test_committed_images_are_small_rgb_and_sized_in_multiples_of_32() -> None:
    paths = sorted(STYLE_DIR.iterdir())
    total = sum(p.stat().st_size for p in paths)
    assert total < 1_000_000, f"{total} bytes"
    for path in paths:
        with Image.open(path) as im:
            assert im.format == "JPEG" and im.mode == "RGB", path
            assert max(im.size) == 512 and all(side % 32 == 0 for side in im.size), im.size
            assert "exif" not in im.info and "comment" not in im.info, im.info.keys()


def test_images_have_texture_not_flat_colour() -> None:
    # A style image with little contrast gives the Gram matrices nothing to match; each sample
    # should use most of the 8-bit range and vary at the scale of a 16 px patch.
    for path in STYLE_DIR.iterdir():
        with Image.open(path) as im:
            pixels = np.asarray(im, dtype=np.float64)  # (H, W, 3)
        lo, hi = np.percentile(pixels, [1, 99])
        assert hi - lo > 150, (path.name, lo, hi)
        H, W, _ = pixels.shape
        patches = pixels.reshape(H // 16, 16, W // 16, 16, 3)
        patch_std = patches.std(axis=(1, 3, 4))  # (H/16, W/16)
        assert np.median(patch_std) > 10, (path.name, np.median(patch_std))


# ------------------------------------------------------------------ building blocks


def test_line_integral_convolution_blurs_across_the_flow_but_not_along_it() -> None:
    H, W = 32, 32
    vx, vy = np.ones((H, W)), np.zeros((H, W))  # flow to the right
    stripes_along = np.zeros((H, W, 1))
    stripes_along[::4] = 1.0  # horizontal lines, parallel to the flow
    stripes_across = np.transpose(stripes_along, (1, 0, 2))  # vertical lines
    along = make_samples.line_integral_convolution(stripes_along, vx, vy, length=6)
    across = make_samples.line_integral_convolution(stripes_across, vx, vy, length=6)
    np.testing.assert_allclose(along, stripes_along, atol=1e-12)
    assert across[:, 8:24].std() < 0.25 * stripes_across.std()
    constant = make_samples.line_integral_convolution(np.full((H, W, 3), 0.3), vy, vx, 5)
    np.testing.assert_allclose(constant, 0.3, atol=1e-12)


def test_antialiased_bands_are_a_square_wave_with_one_pixel_edges() -> None:
    x = np.tile(np.arange(64, dtype=np.float64), (4, 1))  # (4, 64)
    bands = make_samples.antialiased_bands(x / 16.0)  # period 16 px
    assert bands.min() == 0.0 and bands.max() == 1.0
    assert np.all(bands[:, 2:7] == 1.0) and np.all(bands[:, 10:15] == 0.0)
    edges = 2 * 64 // 16  # two per period
    assert np.count_nonzero((bands[0] > 0) & (bands[0] < 1)) <= 2 * edges  # <= 2 px per edge
    np.testing.assert_allclose(bands[0, [0, 8, 16]], 0.5, atol=1e-12)  # on the edge: half


# ------------------------------------------------------------------ nst.samples


def test_sample_style_paths_name_every_committed_image_and_load() -> None:
    paths = samples.sample_style_paths()
    assert set(paths) == set(make_samples.SAMPLES)
    for name, path in paths.items():
        assert path == STYLE_DIR / f"{name}.jpg"
        with Image.open(path) as im:
            im.load()
            assert im.mode == "RGB"


def test_sample_style_path_default_and_by_name() -> None:
    assert samples.sample_style_path() == STYLE_DIR / f"{samples.DEFAULT_STYLE}.jpg"
    assert samples.sample_style_path(None) == samples.sample_style_path("swirls")
    assert samples.sample_style_path("op_art").name == "op_art.jpg"


def test_unknown_style_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown sample style 'monet'") as info:
        samples.sample_style_path("monet")
    for name in make_samples.SAMPLES:
        assert name in str(info.value)


def test_missing_or_empty_style_folder_is_explained(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(samples, "STYLE_DIR", tmp_path / "nowhere")
    with pytest.raises(samples.SampleDataError, match="not found.*clone of the repository"):
        samples.sample_style_path()
    monkeypatch.setattr(samples, "STYLE_DIR", tmp_path)
    with pytest.raises(samples.SampleDataError, match="has no images.*make_samples.py"):
        samples.sample_style_paths()


def test_sample_content_is_matplotlibs_grace_hopper_photo() -> None:
    path = samples.sample_content_path()
    assert path.name == "grace_hopper.jpg" and "matplotlib" in str(path)
    with Image.open(path) as im:
        assert im.mode == "RGB" and im.size == (512, 600)


def test_missing_content_photo_is_explained(monkeypatch) -> None:
    import matplotlib.cbook

    def missing(*args, **kwargs):
        raise FileNotFoundError("no sample_data folder")

    monkeypatch.setattr(matplotlib.cbook, "get_sample_data", missing)
    with pytest.raises(samples.SampleDataError, match="grace_hopper.jpg is not available"):
        samples.sample_content_path()
