"""Tests of `nst.optimizers`: Adam against Keras and by hand, the L-BFGS-B engines on quadratics,
the TF-native projected L-BFGS (``engine="tf"``) on test functions and the tiny style objective."""

from __future__ import annotations

import functools
import threading

import numpy as np
import pytest
import scipy.optimize
import tensorflow as tf

import nst.optimize
from nst.optimizers import adam_update, lbfgsb_iterations, tf_lbfgs_iterations


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


SCIPY_ENGINES = ["minimize"]
ENGINES = ["tf", *SCIPY_ENGINES]


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


@pytest.mark.parametrize("engine", SCIPY_ENGINES)
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
    for _, x, info in items:  # the info belongs to exactly the yielded x
        np.testing.assert_allclose(info[1], 0.5 * np.sum((x - center) ** 2), rtol=1e-12)


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


def test_the_removed_setulb_engine_is_refused_with_the_valid_names():
    fun, _ = _quadratic(np.ones(3), np.ones(3))
    message = r"'setulb' was removed; use 'minimize' for scipy's L-BFGS-B; valid engines: auto, tf"
    with pytest.raises(ValueError, match=message):
        next(lbfgsb_iterations(fun, np.zeros(3), -1, 1, max_iterations=1, engine="setulb"))


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


# --------------------------------------------------------------------------------------------
# engine "tf": projected L-BFGS in TensorFlow


def _run(iterator) -> tuple[list, str]:
    """Every yielded item of a `lbfgsb_iterations` generator and its return message."""
    items = []
    while True:
        try:
            items.append(next(iterator))
        except StopIteration as stop:
            return items, stop.value


def _rosenbrock_blocks(x: np.ndarray):
    """Independent 2-D Rosenbrock blocks: f = sum_k (1 - a_k)^2 + 100 (b_k - a_k^2)^2."""
    a, b = x[0::2], x[1::2]
    f = float(np.sum((1 - a) ** 2 + 100 * (b - a * a) ** 2))
    g = np.empty_like(x)
    g[0::2] = -2 * (1 - a) - 400 * a * (b - a * a)
    g[1::2] = 200 * (b - a * a)
    return f, g, f


def test_tf_engine_bounded_rosenbrock_reaches_the_known_minimisers():
    # Block 0 in [-2, 2]^2: the free minimiser (1, 1). Block 1 with a <= 0.5: for fixed a the
    # best b is a^2, leaving (1 - a)^2, smallest at the bound: (0.5, 0.25), where df/da = -1
    # pushes a out of the box (an active bound). Block 2 like block 0, from another start.
    lower = np.array([-2.0, -2.0, -2.0, -2.0, -2.0, -2.0])
    upper = np.array([2.0, 2.0, 0.5, 2.0, 2.0, 2.0])
    x0 = np.array([-1.2, 1.0, -1.2, 1.0, 1.5, -1.0])
    calls = []

    def fun(x):
        calls.append(x.copy())
        return _rosenbrock_blocks(x)

    items, message = _run(lbfgsb_iterations(fun, x0, lower, upper, max_iterations=300,
                                            engine="tf"))  # fmt: skip
    assert message.startswith("CONVERGENCE")  # stopped by a stationarity test, not the limit
    np.testing.assert_allclose(items[-1][1], [1, 1, 0.5, 0.25, 1, 1], rtol=0, atol=1e-6)
    assert items[-1][2] == pytest.approx(0.25, abs=1e-10)
    for x in calls:
        assert np.all(x >= lower) and np.all(x <= upper)


def _box_quadratic(n: int, seed: int):
    """f = 1/2 (x - c)^T A (x - c), A SPD with coupling (condition ~100), c partly outside."""
    rng = np.random.RandomState(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    a = q @ np.diag(np.logspace(0, 2, n)) @ q.T
    c = rng.uniform(-0.5, 1.5, size=n)

    def fun(x):
        r = x - c
        f = 0.5 * float(r @ a @ r)
        return f, a @ r, f

    return fun


def test_tf_engine_box_quadratic_satisfies_kkt_and_matches_scipy():
    # KKT of min f over [0, 1]^n: the projected gradient is 0, i.e. g_i = 0 for a free x_i,
    # g_i >= 0 at x_i = 0 and g_i <= 0 at x_i = 1 (the minimiser is unique: A is SPD).
    n = 30
    fun = _box_quadratic(n, seed=4)
    items, message = _run(lbfgsb_iterations(fun, np.full(n, 0.5), 0.0, 1.0, max_iterations=500,
                                            engine="tf"))  # fmt: skip
    x = items[-1][1]
    g = fun(x)[1]
    assert message.startswith("CONVERGENCE")
    at_lower, at_upper = x == 0.0, x == 1.0
    assert at_lower.sum() >= 3 and at_upper.sum() >= 3  # bounds really are active
    assert np.all(g[at_lower] >= -1e-8) and np.all(g[at_upper] <= 1e-8)
    np.testing.assert_allclose(g[~at_lower & ~at_upper], 0.0, atol=1e-6)
    reference, _ = _run(lbfgsb_iterations(fun, np.full(n, 0.5), 0.0, 1.0, max_iterations=500,
                                          engine="minimize"))  # fmt: skip
    np.testing.assert_allclose(x, reference[-1][1], rtol=0, atol=1e-6)


def test_tf_engine_active_set_holds_outward_variables_exactly():
    # x_0 starts on its lower bound with the gradient pushing outwards: it must never move.
    # x_1 starts on its upper bound with the gradient pointing inwards: it must leave it.
    center = np.array([-3.0, 0.2, 0.7, 2.0])
    fun, calls = _quadratic(center, np.array([1.0, 4.0, 9.0, 2.0]))
    x0 = np.array([0.0, 1.0, 0.5, 0.5])
    items, _ = _run(lbfgsb_iterations(fun, x0, 0.0, 1.0, max_iterations=20, engine="tf"))
    assert all(x[0] == 0.0 for x in calls)
    assert any(x[1] < 1.0 for x in calls)
    np.testing.assert_allclose(items[-1][1], [0.0, 0.2, 0.7, 1.0], rtol=0, atol=1e-9)
    assert items[-1][1][3] == 1.0  # the upper bound is reached exactly, not approximately


@pytest.mark.parametrize("dtype", [tf.float64, tf.float32])
def test_tf_engine_keeps_general_bounds_exactly_in_both_precisions(dtype):
    # bounds that float32 cannot represent (0.1, 0.7): the iterates handed over stay inside
    rng = np.random.RandomState(5)
    center = rng.uniform(-1, 2, size=40)
    fun, calls = _quadratic(center, rng.uniform(1, 30, size=40))
    lower, upper = np.full(40, 0.1), np.linspace(0.7, 1.3, 40)
    items, _ = _run(tf_lbfgs_iterations(fun, np.full(40, 0.4), lower, upper, max_iterations=30,
                                        dtype=dtype))  # fmt: skip
    for x in calls:
        assert x.dtype == np.float64 and np.all(x >= lower) and np.all(x <= upper)
    np.testing.assert_allclose(items[-1][1], np.clip(center, lower, upper), rtol=0, atol=1e-5)


def test_tf_engine_is_deterministic():
    fun = _box_quadratic(25, seed=6)
    runs = [_run(lbfgsb_iterations(fun, np.full(25, 0.3), 0.0, 1.0, max_iterations=15,
                                   engine="tf")) for _ in range(2)]  # fmt: skip
    (items_a, message_a), (items_b, message_b) = runs
    assert message_a == message_b and len(items_a) == len(items_b)
    for (k_a, x_a, f_a), (k_b, x_b, f_b) in zip(items_a, items_b, strict=True):
        assert k_a == k_b and f_a == f_b
        np.testing.assert_array_equal(x_a, x_b)


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_share_the_interface(engine):
    # the same yields (iteration, float64 (n,) copy, info of exactly that x), the same stop
    # message at the iteration limit, at least one evaluation per yield, and the evaluation
    # limit (max_iterations + 1) (maxls + 1) is never passed by more than one line search
    fun, calls = _quadratic(np.linspace(-1, 2, 12), np.linspace(1, 20, 12))
    items, message = _run(
        lbfgsb_iterations(fun, np.zeros(12), 0.0, 1.0, max_iterations=4, maxls=5, engine=engine)
    )
    assert message == "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
    assert [k for k, _, _ in items] == [0, 1, 2, 3, 4]
    for _, x, info in items:
        assert x.dtype == np.float64 and x.shape == (12,)
        assert any(np.array_equal(x, c) for c in calls)  # an evaluated point, not a new one
        assert info == ("value", fun(x)[0])
    assert len(items) <= len(calls) <= 5 * 6 + 5
    items[1][1][:] = 99.0  # a copy: changing it changes nothing in the run
    assert not np.any(items[2][1] == 99.0)


def _style_losses(weights, content, style, engine: str, monkeypatch, **settings) -> list[float]:
    """Total loss per iteration of `nst.stylize` with L-BFGS forced to `engine`."""
    monkeypatch.setattr(
        nst.optimize, "lbfgsb_iterations", functools.partial(lbfgsb_iterations, engine=engine)
    )
    steps = nst.optimize.stylize(content, style, weights=weights, optimizer="lbfgs", **settings)
    return [step.losses["total"] for step in steps]


@pytest.mark.parametrize("init", ["content", "content+noise"])
def test_tf_engine_matches_scipy_on_the_tiny_style_objective(
    tiny_weights, content32, style32, monkeypatch, init
):
    # Measured (32 px, 60 iterations, tiny network): final-loss ratio tf / scipy 0.83 from
    # the content image and 1.25 from content+noise (0.91 from noise). The two engines take
    # the same first 5 iterates here to 3 digits, then the trajectories of two L-BFGS variants
    # on this non-convex loss drift apart by tens of % at any one iteration, either way.
    # The loss falls by 300-420x in these runs.
    settings = {"iterations": 60, "init": init, "init_noise": 30.0, "tv_weight": 1e-3}
    ours = _style_losses(tiny_weights, content32, style32, "tf", monkeypatch, **settings)
    theirs = _style_losses(tiny_weights, content32, style32, "minimize", monkeypatch, **settings)
    assert len(ours) == len(theirs) == 61
    assert ours[0] == theirs[0]
    assert ours[-1] <= 1.6 * theirs[-1]
    assert ours[0] / ours[-1] > 100


def test_auto_is_the_tf_engine():
    fun = _box_quadratic(20, seed=7)
    runs = [_run(lbfgsb_iterations(fun, np.full(20, 0.5), 0.0, 1.0, max_iterations=8,
                                   engine=engine)) for engine in ("auto", "tf")]  # fmt: skip
    (auto_items, auto_message), (tf_items, tf_message) = runs
    assert auto_message == tf_message and len(auto_items) == len(tf_items) == 9
    for (_, x_a, _), (_, x_b, _) in zip(auto_items, tf_items, strict=True):
        np.testing.assert_array_equal(x_a, x_b)


def test_shrunk_step_by_hand():
    # phi(t) = (t - 0.3)^2 (t + 1) - 0.09: phi(0) = 0, phi'(0) = -0.51, phi(1) = 0.89,
    # phi'(1) = 3.29. The cubic through these is phi itself, so t_c = 0.3 (its minimiser);
    # the quadratic gives t_q = 0.51 / (2 (0.89 + 0.51)) = 0.18214...; t_c is farther from 0,
    # so More and Thuente take the midpoint (t_c + t_q) / 2.
    from nst.lbfgs import shrunk_step

    t_q = 0.51 / 2.8
    assert shrunk_step(1.0, 0.0, 0.89, -0.51, 3.29) == pytest.approx(0.5 * (0.3 + t_q), 1e-12)
    # scaled by t = 2: the same curve stretched, phi'(0) and phi'(t) per unit t halved
    assert shrunk_step(2.0, 0.0, 0.89, -0.255, 1.645) == pytest.approx(0.3 + t_q, 1e-12)
    assert shrunk_step(1.0, 0.0, np.inf, -0.51, 3.29) == 0.1  # not finite: the smallest
    assert shrunk_step(1.0, 0.0, 1e12, -0.51, 1e12) == 0.1  # clamped to [0.1 t, 0.5 t]


def _allocator_bytes_in_use() -> int:
    try:
        return tf.config.experimental.get_memory_info("CPU:0")["current"]
    except (ValueError, tf.errors.OpError) as error:  # an allocator without statistics
        pytest.skip(f"TensorFlow's CPU allocator keeps no statistics here ({error})")


def test_tf_engine_leaves_no_n_vector_behind():
    """A finished run frees everything it allocated: nothing of size n stays with the compiled
    helpers (a folded tf.zeros_like(g) once did, per problem size, for the process's life)."""
    n = 300_000  # 2.4 MB of float64: above the size TensorFlow's pool counts
    before = _allocator_bytes_in_use()
    for n_k in (n, n + 1):  # two sizes: two traces of every helper
        x0 = np.zeros(n_k)
        run = tf_lbfgs_iterations(
            lambda x: (float(np.sum((x - 3.0) ** 2)), 2.0 * (x - 3.0), None),
            x0, 0.0, 10.0, max_iterations=3,
        )  # fmt: skip
        *_, (iteration, x, _) = run
        assert iteration >= 1 and np.allclose(x, 3.0)  # (a quadratic: done in one)
    del run, x
    assert _allocator_bytes_in_use() - before < n * 8 // 4
