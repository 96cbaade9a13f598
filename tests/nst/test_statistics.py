"""Tests for nst.statistics: covariance, MMD, mean/std loss, Gatys' closed-form gradient.

Golden numbers are the curriculum's seed example (hand-derivable, see lessons 05 and 06):
style S = channels [[1,2],[4,5]] and [[5,7],[2,3]] -> (M, N) = [[1,5],[2,7],[4,2],[5,3]],
generated F = channels [[1,0],[0,1]] and [[0,1],[1,0]].
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from nst.statistics import (
    covariance,
    mean_std_loss,
    mmd2,
    radial_power_spectrum,
    style_gradient_closed_form,
)

STYLE = np.array([[[1, 5], [2, 7]], [[4, 2], [5, 3]]], dtype=np.float64)  # (H, W, C)
GENERATED = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], dtype=np.float64)
STYLE_GRAM = np.array([[46, 42], [42, 87]], dtype=np.float64)  # S^T S by hand


def _indexed(mult: int, mod: int) -> np.ndarray:
    """The curriculum's N=4 example: x[h, w, c] = (mult * (12h + 4w + c)) mod `mod`, (2, 3, 4)."""
    h, w, c = np.meshgrid(np.arange(2), np.arange(3), np.arange(4), indexing="ij")
    return ((mult * (12 * h + 4 * w + c)) % mod).astype(np.float64)


def _gatys_e(f: np.ndarray, s: np.ndarray) -> float:
    """E_l = sum (G - A)^2 / (4 N^2 M^2), written out independently in numpy."""
    fm, sm = f.reshape(-1, f.shape[-1]), s.reshape(-1, s.shape[-1])
    m, n = fm.shape
    return float(((fm.T @ fm - sm.T @ sm) ** 2).sum() / (4 * n**2 * m**2))


def test_covariance_seed_example_exact():
    cov = covariance(STYLE).numpy()
    np.testing.assert_array_equal(cov, [[2.5, -2.25], [-2.25, 3.6875]])
    # The uncentred Gram G / M says +10.5 where the covariance says -2.25: signs differ.
    assert STYLE_GRAM[0, 1] / 4 == 10.5 and cov[0, 1] < 0


def test_covariance_matches_numpy_population_cov_and_keeps_dtype():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 5, 7, 6))
    np.testing.assert_allclose(
        covariance(x).numpy(), np.cov(x.reshape(-1, 6).T, bias=True), rtol=1e-12, atol=1e-12
    )
    assert covariance(x.astype(np.float32)).dtype == tf.float32
    assert covariance(x).dtype == tf.float64


def test_mmd2_poly2_is_gatys_style_loss_times_4n2():
    value = float(mmd2(GENERATED, STYLE, kernel="poly2"))
    assert value == 12689 / 16  # sum (G - A)^2 / M^2, exact in binary floating point
    assert value / (4 * 2**2) == 49.56640625  # = E_l
    f, s = _indexed(1, 5), _indexed(7, 4)
    np.testing.assert_allclose(float(mmd2(f, s)) / (4 * 4**2), _gatys_e(f, s), rtol=1e-12)
    np.testing.assert_allclose(_gatys_e(f, s), 2.2144097222222223, rtol=1e-12)


def test_mmd2_linear_matches_difference_of_means():
    assert float(mmd2(GENERATED, STYLE, kernel="linear")) == 20.3125
    rng = np.random.default_rng(1)
    f, s = rng.normal(size=(4, 4, 3)), rng.normal(size=(2, 6, 3)) + 1.0  # M != M'
    diff = f.reshape(-1, 3).mean(0) - s.reshape(-1, 3).mean(0)
    np.testing.assert_allclose(float(mmd2(f, s, kernel="linear")), diff @ diff, rtol=1e-10)


def test_mmd2_gauss_matches_double_loop():
    sigma = 1.3
    f, s = GENERATED.reshape(-1, 2), STYLE.reshape(-1, 2)

    def k(x, y):
        return np.exp(-np.sum((x - y) ** 2) / (2 * sigma**2))

    def mean_k(x, y):
        return np.mean([[k(a, b) for b in y] for a in x])

    expected = mean_k(f, f) + mean_k(s, s) - 2 * mean_k(f, s)
    got = float(mmd2(GENERATED, STYLE, kernel="gauss", sigma=sigma))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(float(mmd2(GENERATED, STYLE, kernel="gauss")), 0.98973, atol=5e-6)


@pytest.mark.parametrize("kernel", ["poly2", "linear", "gauss"])
def test_mmd2_zero_for_same_cloud_and_ignores_positions(kernel):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 4, 4, 3))
    shuffled = rng.permutation(x.reshape(16, 3)).reshape(1, 4, 4, 3)
    assert abs(float(mmd2(x, shuffled, kernel=kernel))) < 1e-12
    assert float(mmd2(x, x + 0.5, kernel=kernel)) > 1e-3


def test_mmd2_is_differentiable():
    f = tf.Variable(GENERATED)
    with tf.GradientTape() as tape:
        loss = mmd2(f, STYLE) / 16.0  # = E_l
    grad = tape.gradient(loss, f).numpy()
    np.testing.assert_allclose(grad, style_gradient_closed_form(GENERATED, STYLE_GRAM), rtol=1e-12)


def test_mean_std_loss_seed_example_and_formula():
    np.testing.assert_allclose(float(mean_std_loss(GENERATED, STYLE)), 11.7493, atol=5e-5)
    f, s = GENERATED.reshape(-1, 2), STYLE.reshape(-1, 2)
    expected = np.mean((f.mean(0) - s.mean(0)) ** 2 + (f.std(0) - s.std(0)) ** 2)
    np.testing.assert_allclose(float(mean_std_loss(GENERATED, STYLE)), expected, rtol=1e-12)


def test_closed_form_gradient_seed_example_exact():
    z = np.array([[1, -1, -2, 1], [-3, 1, 1, -1]], dtype=np.float64)  # (N, M), relu(z) = F^T
    z_hwc = z.T.reshape(2, 2, 2)
    np.testing.assert_array_equal(np.maximum(z_hwc, 0), GENERATED)
    grad_f = style_gradient_closed_form(GENERATED, STYLE_GRAM)
    expected_f = [
        [-0.6875, -0.65625, -0.65625, -0.6875],
        [-0.65625, -1.328125, -1.328125, -0.65625],
    ]
    np.testing.assert_array_equal(grad_f.reshape(4, 2).T, expected_f)
    grad_z = style_gradient_closed_form(GENERATED, STYLE_GRAM, pre_activations=z_hwc)
    expected_z = [[-0.6875, 0, 0, -0.6875], [0, -1.328125, -1.328125, 0]]
    np.testing.assert_array_equal(grad_z.reshape(4, 2).T, expected_z)


def test_closed_form_gradient_matches_autodiff_through_relu():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(1, 3, 5, 4))
    z[np.abs(z) < 0.05] = 0.3  # keep away from the ReLU kink
    s = np.abs(rng.normal(size=(1, 4, 2, 4)))
    a = s.reshape(-1, 4).T @ s.reshape(-1, 4)
    zt = tf.Variable(z)
    with tf.GradientTape() as tape:
        f = tf.reshape(tf.nn.relu(zt), (-1, 4))  # (M, N)
        e = tf.reduce_sum((tf.transpose(f) @ f - a) ** 2) / (4 * 4**2 * 15**2)
    auto = tape.gradient(e, zt).numpy()
    closed = style_gradient_closed_form(np.maximum(z, 0), a, pre_activations=z)
    np.testing.assert_allclose(closed, auto, rtol=1e-10, atol=1e-14)
    assert np.any(closed == 0) and np.any(closed != 0)  # the mask did something


def test_radial_power_spectrum_of_a_cosine_peaks_at_its_frequency():
    j = np.arange(64)
    stripes = np.repeat(np.cos(2 * np.pi * 8 * j / 64)[None, :], 48, axis=0)  # 8 cycles / 64 px
    frequency, power = radial_power_spectrum(stripes)
    assert frequency.shape == power.shape == (25,)  # min(H, W) = 48 -> 48 // 2 + 1 rings
    peak = int(np.argmax(power))
    assert frequency[peak] - 0.5 / 48 <= 8 / 64 < frequency[peak] + 0.5 / 48
    assert power[peak] > 100 * np.delete(power, peak).max()


def test_radial_power_spectrum_exact_cases():
    impulse = np.zeros((32, 32))
    impulse[5, 9] = 1.0  # |DFT| = 1 at every frequency
    _, power = radial_power_spectrum(impulse, subtract_mean=False)
    np.testing.assert_allclose(power, 1.0 / (32 * 32), rtol=1e-12)
    _, flat = radial_power_spectrum(np.full((1, 16, 16, 3), 7.0))
    np.testing.assert_allclose(flat, 0.0, atol=1e-20)
    noise = np.random.default_rng(4).normal(size=(64, 64, 3))  # white: about C sigma^2 per ring
    _, power = radial_power_spectrum(noise)
    assert np.all(np.abs(power[1:] / 3.0 - 1.0) < 0.5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: covariance(np.zeros((2, 2, 2, 2))), "batch size 1"),
        (lambda: covariance(np.zeros((4, 2))), "(1, H, W, C)"),
        (lambda: mmd2(GENERATED, STYLE, kernel="cubic"), "kernel='cubic'"),
        (lambda: mmd2(GENERATED, STYLE, kernel="gauss", sigma=0), "sigma=0"),
        (lambda: mmd2(GENERATED, np.zeros((2, 2, 3))), "3"),
        (lambda: mean_std_loss(GENERATED, np.zeros((2, 2, 3))), "same layer"),
        (lambda: style_gradient_closed_form(GENERATED, np.eye(3)), "style_gram"),
        (lambda: radial_power_spectrum(np.zeros((2, 8, 8, 3))), "batch size 1"),
        (lambda: radial_power_spectrum(np.zeros(8)), "(H, W)"),
        (
            lambda: style_gradient_closed_form(GENERATED, STYLE_GRAM, pre_activations=np.ones(3)),
            "pre_activations",
        ),
    ],
)
def test_bad_input_raises_clear_error(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
