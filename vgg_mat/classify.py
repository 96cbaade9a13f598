"""The file's own classifier: `classify(weights, image)` runs fc6-fc8 + softmax.

The only end-to-end check that the weights are read the right way round: with the faithful
kernel layout the real VGG-19 names a photo of Grace Hopper a "military uniform"; a wrong layout
or colour order gives a confused answer.

fc6-fc8 are stored as convolutions: fc6 a 7x7 VALID convolution over pool5 (7x7x512 for a
224x224 input, so its output is 1x1x4096), fc7 and fc8 1x1 convolutions, then the softmax.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vgg_mat.architecture import IMAGE_SIZE
from vgg_mat.matfields import transpose_kernels_hw
from vgg_mat.weights import VGGWeights

if TYPE_CHECKING:  # TensorFlow is imported inside the functions that run the network, so
    from vgg_mat.network import VGG  # `vgg-mat` (which registers `classify`) starts fast.

DEFAULT_INPUT_SIZE = (IMAGE_SIZE, IMAGE_SIZE)


def with_kernel_layout(weights: VGGWeights, transpose_hw: bool | None) -> VGGWeights:
    """`weights` in the requested kernel convention.

    Parameters
    ----------
    weights : VGGWeights
    transpose_hw : bool or None
        None keeps the weights as loaded. False asks for the faithful HWIO layout, True for the
        popular ``(1, 0, 2, 3)``-transposed one; the kernels' first two axes are swapped when
        this differs from ``weights.transposed_hw``.

    Returns
    -------
    VGGWeights
        `weights` itself, or a copy with ``W'[i, j] = W[j, i]`` for every conv kernel.
    """
    if transpose_hw is None or bool(transpose_hw) == weights.transposed_hw:
        return weights
    return transpose_kernels_hw(weights)


def load_rgb(image: str | PathLike | np.ndarray) -> np.ndarray:
    """An image file (any PIL format, converted to RGB) or array as float32 (H, W, 3) 0-255.

    Raises
    ------
    FileNotFoundError
        The path does not exist.
    ValueError
        Not an image PIL can read, or an array that is not (H, W, 3).
    """
    if isinstance(image, (str, PathLike)):
        from PIL import Image, UnidentifiedImageError

        path = Path(image)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such image file")
        try:
            with Image.open(path) as pil:
                array = np.asarray(pil.convert("RGB"), dtype=np.float32)
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"{path}: not an image PIL can read ({error})") from None
        return array
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"image must be an (H, W, 3) RGB array, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"image must be numbers in [0, 255], got dtype {array.dtype}")
    return array.astype(np.float32)


def resize_and_crop(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale the shorter side to fit `size`, then centre-crop to exactly `size`.

    Parameters
    ----------
    image : (H, W, 3) float32, 0-255
    size : (height, width)

    Returns
    -------
    (height, width, 3) float32 ndarray, 0-255

    Notes
    -----
    Scale factor ``f = max(height / H, width / W)``; new size ``(round(f H), round(f W))``,
    bicubic with antialiasing, clipped to [0, 255]; the crop starts at
    ``((H' - height) // 2, (W' - width) // 2)``. An image already of a fitting size is not
    resampled (so the result is exact).
    """
    out_h, out_w = size
    h, w = image.shape[:2]
    factor = max(out_h / h, out_w / w)
    new_h, new_w = max(out_h, round(h * factor)), max(out_w, round(w * factor))
    if (new_h, new_w) != (h, w):
        import tensorflow as tf

        resized = tf.image.resize(image, (new_h, new_w), method="bicubic", antialias=True)
        image = np.clip(resized.numpy(), 0.0, 255.0)
    top, left = (new_h - out_h) // 2, (new_w - out_w) // 2
    return np.ascontiguousarray(image[top : top + out_h, left : left + out_w], dtype=np.float32)


def class_probabilities(net: VGG, image: np.ndarray) -> np.ndarray:
    """The softmax output ``prob`` of `net` for one (H, W, 3) image already at input size.

    Returns
    -------
    (K,) float64 ndarray
        Class probabilities (averaged over positions if the input is larger than 224, where
        fc6 slides over pool5 and the network is fully convolutional).
    """
    import tensorflow as tf

    from vgg_mat.preprocessing import preprocess

    x = preprocess(image, net.weights)
    prob = net(x, ["prob"])["prob"]
    return tf.reduce_mean(prob[0], axis=(0, 1)).numpy().astype(np.float64)


def classify(
    weights: VGGWeights,
    image: str | PathLike | np.ndarray,
    *,
    top: int = 5,
    transpose_hw: bool | None = None,
) -> list[tuple[str, str, float]]:
    """Classify one image with the file's own fc6-fc8 and softmax.

    Parameters
    ----------
    weights : VGGWeights
        A full classifier file (through ``prob``) with class ids and descriptions. Synthetic
        weights give meaningless classes; check ``weights.synthetic`` / ``weights.label``.
    image : path or (H, W, 3) array
        An image file (read with PIL, converted to RGB) or RGB values in [0, 255].
    top : int, default 5
        How many classes to return, most probable first.
    transpose_hw : bool or None, default None
        Kernel convention: None uses the weights as loaded, False the faithful layout, True the
        popular transposed one (see `with_kernel_layout`).

    Returns
    -------
    list of (class_id, description, probability)
        E.g. ``[("n03763968", "military uniform", 0.83), ...]``.

    Raises
    ------
    ValueError
        The file has no fc layers / softmax or no classes, or `top` is not a positive int, or
        the image is not RGB.
    FileNotFoundError
        `image` is a path that does not exist.

    Notes
    -----
    The image is resized so its shorter side matches the file's input size (224), centre-cropped,
    preprocessed (``x = image - mean``) and run to ``prob``::

        p = softmax(W8 * relu(W7 * relu(W6 * pool5(x) + b6) + b7) + b8)

    where ``W6 *`` is a 7x7 VALID convolution and ``W7 *``, ``W8 *`` are 1x1 ones.
    """
    if not isinstance(top, (int, np.integer)) or isinstance(top, bool) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    source = weights.source or "these weights"
    if "prob" not in weights.names or "fc8" not in weights.names:
        raise ValueError(
            f"{source}: the file has no classifier (fc6-fc8 and prob layers); "
            "classify needs the full imagenet-vgg-verydeep-19.mat"
        )
    num_classes = weights.layer("fc8").out_channels
    if len(weights.class_descriptions) != num_classes or len(weights.class_ids) != num_classes:
        raise ValueError(
            f"{source}: the file lists {len(weights.class_ids)} class ids and "
            f"{len(weights.class_descriptions)} descriptions for {num_classes} outputs of fc8; "
            "classify needs the file's class metadata"
        )
    weights = with_kernel_layout(weights, transpose_hw)
    size = tuple(weights.input_size) if weights.input_size else DEFAULT_INPUT_SIZE
    pixels = resize_and_crop(load_rgb(image), size)
    from vgg_mat.network import VGG

    probabilities = class_probabilities(VGG(weights), pixels)
    order = np.argsort(-probabilities, kind="stable")[: int(top)]
    return [
        (weights.class_ids[k], weights.class_descriptions[k], float(probabilities[k]))
        for k in order
    ]


def format_predictions(predictions: list[tuple[str, str, float]]) -> list[str]:
    """``" 1. 0.8312  n03763968  military uniform"`` lines, one per prediction."""
    return [
        f"{rank:>2}. {p:.4f}  {cid}  {desc}"
        for rank, (cid, desc, p) in enumerate(predictions, start=1)
    ]
