r"""Gatys' activation normalisation: rescale VGG so every filter's mean activation is 1.

Gatys, Ecker and Bethge (CVPR 2016, section 2) "normalized the network by scaling the weights
such that the mean activation of each convolutional filter over images and positions is equal
to one". This module does that to a `VGGWeights`, exactly, without changing what the network
computes beyond a per-channel scale:

- `mean_activations(weights, images)`: mu_l[o], the mean post-ReLU activation of every channel
  o of every conv layer l over the calibration images and all their positions;
- `normalize_activations(weights, images)`: divide conv l's kernel and bias by mu_l (per output
  channel) and multiply the next conv layer's kernel by mu_l (per input channel).

Why the rest of the network does not notice: a positive per-channel scale commutes with every
layer between two convolutions. ReLU: max(z / m, 0) = max(z, 0) / m for m > 0. Max pooling: the
largest of {a_1 / m, ..., a_k / m} is (the largest a_i) / m, and the -inf padding stays -inf.
Average pooling is linear. Zero padding: 0 / m = 0. So the next convolution sees its input
divided by mu_l per channel, and multiplying its input weights by mu_l undoes that exactly.

The point for style transfer (lesson L11): a layer's content loss scales as s^2 and its Gram
loss as s^4 when its activations are scaled by s, so the paper's alpha / beta only carries over
to a network normalised like theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from vgg_mat.weights import Layer, VGGWeights

__all__ = ["default_layers", "mean_activations", "normalize_activations"]


def _source(weights: VGGWeights) -> str:
    return weights.source or "these weights"


def _followers(weights: VGGWeights, index: int) -> tuple[Layer | None, Layer | None]:
    """The layer right after conv `index`, and the next conv after it (None when absent).

    The next conv must be reachable through relu and pool layers only (both commute with a
    positive per-channel scale); a softmax in between makes it None.
    """
    layers = weights.layers
    after = layers[index + 1] if index + 1 < len(layers) else None
    for layer in layers[index + 1 :]:
        if layer.kind == "conv":
            return after, layer
        if layer.kind not in ("relu", "pool"):
            return after, None
    return after, None


def default_layers(weights: VGGWeights) -> tuple[str, ...]:
    """The conv layers `normalize_activations` rescales by default: the convolutional part.

    Every conv layer that is followed by a ReLU and by another conv layer, except the fully
    connected layers (names starting with ``fc``). For VGG-19: conv1_1 ... conv5_4 (16
    layers); fc6 then absorbs conv5_4's compensation, so fc6-fc8 and the class
    probabilities are unchanged.

    Parameters
    ----------
    weights : VGGWeights

    Returns
    -------
    tuple of str
        Conv layer names in file order.
    """
    names = []
    for index, layer in enumerate(weights.layers):
        if layer.kind != "conv" or layer.name.startswith("fc"):
            continue
        after, following = _followers(weights, index)
        if after is not None and after.kind == "relu" and following is not None:
            names.append(layer.name)
    return tuple(names)


def _check_layers(weights: VGGWeights, layers: Iterable[str] | None) -> list[str]:
    """`layers` (or the default) in file order, each a conv + ReLU with a next conv."""
    if layers is None:
        chosen = list(default_layers(weights))
        if not chosen:
            raise ValueError(
                f"{_source(weights)}: no conv layer is followed by a ReLU and another conv "
                "layer, so there is nothing to normalise"
            )
        return chosen
    if isinstance(layers, str):
        layers = [layers]
    chosen = list(layers)
    if not chosen:
        raise ValueError("layers is empty; give conv layer names (e.g. ['conv1_1']) or None")
    convs = [layer.name for layer in weights.layers if layer.kind == "conv"]
    for name in chosen:
        if not isinstance(name, str) or name not in convs:
            raise ValueError(
                f"layers: {name!r} is not a conv layer of {_source(weights)}; "
                f"valid names: {', '.join(convs)}"
            )
        if chosen.count(name) > 1:
            raise ValueError(f"layers: {name!r} is given twice; give it once")
        after, following = _followers(weights, weights.index(name))
        if after is None or after.kind != "relu":
            raise ValueError(
                f"layers: {name!r} is not followed by a ReLU, so its mean activation has no "
                "sign guarantee and a scale would not commute with the next layer; leave it out"
            )
        if following is None:
            raise ValueError(
                f"layers: {name!r} has no later conv layer (through relu/pool only) to absorb "
                "the compensating scale, so normalising it would change the network's output; "
                "leave it out"
            )
    return sorted(chosen, key=weights.index)


def _calibration_batches(images, caller: str) -> list[np.ndarray]:
    """The calibration images as a list of (N_k, H_k, W_k, 3) float32 arrays in [0, 255]."""
    if isinstance(images, np.ndarray) or hasattr(images, "numpy"):
        items = [np.asarray(images)]
    elif isinstance(images, Sequence) and not isinstance(images, (str, bytes)):
        items = [np.asarray(image) for image in images]
    else:
        raise ValueError(
            f"{caller}: calibration_images must be an (H, W, 3) or (N, H, W, 3) array of RGB "
            f"images in [0, 255], or a list of them, got {type(images).__name__}"
        )
    if not items:
        raise ValueError(f"{caller}: calibration_images is empty; give at least one image")
    batches = []
    for k, item in enumerate(items):
        if item.ndim == 3:
            item = item[np.newaxis]
        if item.ndim != 4 or item.shape[-1] != 3 or item.shape[0] == 0:
            raise ValueError(
                f"{caller}: calibration image {k} must have shape (H, W, 3) or (N, H, W, 3) "
                f"RGB, got {item.shape}"
            )
        if not (np.issubdtype(item.dtype, np.integer) or np.issubdtype(item.dtype, np.floating)):
            raise ValueError(f"{caller}: calibration image {k} must hold real numbers")
        item = item.astype(np.float32)
        if not np.all(np.isfinite(item)) or item.min() < 0 or item.max() > 255:
            raise ValueError(
                f"{caller}: calibration image {k} must have finite RGB values in [0, 255] "
                "(as nst.load_image returns), not network input"
            )
        batches.append(item)
    return batches


def mean_activations(
    weights: VGGWeights,
    calibration_images,
    *,
    layers: Iterable[str] | None = None,
    pooling: str = "max",
) -> dict[str, np.ndarray]:
    r"""Mean post-ReLU activation of every channel of some conv layers over a set of images.

    Parameters
    ----------
    weights : VGGWeights
        The network (its mean pixel preprocesses the images).
    calibration_images : (H, W, 3) or (N, H, W, 3) array, or a list of them
        RGB images on the 0-255 scale; sizes may differ between list items.
    layers : iterable of str, optional
        Conv layer names, each followed by a ReLU (default: `default_layers`).
    pooling : {"max", "avg"}
        The network's pooling (it changes the activations of later blocks).

    Returns
    -------
    dict of str to (C_l,) ndarray of float64
        ``{conv name: mu_l}`` in file order.

    Raises
    ------
    ValueError
        For bad images, unknown or unsuitable layers, or images too small to reach a layer.

    Notes
    -----
    With :math:`a_l = \mathrm{relu}(z_l)` the ReLU output after conv l for image n,

    .. math:: \mu_l[o] = \frac{1}{\sum_n M_{l,n}} \sum_n \sum_{k=1}^{M_{l,n}} a_{l,n}[k, o],

    the mean over every position of every image (images of different sizes count by their
    number of positions).
    """
    import tensorflow as tf

    from vgg_mat.network import VGG
    from vgg_mat.preprocessing import preprocess

    if not isinstance(weights, VGGWeights):
        raise TypeError(f"weights must be a vgg_mat.VGGWeights, got {type(weights).__name__}")
    names = _check_layers(weights, layers)
    batches = _calibration_batches(calibration_images, "mean_activations")
    relus = {name: weights.layers[weights.index(name) + 1].name for name in names}
    net = VGG(weights, pooling=pooling)
    sums = {name: 0.0 for name in names}
    counts = dict.fromkeys(names, 0)
    for batch in batches:
        try:
            x = preprocess(batch, weights)
            outputs = net(x, list(relus.values()))
        except ValueError as error:
            raise ValueError(f"mean_activations: {error}") from None
        for name, relu in relus.items():
            a = tf.cast(outputs[relu], tf.float64)  # (N, H_l, W_l, C_l)
            sums[name] = sums[name] + tf.reduce_sum(a, axis=(0, 1, 2)).numpy()  # sum over n, k
            counts[name] += int(a.shape[0] * a.shape[1] * a.shape[2])
    return {name: np.asarray(sums[name], np.float64) / counts[name] for name in names}


def normalize_activations(
    weights: VGGWeights,
    calibration_images,
    *,
    layers: Iterable[str] | None = None,
    pooling: str = "max",
) -> VGGWeights:
    r"""Rescale conv filters so each channel's mean activation on the calibration set is 1.

    Gatys et al.'s normalisation of VGG-19. The network computes the same function as before
    up to a positive per-channel scale at the normalised layers: every layer after the last
    normalised one's next conv (fc6 and the class probabilities, by default) is unchanged.

    Parameters
    ----------
    weights : VGGWeights
        The network to normalise (not modified).
    calibration_images : (H, W, 3) or (N, H, W, 3) array, or a list of them
        RGB images on the 0-255 scale over which the means are taken (Gatys used ImageNet
        validation images; a handful of photos is enough for the identity to hold exactly).
    layers : iterable of str, optional
        The conv layers to normalise, each followed by a ReLU and, through relu/pool layers
        only, by another conv layer that absorbs the compensation. Default: `default_layers`,
        conv1_1 ... conv5_4 for VGG-19 (fc6 absorbs conv5_4's scale; fc6-fc8 are not
        normalised, so classification is unchanged).
    pooling : {"max", "avg"}
        The pooling used while measuring the means. The rescaled network is exact for both,
        but the means are 1 only for the pooling they were measured with.

    Returns
    -------
    VGGWeights
        A new record (``dataclasses.replace``): new kernels and biases for the normalised
        layers and the layers that absorb their scales, every other field unchanged except
        ``source``, which says the weights are activation-normalised (and so does ``label``).

    Raises
    ------
    TypeError
        If `weights` is not a `VGGWeights`.
    ValueError
        For empty or malformed calibration images, values outside [0, 255], images too small
        to reach a layer, or a layer that is unknown, not a conv, not followed by a ReLU or
        without a later conv layer.

    Notes
    -----
    With :math:`\mu_l` from `mean_activations` (measured on the **original** network) and
    :math:`s_l[o] = 1 / \mu_l[o]` (:math:`s_l[o] = 1` for a dead channel, :math:`\mu_l[o] = 0`,
    which is left as it is), the new kernel and bias of conv l are

    .. math::

        W'_l[u, v, c, o] = W_l[u, v, c, o] \, \frac{s_l[o]}{s_{l^-}[c]}, \qquad
        b'_l[o] = b_l[o] \, s_l[o],

    where :math:`l^-` is the conv layer before l (:math:`s_{l^-} = 1` if it is not
    normalised). By induction the new ReLU output is :math:`a'_l = s_l \, a_l` per channel:
    conv l sees :math:`s_{l^-} a_{l^-}`, the factor :math:`1/s_{l^-}[c]` in its input weights
    cancels it, its pre-activation becomes :math:`s_l z_l` and
    :math:`\mathrm{relu}(s z) = s \, \mathrm{relu}(z)` for :math:`s > 0`. Max and average
    pooling commute with the positive per-channel scale in the same way. So the means
    become :math:`\mu'_l = s_l \mu_l = 1`, and a conv layer after the last normalised one
    (fc6 by default), whose input weights carry :math:`1/s`, produces exactly what it did.
    A uniform scale s of a layer multiplies its content loss by :math:`s^2` and its Gram loss
    by :math:`s^4`: Gatys' weights alpha / beta assume this normalised network.

    Precision: the identity is exact in real arithmetic; the network runs in float32, so a
    channel that almost never fires (mean :math:`\mu` tiny next to its pre-activations
    :math:`|z|`) reaches mean 1 only to about :math:`10^{-7} |z| / \mu`.

    References
    ----------
    Gatys, Ecker, Bethge, "Image Style Transfer Using Convolutional Neural Networks" (CVPR
    2016), section 2. Lesson: lessons/11_experiments.ipynb.
    """
    if not isinstance(weights, VGGWeights):
        raise TypeError(
            f"normalize_activations needs a vgg_mat.VGGWeights (from vgg_mat.load), "
            f"got {type(weights).__name__}"
        )
    names = _check_layers(weights, layers)
    batches = _calibration_batches(calibration_images, "normalize_activations")
    means = mean_activations(weights, batches, layers=names, pooling=pooling)
    count = sum(batch.shape[0] for batch in batches)
    scales: dict[str, np.ndarray] = {}  # s_l per output channel, by conv name
    for name, mu in means.items():
        s = np.ones_like(mu)
        alive = mu > 0  # a dead channel (mean exactly 0) keeps its weights
        s[alive] = 1.0 / mu[alive]
        scales[name] = s
    new_layers = list(weights.layers)
    previous: np.ndarray | None = None  # s of the conv before the current one (input scale)
    for index, layer in enumerate(weights.layers):
        if layer.kind != "conv":
            continue
        s_out = scales.get(layer.name)
        if previous is None and s_out is None:
            continue
        kernel = np.asarray(layer.kernel, np.float64)  # (KH, KW, C_in, C_out)
        bias = np.asarray(layer.bias, np.float64).reshape(-1)  # (C_out,)
        if previous is not None:
            kernel = kernel / previous[np.newaxis, np.newaxis, :, np.newaxis]  # W / s_{l-}[c]
        if s_out is not None:
            kernel = kernel * s_out  # W s_l[o] (broadcast over the last axis)
            bias = bias * s_out
        new_layers[index] = replace(
            layer,
            kernel=kernel.astype(np.float32),
            bias=bias.astype(np.float32),
        )
        previous = s_out
    note = (
        f"activations normalised (Gatys): {len(names)} conv layers {names[0]}..{names[-1]} "
        f"scaled to mean 1 over {count} calibration image(s), {pooling} pooling"
    )
    source = f"{weights.source} [{note}]" if weights.source else f"[{note}]"
    return replace(weights, layers=tuple(new_layers), source=source)
