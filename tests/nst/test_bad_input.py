"""Issue 16 in the library: sizes out of bounds, conflicting settings, resize and bomb messages.

The command line's side (checks before TensorFlow, exit 2) is in ``test_cli_bad_input.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import nst.images
from nst.config import StylizeConfig, resolve_config
from nst.images import ImageError, load_image, resize_image
from nst.memory import (
    BASE_BYTES,
    available_bytes,
    check_memory,
    estimate_peak_bytes,
)
from nst.optimize import stylize

MIB = 2**20


def test_the_estimate_matches_the_benchmarks_peak_rss():
    """BENCHMARKS.md: Adam 1382 / 3002 MiB at 512 / 1024 px, 9.9 GiB at 2048; L-BFGS 3293 (one
    step, before its history fills). The estimate is within 10 % above each (never below)."""
    measured = [("adam", 512, 1382), ("adam", 1024, 3002), ("adam", 2048, 9.91 * 1024),
                ("lbfgs", 512, 1466), ("lbfgs", 1024, 3293)]  # fmt: skip
    for optimizer, side, mib in measured:
        estimate = estimate_peak_bytes(side * side, optimizer=optimizer) / MIB
        slack = 0.2 if optimizer == "lbfgs" else 0.1  # L-BFGS: + its history of pairs
        assert mib <= estimate <= mib * (1 + slack), (optimizer, side, estimate, mib)
    # a narrower network needs less; the base does not scale
    narrow = estimate_peak_bytes(10**6, optimizer="adam", width=1 / 16)
    assert BASE_BYTES < narrow < estimate_peak_bytes(10**6, optimizer="adam") / 2


def test_available_memory_is_read_and_can_be_overridden(monkeypatch):
    monkeypatch.delenv("NST_MEMORY_AVAILABLE", raising=False)
    assert available_bytes() > 0
    for text, value in (("8GiB", 8 * 2**30), ("512M", 512 * MIB), ("1000", 1000)):
        monkeypatch.setenv("NST_MEMORY_AVAILABLE", text)
        assert available_bytes() == value
    monkeypatch.setenv("NST_MEMORY_AVAILABLE", "lots")
    with pytest.raises(ValueError, match="NST_MEMORY_AVAILABLE.*8GiB"):
        available_bytes()


def test_an_absurd_size_is_refused_when_the_config_is_resolved(monkeypatch):
    monkeypatch.setenv("NST_MEMORY_AVAILABLE", "16GiB")  # not this machine's figure
    with pytest.raises(ValueError, match=r"size 1000000000: .*needs about .* GiB.*available"):
        resolve_config(StylizeConfig(size=10**9))
    with pytest.raises(ValueError, match="scales 1000000000"):
        resolve_config(scales=[256, 10**9])
    assert resolve_config(size=2048).size == 2048  # possible on some image: accepted here


def test_a_run_larger_than_the_memory_available_is_refused(tiny_weights, content32, monkeypatch):
    monkeypatch.setenv("NST_MEMORY_AVAILABLE", "1GiB")
    with pytest.raises(ValueError, match=r"the content image: a 1500x2000 px run with adam needs "
                       r"about [\d.]+ GiB .* only 1.0 GiB is available; use a size of at most "
                       r"about \d+ px \(coarse-to-fine, --scales"):  # fmt: skip
        stylize(np.zeros((60, 80, 3), np.float32), content32, weights=tiny_weights,
                optimizer="adam", size=2000)  # fmt: skip
    with pytest.raises(ValueError, match="argument"):
        check_memory(10**5, 10**5, optimizer="lbfgs", argument="argument")
    monkeypatch.setenv("NST_MEMORY_AVAILABLE", "64GiB")
    check_memory(2000, 1500, optimizer="adam", network_width=1 / 16)  # fits


def test_a_size_too_small_for_the_deepest_layer_names_the_smallest_that_works(
    tiny_weights, content32
):
    # --size 1 "completed" with nothing learnt; every layer has a single position there
    small = r"1x1 pixels is too small .*relu5_1 with at least 2x2 position\(s\); the smallest"
    with pytest.raises(ValueError, match=small + " that works is 17 px on the shorter side"):
        stylize(content32, content32, weights=tiny_weights, size=1)
    # a 1x1 image is not silently blown up either
    with pytest.raises(ValueError, match="1x1 pixels is too small"):
        stylize(np.zeros((1, 1, 3), np.float32), content32, weights=tiny_weights)
    wide = np.zeros((30, 60, 3), np.float32)
    with pytest.raises(ValueError, match=r"15x30 pixels .*17 px on the shorter side \(size 34\)"):
        stylize(wide, content32, weights=tiny_weights, size=30)
    next(stylize(wide, content32, weights=tiny_weights, size=34, iterations=0))  # 17x34 works


@pytest.mark.parametrize(
    "settings, phrase",
    [
        ({"optimizer": "adam", "lbfgs_engine": "minimize"}, "lbfgs_engine='minimize' applies "
         "only to optimizer lbfgs, and this run uses 'adam'"),
        ({"optimizer": "sgd", "maxcor": 5}, "maxcor=5 applies only to optimizer lbfgs"),
        ({"preset": "tf-tutorial", "maxls": 3}, "maxls=3 applies only"),
        ({"optimizer": "lbfgs", "beta1": 0.5}, "beta1=0.5 applies only to optimizer adam"),
        ({"optimizer": "sgd", "epsilon": 0.1}, "epsilon=0.1 applies only to optimizer adam"),
        ({"learning_rate": 2.0}, "learning_rate=2.0 applies only to optimizer adam or sgd"),
    ],
)  # fmt: skip
def test_a_setting_the_optimiser_never_reads_is_refused(settings, phrase):
    with pytest.raises(ValueError, match=phrase.replace("(", r"\(")):
        resolve_config(**settings)


def test_default_values_and_preset_values_are_not_conflicts():
    resolve_config(optimizer="adam", lbfgs_engine="auto", maxcor=10, maxls=20)
    resolve_config(optimizer="lbfgs", beta1=0.9, learning_rate=10.0)
    config = resolve_config(preset="tf-tutorial", optimizer="lbfgs")  # the preset's Adam betas
    assert config.optimizer == "lbfgs" and config.beta1 == 0.99
    assert resolve_config(config) == config  # a resolved config resolves to itself
    with pytest.raises(ValueError, match="beta1=0.5 applies only"):
        resolve_config(config, beta1=0.5)


def test_resize_refuses_absurd_sizes_without_a_memory_error():
    image = np.zeros((3, 4, 3), np.float32)
    with pytest.raises(ValueError, match=r"size 1000000000: resizing a 3x4 image to .* pixels"):
        resize_image(image, 10**9)
    with pytest.raises(ValueError, match="choose a smaller size"):
        resize_image(image, (10**6, 10**6))


def test_the_decompression_bomb_message_states_the_limit_once(tmp_path, monkeypatch):
    Image.new("RGB", (40, 30)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(nst.images, "MAX_PIXELS", 1000)
    with pytest.raises(ImageError) as ours:
        load_image(tmp_path / "bomb.png")
    monkeypatch.setattr(nst.images, "MAX_PIXELS", 178_956_970)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)
    with pytest.raises(ImageError) as pillows:
        load_image(tmp_path / "bomb.png")
    for error in (ours.value, pillows.value):
        text = str(error)
        assert "(1,200 pixels, over the limit of 1,000)" in text, text
        assert text.count("limit") == 1 and "DOS" not in text, text


def test_the_readme_save_call_labels_a_synthetic_result(tiny_weights, content32, style32, tmp_path):
    """README: ``nst.save_image("result.png", step.image)`` after a run on synthetic weights."""
    import nst
    from nst.manifest import SYNTHETIC_NOTICE, read_image_text

    for step in nst.stylize(content32, style32, weights=tiny_weights, iterations=2,
                            optimizer="adam"):  # fmt: skip
        print(step.iteration, step.losses["total"])  # the README's loop
    nst.save_image(tmp_path / "result.png", step.image)
    text = read_image_text(tmp_path / "result.png")
    assert SYNTHETIC_NOTICE.upper() in text and "Iteration: 2" in text
    assert "nst.stylize" in text and tiny_weights.label in text
    nst.save_image(tmp_path / "step.jpg", step)  # the Step itself, JPEG: the same label
    assert SYNTHETIC_NOTICE.upper() in read_image_text(tmp_path / "step.jpg")
    nst.save_image(tmp_path / "plain.png", step.image.copy())  # another array: no label
    assert read_image_text(tmp_path / "plain.png") == ""
    nst.save_image(tmp_path / "own.png", step.image, metadata={"k": "v"})  # the caller's own
    assert read_image_text(tmp_path / "own.png") == "k: v"


@pytest.mark.parametrize(
    ("settings", "argument"),
    [
        ({"style_blend": 0.5}, "style_blend"),
        ({"scales": [32, 64], "scale_iterations": 5}, "scale_iterations"),
        ({"lbfgs_engine": ["tf"]}, "lbfgs_engine"),
    ],
    ids=["blend-scalar", "scale-iterations-scalar", "engine-list"],
)
def test_a_value_of_the_wrong_type_is_a_value_error_naming_it(settings, argument):
    with pytest.raises(ValueError, match=argument):
        resolve_config(**settings)
