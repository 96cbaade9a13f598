r"""The training loss of a feed-forward network: the project's own losses, on a batch.

`PerceptualLoss` is the loss `nst.Objective` minimises, term for term: the same
`StylizeConfig` fields (layers and their weights, alpha, beta, gamma, the conventions, the
style-layer exponent, pooling, presets), the same `nst.losses` functions and the same loss
vector keys (``total, content, style, tv, content/<layer>, style/<layer>``). What differs is
what the loss is a function of:

- `nst.Objective` fixes **one** content image when it is built (its targets P_l computed once,
  compiled) and differentiates with respect to the image;
- training sees a **new batch** of photos at every step, so the content targets P_l are the
  features of the batch itself, computed in the same compiled step as the generated images'
  features, and the gradient is taken with respect to the generator's weights.

That is why this class builds on `nst.losses` directly instead of calling `Objective` once per
photo: one network pass over the whole batch (not B passes and B retraced functions), with the
targets of the batch next to the loss that uses them. The style targets A_l are fixed, as in
`Objective`: computed once from the style image(s) (`nst.losses.style_target`, blended with
`nst.losses.blend_style_targets`). What both assemble the same way comes from `nst.objective`:
the keys (`loss_keys`), the blend weights b_k (`blend_weights`) and the vector of terms
(`loss_vector`). The TV term is written here again because its input differs: `Objective` takes
it on the optimised variable z (scaled by ``tv_pixel_scale * 255 / pixel_range``), this class
on the 0-255 images (scaled by ``tv_pixel_scale``); sharing it would change `Objective`'s
rounding.

For a batch of B generated images y_b (0-255) with content photos x_b, the loss is the mean
over the batch of the per-image `Objective` loss (`nst.losses` sum over the batch; dividing by
B keeps the learning rate independent of the batch size):

.. math:: L = \frac1B \sum_b \Big[\alpha \sum_l c_l L_c(F_l(y_b), F_l(x_b))
          + \beta \sum_l w_l E_l(F_l(y_b), \hat A_l) + \gamma\, TV(s\, y_b)\Big]

with s = ``tv_pixel_scale``. A texture network (no photos) uses ``content_weight=0``.
Lesson 12.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from nst.layer_weights import style_layer_weights
from nst.losses import blend_style_targets, content_loss, style_loss, style_target, tv_loss
from nst.objective import blend_weights, loss_keys, loss_vector
from vgg_mat.preprocessing import preprocess

__all__ = ["PerceptualLoss"]


class PerceptualLoss:
    """The batch loss of a generator: `nst.Objective`'s terms, content targets per batch.

    Parameters
    ----------
    net : vgg_mat.VGG
        The loss network (``net(x, layers) -> {name: (B, H_l, W_l, C_l)}``).
    config : StylizeConfig
        Resolved (`nst.config.resolve_config`): the loss fields as for `nst.stylize`.
    styles : sequence of (1, H_k, W_k, 3) float32 arrays or tensors
        The style image(s), 0-255, any size; blended with ``config.style_blend``.

    Attributes
    ----------
    keys : tuple of str
        The entries of the loss vector, as `nst.Objective.keys`.
    style_targets : dict of str to nst.losses.StyleTarget
    """

    def __init__(self, net, config, *, styles: Sequence):
        self.net, self.config = net, config
        self.content_layers = dict(config.content_layers)
        self.style_layers = style_layer_weights(config.style_layers, config.style_layer_weight_exp)
        self.keys = loss_keys(self.content_layers, self.style_layers)
        styles = [tf.convert_to_tensor(s, tf.float32) for s in styles]
        blend = blend_weights(config.style_blend, len(styles))
        used = [n for n, w in self.style_layers.items() if w > 0 and config.style_weight > 0]
        own: dict[str, list] = {name: [] for name in used}
        for style in styles if used else ():
            features = net(preprocess(style, net.weights), used)
            for name in used:
                own[name].append(style_target(features[name]))
        self.style_targets = {n: blend_style_targets(t, blend) for n, t in own.items()}

    def __call__(self, images: tf.Tensor, contents: tf.Tensor | None = None) -> tf.Tensor:
        """The loss vector (len(keys),) of generated `images` (B, H, W, 3), 0-255.

        `contents` (B, H, W, 3), 0-255, are the photos the images were made from (None for a
        texture network: then the config must have no content term).
        """
        c = self.config
        alpha, beta, gamma = c.content_weight, c.style_weight, c.tv_weight
        content_used = [n for n, w in self.content_layers.items() if w > 0 and alpha > 0]
        if content_used and contents is None:
            raise ValueError("this loss has a content term: pass the content photos")
        layers = list(dict.fromkeys([*content_used, *self.style_targets]))
        batch = tf.cast(tf.shape(images)[0], images.dtype)
        features = self.net(preprocess(images, self.net.weights), layers) if layers else {}
        targets = {}
        if content_used:
            targets = self.net(preprocess(contents, self.net.weights), content_used)  # P_l
        positions = images.shape[1] * images.shape[2]  # M_img, for keras-example
        zero = tf.zeros((), images.dtype)
        content_terms = [
            alpha
            * w
            * content_loss(
                features[name], tf.stop_gradient(targets[name]), convention=c.content_convention
            )
            / batch
            if name in targets
            else zero
            for name, w in self.content_layers.items()
        ]
        style_terms = [
            beta
            * w
            * style_loss(
                features[name],
                self.style_targets[name],
                convention=c.style_convention,
                image_positions=positions,
            )
            / batch
            if name in self.style_targets
            else zero
            for name, w in self.style_layers.items()
        ]
        tv = zero
        if gamma > 0:
            scale = c.tv_pixel_scale
            tv = gamma * tv_loss(images * scale if scale != 1.0 else images, kind=c.tv_kind) / batch
        return loss_vector(content_terms, style_terms, tv, zero)
