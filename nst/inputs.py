"""The checks every run makes on its inputs, before any TensorFlow work: one place for all.

`nst.stylize` (the single-scale loop) and `nst.stylize_with_options` (colour preservation and
coarse-to-fine on top of it) take the same inputs and refuse bad ones with the same messages:

- `as_image`          a path or an (H, W, 3) array -> float32 RGB HWC in [0, 255];
- `style_list`        one style (path or array) or several -> a list;
- `load_mask`         a style mask (path or (H, W) array) -> float32 in [0, 1], resized;
- `deepest_layer`     the deepest VGG-19 layer a config's loss uses;
- `check_layers_fit`  every layer is in the file, reachable at an image size with at least
                      `MIN_POSITIONS` positions a side, and the run fits in memory (`nst.memory`);
- `initial_image`     where the optimisation starts (an init mode, a path or an array).

Every function raises ValueError naming the argument and what to give instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nst.images import load_image, resize_image
from nst.memory import check_memory
from vgg_mat.architecture import BLOCKS, VGG19_LAYER_NAMES

__all__ = [
    "as_image",
    "check_layers_fit",
    "deepest_layer",
    "initial_image",
    "load_mask",
    "network_width",
    "style_list",
]


def as_image(value: Any, argument: str) -> np.ndarray:
    """An (H, W, 3) float32 [0, 255] image from a path or an array; ValueError otherwise.

    A float32 array is not copied: the result is a read-only view of it (nothing here writes
    into an input, and a large image is then held once, not once per layer of the pipeline).

    Examples
    --------
    >>> image = np.zeros((2, 3, 3), np.float32)
    >>> view = as_image(image, "content")
    >>> view.shape, np.shares_memory(view, image), view.flags.writeable
    ((2, 3, 3), True, False)
    >>> as_image(np.zeros((2, 3)), "content")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: content must be an image path or an (H, W, 3) RGB array ..., got shape (2, 3)
    """
    if isinstance(value, (str, os.PathLike)):
        if not Path(value).is_file():
            raise ValueError(f"{argument}: no image file at {str(value)!r}; check the path")
        return load_image(value)
    array = np.asarray(value)
    if array.ndim != 3 or array.shape[2] != 3 or not np.issubdtype(array.dtype, np.number):
        raise ValueError(
            f"{argument} must be an image path or an (H, W, 3) RGB array in [0, 255], got "
            f"{'shape ' + str(array.shape) if array.ndim else repr(value)}"
        )
    array = np.asarray(array, dtype=np.float32).view()  # a copy only to convert the dtype
    if not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 255:
        raise ValueError(f"{argument}: pixel values must be finite and in [0, 255]")
    array.flags.writeable = False  # the caller's pixels: read, never written
    return array


def style_list(style: Any) -> list:
    """One style (path or (H, W, 3) array) or a sequence of them, as a list; None -> [].

    >>> style_list("painting.jpg"), style_list(None), len(style_list([np.zeros((2, 2, 3))] * 2))
    (['painting.jpg'], [], 2)
    """
    if style is None:
        return []
    if isinstance(style, (str, os.PathLike)) or (isinstance(style, np.ndarray) and style.ndim == 3):
        return [style]
    return list(style)


def load_mask(mask: Any, *, size: tuple[int, int] | None = None, argument: str = "mask"):
    """A style mask as an (H, W) float32 array in [0, 1], optionally resized.

    Parameters
    ----------
    mask : path, or (H, W) / (H, W, 1) array_like in [0, 1]
        An image file is read with `nst.images.load_image` and its grey level is the mean of
        R, G, B divided by 255 (white = 1 = the style applies, black = 0 = it does not).
    size : (height, width), optional
        Resize to this size (Lanczos, `nst.images.resize_image`); values within 1e-5 of 0 or 1
        are then set to exactly 0 or 1, so an all-black or all-white mask stays exact.
    argument : str
        The name used in error messages (e.g. ``"style_masks[1]"``).

    Returns
    -------
    mask : (H, W) ndarray of float32, values in [0, 1]

    Raises
    ------
    ValueError
        For a missing file, a wrong shape, or values outside [0, 1] (NaN included).

    Examples
    --------
    >>> load_mask(np.ones((4, 6)), size=(2, 3)).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    if isinstance(mask, (str, os.PathLike)):
        if not os.path.isfile(mask):
            raise ValueError(f"{argument}: no mask image at {str(mask)!r}; check the path")
        array = load_image(mask).mean(axis=-1) / 255.0
    else:
        array = np.asarray(mask, dtype=np.float64)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.ndim != 2:
            raise ValueError(
                f"{argument} must be an image path or an (H, W) array in [0, 1], got shape "
                f"{array.shape}"
            )
        if not np.all(np.isfinite(array)) or array.min() < 0.0 or array.max() > 1.0:
            raise ValueError(f"{argument}: mask values must be in [0, 1] (1 = style applies)")
    array = array.astype(np.float32)
    if size is not None and tuple(array.shape) != tuple(size):
        resized = resize_image(array[:, :, np.newaxis] * 255.0, tuple(size))[:, :, 0] / 255.0
        resized = np.where(np.abs(resized) < 1e-5, 0.0, resized)
        array = np.where(np.abs(resized - 1.0) < 1e-5, 1.0, resized).astype(np.float32)
    return array


def deepest_layer(config) -> str | None:
    """The deepest VGG-19 layer a resolved config's loss uses, or None if a name is not VGG-19's.

    >>> from nst.config import resolve_config
    >>> deepest_layer(resolve_config())
    'relu5_1'
    """
    used = [*config.content_layers, *config.style_layers]
    if not used or not all(name in VGG19_LAYER_NAMES for name in used):
        return None
    return max(used, key=VGG19_LAYER_NAMES.index)


#: The fewest positions a used layer's feature map may have along each side: at 1 x 1 a Gram
#: matrix is one outer product, with no spatial statistics to match (a ``--size 1`` run
#: "completed" with nothing learnt).
MIN_POSITIONS = 2


def network_width(net) -> float:
    """The network's channel widths as a fraction of VGG-19's (1 for the published file).

    The mean of ``C_out / VGG-19's C_out`` over the convolutions the network holds; the
    miniature of ``--weights synthetic`` (widths // 8) gives about 1/8.
    """
    full = {f"conv{b}_{i}": c for b, n, c in BLOCKS for i in range(1, n + 1)}
    ratios = [
        layer.kernel.shape[3] / full[layer.name]
        for layer in net.weights.layers
        if layer.name in full and layer.kernel is not None
    ]
    return sum(ratios) / len(ratios) if ratios else 1.0


def _fits(shapes: dict, layers: Sequence[str], least: int = MIN_POSITIONS) -> bool:
    return all(n in shapes and min(shapes[n][:2]) >= least for n in layers)


def check_layers_fit(
    net,
    config,
    size: tuple[int, int],
    what: str,
    *,
    optimised: bool = True,
    hint: str = "use a larger size",
) -> None:
    """ValueError if a layer is missing from `net`, `size` is too small for it, or too large.

    Too small: a used layer's feature map would have fewer than `MIN_POSITIONS` positions
    along a side (a style image: none); the message gives the smallest size that works. Too
    large: the
    run's estimated peak memory exceeds what is available (`nst.memory.check_memory`; checked
    for the image being optimised, not for style images, whose targets take one forward pass).
    `what` names the image in the message (e.g. ``"the content image"``, ``"style image 0"``);
    `optimised` is False for a style image; `hint` says what to change besides using shallower
    layers.
    """
    layers = [*config.content_layers, *config.style_layers]
    missing = [name for name in layers if name not in net.names]
    if missing:
        raise ValueError(
            f"layer(s) {', '.join(missing)} are not in {net.weights.source or 'these weights'}; "
            f"valid names: {', '.join(net.names)}"
        )
    least = MIN_POSITIONS if optimised else 1
    shapes = net.output_shapes(*size)
    small = [name for name in layers if not _fits(shapes, [name], least)]
    if small:
        fit = (n for n in range(1, 4097) if _fits(net.output_shapes(n, n), small, least))
        side = next(fit, None)
        smallest = ""
        if side is not None:
            longer = -(-side * max(size) // min(size))  # the same shape, shorter side >= side
            # below 4 px the image's shape says little about the original's (a --size 1 run)
            at = f"size {longer}" if min(size) >= 4 else "a size at least that, more if not square"
            smallest = f"; the smallest that works is {side} px on the shorter side ({at})"
        raise ValueError(
            f"{what} of {size[0]}x{size[1]} pixels is too small to reach layer(s) "
            f"{', '.join(small)} with at least {least}x{least} position(s)"
            f"{smallest}; {hint} or shallower layers"
        )
    if optimised:
        check_memory(
            *size,
            optimizer=config.optimizer,
            maxcor=config.maxcor,
            network_width=network_width(net),
            argument=what,
        )


def initial_image(
    init: Any,
    content: np.ndarray,
    styles: Sequence[np.ndarray],
    mean: np.ndarray,
    *,
    noise: float,
    seed: int,
) -> np.ndarray:
    r"""The starting image of a run, (H, W, 3) float32 in [0, 255], the content's size.

    Parameters
    ----------
    init : {"content", "noise", "content+noise", "style"}, path, or (H', W', 3) array
    content : (H, W, 3) ndarray
    styles : sequence of (H_k, W_k, 3) ndarray
        ``"style"`` starts from the first one, resized to (H, W).
    mean : (3,) ndarray
        The network's mean pixel (RGB, 0-255).
    noise : float
        Noise scale on the 0-255 scale (see Notes).
    seed : int
        Seed of ``np.random.RandomState`` (stable across numpy versions).

    Returns
    -------
    image : (H, W, 3) ndarray of float32, clipped to [0, 255]

    Notes
    -----
    ``"noise"``: :math:`x = \mu + \sigma n`, n standard normal per pixel and channel: noise
    around the mean pixel, i.e. zero-mean noise in the network's input space (anish's and
    jcjohnson's "random" init; σ = `noise`). ``"content+noise"``: content + U(-σ, σ) (the
    deeplearning.ai course). An image (path or array) is resized to (H, W) if needed.
    """
    h, w = content.shape[:2]
    rng = np.random.RandomState(seed)
    if isinstance(init, str) and init == "content":
        image = content  # np.clip below makes the run's own copy
    elif isinstance(init, str) and init == "noise":
        image = np.asarray(mean, np.float64) + noise * rng.standard_normal((h, w, 3))
    elif isinstance(init, str) and init == "content+noise":
        image = content + rng.uniform(-noise, noise, size=(h, w, 3))
    elif isinstance(init, str) and init == "style":
        if not styles:
            raise ValueError("init='style' needs a style image; give one or another init")
        image = resize_image(styles[0], (h, w))
    else:
        image = as_image(init, "init")
        if image.shape[:2] != (h, w):
            image = resize_image(image, (h, w))
    return np.clip(image, 0.0, 255.0).astype(np.float32, copy=False)
