r"""Spatial control: masks that give each style image its own region of the output.

Gatys, Ecker, Bethge, Hertzmann, Shechtman (2017), "Controlling Perceptual Factors in Neural
Style Transfer", section 4: *guided Gram matrices*. A mask m_k (one value in [0, 1] per output
pixel) says where style k applies. At a layer l the mask is brought to the layer's H_l x W_l by
following the network's own layers (`layer_masks`: every pooling window, and every convolution
that changes the size, averages the mask over its window), and the Gram matrix is taken of the
masked features (`guided_gram`). The style term of layer l becomes

.. math:: E_l = \sum_k \omega_k \, E\big(\hat G_{k,l}, \hat A_{k,l}\big),
          \qquad \hat G_{k,l} = \frac{\sum_p m_{k,l}(p)^2 f_p f_p^\top}{\sum_p m_{k,l}(p)^2},

with :math:`\hat A_{k,l}` style k's own target (`nst.losses.style_target`) and the region
weights :math:`\omega_k` of `region_weights`. Pixels where every mask is 0 get no style at all.

A mask of ones gives the ordinary Gram per position (``gram_matrix(F, "hw")``), exactly; a mask
of zeros removes its style from the loss, exactly.

An extra on top of the core: `MaskedObjective` is `nst.objective.Objective` with each style's own
target and the guided style term; `nst.stylize_with_options` runs it when a config has
``style_masks`` (`check_style_masks` refuses bad masks before any work). Reading a mask file is
an input check (`nst.inputs.load_mask`, re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from nst.inputs import load_mask
from nst.layer_weights import style_layer_weights
from nst.losses import gram_matrix, style_loss
from nst.objective import Objective

__all__ = [
    "MaskedObjective",
    "check_style_masks",
    "guided_features",
    "guided_gram",
    "guided_style_loss",
    "layer_masks",
    "load_mask",
    "masks_by_layer",
    "region_weights",
]


def _window_mean(m: tf.Tensor, layer) -> tf.Tensor:
    """Mean of m (1, H, W, 1) over every window of `layer` (its size, stride and pad).

    Padded cells are left out of the mean (MatConvNet's pooling; for a convolution the mean is
    over the real pixels its window covers).
    """
    if layer.kind == "conv":
        kh, kw = (int(v) for v in layer.kernel.shape[:2])
    else:
        kh, kw = (int(v) for v in layer.size)
    sh, sw = (int(v) for v in layer.stride)
    top, bottom, left, right = (int(p) for p in layer.pad)
    pads = [[0, 0], [top, bottom], [left, right], [0, 0]]
    window, strides = [1, kh, kw, 1], [1, sh, sw, 1]
    summed = tf.nn.avg_pool2d(tf.pad(m, pads), window, strides, "VALID")  # sum / (kh kw)
    count = tf.nn.avg_pool2d(tf.pad(tf.ones_like(m), pads), window, strides, "VALID")
    return summed / count  # sum over real cells / number of real cells


def layer_masks(net, mask: np.ndarray, layers: Sequence[str]) -> dict[str, np.ndarray]:
    r"""A mask at every requested layer, downsampled the way the network downsamples.

    Parameters
    ----------
    net : vgg_mat.VGG
        The network whose layers (in file order) the mask follows.
    mask : (H, W) array_like in [0, 1]
        The mask at the input (output image) size.
    layers : sequence of str
        Layer names (file or Keras names).

    Returns
    -------
    masks : dict of str to (H_l, W_l) ndarray of float32
        Keyed by the names as given; each has the layer's own H_l, W_l
        (``net.output_shapes(H, W)``).

    Notes
    -----
    Walking the layers of the file in order: a pooling layer, or a convolution whose output
    size differs from its input's, replaces the mask by its mean over each window (same window,
    stride and pad as the layer; padded cells excluded),

    .. math:: m_{l}(i, j) = \frac{1}{|W_{ij}|} \sum_{(u, v) \in W_{ij}} m_{l-1}(u, v);

    size-preserving convolutions (VGG's 3x3, pad 1, stride 1), ReLUs and softmax keep it. A mean
    and not a max: with a max a region would grow by a pooling window at every stage, with a
    mean its edge stays in place and becomes a fractional coverage.
    """
    m = np.asarray(mask, dtype=np.float32)
    if m.ndim != 2:
        raise ValueError(f"mask must be (H, W), got shape {m.shape}")
    h, w = m.shape
    shapes = net.output_shapes(h, w)
    wanted = {name: net.resolve(name) for name in layers}
    if not wanted:
        return {}
    missing = [name for name, file_name in wanted.items() if file_name not in shapes]
    if missing:
        raise ValueError(
            f"a {h}x{w} mask is too small to reach layer(s) {', '.join(missing)}; "
            "use a larger image or shallower layers"
        )
    deepest = net.deepest_index(list(wanted.values()))
    current = tf.constant(m[np.newaxis, :, :, np.newaxis])  # (1, H, W, 1)
    found: dict[str, np.ndarray] = {}
    size = (h, w)
    for layer in net.weights.layers[: deepest + 1]:
        out = shapes[layer.name][:2]
        if layer.kind == "pool" or (layer.kind == "conv" and out != size):
            current = _window_mean(current, layer)
        size = out
        assert tuple(current.shape[1:3]) == out, (layer.name, current.shape, out)
        found[layer.name] = current[0, :, :, 0].numpy()
    return {name: found[file_name] for name, file_name in wanted.items()}


def guided_gram(features: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
    r"""The Gram matrix per position of the masked features: a weighted average of f f^T.

    Parameters
    ----------
    features : (1, H_l, W_l, C) or (H_l, W_l, C) tf.Tensor
        F, one layer's activations.
    mask : (H_l, W_l) array_like
        :math:`m_l`, the mask at that layer (`layer_masks`), not all zero.

    Returns
    -------
    gram : (C, C) tf.Tensor

    Notes
    -----
    .. math:: \hat G = \frac{(m \circ F)^\top (m \circ F)}{\sum_p m_p^2}
              = \frac{\sum_p m_p^2 f_p f_p^\top}{\sum_p m_p^2}

    With m = 1 everywhere this is ``gram_matrix(F, normalization="hw")`` (G / M); with a 0/1
    mask it is the Gram per position of the region alone. Dividing by the mask's own
    :math:`\sum m^2` and not by M keeps it comparable with a style target of any region size.
    """
    return gram_matrix(guided_features(features, mask), normalization="hw")[0]


def guided_features(features: tf.Tensor, mask: Any) -> tf.Tensor:
    r"""Features scaled so that their ordinary Gram per position is the guided Gram.

    Parameters
    ----------
    features : (1, H_l, W_l, C) or (H_l, W_l, C) tf.Tensor
    mask : (H_l, W_l) array_like, not all zero

    Returns
    -------
    guided : (1, H_l, W_l, C) tf.Tensor

    Notes
    -----
    .. math:: \tilde F = \sqrt{M / \textstyle\sum_p m_p^2}\; m \circ F,
              \qquad \tilde F^\top \tilde F / M = \hat G_{guided}.

    This is how every style-loss convention of `nst.losses.style_loss` (all computed from
    G / M) applies to a region unchanged. A mask of ones returns F itself (the factor is 1).
    """
    f = tf.convert_to_tensor(features)
    if f.shape.rank == 3:
        f = f[tf.newaxis]
    m = np.asarray(mask, dtype=np.float64)
    if m.shape != tuple(f.shape[1:3]):
        raise ValueError(
            f"mask shape {m.shape} does not match the features' {tuple(f.shape[1:3])}; "
            "downsample it with layer_masks"
        )
    energy = float(np.sum(m * m))  # sum_p m_p^2
    if energy <= 0.0:
        raise ValueError("the mask is zero everywhere at this layer; it selects no region")
    scale = np.sqrt(m.size / energy) * m  # sqrt(M / sum m^2) m, (H_l, W_l)
    if np.all(scale == 1.0):
        return f
    return f * tf.constant(scale[np.newaxis, :, :, np.newaxis], f.dtype)


def region_weights(masks: Sequence[Any], blend: Sequence[float]) -> tuple[float, ...]:
    r"""The weight :math:`\omega_k` of each style's guided term.

    Parameters
    ----------
    masks : sequence of (H, W) array_like or None
        One per style image, at the output size; None = the whole image (a mask of ones).
    blend : sequence of float
        b_k, the blend weights (``style_blend``), one per style image.

    Returns
    -------
    omega : tuple of float
        Summing to 1.

    Notes
    -----
    With :math:`a_k` the mean of mask k over the output (its area fraction, 1 for None),

    .. math:: \omega_k = \frac{b_k a_k}{\sum_j b_j a_j}.

    Weighting by area keeps the push on each pixel independent of how large its region is (a
    guided Gram is an average over its region, so its gradient at one pixel scales as
    1 / area); a style whose mask is all zero gets :math:`\omega_k = 0`, and with one style
    left on the whole image the loss is the ordinary single-style one.

    Raises
    ------
    ValueError
        If the lengths differ, or no style has both a non-zero mask and a non-zero weight.
    """
    if len(masks) != len(blend):
        raise ValueError(
            f"{len(masks)} style mask(s) for {len(blend)} style image(s); give one mask (or "
            "None) per style image"
        )
    areas = [1.0 if m is None else float(np.mean(np.asarray(m, np.float64))) for m in masks]
    raw = [float(b) * a for b, a in zip(blend, areas, strict=True)]  # b_k a_k
    total = sum(raw)
    if total <= 0.0:
        raise ValueError(
            "style masks: every style has an empty mask or a zero blend weight, so no style "
            "applies anywhere; give at least one non-zero mask (or style_weight=0)"
        )
    return tuple(r / total for r in raw)


def guided_style_loss(
    features: tf.Tensor,
    targets: Sequence[tf.Tensor],
    masks: Sequence[Any],
    omega: Sequence[float],
    *,
    convention: str = "gatys",
    image_positions: int | None = None,
) -> tf.Tensor:
    r"""One layer's guided style term, :math:`\sum_k \omega_k E(\hat G_k, \hat A_k)`.

    Parameters
    ----------
    features : (1, H_l, W_l, C) tf.Tensor
        F, the generated image's activations at the layer.
    targets : sequence of nst.losses.StyleTarget
        :math:`\hat A_k`, each style image's own target (`nst.losses.style_target`).
    masks : sequence of (H_l, W_l) array_like or None
        Each style's mask at this layer (`layer_masks`); None = ones.
    omega : sequence of float
        Region weights (`region_weights`).
    convention, image_positions
        As in `nst.losses.style_loss`.

    Returns
    -------
    loss : () tf.Tensor

    Notes
    -----
    Each term is ``style_loss(guided_features(F, m_k), A_k)``: the convention's formula on the
    guided Gram. Terms with :math:`\omega_k = 0`, or whose mask vanishes at this layer, are left
    out (a style absent from a layer contributes nothing there). With one mask of ones and
    :math:`\omega = (1)` this is exactly ``style_loss(F, A)``.
    """
    terms = []
    for target, mask, weight in zip(targets, masks, omega, strict=True):
        if weight <= 0.0:
            continue
        if mask is not None and not np.any(np.asarray(mask) > 0):
            continue
        guided = features if mask is None else guided_features(features, mask)
        loss = style_loss(guided, target, convention=convention, image_positions=image_positions)
        terms.append(loss if weight == 1.0 else weight * loss)
    if not terms:
        return tf.zeros((), features.dtype)
    return tf.add_n(terms)


def masks_by_layer(
    net, masks: Sequence[Any], layers: Sequence[str]
) -> list[Mapping[str, np.ndarray] | None]:
    """`layer_masks` for each style's mask (None stays None: the whole image at every layer).

    Parameters
    ----------
    net : vgg_mat.VGG
    masks : sequence of (H, W) array_like or None
    layers : sequence of str

    Returns
    -------
    list of (dict of str to (H_l, W_l) ndarray) or None
    """
    return [None if m is None else layer_masks(net, m, layers) for m in masks]


def check_style_masks(config, count: int, size: tuple[int, int]) -> list | None:
    """A config's style masks at `size` (None: no masks, or every mask is None).

    Raises
    ------
    ValueError
        At once, before any TensorFlow work: not one mask (or None) per style image, a mask
        that cannot be read or has the wrong shape, or masks that leave every style out.
    """
    if config.style_masks is None:
        return None
    if len(config.style_masks) != count:
        raise ValueError(
            f"style_masks has {len(config.style_masks)} mask(s) for {count} style image(s); "
            "give one mask (or None) per style image"
        )
    masks = [
        None if m is None else load_mask(m, size=size, argument=f"style_masks[{i}]")
        for i, m in enumerate(config.style_masks)
    ]
    if all(m is None for m in masks):
        return None
    region_weights(masks, config.style_blend or [1.0] * count)  # ValueError if none applies
    return masks


class MaskedObjective(Objective):
    r"""`Objective` with style masks: each style its own target, the style term on guided Grams.

    Same arguments as `Objective`; the masks are the config's ``style_masks``, read at the
    content's size (`check_style_masks`). The style term of layer l is
    :math:`\sum_k \omega_k E(\hat G_{k,l}, \hat A_{k,l})` (`guided_style_loss`).
    """

    def __init__(self, net, config, *, content, styles):
        size = tuple(int(n) for n in content.shape[1:3])
        masks = check_style_masks(config, len(styles), size)
        if masks is None:
            masks = [None] * len(styles)
        blend = config.style_blend or (1.0,) * len(styles)
        self.omega = region_weights(masks, [b / sum(blend) for b in blend])  # omega_k
        layers = list(style_layer_weights(config.style_layers, config.style_layer_weight_exp))
        self.layer_masks = masks_by_layer(net, masks, layers)  # [{layer: mask} or None]
        super().__init__(net, config, content=content, styles=styles)

    def combine_style_targets(self, own: dict) -> dict:
        """Each style keeps its own target: {layer: [A_k,l for each style k]}."""
        return own

    def style_term(self, name: str, features) -> tf.Tensor:
        """sum_k omega_k E(G_k,l, A_k,l) on the features guided by each style's mask."""
        masks = [None if m is None else m[name] for m in self.layer_masks]
        positions = self.shape[1] * self.shape[2]
        return guided_style_loss(features, self.style_targets[name], masks, self.omega,
                                 convention=self.config.style_convention,
                                 image_positions=positions)  # fmt: skip
