"""Read MatConvNet's `imagenet-vgg-verydeep-19.mat` (and any simplenn file like it) by field name.

Two layouts of the VGG-19 file were published (format doc, section 1; their sizes and MD5s are
`vgg_mat.integrity.OFFICIAL_FILES`):

- **2016** (current): top-level ``layers`` and ``meta``, written by MATLAB, zlib-compressed;
  integer-valued fields come back from `scipy.io.loadmat` as uint8/uint16; biases are
  ``(C_out, 1)``; the mean pixel is ``meta.normalization.averageImage`` (1x1x3).
- **beta16** (2015): top-level ``layers``, ``normalization`` and ``classes``, written by scipy,
  uncompressed; float64 fields; biases ``(1, C_out)``; the mean pixel is a 224x224x3 image with
  the RGB mean in every pixel.

Field *order* differs per layer type and per layout, so everything here is read by field name
from `loadmat`'s default output (records as `numpy.void`, no squeezing: fc7/fc8 keep their 1x1
spatial axes) with the readers of `vgg_mat.matfields`. Broken files (HTML pages, git-lfs
pointers, truncated downloads, v7.3/HDF5) are recognised cheaply from their first bytes and
element tags by `vgg_mat.integrity.check_file` before `loadmat` runs, and every problem raises
`MatFileError` with the path, what is wrong and what to do.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import scipy.io

from vgg_mat.architecture import POOLING_METHODS
from vgg_mat.cache import verified_status
from vgg_mat.integrity import (  # noqa: F401 (those load does not use stay importable here)
    ADVICE,
    OFFICIAL_FILES,
    SYNTHETIC_MARKER,
    UNKNOWN_SIZE_WINDOW,
    UNVERIFIED,
    OfficialFile,
    check_file,
    checksum_status,
    file_md5,
)
from vgg_mat.layerchecks import check_chain, check_geometry, check_names
from vgg_mat.matfields import (
    FileMetadata,
    field,
    ints,
    read_metadata,
    struct_record,
    text,
    to_hwio,
)
from vgg_mat.names import resolve_layer
from vgg_mat.weights import LAYER_KINDS, Layer, MatFileError, VGGWeights

_METADATA_VARIABLES = ("meta", "normalization", "classes")


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------


def _conv_layer(path: Path, record: np.void, name: str, transpose_hw: bool) -> Layer:
    weights = field(record, "weights")
    if weights is not None:
        cell = np.asarray(weights).ravel()
        if cell.dtype.kind != "O" or cell.size != 2:
            raise MatFileError(
                path,
                f"conv layer {name!r}: 'weights' should be a 1x2 cell {{kernel, bias}}, got "
                f"shape {np.shape(weights)} of {np.asarray(weights).dtype}.",
                ADVICE,
            )
        kernel, bias = cell[0], cell[1]
    elif field(record, "filters") is not None:  # simplenn files from before MatConvNet beta12
        kernel, bias = field(record, "filters"), field(record, "biases")
    else:
        raise MatFileError(path, f"conv layer {name!r} has no 'weights' field.", ADVICE)
    kernel = np.asarray(kernel)
    bias = np.asarray(bias) if bias is not None else np.zeros(0)
    if kernel.dtype.kind != "f" or bias.dtype.kind != "f":
        raise MatFileError(
            path,
            f"conv layer {name!r}: kernel and bias must be floating point, got "
            f"{kernel.dtype} and {bias.dtype}.",
            ADVICE,
        )
    size = field(record, "size")
    if 0 < kernel.ndim < 4 and size is not None and np.asarray(size).size == 4:
        # MATLAB drops trailing singleton axes (C_out = 1 or C_in = C_out = 1): restore them.
        full = tuple(int(v) for v in np.asarray(size, dtype=np.float64).ravel())
        if full[: kernel.ndim] == kernel.shape and all(v == 1 for v in full[kernel.ndim :]):
            kernel = kernel.reshape(full)
    if kernel.ndim != 4:
        raise MatFileError(
            path,
            f"conv layer {name!r}: kernel should have 4 axes (KH, KW, C_in, C_out), got shape "
            f"{kernel.shape}.",
            ADVICE,
        )
    bias = bias.reshape(-1)
    if bias.size != kernel.shape[3]:
        raise MatFileError(
            path,
            f"conv layer {name!r}: bias has {bias.size} values but the kernel {kernel.shape} "
            f"has C_out = {kernel.shape[3]}.",
            ADVICE,
        )
    if not (np.isfinite(kernel).all() and np.isfinite(bias).all()):
        raise MatFileError(
            path, f"conv layer {name!r}: the weights contain NaN or infinite values.", ADVICE
        )
    dilate = field(record, "dilate")
    if dilate is not None and any(d != 1 for d in ints(path, name, "dilate", dilate, 2)):
        raise MatFileError(
            path,
            f"conv layer {name!r}: dilation {np.asarray(dilate).ravel().tolist()} is not "
            "supported (VGG uses 1).",
            "Use a file without dilated convolutions.",
        )
    stride = field(record, "stride")
    pad = field(record, "pad")
    return Layer(
        name=name,
        kind="conv",
        kernel=to_hwio(kernel, transpose_hw=transpose_hw),
        bias=np.ascontiguousarray(bias, dtype=np.float32),
        stride=(1, 1) if stride is None else ints(path, name, "stride", stride, 2),
        pad=(0, 0, 0, 0) if pad is None else ints(path, name, "pad", pad, 4),
    )


def _pool_layer(path: Path, record: np.void, name: str) -> Layer:
    method = text(field(record, "method")) or "max"
    if method not in POOLING_METHODS:
        expected = " or ".join(repr(known) for known in POOLING_METHODS)
        raise MatFileError(
            path,
            f"pool layer {name!r}: unknown pooling method {method!r} (expected {expected}).",
            ADVICE,
        )
    window = field(record, "pool")
    if window is None:
        raise MatFileError(path, f"pool layer {name!r} has no 'pool' (window size) field.", ADVICE)
    stride = field(record, "stride")
    pad = field(record, "pad")
    return Layer(
        name=name,
        kind="pool",
        method=method,
        size=ints(path, name, "pool", window, 2),
        stride=(1, 1) if stride is None else ints(path, name, "stride", stride, 2),
        pad=(0, 0, 0, 0) if pad is None else ints(path, name, "pad", pad, 4),
    )


def _layer(path: Path, record: np.void, position: int, transpose_hw: bool) -> Layer:
    name = text(field(record, "name"))
    kind = text(field(record, "type"))
    if kind not in LAYER_KINDS:
        raise MatFileError(
            path,
            f"layer #{position + 1} {name!r} has type {kind!r}; this loader knows "
            f"{', '.join(LAYER_KINDS)}.",
            "Use a MatConvNet simplenn VGG file (imagenet-vgg-verydeep-19.mat or -16.mat).",
        )
    if kind == "conv":
        return _conv_layer(path, record, name, transpose_hw)
    if kind == "pool":
        return _pool_layer(path, record, name)
    if kind == "relu":
        leak = field(record, "leak")
        if leak is not None and np.asarray(leak).size and np.any(np.asarray(leak) != 0):
            raise MatFileError(
                path,
                f"relu layer {name!r}: leaky ReLU (leak {np.asarray(leak).ravel().tolist()}) is "
                "not supported.",
                "Use a file with plain ReLUs (VGG has leak 0).",
            )
    return Layer(name=name, kind=kind)


def _read_layers(
    path: Path, cell: np.ndarray, image_channels: int, transpose_hw: bool, up_to: str | None
) -> tuple[Layer, ...]:
    """Convert the ``layers`` cell to `Layer` records (through `up_to`), releasing the rest."""
    if cell.dtype.kind != "O" or cell.ndim != 2 or cell.size == 0 or 1 not in cell.shape:
        raise MatFileError(
            path,
            f"'layers' should be a 1xN cell of structs, got shape {cell.shape} of {cell.dtype}.",
            ADVICE,
        )
    flat = cell.reshape(-1)  # a view: clearing its items releases scipy's arrays one by one
    last = flat.size - 1
    if up_to is not None:
        records = [struct_record(item) for item in flat]
        names = [text(field(r, "name")) if r is not None else "" for r in records]
        if all(r is not None for r in records):
            check_names(path, names)  # every name in the file, as without up_to
        del records
        try:
            last = names.index(resolve_layer(up_to, names))
        except ValueError as error:
            raise ValueError(f"load(up_to={up_to!r}): {error}") from None
        flat[last + 1 :] = None  # the layers after up_to are never converted, and freed
    layers = []
    for position in range(last + 1):
        record = struct_record(flat[position])
        if record is None:
            raise MatFileError(
                path, f"layers{{{position + 1}}} is not a struct (one layer per cell).", ADVICE
            )
        flat[position] = None
        layer = _layer(path, record, position, transpose_hw)
        del record
        check_geometry(path, layer)
        layers.append(layer)
    if up_to is None:
        check_names(path, [layer.name for layer in layers])
    check_chain(path, layers, image_channels)
    return tuple(layers)


# ---------------------------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------------------------


def _variables(path: Path) -> dict[str, tuple]:
    """Top-level variables listed in the file's headers: ``{name: shape}``."""
    try:
        listing = scipy.io.whosmat(path)
    except MemoryError:
        raise
    except Exception as exc:
        raise MatFileError(
            path, f"scipy cannot read the variable headers ({type(exc).__name__}: {exc}).", ADVICE
        ) from exc
    return {name: shape for name, shape, _ in listing}


def _loadmat(path: Path, names: list[str]) -> dict:
    """`scipy.io.loadmat` with default options, every failure turned into `MatFileError`."""
    try:
        return scipy.io.loadmat(path, variable_names=names)
    except MemoryError:
        raise
    except NotImplementedError as exc:  # v7.3 that slipped past the header check
        raise MatFileError(
            path, f"scipy cannot read this MAT file version ({exc}).", ADVICE
        ) from exc
    except Exception as exc:
        raise MatFileError(
            path,
            f"the file is corrupt or truncated: scipy fails with {type(exc).__name__}: {exc}.",
            ADVICE,
        ) from exc


def _layout(data: dict, first_record: np.void | None) -> str:
    """``"2016"`` for a ``meta`` file, ``"beta16"`` for top-level ``normalization``/``classes``.

    Without metadata (a bare ``layers`` file), the layer fields decide: the 2016 layout puts
    ``name`` first in every layer, the beta16 layout never does for conv/relu/softmax.
    """
    if "meta" in data:
        return "2016"
    if "normalization" in data or "classes" in data:
        return "beta16"
    names = () if first_record is None else (first_record.dtype.names or ())
    return "2016" if names[:2] == ("name", "type") else "beta16"


def load(
    path: str | os.PathLike,
    *,
    transpose_hw: bool = False,
    up_to: str | None = None,
    verify_checksum: bool | None = None,
) -> VGGWeights:
    """Read a MatConvNet simplenn VGG file (`imagenet-vgg-verydeep-19.mat`) by field name.

    Parameters
    ----------
    path : str or PathLike
        The ``.mat`` file: either published layout (2016 or beta16), a synthetic miniature, or
        another simplenn file of the same kind (e.g. VGG-16).
    transpose_hw : bool
        Apply neural-style's ``(1, 0, 2, 3)`` spatial swap to every kernel (see `to_hwio`).
        Default False: the faithful HWIO layout.
    up_to : str, optional
        Keep the layers from the first through this one (a file name such as ``"relu5_1"``, or
        a Keras name) and release the others as the file is read: style transfer never runs
        fc6-fc8, which hold 86 % of VGG-19's weights. Default: every layer.
    verify_checksum : bool, optional
        A file of exactly a published file's size must have its MD5, or it is refused as
        corrupt (`vgg_mat.cache.verified_status`; the MD5 is computed once and remembered by
        path, size and modification time). False accepts it (a copy edited on purpose); None
        (default): True unless the environment variable ``VGG_MAT_SKIP_CHECKSUM=1`` is set.

    Returns
    -------
    VGGWeights
        Layers in file order; conv kernels float32 ``(KH, KW, C_in, C_out)``, biases float32
        ``(C_out,)``; pool windows from the ``pool`` field; stride ``(v, h)`` and pad
        ``(top, bottom, left, right)`` as ints; the mean pixel (3,) float64 RGB, classes and
        input size from the metadata (None/empty when the file has none); `layout`,
        `synthetic` (the file carries the `vgg_mat_synthetic` marker) and `checksum`.

    Raises
    ------
    MatFileError
        For every unusable file, with the path, the problem and what to do: missing, empty,
        HTML page, git-lfs pointer, v7.3/HDF5, not a MAT file, truncated (also when the headers
        still list the variables), the size of a published file with another MD5 (corrupt or
        edited, see `verify_checksum`), no ``layers``, unknown layer type, missing or mis-shaped
        weights, NaN/inf weights, a channel chain that does not connect, an impossible
        geometry (`vgg_mat.layerchecks`), a missing, empty or duplicate layer name.

    Notes
    -----
    Checks on the network: the first conv's ``C_in`` equals the image's channels (3, or
    ``imageSize(3)``), and every conv's ``C_in`` equals the previous conv's ``C_out``; kernels
    have rank 4; ``len(bias) == C_out``; all weights finite; strides and windows at least 1,
    pads at least 0 and smaller than the window; names non-empty and unique.

    The mean pixel is ``averageImage.reshape(-1, 3).mean(0)``, which handles both the 1x1x3
    (2016) and the 224x224x3 (beta16) forms. Integer fields are cast to float64 before any
    arithmetic (scipy returns them as uint8/uint16 from the 2016 file).

    Memory: the kernels are scipy's own float32 arrays (not copied); each layer's struct is
    released as soon as it is read, and with `up_to` the later layers are dropped before any is
    converted, so one copy of the (kept) weights is alive.
    """
    path = Path(path)
    check_file(path)
    checksum = verified_status(path, verify_checksum=verify_checksum)  # official size only
    listed = _variables(path)
    if "layers" not in listed:
        found = ", ".join(sorted(listed)) or "none"
        raise MatFileError(
            path,
            f"this MAT file has no 'layers' variable (variables: {found}), so it is not a "
            "MatConvNet simplenn network.",
            ADVICE,
        )
    wanted = [name for name in ("layers", *_METADATA_VARIABLES, SYNTHETIC_MARKER) if name in listed]
    data = _loadmat(path, wanted)
    missing = [name for name in wanted if name not in data]
    if missing:
        raise MatFileError(
            path,
            f"the file is truncated or corrupt: its headers list {', '.join(missing)} but scipy "
            "could not read them.",
            ADVICE,
        )
    cell = np.asarray(data.pop("layers"))
    first = struct_record(cell.ravel()[0]) if cell.dtype.kind == "O" and cell.size else None
    layout = _layout(data, first)
    del first
    if "meta" in data:
        meta = struct_record(data.pop("meta"))
        meta = (
            FileMetadata()
            if meta is None
            else read_metadata(path, field(meta, "normalization"), field(meta, "classes"))
        )
    else:
        meta = read_metadata(path, data.pop("normalization", None), data.pop("classes", None))
    layers = _read_layers(path, cell, meta.image_channels, transpose_hw, up_to)
    del cell
    return VGGWeights(
        layers=layers,
        mean_rgb=meta.mean_rgb,
        class_ids=meta.class_ids,
        class_descriptions=meta.class_descriptions,
        input_size=meta.input_size,
        layout=layout,
        source=str(path),
        synthetic=SYNTHETIC_MARKER in data,
        checksum=checksum,
        transposed_hw=transpose_hw,
    )
