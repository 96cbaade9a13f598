"""Tests of `nst.stylize` (and `StylizeConfig`) on the tiny synthetic network at 32x32 pixels.

The loss-reduction factors asserted below were measured on this network and these images
(tests/nst/conftest.py) with 30 iterations: Adam (lr 10) from the content image 20.4, from
noise 34-38; L-BFGS-B from the content image 69, from noise 110-129 (seeds 0-2). The asserted
factors leave a margin of about 2x.
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest
import tensorflow as tf

import nst
import nst.inputs
import nst.objective
from nst import Step, StylizeConfig, StylizeError, stylize
from nst.config import DEFAULTS, resolve_config
from nst.images import save_image
from vgg_mat.network import VGG

FAST = {"tv_weight": 1e-3}  # a small TV term, so every term is exercised


def _run(content, style, weights, **settings) -> list[Step]:
    return list(stylize(content, style, weights=weights, **{**FAST, **settings}))


def _check_sums(losses: dict[str, float]) -> None:
    content = sum(v for k, v in losses.items() if k.startswith("content/"))
    style = sum(v for k, v in losses.items() if k.startswith("style/"))
    np.testing.assert_allclose(losses["content"], content, rtol=1e-5)
    np.testing.assert_allclose(losses["style"], style, rtol=1e-5)
    total = losses["content"] + losses["style"] + losses["tv"]
    np.testing.assert_allclose(losses["total"], total, rtol=1e-5)


@pytest.mark.parametrize(
    ("optimizer", "init", "factor"),
    [("adam", "content", 10), ("adam", "noise", 15), ("lbfgs", "content", 30),
     ("lbfgs", "noise", 50)],
)  # fmt: skip
def test_both_optimisers_lower_the_loss_and_report_every_term(
    tiny_weights, content32, style32, optimizer, init, factor
):
    steps = _run(content32, style32, tiny_weights, iterations=30, optimizer=optimizer, init=init)
    assert [s.iteration for s in steps] == list(range(31))
    first, last = steps[0].losses, steps[-1].losses
    assert first["total"] / last["total"] > factor
    expected = {"total", "content", "style", "tv", "content/relu4_2"} | {
        f"style/relu{b}_1" for b in range(1, 6)
    }
    assert set(last) == expected
    for step in steps:
        assert step.image.shape == (32, 32, 3) and step.image.dtype == np.float32
        assert step.image.min() >= 0.0 and step.image.max() <= 255.0
        assert all(isinstance(v, float) for v in step.losses.values())
        _check_sums(step.losses)
        assert step.losses["tv"] > 0
    elapsed = [s.elapsed for s in steps]
    assert elapsed == sorted(elapsed) and elapsed[0] > 0


def test_step_losses_belong_to_step_images(tiny_weights, tiny_net, content32, style32):
    # Re-evaluate the loss of a yielded image with a fresh Objective: same numbers.
    steps = _run(content32, style32, tiny_weights, iterations=4, optimizer="adam")
    config = resolve_config(StylizeConfig(**FAST))
    objective = nst.objective.Objective(
        tiny_net, config, content=content32[np.newaxis], styles=[style32[np.newaxis]]
    )
    for step in (steps[2], steps[-1]):
        values = objective.values(tf.constant(step.image[np.newaxis])).numpy()
        np.testing.assert_allclose(values, list(step.losses.values()), rtol=1e-4)


def test_lbfgs_keeps_the_box_where_it_binds(tiny_weights, content32):
    # A saturated style (pure white and pure black halves) and a strong style weight push
    # pixels against both faces of the box; none may leave it, many must sit on it.
    style = np.zeros((32, 32, 3), np.float32)
    style[:, ::2] = 255.0
    steps = _run(
        content32, style, tiny_weights, iterations=15, optimizer="lbfgs", style_weight=1e6,
        init="noise", init_noise=60.0,
    )  # fmt: skip
    images = np.stack([s.image for s in steps])
    assert images.min() == 0.0 and images.max() == 255.0
    on_faces = np.mean((steps[-1].image == 0.0) | (steps[-1].image == 255.0))
    assert on_faces > 0.05


def test_same_seed_same_image_different_seed_different(tiny_weights, content32, style32):
    for optimizer in ("adam", "lbfgs"):
        a = _run(content32, style32, tiny_weights, iterations=4, optimizer=optimizer,
                 init="noise", init_noise=20.0, seed=7)  # fmt: skip
        b = _run(content32, style32, tiny_weights, iterations=4, optimizer=optimizer,
                 init="noise", init_noise=20.0, seed=7)  # fmt: skip
        c = _run(content32, style32, tiny_weights, iterations=4, optimizer=optimizer,
                 init="noise", init_noise=20.0, seed=8)  # fmt: skip
        np.testing.assert_array_equal(a[-1].image, b[-1].image)
        assert a[-1].losses == b[-1].losses
        assert np.abs(a[-1].image - c[-1].image).max() > 1.0


def test_style_blend_one_zero_equals_the_single_style(tiny_weights, content32, style32, style32b):
    single = _run(content32, style32, tiny_weights, iterations=5, optimizer="adam")
    blended = _run(
        content32, [style32, style32b], tiny_weights, iterations=5, optimizer="adam",
        style_blend=(1.0, 0.0),
    )  # fmt: skip
    np.testing.assert_array_equal(single[-1].image, blended[-1].image)
    other = _run(
        content32, [style32, style32b], tiny_weights, iterations=5, optimizer="adam",
        style_blend=(1.0, 1.0),
    )  # fmt: skip
    assert np.abs(single[-1].image - other[-1].image).max() > 1.0


def test_blend_weights_are_normalised(tiny_weights, content32, style32, style32b):
    a = _run(content32, [style32, style32b], tiny_weights, iterations=0, style_blend=(1, 3))
    b = _run(content32, [style32, style32b], tiny_weights, iterations=0, style_blend=(0.5, 1.5))
    assert a[0].losses == b[0].losses


def test_init_modes(tiny_weights, content32, style32, tmp_path):
    mean = np.asarray(tiny_weights.mean_rgb, np.float32)

    def start(init, **settings):
        steps = _run(content32, style32, tiny_weights, iterations=0, init=init, **settings)
        assert len(steps) == 1
        return steps[0].image

    np.testing.assert_array_equal(start("content"), content32)
    np.testing.assert_array_equal(start("style"), style32)
    noise = start("noise", init_noise=10.0)
    np.testing.assert_allclose(noise.mean(axis=(0, 1)), mean, atol=1.5)  # 1024 samples, std 10
    np.testing.assert_allclose(noise.std(axis=(0, 1)), 10.0, rtol=0.1)
    mixed = start("content+noise", init_noise=5.0)
    assert 0 < np.abs(mixed - content32).max() <= 5.0
    picture = np.full((16, 16, 3), 40.0, np.float32)
    np.testing.assert_allclose(start(picture), 40.0, atol=1e-3)  # resized to 32x32
    path = save_image(tmp_path / "init.png", np.full((32, 32, 3), 200, np.uint8))
    np.testing.assert_array_equal(start(str(path)), 200.0)


class _CountingVGG(VGG):
    """A VGG that records the layers of every Python-level call (once per trace in a graph)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, x, layers):
        self.calls.append(tuple(layers))
        return super().__call__(x, layers)


@pytest.mark.parametrize(("optimizer", "traces"), [("adam", 2), ("lbfgs", 1)])
def test_targets_once_and_one_network_call_per_step(
    tiny_weights, content32, style32, style32b, optimizer, traces
):
    # Every network call below happens while tracing: 1 content + 2 styles for the targets,
    # then one call per traced step function (Adam: the step and the final forward-only
    # evaluation), whatever the number of iterations.
    counts = []
    for iterations in (3, 8):
        net = _CountingVGG(tiny_weights)
        _run(content32, [style32, style32b], net, iterations=iterations, optimizer=optimizer)
        counts.append(len(net.calls))
        layers = sorted([*DEFAULTS["content_layers"], *DEFAULTS["style_layers"]])
        assert net.calls[:3] == [
            tuple(DEFAULTS["content_layers"]),
            tuple(DEFAULTS["style_layers"]),
            tuple(DEFAULTS["style_layers"]),
        ]
        assert all(sorted(call) == layers for call in net.calls[3:])  # all layers, one call
    assert counts == [3 + traces, 3 + traces]


def _nan_after(monkeypatch, evaluations: int) -> None:
    """Make the style loss NaN from evaluation number `evaluations` + 1 on (graph-safe)."""
    counter = tf.Variable(0, dtype=tf.int64, trainable=False)
    real = nst.objective.style_loss

    def style_loss(features, target, **kwargs):
        value = real(features, target, **kwargs)
        count = counter.assign_add(1)
        return tf.where(count > evaluations, tf.constant(np.nan, value.dtype), value)

    monkeypatch.setattr(nst.objective, "style_loss", style_loss)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_non_finite_loss_stops_with_the_last_good_step(
    monkeypatch, tiny_weights, content32, style32, optimizer
):
    _nan_after(monkeypatch, 3)
    seen = []
    with pytest.raises(StylizeError, match="style/relu3_1") as caught:
        for step in stylize(
            content32, style32, weights=tiny_weights, iterations=20, optimizer=optimizer,
            style_layers=["relu3_1"],
        ):  # fmt: skip
            seen.append(step)
    error = caught.value
    assert isinstance(error, RuntimeError)
    assert error.term == "style/relu3_1"
    assert seen and error.last_step is seen[-1]
    assert np.all(np.isfinite(error.last_step.image))
    assert all(np.isfinite(v) for v in error.last_step.losses.values())
    if optimizer == "adam":  # one evaluation per step: steps 0, 1, 2 were good
        assert [s.iteration for s in seen] == [0, 1, 2] and error.iteration == 3


def test_non_finite_at_the_start_has_no_last_step(monkeypatch, tiny_weights, content32, style32):
    _nan_after(monkeypatch, 0)
    with pytest.raises(StylizeError, match="iteration 0") as caught:
        _run(content32, style32, tiny_weights, iterations=3, optimizer="adam")
    assert caught.value.last_step is None and caught.value.iteration == 0


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"style_layers": ["relu9_9"]}, "style_layers: unknown layer name 'relu9_9'"),
        ({"content_layers": {"relu4_2": -1.0}}, r"content_layers\['relu4_2'\]"),
        ({"style_weight": -1.0}, "style_weight must be a finite number >= 0"),
        ({"tv_weight": float("nan")}, "tv_weight"),
        ({"iterations": -1}, "iterations must be an integer >= 0"),
        ({"iterations": 2.5}, "iterations must be an integer"),
        ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop'; use one of: lbfgs, adam, sgd"),
        ({"init": "zeros"}, "init 'zeros' is neither a mode"),
        ({"init": np.zeros((4, 4))}, r"init image must be an \(H, W, 3\)"),
        ({"size": 0}, "size must be an integer >= 1"),
        ({"style_blend": (1.0,)}, "style_blend has 1 weight"),
        ({"style_blend": (0.0, 0.0)}, "positive sum"),
        ({"preset": "picasso"}, "unknown preset 'picasso'"),
        ({"learning_rate": 0}, "learning_rate must be a finite number > 0"),
        ({"beta1": 1.0}, r"beta1 must be in \[0, 1\)"),
        ({"pooling": "min"}, "unknown pooling 'min'"),
        ({"style_convention": "mine"}, "unknown style_convention 'mine'"),
        ({"tv_kind": "l3"}, "unknown tv_kind 'l3'"),
        ({"iteratons": 5}, "unknown setting"),
        ({"content_layers": [], "style_layers": []}, "both empty"),
    ],
)
def test_bad_arguments_raise_at_the_call_before_any_work(
    monkeypatch, tiny_weights, content32, style32, style32b, settings, match
):
    def no_work(*args, **kwargs):
        raise AssertionError("the objective was built before the arguments were checked")

    monkeypatch.setattr(nst.optimize, "Objective", no_work)
    with pytest.raises(ValueError, match=match):
        stylize(content32, [style32, style32b], weights=tiny_weights, **settings)


def test_bad_inputs_name_the_argument(tiny_weights, content32, style32, tmp_path):
    with pytest.raises(ValueError, match="content: no image file at"):
        stylize(str(tmp_path / "missing.png"), style32, weights=tiny_weights)
    with pytest.raises(ValueError, match=r"style\[0\] must be an image path or an \(H, W, 3\)"):
        stylize(content32, [np.zeros((4, 4))], weights=tiny_weights)
    with pytest.raises(ValueError, match=r"content: pixel values must be finite and in \[0, 255\]"):
        stylize(content32 * 2, style32, weights=tiny_weights)
    with pytest.raises(ValueError, match="style: no style image given"):
        stylize(content32, None, weights=tiny_weights)
    with pytest.raises(ValueError, match="weights: no file at"):
        stylize(content32, style32, weights=tmp_path / "missing.mat")
    with pytest.raises(ValueError, match="weights must be a vgg_mat.VGGWeights"):
        stylize(content32, style32, weights=42)


def test_an_image_too_small_for_the_deepest_layer_is_refused(synthetic_beta16_path, content32):
    # beta16 pools are VALID (floor): 8 -> 4 -> 2 -> 1 -> 0, so pool4 and relu5_1 vanish
    from vgg_mat.matfile import load

    weights = load(synthetic_beta16_path)
    with pytest.raises(ValueError, match="too small to reach layer.*relu5_1"):
        stylize(content32, content32, weights=weights, size=8)


def test_content_only_and_style_only_runs(tiny_weights, content32, style32):
    # feature inversion (no style) and texture synthesis (no content) use the same loop
    inversion = _run(content32, None, tiny_weights, iterations=3, style_layers=[], init="noise")
    assert set(inversion[-1].losses) == {"total", "content", "style", "tv", "content/relu4_2"}
    assert inversion[-1].losses["style"] == 0.0
    texture = _run(content32, style32, tiny_weights, iterations=3, content_layers=[])
    assert texture[-1].losses["content"] == 0.0 and "style/relu1_1" in texture[-1].losses


def test_size_resizes_content_and_keras_names_resolve(tiny_weights, content32, style32):
    steps = _run(
        content32[:, :24], style32, tiny_weights, iterations=1, size=48,
        content_layers=["block4_conv2"], style_layers={"block1_conv1": 1.0, "relu2_1": 0.5},
    )  # fmt: skip
    assert steps[-1].image.shape == (48, 36, 3)
    assert {"content/relu4_2", "style/relu1_1", "style/relu2_1"} <= set(steps[-1].losses)


def test_config_precedence_explicit_then_preset_then_defaults():
    config = resolve_config(StylizeConfig(preset="tf-tutorial", learning_rate=0.05), tv_weight=1)
    assert config.preset == "tf-tutorial"
    assert config.learning_rate == 0.05  # explicit field beats the preset
    assert config.tv_weight == 1.0  # override keyword beats the preset
    assert (config.beta1, config.beta2, config.epsilon) == (0.99, 0.999, 0.1)  # the preset
    assert config.pixel_range == 1.0 and config.tv_pixel_scale == pytest.approx(1 / 255)
    assert config.content_layers == {"relu5_2": 1.0}
    assert config.style_layers == {f"relu{b}_1": 0.2 for b in range(1, 6)}
    plain = resolve_config()
    assert plain.style_layers == {name: 0.2 for name in DEFAULTS["style_layers"]}
    assert plain.optimizer == "lbfgs" and plain.size is None and plain.style_blend is None
    assert dataclasses.asdict(plain)["content_layers"] == {"relu4_2": 1.0}  # serialisable
    assert resolve_config(plain) == plain  # resolving twice changes nothing


def test_a_term_weighted_zero_drops_its_default_layers_but_keeps_explicit_ones():
    two_layers = ("conv1_1", "relu1_1")  # e.g. the real fragment: no style layers beyond relu1_1
    content_only = resolve_config(
        style_weight=0, content_layers=["relu1_1"], layer_names=two_layers
    )
    assert content_only.style_layers == {} and content_only.content_layers == {"relu1_1": 1.0}
    style_only = resolve_config(content_weight=0, style_layers=["relu1_1"], layer_names=two_layers)
    assert style_only.content_layers == {}
    kept = resolve_config(style_weight=0, style_layers=["relu2_1"])  # explicit: reported, weight 0
    assert kept.style_layers == {"relu2_1": 1.0}
    with pytest.raises(ValueError, match="both empty"):
        resolve_config(content_weight=0, style_weight=0)


def test_lbfgs_engine_reaches_the_optimiser_and_unknown_names_are_refused(
    tiny_weights, content32, style32, monkeypatch
):
    import nst.optimize

    seen = []
    real = nst.optimize.lbfgsb_iterations

    def spy(*args, **kwargs):
        seen.append(kwargs["engine"])
        return real(*args, **kwargs)

    monkeypatch.setattr(nst.optimize, "lbfgsb_iterations", spy)
    for engine in ("auto", "minimize"):
        steps = list(
            stylize(content32, style32, weights=tiny_weights, iterations=2, lbfgs_engine=engine)
        )
        assert steps[-1].losses["total"] < steps[0].losses["total"]
    assert seen == ["auto", "minimize"]
    with pytest.raises(ValueError, match="lbfgs_engine.*auto, tf, minimize"):
        resolve_config(lbfgs_engine="newton")
    removed = r"lbfgs_engine 'setulb' was removed; use 'minimize' for scipy's L-BFGS-B; valid: auto"
    with pytest.raises(ValueError, match=removed):
        stylize(content32, style32, weights=tiny_weights, lbfgs_engine="setulb")


def test_tf_tutorial_preset_reproduces_the_tutorials_training_loop(
    tiny_weights, tiny_net, content32, style32
):
    # The tutorial's own recipe, written out as it is there: a tf.Variable image in [0, 1],
    # tf.keras.optimizers.Adam(0.02, beta_1=0.99, epsilon=0.1), Gram / num_locations, mean
    # squared errors weighted by weight / number of layers, 30 * tf.image.total_variation on
    # the [0, 1] image, clip_0_1 after each step; the network sees 255 * image - mean.
    content_layers, style_layers = ["relu5_2"], [f"relu{b}_1" for b in range(1, 6)]
    mean = tf.constant(np.asarray(tiny_weights.mean_rgb, np.float32))

    def extract(image01):
        return tiny_net(image01 * 255.0 - mean, content_layers + style_layers)

    def gram(x):
        result = tf.linalg.einsum("bijc,bijd->bcd", x, x)
        return result / tf.cast(tf.shape(x)[1] * tf.shape(x)[2], tf.float32)

    style_targets = {n: gram(extract(style32[None] / 255.0)[n]) for n in style_layers}
    content_targets = {n: extract(content32[None] / 255.0)[n] for n in content_layers}
    image = tf.Variable(content32[None] / 255.0)
    adam = tf.keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99, epsilon=1e-1)
    for _ in range(3):
        with tf.GradientTape() as tape:
            outputs = extract(image)
            style = tf.add_n(
                [tf.reduce_mean((gram(outputs[n]) - style_targets[n]) ** 2) for n in style_layers]
            ) * (1e-2 / 5)
            content = tf.add_n(
                [tf.reduce_mean((outputs[n] - content_targets[n]) ** 2) for n in content_layers]
            ) * (1e4 / 1)
            loss = style + content + 30 * tf.reduce_sum(tf.image.total_variation(image))
        adam.apply_gradients([(tape.gradient(loss, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))

    steps = list(stylize(content32, style32, weights=tiny_weights, preset="tf-tutorial",
                         iterations=3))  # fmt: skip
    ours = steps[-1].image
    # float32 rounding differs between the two graphs (about 1e-5 of the largest gradient);
    # Adam magnifies it where gradients are small, to at most ~0.6 px after 3 steps measured
    difference = np.abs(ours - image.numpy()[0] * 255.0)
    assert difference.max() < 1.5 and np.median(difference) < 0.01
    moved = np.abs(ours - content32).max()
    assert 10.0 < moved < 3 * 0.02 * 255 + 1  # Adam moves <= ~lr per step on the [0, 1] scale


def test_closing_an_lbfgs_run_leaves_no_thread_behind(tiny_weights, content32, style32):
    before = threading.active_count()
    run = stylize(content32, style32, weights=tiny_weights, iterations=50, optimizer="lbfgs")
    next(run)
    next(run)
    run.close()
    assert threading.active_count() == before


def test_inputs_are_read_not_copied_nor_written(tiny_weights, content32, style32):
    content, style = content32.copy(), style32.copy()
    before = content.copy(), style.copy()
    steps = list(stylize(content, style, weights=tiny_weights, iterations=2, optimizer="lbfgs"))
    np.testing.assert_array_equal(content, before[0])
    np.testing.assert_array_equal(style, before[1])
    assert content.flags.writeable and style.flags.writeable  # the caller's flags untouched
    assert not any(np.shares_memory(step.image, content) for step in steps)  # fresh images
    # the checked image is a read-only view of a float32 input (a copy only to convert)
    view = nst.inputs.as_image(content, "content")
    assert np.shares_memory(view, content) and not view.flags.writeable
    converted = nst.inputs.as_image(content.astype(np.float64), "content")
    assert converted.dtype == np.float32 and not np.shares_memory(converted, content)


def test_exports():
    assert nst.stylize is stylize and nst.Step is Step and nst.StylizeError is StylizeError
    assert nst.StylizeConfig is StylizeConfig


def test_stylize_from_a_path_loads_only_the_layers_it_uses(
    synthetic_2016_path, content32, style32, monkeypatch
):
    import vgg_mat.network  # build_network reads a path with vgg_mat.matfile.load

    loaded = []
    real_load = vgg_mat.network.load

    def spy(path, **kwargs):
        weights = real_load(path, **kwargs)
        loaded.append(weights.names[-1])
        return weights

    monkeypatch.setattr(vgg_mat.network, "load", spy)
    steps = list(
        stylize(
            content32, style32, weights=synthetic_2016_path, iterations=1,
            content_layers=["relu2_2"], style_layers=["relu1_1", "relu3_1"],
        )
    )  # fmt: skip
    assert loaded == ["relu3_1"] and len(steps) == 2  # fc6-fc8 and conv3_2.. never kept
