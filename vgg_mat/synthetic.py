"""Write a faithful miniature of `imagenet-vgg-verydeep-19.mat` with random weights.

`write_synthetic` produces a MAT-v5 file with the real file's 43 layer names and order, the
per-type field sets **and field order** of the chosen layout, the same dtypes and nesting as
`scipy.io.loadmat` returns for the real file, and the real metadata (mean pixel, input size),
but with He-normal random weights and channel widths divided by `width_divisor`. The loader's
code paths run on it unchanged, so the whole project is testable without the 535 MB original.

The file marks itself as synthetic with an extra top-level variable, `vgg_mat_synthetic`
(a string saying what wrote it, the seed and the width divisor). `vgg_mat.load` sees it and sets
``VGGWeights.synthetic = True`` so everything made from it is labelled as random weights.

The two layouts (format doc, "Minimal faithful fixture"):

- ``"2016"``: zlib-compressed; per-type fields ``name, type, weights, size, pad, stride, precious,
  dilate, opts`` (conv), ``name, type, leak, weights, precious`` (relu), ``name, type, method,
  pool, stride, pad, weights, precious, opts`` (pool), ``name, type, weights, precious``
  (softmax); integer-valued fields are class double stored as uint8/uint16, as MATLAB writes
  them (`vgg_mat.matv5`), so `loadmat` returns uint8/uint16 by default and float64 with
  ``mat_dtype=True``, exactly as for the real file; bias ``(C_out, 1)``; a ``meta`` struct
  with ``inputs, classes, normalization``, the mean pixel a 1x1x3 double.
- ``"beta16"``: uncompressed (plain `savemat`, as the 2015 exporter); fields ``weights, pad,
  type, name, stride`` (conv), ``type, name`` (relu, softmax), ``name, stride, pad, type,
  method, pool`` (pool); float64 pad/stride/pool; bias ``(1, C_out)``; top-level
  ``normalization`` (224x224x3 average image) and ``classes``.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import numpy as np
import scipy.io

from vgg_mat.architecture import IMAGE_SIZE, LAYOUTS, MEAN_RGB, LayerSpec, vgg19
from vgg_mat.atomic import write_atomic
from vgg_mat.integrity import SYNTHETIC_MARKER
from vgg_mat.matv5 import relabel_integer_doubles, write_compressed

__all__ = [
    "FIELD_ORDER",
    "IMAGE_SIZE",
    "LAYOUTS",
    "MEAN_RGB",
    "PlannedLayer",
    "SYNTHETIC_MARKER",
    "plan_layers",
    "synthetic_label",
    "write_synthetic",
]


# Field order per layer type and layout (format doc section 3).
FIELD_ORDER = {
    "2016": {
        "conv": ("name", "type", "weights", "size", "pad", "stride", "precious", "dilate", "opts"),
        "relu": ("name", "type", "leak", "weights", "precious"),
        "pool": (
            "name",
            "type",
            "method",
            "pool",
            "stride",
            "pad",
            "weights",
            "precious",
            "opts",
        ),
        "softmax": ("name", "type", "weights", "precious"),
    },
    "beta16": {
        "conv": ("weights", "pad", "type", "name", "stride"),
        "relu": ("type", "name"),
        "pool": ("name", "stride", "pad", "type", "method", "pool"),
        "softmax": ("type", "name"),
    },
}

_HEADER_TEXT = b"MATLAB 5.0 MAT-file, written by vgg_mat.write_synthetic: SYNTHETIC RANDOM WEIGHTS"


#: One layer of the planned miniature (the architecture's record; kept under its old name).
PlannedLayer = LayerSpec


def plan_layers(width_divisor: int = 1, num_classes: int = 1000) -> tuple[LayerSpec, ...]:
    """The 43 layers of the VGG-19 miniature, with kernel shapes, without writing anything.

    ``vgg19(width_divisor=width_divisor, num_classes=num_classes)`` (`vgg_mat.architecture`):
    every channel width ``C`` becomes ``max(2, C // width_divisor)``, conv1_1 keeps its 3 RGB
    inputs, fc6 its 7x7 support and fc8 `num_classes` outputs. For ``width_divisor=1,
    num_classes=1000`` the parameters add up to 143,667,240, the real VGG-19's.

    Examples
    --------
    >>> plan = plan_layers(16, 10)
    >>> plan[0].kernel_shape, plan[-2].kernel_shape
    ((3, 3, 3, 4), (1, 1, 256, 10))
    """
    return vgg19(width_divisor=width_divisor, num_classes=num_classes)


def _matlab_int(values) -> np.ndarray:
    """A row of integer-valued doubles as `loadmat` returns them from a MATLAB-written file.

    MATLAB stores integer-valued doubles in the smallest unsigned type that holds them
    (uint8, else uint16, else uint32), and scipy returns that storage type by default.
    """
    row = np.asarray(values).reshape(1, -1)
    for dtype in (np.uint8, np.uint16, np.uint32):
        if row.min() >= 0 and row.max() <= np.iinfo(dtype).max:
            return row.astype(dtype)
    return row.astype(np.float64)


def _double(values) -> np.ndarray:
    """A row of doubles, as the scipy-written beta16 file stores pad/stride/pool."""
    return np.asarray(values, dtype=np.float64).reshape(1, -1)


def _struct(fields: dict) -> np.ndarray:
    """A MATLAB 1x1 struct with the fields in the given order."""
    record = np.empty((1, 1), dtype=[(name, object) for name in fields])
    for name, value in fields.items():
        record[0, 0][name] = value
    return record


def _cell_row(items: list) -> np.ndarray:
    """A MATLAB 1xN cell array, filled element by element (never stacked)."""
    cell = np.empty((1, len(items)), dtype=object)
    for i, item in enumerate(items):
        cell[0, i] = item
    return cell


def _empty_cell() -> np.ndarray:
    return np.empty((0, 0), dtype=object)


def _he_normal(rng: np.random.RandomState, shape: tuple[int, ...]) -> np.ndarray:
    """He-normal kernel: ``W ~ N(0, 2 / (KH * KW * C_in))``, as float32."""
    kh, kw, c_in, _ = shape
    std = math.sqrt(2.0 / (kh * kw * c_in))
    return (rng.standard_normal(shape) * std).astype(np.float32)


def _layer_record(spec: LayerSpec, layout: str, rng: np.random.RandomState) -> np.ndarray:
    """The 1x1 struct of one layer, in `layout`'s field set and order."""
    modern = layout == "2016"
    values: dict[str, object] = {"name": spec.name, "type": spec.kind}
    if spec.kind == "conv":
        shape = spec.kernel_shape
        kernel = _he_normal(rng, shape)
        bias = (rng.standard_normal(shape[3]) * 0.01).astype(np.float32)
        # bias is C_out x 1 in the MATLAB-written file, 1 x C_out in the scipy-written one.
        bias = bias.reshape(-1, 1) if modern else bias.reshape(1, -1)
        values["weights"] = _cell_row([kernel, bias])
        if modern:
            values.update(
                size=_matlab_int(shape),
                pad=_matlab_int(spec.pad),
                stride=_matlab_int(spec.stride),
                precious=np.array([[False]]),
                dilate=_matlab_int((1,)),
                opts=_empty_cell(),
            )
        else:
            values.update(pad=_double(spec.pad), stride=_double(spec.stride))
    elif spec.kind == "relu":
        values.update(leak=_matlab_int((0,)), weights=_empty_cell(), precious=np.array([[False]]))
    elif spec.kind == "pool":
        make = _matlab_int if modern else _double
        values.update(
            method="max",
            pool=make(spec.size),
            stride=make(spec.stride),
            pad=make(spec.pad),
            weights=_empty_cell(),
            precious=np.array([[False]]),
            opts=_empty_cell(),
        )
    else:  # softmax
        values.update(weights=_empty_cell(), precious=np.array([[False]]))
    order = FIELD_ORDER[layout][spec.kind]
    return _struct({name: values[name] for name in order})


def _classes(num_classes: int) -> np.ndarray:
    """Clearly fake class ids and descriptions as a ``name, description`` struct."""
    ids = [f"n{i:08d}" for i in range(num_classes)]
    descriptions = [f"synthetic class {i}" for i in range(num_classes)]
    return _struct({"name": _cell_row(ids), "description": _cell_row(descriptions)})


def _metadata(layout: str, num_classes: int) -> dict[str, np.ndarray]:
    """Top-level metadata variables of the layout (``meta``, or ``normalization`` + ``classes``)."""
    size4 = (IMAGE_SIZE, IMAGE_SIZE, 3, 10)
    if layout == "2016":
        normalization = _struct(
            {
                "imageSize": _matlab_int(size4),
                "keepAspect": np.array([[True]]),
                "averageImage": np.asarray(MEAN_RGB, dtype=np.float64).reshape(1, 1, 3),
                "border": _matlab_int((32, 32)),
                "cropSize": _double((0.875, 0.875)),
                "interpolation": "bilinear",
            }
        )
        inputs = _struct({"name": "data", "size": _matlab_int(size4)})
        meta = _struct(
            {"inputs": inputs, "classes": _classes(num_classes), "normalization": normalization}
        )
        return {"meta": meta}
    average = np.empty((IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.float64)
    average[...] = MEAN_RGB
    normalization = _struct(
        {
            "averageImage": average,
            "keepAspect": np.array([[True]]),
            "border": _double((0, 0)),
            "imageSize": _double((IMAGE_SIZE, IMAGE_SIZE, 3)),
            "interpolation": "bilinear",
        }
    )
    return {"normalization": normalization, "classes": _classes(num_classes)}


def synthetic_label(layout: str, width_divisor: int, num_classes: int, seed: int) -> str:
    """The text stored in the `vgg_mat_synthetic` marker variable."""
    return (
        "written by vgg_mat.write_synthetic: SYNTHETIC RANDOM He-normal weights, NOT VGG-19; "
        f"layout={layout} width_divisor={width_divisor} num_classes={num_classes} seed={seed}"
    )


def write_synthetic(
    path: str | os.PathLike,
    *,
    layout: str = "2016",
    width_divisor: int = 1,
    num_classes: int = 1000,
    seed: int = 0,
) -> Path:
    """Write a faithful miniature of `imagenet-vgg-verydeep-19.mat` with random weights.

    Parameters
    ----------
    path : str or PathLike
        Output file. Written atomically (`vgg_mat.atomic.write_atomic`: a temporary file in the
        same folder, then `os.replace`), so an interrupted write never leaves a half file under
        this name; its mode is ``0666 & ~umask``, as for any file the user creates.
    layout : {"2016", "beta16"}
        Which published layout to imitate (module docstring).
    width_divisor : int
        Channel widths are ``max(2, C // width_divisor)`` (1 = full size, 575 MB; 16 gives a
        file of about 100 KB). conv1_1 keeps 3 inputs, fc6 keeps its 7x7 support.
    num_classes : int
        Outputs of fc8 and number of (fake) classes, at least 2.
    seed : int
        Seed of ``np.random.RandomState`` (stable across numpy versions). The same arguments
        give the same bytes: the MAT header text is fixed too (no timestamp).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        For an unknown layout, a width divisor below 1 or fewer than 2 classes.

    Notes
    -----
    Kernels are He-normal, ``W ~ N(0, sigma^2)`` with ``sigma = sqrt(2 / (KH * KW * C_in))``;
    biases are ``N(0, 0.01^2)``. Draws happen in file order, kernel then bias, per conv layer.
    """
    plan = vgg19(width_divisor=width_divisor, num_classes=num_classes, layout=layout)
    path = Path(path)
    rng = np.random.RandomState(seed)
    layers = _cell_row([_layer_record(spec, layout, rng) for spec in plan])
    variables: dict[str, object] = {"layers": layers}
    variables.update(_metadata(layout, num_classes))
    variables[SYNTHETIC_MARKER] = synthetic_label(layout, width_divisor, num_classes, seed)
    if layout == "2016":
        # MATLAB-written: integer fields are class double stored as uint8/uint16 (see
        # `vgg_mat.matv5`), every variable zlib-compressed.
        raw = io.BytesIO()
        scipy.io.savemat(raw, variables, do_compression=False, oned_as="row")
        del variables, layers
        relabel_integer_doubles(raw.getbuffer())

    def write(stream) -> None:
        if layout == "2016":
            write_compressed(raw.getbuffer(), stream)
            raw.close()
        else:  # scipy-written in 2015: plain savemat, uncompressed
            scipy.io.savemat(stream, variables, do_compression=False, oned_as="row")
        # Replace savemat's "Created on: <time>" description (116 bytes) by fixed text.
        stream.seek(0)
        stream.write(_HEADER_TEXT.ljust(116, b" "))

    write_atomic(path, write)  # 0666 & ~umask, like any file the user creates
    return path
