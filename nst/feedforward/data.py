"""The training photos: found in a folder, checked up front, served as random square crops.

- `find_photos(folder)`       the image files in a folder (sorted; ValueError if none);
- `check_photo_sizes(...)`    every photo at least the training size (read from the headers,
                              without decoding: cheap, before any work);
- `PhotoCrops`                batches of ``size x size`` crops: a random photo, scaled so its
                              shorter side is `size` (never enlarged), a random square of it.

Everything random comes from one numpy ``RandomState``: a seed gives the same batches.
Lesson 12.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nst.images import load_image, resize_image

__all__ = ["PHOTO_SUFFIXES", "PhotoCrops", "check_photo_sizes", "find_photos"]

#: File name endings taken as photos in a training folder (lower case).
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def find_photos(folder: str | os.PathLike, *, argument: str = "--images") -> list[Path]:
    """The photos directly inside `folder` (by `PHOTO_SUFFIXES`), sorted by name.

    Raises
    ------
    ValueError
        Not a folder, or no photo in it; the message names `argument` and the folder.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ValueError(f"{argument} {folder}: not a folder; give a folder of photos")
    photos = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES
    )
    if not photos:
        raise ValueError(
            f"{argument} {folder}: no images in it (looked for {', '.join(PHOTO_SUFFIXES)}); "
            "give a folder of photos"
        )
    return photos


def image_size(path: Path) -> tuple[int, int]:
    """(height, width) of an image file from its header (EXIF rotation counted), no decoding."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)  # 5-8: rotated by 90 degrees
    except (UnidentifiedImageError, OSError) as error:
        message = f"{path}: not a readable image ({error}); remove it or replace it"
        raise ValueError(message) from None
    return (width, height) if orientation in (5, 6, 7, 8) else (height, width)


def check_photo_sizes(photos: Sequence[Path], size: int, *, argument: str = "--images") -> None:
    """ValueError naming the first photo whose shorter side is under `size` (and how many are).

    Photos are never enlarged: a crop of an enlarged photo teaches the network blur.
    """
    small = [(p, image_size(p)) for p in photos]
    small = [(p, hw) for p, hw in small if min(hw) < size]
    if small:
        path, (h, w) = small[0]
        more = f" (and {len(small) - 1} more)" if len(small) > 1 else ""
        raise ValueError(
            f"{argument}: {path} is {h}x{w}, smaller than the training size {size}{more}; "
            "remove the small photos or lower --size"
        )


class PhotoCrops:
    """Random ``size x size`` crops of the photos, `batch` at a time, reproducibly.

    Parameters
    ----------
    photos : sequence of path or (H, W, 3) array
        Photos (0-255), each with a shorter side of at least `size`.
    size, batch : int
    seed : int
        Seeds the ``RandomState`` that picks photos and crop positions.
    keep : int
        Photos kept in memory after scaling (the most recently used ones are not reread).

    Examples
    --------
    >>> photos = [np.full((40, 60, 3), 10.0 * k, np.float32) for k in range(3)]
    >>> batch = PhotoCrops(photos, size=32, batch=2, seed=0).next_batch()
    >>> batch.shape, batch.dtype
    ((2, 32, 32, 3), dtype('float32'))
    """

    def __init__(self, photos: Sequence, *, size: int, batch: int, seed: int = 0, keep: int = 256):
        if not photos:
            raise ValueError("no photos to train on")
        self.photos, self.size, self.batch, self.keep = list(photos), int(size), int(batch), keep
        self.rng = np.random.RandomState(seed)
        self._scaled: dict[int, np.ndarray] = {}

    def _photo(self, index: int) -> np.ndarray:
        """Photo `index`, scaled so that its shorter side is `size` (H', W', 3) float32."""
        if index in self._scaled:
            return self._scaled[index]
        source = self.photos[index]
        image = load_image(source) if isinstance(source, (str, os.PathLike)) else source
        image = np.asarray(image, np.float32)
        h, w = image.shape[:2]
        if min(h, w) < self.size:
            raise ValueError(
                f"photo {index} is {h}x{w}, smaller than the training size {self.size}"
            )
        scale = self.size / min(h, w)
        shape = (max(self.size, round(h * scale)), max(self.size, round(w * scale)))
        image = resize_image(image, shape, copy=False)
        if len(self._scaled) >= self.keep:
            self._scaled.pop(next(iter(self._scaled)))
        self._scaled[index] = image
        return image

    def next_batch(self) -> np.ndarray:
        """The next (batch, size, size, 3) float32 batch, 0-255."""
        crops = []
        for _ in range(self.batch):
            image = self._photo(int(self.rng.randint(len(self.photos))))
            top = int(self.rng.randint(image.shape[0] - self.size + 1))
            left = int(self.rng.randint(image.shape[1] - self.size + 1))
            crops.append(image[top : top + self.size, left : left + self.size])
        return np.stack(crops)
