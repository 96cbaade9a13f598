"""Tests of `nst.color`: YIQ conversions, luminance-only transfer, colour histogram matching."""

from __future__ import annotations

import numpy as np
import pytest

from nst.color import (
    YIQ_TO_RGB,
    color_transfer_matrix,
    luminance,
    luminance_transfer,
    match_color_histogram,
    match_luminance,
    rgb_to_yiq,
    yiq_to_rgb,
)


def _random_image(seed: int, shape=(24, 20), low=0, high=256) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(low, high, size=(*shape, 3)).astype(np.float32)


def _stats(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(image, np.float64).reshape(-1, 3)
    return x.mean(axis=0), np.cov(x, rowvar=False, bias=True)


def test_yiq_round_trip_and_grey_has_no_chroma():
    image = _random_image(0)
    np.testing.assert_allclose(yiq_to_rgb(rgb_to_yiq(image)), image, atol=1e-9)
    grey = np.full((2, 2, 3), 77.0)
    np.testing.assert_allclose(rgb_to_yiq(grey)[..., 1:], 0.0, atol=1e-12)
    np.testing.assert_allclose(rgb_to_yiq(grey)[..., 0], 77.0, atol=1e-12)
    np.testing.assert_allclose(YIQ_TO_RGB[:, 0], 1.0, atol=1e-12)  # R, G, B = Y + chroma terms
    np.testing.assert_allclose(rgb_to_yiq([255.0, 255.0, 255.0]), [255.0, 0, 0], atol=1e-9)


def test_luminance_image_is_grey_with_the_right_y():
    image = _random_image(1)
    grey = luminance(image)
    assert grey.shape == image.shape and grey.dtype == np.float32
    y = 0.299 * image[..., 0] + 0.587 * image[..., 1] + 0.114 * image[..., 2]
    for c in range(3):
        np.testing.assert_allclose(grey[..., c], y, atol=1e-3)


def test_luminance_transfer_keeps_the_contents_chroma_within_one_255th():
    content = _random_image(2)  # saturated random colours: many pixels need the Y clamp
    stylized = _random_image(3)
    out = luminance_transfer(stylized, content)
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 255.0
    # in floating point: exact up to rounding
    np.testing.assert_allclose(rgb_to_yiq(out)[..., 1:], rgb_to_yiq(content)[..., 1:], atol=1e-3)
    # as saved (8 bits): within 1 on the 0-255 scale, i.e. 1/255 on the 0-1 scale
    saved = np.round(out).astype(np.uint8)
    chroma_error = np.abs(rgb_to_yiq(saved)[..., 1:] - rgb_to_yiq(content)[..., 1:])
    assert chroma_error.max() <= 1.0, chroma_error.max()
    # Y is the stylised one wherever it fits the gamut at that chroma; check mild chroma pixels
    mild = np.full((8, 8, 3), 128.0) + _random_image(4, (8, 8), -20, 21)
    out = luminance_transfer(stylized[:8, :8], mild)
    y_out, y_styl = rgb_to_yiq(out)[..., 0], rgb_to_yiq(stylized[:8, :8])[..., 0]
    fits = (y_styl > 40) & (y_styl < 215)  # chroma here moves R, G, B by less than 40
    assert fits.sum() > 10
    np.testing.assert_allclose(y_out[fits], y_styl[fits], atol=1e-3)


def test_luminance_transfer_clamps_y_instead_of_clipping_rgb():
    content = np.array([[[250.0, 10.0, 10.0]]])  # saturated red
    stylized = np.array([[[255.0, 255.0, 255.0]]])  # white: Y = 255 cannot carry red's chroma
    out = luminance_transfer(stylized, content)
    np.testing.assert_allclose(rgb_to_yiq(out)[..., 1:], rgb_to_yiq(content)[..., 1:], atol=1e-6)
    assert out.max() <= 255.0 and np.isclose(out.max(), 255.0, atol=1e-6)  # as bright as fits


def test_luminance_transfer_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        luminance_transfer(np.zeros((4, 4, 3)), np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match="content must be an RGB array"):
        luminance_transfer(np.zeros((4, 4, 3)), np.zeros((4, 4)))


def test_match_luminance_matches_mean_and_std():
    style = _random_image(5, (30, 30))
    content = np.clip(_random_image(6, (20, 16)) * 0.3 + 90.0, 0, 255)
    grey = match_luminance(style, content)
    y_c = rgb_to_yiq(content)[..., 0]
    assert grey.shape == style.shape
    np.testing.assert_allclose(grey[..., 0], grey[..., 2])
    np.testing.assert_allclose(grey[..., 0].mean(), y_c.mean(), atol=1e-3)
    np.testing.assert_allclose(grey[..., 0].std(), y_c.std(), rtol=1e-4)


def _content_and_style() -> tuple[np.ndarray, np.ndarray]:
    """A content of moderate spread around mid-grey and a style of wide, correlated colours.

    Mapped onto the content's statistics, no style pixel leaves [0, 255], so clipping does not
    touch the match (asserted in the test).
    """
    rng = np.random.default_rng(7)
    mix = np.array([[1.0, 0.3, -0.2], [0.2, 0.8, 0.1], [-0.1, 0.4, 0.9]])
    content = 120.0 + rng.normal(size=(40, 30, 3)) @ (12.0 * mix).T + [10.0, 0.0, -15.0]
    style = (
        rng.uniform(0.0, 255.0, size=(36, 44, 3))
        @ np.array([[0.7, 0.2, 0.1], [0.3, 0.5, 0.2], [0.0, 0.3, 0.7]]).T
    )
    return np.clip(content, 0, 255).astype(np.float32), style.astype(np.float32)


@pytest.mark.parametrize("sqrt", ["eigen", "cholesky"])
def test_histogram_matching_gives_the_contents_mean_and_covariance(sqrt):
    content, style = _content_and_style()
    unclipped = match_color_histogram(style, content, sqrt=sqrt, clip=False)
    assert unclipped.min() > 0.0 and unclipped.max() < 255.0  # so clipping changes nothing here
    matched = match_color_histogram(style, content, sqrt=sqrt)
    assert matched.shape == style.shape and matched.dtype == np.float32
    mu_c, cov_c = _stats(content)
    mu_m, cov_m = _stats(matched)
    np.testing.assert_allclose(mu_m, mu_c, atol=1e-3)  # 0-255 scale; float32 output rounding
    np.testing.assert_allclose(cov_m, cov_c, rtol=1e-4, atol=1e-2)
    mu_s, cov_s = _stats(style)
    assert np.abs(cov_s - cov_c).max() > 100  # the style really did have other statistics


def test_the_two_square_roots_differ_but_both_solve_the_equation():
    content, style = _content_and_style()
    _, cov_c = _stats(content)
    _, cov_s = _stats(style)
    a_eig = color_transfer_matrix(cov_s, cov_c, sqrt="eigen")
    a_chol = color_transfer_matrix(cov_s, cov_c, sqrt="cholesky")
    for a in (a_eig, a_chol):
        np.testing.assert_allclose(a @ cov_s @ a.T, cov_c, rtol=1e-6, atol=1e-6)
    assert np.abs(a_eig - a_chol).max() > 1e-2
    np.testing.assert_allclose(np.triu(a_chol, 1), 0.0, atol=1e-12)  # L_C L_S^-1: lower
    # eigen: A Sigma_S^(1/2) = Sigma_C^(1/2) is symmetric
    lam, u = np.linalg.eigh(cov_s)
    product = a_eig @ (u @ np.diag(np.sqrt(lam)) @ u.T)
    np.testing.assert_allclose(product, product.T, atol=1e-6)


def test_clipping_breaks_the_match_and_is_reported_by_clip_false():
    _, style = _content_and_style()
    # a saturated content (half pure red, half pure blue) spreads the style beyond [0, 255]
    content = np.zeros((20, 20, 3), np.float32)
    content[:10, :, 0] = 255.0
    content[10:, :, 2] = 255.0
    content += np.random.default_rng(8).uniform(0, 30, size=content.shape).astype(np.float32)
    content = np.clip(content, 0, 255)
    raw = match_color_histogram(style, content, clip=False)
    clipped = match_color_histogram(style, content)
    assert raw.min() < 0.0 or raw.max() > 255.0
    assert clipped.min() >= 0.0 and clipped.max() <= 255.0
    mu_c, cov_c = _stats(content)
    np.testing.assert_allclose(_stats(raw)[0], mu_c, atol=1e-3)  # unclipped: exact
    np.testing.assert_allclose(_stats(raw)[1], cov_c, rtol=1e-4, atol=1e-2)
    assert np.abs(_stats(clipped)[1] - cov_c).max() > 1.0  # clipped: no longer equal


def test_flat_style_becomes_the_content_mean():
    content, _ = _content_and_style()
    flat = np.full((8, 8, 3), 40.0, np.float32)
    np.testing.assert_allclose(
        match_color_histogram(flat, content),
        np.broadcast_to(_stats(content)[0], (8, 8, 3)),
        atol=1e-3,
    )


def test_histogram_matching_errors_name_the_argument():
    content, style = _content_and_style()
    with pytest.raises(ValueError, match="unknown sqrt 'svd'"):
        match_color_histogram(style, content, sqrt="svd")
    with pytest.raises(ValueError, match="style must be an RGB array"):
        match_color_histogram(style[..., :2], content)
    with pytest.raises(ValueError, match="content has NaN"):
        match_color_histogram(style, np.full((2, 2, 3), np.nan))


@pytest.mark.parametrize("sqrt", ["eigen", "cholesky"])
def test_grey_style_is_finite_and_takes_the_contents_mean(sqrt):
    content, _ = _content_and_style()
    ramp = np.linspace(20, 230, 64).reshape(8, 8, 1)
    grey = np.repeat(ramp, 3, axis=-1).astype(np.float32)  # rank-1 covariance: Sigma_S singular
    matched = match_color_histogram(grey, content, sqrt=sqrt, clip=False)
    assert np.all(np.isfinite(matched))
    np.testing.assert_allclose(_stats(matched)[0], _stats(content)[0], atol=1e-2)
