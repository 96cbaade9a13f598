"""Images in and out: one convention, float32 RGB ``(H, W, 3)`` in [0, 255].

`load_image` reads any image Pillow can open and brings it to that convention (EXIF orientation
applied; grey, palette, alpha, CMYK and 16-bit images converted). `save_image` writes PNG or JPEG
atomically: a temporary file in the destination's directory, renamed over the target only when
complete. Every problem raises `ImageError` naming the file, what is wrong and what to do.
`resize_image` and `fit_longer_side` resize with a Lanczos filter in floating point.

Used by the CLI, the lessons and `nst.optimize`; the loop itself does no I/O.
"""

from __future__ import annotations

import numbers
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from nst.atomic import write_atomic
from nst.provenance import recall

#: Largest image (in pixels) `load_image` accepts: Pillow's own decompression-bomb error limit
#: (2 * Image.MAX_IMAGE_PIXELS = 178,956,970), so a tiny file cannot expand into gigabytes.
MAX_PIXELS = 178_956_970

#: File formats `save_image` writes, by lower-case extension.
SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}

_WHITE = 255.0


class ImageError(ValueError):
    """An image file that cannot be read or written, with the path, the problem and the advice.

    Parameters
    ----------
    path : str or Path
        The file (named first in the message).
    problem : str
        What is wrong.
    advice : str, optional
        What to do about it.
    """

    def __init__(self, path: str | os.PathLike, problem: str, advice: str = ""):
        self.path = Path(path)
        self.problem = problem
        self.advice = advice
        message = f"{self.path}: {problem}"
        if advice:
            message += f"; {advice}"
        super().__init__(message)


def _is_int(value: object) -> bool:
    """True for Python and numpy integers, False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def fit_longer_side(height: int, width: int, longer_side: int) -> tuple[int, int]:
    """The ``(height, width)`` with the same aspect ratio whose longer side is `longer_side`.

    Parameters
    ----------
    height, width : int
        Current size, both positive.
    longer_side : int
        Wanted length of the longer side, positive.

    Returns
    -------
    (new_height, new_width) : tuple of int
        The shorter side is rounded to the nearest integer and is at least 1.
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"image size must be positive, got {height}x{width}")
    if longer_side <= 0:
        raise ValueError(f"longer side must be a positive number of pixels, got {longer_side}")
    scale = longer_side / max(height, width)
    if height >= width:
        return longer_side, max(1, round(width * scale))
    return max(1, round(height * scale)), longer_side


def resize_image(
    image: np.ndarray, size: int | tuple[int, int], *, copy: bool = True
) -> np.ndarray:
    """Resize an image with a Lanczos filter, in float32, keeping values in [0, 255].

    Parameters
    ----------
    image : (H, W, C) ndarray
        Any real dtype, values in [0, 255].
    size : int or (height, width)
        An int is the new longer side (aspect ratio kept, see `fit_longer_side`); a pair is
        the exact new size.
    copy : bool
        When the image already has that size: True (default) returns a copy, False returns
        `image` itself (as float32, without a copy when it already is), for callers that only
        read the result and would rather not hold two copies of a large image.

    Returns
    -------
    resized : (height, width, C) ndarray of float32
        Clipped to [0, 255] (the Lanczos kernel overshoots at sharp edges).
    """
    array = np.asarray(image, dtype=np.float32)
    if array.ndim != 3:
        raise ValueError(f"image must be (H, W, C), got shape {array.shape}")
    h, w = array.shape[:2]
    new_h, new_w = fit_longer_side(h, w, int(size)) if _is_int(size) else map(int, size)
    if (new_h, new_w) == (h, w):
        return array.copy() if copy else array
    if new_h < 1 or new_w < 1 or new_h * new_w > MAX_PIXELS:
        raise ValueError(
            f"size {size}: resizing a {h}x{w} image to {new_h}x{new_w} is outside 1 to "
            f"{MAX_PIXELS:,} pixels (nst.images.MAX_PIXELS); choose a smaller size"
        )
    try:
        channels = [
            np.asarray(
                Image.fromarray(np.ascontiguousarray(array[:, :, c])).resize(
                    (new_w, new_h), Image.Resampling.LANCZOS
                )
            )
            for c in range(array.shape[2])
        ]  # each (new_h, new_w) float32
        return np.clip(np.stack(channels, axis=-1), 0.0, 255.0).astype(np.float32)
    except MemoryError:
        raise ValueError(
            f"size {size}: not enough memory to resize a {h}x{w} image to {new_h}x{new_w}; "
            "choose a smaller size"
        ) from None


def _composite_on_white(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) float in [0, 255] -> (H, W, 3): rgb * a + 255 * (1 - a), a = alpha / 255."""
    alpha = rgba[:, :, 3:4] / 255.0
    return rgba[:, :, :3] * alpha + _WHITE * (1.0 - alpha)


def _to_rgb(img: Image.Image) -> np.ndarray:
    """Any Pillow image -> (H, W, 3) float32 RGB in [0, 255]."""
    mode = img.mode
    if mode == "RGB":
        rgb = np.asarray(img, dtype=np.float32)
    elif mode.startswith("I;16") or mode == "I":
        # 16-bit grey (PNG, TIFF): 0..65535 maps to 0..255 by 255 / 65535 = 1 / 257.
        values = np.asarray(img).astype(np.float64)
        grey = np.clip(values, 0, 65535) / 257.0
        rgb = np.repeat(grey[:, :, None], 3, axis=2)
    elif mode == "F":
        # 32-bit float grey: taken as [0, 1] when every value is in it, else as [0, 255].
        values = np.nan_to_num(np.asarray(img, dtype=np.float64))
        if values.size and values.min() >= 0.0 and values.max() <= 1.0:
            values = values * 255.0
        rgb = np.repeat(np.clip(values, 0, 255)[:, :, None], 3, axis=2)
    elif mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in img.info):
        rgb = _composite_on_white(np.asarray(img.convert("RGBA"), dtype=np.float32))
    else:
        # "1", "L", "P", "CMYK", "YCbCr", "LAB", "HSV", "RGBX", ...: Pillow's own conversion.
        rgb = np.asarray(img.convert("RGB"), dtype=np.float32)
    return np.ascontiguousarray(rgb, dtype=np.float32)


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise ImageError(path, "file does not exist", "check the path and its spelling")
    if path.is_dir():
        raise ImageError(path, "is a directory, not an image file", "name an image file inside it")
    if path.stat().st_size == 0:
        raise ImageError(
            path, "file is empty (0 bytes)", "the copy or download failed; get it again"
        )


def load_image(path: str | os.PathLike, *, max_size: int | None = None) -> np.ndarray:
    """Read an image file as float32 RGB ``(H, W, 3)`` in [0, 255].

    Parameters
    ----------
    path : str or PathLike
        Any format Pillow reads (JPEG, PNG, GIF, BMP, TIFF, WebP, ...).
    max_size : int, optional
        If given, the image is resized (Lanczos, aspect ratio kept) so that its **longer side
        is exactly** `max_size`: larger images shrink, smaller ones are enlarged. This is the
        "image size" of the style-transfer tools.

    Returns
    -------
    image : (H, W, 3) ndarray of float32
        Values in [0, 255].

    Raises
    ------
    ImageError
        Missing file, directory, empty file, not an image, truncated or corrupt data, 0x0
        image, or more than `MAX_PIXELS` pixels (a decompression bomb; also Pillow's own
        ``DecompressionBombError``, raised above ``2 * PIL.Image.MAX_IMAGE_PIXELS``).

    Notes
    -----
    The EXIF orientation tag is applied first (photos from phones are stored sideways). Then:
    grey ("L", "1") is copied to three channels; palette images are expanded; images with
    alpha ("LA", "RGBA", "P" with transparency) are composited on white,
    rgb * a + 255 (1 - a); CMYK and other colour modes use Pillow's conversion; 16-bit images
    ("I;16*", and "I", which Pillow uses for 16-bit PNGs) are scaled by 1/257, so 65535 -> 255;
    float images ("F") are taken on [0, 1] if all values lie in it, else on [0, 255].
    """
    path = Path(path)
    _check_readable(path)
    if max_size is not None and (not _is_int(max_size) or max_size <= 0):
        raise ValueError(f"max_size must be a positive int (pixels), got {max_size!r}")
    try:
        with warnings.catch_warnings():
            # Pillow warns between Image.MAX_IMAGE_PIXELS and twice that, and raises
            # DecompressionBombError above. Our one limit is MAX_PIXELS (checked below), so the
            # warning is silenced; Pillow's error still ends up as an ImageError.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{width}x{height} = {width * height:,}")
                if width == 0 or height == 0:
                    raise ImageError(
                        path,
                        f"image has zero size ({width}x{height})",
                        "the file is damaged; export it again",
                    )
                img.load()
                img = ImageOps.exif_transpose(img)
                rgb = _to_rgb(img)
    except ImageError:
        raise
    except Image.DecompressionBombError as error:
        # Pillow's message states its own limit; say the image's pixels and our limit once
        found = re.search(r"[\d,]+ = ([\d,]+)|\((\d+) pixels\)", str(error))
        pixels = f"{int((found.group(1) or found.group(2)).replace(',', '')):,} " if found else ""
        pillows = 2 * Image.MAX_IMAGE_PIXELS if Image.MAX_IMAGE_PIXELS else MAX_PIXELS
        raise ImageError(
            path,
            f"image is too large to load safely ({pixels}pixels, over the limit of "
            f"{min(MAX_PIXELS, pillows):,})",
            "it may be a decompression bomb; if it is genuine, shrink it with an image editor",
        ) from None
    except UnidentifiedImageError:
        raise ImageError(
            path, "is not an image Pillow can read", "check the file type; save it as PNG or JPEG"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise ImageError(
            path,
            f"image data is truncated or corrupt ({error})",
            "the copy or download was incomplete; get the file again",
        ) from None
    if max_size is not None:
        rgb = resize_image(rgb, max_size)
    return rgb


def _to_uint8(image: np.ndarray, path: Path) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ImageError(
            path, f"cannot save an array of shape {array.shape}", "pass an (H, W, 3) RGB image"
        )
    if array.dtype == np.uint8:
        return array
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise ImageError(path, f"cannot save an array of dtype {array.dtype}", "pass numbers")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ImageError(
            path, "image contains NaN or infinite values", "nothing was written; check the run"
        )
    return np.clip(np.rint(array), 0, 255).astype(np.uint8)  # round, then clip to [0, 255]


def save_image(
    path: str | os.PathLike, image: Any, *, metadata: Mapping[str, str] | None = None
) -> Path:
    """Write an RGB image to a PNG or JPEG file, atomically, with its provenance inside.

    Parameters
    ----------
    path : str or PathLike
        Destination; the extension (``.png``, ``.jpg``, ``.jpeg``, any case) picks the format.
        Its directory must exist. An existing file is replaced only once the new one is
        completely written.
    image : (H, W, 3) ndarray, or a `nst.Step`
        uint8, or float / int in [0, 255] (rounded to the nearest integer, then clipped). A
        Step's image, or the Step itself, carries its weights' provenance (see `metadata`).
    metadata : mapping of str to str, optional
        Provenance text stored in the file: one PNG ``tEXt`` chunk per entry (read back with
        ``Image.open(path).text``), or for JPEG one comment of ``key: value`` lines
        (``Image.open(path).info["comment"]``). Default: the label of an image made by
        `nst.stylize` (software, weights, iteration, loss; "SYNTHETIC" for random weights,
        `nst.provenance`), none for other arrays.

    Returns
    -------
    path : Path
        The file written.

    Raises
    ------
    ImageError
        Unsupported extension, missing or unwritable directory, bad shape, NaN or infinite
        values. Nothing is left behind on failure.

    Notes
    -----
    Written with `nst.atomic.write_atomic`: a temporary file in the same directory, then
    ``os.replace`` (atomic on one file system). JPEG quality is 95.
    """
    path = Path(path)
    image = getattr(image, "image", image)  # a Step: its image (which carries its label)
    if metadata is None:
        metadata = recall(image)
    fmt = SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageError(
            path,
            f"cannot save with extension {path.suffix or '(none)'!r}",
            f"use one of {', '.join(SAVE_FORMATS)}",
        )
    if path.is_dir():
        raise ImageError(path, "is a directory", "give a file name inside it")
    directory = path.parent
    if not directory.is_dir():
        raise ImageError(path, f"directory {directory} does not exist", "create it first")
    pixels = Image.fromarray(_to_uint8(image, path))
    options: dict = {}
    if fmt == "JPEG":
        options["quality"] = 95
        if metadata:
            comment = "\n".join(f"{key}: {value}" for key, value in metadata.items())
            options["comment"] = comment.encode("utf-8")
    elif metadata:
        info = PngImagePlugin.PngInfo()
        for key, value in metadata.items():
            info.add_text(key, value)
        options["pnginfo"] = info
    try:
        write_atomic(path, lambda stream: pixels.save(stream, format=fmt, **options))
    except OSError as error:
        reason = error.strerror or str(error)
        raise ImageError(
            path, f"could not write the image ({reason})", "check disk space and permissions"
        ) from None
    return path
