"""Model files: a generator's weights in an ``.npz`` plus its architecture and settings as JSON.

One file, ``model.npz``, a zip of ``.npy`` arrays (numpy's format, never a pickle):

- one float32 array per variable, by its path name (``down1/conv/kernel``, ...);
- ``__model__``: UTF-8 JSON as a uint8 array: ``{"format": "nst-feedforward", "version": 1,
  "architecture": {"kind": "johnson", ...}, "info": {training settings, the loss, the
  weights' label (synthetic or not), the step}}``.

`read_model_file` checks a file without TensorFlow (not a zip, a pickle, an object array,
no or bad ``__model__``, an unknown kind, non-finite weights); `load_model` then builds the
network from the architecture and checks every weight's name and shape against it. Each problem
is a `ModelFileError` (a ValueError) that names the file, says what is wrong and what to do.
`np.load` always runs with ``allow_pickle=False``: a pickle inside is refused, never run.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from vgg_mat.atomic import write_atomic

__all__ = ["FORMAT", "ModelFileError", "build_model", "load_model", "read_model_file", "save_model"]

#: What ``__model__["format"]`` says, and the version this code reads.
FORMAT, VERSION = "nst-feedforward", 1
#: The entry that holds the JSON.
META = "__model__"
#: The architectures, and the settings each takes (all integers).
KINDS = {"johnson": ("width", "blocks"), "texture": ("scales", "width")}


class ModelFileError(ValueError):
    """A file that is not a usable model; the message names it and says what to do."""


def build_model(architecture: dict, *, seed: int = 0):
    """A fresh network from its architecture dict (``{"kind": "johnson", "width": 32, ...}``)."""
    kind = architecture.get("kind")
    if kind == "johnson":
        from nst.feedforward.johnson import TransformNet

        return TransformNet(width=architecture["width"], blocks=architecture["blocks"], seed=seed)
    if kind == "texture":
        from nst.feedforward.texture import TextureNet

        return TextureNet(scales=architecture["scales"], width=architecture["width"], seed=seed)
    raise ValueError(f"unknown network kind {kind!r}; known: {', '.join(KINDS)}")


def save_model(path: str | os.PathLike, model, *, info: dict[str, Any] | None = None) -> Path:
    """Write `model`'s weights and architecture (and `info`, JSON-able) to `path`, atomically.

    The file is complete or absent: an interrupted save leaves the previous file in place.
    """
    from nst.feedforward.layers import named_variables

    meta = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": model.architecture,
        "info": info or {},
    }
    arrays = {name: v.numpy() for name, v in named_variables(model).items()}
    arrays[META] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), np.uint8)
    return write_atomic(path, lambda stream: np.savez(stream, **arrays))


def _refuse(path: Path, what: str, todo: str = "give a model written by `nst train`") -> None:
    raise ModelFileError(f"model {path}: {what}; {todo}")


def read_model_file(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and check a model file without TensorFlow: ``(meta dict, {name: array})``.

    Raises
    ------
    ModelFileError
        Missing file, a folder, not a zip (a pickle is named as such), an array that would need
        unpickling, no ``__model__``, bad JSON, another format or version, an unknown kind or
        bad settings, a non-float32 or non-finite weight.
    """
    path = Path(path).expanduser()
    if not path.exists():
        _refuse(path, "no such file", "check the path")
    if path.is_dir():
        _refuse(path, "is a folder, not a model file")
    with open(path, "rb") as stream:
        head = stream.read(4)
    if head[:1] == b"\x80":
        _refuse(path, "is a Python pickle, which is never loaded (it could run any code)")
    if head != b"PK\x03\x04" or not zipfile.is_zipfile(path):
        _refuse(path, "is not a model file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "pickle" in str(error).lower():
            _refuse(
                path, "holds a pickled object array, which is never loaded (it could run any code)"
            )
        _refuse(path, f"cannot be read ({error})")
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        _refuse(path, f"is damaged or truncated ({error})")
    if META not in arrays:
        _refuse(path, f"has no {META} entry, so it is not an nst model (a plain .npz?)")
    try:
        meta = json.loads(arrays.pop(META).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        _refuse(path, f"its {META} entry is not JSON ({error}); the file is damaged")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        _refuse(path, f"its {META} entry does not say format {FORMAT!r}")
    if meta.get("version") != VERSION:
        _refuse(
            path,
            f"is version {meta.get('version')!r}; this nst reads version {VERSION}",
            "retrain it with this nst, or use the nst that wrote it",
        )
    arch = meta.get("architecture")
    kind = arch.get("kind") if isinstance(arch, dict) else None
    if kind not in KINDS:
        _refuse(path, f"unknown network kind {kind!r} (known: {', '.join(KINDS)})")
    for key in KINDS[kind]:
        value = arch.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 4096:
            _refuse(path, f"architecture setting {key}={value!r} is not a sensible integer")
    for name, array in arrays.items():
        if array.dtype != np.float32:
            _refuse(path, f"weight {name} is {array.dtype}, not float32")
        if not np.all(np.isfinite(array)):
            _refuse(
                path,
                f"weight {name} has NaN or infinite values (a diverged training run?)",
                "use an earlier checkpoint or retrain with a lower learning rate",
            )
    return meta, arrays


def load_model(path: str | os.PathLike):
    """The network of a model file, checked: ``(model, meta)``.

    The architecture is rebuilt and every weight's name and shape must match it exactly
    (`ModelFileError` lists the first differences). Output is bit-identical to the saved
    network's on the same machine.
    """
    from nst.feedforward.layers import named_variables

    path = Path(path).expanduser()
    meta, arrays = read_model_file(path)
    model = build_model(meta["architecture"])
    wanted = named_variables(model)
    missing = sorted(set(wanted) - set(arrays))
    extra = sorted(set(arrays) - set(wanted))
    if missing or extra:
        _refuse(
            path,
            f"its weights do not fit its architecture {meta['architecture']} "
            f"(missing: {', '.join(missing[:3]) or 'none'}; unexpected: "
            f"{', '.join(extra[:3]) or 'none'})",
            "the file is damaged or edited",
        )
    for name, variable in wanted.items():
        if tuple(variable.shape) != arrays[name].shape:
            _refuse(
                path,
                f"weight {name} has shape {arrays[name].shape}, the architecture "
                f"needs {tuple(variable.shape)}",
                "the file is damaged or edited",
            )
        variable.assign(arrays[name])
    return model, meta
