"""What a run leaves next to its output: the JSON run manifest and provenance-labelled images.

- `run_manifest(...)`          the manifest of a run about to start: command, settings, weights,
  inputs, run options, environment (``status`` "running").
- `finish_manifest(...)`       the same record completed with how the run ended.
- `image_label(...)`           the provenance text every image of a run carries; `step_label`
  adds one step's iteration and loss.
- `manifest_path(out)`         ``OUT`` with ``.json`` (``out/photo.png`` -> ``out/photo.json``).
- `environment()`              Python's, TensorFlow's, numpy's, scipy's, Pillow's versions.
- `write_json(path, data)`     strict JSON, atomically (`nst.atomic.write_atomic`).
- `save_labelled_image(...)`   an RGB PNG/JPEG, atomically, with the provenance in the file itself:
  PNG text chunks (``Description``, ``Software``, ...) or a JPEG comment (COM segment).

The command line (`nst.cli`) calls these; nothing here reads images or runs the network.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from nst.atomic import write_atomic
from nst.provenance import SYNTHETIC_NOTICE, step_text, weights_label

__all__ = [
    "IMAGE_FORMATS",
    "MANIFEST_VERSION",
    "SYNTHETIC_NOTICE",
    "environment",
    "finish_manifest",
    "image_label",
    "manifest_path",
    "read_image_text",
    "run_manifest",
    "save_labelled_image",
    "step_label",
    "utc_now",
    "write_json",
]

#: Manifest format version (bump when a key changes meaning).
MANIFEST_VERSION = 1

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


def run_manifest(
    command: str,
    *,
    argv: Sequence[str],
    started: str,
    config: Any,
    weights: Any,
    output: Path,
    content: tuple[Path, np.ndarray] | None,
    styles: Sequence[tuple[Path, np.ndarray]],
    run: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest of a run about to start (``status`` "running"; `finish_manifest` ends it).

    Parameters
    ----------
    command : str
        ``stylize``, ``demo``, ``texture`` or ``reconstruct``.
    argv : sequence of str
        The command line, without the program name.
    started : str
        `utc_now` when the command started.
    config : StylizeConfig
        The resolved settings (all of them are recorded, with the seed once more on its own).
    weights : VGGWeights
        What the run uses: its file, checksum, layout, label, and whether it is synthetic.
    output : Path
        The output image (the manifest is `manifest_path` of it).
    content : (Path, image) or None
        The content image's file and pixels (H, W, 3); None for a texture (the style image
        only sets the output's shape there).
    styles : sequence of (Path, image)
        Each style image's file and pixels.
    run : mapping
        The options that do not change the result (``save_every``, ``plot``, ``device``,
        ``quiet``).

    Returns
    -------
    dict
        JSON-ready except for numpy values and paths, which `write_json` converts.
    """

    def image(path: Path, pixels: np.ndarray) -> dict[str, Any]:
        return {"path": str(path.resolve()), "size": list(pixels.shape[:2])}

    synthetic = bool(weights.synthetic)
    return {
        "manifest_version": MANIFEST_VERSION,
        "command": command,
        "argv": list(argv),
        "status": "running",
        "started": started,
        "synthetic": synthetic,
        "notice": SYNTHETIC_NOTICE if synthetic else None,
        "output": {"path": str(output.resolve()), "written": False},
        "manifest": str(manifest_path(output).resolve()),
        "settings": asdict(config),
        "seed": config.seed,
        "run": dict(run),
        "weights": {
            "path": str(Path(weights.source).resolve()) if weights.source else None,
            "checksum": weights.checksum,
            "synthetic": synthetic,
            "layout": weights.layout,
            "transposed_hw": bool(weights.transposed_hw),
            "label": weights.label,
        },
        "inputs": {
            "content": None if content is None else image(*content),
            "styles": [image(path, pixels) for path, pixels in styles],
        },
        "environment": environment(),
    }


def finish_manifest(
    record: dict[str, Any],
    outcome: Any,
    *,
    written: bool,
    plot: Path | None,
    wall_time_s: float,
) -> dict[str, Any]:
    """Complete `record` (from `run_manifest`) with how the run ended; return it (not written).

    Parameters
    ----------
    record : dict
        Updated in place.
    outcome : nst.progress.Outcome
        Status, exit status, message, the signal that stopped it (``"SIGINT"``,
        ``"SIGTERM"`` or None), the step kept and the history.
    written : bool
        Whether the kept step's image was written to the output.
    plot : Path or None
        The loss plot, if one was written.
    wall_time_s : float
        Seconds since the command started.
    """
    keep, history = outcome.keep, outcome.history
    if written:
        record["output"].update(
            written=True,
            which=outcome.which,
            iteration=keep.iteration,
            total_loss=keep.losses["total"],
            size=list(keep.image.shape[:2]),
        )
    if history.best is not None:
        record["best"] = {
            "iteration": history.best.iteration,
            "total_loss": history.best.losses["total"],
        }
    record.update(
        status=outcome.status,
        exit_status=outcome.exit_status,
        signal=getattr(outcome, "signal", None),
        message=outcome.message,
        finished=utc_now(),
        wall_time_s=round(wall_time_s, 3),
        plot=str(plot.resolve()) if plot else None,
        history=history.columns(),
    )
    return record


def image_label(command: str, weights: Any, *, program: str = "nst") -> dict[str, str]:
    """The provenance text every image of a run carries (PNG text chunks, a JPEG comment).

    Parameters
    ----------
    command : str
        The sub-command (``stylize``, ...).
    weights : VGGWeights
        Its ``label``, and whether it is synthetic (then the text says so, loudly).
    program : str
        The command line's name.

    Returns
    -------
    dict
        ``Software``, ``Weights``, ``Description``, and ``Warning`` for synthetic weights.
    """
    software = f"nst-from-scratch ({program} {command})"
    return weights_label(weights, software, made_by=f"{program} {command}")


def step_label(label: Mapping[str, str], step: Any) -> dict[str, str]:
    """`label` (from `image_label`) plus one step's iteration and total loss
    (`nst.provenance.step_text`)."""
    return step_text(label, step)


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
