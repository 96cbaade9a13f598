"""Fixtures shared by every test: tiny synthetic weight files, the real fragments, the real file.

- `synthetic_2016_path`, `synthetic_beta16_path`: miniatures written by `vgg_mat.write_synthetic`
  (``width_divisor=16, num_classes=10, seed=0``), once per session.
- `tiny_weights`: `vgg_mat.load` of the 2016 miniature (random weights, ``synthetic=True``).
- `fixtures_dir`: ``tests/fixtures`` (real fragments of the 2016 file, broken downloads).
- `real_weights_path`: the real 534,904,783-byte file from ``$VGG19_MAT``, or a skip saying so.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TINY = {"width_divisor": 16, "num_classes": 10, "seed": 0}


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``tests/fixtures``: real fragments of the 2016 file and broken downloads."""
    return Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def synthetic_2016_path(tmp_path_factory) -> Path:
    """A 2016-layout miniature (widths // 16, 10 classes, seed 0), written once per session."""
    from vgg_mat.synthetic import write_synthetic

    folder = tmp_path_factory.mktemp("synthetic")
    return write_synthetic(folder / "tiny-vgg19-2016.mat", layout="2016", **TINY)


@pytest.fixture(scope="session")
def synthetic_beta16_path(tmp_path_factory) -> Path:
    """A beta16-layout miniature (widths // 16, 10 classes, seed 0), written once per session."""
    from vgg_mat.synthetic import write_synthetic

    folder = tmp_path_factory.mktemp("synthetic")
    return write_synthetic(folder / "tiny-vgg19-beta16.mat", layout="beta16", **TINY)


@pytest.fixture(scope="session")
def tiny_weights(synthetic_2016_path):
    """`vgg_mat.load` of the 2016 miniature: synthetic random weights, 43 layers."""
    from vgg_mat.matfile import load

    return load(synthetic_2016_path)


@pytest.fixture(scope="session")
def real_weights_path() -> Path:
    """The real `imagenet-vgg-verydeep-19.mat` named by ``$VGG19_MAT``; skips when unset."""
    value = os.environ.get("VGG19_MAT")
    if not value:
        pytest.skip(
            "set VGG19_MAT to the real imagenet-vgg-verydeep-19.mat (534,904,783 bytes) to run "
            "this test; `vgg-mat download` fetches it"
        )
    return Path(value)
