r"""Where L-BFGS-B's time goes, away from the network: scipy's iteration vs the bare algebra.

`lbfgs_costs` minimises a cheap separable quadratic with as many variables as an image
(``n = 3 H W``) in the unit box, so nearly all the time is the optimiser's own, and reports per
iteration:

- ``scipy_box``: ``scipy.optimize.minimize(method="L-BFGS-B")`` with the box, as
  `nst.optimizers.lbfgsb_iterations` calls it (``maxcor=10``);
- ``scipy_free``: the same without bounds (the Cauchy-point / subspace work for the box gone);
- ``numpy_two_loop``: the algebra an L-BFGS iteration needs - the two-loop recursion over
  ``m = 10`` pairs (about ``4 m n`` multiply-adds), a projection onto the box and the pair
  update - in float64 numpy;
- ``tf_two_loop``: the same in float32 inside one ``tf.function`` (what a TF-native projected
  L-BFGS would pay per iteration, with no float64 conversions and no host round trip);
- ``bounds_setup``: the one-off cost of ``minimize``'s bounds handling (scipy turns the
  ``Bounds`` arrays into a Python list of n pairs and back, in Python loops).

The quadratic's gradient costs one fused numpy expression, included in every variant alike.

Notes
-----
Two-loop recursion (Nocedal and Wright, Algorithm 7.4), with pairs :math:`s_i = x_{i+1} - x_i`,
:math:`y_i = g_{i+1} - g_i`, :math:`\rho_i = 1 / y_i^T s_i`:

.. math:: q \leftarrow g;\ \alpha_i = \rho_i s_i^T q,\ q \leftarrow q - \alpha_i y_i
          \ (i = k-1 \dots k-m);\ r \leftarrow \gamma q;\
          \beta = \rho_i y_i^T r,\ r \leftarrow r + s_i (\alpha_i - \beta)\ (i = k-m \dots k-1)

and the step :math:`x \leftarrow \Pi_{[0,1]}(x - r)`.
"""

from __future__ import annotations

import time

import numpy as np


def _quadratic(n: int):
    rng = np.random.default_rng(0)
    target = rng.random(n) * 1.4 - 0.2  # some optima outside the box: active bounds
    curvature = rng.random(n) + 0.5

    def fun(x):
        r = x - target
        return float(0.5 * (curvature * r * r).sum()), curvature * r

    return fun


def _per_iteration(stamps: list[float]) -> float:
    return float(np.median(np.diff(stamps))) if len(stamps) > 2 else float("nan")


def lbfgs_costs(n: int, iterations: int = 12, m: int = 10) -> dict[str, float]:
    """Seconds per iteration of each variant (see the module docstring) for n variables."""
    import scipy.optimize
    import tensorflow as tf

    fun = _quadratic(n)
    x0 = np.full(n, 0.5)
    out: dict[str, float] = {}
    options = {"maxiter": iterations, "maxcor": m, "ftol": 0.0, "gtol": 0.0}
    for label, bounds in (
        ("scipy_box", scipy.optimize.Bounds(np.zeros(n), np.ones(n))),
        ("scipy_free", None),
    ):
        stamps: list[float] = []
        start = time.perf_counter()
        scipy.optimize.minimize(
            fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=options,
            callback=lambda _r, stamps=stamps: stamps.append(time.perf_counter()),
        )  # fmt: skip
        out[label] = _per_iteration(stamps)
        if label == "scipy_box":
            out["bounds_setup"] = (stamps[0] - start) - out[label] if stamps else float("nan")

    rng = np.random.default_rng(1)
    s_pairs = rng.standard_normal((m, n))
    y_pairs = s_pairs * (1.0 + rng.random((m, n)))
    rho = 1.0 / np.einsum("ij,ij->i", y_pairs, s_pairs)

    def numpy_iteration(x):
        _, g = fun(x)
        q = g.copy()
        alpha = np.empty(m)
        for i in range(m - 1, -1, -1):
            alpha[i] = rho[i] * (s_pairs[i] @ q)
            q -= alpha[i] * y_pairs[i]
        r = q * ((s_pairs[-1] @ y_pairs[-1]) / (y_pairs[-1] @ y_pairs[-1]))
        for i in range(m):
            beta = rho[i] * (y_pairs[i] @ r)
            r += s_pairs[i] * (alpha[i] - beta)
        x_new = np.clip(x - 1e-3 * r, 0.0, 1.0)
        s_pairs[:-1], y_pairs[:-1] = s_pairs[1:], y_pairs[1:]  # shift in the new pair
        s_pairs[-1], y_pairs[-1] = x_new - x, fun(x_new)[1] - g
        return x_new

    stamps = []
    x = x0.copy()
    for _ in range(iterations):
        x = numpy_iteration(x)
        stamps.append(time.perf_counter())
    out["numpy_two_loop"] = _per_iteration(stamps)

    s_tf = tf.constant(s_pairs, tf.float32)
    y_tf = tf.constant(y_pairs, tf.float32)
    rho_tf = tf.constant(rho, tf.float32)
    target = tf.constant(np.random.default_rng(0).random(n) * 1.4 - 0.2, tf.float32)
    curvature = tf.constant(np.random.default_rng(0).random(n) + 0.5, tf.float32)

    @tf.function
    def tf_iteration(x, s, y, rho):
        g = curvature * (x - target)
        q = g
        alphas = []
        for i in range(m - 1, -1, -1):
            a = rho[i] * tf.tensordot(s[i], q, 1)
            q = q - a * y[i]
            alphas.append(a)
        alphas = alphas[::-1]
        r = q * (tf.tensordot(s[-1], y[-1], 1) / tf.tensordot(y[-1], y[-1], 1))
        for i in range(m):
            beta = rho[i] * tf.tensordot(y[i], r, 1)
            r = r + s[i] * (alphas[i] - beta)
        x_new = tf.clip_by_value(x - 1e-3 * r, 0.0, 1.0)
        g_new = curvature * (x_new - target)
        s = tf.concat([s[1:], (x_new - x)[None]], 0)
        y = tf.concat([y[1:], (g_new - g)[None]], 0)
        return x_new, s, y

    x = tf.constant(x0, tf.float32)
    x, s_tf, y_tf = tf_iteration(x, s_tf, y_tf, rho_tf)  # trace
    stamps = []
    for _ in range(iterations):
        x, s_tf, y_tf = tf_iteration(x, s_tf, y_tf, rho_tf)
        x.numpy()[:1]
        stamps.append(time.perf_counter())
    out["tf_two_loop"] = _per_iteration(stamps)
    return out
