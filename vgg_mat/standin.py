"""Which weights to use: a file (path, ``$VGG19_MAT``, the cache) or a synthetic stand-in.

The one place that answers "which weights?" for the command line (``nst ... --weights``) and
for the lessons (`real_or_synthetic`):

- `locate_weights(argument)`   the file `argument` names, else ``$VGG19_MAT``, else the cache
  (`vgg_mat.find_weights`); the word ``"synthetic"`` gives None: the stand-in.
- `synthetic_file()`           the stand-in: a random miniature (`vgg_mat.write_synthetic`),
  written once into the weights cache (atomically) and reused, or into a folder given.
- `load_located(located)`      `vgg_mat.load` of what `locate_weights` gave (None: the stand-in).
- `real_or_synthetic()`        the real weights when a file is found, else the stand-in (in a
  temporary folder, removed at once); says which, and why.

Two steps (locate, then load) let a program check everything cheap first: the weights file is
found (or its absence reported) before any image is read, the stand-in written only when used.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from vgg_mat.cache import cache_dir
from vgg_mat.download import WeightsNotFoundError, find_weights
from vgg_mat.weights import VGGWeights

# `vgg_mat.matfile.load` and `vgg_mat.synthetic.write_synthetic` (scipy, 0.1 s) are imported
# where they are called: a command line locates the weights at start-up, loads them later.

__all__ = [
    "SYNTHETIC",
    "SYNTHETIC_WIDTH_DIVISOR",
    "load_located",
    "locate_weights",
    "real_or_synthetic",
    "synthetic_file",
]

#: The word that asks for the synthetic stand-in (``nst stylize --weights synthetic``).
SYNTHETIC = "synthetic"

#: The stand-in's channel widths are VGG-19's divided by this (quick on a CPU, about 10 MB).
SYNTHETIC_WIDTH_DIVISOR = 8


def locate_weights(argument: str | os.PathLike | None = None) -> Path | None:
    """The weights file to use, or None for the synthetic stand-in.

    Parameters
    ----------
    argument : path-like or str, optional
        A weights file; the word ``"synthetic"`` (`SYNTHETIC`); or None: ``$VGG19_MAT``, then
        the cache (`vgg_mat.find_weights`).

    Returns
    -------
    Path or None
        An existing file (its content is checked when loaded), or None for ``"synthetic"``
        (`synthetic_file` writes the stand-in when it is needed).

    Raises
    ------
    WeightsNotFoundError
        No such file; the message says how to get the real one.

    Examples
    --------
    >>> locate_weights("synthetic") is None
    True
    """
    if isinstance(argument, str) and argument == SYNTHETIC:
        return None
    return find_weights(argument)


def synthetic_file(
    *, width_divisor: int = SYNTHETIC_WIDTH_DIVISOR, seed: int = 0, folder: Path | None = None
) -> Path:
    """The synthetic stand-in's file, written on first use into the weights cache and reused.

    Parameters
    ----------
    width_divisor : int
        Channel widths ``max(2, C // width_divisor)`` (8: about 10 MB; 1: full size, 575 MB).
    seed : int
        The seed of `vgg_mat.write_synthetic`'s He-normal draws (same seed, same weights).
    folder : Path, optional
        Where to keep it (an existing folder, e.g. a temporary one). Default: the weights cache.

    Returns
    -------
    Path
        ``synthetic-vgg19-wd{width_divisor}-seed{seed}.mat`` in `folder`, else in
        `vgg_mat.cache.cache_dir` (``$VGG_MAT_HOME`` or ``~/.cache/vgg_mat``), or, when that
        cannot be written, in ``vgg_mat`` under the system's temporary folder.

    Raises
    ------
    OSError
        The folder (or neither default folder) cannot be written.

    Notes
    -----
    `write_synthetic` writes atomically (a temporary file, then `os.replace`), so two programs
    writing the stand-in at once both end with a whole file, and Ctrl-C leaves no half file.
    """
    from vgg_mat.synthetic import write_synthetic

    name = f"synthetic-vgg19-wd{width_divisor}-seed{seed}.mat"
    if folder is not None:
        folders: tuple[Path, ...] = (folder,)
    else:
        folders = (cache_dir(), Path(tempfile.gettempdir()) / "vgg_mat")
    for place in folders:
        path = place / name
        if path.is_file():
            return path
        try:
            place.mkdir(parents=True, exist_ok=True)
            return write_synthetic(path, width_divisor=width_divisor, seed=seed)
        except OSError:
            continue
    raise OSError(f"cannot write {name} in {' or '.join(str(f) for f in folders)}")


def load_located(located: Path | None) -> VGGWeights:
    """`vgg_mat.load` of a `locate_weights` result: the file, or (None) the synthetic stand-in."""
    from vgg_mat.matfile import load

    return load(located if located is not None else synthetic_file())


def _found_via(path: str | os.PathLike | None) -> str:
    """Which of `find_weights`' places a found file came from (same order as it looks)."""
    if path is not None:
        return "the path given"
    if os.environ.get("VGG19_MAT"):
        return "$VGG19_MAT"
    return "the cache"


def real_or_synthetic(
    path: str | os.PathLike | None = None,
    *,
    width_divisor: int = SYNTHETIC_WIDTH_DIVISOR,
    seed: int = 0,
    verbose: bool = True,
) -> VGGWeights:
    """The real weights if a file is found, otherwise a synthetic miniature with random weights.

    Parameters
    ----------
    path : path-like, optional
        A weights file to use. When given it must exist and load: a missing or broken file
        raises, there is no fallback (as for `find_weights`).
    width_divisor : int
        For the stand-in only: channel widths ``max(2, C // width_divisor)`` (8 gives 8 channels
        at conv1_x, 64 at conv4_x/conv5_x and about 10 MB of weights; 1 is full size, 575 MB).
    seed : int
        For the stand-in only: the seed of `write_synthetic`'s He-normal draws.
    verbose : bool
        Print one line saying which weights are used and why (where the real file was found,
        or why none was).

    Returns
    -------
    VGGWeights
        The real file's weights (``synthetic`` False, ``label`` "VGG weights from PATH ...") or
        the synthetic miniature's (``synthetic`` True, ``label`` "SYNTHETIC RANDOM WEIGHTS, NOT
        VGG-19 (...)"; its ``source`` names the `write_synthetic` call, not the removed file).
        Check ``weights.synthetic`` to label anything made with it.

    Raises
    ------
    WeightsNotFoundError
        When `path` is given and does not exist.
    MatFileError
        When the file found (by `path`, ``$VGG19_MAT`` or in the cache) exists but cannot be
        read: a corrupt real file is reported, never silently replaced by random weights.

    Notes
    -----
    The order is `find_weights`': the explicit `path`, then ``$VGG19_MAT``, then the cache
    (``$VGG_MAT_HOME`` or ``~/.cache/vgg_mat/imagenet-vgg-verydeep-19.mat``). Only a missing
    file (`WeightsNotFoundError`, a `FileNotFoundError`, with no `path` given) falls back; a
    ``$VGG19_MAT`` naming no file is missing too, and the printed reason says so.

    The stand-in is ``synthetic_file(width_divisor=..., seed=..., folder=...)`` in a
    `tempfile.TemporaryDirectory` (the lessons write nothing outside a temporary folder); `load`
    reads the whole file into memory, so the folder is removed before returning. The same
    arguments give the same weights (`write_synthetic` is deterministic in its seed).
    """
    from vgg_mat.matfile import load

    try:
        found = find_weights(path)
    except WeightsNotFoundError as missing:
        if path is not None:
            raise
        reason = str(missing).split(";")[0]
        call = f"vgg_mat.write_synthetic(width_divisor={width_divisor}, seed={seed})"
        with tempfile.TemporaryDirectory(prefix="vgg_mat-standin-") as folder:
            written = synthetic_file(width_divisor=width_divisor, seed=seed, folder=Path(folder))
            weights = load(written)  # all in memory: the folder can go
        weights = dataclasses.replace(weights, source=f"{call}, temporary file removed")
        if verbose:
            print(f"Using {weights.label}: {reason}")
        return weights
    weights = load(found)
    if verbose:
        print(f"Using {weights.label}: found via {_found_via(path)}")
    return weights
