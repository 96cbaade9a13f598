"""`nst.evaluate` and ``nst evaluate``: every metric against numpy on small arrays.

The network is the tiny synthetic one (widths // 16): the numbers mean nothing as quality, so
the tests check formulas (numpy on the same features), identities (SSIM of an image with
itself is 1, every distance of the style to itself is 0) and the labelling of the output.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from nst.cli import main
from nst.metrics import (
    METRICS,
    METRICS_NOTICE,
    Evaluator,
    color_histogram,
    evaluate,
    histogram_distance,
    luminance_ssim,
)
from vgg_mat.architecture import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS
from vgg_mat.preprocessing import preprocess


def _features(net, image):
    layers = [*DEFAULT_STYLE_LAYERS, *DEFAULT_CONTENT_LAYERS]
    out = net(preprocess(np.asarray(image, np.float32)[None], net.weights), layers)
    return {k: v.numpy()[0].astype(np.float64) for k, v in out.items()}  # (H_l, W_l, C_l)


def test_metrics_equal_numpy_on_the_same_features(tiny_net, content32, style32, style32b):
    image = 0.5 * content32 + 0.5 * style32b  # some image between the two
    result = evaluate(image, content=content32, style=style32, weights=tiny_net)
    f, p = _features(tiny_net, image), _features(tiny_net, content32)
    s = _features(tiny_net, style32)
    style_e, moments = [], []
    for name in DEFAULT_STYLE_LAYERS:
        x, y = f[name].reshape(-1, f[name].shape[-1]), s[name].reshape(-1, s[name].shape[-1])
        n = x.shape[1]
        g, a = x.T @ x / len(x), y.T @ y / len(y)  # per-position Grams
        style_e.append(((g - a) ** 2).sum() / (4 * n**2))  # Gatys' E
        mean = ((x.mean(0) - y.mean(0)) ** 2).sum() / n
        cov = ((np.cov(x.T, bias=True) - np.cov(y.T, bias=True)) ** 2).sum() / n**2
        moments.append(mean + cov)
    c = DEFAULT_CONTENT_LAYERS[0]
    content_d = ((f[c] - p[c]) ** 2).sum() / (p[c] ** 2).sum()
    m = result["metrics"]
    np.testing.assert_allclose(m["style_distance"], np.mean(style_e), rtol=1e-4)
    np.testing.assert_allclose(m["mean_cov_distance"], np.mean(moments), rtol=1e-3)
    np.testing.assert_allclose(m["content_distance"], content_d, rtol=1e-4)
    for name, value in zip(DEFAULT_STYLE_LAYERS, style_e, strict=True):
        np.testing.assert_allclose(result["per_layer"]["style_distance"][name], value, rtol=1e-4)
    assert set(m) == set(METRICS)
    assert result["synthetic"] is True and result["notice"] == METRICS_NOTICE
    assert 0.0 < m["color_histogram_distance"] < 1.0 and -1.0 < m["ssim"] < 1.0


def test_the_style_against_itself_and_the_content_against_itself(tiny_net, content32, style32):
    own = Evaluator(tiny_net, content32, style32)
    on_style = own(style32)["metrics"]
    assert on_style["style_distance"] == pytest.approx(0.0, abs=1e-9)
    assert on_style["mean_cov_distance"] == pytest.approx(0.0, abs=1e-6)
    assert on_style["color_histogram_distance"] == 0.0
    on_content = own(content32)["metrics"]
    assert on_content["content_distance"] == 0.0
    assert on_content["ssim"] == pytest.approx(1.0, abs=1e-6)
    assert on_content["style_distance"] > 0


def test_ssim_of_an_image_with_itself_is_one_and_falls_with_noise():
    rng = np.random.RandomState(0)
    x = rng.uniform(0, 255, (24, 20, 3))
    assert luminance_ssim(x, x) == pytest.approx(1.0, abs=1e-6)
    noisy = np.clip(x + rng.normal(0, 40, x.shape), 0, 255)
    assert luminance_ssim(x, noisy) < 0.9


def test_color_histogram_equals_numpy_histogramdd():
    rng = np.random.RandomState(1)
    a = rng.uniform(0, 255, (10, 12, 3))
    b = rng.uniform(0, 128, (7, 5, 3))
    edges = [np.linspace(0, 256, 9)] * 3
    ha = np.histogramdd(a.reshape(-1, 3), bins=edges)[0] / a[..., 0].size
    hb = np.histogramdd(b.reshape(-1, 3), bins=edges)[0] / b[..., 0].size
    np.testing.assert_allclose(color_histogram(a), ha, atol=1e-12)
    np.testing.assert_allclose(histogram_distance(color_histogram(a), color_histogram(b)),
                               0.5 * np.abs(ha - hb).sum(), atol=1e-12)  # fmt: skip
    assert histogram_distance(color_histogram(a), color_histogram(a)) == 0.0
    # disjoint colours: distance 1
    assert histogram_distance(color_histogram(np.zeros((2, 2, 3))),
                              color_histogram(np.full((2, 2, 3), 255.0))) == 1.0  # fmt: skip


def test_too_small_an_image_is_refused(tiny_net, content32, style32):
    with pytest.raises(ValueError, match="too small"):
        evaluate(content32[:4, :4], content=content32, style=style32, weights=tiny_net)


def test_cli_prints_labelled_json(tmp_path, write_smooth_image, synthetic_2016_path, capsys):
    image = write_smooth_image(tmp_path / "out.png", (40, 36), 0)
    content = write_smooth_image(tmp_path / "c.png", (40, 36), 1)
    style = write_smooth_image(tmp_path / "s.png", (32, 32), 2)
    argv = ["evaluate", str(image), "--content", str(content), "--style", str(style)]
    assert main([*argv, "--weights", str(synthetic_2016_path)]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["synthetic"] is True and "not quality judgements" in report["notice"]
    assert set(report["metrics"]) == set(METRICS) == set(report["meaning"])
    assert "not quality judgements" in err


@pytest.mark.parametrize("which", ["image", "content", "style"])
def test_cli_missing_file_exits_2_with_one_line(tmp_path, write_smooth_image, which, capsys):
    files = {k: write_smooth_image(tmp_path / f"{k}.png", (32, 32), i)
             for i, k in enumerate(("image", "content", "style"))}  # fmt: skip
    files[which] = tmp_path / "missing.png"
    argv = ["evaluate", str(files["image"]), "--content", str(files["content"]),
            "--style", str(files["style"]), "--weights", "synthetic"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.png" in err[0] and "no such file" in err[0]
