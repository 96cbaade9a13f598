"""Model files: a generator's weights in an ``.npz`` plus its architecture and settings as JSON.

One file, ``model.npz``, a zip of ``.npy`` arrays (numpy's format, never a pickle):

- one float32 array per variable, by its path name (``down1/conv/kernel``, ...);
- ``__model__``: UTF-8 JSON as a uint8 array: ``{"format": "nst-feedforward", "version": 1,
  "architecture": {"kind": "johnson", ...}, "info": {training settings, the loss, the
  weights' label (synthetic or not, `nst.feedforward.origin`), the step}}``.

`read_model_file` checks a file without TensorFlow and before reading any weight: a zip of
``.npy`` entries only (not a pickle, no object array, no other file), a ``__model__`` of this
format, a known architecture within `nst.feedforward.spec.LIMITS`, provenance entries of the
right type, then every weight's name, dtype and shape against the shapes the architecture
implies (`nst.feedforward.spec.weight_shapes`, read from the ``.npy`` headers, so a damaged
or hostile file cannot make it allocate more than the network needs), and finally finite
values. `load_model` builds the network only from a file that passed. Each problem is a
`ModelFileError` (a ValueError) that names the file, says what is wrong and what to do.
Arrays are read with ``allow_pickle=False``: a pickle inside is refused, never run.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from nst.feedforward.origin import provenance, provenance_problem
from nst.feedforward.spec import KINDS, check_architecture, weight_shapes
from vgg_mat.atomic import write_atomic

__all__ = [
    "FORMAT",
    "ModelFileError",
    "build_model",
    "load_model",
    "model_from",
    "read_model_file",
    "save_model",
]

#: What ``__model__["format"]`` says, and the version this code reads.
FORMAT, VERSION = "nst-feedforward", 1
#: The entry that holds the JSON.
META = "__model__"
#: The suffix of every entry of the zip (numpy's own format).
NPY = ".npy"
#: The largest ``__model__`` entry read, bytes (the JSON is a few kB).
MAX_META_BYTES = 1 << 20
#: What reading a damaged zip or ``.npy`` entry can raise.
_READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error)


class ModelFileError(ValueError):
    """A file that is not a usable model; the message names it and says what to do."""


def build_model(architecture: dict, *, seed: int = 0):
    """A fresh network from its architecture dict (``{"kind": "johnson", "width": 32, ...}``).

    ValueError (before anything is built) for an unknown kind or a setting outside
    `nst.feedforward.spec.LIMITS`.
    """
    check_architecture(architecture)
    if architecture["kind"] == "johnson":
        from nst.feedforward.johnson import TransformNet

        return TransformNet(width=architecture["width"], blocks=architecture["blocks"], seed=seed)
    from nst.feedforward.texture import TextureNet

    return TextureNet(scales=architecture["scales"], width=architecture["width"], seed=seed)


def save_model(
    path: str | os.PathLike, model, *, weights: Any, info: dict[str, Any] | None = None
) -> Path:
    """Write `model`'s weights, architecture and `info` (JSON-able) to `path`, atomically.

    Parameters
    ----------
    path : path
        The ``.npz`` file; complete or absent: an interrupted save leaves the previous file.
    model : TransformNet or TextureNet
    weights : vgg_mat.VGGWeights
        The loss network's weights the model was trained with (required: its label and
        ``synthetic`` flag go into ``info``, `nst.feedforward.origin.provenance`, so the
        images the model makes are labelled by them).
    info : dict, optional
        More about the run (`nst.feedforward.session.model_info`); its provenance entries, if
        any, must agree with `weights`.

    Raises
    ------
    FloatingPointError
        A weight is NaN or infinite (nothing is written).
    ValueError
        `info` contradicts `weights`.
    """
    from nst.feedforward.layers import named_variables

    origin = provenance(weights)
    info = dict(info or {})
    clash = [key for key in origin if key in info and info[key] != origin[key]]
    if clash:
        raise ValueError(
            f"info says {clash[0]}={info[clash[0]]!r}, the weights {origin[clash[0]]!r}"
        )
    arrays = {name: v.numpy() for name, v in named_variables(model).items()}
    for name, array in arrays.items():
        if not np.all(np.isfinite(array)):
            raise FloatingPointError(f"weight {name} has NaN or infinite values; not saved")
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": check_architecture(model.architecture),
        "info": {**info, **origin},
    }
    arrays[META] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), np.uint8)
    return write_atomic(path, lambda stream: np.savez(stream, **arrays))


def _refuse(path: Path, what: str, todo: str = "give a model written by `nst train`") -> None:
    raise ModelFileError(f"model {path}: {what}; {todo}")


def _header(archive: zipfile.ZipFile, name: str, path: Path) -> tuple[tuple, np.dtype]:
    """(shape, dtype) of entry `name` from its ``.npy`` header, without reading the data."""
    try:
        with archive.open(name + NPY) as stream:
            version = np.lib.format.read_magic(stream)
            read = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }.get(version)
            if read is None:
                raise ValueError(f"unknown .npy version {version}")
            shape, _, dtype = read(stream)
    except _READ_ERRORS as error:
        _refuse(path, f"entry {name}{NPY} cannot be read ({error})", "the file is damaged")
    return tuple(shape), dtype


def _array(archive: zipfile.ZipFile, name: str, path: Path) -> np.ndarray:
    try:
        with archive.open(name + NPY) as stream:
            return np.lib.format.read_array(stream, allow_pickle=False)
    except _READ_ERRORS as error:
        _refuse(path, f"entry {name}{NPY} cannot be read ({error})", "the file is damaged")


def _check_meta(path: Path, meta: Any) -> dict:
    """The ``__model__`` dict, checked: format, version, architecture, provenance types."""
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
    try:
        check_architecture(arch)
    except ValueError as error:
        _refuse(path, f"its architecture is not usable: {error}", "the file is damaged or edited")
    meta.setdefault("info", {})
    problem = provenance_problem(meta["info"])
    if problem:
        _refuse(path, problem, "the file is damaged or edited")
    return meta


def read_model_file(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and check a model file without TensorFlow: ``(meta dict, {name: array})``.

    Raises
    ------
    ModelFileError
        Missing file, a folder, not a zip (a pickle is named as such), an entry that is not a
        ``.npy`` array, an array that would need unpickling, no ``__model__``, bad JSON, another
        format or version, an unknown kind or settings outside the limits, a ``synthetic`` that
        is not a bool, weights missing, unexpected, not float32, of the wrong shape or not
        finite.
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
        archive = zipfile.ZipFile(path)
    except _READ_ERRORS as error:
        _refuse(path, f"is damaged or truncated ({error})")
    with archive:
        return _read_archive(path, archive)


def _read_archive(path: Path, archive: zipfile.ZipFile) -> tuple[dict, dict[str, np.ndarray]]:
    entries = archive.namelist()
    for entry in entries:
        if not entry.endswith(NPY):
            _refuse(
                path,
                f"holds {entry!r}, which is not a {NPY} array (a model file holds only arrays)",
                "the file is damaged or edited; give a model written by `nst train`",
            )
    if len(set(entries)) != len(entries):
        _refuse(path, "holds two entries of the same name", "the file is damaged or edited")
    headers = {entry[: -len(NPY)]: _header(archive, entry[: -len(NPY)], path) for entry in entries}
    for name, (_, dtype) in headers.items():
        if dtype.hasobject:
            _refuse(
                path,
                f"entry {name} is a pickled object array, which is never loaded "
                "(it could run any code)",
            )
    if META not in headers:
        _refuse(path, f"has no {META} entry, so it is not an nst model (a plain .npz?)")
    shape, dtype = headers.pop(META)
    if dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_META_BYTES:
        _refuse(path, f"its {META} entry is not a JSON text of at most {MAX_META_BYTES} bytes")
    try:
        meta = json.loads(_array(archive, META, path).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        _refuse(path, f"its {META} entry is not JSON ({error}); the file is damaged")
    meta = _check_meta(path, meta)
    wanted = weight_shapes(meta["architecture"])
    missing, extra = sorted(set(wanted) - set(headers)), sorted(set(headers) - set(wanted))
    if missing or extra:
        _refuse(
            path,
            f"its weights do not fit its architecture {meta['architecture']} "
            f"(missing: {', '.join(missing[:3]) or 'none'}; unexpected: "
            f"{', '.join(extra[:3]) or 'none'})",
            "the file is damaged or edited",
        )
    for name, (shape, dtype) in headers.items():
        if dtype != np.float32:
            _refuse(path, f"weight {name} is {dtype}, not float32")
        if shape != wanted[name]:
            _refuse(
                path,
                f"weight {name} has shape {shape}, the architecture needs {wanted[name]}",
                "the file is damaged or edited",
            )
    arrays = {name: _array(archive, name, path) for name in wanted}
    for name, array in arrays.items():
        if not np.all(np.isfinite(array)):
            _refuse(
                path,
                f"weight {name} has NaN or infinite values (a diverged training run?)",
                "use an earlier checkpoint or retrain with a lower learning rate",
            )
    return meta, arrays


def load_model(path: str | os.PathLike):
    """The network of a model file, checked: ``(model, meta)``.

    `read_model_file` checks everything first (the weights' names and shapes against the
    architecture included); only then is the network built and given the weights. Output is
    bit-identical to the saved network's on the same machine.
    """
    meta, arrays = read_model_file(path)
    return model_from(meta, arrays), meta


def model_from(meta: dict, arrays: dict[str, np.ndarray]):
    """The network of a checked model file's contents (`read_model_file`'s ``(meta, arrays)``)."""
    from nst.feedforward.layers import named_variables

    model = build_model(meta["architecture"])
    variables = named_variables(model)
    built = {name: tuple(v.shape) for name, v in variables.items()}
    if built != {name: array.shape for name, array in arrays.items()}:  # spec.py is out of date
        raise RuntimeError(f"weight_shapes({meta['architecture']}) disagrees with the network")
    for name, variable in variables.items():
        variable.assign(arrays[name])
    return model
