r"""The loss of one stylisation as a compiled function: targets once, then f(z) and df/dz.

`Objective` holds a network and the fixed targets of one run:

- the content targets P_l (activations of the content image) and the style targets
  :math:`\hat A_l = \sum_k b_k A_{k,l} / M_{k,l}` (blended per-position Grams of the style
  images, `nst.losses.style_target`), computed **once**, inside one `tf.function`, so no eager
  intermediate activations stay alive (about half the peak memory of an eager computation);
- one compiled `value_and_grad(z)` that runs the network **once** on the generated image (every
  content and style layer in one call, up to the deepest) and returns every loss term in one small
  vector together with the gradient.

The optimised variable z is the image on the preset's pixel scale, shape (1, H, W, 3):
``z = image_0_255 * pixel_range / 255`` (z is the 0-255 image itself for our Caffe-scale
presets, and the [0, 1] image of the TF tutorial). The network sees
``x = z * 255 / pixel_range - mean``. The box is 0 <= z <= pixel_range.

Lesson L9.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import tensorflow as tf

from nst.choices import LOSS_TERMS
from nst.losses import content_loss, style_loss, style_target, tv_loss

#: The first four entries of `Objective.keys`; per-layer keys follow.
TERMS = LOSS_TERMS


class Objective:
    r"""alpha sum_l c_l L_c,l + beta sum_l w_l E_l + gamma TV, with fixed targets, compiled.

    Parameters
    ----------
    net : callable ``net(x, layers) -> {name: (1, H_l, W_l, C_l) tensor}``
        The network (a `vgg_mat.VGG`) on preprocessed input.
    content : (1, H, W, 3) float32 array or tensor
        The content image on the 0-255 scale (its size is the output size).
    styles : sequence of (1, H_k, W_k, 3) float32 arrays or tensors
        Style images on the 0-255 scale, any sizes.
    blend : sequence of float
        b_k, one weight per style image, summing to 1.
    mean : (3,) array
        The network's mean pixel (RGB, 0-255).
    content_layers, style_layers : mapping of str to float
        c_l and w_l by (file) layer name.
    content_weight, style_weight, tv_weight : float
        alpha, beta, gamma.
    content_convention, style_convention, tv_kind : str
        Passed to `nst.losses.content_loss`, `style_loss`, `tv_loss`.
    pixel_range : float
        The largest value of z (255 or 1); see the module docstring.
    tv_pixel_scale : float
        TV is computed on ``tv_pixel_scale * image_0_255``.
    style_masks : sequence of ((H, W) array or None), optional
        One mask per style image at the content's size (None = the whole image). Given, each
        style has its own target and its term is taken on guided Grams (`nst.masks`):
        ``style/l`` = beta w_l sum_k omega_k E(G_k,l, A_k,l), omega from
        `nst.masks.region_weights` (the blend weights times the masks' areas).

    Attributes
    ----------
    keys : tuple of str
        Names of the entries of the loss vector: ``total, content, style, tv``, then
        ``content/<layer>`` and ``style/<layer>`` for each layer.
    content_targets : dict of str to (1, H_l, W_l, C_l) tf.Tensor
        P_l.
    style_targets : dict of str to (C_l, C_l) tf.Tensor
        The blended per-position Grams :math:`\hat A_l` (with `style_masks`: a list of each
        style image's own target per layer).

    Notes
    -----
    Every entry is weighted: ``content/l`` = alpha c_l L_c(F_l, P_l), ``style/l`` =
    beta w_l E(F_l, A_l), ``tv`` = gamma TV, ``content`` and ``style`` their sums, ``total`` =
    content + style + tv. Terms with a zero weight are not computed (reported as 0).
    """

    def __init__(
        self,
        net,
        *,
        content,
        styles: Sequence,
        blend: Sequence[float],
        mean,
        content_layers: Mapping[str, float],
        style_layers: Mapping[str, float],
        content_weight: float,
        style_weight: float,
        tv_weight: float,
        content_convention: str,
        style_convention: str,
        tv_kind: str,
        pixel_range: float,
        tv_pixel_scale: float,
        style_masks: Sequence | None = None,
    ):
        self.net = net
        self.content_layers = dict(content_layers)
        self.style_layers = dict(style_layers)
        self.weights = (float(content_weight), float(style_weight), float(tv_weight))
        self.conventions = (content_convention, style_convention, tv_kind)
        self.pixel_range = float(pixel_range)
        self.tv_pixel_scale = float(tv_pixel_scale)
        self.mean = tf.constant(np.asarray(mean, dtype=np.float32).reshape(3))
        self.keys = (
            *TERMS,
            *(f"content/{name}" for name in self.content_layers),
            *(f"style/{name}" for name in self.style_layers),
        )
        content = tf.convert_to_tensor(content, tf.float32)
        self.shape = tuple(content.shape)  # (1, H, W, 3)
        self._layers = list(dict.fromkeys([*self.content_layers, *self.style_layers]))
        styles = tuple(tf.convert_to_tensor(s, tf.float32) for s in styles)
        self._masks = None  # guided Grams: (omega_k, [{layer: (H_l, W_l) mask} or None])
        if style_masks is not None:
            from nst.masks import masks_by_layer, region_weights

            omega = region_weights(style_masks, blend)
            self._masks = (omega, masks_by_layer(net, style_masks, list(self.style_layers)))
        self.content_targets, self.style_targets = self._targets(
            content, styles, tuple(float(b) for b in blend)
        )

        # fresh closures per instance: TF's retracing detector keys on the Python function, so
        # compiling the bound methods directly warns when a program builds several Objectives
        def value_and_grad(z: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            return self._value_and_grad(z)

        def values(z: tf.Tensor) -> tf.Tensor:
            return self._values(z)

        # autograph=False: no tensor-dependent Python control flow here, only loops over layers
        self.value_and_grad = tf.function(value_and_grad, autograph=False)
        self.values = tf.function(values, autograph=False)

    # targets, once ---------------------------------------------------------------------------

    def _targets(self, content, styles, blend):
        """P_l and the blended style targets, computed in one compiled call."""
        content_layers = list(self.content_layers) if self.weights[0] > 0 else []
        style_layers = list(self.style_layers) if self.weights[1] > 0 else []
        guided = self._masks is not None

        @tf.function(autograph=False)
        def targets(content, styles):
            p = {}
            if content_layers:
                p = dict(self.net(content - self.mean, content_layers))  # P_l
            a = {}
            if style_layers:
                for b, style in zip(blend, styles, strict=True):
                    features = self.net(style - self.mean, style_layers)
                    for name in style_layers:
                        if guided:  # each style keeps its own A_k / M_k
                            a.setdefault(name, []).append(style_target(features[name])[0])
                            continue
                        term = b * style_target(features[name])[0]  # b_k A_k / M_k, (C, C)
                        a[name] = term if name not in a else a[name] + term
            return p, a

        return targets(content, styles)

    # the loss -------------------------------------------------------------------------------

    def _values(self, z: tf.Tensor) -> tf.Tensor:
        """The loss vector (len(keys),) at z (1, H, W, 3); the network runs once."""
        alpha, beta, gamma = self.weights
        content_convention, style_convention, tv_kind = self.conventions
        x = z * (255.0 / self.pixel_range) - self.mean  # network input (1, H, W, 3)
        layers = [name for name in self._layers if self._needed(name)]
        features = self.net(x, layers) if layers else {}
        zero = tf.zeros((), z.dtype)
        content_terms = [
            alpha * c * content_loss(features[name], self.content_targets[name],
                                     convention=content_convention)
            if alpha > 0 and c > 0 else zero
            for name, c in self.content_layers.items()
        ]  # fmt: skip
        positions = self.shape[1] * self.shape[2]  # M_img, for the keras-example convention
        style_terms = [
            beta * w * self._style_term(name, features[name], style_convention, positions)
            if beta > 0 and w > 0 else zero
            for name, w in self.style_layers.items()
        ]  # fmt: skip
        tv = zero
        if gamma > 0:
            ratio = self.tv_pixel_scale * 255.0 / self.pixel_range  # z -> TV's pixel scale
            tv = gamma * tv_loss(z * ratio if ratio != 1.0 else z, kind=tv_kind)
        content = tf.add_n([zero, *content_terms])
        style = tf.add_n([zero, *style_terms])
        total = content + style + tv
        return tf.stack([total, content, style, tv, *content_terms, *style_terms])

    def _style_term(self, name: str, features, convention: str, positions: int) -> tf.Tensor:
        """E(F_l, A_l) in the convention; with masks, the guided sum over the styles."""
        if self._masks is None:
            return style_loss(features, self.style_targets[name], convention=convention,
                              image_positions=positions)  # fmt: skip
        from nst.masks import guided_style_loss

        omega, masks = self._masks
        layer_masks = [None if m is None else m[name] for m in masks]
        return guided_style_loss(features, self.style_targets[name], layer_masks, omega,
                                 convention=convention, image_positions=positions)  # fmt: skip

    def _needed(self, name: str) -> bool:
        alpha, beta, _ = self.weights
        return (alpha > 0 and self.content_layers.get(name, 0) > 0) or (
            beta > 0 and self.style_layers.get(name, 0) > 0
        )

    def _value_and_grad(self, z: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """(loss vector (K,), d total / dz (1, H, W, 3)) at z."""
        with tf.GradientTape() as tape:
            tape.watch(z)
            values = self._values(z)
            total = values[0]  # sliced inside the tape, or the slice is not recorded
        gradient = tape.gradient(total, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return values, gradient
