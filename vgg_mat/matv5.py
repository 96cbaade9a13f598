"""MAT-v5 post-processing: label integer-stored arrays as MATLAB doubles, then compress.

MATLAB saves an integer-valued ``double`` array in the smallest integer storage type that holds
it (uint8, uint16, ...), but keeps the array's *class* ``double``. `scipy.io.loadmat` returns the
storage type by default (uint8 ``[[1 1 1 1]]`` for ``pad``) and the class with
``mat_dtype=True`` (float64). `scipy.io.savemat` cannot write that combination: it writes class
uint8 for uint8 arrays. This module walks the MAT-v5 element tree of a file scipy wrote
(uncompressed), sets the class byte of every non-logical integer array to ``mxDOUBLE_CLASS``,
and zlib-compresses each top-level variable as MATLAB does. The result reads like the real
`imagenet-vgg-verydeep-19.mat` under every `loadmat` option, ``mat_dtype=True`` included.

MAT-v5 in brief (MathWorks "MAT-File Format"): a 128-byte header, then one element per variable.
An element is an 8-byte tag ``(type: uint32, nbytes: uint32)`` and ``nbytes`` of data padded to
8 bytes, or a *small* element (``nbytes <= 4``) packed into 8 bytes, whose first uint32 holds
``nbytes << 16 | type``. A variable is a ``miMATRIX`` element containing, in order: array flags
(``miUINT32``, 8 bytes; class in the low byte of the first word, the logical flag in bit 9),
dimensions, name, then the class's contents: data elements (numeric, char), one ``miMATRIX``
per element (cell), or a field-name length, the field names and one ``miMATRIX`` per element
and field (struct).
"""

from __future__ import annotations

import math
import struct
import zlib

MI_INT8 = 1
MI_INT32 = 5
MI_UINT32 = 6
MI_MATRIX = 14
MI_COMPRESSED = 15

MX_CELL_CLASS = 1
MX_STRUCT_CLASS = 2
MX_OBJECT_CLASS = 3
MX_DOUBLE_CLASS = 6
#: uint8, uint16, uint32: the storage types MATLAB uses for non-negative integer-valued doubles.
MX_UNSIGNED_CLASSES = (9, 11, 13)

_LOGICAL_FLAG = 0x0200
_HEADER_BYTES = 128


class MatV5FormatError(ValueError):
    """The bytes do not follow the MAT-v5 element structure this module understands."""


def _endian(header: bytes) -> str:
    indicator = bytes(header[126:128])
    if indicator == b"IM":
        return "<"
    if indicator == b"MI":
        return ">"
    raise MatV5FormatError(f"not a MAT-v5 header (endian indicator {indicator!r})")


def _tag(buffer, position: int, endian: str) -> tuple[int, int, int, int]:
    """Read the tag at `position`: ``(type, nbytes, data_start, next_element)``."""
    if position + 8 > len(buffer):
        raise MatV5FormatError(f"element tag at byte {position} runs past the end")
    (word,) = struct.unpack_from(endian + "I", buffer, position)
    small_bytes = word >> 16
    if small_bytes:  # small data element: 2 bytes size, 2 bytes type, up to 4 bytes data
        return word & 0xFFFF, small_bytes, position + 4, position + 8
    (nbytes,) = struct.unpack_from(endian + "I", buffer, position + 4)
    start = position + 8
    return word, nbytes, start, start + nbytes + (-nbytes % 8)


def _relabel_matrix(buffer, start: int, end: int, endian: str) -> int:
    """Relabel inside one ``miMATRIX`` body ``buffer[start:end]``; return the arrays changed."""
    if start == end:  # an empty array may have no body at all
        return 0
    kind, nbytes, flags_at, position = _tag(buffer, start, endian)
    if kind != MI_UINT32 or nbytes != 8:
        raise MatV5FormatError(f"array flags expected at byte {start}")
    (flags,) = struct.unpack_from(endian + "I", buffer, flags_at)
    array_class = flags & 0xFF
    kind, nbytes, dims_at, position = _tag(buffer, position, endian)
    if kind != MI_INT32:
        raise MatV5FormatError(f"array dimensions expected at byte {dims_at - 8}")
    dims = struct.unpack_from(f"{endian}{nbytes // 4}i", buffer, dims_at)
    count = math.prod(dims)
    _, _, _, position = _tag(buffer, position, endian)  # array name
    if array_class in MX_UNSIGNED_CLASSES and not flags & _LOGICAL_FLAG:
        struct.pack_into(endian + "I", buffer, flags_at, (flags & ~0xFF) | MX_DOUBLE_CLASS)
        return 1
    if array_class == MX_CELL_CLASS:
        children = count
    elif array_class in (MX_STRUCT_CLASS, MX_OBJECT_CLASS):
        if array_class == MX_OBJECT_CLASS:
            _, _, _, position = _tag(buffer, position, endian)  # class name
        _, _, length_at, position = _tag(buffer, position, endian)
        (name_length,) = struct.unpack_from(endian + "i", buffer, length_at)
        kind, nbytes, _, position = _tag(buffer, position, endian)
        if kind != MI_INT8:
            raise MatV5FormatError("struct field names expected")
        children = count * (nbytes // name_length if name_length else 0)
    else:
        return 0  # numeric, char, sparse, logical: leaves
    changed = 0
    for _ in range(children):
        kind, nbytes, body, after = _tag(buffer, position, endian)
        if kind != MI_MATRIX:
            raise MatV5FormatError(f"miMATRIX expected at byte {position}, found type {kind}")
        changed += _relabel_matrix(buffer, body, body + nbytes, endian)
        position = after
    if position > end:
        raise MatV5FormatError(f"array at byte {start} overruns its element")
    return changed


def _top_level(buffer, endian: str):
    """Yield ``(start, body, body_end, next)`` of every top-level ``miMATRIX`` element."""
    position = _HEADER_BYTES
    while position < len(buffer):
        kind, nbytes, body, after = _tag(buffer, position, endian)
        if kind != MI_MATRIX:
            raise MatV5FormatError(
                f"top-level miMATRIX expected at byte {position}, found type {kind} "
                "(relabel works on uncompressed files only)"
            )
        yield position, body, body + nbytes, after
        position = after


def relabel_integer_doubles(buffer: bytearray | memoryview) -> int:
    """Mark integer-stored arrays as class double, as MATLAB writes them, in place.

    Parameters
    ----------
    buffer : bytearray or writable memoryview
        A complete, **uncompressed** MAT-v5 file (e.g. ``scipy.io.savemat(...,
        do_compression=False)`` into a `io.BytesIO`, then ``getbuffer()``). Modified in place.

    Returns
    -------
    int
        How many arrays were relabelled.

    Raises
    ------
    MatV5FormatError
        When the bytes are not an uncompressed MAT-v5 file.

    Notes
    -----
    Only the class byte (low byte of the array-flags word) changes, uint8/uint16/uint32 (9,
    11, 13) to double (6), and only for non-logical arrays; the data element keeps its integer
    type, so ``loadmat`` returns uint8/uint16 by default and float64 with ``mat_dtype=True``.
    Logical arrays (``precious``, ``keepAspect``) keep class uint8 with the logical flag.
    """
    endian = _endian(buffer)
    return sum(
        _relabel_matrix(buffer, body, end, endian) for _, body, end, _ in _top_level(buffer, endian)
    )


def write_compressed(buffer: bytes | bytearray | memoryview, stream) -> None:
    """Write an uncompressed MAT-v5 file to `stream` with every variable zlib-compressed.

    Parameters
    ----------
    buffer : bytes-like
        A complete, uncompressed MAT-v5 file.
    stream : binary file object
        Receives the 128-byte header, then one ``miCOMPRESSED`` element per variable:
        tag ``(15, len(z))`` followed by ``z = zlib.compress(miMATRIX element)``, unpadded,
        as MATLAB and scipy write them. One variable is compressed at a time.
    """
    endian = _endian(buffer)
    view = memoryview(buffer)
    stream.write(view[:_HEADER_BYTES])
    for start, _, end, _ in _top_level(buffer, endian):
        packed = zlib.compress(view[start:end])
        stream.write(struct.pack(endian + "II", MI_COMPRESSED, len(packed)))
        stream.write(packed)
        del packed
    view.release()
