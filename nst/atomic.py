"""`write_atomic`: write a file so that readers see the old one or the new one, never a part.

Every file the project writes (images, run manifests, plots) goes through this one function:
a temporary file in the destination's folder, the content, the usual permissions, then
``os.replace`` onto the destination, which is atomic on one file system. On any error, or
Ctrl-C, the temporary file is removed and the destination is untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(stream)`` on a temporary file next to `path`, then move it onto `path`.

    Parameters
    ----------
    path : path-like
        Destination; its folder must exist.
    write : callable
        Writes the whole content to the binary stream it is given.

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
    ``mkstemp`` in the destination folder, ``write``, ``chmod`` to the usual ``0666 & ~umask``
    (``mkstemp`` creates files readable by their owner only), then ``os.replace``.
    """
    path = Path(path)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return path
