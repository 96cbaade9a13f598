"""vgg_mat.classify: fc6-fc8 + softmax agree with numpy; resizing, layouts and errors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from vgg_mat.classify import classify, resize_and_crop, with_kernel_layout
from vgg_mat.network import VGG
from vgg_mat.preprocessing import preprocess

RTOL = 1e-4  # float32 network vs float64 numpy


def numpy_classifier(weights, pool5):
    """softmax(W8 relu(W7 relu(W6 * pool5 + b6) + b7) + b8), float64, for a (7, 7, C) pool5."""
    fc6, fc7, fc8 = (weights.layer(n) for n in ("fc6", "fc7", "fc8"))
    assert fc6.kernel.shape[:2] == pool5.shape[:2] == (7, 7)
    h = np.einsum("ijc,ijcf->f", pool5, fc6.kernel.astype(np.float64)) + fc6.bias
    h = np.maximum(h, 0)
    h = np.maximum(h @ fc7.kernel[0, 0].astype(np.float64) + fc7.bias, 0)
    logits = h @ fc8.kernel[0, 0].astype(np.float64) + fc8.bias
    e = np.exp(logits - logits.max())
    return e / e.sum()


def soften(weights, logit_std=2.0, image=None):
    """`weights` with fc8 scaled so the logits have about `logit_std` spread.

    Random He-normal weights give logits in the hundreds, a softmax of one 1.0 and many exact
    0.0 (whose order is arbitrary); a scaled fc8 keeps every probability informative.
    """
    fc8 = weights.layer("fc8")
    x = preprocess(image, weights)
    spread = float(tf.math.reduce_std(VGG(weights)(x, ["fc8"])["fc8"]))
    factor = logit_std / spread
    scaled = replace(
        fc8, kernel=fc8.kernel * np.float32(factor), bias=fc8.bias * np.float32(factor)
    )
    return replace(weights, layers=weights.layers[:-2] + (scaled, weights.layers[-1]))


@pytest.fixture(scope="module")
def image224():
    return np.random.default_rng(0).uniform(0, 255, (224, 224, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def soft_weights(tiny_weights, image224):
    return soften(tiny_weights, image=image224)


def test_classify_agrees_with_numpy_fc6_to_softmax(soft_weights, image224):
    tiny_weights = soft_weights
    assert tiny_weights.synthetic  # the result is random-weight output; callers can tell
    assert tiny_weights.layer("fc8").kernel.dtype == np.float32
    result = classify(tiny_weights, image224, top=10)
    pool5 = VGG(tiny_weights)(preprocess(image224, tiny_weights), ["pool5"])["pool5"]
    expected = numpy_classifier(tiny_weights, pool5.numpy()[0].astype(np.float64))
    order = np.argsort(-expected)
    assert [r[0] for r in result] == [tiny_weights.class_ids[k] for k in order]
    assert [r[1] for r in result] == [f"synthetic class {k}" for k in order]
    assert expected.min() > 1e-4  # every class has an informative probability
    np.testing.assert_allclose([r[2] for r in result], expected[order], rtol=RTOL, atol=1e-7)
    np.testing.assert_allclose(sum(r[2] for r in result), 1.0, rtol=1e-5)


def test_top_k_and_types(tiny_weights, image224):
    top3 = classify(tiny_weights, image224, top=3)
    assert len(top3) == 3
    assert all(
        isinstance(c, str) and isinstance(d, str) and isinstance(p, float) for c, d, p in top3
    )
    assert top3[0][2] >= top3[1][2] >= top3[2][2]
    assert classify(tiny_weights, image224, top=100) == classify(tiny_weights, image224, top=10)


def test_path_and_uint8_array_give_the_same_answer(soft_weights, tmp_path):
    tiny_weights = soft_weights
    pixels = np.random.default_rng(1).integers(0, 256, (260, 300, 3), dtype=np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(pixels).save(path)
    Image.fromarray(pixels).convert("L").save(tmp_path / "grey.png")
    from_path = classify(tiny_weights, path)
    from_array = classify(tiny_weights, pixels)
    assert [r[0] for r in from_path] == [r[0] for r in from_array]
    np.testing.assert_allclose([r[2] for r in from_path], [r[2] for r in from_array], rtol=1e-6)
    assert len(classify(tiny_weights, str(tmp_path / "grey.png"))) == 5  # grey -> RGB


def test_resize_and_crop_scales_the_shorter_side_and_centre_crops():
    wide = np.random.default_rng(2).uniform(0, 255, (224, 300, 3)).astype(np.float32)
    # shorter side already 224: no resampling, an exact centre crop (columns 38..261)
    np.testing.assert_array_equal(resize_and_crop(wide, (224, 224)), wide[:, 38:262])
    tall = np.random.default_rng(3).uniform(0, 255, (500, 400, 3)).astype(np.float32)
    out = resize_and_crop(tall, (224, 224))  # 400 -> 224, 500 -> 280, crop rows 28..251
    assert out.shape == (224, 224, 3) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 255
    flat = resize_and_crop(np.full((50, 70, 3), 77.0, np.float32), (224, 224))  # upscaling
    np.testing.assert_allclose(flat, 77.0, rtol=0, atol=1e-3)


def test_transposed_layout_equals_faithful_on_the_transposed_image(soft_weights, image224):
    tiny_weights = soft_weights
    # net_T(x) = T(net(T(x))) and fc8 is 1x1, so the transposed classifier on x is the
    # faithful one on x transposed.
    transposed = classify(tiny_weights, image224, top=10, transpose_hw=True)
    faithful_on_t = classify(tiny_weights, image224.transpose(1, 0, 2).copy(), top=10)
    assert [r[0] for r in transposed] == [r[0] for r in faithful_on_t]
    np.testing.assert_allclose(
        [r[2] for r in transposed], [r[2] for r in faithful_on_t], rtol=RTOL, atol=1e-7
    )
    same = classify(tiny_weights, image224, top=10, transpose_hw=False)
    assert same == classify(tiny_weights, image224, top=10)
    assert [r[2] for r in same] != [r[2] for r in transposed]


def test_with_kernel_layout(tiny_weights):
    assert with_kernel_layout(tiny_weights, None) is tiny_weights
    assert with_kernel_layout(tiny_weights, False) is tiny_weights
    t = with_kernel_layout(tiny_weights, True)
    assert t.transposed_hw
    np.testing.assert_array_equal(
        t.layer("conv1_1").kernel, tiny_weights.layer("conv1_1").kernel.transpose(1, 0, 2, 3)
    )
    assert with_kernel_layout(t, True) is t
    back = with_kernel_layout(t, False)
    np.testing.assert_array_equal(back.layer("fc6").kernel, tiny_weights.layer("fc6").kernel)


def test_transposed_loaded_file_matches_transpose_hw_flag(synthetic_2016_path, image224):
    from vgg_mat.matfile import load

    loaded_t = load(synthetic_2016_path, transpose_hw=True)
    faithful = load(synthetic_2016_path)
    a = classify(loaded_t, image224, top=10)
    b = classify(faithful, image224, top=10, transpose_hw=True)
    assert [r[0] for r in a] == [r[0] for r in b]
    np.testing.assert_allclose([r[2] for r in a], [r[2] for r in b], rtol=1e-6)
    c = classify(loaded_t, image224, top=10, transpose_hw=False)
    assert c == classify(faithful, image224, top=10)


def test_file_without_classifier_or_classes_is_a_clear_error(tiny_weights, image224):
    no_fc = replace(tiny_weights, layers=tiny_weights.layers[:37])
    with pytest.raises(ValueError, match="has no classifier"):
        classify(no_fc, image224)
    no_classes = replace(tiny_weights, class_ids=(), class_descriptions=())
    with pytest.raises(ValueError, match="0 class ids and 0 descriptions for 10 outputs"):
        classify(no_classes, image224)


def test_bad_arguments_are_clear_errors(tiny_weights, image224, tmp_path):
    for top in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="top must be a positive integer"):
            classify(tiny_weights, image224, top=top)
    with pytest.raises(FileNotFoundError, match="nope.jpg: no such image file"):
        classify(tiny_weights, tmp_path / "nope.jpg")
    (tmp_path / "text.jpg").write_text("not an image")
    with pytest.raises(ValueError, match="text.jpg: not an image PIL can read"):
        classify(tiny_weights, tmp_path / "text.jpg")
    with pytest.raises(ValueError, match=r"\(H, W, 3\) RGB array, got shape \(10, 10\)"):
        classify(tiny_weights, np.zeros((10, 10)))


def test_classify_leaves_tf_eager_state_alone(tiny_weights, image224):
    # classify builds its network internally and works whether or not eager mode is default
    assert tf.executing_eagerly()
    assert len(classify(tiny_weights, tf.constant(image224).numpy())) == 5


# ---------------------------------------------------------------------------------------------
# the command line


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(4).integers(0, 256, (240, 250, 3), np.uint8)).save(path)
    return path


def run_cli(capsys, *argv):
    from vgg_mat.cli import main

    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_classify_on_a_synthetic_file_is_labelled(capsys, photo, synthetic_2016_path):
    status, out, err = run_cli(capsys, "classify", photo, "--weights", synthetic_2016_path)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("weights: SYNTHETIC RANDOM WEIGHTS, NOT VGG-19")
    assert "SYNTHETIC" in lines[1]
    predictions = [line for line in lines if "synthetic class" in line]
    assert len(predictions) == 5 and predictions[0].startswith(" 1. ")


def test_cli_classify_both_layouts_and_top(capsys, photo, synthetic_2016_path):
    status, out, err = run_cli(
        capsys, "classify", photo, "--weights", synthetic_2016_path, "--top", 3, "--both-layouts"
    )
    assert status == 0, err
    assert "faithful HWIO" in out and "transposed (1, 0, 2, 3)" in out
    rows = [line for line in out.splitlines() if line.startswith((" 1.", " 2.", " 3."))]
    assert len(rows) == 3 and all(row.count("synthetic class") == 2 for row in rows)


def test_cli_classify_weights_synthetic_needs_no_file(capsys, photo, monkeypatch, tmp_path):
    monkeypatch.delenv("VGG19_MAT", raising=False)
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path / "empty"))
    status, out, err = run_cli(capsys, "classify", photo, "--weights", "synthetic", "--top", 2)
    assert status == 0, err
    assert "SYNTHETIC RANDOM WEIGHTS" in out


def test_cli_classify_without_weights_explains_how_to_get_them(
    capsys, photo, monkeypatch, tmp_path
):
    monkeypatch.delenv("VGG19_MAT", raising=False)
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path / "empty"))
    status, out, err = run_cli(capsys, "classify", photo)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("vgg-mat classify: error: no VGG-19 weights file found")
    assert "vgg-mat download" in err and "--weights synthetic" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["classify", "missing.png", "--weights", "synthetic"], "missing.png: no such image file"),
        (["classify", "{photo}", "--weights", "nope.mat"], "nope.mat: no such weights file"),
        (["classify", "{text}", "--weights", "{weights}"], "not an image PIL can read"),
        (["classify", "{photo}", "--weights", "{text}"], "notes.txt"),
    ],
)
def test_cli_classify_bad_input_is_one_line_exit_2(
    capsys, photo, tmp_path, synthetic_2016_path, argv, message
):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    argv = [a.format(photo=photo, text=text, weights=synthetic_2016_path) for a in argv]
    status, out, err = run_cli(capsys, *argv)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("vgg-mat classify: error: ")
    assert message in err


def test_cli_classify_bad_top_is_a_usage_error(capsys, photo):
    status, _, err = run_cli(capsys, "classify", photo, "--top", "0")
    assert status == 2
    assert "must be an integer >= 1" in err
