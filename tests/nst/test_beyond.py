"""`nst.stylize` with the options beyond Gatys (issue 6), on the tiny synthetic network, 32 px.

Colour preservation, style scale, coarse-to-fine, style masks, blend weights, several content
layers, the style layer weight exponent, and their config checks.
"""

from __future__ import annotations

import numpy as np
import pytest

import nst.objective
from nst import StylizeConfig, stylize, stylize_with_options
from nst.color import rgb_to_yiq
from nst.images import resize_image, save_image
from nst.losses import style_target
from nst.multiscale import ScaleStep

QUICK = {"iterations": 4, "optimizer": "adam", "tv_weight": 1e-3}


def _last(content, style, weights, **settings):
    return list(stylize(content, style, weights=weights, **{**QUICK, **settings}))[-1]


@pytest.fixture
def objectives(monkeypatch):
    """Every `Objective` the runs build, with the style images it was given."""
    built = []
    original = nst.objective.Objective.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.spied_styles = [np.asarray(s) for s in kwargs["styles"]]
        built.append(self)

    monkeypatch.setattr(nst.objective.Objective, "__init__", spy)
    return built


def _stats(image):
    x = np.asarray(image, np.float64).reshape(-1, 3)
    return x.mean(axis=0), np.cov(x, rowvar=False, bias=True)


# colour preservation ------------------------------------------------------------------------


def test_luminance_transfer_keeps_the_contents_chroma(tiny_weights, content32, style32):
    steps = list(
        stylize_with_options(
            content32, style32, weights=tiny_weights, preserve_colors="luminance", **QUICK
        )
    )
    plain = _last(content32, style32, tiny_weights)
    content_iq = rgb_to_yiq(content32)[..., 1:]
    for step in (steps[0], steps[-1]):
        saved = np.round(step.image).astype(np.uint8)  # as written to disk
        assert np.abs(rgb_to_yiq(saved)[..., 1:] - content_iq).max() <= 1.0  # 1/255 of 0-1
    assert np.abs(rgb_to_yiq(plain.image)[..., 1:] - content_iq).max() > 10.0  # it matters
    assert not np.allclose(steps[-1].image, steps[0].image, atol=1.0)  # and it stylised Y


def test_luminance_run_optimises_grey_images(tiny_weights, content32, style32, objectives):
    list(
        stylize_with_options(
            content32, style32, weights=tiny_weights, preserve_colors="luminance", **QUICK
        )
    )
    (objective,) = objectives
    grey = objective.spied_styles[0][0]
    np.testing.assert_array_equal(grey[..., 0], grey[..., 1])
    np.testing.assert_array_equal(grey[..., 0], grey[..., 2])


def test_histogram_matching_feeds_recoloured_styles(tiny_weights, content32, style32, objectives):
    list(
        stylize_with_options(
            content32, style32, weights=tiny_weights, preserve_colors="histogram", **QUICK
        )
    )
    (objective,) = objectives
    style_used = objective.spied_styles[0][0]
    mu_c, cov_c = _stats(content32)
    mu_s, cov_s = _stats(style_used)
    # content32 and style32 map without clipping more than a few pixels: tolerances 1 level
    # on the mean and 3% on the covariance (0-255 scale)
    np.testing.assert_allclose(mu_s, mu_c, atol=1.0)
    np.testing.assert_allclose(cov_s, cov_c, rtol=0.03, atol=0.03 * np.abs(cov_c).max())
    assert np.abs(_stats(style32)[1] - cov_c).max() > 0.2 * np.abs(cov_c).max()


# style scale ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("scale", "side"), [(0.5, 16), (1.5, 48)])
def test_style_targets_come_from_an_image_of_the_requested_size(
    tiny_weights, tiny_net, content32, style32, objectives, scale, side
):
    big_style = resize_image(style32, 64)  # resized relative to the output (32), not itself
    list(stylize(content32, big_style, weights=tiny_weights, style_scale=scale, **QUICK))
    (objective,) = objectives
    assert objective.spied_styles[0].shape == (1, side, side, 3)
    expected = resize_image(big_style, side)
    features = tiny_net(expected[np.newaxis] - tiny_weights.mean_rgb, ["relu1_1", "relu3_1"])
    for name in ("relu1_1", "relu3_1"):
        np.testing.assert_allclose(
            objective.style_targets[name].gram.numpy(), style_target(features[name]).gram.numpy(),
            rtol=1e-4, atol=1e-3,
        )  # fmt: skip


# coarse-to-fine through stylize_with_options ----------------------------------------------


def test_scales_through_stylize_with_options(tiny_weights, content32, style32):
    content = resize_image(content32, 64)[:, :56]  # 64 x 56
    steps = list(
        stylize_with_options(content, style32, weights=tiny_weights, scales=[32, 64],
                             scale_iterations=[3, 2], **{**QUICK, "optimizer": "lbfgs"})
    )  # fmt: skip
    assert all(isinstance(s, ScaleStep) for s in steps)
    assert [s.size for s in steps] == [(32, 28)] * 4 + [(64, 56)] * 3
    assert steps[-1].image.shape == (64, 56, 3)
    for k in (0, 1):
        stage = [s for s in steps if s.stage == k]
        assert stage[-1].losses["total"] < stage[0].losses["total"]


def test_luminance_and_scales_compose(tiny_weights, content32, style32):
    content = resize_image(content32, 64)
    steps = list(
        stylize_with_options(content, style32, weights=tiny_weights, scales=[32, 64],
                             preserve_colors="luminance", **QUICK)
    )  # fmt: skip
    last = steps[-1]
    assert last.image.shape == (64, 64, 3) and last.stage == 1
    saved = np.round(last.image).astype(np.uint8)
    error = np.abs(rgb_to_yiq(saved)[..., 1:] - rgb_to_yiq(content)[..., 1:])
    assert error.max() <= 1.0


# masks and blends -----------------------------------------------------------------------------


def test_blend_one_zero_equals_a_single_style_run(tiny_weights, content32, style32, style32b):
    settings = {"init": "noise", "seed": 5}
    single = _last(content32, style32, tiny_weights, **settings)
    blended = _last(content32, [style32, style32b], tiny_weights, style_blend=[1, 0], **settings)
    np.testing.assert_array_equal(blended.image, single.image)
    assert blended.losses == single.losses


def test_an_all_zero_mask_equals_a_run_without_that_style(
    tiny_weights, content32, style32, style32b
):
    settings = {"init": "noise", "seed": 5}
    single = _last(content32, style32, tiny_weights, **settings)
    masked = list(
        stylize_with_options(content32, [style32, style32b], weights=tiny_weights,
                             style_masks=[None, np.zeros((32, 32))], **{**QUICK, **settings})
    )[-1]  # fmt: skip
    np.testing.assert_array_equal(masked.image, single.image)
    assert masked.losses == single.losses


def test_complementary_masks_give_each_style_its_half(
    tiny_weights, tiny_net, content32, style32, style32b, tmp_path
):
    left = np.zeros((32, 32), np.float32)
    left[:, :16] = 1.0
    mask_path = save_image(tmp_path / "right.png", np.repeat(255 * (1 - left)[..., None], 3, -1))
    steps = list(
        stylize_with_options(content32, [style32, style32b], weights=tiny_weights,
                             style_masks=[left, mask_path], style_layers=["relu1_1", "relu2_1"],
                             content_weight=0.0, init="noise", **{**QUICK, "iterations": 40})
    )  # fmt: skip
    assert steps[-1].losses["style"] < 0.2 * steps[0].losses["style"]
    # each half's own Gram is nearer its own style's than the other style's
    image = steps[-1].image
    feats = {}
    for name, img in (("a", style32), ("b", style32b), ("left", image[:, :16]),
                      ("right", image[:, 16:])):  # fmt: skip
        f = tiny_net(img[np.newaxis] - tiny_weights.mean_rgb, ["relu1_1"])["relu1_1"]
        feats[name] = style_target(f).gram.numpy()
    distance = lambda x, y: np.sum((feats[x] - feats[y]) ** 2)  # noqa: E731
    assert distance("left", "a") < distance("left", "b")
    assert distance("right", "b") < distance("right", "a")


def test_masks_follow_the_stages_of_coarse_to_fine(tiny_weights, content32, style32, style32b):
    content = resize_image(content32, 64)
    full = np.zeros((64, 64), np.float32)
    full[:, :32] = 1.0  # given at the output size, resized for each stage
    steps = list(
        stylize_with_options(content, [style32, style32b], weights=tiny_weights,
                             scales=[32, 64], style_masks=[full, 1.0 - full], **QUICK)
    )  # fmt: skip
    assert [s.size for s in (steps[0], steps[-1])] == [(32, 32), (64, 64)]
    for k in (0, 1):
        stage = [s for s in steps if s.stage == k]
        assert stage[-1].losses["total"] < stage[0].losses["total"]


def test_mask_errors(tiny_weights, content32, style32, style32b, tmp_path):
    two = [style32, style32b]
    with pytest.raises(ValueError, match=r"style_masks has 1 mask\(s\) for 2 style"):
        stylize_with_options(content32, two, weights=tiny_weights, style_masks=[None])
    with pytest.raises(ValueError, match=r"style_masks\[1\]: no mask image"):
        stylize_with_options(
            content32, two, weights=tiny_weights, style_masks=[None, tmp_path / "no.png"]
        )
    with pytest.raises(ValueError, match="no style applies"):
        stylize_with_options(
            content32, two, weights=tiny_weights, style_masks=[np.zeros((32, 32))] * 2
        )
    with pytest.raises(ValueError, match="call nst.stylize_with_options"):
        stylize(content32, two, weights=tiny_weights, style_masks=[np.ones((32, 32)), None])


# layers: several content layers, style layer weight exponent ----------------------------------


def test_several_content_layers_with_weights(tiny_weights, content32, style32):
    step = _last(content32, style32, tiny_weights, init="noise",
                 content_layers={"relu3_1": 0.25, "relu4_2": 0.75})  # fmt: skip
    assert {"content/relu3_1", "content/relu4_2"} <= set(step.losses)
    total = step.losses["content/relu3_1"] + step.losses["content/relu4_2"]
    np.testing.assert_allclose(step.losses["content"], total, rtol=1e-5)


def test_style_layer_weight_exponent(tiny_weights, content32, style32):
    layers = ["relu1_1", "relu2_1", "relu3_1"]
    first = {}
    for exp in (1.0, 2.0):
        steps = stylize(content32, style32, weights=tiny_weights, style_layers=layers,
                        style_layer_weight_exp=exp, init="noise", iterations=0)  # fmt: skip
        first[exp] = next(iter(steps)).losses
    for i, name in enumerate(layers):
        ratio = first[2.0][f"style/{name}"] / first[1.0][f"style/{name}"]
        np.testing.assert_allclose(ratio, 3 * 2.0**i / 7, rtol=1e-5)  # (1/3 -> 2^i / 7)


# config checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"preserve_colors": "hue"}, "unknown preserve_colors 'hue'"),
     ({"style_scale": 0}, "style_scale must be a finite number > 0"),
     ({"scales": [64, 32]}, "strictly increasing"),
     ({"scales": "big"}, "'auto' or a list"),
     ({"scale_iterations": [3]}, "scale_iterations needs scales"),
     ({"style_layer_weight_exp": -1}, "style_layer_weight_exp must be"),
     ({"style_masks": "mask.png"}, "one mask"),
     ({"scales": [16, 40]}, "must be the output size")],
)  # fmt: skip
def test_bad_settings_fail_at_once(tiny_weights, content32, style32, settings, message):
    with pytest.raises(ValueError, match=message):
        stylize_with_options(content32, style32, weights=tiny_weights, size=32, **settings)


def test_single_scale_loop_refuses_the_options(tiny_weights, content32, style32):
    for settings in ({"preserve_colors": "luminance"}, {"scales": [16, 32]}):
        with pytest.raises(ValueError, match=r"call nst\.stylize_with_options"):
            stylize(content32, style32, weights=tiny_weights, size=32, **settings)


def test_config_defaults_leave_gatys_alone():
    config = StylizeConfig()
    assert config.preserve_colors is None and config.scales is None
    assert config.style_scale == 1.0 and config.style_layer_weight_exp == 1.0
    assert config.style_masks is None and config.scale_iterations is None


def test_images_of_the_options_carry_the_weights_provenance(
    tiny_weights, content32, style32, tmp_path
):
    """`nst.save_image(path, step.image)` labels a recoloured and a coarse-to-fine image too."""
    from PIL import Image

    content = resize_image(content32, 64)
    runs = {
        "luminance": stylize_with_options(
            content32, style32, weights=tiny_weights, preserve_colors="luminance", **QUICK
        ),
        "scales": stylize_with_options(
            content, style32, weights=tiny_weights, scales=[32, 64], **QUICK
        ),
    }
    for name, steps in runs.items():
        path = save_image(tmp_path / f"{name}.png", list(steps)[-1].image)
        assert "SYNTHETIC" in Image.open(path).text.get("Warning", ""), name


def test_masks_without_a_style_term_are_ignored(tiny_weights, content32, style32):
    """style_weight=0: no style term, so the masks have nothing to act on (as before)."""
    steps = list(
        stylize_with_options(content32, style32, weights=tiny_weights, style_weight=0.0,
                             style_masks=[np.ones((32, 32))], **QUICK)
    )  # fmt: skip
    assert steps[-1].losses["style"] == 0.0


def test_style_layers_all_weighted_zero_run_without_style_targets(tiny_weights, content32, style32):
    step = _last(content32, style32, tiny_weights, style_layers={"relu1_1": 0.0})
    assert step.losses["style"] == 0.0 and np.isfinite(step.losses["total"])


def test_coarse_to_fine_refuses_a_bad_mask_at_once(tiny_weights, content32, style32):
    from nst import stylize_coarse_to_fine

    with pytest.raises(ValueError, match=r"style_masks\[0\]"):
        stylize_coarse_to_fine(resize_image(content32, 64), style32, weights=tiny_weights,
                               scales=[32, 64],
                               style_masks=[np.ones((5, 5, 2))], **QUICK)  # fmt: skip
