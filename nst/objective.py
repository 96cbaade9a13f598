r"""The loss of one stylisation as a compiled function: targets once, then f(z) and df/dz.

`Objective` holds a network, the run's loss specification (the resolved `StylizeConfig`: layers,
weights, conventions, pixel scale, style blend) and the fixed targets of the run:

- the content targets P_l (activations of the content image) and the style targets
  :math:`\hat A_l = \sum_k b_k A_{k,l} / M_{k,l}` (blended per-position Grams of the style
  images, `nst.losses.style_target`), computed **once**, inside one `tf.function`, so no eager
  intermediate activations stay alive (about half the peak memory of an eager computation);
- one compiled `Objective.value_and_grad` that runs the network **once** on the generated image
  (every content and style layer in one call, up to the deepest) and returns every loss term in
  one small vector together with the gradient.

The optimised variable z is the image on the preset's pixel scale, shape (1, H, W, 3):
``z = image_0_255 * pixel_range / 255`` (`image_to_variable`; z is the 0-255 image itself for
our Caffe-scale presets, and the [0, 1] image of the TF tutorial); `variable_to_image` goes
back. The network sees ``vgg_mat.preprocess(variable_to_image(z))``, the image minus the mean
pixel. The box is 0 <= z <= pixel_range.

Lesson L9.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from nst.choices import LOSS_TERMS
from nst.layer_weights import style_layer_weights
from nst.losses import blend_style_targets, content_loss, style_loss, style_target, tv_loss
from vgg_mat.preprocessing import preprocess

__all__ = [
    "TERMS",
    "Objective",
    "blend_weights",
    "image_to_variable",
    "loss_keys",
    "loss_vector",
    "variable_to_image",
]

#: The first four entries of `Objective.keys`; per-layer keys follow.
TERMS = LOSS_TERMS


def loss_keys(content_layers, style_layers) -> tuple[str, ...]:
    """The names of a loss vector's entries: `TERMS`, then one per content and style layer.

    >>> loss_keys({"relu4_2": 1.0}, {"relu1_1": 0.5})
    ('total', 'content', 'style', 'tv', 'content/relu4_2', 'style/relu1_1')
    """
    return (
        *TERMS,
        *(f"content/{name}" for name in content_layers),
        *(f"style/{name}" for name in style_layers),
    )


def blend_weights(style_blend, count: int) -> tuple[float, ...]:
    """b_k, the weights of `count` style images, normalised to sum 1 (None: equal weights).

    >>> blend_weights((3.0, 1.0), 2), blend_weights(None, 2)
    ((0.75, 0.25), (0.5, 0.5))
    """
    blend = (style_blend or (1.0,) * count)[:count]
    return tuple(float(b / sum(blend)) for b in blend)


def loss_vector(content_terms, style_terms, tv, zero) -> tf.Tensor:
    """The loss vector in `loss_keys` order from the weighted terms (scalars each).

    ``[total, content, style, tv, *content_terms, *style_terms]`` with content and style the
    sums of their terms (`zero` started, so an empty list gives 0) and total = content + style
    + tv.
    """
    content = tf.add_n([zero, *content_terms])
    style = tf.add_n([zero, *style_terms])
    total = content + style + tv
    return tf.stack([total, content, style, tv, *content_terms, *style_terms])


def image_to_variable(image, pixel_range: float):
    """The optimised variable of an image: ``z = x * pixel_range / 255``.

    Parameters
    ----------
    image : ndarray or tf.Tensor
        x, RGB on the 0-255 scale (any shape; float32 stays float32).
    pixel_range : float
        The largest value of z: 255 (Caffe scale) or 1 (the TF tutorial's [0, 1] images).

    Examples
    --------
    >>> import numpy as np
    >>> image_to_variable(np.array([0.0, 51.0, 255.0]), 1.0).round(6).tolist()
    [0.0, 0.2, 1.0]
    """
    return image * (pixel_range / 255.0)


def variable_to_image(z, pixel_range: float):
    """The image of an optimised variable: ``x = z * 255 / pixel_range`` (0-255 scale).

    >>> import numpy as np
    >>> variable_to_image(np.array([0.0, 0.2, 1.0]), 1.0).tolist()
    [0.0, 51.0, 255.0]
    """
    return z * (255.0 / pixel_range)


class Objective:
    r"""alpha sum_l c_l L_c,l + beta sum_l w_l E_l + gamma TV, with fixed targets, compiled.

    Parameters
    ----------
    net : vgg_mat.VGG
        The network, ``net(x, layers) -> {name: (1, H_l, W_l, C_l) tensor}`` on preprocessed
        input; its ``weights.mean_rgb`` is the mean pixel.
    config : StylizeConfig
        The loss specification, resolved (`nst.config.resolve_config`): ``content_layers`` c_l
        and ``style_layers`` w_l (the latter scaled by ``style_layer_weight_exp``,
        `nst.layer_weights`), ``content_weight``, ``style_weight``, ``tv_weight`` (alpha, beta,
        gamma), ``content_convention``, ``style_convention``, ``tv_kind`` (for
        `nst.losses.content_loss`, `style_loss`, `tv_loss`), ``pixel_range``,
        ``tv_pixel_scale`` (TV is taken on ``tv_pixel_scale * image_0_255``) and
        ``style_blend`` b_k (normalised to sum 1; None: equal weights).
    content : (1, H, W, 3) float32 array or tensor
        The content image on the 0-255 scale (its size is the output size).
    styles : sequence of (1, H_k, W_k, 3) float32 arrays or tensors
        Style images on the 0-255 scale, any sizes.
    Attributes
    ----------
    keys : tuple of str
        Names of the entries of the loss vector: ``total, content, style, tv``, then
        ``content/<layer>`` and ``style/<layer>`` for each layer.
    content_targets : dict of str to (1, H_l, W_l, C_l) tf.Tensor
        P_l.
    style_targets : dict of str to nst.losses.StyleTarget
        The blended per-position Grams :math:`\hat A_l` (`combine_style_targets`).

    Notes
    -----
    Every entry is weighted: ``content/l`` = alpha c_l L_c(F_l, P_l), ``style/l`` =
    beta w_l E(F_l, A_l), ``tv`` = gamma TV, ``content`` and ``style`` their sums, ``total`` =
    content + style + tv. Terms with a zero weight are not computed (reported as 0).

    `values` and `value_and_grad` are compiled per instance (``tf.function``); their source,
    below, is the loss as written. `combine_style_targets` and `style_term` are the two places
    a variant changes (`nst.masks.MaskedObjective` keeps each style's own target and takes the
    style term on guided Grams).
    """

    def __init__(self, net, config, *, content, styles: Sequence):
        self.net = net
        self.config = config
        self.content_layers = dict(config.content_layers)
        self.style_layers = style_layer_weights(config.style_layers, config.style_layer_weight_exp)
        self.keys = loss_keys(self.content_layers, self.style_layers)
        content = tf.convert_to_tensor(content, tf.float32)
        self.shape = tuple(content.shape)  # (1, H, W, 3)
        styles = tuple(tf.convert_to_tensor(s, tf.float32) for s in styles)
        self.blend = blend_weights(config.style_blend, len(styles))  # b_k, summing to 1
        self.content_targets, self.style_targets = self._targets(content, styles)

        # compiled per instance, from fresh closures (TF's retracing detector keys on the Python
        # function, so compiling the methods themselves warns when a program builds several)
        def value_and_grad(z: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            return Objective.value_and_grad(self, z)

        def values(z: tf.Tensor) -> tf.Tensor:
            return Objective.values(self, z)

        # autograph=False: no tensor-dependent Python control flow here, only loops over layers
        self.value_and_grad = tf.function(value_and_grad, autograph=False)
        self.values = tf.function(values, autograph=False)

    # targets, once ---------------------------------------------------------------------------

    def _targets(self, content, styles):
        """P_l and the style targets, computed in one compiled call."""
        config = self.config
        content_layers = [name for name, w in self.content_layers.items() if w > 0]
        content_layers = content_layers if config.content_weight > 0 else []
        style_layers = [name for name, w in self.style_layers.items() if w > 0]
        style_layers = style_layers if config.style_weight > 0 and styles else []

        @tf.function(autograph=False)
        def targets(content, styles):
            p = {}
            if content_layers:
                p = dict(self.net(preprocess(content, self.net.weights), content_layers))  # P_l
            own = {name: [] for name in style_layers}  # A_k,l / M_k,l of each style image
            for style in styles if style_layers else ():
                features = self.net(preprocess(style, self.net.weights), style_layers)
                for name in style_layers:
                    own[name].append(style_target(features[name]))
            return p, self.combine_style_targets(own)

        return targets(content, styles)

    def combine_style_targets(self, own: dict) -> dict:
        r"""\hat A_l = sum_k b_k \hat A_{k,l}: one target per layer from each style's own."""
        return {name: blend_style_targets(targets, self.blend) for name, targets in own.items()}

    # the loss -------------------------------------------------------------------------------

    def values(self, z: tf.Tensor) -> tf.Tensor:
        """The loss vector (len(keys),) at z (1, H, W, 3); the network runs once."""
        c = self.config
        alpha, beta, gamma = c.content_weight, c.style_weight, c.tv_weight
        x = preprocess(variable_to_image(z, c.pixel_range), self.net.weights)  # network input
        layers = [name for name in dict.fromkeys([*self.content_layers, *self.style_layers])
                  if self._needed(name)]  # fmt: skip
        features = self.net(x, layers) if layers else {}
        zero = tf.zeros((), z.dtype)
        content_terms = [
            alpha * w * content_loss(features[name], self.content_targets[name],
                                     convention=c.content_convention)
            if alpha > 0 and w > 0 else zero
            for name, w in self.content_layers.items()
        ]  # fmt: skip
        style_terms = [
            beta * w * self.style_term(name, features[name])
            if beta > 0 and w > 0 else zero
            for name, w in self.style_layers.items()
        ]  # fmt: skip
        tv = zero
        if gamma > 0:
            ratio = c.tv_pixel_scale * 255.0 / c.pixel_range  # z -> TV's pixel scale
            tv = gamma * tv_loss(z * ratio if ratio != 1.0 else z, kind=c.tv_kind)
        return loss_vector(content_terms, style_terms, tv, zero)

    def value_and_grad(self, z: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """(loss vector (K,), d total / dz (1, H, W, 3)) at z."""
        with tf.GradientTape() as tape:
            tape.watch(z)
            values = Objective.values(self, z)
            total = values[0]  # sliced inside the tape, or the slice is not recorded
        gradient = tape.gradient(total, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return values, gradient

    def style_term(self, name: str, features) -> tf.Tensor:
        """E(F_l, A_l) of layer `name` in the run's convention (before beta w_l)."""
        positions = self.shape[1] * self.shape[2]  # M_img, for the keras-example convention
        return style_loss(features, self.style_targets[name],
                          convention=self.config.style_convention,
                          image_positions=positions)  # fmt: skip

    def _needed(self, name: str) -> bool:
        c = self.config
        return (c.content_weight > 0 and self.content_layers.get(name, 0) > 0) or (
            c.style_weight > 0 and self.style_layers.get(name, 0) > 0
        )
