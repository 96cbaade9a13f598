"""nst.losses on the curriculum's worked examples (L4-L8, L10), by property, and by gradient.

Golden numbers are the curriculum's worked examples; each is derived in a comment or by a naive
numpy formula written here, independently of the library (the tutorials' literal formulas).
Tolerances: exact for integer examples, rtol 1e-12 for float64, 1e-5 for float32.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from nst.gradcheck import numerical_gradient, relative_error
from nst.losses import (
    CONTENT_CONVENTIONS,
    STYLE_CONVENTIONS,
    TV_KINDS,
    StyleTarget,
    blend_style_targets,
    content_loss,
    gram_matrix,
    style_loss,
    style_target,
    tv_loss,
)

# --- the curriculum's examples ------------------------------------------------------------------

# L4/L5: channels P_1 = [[1, 2], [4, 5]] and P_2 = [[5, 7], [2, 3]];
# as an M x N matrix [[1, 5], [2, 7], [4, 2], [5, 3]]
SEED = np.stack([[[1, 2], [4, 5]], [[5, 7], [2, 3]]], axis=-1).astype(np.float64)  # (2, 2, 2)
# L4/L6: generated channels [[1, 0], [0, 1]] and [[0, 1], [1, 0]], raw Gram [[2, 0], [0, 2]]
GEN = np.stack([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], axis=-1).astype(np.float64)


def _index_grid(h: int = 2, w: int = 3, c: int = 4) -> np.ndarray:
    """12h + 4w + c on an (H, W, C) = (2, 3, 4) grid (curriculum L4, L6)."""
    hh, ww, cc = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    return 12 * hh + 4 * ww + cc


X4 = (_index_grid() % 5).astype(np.float64)  # generated, N = 4, M = 6
P4 = ((3 * _index_grid()) % 7).astype(np.float64)  # content target
S4 = ((7 * _index_grid()) % 4).astype(np.float64)  # style image


def _numpy_gram(x: np.ndarray) -> np.ndarray:
    f = x.reshape(-1, x.shape[-1])  # (M, N)
    return f.T @ f


# --- Gram matrix --------------------------------------------------------------------------------


def test_gram_of_seed_example_in_three_normalisations():
    # Raw F^T F = [[46, 42], [42, 87]]; / M = 4; / (N M) = 8 (curriculum L5)
    np.testing.assert_array_equal(gram_matrix(SEED).numpy(), [[46, 42], [42, 87]])
    np.testing.assert_array_equal(
        gram_matrix(SEED, normalization="hw").numpy(), [[11.5, 10.5], [10.5, 21.75]]
    )
    np.testing.assert_array_equal(
        gram_matrix(SEED, normalization="hwc").numpy(), [[5.75, 5.25], [5.25, 10.875]]
    )


def test_gram_batch_shape_and_rank3_shape():
    batch = np.stack([SEED, GEN])  # (2, 2, 2, 2)
    g = gram_matrix(batch).numpy()
    assert g.shape == (2, 2, 2)
    np.testing.assert_array_equal(g[0], [[46, 42], [42, 87]])
    np.testing.assert_array_equal(g[1], [[2, 0], [0, 2]])
    assert gram_matrix(SEED).shape == (2, 2)


def test_gram_covariance_and_tiling_worked_numbers():
    # population covariance = G/M - mu mu^T = [[2.5, -2.25], [-2.25, 3.6875]] (curriculum L5)
    mu = SEED.reshape(-1, 2).mean(axis=0)
    np.testing.assert_array_equal(mu, [3, 4.25])
    cov = gram_matrix(SEED, normalization="hw").numpy() - np.outer(mu, mu)
    np.testing.assert_allclose(cov, [[2.5, -2.25], [-2.25, 3.6875]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(cov, np.cov(SEED.reshape(-1, 2).T, bias=True), rtol=1e-12)
    tiled = np.tile(SEED, (2, 2, 1))  # (4, 4, 2)
    np.testing.assert_array_equal(gram_matrix(tiled).numpy(), [[184, 168], [168, 348]])
    np.testing.assert_array_equal(
        gram_matrix(tiled, normalization="hw").numpy(), gram_matrix(SEED, normalization="hw")
    )


def test_gram_matches_einsum_and_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4, 6))
    expected = np.einsum("bijc,bijd->bcd", x, x)
    np.testing.assert_allclose(gram_matrix(x).numpy(), expected, rtol=1e-12)
    for b in range(3):
        np.testing.assert_allclose(gram_matrix(x[b]).numpy(), _numpy_gram(x[b]), rtol=1e-12)


def test_gram_invariant_to_shuffling_positions_symmetric_and_psd():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 5, 7)).astype(np.float32)
    flat = x.reshape(-1, 7)
    shuffled = flat[rng.permutation(flat.shape[0])].reshape(6, 5, 7)
    g = gram_matrix(x).numpy()
    np.testing.assert_allclose(gram_matrix(shuffled).numpy(), g, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(g, g.T)
    eigenvalues = np.linalg.eigvalsh(g.astype(np.float64))
    assert eigenvalues.min() >= -1e-4 * eigenvalues.max()


def test_gram_keeps_dtype_and_rejects_bad_input():
    assert gram_matrix(SEED.astype(np.float32)).dtype == tf.float32
    assert gram_matrix(SEED).dtype == tf.float64
    with pytest.raises(ValueError, match="hw, hwc"):
        gram_matrix(SEED, normalization="chw")
    with pytest.raises(ValueError, match=r"\(B, H, W, C\) or \(H, W, C\)"):
        gram_matrix(np.ones((4, 4)))


# --- content loss -------------------------------------------------------------------------------


def test_content_loss_seed_example():
    zero = np.zeros_like(SEED)
    # against F = 0: 1/2 sum P^2 = 133 / 2 = 66.5 = tf.nn.l2_loss; MSE 133 / 8; sum 133
    assert float(content_loss(zero, SEED)) == 66.5
    assert float(content_loss(zero, SEED)) == float(tf.nn.l2_loss(SEED))
    assert float(content_loss(zero, SEED, convention="mse")) == 16.625
    assert float(content_loss(zero, SEED, convention="sum")) == 133.0
    # against the generated map: 1/2 * 107 = 53.5, MSE 13.375 = 0.25 * 53.5 = 2/(NM) * L_c
    assert float(content_loss(GEN, SEED)) == 53.5
    assert float(content_loss(GEN, SEED, convention="mse")) == 13.375
    # deeplearning.ai: sum / (4 nH nW nC) = 107 / 32
    assert float(content_loss(GEN, SEED, convention="coursera")) == 107 / 32


def test_content_loss_n4_example():
    # curriculum L4: L_c = 76, MSE 6.3333, sum 152 (H=2, W=3, C=4)
    assert float(content_loss(X4, P4)) == 76.0
    assert float(content_loss(X4, P4, convention="sum")) == 152.0
    np.testing.assert_allclose(float(content_loss(X4, P4, convention="mse")), 152 / 24, rtol=1e-12)


def test_content_gradient_is_f_minus_p():
    # dL_c/dF = F - P = [[0, -5], [-2, -6], [-4, -1], [-4, -3]] as an M x N matrix (L4)
    f = tf.constant(GEN)
    with tf.GradientTape() as tape:
        tape.watch(f)
        loss = content_loss(f, SEED)
    grad = tape.gradient(loss, f).numpy().reshape(-1, 2)
    np.testing.assert_array_equal(grad, [[0, -5], [-2, -6], [-4, -1], [-4, -3]])


def test_content_loss_zero_iff_equal_and_batch_sum():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 5, 6))
    p = rng.normal(size=(3, 4, 5, 6))
    for convention in CONTENT_CONVENTIONS:
        assert float(content_loss(x, x, convention=convention)) == 0.0
        assert float(content_loss(x, p, convention=convention)) > 0.0
        per_image = [float(content_loss(x[b], p[b], convention=convention)) for b in range(3)]
        np.testing.assert_allclose(
            float(content_loss(x, p, convention=convention)), sum(per_image), rtol=1e-12
        )
    # a rank-3 target broadcasts over the batch
    np.testing.assert_allclose(
        float(content_loss(x, p[0])),
        sum(float(content_loss(x[b], p[0])) for b in range(3)),
        rtol=1e-12,
    )


def test_content_loss_errors():
    with pytest.raises(ValueError, match="gatys, sum, mse, coursera"):
        content_loss(GEN, SEED, convention="l2")
    with pytest.raises(ValueError, match="does not match"):
        content_loss(np.zeros((2, 2, 3)), np.zeros((2, 2, 2)))


# --- style loss ---------------------------------------------------------------------------------


def test_style_loss_seed_example_every_convention():
    target = style_target(SEED)  # A / M, M = 4
    e = 12689 / 256  # sum (G - A)^2 = 12689, 4 N^2 M^2 = 256 (curriculum L6)
    assert e == 49.56640625
    assert float(style_loss(GEN, target)) == e
    expected = {
        "gatys": e,
        "coursera": e,
        "tf-tutorial": 198.265625,
        "gatys-notebook": 198.265625,
        "cs231n": 198.265625,
        "johnson": 198.265625,
        "pytorch-tutorial": e,  # 4 / N^2 = 1 for N = 2
        "anish": e,
        "jcjohnson": e,
        "d2l": e,
        "keras-example": 12689 / (36 * 16),  # = 22.0295139 with M_img = M = 4
        "fastai-2018": 1e12 * e,  # 4e12 / N^2
    }
    assert set(expected) == set(STYLE_CONVENTIONS)
    for convention, value in expected.items():
        got = float(style_loss(GEN, target, convention=convention, image_positions=4))
        np.testing.assert_allclose(got, value, rtol=1e-12, err_msg=convention)


def test_style_loss_n4_example_distinct_factors():
    # curriculum L6/L10: sum (G - A)^2 = 5102, E = 5102 / (4 * 16 * 36) = 2.2144097222
    g, a = _numpy_gram(X4), _numpy_gram(S4)
    assert np.sum((g - a) ** 2) == 5102
    target = style_target(S4)
    e = float(style_loss(X4, target))
    np.testing.assert_allclose(e, 2.2144097222, rtol=1e-10)
    cases = {
        "tf-tutorial": 8.857638889,
        "cs231n": 8.857638889,
        "pytorch-tutorial": 0.5536024306,
        "jcjohnson": 0.5536024306,
        "anish": 0.5536024306,
        "d2l": 0.5536024306,
        "keras-example": 3.936728395,
        "fastai-2018": 5.536024306e11,
    }
    for convention, value in cases.items():
        got = float(style_loss(X4, target, convention=convention, image_positions=6))
        np.testing.assert_allclose(got, value, rtol=1e-9, err_msg=convention)
    # the Gatys notebook's term (x4) times its layer weight 1e3 / N^2: 553.6024306 = 250 E
    notebook = float(style_loss(X4, target, convention="gatys-notebook")) * 1e3 / 4**2
    np.testing.assert_allclose(notebook, 553.6024306, rtol=1e-9)


def _literal_style_terms(x: np.ndarray, s: np.ndarray, m_img: int) -> dict[str, float]:
    """Each tutorial's per-layer style term written the way the tutorial writes it."""
    n = x.shape[-1]
    m = x.shape[0] * x.shape[1]
    g, a = _numpy_gram(x), _numpy_gram(s)  # raw, same size here
    return {
        "gatys": np.sum((g - a) ** 2) / (4 * n**2 * m**2),
        "coursera": np.sum((a - g) ** 2) / (4 * n**2 * m**2),
        "tf-tutorial": np.mean((g / m - a / m) ** 2),
        "gatys-notebook": np.mean((g / m - a / m) ** 2),
        "cs231n": np.sum((g / (n * m) - a / (n * m)) ** 2),
        "johnson": np.linalg.norm(g / (n * m) - a / (n * m)) ** 2,
        "pytorch-tutorial": np.mean((g / (n * m) - a / (n * m)) ** 2),
        "anish": 2 * (0.5 * np.sum((g / (n * m) - a / (n * m)) ** 2)) / a.size,
        "jcjohnson": np.mean((g / (n * m) - a / (n * m)) ** 2),
        "d2l": np.mean((g / (n * m) - a / (n * m)) ** 2),
        "keras-example": np.sum((a - g) ** 2) / (4.0 * 3**2 * m_img**2),
        "fastai-2018": np.mean((1e6 * g / (n * m) - 1e6 * a / (n * m)) ** 2),
    }


def test_style_loss_equals_each_tutorials_literal_formula():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 3, size=(5, 7, 6))
    s = rng.uniform(0, 3, size=(5, 7, 6))
    literal = _literal_style_terms(x, s, m_img=4 * 35)
    for convention in STYLE_CONVENTIONS:
        got = float(style_loss(x, style_target(s), convention=convention, image_positions=4 * 35))
        np.testing.assert_allclose(got, literal[convention], rtol=1e-10, err_msg=convention)


def test_style_loss_tiled_style_image_gives_zero():
    # the style image is the generated image tiled 2x2: same statistics per position
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 2, size=(1, 4, 6, 5))
    tiled = np.tile(x, (1, 2, 2, 1))  # (1, 8, 12, 5): 4x the positions, 4x the raw Gram
    for convention in STYLE_CONVENTIONS:
        loss = float(style_loss(x, style_target(tiled), convention=convention, image_positions=24))
        assert abs(loss) <= 1e-9 * max(1.0, float(np.abs(_numpy_gram(x[0])).max())), convention


def test_style_loss_different_sizes_rescales_the_raw_target():
    # Gatys with A = A_style * M_gen / M_style (the stated rule), checked literally
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 2, size=(4, 6, 3))  # M = 24
    s = rng.uniform(0, 2, size=(5, 5, 3))  # M_s = 25
    a_scaled = _numpy_gram(s) * 24 / 25
    expected = np.sum((_numpy_gram(x) - a_scaled) ** 2) / (4 * 3**2 * 24**2)
    np.testing.assert_allclose(float(style_loss(x, style_target(s))), expected, rtol=1e-12)


def test_style_loss_batch_and_blend():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 4, 5))
    s1, s2 = rng.normal(size=(2, 6, 6, 5))
    blend = blend_style_targets([style_target(s1), style_target(s2)], [0.3, 0.7])  # (5, 5)
    expected = 0.3 * style_target(s1).gram + 0.7 * style_target(s2).gram
    np.testing.assert_allclose(blend.gram.numpy(), expected.numpy(), rtol=1e-15)
    per_image = [float(style_loss(x[b], blend)) for b in range(2)]
    np.testing.assert_allclose(float(style_loss(x, blend)), sum(per_image), rtol=1e-12)
    batch_targets = style_target(np.stack([s1, s2]))  # (2, 5, 5): one target per image
    np.testing.assert_allclose(
        float(style_loss(x, batch_targets)),
        float(style_loss(x[0], style_target(s1))) + float(style_loss(x[1], style_target(s2))),
        rtol=1e-12,
    )


def test_style_loss_float32_agrees_with_float64():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 50, size=(1, 8, 8, 16))
    s = rng.uniform(0, 50, size=(1, 8, 8, 16))
    for convention in ("gatys", "tf-tutorial", "anish"):
        f64 = float(style_loss(x, style_target(s), convention=convention))
        loss32 = style_loss(
            x.astype(np.float32), style_target(s.astype(np.float32)), convention=convention
        )
        assert loss32.dtype == tf.float32
        np.testing.assert_allclose(float(loss32), f64, rtol=1e-4, err_msg=convention)


def test_style_gradient_closed_form_and_relu_mask():
    # curriculum L6: Z (N x M) -> F = relu(Z) is the generated map GEN; A = Gram of SEED
    z_nm = np.array([[1, -1, -2, 1], [-3, 1, 1, -1]], dtype=np.float64)
    z = tf.constant(z_nm.T.reshape(1, 2, 2, 2))  # (B, H, W, C), positions row-major
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = style_loss(tf.nn.relu(z), style_target(SEED))
    grad = tape.gradient(loss, z).numpy().reshape(4, 2).T  # back to N x M
    expected = [[-0.6875, 0, 0, -0.6875], [0, -1.328125, -1.328125, 0]]
    np.testing.assert_allclose(grad, expected, rtol=0, atol=1e-12)
    # the unmasked closed form (G - A) F / (N^2 M^2) with F = relu(Z) (N x M)
    f_nm = np.maximum(z_nm, 0)
    closed = (_numpy_gram(GEN) - _numpy_gram(SEED)) @ f_nm / (2**2 * 4**2)
    np.testing.assert_allclose(
        closed,
        [[-0.6875, -0.65625, -0.65625, -0.6875], [-0.65625, -1.328125, -1.328125, -0.65625]],
        rtol=0,
        atol=1e-12,
    )

    # and a central finite difference (float64, h = 1e-6) agrees to 2e-9 (curriculum L6)
    def e_of_z(values):
        return style_loss(tf.nn.relu(values.reshape(1, 2, 2, 2)), style_target(SEED))

    numerical = numerical_gradient(e_of_z, z.numpy(), eps=1e-6).reshape(4, 2).T
    assert np.abs(numerical - grad).max() < 2e-8


def test_style_loss_errors():
    target = style_target(SEED)
    with pytest.raises(ValueError, match="gatys, coursera, tf-tutorial"):
        style_loss(GEN, target, convention="mse")
    with pytest.raises(ValueError, match="image_positions"):
        style_loss(GEN, target, convention="keras-example")
    with pytest.raises(ValueError, match="style_target"):
        style_loss(GEN, StyleTarget(np.eye(3)))


def test_style_loss_refuses_a_plain_gram_and_says_what_to_pass():
    # the call a reader of Gatys writes: a raw Gram would silently be M^2 times too large
    for plain in (gram_matrix(SEED), _numpy_gram(SEED), style_target(SEED).gram):
        with pytest.raises(TypeError, match=r"style_target\(S\).*StyleTarget\.from_gram\("):
            style_loss(GEN, plain)
    with pytest.raises(TypeError, match="StyleTarget"):
        blend_style_targets([gram_matrix(SEED)], [1.0])
    with pytest.raises(ValueError, match="one weight per target"):
        blend_style_targets([style_target(SEED)], [0.5, 0.5])


def test_style_target_and_from_gram_give_gatys_e_by_hand():
    # same-size images: E = sum (G - A)^2 / (4 N^2 M^2) with raw Grams, written out in numpy
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 3, size=(5, 6, 7))  # N = 7, M = 30
    s = rng.uniform(0, 3, size=(5, 6, 7))
    g, a = _numpy_gram(x), _numpy_gram(s)
    by_hand = np.sum((g - a) ** 2) / (4 * 7**2 * 30**2)
    np.testing.assert_allclose(float(style_loss(x, style_target(s))), by_hand, rtol=1e-12)
    from_gram = StyleTarget.from_gram(gram_matrix(s), positions=5 * 6)
    np.testing.assert_allclose(float(style_loss(x, from_gram)), by_hand, rtol=1e-12)
    from_numpy = StyleTarget.from_gram(a, positions=30)  # a numpy Gram works the same
    np.testing.assert_allclose(float(style_loss(x, from_numpy)), by_hand, rtol=1e-12)


def test_style_target_passes_through_tf_function():
    target = style_target(SEED)

    @tf.function
    def loss(t):
        assert isinstance(t, StyleTarget)  # rebuilt as a StyleTarget while tracing
        return style_loss(GEN, t)

    assert float(loss(target)) == 12689 / 256


# --- gradients of every convention and kind against central differences ------------------------


@pytest.mark.parametrize("convention", CONTENT_CONVENTIONS)
def test_content_gradient_matches_finite_differences(convention):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 3, 2, 3))
    p = rng.normal(size=(2, 3, 2, 3))
    analytic = _autodiff(lambda v: content_loss(v, p, convention=convention), x)
    numerical = numerical_gradient(lambda v: content_loss(v, p, convention=convention), x)
    assert relative_error(analytic, numerical) < 1e-6


@pytest.mark.parametrize("convention", STYLE_CONVENTIONS)
def test_style_gradient_matches_finite_differences(convention):
    rng = np.random.default_rng(9)
    x = rng.normal(size=(1, 3, 2, 3))
    target = style_target(rng.normal(size=(4, 3, 3)))

    def f(v):
        return style_loss(v, target, convention=convention, image_positions=30)

    assert relative_error(_autodiff(f, x), numerical_gradient(f, x)) < 1e-6


@pytest.mark.parametrize("kind", TV_KINDS)
def test_tv_gradient_matches_finite_differences(kind):
    # random values: no difference is zero, so no kink of |.| or sqrt lies within eps
    rng = np.random.default_rng(10)
    x = rng.normal(size=(2, 4, 3, 2))

    def f(v):
        return tv_loss(v, kind=kind)

    analytic, numerical = _autodiff(f, x), numerical_gradient(f, x)
    # The L1 kinds are piecewise linear: many entries are exactly 0, where the central
    # difference leaves only round-off (~1e-10) and the element-wise relative error is
    # meaningless. Compare the largest error with the gradient's scale instead.
    assert np.abs(analytic - numerical).max() <= 1e-7 * np.abs(analytic).max()
    nonzero = np.abs(analytic) > 1e-3
    assert relative_error(analytic[nonzero], numerical[nonzero]) < 1e-6


def _autodiff(f, x: np.ndarray) -> np.ndarray:
    v = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(v)
        loss = f(v)
    return tape.gradient(loss, v).numpy()


# --- total variation ----------------------------------------------------------------------------


def _impulse(row: int, col: int) -> np.ndarray:
    x = np.zeros((3, 3, 1))
    x[row, col, 0] = 2.0
    return x


CENTRE = {
    "l1": 8,
    "l2": 16,
    "mean-l2": 8 / 3,  # 8/6 + 8/6
    "mean-l1-half": 2 / 3,  # (4/6 + 4/6) / 2
    "crop-l2-half": 8,  # (4 + 4 + 8) / 2
    "keras": 2 * 4**1.25 + 8**1.25,  # 24.76805
    "isotropic": 2 + 2 + np.sqrt(8),  # 6.82843
}
CORNER = {
    "l1": 4,
    "l2": 8,
    "mean-l2": 4 / 3,
    "mean-l1-half": 1 / 3,
    "crop-l2-half": 0,
    "keras": 0,
    "isotropic": 0,
}


@pytest.mark.parametrize("kind", TV_KINDS)
def test_tv_impulse_tables(kind):
    # curriculum L8: a single 2 in the centre, then in the corner (2, 2) of a 3x3 image
    np.testing.assert_allclose(float(tv_loss(_impulse(1, 1), kind=kind)), CENTRE[kind], rtol=1e-12)
    np.testing.assert_allclose(float(tv_loss(_impulse(2, 2), kind=kind)), CORNER[kind], atol=0)
    assert round(float(tv_loss(_impulse(1, 1), kind="keras")), 5) == 24.76805
    assert round(float(tv_loss(_impulse(1, 1), kind="isotropic")), 5) == 6.82843


def test_tv_l1_equals_tf_image_total_variation():
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 255, size=(3, 9, 7, 3)).astype(np.float32)
    expected = float(tf.reduce_sum(tf.image.total_variation(tf.constant(x))))
    np.testing.assert_allclose(float(tv_loss(x, kind="l1")), expected, rtol=1e-5)
    centre = _impulse(1, 1)
    per_image = tf.image.total_variation(tf.constant(np.stack([centre, 2 * centre]))).numpy()
    np.testing.assert_array_equal(per_image, [8, 16])
    assert float(tv_loss(np.stack([centre, 2 * centre]))) == 24.0
    assert float(tv_loss(np.repeat(centre, 3, axis=2))) == 24.0


def test_tv_crop_half_l2_gradient_stencil():
    # jcjohnson's hand-coded TV backward on the centre impulse (curriculum L8)
    x = tf.constant(_impulse(1, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tv_loss(x, kind="crop-l2-half")
    np.testing.assert_array_equal(
        tape.gradient(loss, x).numpy()[:, :, 0], [[0, -2, 0], [-2, 8, -2], [0, -2, 0]]
    )


def test_tv_checkerboard_versus_ramp_and_scaling():
    i, j = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    checker = np.where((i + j) % 2 == 0, 1.0, -1.0)[:, :, None]
    assert float(tv_loss(checker, kind="l2")) == 448.0
    ramp = (j - 3.5)[:, :, None]
    ramp = ramp * np.sqrt(np.sum(checker**2) / np.sum(ramp**2))  # the same energy, 64
    np.testing.assert_allclose(float(tv_loss(ramp, kind="l2")), 32 / 3, rtol=1e-12)  # 10.667
    rng = np.random.default_rng(12)
    x = rng.uniform(0, 1, size=(5, 6, 3))
    np.testing.assert_allclose(
        float(tv_loss(255 * x, kind="l1")), 255 * float(tv_loss(x, kind="l1")), rtol=1e-12
    )
    np.testing.assert_allclose(
        float(tv_loss(255 * x, kind="l2")), 65025 * float(tv_loss(x, kind="l2")), rtol=1e-12
    )


def test_tv_relations_between_kinds_and_constant_image():
    rng = np.random.default_rng(13)
    x = rng.normal(size=(2, 5, 4, 3))
    np.testing.assert_allclose(
        float(tv_loss(x, kind="keras")), float(tv_loss(x, kind="isotropic", beta=2.5)), rtol=1e-12
    )
    np.testing.assert_allclose(
        float(tv_loss(x, kind="crop-l2-half")),
        0.5 * float(tv_loss(x, kind="isotropic", beta=2)),
        rtol=1e-12,
    )
    for kind in TV_KINDS:
        assert float(tv_loss(np.full((4, 4, 3), 7.0), kind=kind)) == 0.0


def test_tv_isotropic_gradient_is_finite_on_flat_regions():
    x = tf.constant(_impulse(1, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tv_loss(x, kind="isotropic")
    assert np.all(np.isfinite(tape.gradient(loss, x).numpy()))


def test_tv_errors():
    with pytest.raises(ValueError, match="l1, l2, mean-l2"):
        tv_loss(_impulse(1, 1), kind="total")
    with pytest.raises(ValueError, match="beta is only used"):
        tv_loss(_impulse(1, 1), kind="l1", beta=2.0)
    with pytest.raises(ValueError, match="beta > 0"):
        tv_loss(_impulse(1, 1), kind="isotropic", beta=0.0)


def test_losses_work_inside_tf_function():
    rng = np.random.default_rng(14)
    x = tf.constant(rng.normal(size=(1, 4, 4, 3)).astype(np.float32))
    target = style_target(x * 2.0)

    @tf.function
    def total(v):
        return content_loss(v, x * 0.5) + style_loss(v, target) + tv_loss(v, kind="l2")

    eager = float(content_loss(x, x * 0.5) + style_loss(x, target) + tv_loss(x, kind="l2"))
    np.testing.assert_allclose(float(total(x)), eager, rtol=1e-5)


def test_docstring_examples_run():
    import doctest

    import nst.losses

    result = doctest.testmod(nst.losses, extraglobs={"tf": tf}, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3
    assert result.failed == 0
