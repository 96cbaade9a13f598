"""The inputs every pipeline shares: one synthetic VGG-19 file and one content/style pair.

All pipelines get the **same** weights (a full-width `vgg_mat.write_synthetic` file, random
He-normal weights with the real file's layer names, shapes and mean pixel; about 535 MB), the
same content image (the sample photo, `nst.samples.sample_content_path`) and the same style
image (`nst.samples.sample_style_path`), each resized to exactly ``size x size`` pixels, so a
"256 px" run is 256 x 256 and FLOP counts are exact.

The weights file is written once into the cache folder and reused: ``$NST_BENCH_CACHE`` if
set, else ``build/bench/`` under the repository root (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    """The benchmark cache folder (created if missing): ``$NST_BENCH_CACHE`` or ``build/bench``."""
    folder = Path(os.environ.get("NST_BENCH_CACHE") or REPO_ROOT / "build" / "bench")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def weights_path(width_divisor: int = 1, *, folder: Path | None = None) -> Path:
    """The synthetic VGG-19 file for `width_divisor`, written with seed 0 if not there yet.

    Parameters
    ----------
    width_divisor : int
        1 for the full-width network (the benchmark's), 8 or 16 for quick runs.
    folder : Path, optional
        Where the file lives (default `cache_dir()`).

    Returns
    -------
    Path
        ``<folder>/vgg19-synthetic-w<width_divisor>-seed0.mat``.

    Notes
    -----
    `vgg_mat.write_synthetic` writes atomically, so an interrupted first run leaves no half
    file under this name; the same arguments always give the same bytes.
    """
    import vgg_mat

    folder = cache_dir() if folder is None else Path(folder)
    path = folder / f"vgg19-synthetic-w{int(width_divisor)}-seed0.mat"
    if not path.is_file():
        vgg_mat.write_synthetic(path, width_divisor=int(width_divisor), seed=0)
    return path


def images(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The content and style images at ``size x size``, float32 RGB in [0, 255].

    Parameters
    ----------
    size : int
        Height and width in pixels (>= 32: VGG-19 needs that to reach conv5).

    Returns
    -------
    content, style : (size, size, 3) ndarray of float32
        The sample photo and the sample style image, Lanczos-resized (aspect not kept).
    """
    import nst
    from nst.images import resize_image

    if size < 32:
        raise ValueError(f"size must be at least 32 px to reach VGG-19's conv5, got {size}")
    content = resize_image(nst.load_image(nst.sample_content_path()), (size, size))
    style = resize_image(nst.load_image(nst.sample_style_path()), (size, size))
    return content, style
