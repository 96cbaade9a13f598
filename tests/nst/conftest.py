"""Fixtures for the `nst` tests: a tiny synthetic network and small procedural images.

- `tiny_net`: `vgg_mat.VGG` over the session's `tiny_weights` (width_divisor=16, random).
- `content32`, `style32`, `style32b`: deterministic 32x32 RGB images in [0, 255] (float32);
  32 px is the smallest size that reaches relu5_1 (four 2x2 pools: 32 -> 2).
- `write_smooth_image`: writes a smooth random RGB PNG (the CLI tests' input files).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def tiny_net(tiny_weights):
    """The tiny synthetic VGG-19 (max pooling)."""
    from vgg_mat.network import VGG

    return VGG(tiny_weights)


def _waves(size: int, fx: float, fy: float, phase: float) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    channels = [
        127.5 + 120.0 * np.sin(fx * xx + phase),
        127.5 + 120.0 * np.cos(fy * yy - phase),
        127.5 + 100.0 * np.sin(fx * xx + fy * yy + 2 * phase),
    ]
    return np.stack(channels, axis=-1).astype(np.float32)  # (size, size, 3)


@pytest.fixture(scope="session")
def content32() -> np.ndarray:
    """A smooth 'photo': a bright disc on a colour gradient, (32, 32, 3) float32."""
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float64)
    disc = ((yy - 14) ** 2 + (xx - 18) ** 2 < 80).astype(np.float64)
    image = np.stack([4 * xx + 60 * disc, 4 * yy + 60 * disc, 200 - 3 * xx + 40 * disc], -1)
    return np.clip(image, 0, 255).astype(np.float32)


@pytest.fixture(scope="session")
def style32() -> np.ndarray:
    """Fine stripes, (32, 32, 3) float32."""
    return _waves(32, 1.1, 0.7, 0.3)


@pytest.fixture(scope="session")
def style32b() -> np.ndarray:
    """Coarser, differently coloured waves, (32, 32, 3) float32."""
    return _waves(32, 0.3, 0.45, 1.7)[:, :, ::-1].copy()


def _smooth_image(path: Path, size: tuple[int, int], seed: int) -> Path:
    """A smooth random RGB image (H, W) = `size`, saved as PNG at `path`."""
    from PIL import Image

    rng = np.random.RandomState(seed)
    small = rng.uniform(0, 255, size=(6, 6, 3)).astype(np.uint8)
    Image.fromarray(small).resize((size[1], size[0]), Image.BILINEAR).save(path)
    return path


@pytest.fixture(scope="session")
def write_smooth_image():
    """`write_smooth_image(path, (H, W), seed) -> path`: a smooth random RGB PNG."""
    return _smooth_image
