"""Tests of `nst.optimizers`: Adam against Keras and by hand, the L-BFGS-B bridge on quadratics."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.optimize
import tensorflow as tf

from nst.optimizers import adam_update, lbfgsb_iterations


def test_adam_matches_keras_adam_including_epsilon_form():
    # Keras' Adam adds epsilon to the un-bias-corrected sqrt(v): the TF tutorial's optimiser.
    # A large epsilon (the tutorial's 0.1) makes the two forms differ, so this pins the form.
    rng = np.random.RandomState(0)
    x0 = rng.normal(size=(2, 3)).astype(np.float32)
    grads = [rng.normal(size=(2, 3)).astype(np.float32) for _ in range(5)]
    hyper = {"learning_rate": 0.02, "beta_1": 0.99, "beta_2": 0.999, "epsilon": 0.1}
    variable = tf.Variable(x0)
    keras = tf.keras.optimizers.Adam(**hyper)
    x, m, v = tf.constant(x0), tf.zeros_like(x0), tf.zeros_like(x0)
    for t, g in enumerate(grads, start=1):
        keras.apply_gradients([(tf.constant(g), variable)])
        x, m, v = adam_update(
            x, tf.constant(g), m, v, tf.constant(float(t)),
            learning_rate=0.02, beta1=0.99, beta2=0.999, epsilon=0.1,
        )  # fmt: skip
    np.testing.assert_allclose(x.numpy(), variable.numpy(), rtol=0, atol=1e-6)


def test_adam_first_step_by_hand_and_box():
    # t = 1: m = (1-b1) g, v = (1-b2) g^2, alpha = lr sqrt(1-b2)/(1-b1), so the step is
    # lr * sqrt(1-b2) |g| / (sqrt(1-b2) |g| + eps) * sign(g) = lr * 0.5 * sign(g) when
    # eps = sqrt(1-b2) |g|. With g = 10, b2 = 0.99: sqrt(0.01) * 10 = 1 = eps.
    x = tf.constant([0.0, 0.0], tf.float64)
    g = tf.constant([10.0, -10.0], tf.float64)
    zeros = tf.zeros_like(x)
    one = tf.constant(1.0, tf.float64)
    x1, m, v = adam_update(x, g, zeros, zeros, one, learning_rate=2.0, beta2=0.99, epsilon=1.0)
    np.testing.assert_allclose(x1.numpy(), [-1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(m.numpy(), [1.0, -1.0], rtol=1e-12)  # (1 - 0.9) g
    np.testing.assert_allclose(v.numpy(), [1.0, 1.0], rtol=1e-12)  # (1 - 0.99) g^2
    boxed, _, _ = adam_update(
        x, g, zeros, zeros, one, learning_rate=2.0, beta2=0.99, epsilon=1.0, lower=-0.25,
        upper=0.5,
    )  # fmt: skip
    np.testing.assert_array_equal(boxed.numpy(), [-0.25, 0.5])


def _quadratic(center: np.ndarray, scales: np.ndarray):
    """f(x) = 1/2 sum s_i (x_i - c_i)^2, gradient s (x - c); info = the value as a tuple."""
    calls = []

    def fun(x):
        calls.append(x.copy())
        r = x - center
        f = 0.5 * float(np.sum(scales * r * r))
        return f, scales * r, ("value", f)

    return fun, calls


ENGINES = ["setulb", "minimize"]


@pytest.mark.parametrize("engine", ENGINES)
def test_lbfgsb_minimises_a_quadratic_and_yields_once_per_iteration(engine):
    rng = np.random.RandomState(1)
    center = rng.uniform(-1, 1, size=20)
    scales = rng.uniform(1, 50, size=20)  # condition number ~50
    fun, calls = _quadratic(center, scales)
    items = list(
        lbfgsb_iterations(fun, np.zeros(20), -np.inf, np.inf, max_iterations=40, engine=engine)
    )
    iterations = [i for i, _, _ in items]
    assert iterations[0] == 0
    assert iterations == list(range(len(items)))
    assert 2 <= len(items) <= 41  # scipy may stop early once f stops decreasing
    values = [info[1] for _, _, info in items]
    # the info belongs to exactly the yielded x
    for _, x, info in items:
        np.testing.assert_allclose(info[1], 0.5 * np.sum(scales * (x - center) ** 2), rtol=1e-12)
    assert values[-1] < 1e-8 * values[0]
    np.testing.assert_allclose(items[-1][1], center, atol=1e-4)
    # more evaluations than yields: the line searches are not reported
    assert len(calls) >= len(items)


@pytest.mark.parametrize("engine", ENGINES)
def test_lbfgsb_matches_scipy_minimize_iterates(engine):
    rng = np.random.RandomState(2)
    center = rng.uniform(-2, 2, size=10)
    scales = rng.uniform(1, 10, size=10)
    fun, _ = _quadratic(center, scales)
    lower, upper = -0.5, 1.0
    ours = [
        x
        for _, x, _ in lbfgsb_iterations(
            fun, np.zeros(10), lower, upper, max_iterations=6, engine=engine
        )
    ]
    seen = []
    scipy.optimize.minimize(
        lambda x: fun(x)[:2],
        np.zeros(10),
        jac=True,
        method="L-BFGS-B",
        bounds=scipy.optimize.Bounds(np.full(10, lower), np.full(10, upper)),
        callback=lambda intermediate_result: seen.append(intermediate_result.x.copy()),
        options={"maxiter": 6, "ftol": 0.0, "gtol": 0.0},
    )
    assert len(ours) == len(seen) + 1
    for a, b in zip(ours[1:], seen, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("engine", ENGINES)
def test_lbfgsb_keeps_the_box(engine):
    # the unconstrained minimum lies outside the box, so the solution sits on its faces
    center = np.array([5.0, -5.0, 0.25])
    fun, calls = _quadratic(center, np.ones(3))
    lower, upper = np.array([0.0, -1.0, 0.0]), np.array([1.0, 1.0, 1.0])
    items = list(
        lbfgsb_iterations(fun, np.array([3.0, 0.0, 0.5]), lower, upper, max_iterations=5,
                          engine=engine)
    )  # fmt: skip
    for x in [x for _, x, _ in items] + calls:
        assert np.all(x >= lower) and np.all(x <= upper)
    np.testing.assert_allclose(items[-1][1], [1.0, -1.0, 0.25], atol=1e-9)
    np.testing.assert_array_equal(items[0][1], [1.0, 0.0, 0.5])  # x0 projected onto the box


@pytest.mark.parametrize("engine", ENGINES)
def test_lbfgsb_is_lazy_and_stops_its_worker_when_closed(engine):
    fun, calls = _quadratic(np.arange(50.0), np.linspace(1, 100, 50))
    before = threading.active_count()
    iterator = lbfgsb_iterations(
        fun, np.zeros(50), -np.inf, np.inf, max_iterations=100, engine=engine
    )
    next(iterator)
    next(iterator)
    evaluated = len(calls)
    threads = 1 if engine == "minimize" else 0  # only the public path needs a worker thread
    assert threading.active_count() == before + threads
    iterator.close()
    assert threading.active_count() == before
    assert len(calls) == evaluated  # nothing was computed ahead of the consumer


def test_the_two_engines_give_identical_iterates_and_evaluations():
    rng = np.random.RandomState(3)
    center = rng.uniform(-3, 3, size=300)
    scales = rng.uniform(0.1, 100, size=300)
    lower = rng.uniform(-2, 0, size=300)
    runs = {}
    for engine in ENGINES:
        fun, calls = _quadratic(center, scales)
        items = list(
            lbfgsb_iterations(fun, np.zeros(300), lower, 1.0, max_iterations=25, maxcor=5,
                              engine=engine)
        )  # fmt: skip
        runs[engine] = ([x for _, x, _ in items], calls)
    (xs_a, calls_a), (xs_b, calls_b) = runs["setulb"], runs["minimize"]
    assert len(xs_a) == len(xs_b) == 26
    for a, b in zip(xs_a, xs_b, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(calls_a) == len(calls_b)


@pytest.mark.parametrize("engine", ENGINES)
def test_lbfgsb_zero_iterations_and_errors_propagate(engine):
    fun, calls = _quadratic(np.ones(3), np.ones(3))
    items = list(lbfgsb_iterations(fun, np.zeros(3), -1, 1, max_iterations=0, engine=engine))
    assert [i for i, _, _ in items] == [0] and len(calls) == 1

    def failing(x):
        if np.any(x != 0):
            raise ArithmeticError("boom at a trial point")
        return 1.0, np.ones_like(x), None

    iterator = lbfgsb_iterations(failing, np.zeros(3), -1, 1, max_iterations=3, engine=engine)
    assert next(iterator)[0] == 0
    with pytest.raises(ArithmeticError, match="boom"):
        next(iterator)
    with pytest.raises(ValueError, match="max_iterations"):
        next(lbfgsb_iterations(failing, np.zeros(3), -1, 1, max_iterations=-1))
    with pytest.raises(ValueError, match="unknown engine"):
        next(lbfgsb_iterations(failing, np.zeros(3), -1, 1, max_iterations=1, engine="x"))
