"""`write_atomic`: write a file so that readers see the old one or the new one, never a part.

The files `vgg_mat` writes (the synthetic miniatures, the checksum memo in the weights cache)
go through this one function: a temporary file in the destination's folder, the content, the
usual permissions (``0666 & ~umask``, like any file the user creates), then ``os.replace``
onto the destination, which is atomic on one file system. On any error, or Ctrl-C, the
temporary file is removed and the destination is untouched. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["default_mode", "write_atomic"]


def default_mode() -> int:
    """The mode a new file gets from ``open()``: ``0o666 & ~umask``.

    Examples
    --------
    >>> old = os.umask(0o027)
    >>> oct(default_mode())
    '0o640'
    >>> _ = os.umask(old)
    """
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (``/proc``), else by
    setting and restoring it (which, for an instant, affects files other threads create)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(stream)`` on a temporary file next to `path`, then move it onto `path`.

    Parameters
    ----------
    path : path-like
        Destination; its folder must exist.
    write : callable
        Writes the whole content to the binary stream it is given (it may seek).

    Returns
    -------
    Path
        `path`.

    Raises
    ------
    OSError
        The folder is missing or not writable, or the disk is full (nothing is left behind).

    Notes
    -----
    ``mkstemp`` in the destination folder, ``write``, ``chmod`` to `default_mode`
    (``mkstemp`` creates files readable by their owner only), then ``os.replace``.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w+b") as stream:
            write(stream)
        os.chmod(temp, default_mode())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return path
