r"""Adam's update on tensors, followed by the projection onto a box.

`adam_update` is one step of Adam in Keras' form (the TensorFlow tutorial's optimiser). It is
pure (state in, state out), so it runs inside the caller's compiled step with no Python or numpy
round trip; `nst.stylize` calls it once per iteration.

Reference: Kingma and Ba, "Adam" (2015), section 2 (the epsilon-hat form below). Lesson L9.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["adam_update"]


def adam_update(
    x: tf.Tensor,
    gradient: tf.Tensor,
    m: tf.Tensor,
    v: tf.Tensor,
    t: tf.Tensor,
    *,
    learning_rate: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-7,
    lower: tf.Tensor | float | None = None,
    upper: tf.Tensor | float | None = None,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    r"""One Adam step (Keras' form), then projection onto the box [lower, upper].

    Parameters
    ----------
    x, gradient, m, v : tf.Tensor, all of one shape (e.g. (1, H, W, 3)) and float dtype
        The parameters, df/dx at `x`, and the first and second moment estimates (zeros at the
        start).
    t : () tf.Tensor
        The step number, 1 for the first step (same float dtype as `x`).
    learning_rate, beta1, beta2, epsilon : float
        Adam's hyperparameters. Keras' defaults are (0.001, 0.9, 0.999, 1e-7); the TensorFlow
        style-transfer tutorial uses (0.02, 0.99, 0.999, 0.1).
    lower, upper : tensor broadcastable to `x`, float, or None
        The box; None leaves that side open.

    Returns
    -------
    x, m, v : tf.Tensor
        The new parameters (inside the box) and moments, same shapes as the inputs.

    Notes
    -----
    With g the gradient,

    .. math::

        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g^2,

        \hat\alpha_t = \eta \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}, \qquad
        x_t = \Pi_{[lo, hi]}\!\left(x_{t-1} - \hat\alpha_t \frac{m_t}{\sqrt{v_t} + \hat\epsilon}
        \right).

    This is Kingma and Ba's "epsilon-hat" form, the one ``tf.keras.optimizers.Adam`` computes:
    epsilon is added to the **un-bias-corrected** :math:`\sqrt{v_t}`, so it acts
    :math:`\sqrt{1-\beta_2^t}` times more strongly than in the paper's Algorithm 1 early on. Adam
    is invariant to the scale of the loss only while epsilon is small against
    :math:`\sqrt{v_t}`; the TF tutorial's epsilon = 0.1 (on a [0, 1] image) deliberately breaks
    that, which is why its weights behave unlike other Adam setups (curriculum, L9).
    :math:`\Pi` clips each element to the box (the projection of the TF tutorial's ``clip_0_1``).
    """
    m = beta1 * m + (1.0 - beta1) * gradient  # m_t
    v = beta2 * v + (1.0 - beta2) * tf.square(gradient)  # v_t
    alpha = learning_rate * tf.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)  # alpha-hat_t
    x = x - alpha * m / (tf.sqrt(v) + epsilon)
    if lower is not None:
        x = tf.maximum(x, lower)
    if upper is not None:
        x = tf.minimum(x, upper)
    return x, m, v
