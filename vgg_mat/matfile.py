"""Read MatConvNet's `imagenet-vgg-verydeep-19.mat` (and any simplenn file like it) by field name.

Two layouts of the VGG-19 file were published (format doc, section 1):

- **2016** (current, 534,904,783 bytes, MD5 ``106118b7...``): top-level ``layers`` and ``meta``,
  written by MATLAB, zlib-compressed; integer-valued fields come back from `scipy.io.loadmat`
  as uint8/uint16; biases are ``(C_out, 1)``; the mean pixel is ``meta.normalization.averageImage``
  (1x1x3).
- **beta16** (2015, MD5 ``8ee32639...``): top-level ``layers``, ``normalization`` and ``classes``,
  written by scipy, uncompressed; float64 fields; biases ``(1, C_out)``; the mean pixel is a
  224x224x3 image with the RGB mean in every pixel.

Field *order* differs per layer type and per layout, so everything here is read by field name
from `loadmat`'s default output (records as `numpy.void`, no squeezing: fc7/fc8 keep their 1x1
spatial axes). Broken files (HTML pages, git-lfs pointers, truncated downloads, v7.3/HDF5) are
recognised cheaply from their first bytes and element tags before `loadmat` runs, and every
problem raises `MatFileError` with the path, what is wrong and what to do.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io

from vgg_mat.synthetic import SYNTHETIC_MARKER
from vgg_mat.weights import LAYER_KINDS, Layer, MatFileError, VGGWeights


@dataclass(frozen=True)
class OfficialFile:
    """A published `imagenet-vgg-verydeep-19.mat`: its checksum status name, size and MD5.

    Attributes
    ----------
    status : str
        ``"official-2016"`` or ``"official-beta16"``.
    md5 : str
        Hex MD5 of the whole file.
    size : int or None
        Exact size in bytes; None when unknown (then only the MD5 decides).
    """

    status: str
    md5: str
    size: int | None


#: The published files, recognised by size and MD5 (format doc, section 1). The beta16 size was
#: never published (about 576.0 MB by reconstruction), so it is matched by MD5 only.
OFFICIAL_FILES: dict[str, OfficialFile] = {
    "official-2016": OfficialFile("official-2016", "106118b7cf60435e6d8e04f6a6dc3657", 534_904_783),
    "official-beta16": OfficialFile("official-beta16", "8ee3263992981a1d26e73b3ca028a123", None),
}

#: Sizes an official file of unknown exact size could have; outside it, no hashing is done.
#: The beta16 file is about 576.0 MB (576,042,912 bytes when rebuilt with placeholder class
#: text, format doc section 1); +-1% leaves room for the real class text.
UNKNOWN_SIZE_WINDOW = (570_000_000, 582_000_000)

UNVERIFIED = "unverified"

_ADVICE = (
    "Re-download it with `vgg-mat download` (the official file is 534,904,783 bytes, "
    "MD5 106118b7cf60435e6d8e04f6a6dc3657), or write an offline stand-in with "
    "`vgg-mat synthetic OUT.mat`."
)
_MAT5_TEXT = b"MATLAB 5.0 MAT-file"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_HEADER_BYTES = 128
_METADATA_VARIABLES = ("meta", "normalization", "classes")


# ---------------------------------------------------------------------------------------------
# Checksums
# ---------------------------------------------------------------------------------------------


def file_md5(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    """Hex MD5 of a file, read in chunks (constant memory)."""
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        while chunk := stream.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def _size_could_match(entry: OfficialFile, size: int) -> bool:
    if entry.size is not None:
        return size == entry.size
    low, high = UNKNOWN_SIZE_WINDOW
    return low <= size <= high


def checksum_status(path: str | os.PathLike, *, md5: str | None = None) -> str:
    """Whether a file is one of the published VGG-19 files, hashing only when it could be.

    Parameters
    ----------
    path : str or PathLike
        The file.
    md5 : str, optional
        Its MD5 if already known (then no hashing happens).

    Returns
    -------
    str
        The `OfficialFile.status` of the matching entry of `OFFICIAL_FILES`
        (``"official-2016"``, ``"official-beta16"``), or ``"unverified"``.

    Notes
    -----
    The MD5 (about a second for 535 MB) is computed only when the size could match an entry:
    the exact size, or `UNKNOWN_SIZE_WINDOW` for an entry whose size is unknown. An unverified
    file is not an error: it may be a synthetic miniature, VGG-16, or a re-saved copy.
    """
    size = os.path.getsize(path)
    candidates = [entry for entry in OFFICIAL_FILES.values() if _size_could_match(entry, size)]
    if not candidates:
        return UNVERIFIED
    if md5 is None:
        md5 = file_md5(path)
    for entry in candidates:
        if md5.lower() == entry.md5.lower():
            return entry.status
    return UNVERIFIED


# ---------------------------------------------------------------------------------------------
# Cheap checks on the raw bytes, before scipy sees the file
# ---------------------------------------------------------------------------------------------


def check_file(path: str | os.PathLike) -> int:
    """Raise `MatFileError` unless `path` looks like a complete MAT-v5 file; return its size.

    Reads the 128-byte header and walks the 8-byte tags of the top-level variables (seeking
    past their data), so it costs microseconds even for the 535 MB file.

    Parameters
    ----------
    path : str or PathLike
        The file to check.

    Returns
    -------
    int
        The file size in bytes.

    Raises
    ------
    MatFileError
        Missing file, a folder, an empty file, an HTML page, a git-lfs pointer, a MATLAB v7.3
        (HDF5) file, anything that is not a MAT-v5 file, or a file shorter than its own element
        tags say (a truncated download), or one with no variables after the header.

    Notes
    -----
    MAT-v5 layout: a 128-byte header (116 bytes of text starting ``MATLAB 5.0 MAT-file``,
    8 bytes subsystem offset, version ``0x0100``, endian indicator ``IM``/``MI``), then one
    element per variable, each an 8-byte tag ``(type: uint32, nbytes: uint32)`` followed by
    ``nbytes`` of data. A file is complete when ``128 + sum(8 + nbytes) <= size``.
    """
    path = Path(path)
    if not path.exists():
        raise MatFileError(path, "no such file.", _ADVICE)
    if not path.is_file():
        raise MatFileError(
            path, "is not a regular file (a folder?).", "Give the path of the .mat file."
        )
    size = path.stat().st_size
    if size == 0:
        raise MatFileError(path, "the file is empty (0 bytes): the download failed.", _ADVICE)
    with open(path, "rb") as stream:
        head = stream.read(_HEADER_BYTES)
        text = head.lstrip()
        if text[:1] == b"<":
            raise MatFileError(
                path,
                f"this is an HTML page ({size:,} bytes), not a MAT file: a web server sent an "
                "error or login page instead of the weights.",
                _ADVICE,
            )
        if text.startswith(b"version https://git-lfs"):
            raise MatFileError(
                path,
                f"this is a git-lfs pointer file ({size:,} bytes), not the weights: the "
                "repository was cloned without git-lfs.",
                "Run `git lfs pull` in that clone, or " + _ADVICE[0].lower() + _ADVICE[1:],
            )
        if head.startswith(_HDF5_SIGNATURE) or head.startswith(b"MATLAB 7.3"):
            raise MatFileError(
                path,
                "this is a MATLAB v7.3 (HDF5) file, which scipy cannot read; the published "
                "files are MAT-v5.",
                "Re-save it in MATLAB with `save(..., '-v7')`, or "
                + _ADVICE[0].lower()
                + _ADVICE[1:],
            )
        if not head.startswith(_MAT5_TEXT):
            raise MatFileError(
                path,
                f"not a MATLAB 5 MAT file (it does not start with 'MATLAB 5.0 MAT-file'; "
                f"first bytes {head[:16]!r}).",
                _ADVICE,
            )
        if len(head) < _HEADER_BYTES or head[126:128] not in (b"IM", b"MI"):
            raise MatFileError(
                path,
                f"the file is truncated inside its 128-byte header ({size:,} bytes).",
                _ADVICE,
            )
        endian = "<" if head[126:128] == b"IM" else ">"
        if size == _HEADER_BYTES:
            raise MatFileError(
                path,
                "the file ends right after its 128-byte header: it holds no variables "
                "(a truncated download).",
                _ADVICE,
            )
        position = _HEADER_BYTES
        index = 0
        while position < size:
            stream.seek(position)
            tag = stream.read(8)
            if len(tag) < 8:
                if tag.strip(b"\0"):
                    raise MatFileError(
                        path,
                        f"the file is truncated: it ends inside the tag of variable #{index + 1}.",
                        _ADVICE,
                    )
                break
            _, nbytes = struct.unpack(endian + "II", tag)
            end = position + 8 + nbytes
            if end > size:
                raise MatFileError(
                    path,
                    f"the file is truncated: it is {size:,} bytes but its variable #{index + 1} "
                    f"needs {end:,} bytes.",
                    _ADVICE,
                )
            position = end
            index += 1
    return size


# ---------------------------------------------------------------------------------------------
# Kernel layout
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Reading fields by name
# ---------------------------------------------------------------------------------------------


def _field(record: np.void, name: str):
    """The value of field `name` of a loadmat record, or None when the record lacks it."""
    names = record.dtype.names or ()
    return record[name] if name in names else None


def _text(value) -> str:
    """A MATLAB char array as `str` (loadmat gives a ``(1,)`` ``<U`` array)."""
    array = np.asarray(value)
    if array.size == 0:
        return ""
    if array.dtype.kind == "O":
        return _text(array.ravel()[0])
    return "".join(str(item) for item in array.ravel()) if array.dtype.kind == "U" else str(array)


def _strings(value) -> tuple[str, ...]:
    """A MATLAB cell of strings (object array of ``(1,)`` ``<U`` arrays) as a tuple of `str`."""
    if value is None:
        return ()
    array = np.asarray(value)
    if array.dtype.kind == "U":
        return tuple(str(item) for item in array.ravel())
    return tuple(_text(item) for item in array.ravel())


def _struct(value) -> np.void | None:
    """The single record of a MATLAB 1x1 struct, or None if `value` is not one."""
    if value is None:
        return None
    array = np.asarray(value)
    if array.dtype.names is None or array.size == 0:
        return None
    return array.ravel()[0]


def _ints(path: Path, layer: str, field: str, value, count: int) -> tuple[int, ...]:
    """Integer-valued field (uint8/uint16/float64 in the file) as `count` Python ints.

    Casts to float64 before any arithmetic (uint8 ``0 - 1`` would wrap to 255). A scalar is
    repeated `count` times, as MatConvNet does for stride, pad and pool size.
    """
    array = np.asarray(value, dtype=np.float64).ravel()
    if array.size == 1:
        array = np.repeat(array, count)
    if array.size != count or not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
        raise MatFileError(
            path,
            f"layer {layer!r}: field {field!r} should hold {count} integers, got "
            f"{np.asarray(value).tolist()!r}.",
            _ADVICE,
        )
    return tuple(int(item) for item in array)


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------


def _conv_layer(path: Path, record: np.void, name: str, transpose_hw: bool) -> Layer:
    weights = _field(record, "weights")
    if weights is not None:
        cell = np.asarray(weights).ravel()
        if cell.dtype.kind != "O" or cell.size != 2:
            raise MatFileError(
                path,
                f"conv layer {name!r}: 'weights' should be a 1x2 cell {{kernel, bias}}, got "
                f"shape {np.shape(weights)} of {np.asarray(weights).dtype}.",
                _ADVICE,
            )
        kernel, bias = cell[0], cell[1]
    elif _field(record, "filters") is not None:  # simplenn files from before MatConvNet beta12
        kernel, bias = _field(record, "filters"), _field(record, "biases")
    else:
        raise MatFileError(path, f"conv layer {name!r} has no 'weights' field.", _ADVICE)
    kernel = np.asarray(kernel)
    bias = np.asarray(bias) if bias is not None else np.zeros(0)
    if kernel.dtype.kind != "f" or bias.dtype.kind != "f":
        raise MatFileError(
            path,
            f"conv layer {name!r}: kernel and bias must be floating point, got "
            f"{kernel.dtype} and {bias.dtype}.",
            _ADVICE,
        )
    size = _field(record, "size")
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
            _ADVICE,
        )
    bias = bias.reshape(-1)
    if bias.size != kernel.shape[3]:
        raise MatFileError(
            path,
            f"conv layer {name!r}: bias has {bias.size} values but the kernel {kernel.shape} "
            f"has C_out = {kernel.shape[3]}.",
            _ADVICE,
        )
    if not (np.isfinite(kernel).all() and np.isfinite(bias).all()):
        raise MatFileError(
            path, f"conv layer {name!r}: the weights contain NaN or infinite values.", _ADVICE
        )
    dilate = _field(record, "dilate")
    if dilate is not None and any(d != 1 for d in _ints(path, name, "dilate", dilate, 2)):
        raise MatFileError(
            path,
            f"conv layer {name!r}: dilation {np.asarray(dilate).ravel().tolist()} is not "
            "supported (VGG uses 1).",
            "Use a file without dilated convolutions.",
        )
    stride = _field(record, "stride")
    pad = _field(record, "pad")
    return Layer(
        name=name,
        kind="conv",
        kernel=to_hwio(kernel, transpose_hw=transpose_hw),
        bias=np.ascontiguousarray(bias, dtype=np.float32),
        stride=(1, 1) if stride is None else _ints(path, name, "stride", stride, 2),
        pad=(0, 0, 0, 0) if pad is None else _ints(path, name, "pad", pad, 4),
    )


def _pool_layer(path: Path, record: np.void, name: str) -> Layer:
    method = _text(_field(record, "method")) or "max"
    if method not in ("max", "avg"):
        raise MatFileError(
            path,
            f"pool layer {name!r}: unknown pooling method {method!r} (expected 'max' or 'avg').",
            _ADVICE,
        )
    window = _field(record, "pool")
    if window is None:
        raise MatFileError(path, f"pool layer {name!r} has no 'pool' (window size) field.", _ADVICE)
    stride = _field(record, "stride")
    pad = _field(record, "pad")
    return Layer(
        name=name,
        kind="pool",
        method=method,
        size=_ints(path, name, "pool", window, 2),
        stride=(1, 1) if stride is None else _ints(path, name, "stride", stride, 2),
        pad=(0, 0, 0, 0) if pad is None else _ints(path, name, "pad", pad, 4),
    )


def _layer(path: Path, record: np.void, position: int, transpose_hw: bool) -> Layer:
    name = _text(_field(record, "name")) or f"layer{position + 1}"
    kind = _text(_field(record, "type"))
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
        leak = _field(record, "leak")
        if (
            leak is not None
            and np.asarray(leak, dtype=np.float64).size
            and np.any(np.asarray(leak, dtype=np.float64) != 0)
        ):
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
            _ADVICE,
        )
    flat = cell.reshape(-1)  # a view: clearing its items releases scipy's arrays one by one
    last = flat.size - 1
    if up_to is not None:
        from vgg_mat.names import resolve_layer

        records = [_struct(item) for item in flat]
        names = [_text(_field(r, "name")) if r is not None else "" for r in records]
        del records
        try:
            last = names.index(resolve_layer(up_to, names))
        except ValueError as error:
            raise ValueError(f"load(up_to={up_to!r}): {error}") from None
        flat[last + 1 :] = None  # the layers after up_to are never converted, and freed
    layers = []
    channels = image_channels
    previous = "the input image"
    for position in range(last + 1):
        record = _struct(flat[position])
        if record is None:
            raise MatFileError(
                path, f"layers{{{position + 1}}} is not a struct (one layer per cell).", _ADVICE
            )
        flat[position] = None
        layer = _layer(path, record, position, transpose_hw)
        del record
        if layer.kind == "conv":
            c_in = layer.kernel.shape[2]
            if c_in != channels:
                raise MatFileError(
                    path,
                    f"the channel chain breaks at conv layer {layer.name!r}: its kernel "
                    f"{layer.kernel.shape} expects C_in = {c_in}, but {previous} gives "
                    f"{channels} channels.",
                    _ADVICE,
                )
            channels = layer.kernel.shape[3]
            previous = f"conv layer {layer.name!r}"
        layers.append(layer)
    return tuple(layers)


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Metadata:
    mean_rgb: np.ndarray | None = None
    class_ids: tuple[str, ...] = ()
    class_descriptions: tuple[str, ...] = ()
    input_size: tuple[int, int] | None = None
    image_channels: int = 3


def _read_metadata(path: Path, normalization, classes) -> _Metadata:
    """Mean pixel, classes and input size from the ``normalization`` and ``classes`` structs."""
    mean = input_size = None
    channels = 3
    norm = _struct(normalization)
    if norm is not None:
        average = _field(norm, "averageImage")
        if average is not None and np.asarray(average).size:
            average = np.asarray(average, dtype=np.float64)
            if average.size % 3:
                raise MatFileError(
                    path,
                    f"normalization.averageImage has shape {average.shape}, not a multiple of 3 "
                    "(RGB) values.",
                    _ADVICE,
                )
            # 1x1x3 (2016) or 224x224x3 with the mean in every pixel (beta16): mean over pixels.
            pixels = average.reshape(-1, 3)
            same = np.all(pixels == pixels[0])
            mean = pixels[0].copy() if same else pixels.mean(axis=0)
        image_size = _field(norm, "imageSize")
        if image_size is not None and np.asarray(image_size).size >= 2:
            values = np.asarray(image_size, dtype=np.float64).ravel()
            input_size = (int(values[0]), int(values[1]))
            if values.size >= 3:
                channels = int(values[2])
    ids = descriptions = ()
    klass = _struct(classes)
    if klass is not None:
        ids = _strings(_field(klass, "name"))
        descriptions = _strings(_field(klass, "description"))
    return _Metadata(mean, ids, descriptions, input_size, channels)


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
            path, f"scipy cannot read the variable headers ({type(exc).__name__}: {exc}).", _ADVICE
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
            path, f"scipy cannot read this MAT file version ({exc}).", _ADVICE
        ) from exc
    except Exception as exc:
        raise MatFileError(
            path,
            f"the file is corrupt or truncated: scipy fails with {type(exc).__name__}: {exc}.",
            _ADVICE,
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
    path: str | os.PathLike, *, transpose_hw: bool = False, up_to: str | None = None
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
        still list the variables), no ``layers``, unknown layer type, missing or mis-shaped
        weights, NaN/inf weights, or a channel chain that does not connect.

    Notes
    -----
    Checks on the network: the first conv's ``C_in`` equals the image's channels (3, or
    ``imageSize(3)``), and every conv's ``C_in`` equals the previous conv's ``C_out``; kernels
    have rank 4; ``len(bias) == C_out``; all weights finite.

    The mean pixel is ``averageImage.reshape(-1, 3).mean(0)``, which handles both the 1x1x3
    (2016) and the 224x224x3 (beta16) forms. Integer fields are cast to float64 before any
    arithmetic (scipy returns them as uint8/uint16 from the 2016 file).

    Memory: the kernels are scipy's own float32 arrays (not copied); each layer's struct is
    released as soon as it is read, and with `up_to` the later layers are dropped before any is
    converted, so one copy of the (kept) weights is alive.
    """
    path = Path(path)
    check_file(path)
    listed = _variables(path)
    if "layers" not in listed:
        found = ", ".join(sorted(listed)) or "none"
        raise MatFileError(
            path,
            f"this MAT file has no 'layers' variable (variables: {found}), so it is not a "
            "MatConvNet simplenn network.",
            _ADVICE,
        )
    wanted = [name for name in ("layers", *_METADATA_VARIABLES, SYNTHETIC_MARKER) if name in listed]
    data = _loadmat(path, wanted)
    missing = [name for name in wanted if name not in data]
    if missing:
        raise MatFileError(
            path,
            f"the file is truncated or corrupt: its headers list {', '.join(missing)} but scipy "
            "could not read them.",
            _ADVICE,
        )
    cell = np.asarray(data.pop("layers"))
    first = _struct(cell.ravel()[0]) if cell.dtype.kind == "O" and cell.size else None
    layout = _layout(data, first)
    del first
    if "meta" in data:
        meta = _struct(data.pop("meta"))
        meta = (
            _Metadata()
            if meta is None
            else _read_metadata(path, _field(meta, "normalization"), _field(meta, "classes"))
        )
    else:
        meta = _read_metadata(path, data.pop("normalization", None), data.pop("classes", None))
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
        checksum=checksum_status(path),
        transposed_hw=transpose_hw,
    )
