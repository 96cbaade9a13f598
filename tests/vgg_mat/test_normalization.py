"""vgg_mat.normalize_activations: Gatys' mean-1 rescaling is exact up to per-channel scales.

Everything runs on the session's tiny synthetic network (widths // 16, 10 classes) and a few
procedural 32x32 calibration images, so the whole file takes a few seconds.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import tensorflow as tf

from nst.losses import content_loss, style_loss, style_target
from vgg_mat.network import VGG
from vgg_mat.normalization import default_layers, mean_activations, normalize_activations
from vgg_mat.preprocessing import preprocess
from vgg_mat.weights import VGGWeights

MEAN_RTOL = 1e-3  # float32 network (pre-activations cancel for near-dead channels)
FUNCTION_RTOL = 1e-3  # the curriculum's tolerance for "unchanged up to the scale"
GATYS_LAYERS = tuple(
    f"conv{b}_{i}" for b, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4)) for i in range(1, n + 1)
)


def _images(count: int, size: int = 32, seed: int = 0) -> np.ndarray:
    """Smooth random colour images, (count, size, size, 3) float32 in [0, 255]."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    out = []
    for _ in range(count):
        f = rng.uniform(1, 6, (3, 2))
        p = rng.uniform(0, 2 * np.pi, 3)
        channels = [
            127.5 + 110 * np.sin(f[c, 0] * 6 * xx + f[c, 1] * 5 * yy + p[c]) for c in range(3)
        ]
        out.append(np.stack(channels, -1))
    return np.asarray(out, np.float32)


@pytest.fixture(scope="module")
def calibration() -> np.ndarray:
    return _images(3)


@pytest.fixture(scope="module")
def normalized(tiny_weights, calibration) -> VGGWeights:
    return normalize_activations(tiny_weights, calibration)


def _max_abs_rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def test_default_layers_are_the_convolutional_part(tiny_weights):
    assert default_layers(tiny_weights) == GATYS_LAYERS


def test_every_live_channel_has_mean_one_on_the_calibration_set(
    tiny_weights, normalized, calibration
):
    before = mean_activations(tiny_weights, calibration)
    after = mean_activations(normalized, calibration)
    assert list(after) == list(GATYS_LAYERS)
    live = 0
    for name, mu in after.items():
        alive = before[name] > 0
        live += int(alive.sum())
        np.testing.assert_allclose(mu[alive], 1.0, rtol=MEAN_RTOL)
        assert np.all(mu[~alive] == 0.0)  # a dead channel stays dead (and is not divided by 0)
    assert live > 0
    # the synthetic means are far from 1, so the test is not vacuous
    assert max(abs(float(np.mean(mu[mu > 0])) - 1.0) for mu in before.values()) > 0.5


def test_dead_channels_keep_their_weights(tiny_weights, calibration):
    conv = tiny_weights.layer("conv1_1")
    bias = conv.bias.copy()
    bias[0] = -1e6  # channel 0 of conv1_1 can never fire on [0, 255] images: dead
    layers = tuple(replace(l, bias=bias) if l.name == "conv1_1" else l for l in tiny_weights.layers)
    weights = replace(tiny_weights, layers=layers)
    assert mean_activations(weights, calibration, layers=["conv1_1"])["conv1_1"][0] == 0.0
    result = normalize_activations(weights, calibration, layers=["conv1_1"])
    new = result.layer("conv1_1")
    np.testing.assert_array_equal(new.kernel[..., 0], conv.kernel[..., 0])
    assert new.bias[0] == np.float32(-1e6)
    np.testing.assert_array_equal(  # conv1_2's input weights from the dead channel: unchanged
        result.layer("conv1_2").kernel[:, :, 0, :], tiny_weights.layer("conv1_2").kernel[:, :, 0, :]
    )
    assert np.all(np.isfinite(new.kernel)) and np.all(np.isfinite(new.bias))
    assert not np.array_equal(new.kernel[..., 1:], conv.kernel[..., 1:])  # live ones rescaled


def test_downstream_activations_equal_up_to_the_per_channel_scale(tiny_weights, normalized):
    images = _images(2, seed=7)  # not the calibration images: the identity holds for any input
    x = preprocess(images, tiny_weights)
    means = mean_activations(tiny_weights, _images(3))
    taps = ["relu1_1", "pool1", "relu3_2", "relu5_4", "pool5"]
    old = VGG(tiny_weights)(x, taps)
    new = VGG(normalized)(x, taps)
    scale_of = {"relu1_1": "conv1_1", "pool1": "conv1_2", "relu3_2": "conv3_2"}
    scale_of.update({"relu5_4": "conv5_4", "pool5": "conv5_4"})
    for tap, conv in scale_of.items():
        mu = means[conv]
        s = np.where(mu > 0, 1.0 / np.where(mu > 0, mu, 1.0), 1.0)
        expected = old[tap].numpy().astype(np.float64) * s  # a'_l = s_l a_l
        assert _max_abs_rel(new[tap].numpy(), expected) < FUNCTION_RTOL, tap


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_classifier_output_is_unchanged(tiny_weights, normalized, pooling):
    images = _images(2, size=224, seed=3)
    x = preprocess(images, tiny_weights)
    old = VGG(tiny_weights, pooling=pooling)(x, ["fc6", "fc8", "prob"])
    new = VGG(normalized, pooling=pooling)(x, ["fc6", "fc8", "prob"])
    for name in ("fc6", "fc8", "prob"):
        assert _max_abs_rel(new[name].numpy(), old[name].numpy()) < FUNCTION_RTOL, name
    fc7 = normalized.layer("fc7")
    assert fc7.kernel is tiny_weights.layer("fc7").kernel  # beyond fc6 nothing is touched


def test_a_subset_of_layers_compensates_in_the_next_conv(tiny_weights, calibration):
    result = normalize_activations(tiny_weights, calibration, layers=["conv2_1"])
    changed = [
        a.name
        for a, b in zip(result.layers, tiny_weights.layers, strict=True)
        if a.kind == "conv" and not np.array_equal(a.kernel, b.kernel)
    ]
    assert changed == ["conv2_1", "conv2_2"]
    x = preprocess(_images(1, seed=11), tiny_weights)
    old, new = VGG(tiny_weights)(x, ["relu4_1"]), VGG(result)(x, ["relu4_1"])
    assert _max_abs_rel(new["relu4_1"].numpy(), old["relu4_1"].numpy()) < FUNCTION_RTOL


def test_result_is_a_new_labelled_record(tiny_weights, normalized):
    assert isinstance(normalized, VGGWeights) and normalized is not tiny_weights
    assert "normalised" in normalized.source and "normalised" in normalized.label
    assert normalized.synthetic and "SYNTHETIC" in normalized.label
    assert normalized.names == tiny_weights.names
    np.testing.assert_array_equal(normalized.mean_rgb, tiny_weights.mean_rgb)
    for a, b in zip(normalized.layers, tiny_weights.layers, strict=True):
        if a.kind == "conv":
            assert a.kernel.dtype == np.float32 and a.bias.dtype == np.float32
            assert a.kernel.shape == b.kernel.shape and a.bias.shape == b.bias.shape
    assert "normalised" not in tiny_weights.source  # the input is not modified


def test_losses_scale_as_s_squared_and_s_to_the_fourth(tiny_weights):
    """A uniform activation scale s: content loss x s^2, Gram (style) loss x s^4."""
    net = VGG(tiny_weights)
    f = tf.cast(
        net(preprocess(_images(1, seed=1), tiny_weights), ["relu3_1"])["relu3_1"], tf.float64
    )
    p = tf.cast(
        net(preprocess(_images(1, seed=2), tiny_weights), ["relu3_1"])["relu3_1"], tf.float64
    )
    s = 1.0 / float(tf.reduce_mean(f))  # a normalisation-sized factor, far from 1
    assert abs(s - 1.0) > 0.1
    lc, lc_s = content_loss(f, p), content_loss(s * f, s * p)
    ls, ls_s = style_loss(f, style_target(p)), style_loss(s * f, style_target(s * p))
    np.testing.assert_allclose(float(lc_s / lc), s**2, rtol=1e-10)
    np.testing.assert_allclose(float(ls_s / ls), s**4, rtol=1e-10)


def test_bad_input_errors(tiny_weights, calibration):
    with pytest.raises(TypeError, match="VGGWeights"):
        normalize_activations("weights.mat", calibration)
    with pytest.raises(ValueError, match="empty"):
        normalize_activations(tiny_weights, [])
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        normalize_activations(tiny_weights, np.zeros((32, 32), np.float32))
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        normalize_activations(tiny_weights, calibration - 128.0)  # network input, not RGB
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        normalize_activations(tiny_weights, np.full((32, 32, 3), np.nan, np.float32))
    with pytest.raises(ValueError, match="too small"):  # fc6 needs 7x7 at pool5: 224 px
        normalize_activations(tiny_weights, calibration, layers=["fc6"])
    with pytest.raises(ValueError, match="not a conv layer.*valid names"):
        normalize_activations(tiny_weights, calibration, layers=["relu1_1"])
    with pytest.raises(ValueError, match="not followed by a ReLU"):
        normalize_activations(tiny_weights, calibration, layers=["fc8"])
    truncated = replace(tiny_weights, layers=tiny_weights.layers[: tiny_weights.index("pool5")])
    with pytest.raises(ValueError, match="no later conv"):
        normalize_activations(truncated, calibration, layers=["conv5_4"])
    assert default_layers(truncated)[-1] == "conv5_3"
    with pytest.raises(ValueError, match="twice"):
        normalize_activations(tiny_weights, calibration, layers=["conv1_1", "conv1_1"])
    with pytest.raises(ValueError, match="empty"):
        normalize_activations(tiny_weights, calibration, layers=[])
    with pytest.raises(ValueError, match="pooling"):
        normalize_activations(tiny_weights, calibration, pooling="min")
