"""Reduced precision (issue 13): the network in bfloat16 / float16, everything delicate float32.

- a reduced-precision run is finite and lowers the loss (Adam and L-BFGS);
- its gradient points where float32's does (cosine >= 0.95 on a full-width random VGG-19 to
  relu5_1; the real file, where ``VGG19_MAT`` names it, is checked and its figure printed);
- the activations the network returns are float32, and the targets come from the same network;
- float16's scaled backward keeps a gradient larger than float16's range finite;
- the machine check refuses bfloat16 where it was measured 10x slower and warns once on a slow
  format; the CLI records the precision in the manifest and refuses an unknown one (exit 2).
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pytest
import tensorflow as tf

import vgg_mat.precision as precision
from nst.cli import main
from nst.config import resolve_config
from nst.manifest import manifest_path
from nst.objective import Objective
from nst.optimize import stylize
from vgg_mat.architecture import VGG19_LAYER_NAMES, vgg19
from vgg_mat.network import VGG
from vgg_mat.preprocessing import preprocess

REDUCED = ("bfloat16", "float16")


def _cosine(a, b) -> float:
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(scope="module")
def full_width(tiny_weights):
    """VGG-19 to relu5_1 at full width (64 ... 512 channels), He-normal random weights."""
    specs = {spec.name: spec for spec in vgg19()}
    rng = np.random.RandomState(0)
    layers = []
    for layer in tiny_weights.layers[: tiny_weights.names.index("relu5_1") + 1]:
        if layer.kind == "conv":
            shape = specs[layer.name].kernel_shape
            sigma = np.sqrt(2.0 / np.prod(shape[:3]))
            kernel = rng.normal(0, sigma, shape).astype(np.float32)
            bias = rng.normal(0, 0.01, shape[3]).astype(np.float32)
            layer = dataclasses.replace(layer, kernel=kernel, bias=bias)
        layers.append(layer)
    return dataclasses.replace(tiny_weights, layers=tuple(layers))


def _gradients(weights, content, style, formats):
    """The total's gradient at the content image (plus noise) for each format."""
    config = resolve_config(None, layer_names=VGG19_LAYER_NAMES, optimizer="adam")
    rng = np.random.default_rng(1)
    z = tf.constant(np.clip(content + rng.normal(0, 20, content.shape), 0, 255), tf.float32)
    out = {}
    for name in formats:
        net = VGG(weights, precision=name)
        objective = Objective(net, config, content=content[None], styles=[style[None]])
        out[name] = objective.value_and_grad(z[None])[1].numpy()
    return out


@pytest.mark.parametrize("name", REDUCED)
def test_network_returns_float32_close_to_float32(tiny_weights, content32, name):
    x = preprocess(content32, tiny_weights)
    ref = VGG(tiny_weights)(x, ["relu1_1", "relu5_1"])
    got = VGG(tiny_weights, precision=name)(x, ["relu1_1", "relu5_1"])
    for layer in ref:
        assert got[layer].dtype == tf.float32
        scale = float(tf.reduce_max(tf.abs(ref[layer])))
        error = float(tf.reduce_max(tf.abs(got[layer] - ref[layer]))) / scale
        assert error < (0.05 if name == "bfloat16" else 0.01), (layer, error)


def test_reduced_precision_gradient_points_like_float32_on_full_width(full_width):
    rng = np.random.default_rng(0)
    content = rng.uniform(0, 255, (64, 64, 3)).astype(np.float32)
    style = rng.uniform(0, 255, (64, 64, 3)).astype(np.float32)
    grads = _gradients(full_width, content, style, ("float32", *REDUCED))
    for name in REDUCED:
        assert np.all(np.isfinite(grads[name])), name
        cosine = _cosine(grads[name], grads["float32"])
        print(f"{name}: gradient cosine with float32 on full-width random VGG-19 {cosine:.4f}")
        assert cosine >= 0.95, (name, cosine)


@pytest.mark.weights
def test_reduced_precision_gradient_on_the_real_weights(real_weights_path):
    from vgg_mat.matfile import load

    weights = load(real_weights_path, up_to="relu5_1")
    rng = np.random.default_rng(0)
    content = rng.uniform(0, 255, (128, 128, 3)).astype(np.float32)
    style = rng.uniform(0, 255, (128, 128, 3)).astype(np.float32)
    grads = _gradients(weights, content, style, ("float32", "bfloat16"))
    cosine = _cosine(grads["bfloat16"], grads["float32"])
    print(f"bfloat16 gradient cosine with float32 on the real VGG-19: {cosine:.4f} (aim 0.99)")
    assert cosine >= 0.95


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
@pytest.mark.parametrize("name", REDUCED)
def test_reduced_precision_run_is_finite_and_lowers_the_loss(
    tiny_weights, content32, style32, optimizer, name
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", precision.PrecisionWarning)
        steps = list(
            stylize(content32, style32, weights=tiny_weights, iterations=8,
                    optimizer=optimizer, precision=name)
        )  # fmt: skip
    totals = [step.losses["total"] for step in steps]
    assert np.all(np.isfinite(totals))
    assert totals[-1] < 0.8 * totals[0]
    assert steps[-1].image.dtype == np.float32


def test_float16_backward_survives_a_gradient_beyond_its_range(tiny_weights, content32):
    x = tf.constant(preprocess(content32, tiny_weights))
    grads = {}
    for name in ("float32", "float16"):
        net = VGG(tiny_weights, precision=name)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = 1e6 * tf.reduce_sum(net(x, ["relu3_1"])["relu3_1"] ** 2)
        grads[name] = tape.gradient(loss, x).numpy()
    assert np.abs(grads["float32"]).max() > 65504  # float16's largest value
    assert np.all(np.isfinite(grads["float16"]))
    assert _cosine(grads["float16"], grads["float32"]) > 0.99


def _no_gpu(monkeypatch):
    """The CPU side of the machine check, also on a machine with a GPU."""
    monkeypatch.setattr(precision.tf.config, "list_physical_devices", lambda kind=None: [])


def test_the_machine_check_refuses_emulated_bfloat16(monkeypatch):
    _no_gpu(monkeypatch)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    with pytest.raises(ValueError, match="bfloat16.*refused.*10x slower"):
        precision.check_precision("bfloat16")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS")
    monkeypatch.setattr(precision, "_cpu_flags", lambda: {"avx2", "avx512f"})
    with pytest.raises(ValueError, match="no bfloat16 instructions"):
        precision.check_precision("bfloat16")
    monkeypatch.setattr(precision, "_cpu_flags", lambda: {"avx512_bf16"})
    assert precision.fast_path("bfloat16")[0] == "fast"
    assert precision.check_precision("float32") == "float32"


def test_a_slow_format_warns_once(monkeypatch):
    _no_gpu(monkeypatch)
    monkeypatch.setattr(precision, "_warned", set())
    with pytest.warns(precision.PrecisionWarning, match="float16.*no fast path"):
        precision.check_precision("float16")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        precision.check_precision("float16")  # said once already: silent


def test_unknown_precision_is_refused_by_name(tiny_weights):
    with pytest.raises(ValueError, match="precision"):
        VGG(tiny_weights, precision="float8")
    with pytest.raises(ValueError, match="precision"):
        resolve_config(None, layer_names=VGG19_LAYER_NAMES, precision="half")


def test_cli_records_the_precision_and_refuses_an_unknown_one(
    tmp_path, write_smooth_image, synthetic_2016_path, capsys
):
    content = write_smooth_image(tmp_path / "c.png", (40, 40), 1)
    style = write_smooth_image(tmp_path / "s.png", (40, 40), 2)
    out = tmp_path / "out.png"
    argv = ["stylize", str(content), str(style), "-o", str(out), "--weights",
            str(synthetic_2016_path), "--size", "32", "--iterations", "2", "--optimizer", "adam",
            "--quiet"]  # fmt: skip
    assert main([*argv, "--precision", "bfloat16"]) == 0
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert manifest["settings"]["precision"] == "bfloat16"
    capsys.readouterr()
    assert main([*argv, "--precision", "half"]) == 2
    err = capsys.readouterr().err
    assert "precision" in err and "half" in err and "Traceback" not in err
