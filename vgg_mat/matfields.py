"""MATLAB values as `scipy.io.loadmat` returns them, read by field name into plain Python.

`loadmat`'s default output (no ``squeeze_me``, no ``struct_as_record=False``) gives a MATLAB
struct as a numpy record (`numpy.void`), a char array as a ``(1,)`` ``<U`` array, a cell as an
object array, and integer-valued doubles written by MATLAB as uint8/uint16. The readers here
turn those into `str`, tuples of ints and records, by field *name* (field order differs per
layout), and `to_hwio` turns a kernel into TensorFlow's layout. `vgg_mat.matfile` uses them to
read the layers and the metadata (`read_metadata`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from vgg_mat.integrity import ADVICE
from vgg_mat.weights import MatFileError, VGGWeights

__all__ = [
    "FileMetadata",
    "field",
    "ints",
    "read_metadata",
    "strings",
    "struct_record",
    "text",
    "to_hwio",
]


def field(record: np.void, name: str):
    """The value of field `name` of a loadmat record, or None when the record lacks it."""
    names = record.dtype.names or ()
    return record[name] if name in names else None


def text(value) -> str:
    """A MATLAB char array as `str` (loadmat gives a ``(1,)`` ``<U`` array).

    Examples
    --------
    >>> text(np.array(["conv1_1"])), text(np.empty((0, 0)))
    ('conv1_1', '')
    """
    array = np.asarray(value)
    if array.size == 0:
        return ""
    if array.dtype.kind == "O":
        return text(array.ravel()[0])
    return "".join(str(item) for item in array.ravel()) if array.dtype.kind == "U" else str(array)


def strings(value) -> tuple[str, ...]:
    """A MATLAB cell of strings (object array of ``(1,)`` ``<U`` arrays) as a tuple of `str`."""
    if value is None:
        return ()
    array = np.asarray(value)
    if array.dtype.kind == "U":
        return tuple(str(item) for item in array.ravel())
    return tuple(text(item) for item in array.ravel())


def struct_record(value) -> np.void | None:
    """The single record of a MATLAB 1x1 struct, or None if `value` is not one."""
    if value is None:
        return None
    array = np.asarray(value)
    if array.dtype.names is None or array.size == 0:
        return None
    return array.ravel()[0]


def ints(path: Path, layer: str, field_name: str, value, count: int) -> tuple[int, ...]:
    """Integer-valued field (uint8/uint16/float64 in the file) as `count` Python ints.

    Casts to float64 before any arithmetic (uint8 ``0 - 1`` would wrap to 255). A scalar is
    repeated `count` times, as MatConvNet does for stride, pad and pool size; anything else
    raises `MatFileError` naming the file, `layer` and `field_name`.

    Examples
    --------
    >>> ints("x.mat", "pool1", "pad", np.array([[0, 1, 0, 1]], dtype=np.uint8), 4)
    (0, 1, 0, 1)
    >>> ints("x.mat", "conv1_1", "stride", np.array([[1.0]]), 2)
    (1, 1)
    """
    try:
        array = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):  # text, a cell, a struct
        array = np.full(count + 1, np.nan)
    if array.size == 1:
        array = np.repeat(array, count)
    if array.size != count or not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
        raise MatFileError(
            path,
            f"layer {layer!r}: field {field_name!r} should hold {count} integers, got "
            f"{np.asarray(value).tolist()!r}.",
            ADVICE,
        )
    return tuple(int(item) for item in array)


@dataclass(frozen=True)
class FileMetadata:
    """What a file says besides its layers (`VGGWeights` copies it); defaults when absent."""

    mean_rgb: np.ndarray | None = None
    class_ids: tuple[str, ...] = ()
    class_descriptions: tuple[str, ...] = ()
    input_size: tuple[int, int] | None = None
    image_channels: int = 3


def _floats(path: Path, name: str, value) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.array([np.nan])
    if not np.all(np.isfinite(array)):
        raise MatFileError(path, f"{name} should hold finite numbers, got {value!r:.80}.", ADVICE)
    return array


def read_metadata(path: Path, normalization, classes) -> FileMetadata:
    """Mean pixel, classes and input size from the ``normalization`` and ``classes`` structs."""
    mean = input_size = None
    channels = 3
    norm = struct_record(normalization)
    if norm is not None:
        average = field(norm, "averageImage")
        if average is not None and np.asarray(average).size:
            average = _floats(path, "normalization.averageImage", average)
            if average.size % 3:
                raise MatFileError(
                    path,
                    f"normalization.averageImage has shape {average.shape}, not a multiple of 3 "
                    "(RGB) values.",
                    ADVICE,
                )
            # 1x1x3 (2016) or 224x224x3 with the mean in every pixel (beta16): mean over pixels.
            pixels = average.reshape(-1, 3)
            same = np.all(pixels == pixels[0])
            mean = pixels[0].copy() if same else pixels.mean(axis=0)
        image_size = field(norm, "imageSize")
        if image_size is not None and np.asarray(image_size).size >= 2:
            values = _floats(path, "normalization.imageSize", image_size).ravel()
            input_size = (int(values[0]), int(values[1]))
            if values.size >= 3:
                channels = int(values[2])
    ids = descriptions = ()
    klass = struct_record(classes)
    if klass is not None:
        ids = strings(field(klass, "name"))
        descriptions = strings(field(klass, "description"))
    return FileMetadata(mean, ids, descriptions, input_size, channels)


def to_hwio(kernel: np.ndarray, *, transpose_hw: bool = False) -> np.ndarray:
    """Convert a MatConvNet kernel as `loadmat` returns it to TensorFlow's HWIO layout.

    Parameters
    ----------
    kernel : (KH, KW, C_in, C_out) ndarray
        A conv kernel from the file, as `scipy.io.loadmat` returns it (already ``[H, W, in,
        out]``).
    transpose_hw : bool
        False (default, faithful): return the kernel unchanged (float32, not copied).
        True: swap the two spatial axes, ``np.transpose(kernel, (1, 0, 2, 3))``, the convention
        of anishathalye/neural-style and the loaders copied from it.

    Returns
    -------
    (KH, KW, C_in, C_out) or (KW, KH, C_in, C_out) ndarray of float32
        HWIO kernel for ``tf.nn.conv2d`` (a view of the input when it is float32 already).

    Notes
    -----
    ``K_hwio[h, w, c, k] = F[h, w, c, k]`` (default) or ``F[w, h, c, k]`` (``transpose_hw``).

    Why no transpose is the faithful choice (format doc, section 5): MatConvNet's manual gives
    filters as ``H' x W' x D x D''``, its C++ code pairs the filter's first axis with the
    image's first axis (rows, since ``imread`` gives H x W x 3), and the Caffe importer
    converts ``(N, C, H, W)`` blobs to ``(H, W, C, N)`` on purpose ("the first spatial
    dimension is Y"). `loadmat` keeps MATLAB's index order, so scipy's array is already
    ``[H, W, C_in, C_out]``. Numerically, the real conv1_1 equals Keras' VGG-19
    ``block1_conv1`` (``[h, w, in, out]``, BGR) element for element with no spatial swap:
    ``Keras[h, w, 0, 0] == F[h, w, 2, 0]`` (blue is MatConvNet's channel 2: the file is RGB).
    The ``(1, 0, 2, 3)`` swap comes from a misreading of ``vl_nnconv``'s help text ("FW x FH");
    the swapped network computes the original on the transposed image, which Gram-matrix
    style losses do not notice but classification does.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(
            f"a conv kernel must have 4 axes (KH, KW, C_in, C_out), got {kernel.shape}"
        )
    if transpose_hw:
        kernel = np.transpose(kernel, (1, 0, 2, 3))
    # scipy's float32 array as it is (a view, whatever its memory order): no copy of the
    # 575 MB here. `tf.constant` copies a layer's kernel into TensorFlow's layout only when
    # the layer first runs, so layers never used (fc6-fc8 in style transfer) never are.
    return np.asarray(kernel, dtype=np.float32)


def transpose_kernels_hw(weights: VGGWeights) -> VGGWeights:
    """Return a copy of `weights` with every conv kernel's two spatial axes swapped.

    Parameters
    ----------
    weights : VGGWeights
        Kernels ``(KH, KW, C_in, C_out)``.

    Returns
    -------
    VGGWeights
        Kernels ``W'[i, j, c, k] = W[j, i, c, k]`` (the popular ``np.transpose(W, (1, 0, 2, 3))``
        convention), biases, pads and strides unchanged, ``transposed_hw`` flipped.

    Notes
    -----
    With ``T`` the swap of an image's height and width axes, the network built from the result
    computes ``net_T(x) = T(net(T(x)))`` exactly, for any VGG-style file whose pads and strides
    are the same along both axes.
    """
    layers = tuple(
        replace(layer, kernel=np.ascontiguousarray(layer.kernel.transpose(1, 0, 2, 3)))
        if layer.kind == "conv"
        else layer
        for layer in weights.layers
    )
    return replace(weights, layers=layers, transposed_hw=not weights.transposed_hw)
