"""The weights cache folder, and the checksums remembered in it: `cache_dir`, `verified_status`.

A file of exactly the published size (534,904,783 bytes for the 2016 file) is almost surely
meant to be the published file; if its MD5 differs, bytes inside the weights have changed (a
bad disk, an interrupted copy, an edit) and nothing else would notice: a flipped byte in a
kernel loads without a word. So `vgg_mat.load` refuses such a file, unless the caller opts out
(``load(..., verify_checksum=False)`` or the environment variable ``VGG_MAT_SKIP_CHECKSUM=1``,
which the ``nst`` and ``vgg-mat`` commands honour too).

Hashing 535 MB takes about a second, so the MD5 is computed once per file and remembered in
``checksums.json`` in the cache folder, keyed by the file's absolute path, size and
modification time; when either changes, the file is hashed again. The memo is JSON (never
pickle), written atomically; if it cannot be read or written, the file is simply hashed again.
Files of any other size (synthetic miniatures, VGG-16, re-saved copies) are never hashed here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from vgg_mat import integrity
from vgg_mat.atomic import write_atomic
from vgg_mat.integrity import UNVERIFIED, could_be_official, official_entry
from vgg_mat.weights import MatFileError

__all__ = [
    "MEMO_NAME",
    "SKIP_CHECKSUM_ENV",
    "cache_dir",
    "checksum_skipped",
    "remembered_md5",
    "verified_status",
]

#: The environment variable that turns the refusal of a corrupt official-size file off.
SKIP_CHECKSUM_ENV = "VGG_MAT_SKIP_CHECKSUM"

#: The memo's file name in `cache_dir`.
MEMO_NAME = "checksums.json"

_FORMAT = 1
_MAX_ENTRIES = 32


def cache_dir() -> Path:
    """``$VGG_MAT_HOME`` if set, else ``~/.cache/vgg_mat``: the weights and the checksum memo."""
    home = os.environ.get("VGG_MAT_HOME")
    return Path(home).expanduser() if home else Path.home() / ".cache" / "vgg_mat"


def checksum_skipped(verify_checksum: bool | None = None) -> bool:
    """Whether to accept an official-size file whose MD5 does not match.

    `verify_checksum` decides when given; None reads ``$VGG_MAT_SKIP_CHECKSUM`` (set and not
    ``0``, ``false``, ``no`` or empty: skip).

    Examples
    --------
    >>> checksum_skipped(False), checksum_skipped(True)
    (True, False)
    """
    if verify_checksum is not None:
        return not verify_checksum
    value = os.environ.get(SKIP_CHECKSUM_ENV, "").strip().lower()
    return value not in ("", "0", "false", "no")


def _read_memo(memo: Path) -> dict[str, dict]:
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) and data.get("format") == _FORMAT else None
    return files if isinstance(files, dict) else {}


def _write_memo(memo: Path, files: dict[str, dict]) -> None:
    kept = dict(list(files.items())[-_MAX_ENTRIES:])
    text = json.dumps({"format": _FORMAT, "files": kept}, indent=1)  # oldest first: kept order
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo, lambda stream: stream.write(text.encode("utf-8")))
    except OSError:
        pass  # a read-only cache: the file is hashed again next time, nothing else changes


def remembered_md5(path: str | os.PathLike) -> str:
    """The file's MD5, from the memo when the file is unchanged, else hashed.

    Unchanged means the same path, size, inode, modification and status-change times (a copy
    that keeps the modification time still gets a new inode or ctime). A newly computed MD5 is
    added to the memo (``cache_dir() / "checksums.json"``) only if the file did not change
    while it was read. Without a usable cache folder (no home directory), it is just hashed.
    """
    path = Path(path)
    stat = path.stat()
    identity = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                "ctime_ns": stat.st_ctime_ns, "inode": stat.st_ino}  # fmt: skip
    try:
        memo = cache_dir() / MEMO_NAME
    except (RuntimeError, KeyError, OSError):  # Path.home() without HOME or a passwd entry
        return integrity.file_md5(path)
    key = str(path.resolve())
    files = _read_memo(memo)
    entry = files.get(key)
    unchanged = isinstance(entry, dict) and all(entry.get(k) == v for k, v in identity.items())
    if unchanged and isinstance(entry.get("md5"), str):
        return entry["md5"]
    md5 = integrity.file_md5(path)
    after = path.stat()
    if (after.st_size, after.st_mtime_ns, after.st_ctime_ns) == (
        stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns
    ):  # fmt: skip
        files.pop(key, None)
        files[key] = {**identity, "md5": md5}
        _write_memo(memo, files)
    return md5


def verified_status(path: str | os.PathLike, *, verify_checksum: bool | None = None) -> str:
    """`vgg_mat.integrity.checksum_status`, remembered, and a refusal of a corrupt copy.

    Parameters
    ----------
    path : path-like
        The weights file.
    verify_checksum : bool, optional
        False accepts a file of a published size whose MD5 differs (an edited copy); None
        (default) reads ``$VGG_MAT_SKIP_CHECKSUM`` (`checksum_skipped`).

    Returns
    -------
    str
        ``"official-2016"``, ``"official-beta16"`` or ``"unverified"``.

    Raises
    ------
    MatFileError
        The file has exactly a published file's size but not its MD5, and the check is on.
    """
    size = os.path.getsize(path)
    if not could_be_official(size):
        return UNVERIFIED
    md5 = remembered_md5(path)
    entry = official_entry(size, md5)
    if entry is not None:
        return entry.status
    same_size = [e for e in integrity.OFFICIAL_FILES.values() if e.size == size]
    if same_size and not checksum_skipped(verify_checksum):
        expected = same_size[0]
        raise MatFileError(
            path,
            f"the file has the exact size of the published {expected.layout} file "
            f"({size:,} bytes) but its MD5 is {md5}, not {expected.md5}: it is corrupt or was "
            "edited.",
            "Re-download it with `vgg-mat download`; if you changed it on purpose, load it with "
            f"vgg_mat.load(..., verify_checksum=False) or set {SKIP_CHECKSUM_ENV}=1.",
        )
    return UNVERIFIED
