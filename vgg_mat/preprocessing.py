"""Network input and back: `preprocess` subtracts the file's mean pixel, `deprocess` adds it.

VGG-19 from MatConvNet expects RGB on the 0-255 scale minus the training set's mean pixel
(``[123.68, 116.779, 103.939]``): no division by 255, no standard deviation, no BGR swap.
Both functions are plain TensorFlow ops, so they also work inside `tf.function`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from vgg_mat.architecture import MEAN_RGB
from vgg_mat.weights import VGGWeights


def _mean_pixel(weights: VGGWeights | None, mean, caller: str) -> tf.Tensor:
    """The RGB mean as a float32 (3,) tensor: `mean` if given, else the file's."""
    if mean is None:
        if weights is None:
            raise ValueError(f"{caller}: give the weights (for their mean pixel) or mean=(R, G, B)")
        if weights.mean_rgb is None:
            raise ValueError(
                f"{caller}: {weights.source or 'these weights'} has no mean pixel (no "
                "normalization metadata in the file); pass mean=(R, G, B) on the 0-255 scale, "
                f"e.g. mean={MEAN_RGB} for VGG-19"
            )
        mean = weights.mean_rgb
    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    if mean.shape != (3,) or not np.all(np.isfinite(mean)):
        raise ValueError(f"{caller}: mean must be 3 finite numbers (R, G, B), got {mean!r}")
    return tf.constant(mean, dtype=tf.float32)


def _as_image_tensor(images, caller: str, what: str) -> tf.Tensor:
    x = tf.convert_to_tensor(images)
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise ValueError(f"{caller}: {what} must be numbers, got dtype {x.dtype.name}")
    if x.shape.rank not in (3, 4) or x.shape[-1] != 3:
        raise ValueError(
            f"{caller}: {what} must have shape (H, W, 3) or (N, H, W, 3) RGB, got {tuple(x.shape)}"
        )
    return tf.cast(x, tf.float32)


def preprocess(images, weights: VGGWeights | None, *, mean=None) -> tf.Tensor:
    """RGB images on the 0-255 scale to network input: a batch minus the mean pixel.

    Parameters
    ----------
    images : (H, W, 3) or (N, H, W, 3) array or tensor
        RGB, values in [0, 255] (any real or integer dtype; uint8 is fine).
    weights : VGGWeights or None
        Supplies the mean pixel (``weights.mean_rgb``). May be None when `mean` is given.
    mean : sequence of 3 floats, optional
        RGB mean on the 0-255 scale; overrides the file's.

    Returns
    -------
    tf.Tensor of float32, shape (N, H, W, 3)
        A single image gets a batch axis of 1.

    Raises
    ------
    ValueError
        Wrong rank or channel count, or no mean pixel (the file has none and `mean` is None).

    Notes
    -----
    ``x[n, i, j, c] = image[n, i, j, c] - mean[c]`` with ``mean = [123.68, 116.779, 103.939]``
    (RGB) for VGG-19.
    """
    mean_rgb = _mean_pixel(weights, mean, "preprocess")
    x = _as_image_tensor(images, "preprocess", "images")
    if x.shape.rank == 3:
        x = x[tf.newaxis]
    return x - mean_rgb


def deprocess(x, weights: VGGWeights | None, *, mean=None) -> tf.Tensor:
    """Network input back to RGB in [0, 255]: add the mean pixel, clip.

    Parameters
    ----------
    x : (N, H, W, 3) or (H, W, 3) array or tensor
        Preprocessed image(s).
    weights : VGGWeights or None
        Supplies the mean pixel. May be None when `mean` is given.
    mean : sequence of 3 floats, optional
        RGB mean on the 0-255 scale; overrides the file's.

    Returns
    -------
    tf.Tensor of float32
        Same shape as `x` (a batch of 1 stays ``(1, H, W, 3)``: take ``[0]`` for the image),
        values in [0, 255]. Call ``.numpy()`` for an array.

    Notes
    -----
    ``image[..., c] = clip(x[..., c] + mean[c], 0, 255)``.
    """
    mean_rgb = _mean_pixel(weights, mean, "deprocess")
    x = _as_image_tensor(x, "deprocess", "x")
    return tf.clip_by_value(x + mean_rgb, 0.0, 255.0)
