"""What a run leaves next to its output: the JSON run manifest and provenance-labelled images.

- `manifest_path(out)`         ``OUT`` with ``.json`` (``out/photo.png`` -> ``out/photo.json``).
- `environment()`              Python's, TensorFlow's, numpy's, scipy's, Pillow's versions.
- `write_json(path, data)`     strict JSON, atomically (`nst.atomic.write_atomic`).
- `save_labelled_image(...)`   an RGB PNG/JPEG, atomically, with the provenance in the file itself:
  PNG text chunks (``Description``, ``Software``, ...) or a JPEG comment (COM segment).

Nothing here knows about style transfer; the CLI (`nst.cli`) fills the manifest.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from nst.atomic import write_atomic

#: Manifest format version (bump when a key changes meaning).
MANIFEST_VERSION = 1

#: What every file made with random weights says about itself.
SYNTHETIC_NOTICE = "synthetic random weights, not a style-transfer result"

#: Image formats the CLI writes, by lower-case extension (`nst.images.SAVE_FORMATS`, repeated
#: here so the CLI checks an output name without importing PIL).
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}

_PACKAGES = {  # manifest key -> (module name, distribution name)
    "tensorflow": ("tensorflow", "tensorflow"),
    "numpy": ("numpy", "numpy"),
    "scipy": ("scipy", "scipy"),
    "pillow": ("PIL", "pillow"),
    "matplotlib": ("matplotlib", "matplotlib"),
}


def manifest_path(out: str | os.PathLike) -> Path:
    """The manifest of output `out`: the same path with the suffix ``.json``."""
    return Path(out).with_suffix(".json")


def utc_now() -> str:
    """The current UTC time, ISO 8601 with seconds (``2026-01-31T12:00:00Z``)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version(module: str, distribution: str) -> str | None:
    loaded = sys.modules.get(module)
    version = getattr(loaded, "__version__", None) if loaded is not None else None
    if version is None:
        try:
            version = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            return None
    return str(version)


def environment() -> dict[str, str | None]:
    """Versions of the interpreter and the libraries a run depends on.

    Returns
    -------
    dict
        ``python``, ``platform``, ``nst-from-scratch`` (this package, None when not installed),
        ``tensorflow``, ``numpy``, ``scipy``, ``pillow``, ``matplotlib`` (None when missing).
        A module already imported reports its ``__version__``; otherwise the installed
        distribution's version is read, so nothing heavy is imported.
    """
    info: dict[str, str | None] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "nst-from-scratch": _version("nst-from-scratch", "nst-from-scratch"),
    }
    for key, (module, distribution) in _PACKAGES.items():
        info[key] = _version(module, distribution)
    return info


def _jsonable(value: Any) -> Any:
    """`value` with numpy scalars/arrays, paths and tuples made JSON-friendly; NaN/inf as str."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # strict JSON has no NaN/Infinity
    return value


def write_json(path: str | os.PathLike, data: Mapping[str, Any]) -> Path:
    """Write `data` as indented, strict JSON (UTF-8), atomically.

    Parameters
    ----------
    path : path-like
        Destination; its folder must exist. An existing file is replaced only once the new one
        is complete.
    data : mapping
        JSON-like values; numpy scalars and arrays, tuples and paths are converted, and
        non-finite floats are written as the strings ``"nan"``, ``"inf"``, ``"-inf"``.

    Returns
    -------
    Path
    """
    text = json.dumps(_jsonable(data), indent=1, allow_nan=False) + "\n"
    return write_atomic(Path(path), lambda stream: stream.write(text.encode("utf-8")))


def save_labelled_image(
    path: str | os.PathLike, image: np.ndarray, text: Mapping[str, str]
) -> Path:
    """Write an (H, W, 3) RGB image as PNG or JPEG, atomically, with provenance text inside.

    `nst.images.save_image` with ``metadata=text``: PNG ``tEXt`` chunks, or a JPEG comment of
    ``key: value`` lines (read back with `read_image_text`).

    Raises
    ------
    nst.images.ImageError
        A `ValueError`: an unsupported extension, a bad shape, NaN/inf pixels, or a folder
        that is missing or not writable (nothing is written, no temporary file is left).
    """
    from nst.images import save_image

    return save_image(path, image, metadata=text)


def read_image_text(path: str | os.PathLike) -> str:
    """All provenance text stored in an image by `save_labelled_image`, as one string.

    PNG text chunks are returned as ``key: value`` lines; a JPEG's comment as it is.
    """
    from PIL import Image

    with Image.open(path) as img:
        if getattr(img, "text", None):
            return "\n".join(f"{key}: {value}" for key, value in img.text.items())
        comment = img.info.get("comment", b"")
    return comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)
