"""The key of the executed lessons' cache (``build/site-cache/``, `scripts/build_site.py`).

An executed notebook depends on more than its own bytes: `source_digest` hashes the rest, so
that a change in any of it executes the lessons again:

- the files of `HASHED` (the library and the data a lesson reads);
- which weights file `vgg_mat.find_weights` finds (path, size, modification time);
- Python's version, and the versions of `VERSIONED`'s installed distributions (whichever
  provides the module: ``tensorflow`` or ``tensorflow-cpu``, ...);
- the environment variables the library reads (`read_variables` finds them in its source)
  and those of `TENSORFLOW_VARIABLES`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import sys

from notebook_tools import ROOT

#: Folders whose files a lesson may read: a change in any of them re-executes every lesson.
HASHED = ("vgg_mat", "nst", "data", "tests/fixtures")
#: Modules whose installed versions change what a lesson prints or draws, by import name: the
#: version hashed is that of whichever distribution provides the module (``tensorflow`` comes
#: as ``tensorflow``, ``tensorflow-cpu``, ...).
VERSIONED = ("tensorflow", "numpy", "scipy", "matplotlib", "PIL", "ipykernel", "nbclient")
#: Environment variables TensorFlow itself reads that change its numbers (the devices it runs
#: on, oneDNN's kernels); the ones the library reads are found in its source (`read_variables`).
TENSORFLOW_VARIABLES = ("CUDA_VISIBLE_DEVICES", "TF_ENABLE_ONEDNN_OPTS")
#: A read of an environment variable: ``environ.get(X``, ``getenv(X`` or ``environ[X``, where X
#: is a quoted name or a module constant's name.
_ENV_READ = re.compile(
    r"""(?:environ\.get\(|getenv\(|environ\[)\s*("[A-Z0-9_]+"|[A-Z_][A-Z0-9_]*)"""
)
#: A module constant bound to a quoted name: ``MEMORY_VARIABLE = "NST_MEMORY_AVAILABLE"``.
_CONSTANT = re.compile(r"""^([A-Z_][A-Z0-9_]*)(?:\s*:\s*str)?\s*=\s*"([A-Z0-9_]+)"\s*$""", re.M)


def read_variables(sources: list[str]) -> list[str]:
    """The environment variables that Python `sources` read, sorted: quoted names, and module
    constants bound to a quoted name (``MEMORY_VARIABLE = "NST_MEMORY_AVAILABLE"``).

    >>> read_variables(['NAME = "NST_X"\\nos.environ.get(NAME)', 'os.environ["VGG_Y"] = "1"'])
    ['NST_X', 'VGG_Y']
    """
    constants = dict(match for text in sources for match in _CONSTANT.findall(text))
    found = set()
    for text in sources:
        for token in _ENV_READ.findall(text):
            if token.startswith('"'):
                found.add(token.strip('"'))
            elif token in constants:
                found.add(constants[token])
    return sorted(found)


def installed_versions(module: str, providers: dict[str, list[str]]) -> list[str]:
    """``name version`` of each installed distribution that provides `module` (or "absent");
    `providers` is `importlib.metadata.packages_distributions`'s answer."""
    names = providers.get(module, [])
    found = sorted({f"{name} {importlib.metadata.version(name)}" for name in names})
    return found or [f"{module} absent"]


def source_digest() -> str:
    """A hash of everything besides a notebook that its executed copy depends on: the files
    of `HASHED`, which weights file is found, Python's and `VERSIONED`'s versions, and the
    environment variables the library (`read_variables`) and TensorFlow read."""
    from vgg_mat.download import WeightsNotFoundError, find_weights

    digest = hashlib.sha256()
    sources = []
    for folder in HASHED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                data = path.read_bytes()
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + data)
                if path.suffix == ".py":
                    sources.append(data.decode("utf-8", errors="replace"))
    try:
        weights = find_weights()
        stat = weights.stat()
        digest.update(f"weights {weights} {stat.st_size} {stat.st_mtime_ns}".encode())
    except WeightsNotFoundError:
        digest.update(b"weights none")
    digest.update(f"python {sys.implementation.name} {sys.version}".encode())
    providers = importlib.metadata.packages_distributions()
    for module in VERSIONED:
        digest.update("\0".join(installed_versions(module, providers)).encode())
    for name in sorted(set(read_variables(sources)) | set(TENSORFLOW_VARIABLES)):
        value = os.environ.get(name)
        digest.update(f"env {name} {'unset' if value is None else repr(value)}".encode())
    return digest.hexdigest()
