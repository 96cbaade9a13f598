"""`real_or_synthetic`: the real VGG-19 weights when a file is found, else a synthetic stand-in.

What the lessons, the examples and quick experiments want: one call that gives a network to
run whether or not the 535 MB file is on this machine, and says which one it gave. The lookup is
`vgg_mat.find_weights` (explicit path, ``$VGG19_MAT``, the cache); the stand-in is
`vgg_mat.write_synthetic` written into a temporary folder, loaded and the folder removed.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from vgg_mat.download import WeightsNotFoundError, find_weights
from vgg_mat.matfile import load
from vgg_mat.synthetic import write_synthetic
from vgg_mat.weights import VGGWeights

__all__ = ["real_or_synthetic"]


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
    width_divisor: int = 8,
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

    The stand-in is ``write_synthetic(folder / "vgg19-synthetic-w{width_divisor}.mat",
    width_divisor=width_divisor, seed=seed)`` in a `tempfile.TemporaryDirectory`; `load` reads
    the whole file into memory, so the folder is removed before returning. The same arguments
    give the same weights (write_synthetic is deterministic in its seed).
    """
    try:
        found = find_weights(path)
    except WeightsNotFoundError as missing:
        if path is not None:
            raise
        reason = str(missing).split(";")[0]
        call = f"vgg_mat.write_synthetic(width_divisor={width_divisor}, seed={seed})"
        with tempfile.TemporaryDirectory(prefix="vgg_mat-standin-") as folder:
            written = write_synthetic(
                Path(folder) / f"vgg19-synthetic-w{width_divisor}.mat",
                width_divisor=width_divisor,
                seed=seed,
            )
            weights = load(written)
        weights = dataclasses.replace(weights, source=f"{call}, temporary file removed")
        if verbose:
            print(f"Using {weights.label}: {reason}")
        return weights
    weights = load(found)
    if verbose:
        print(f"Using {weights.label}: found via {_found_via(path)}")
    return weights
