"""`nst.batch` and ``nst batch`` on the tiny synthetic network: each photo equals its own run,
--init previous chains the frames, outputs are skipped and resumed, a failing photo does not
stop the batch, bad input exits 2 before any work."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nst.batches
from nst.batches import batch
from nst.cli import main
from nst.config import StylizeConfig
from nst.images import load_image
from nst.manifest import read_image_text
from nst.optimize import stylize


def test_each_photo_equals_its_own_run_and_previous_chains(tiny_net, content32, style32, style32b):
    photos = [content32, style32b, content32[:, ::-1].copy()]
    config = StylizeConfig(iterations=2, optimizer="adam")
    results = dict(batch(photos, style32, weights=tiny_net, config=config))
    for k, photo in enumerate(photos):
        alone = list(stylize(photo, style32, weights=tiny_net, config=config))[-1]
        np.testing.assert_allclose(results[k].image, alone.image, atol=0.05, rtol=0)
    chained = dict(batch(photos, style32, weights=tiny_net, config=config, init_previous=True))
    np.testing.assert_allclose(chained[0].image, results[0].image, atol=0.05, rtol=0)
    second = list(stylize(photos[1], style32, weights=tiny_net, config=config,
                          init=chained[0].image))[-1]  # fmt: skip
    np.testing.assert_allclose(chained[1].image, second.image, atol=0.05, rtol=0)


@pytest.fixture()
def frames(tmp_path, write_smooth_image, synthetic_2016_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for k in range(3):
        write_smooth_image(folder / f"frame{k:03d}.png", (32, 40), k)
    style = write_smooth_image(tmp_path / "style.png", (32, 32), 9)
    argv = ["batch", str(folder), "--style", str(style), "--iterations", "2", "--optimizer",
            "adam", "--weights", str(synthetic_2016_path), "--quiet"]  # fmt: skip
    return {"folder": folder, "argv": argv, "out": tmp_path / "out", "dir": tmp_path}


def test_cli_writes_one_output_per_photo_skips_and_overwrites(frames, monkeypatch):
    argv = [*frames["argv"], "-o", str(frames["out"])]
    assert main(argv) == 0
    out = frames["out"]
    assert sorted(p.name for p in out.iterdir()) == [
        f"frame{k:03d}.{ext}" for k in range(3) for ext in ("json", "png")
    ]
    record = json.loads((out / "frame001.json").read_text())
    assert record["command"] == "batch" and record["status"] == "completed" and record["synthetic"]
    assert "SYNTHETIC" in read_image_text(out / "frame001.png")
    (out / "frame001.png").unlink()  # as if the batch had stopped there
    ran = []
    original = nst.batches.run_item
    spy = lambda *a, **k: ran.append(k["content"].shape) or original(*a, **k)  # noqa: E731
    monkeypatch.setattr(nst.batches, "run_item", spy)
    assert main(argv) == 0
    assert len(ran) == 1 and (out / "frame001.png").is_file()
    assert main([*argv, "--overwrite"]) == 0
    assert len(ran) == 4


def test_cli_a_failing_photo_is_reported_and_the_batch_goes_on(frames, capsys):
    (frames["folder"] / "frame001.png").write_bytes(b"not an image")
    assert main([*frames["argv"], "-o", str(frames["out"])]) == 1
    err = capsys.readouterr().err
    assert "frame001.png: error:" in err and "2 of 3 photo(s) written" in err
    assert "1 failed: frame001.png" in err
    assert (frames["out"] / "frame002.png").is_file() and not (
        frames["out"] / "frame001.png"
    ).exists()


def test_cli_init_previous_starts_each_frame_from_the_last(frames, monkeypatch):
    inits = []
    original = nst.batches.run_item

    def spy(*args, **kwargs):
        inits.append(kwargs.get("init"))
        return original(*args, **kwargs)

    monkeypatch.setattr(nst.batches, "run_item", spy)
    assert main([*frames["argv"], "--init", "previous", "-o", str(frames["out"])]) == 0
    assert inits[0] is None
    for k in (1, 2):  # the previous frame's result, as written (8-bit) or as computed
        written = load_image(frames["out"] / f"frame{k - 1:03d}.png")
        np.testing.assert_allclose(inits[k], written, atol=0.51)


def test_cli_bad_input_exits_2(frames, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no images here")
    cases = [
        ([str(empty)], "no images"),
        ([str(tmp_path / "missing.png")], "no such file"),
    ]
    for photos, phrase in cases:
        argv = ["batch", *photos, *frames["argv"][2:], "-o", str(frames["out"])]
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and phrase in err[0], err
    assert main([*frames["argv"], "-o", str(frames["folder"])]) == 2
    assert "is the input folder" in capsys.readouterr().err
    assert main([*frames["argv"], "--init", "previous", "--workers", "2", "-o", "x"]) == 2
    assert "cannot use a cluster" in capsys.readouterr().err
    twin = frames["dir"] / "frame000.jpg"
    twin.write_bytes((frames["folder"] / "frame000.png").read_bytes())
    argv = [
        "batch",
        str(frames["folder"]),
        str(twin),
        *frames["argv"][2:],
        "-o",
        str(frames["out"]),
    ]
    assert main(argv) == 2
    assert "would both be written" in capsys.readouterr().err
    assert not frames["out"].exists()
