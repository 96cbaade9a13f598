"""Is this the weights file? Checksums of the published files and cheap integrity checks.

One module owns what "the right file" means, for the loader (`vgg_mat.matfile`), the
downloader (`vgg_mat.download`) and ``vgg-mat verify`` alike:

- `OFFICIAL_FILES`: the two published ``imagenet-vgg-verydeep-19.mat`` files (layout, size,
  MD5), and `OFFICIAL_URL` where the 2016 one is served;
- `file_md5`: the one MD5 routine;
- `checksum_status`: ``"official-2016"``, ``"official-beta16"`` or ``"unverified"``, hashing
  only a file whose size could match;
- `SYNTHETIC_MARKER`: the variable by which a random miniature says what it is;
- `check_file`: microsecond checks on the raw bytes before scipy reads anything (an HTML page,
  a git-lfs pointer, a v7.3/HDF5 file, a truncated download), each a `MatFileError` that says
  what is wrong and what to do.

No TensorFlow, no scipy: the standard library and `vgg_mat.weights.MatFileError`.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from vgg_mat.weights import MatFileError

__all__ = [
    "ADVICE",
    "CHUNK_BYTES",
    "FILE_NAME",
    "OFFICIAL_FILES",
    "OFFICIAL_MD5",
    "OFFICIAL_SIZE",
    "OFFICIAL_URL",
    "UNKNOWN_SIZE_WINDOW",
    "UNVERIFIED",
    "SYNTHETIC_MARKER",
    "OfficialFile",
    "check_file",
    "checksum_status",
    "could_be_official",
    "file_md5",
    "official_entry",
]

_MAT5_TEXT = b"MATLAB 5.0 MAT-file"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_HEADER_BYTES = 128


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

    @property
    def layout(self) -> str:
        """The file's layout, ``"2016"`` or ``"beta16"`` (`vgg_mat.architecture.LAYOUTS`)."""
        return self.status.removeprefix("official-")


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

#: `checksum_status` of a file that is not a published one (not an error).
UNVERIFIED = "unverified"

#: Where the 2016 file is published (the beta16 file is no longer online).
OFFICIAL_URL = "http://www.vlfeat.org/matconvnet/models/imagenet-vgg-verydeep-19.mat"

#: The 2016 file's MD5 and size in bytes, the ones `vgg_mat.download` checks.
OFFICIAL_MD5 = OFFICIAL_FILES["official-2016"].md5
OFFICIAL_SIZE = OFFICIAL_FILES["official-2016"].size

#: The published file's name.
FILE_NAME = "imagenet-vgg-verydeep-19.mat"

#: Name of the top-level variable that marks a file as a random miniature written by
#: `vgg_mat.write_synthetic`; `vgg_mat.load` sets ``VGGWeights.synthetic`` when it is there.
SYNTHETIC_MARKER = "vgg_mat_synthetic"

#: Bytes per read when hashing or downloading.
CHUNK_BYTES = 1 << 20

#: What every "this file is broken" message ends with.
ADVICE = (
    f"Re-download it with `vgg-mat download` (the official file is {OFFICIAL_SIZE:,} bytes, "
    f"MD5 {OFFICIAL_MD5}), or write an offline stand-in with `vgg-mat synthetic OUT.mat`."
)


def file_md5(path: str | os.PathLike, chunk_bytes: int = CHUNK_BYTES) -> str:
    """Hex MD5 of a file, read in chunks of `chunk_bytes` (constant memory).

    The one MD5 routine: `checksum_status`, ``vgg-mat verify`` and `vgg_mat.download` use it
    (there as ``md5sum``). About a second for the 535 MB file.
    """
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as stream:
        while chunk := stream.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def _size_could_match(entry: OfficialFile, size: int) -> bool:
    if entry.size is not None:
        return size == entry.size
    low, high = UNKNOWN_SIZE_WINDOW
    return low <= size <= high


def could_be_official(size: int) -> bool:
    """Whether a file of `size` bytes could be a published one (so is worth hashing).

    Examples
    --------
    >>> could_be_official(534_904_783), could_be_official(10_000_000)
    (True, False)
    """
    return any(_size_could_match(entry, size) for entry in OFFICIAL_FILES.values())


def official_entry(size: int, md5: str) -> OfficialFile | None:
    """The published file with this MD5 and, where its size is known, this size; else None.

    Examples
    --------
    >>> official_entry(534_904_783, "106118B7CF60435E6D8E04F6A6DC3657").layout
    '2016'
    >>> official_entry(1_000, "106118b7cf60435e6d8e04f6a6dc3657") is None
    True
    """
    for entry in OFFICIAL_FILES.values():
        if md5.lower() == entry.md5.lower() and entry.size in (None, size):
            return entry
    return None


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
    if not could_be_official(size):
        return UNVERIFIED
    entry = official_entry(size, file_md5(path) if md5 is None else md5)
    return UNVERIFIED if entry is None else entry.status


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
        raise MatFileError(path, "no such file.", ADVICE)
    if not path.is_file():
        raise MatFileError(
            path, "is not a regular file (a folder?).", "Give the path of the .mat file."
        )
    size = path.stat().st_size
    if size == 0:
        raise MatFileError(path, "the file is empty (0 bytes): the download failed.", ADVICE)
    with open(path, "rb") as stream:
        head = stream.read(_HEADER_BYTES)
        text = head.lstrip()
        if text[:1] == b"<":
            raise MatFileError(
                path,
                f"this is an HTML page ({size:,} bytes), not a MAT file: a web server sent an "
                "error or login page instead of the weights.",
                ADVICE,
            )
        if text.startswith(b"version https://git-lfs"):
            raise MatFileError(
                path,
                f"this is a git-lfs pointer file ({size:,} bytes), not the weights: the "
                "repository was cloned without git-lfs.",
                "Run `git lfs pull` in that clone, or " + ADVICE[0].lower() + ADVICE[1:],
            )
        if head.startswith(_HDF5_SIGNATURE) or head.startswith(b"MATLAB 7.3"):
            raise MatFileError(
                path,
                "this is a MATLAB v7.3 (HDF5) file, which scipy cannot read; the published "
                "files are MAT-v5.",
                "Re-save it in MATLAB with `save(..., '-v7')`, or "
                + ADVICE[0].lower()
                + ADVICE[1:],
            )
        if not head.startswith(_MAT5_TEXT):
            raise MatFileError(
                path,
                f"not a MATLAB 5 MAT file (it does not start with 'MATLAB 5.0 MAT-file'; "
                f"first bytes {head[:16]!r}).",
                ADVICE,
            )
        if len(head) < _HEADER_BYTES or head[126:128] not in (b"IM", b"MI"):
            raise MatFileError(
                path,
                f"the file is truncated inside its 128-byte header ({size:,} bytes).",
                ADVICE,
            )
        endian = "<" if head[126:128] == b"IM" else ">"
        if size == _HEADER_BYTES:
            raise MatFileError(
                path,
                "the file ends right after its 128-byte header: it holds no variables "
                "(a truncated download).",
                ADVICE,
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
                        ADVICE,
                    )
                break
            _, nbytes = struct.unpack(endian + "II", tag)
            end = position + 8 + nbytes
            if end > size:
                raise MatFileError(
                    path,
                    f"the file is truncated: it is {size:,} bytes but its variable #{index + 1} "
                    f"needs {end:,} bytes.",
                    ADVICE,
                )
            position = end
            index += 1
    return size
