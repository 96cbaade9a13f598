"""How much memory a run needs, how much the machine has, and the refusal when it is too little.

The estimate is a small linear model of a run's peak resident memory, fitted to the fresh-process
measurements of BENCHMARKS.md (peak RSS, full-width VGG-19, TensorFlow on a CPU):

    peak = BASE + pixels * (optimiser bytes per pixel + width * NETWORK_BYTES_PER_PIXEL)

- ``BASE`` (800 MiB): the interpreter, TensorFlow and the weights up to relu5_1.
- ``NETWORK_BYTES_PER_PIXEL`` (2,300): the activations kept for the gradient, per input pixel,
  for the full network; ``width`` is the network's width as a fraction of VGG-19's (1 for the
  published file, 1/8 for ``--weights synthetic``, whose widths are C // 8), since activations
  scale with channels.
- the optimiser's own vectors: Adam and SGD hold about ten (H, W, 3) float32/float64 copies of
  the image (110 B per pixel); L-BFGS holds ``2 * maxcor + 8`` float64 vectors (672 B at
  ``maxcor`` 10).

Against the measurements: Adam 512 px 1,402 MiB estimated (1,382 measured), 1024 px 3,210
(3,002), 2048 px 10.2 GiB (9.9 GiB); L-BFGS 1024 px 3,772 MiB (3,293 after one step, before its
history of ``maxcor`` pairs fills: about 480 MiB more). Coarse-to-fine peaks at its last stage,
like a single run at that size (BENCHMARKS.md, issue 6), so the final size is what counts.

A run is refused when its estimate exceeds the memory available now (`available_bytes`:
``MemAvailable`` of /proc/meminfo, else ``os.sysconf``); ``$NST_MEMORY_AVAILABLE`` (bytes, or
with a unit: ``8GiB``, ``512M``) overrides it, for a machine with swap or for tests. No
TensorFlow here: the command line checks before it loads.
"""

from __future__ import annotations

import math
import os
import re

__all__ = [
    "BASE_BYTES",
    "NETWORK_BYTES_PER_PIXEL",
    "available_bytes",
    "check_longer_side",
    "check_memory",
    "estimate_peak_bytes",
    "gib",
    "output_shape",
]

#: The interpreter, TensorFlow and the weights through relu5_1 (bytes).
BASE_BYTES = 800 * 2**20

#: Activations kept for the gradient per input pixel, full-width VGG-19 (bytes).
NETWORK_BYTES_PER_PIXEL = 2300

#: Adam's and SGD's copies of the image per pixel (bytes): z, m, v, gradient, the next z, the
#: Step's float64 and float32 images.
FIRST_ORDER_BYTES_PER_PIXEL = 110

#: The environment variable that overrides the memory available (bytes, or 8GiB, 512M, ...).
MEMORY_VARIABLE = "NST_MEMORY_AVAILABLE"

_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def optimizer_bytes_per_pixel(optimizer: str, maxcor: int = 10) -> int:
    """Bytes per pixel the optimiser holds besides the network.

    >>> optimizer_bytes_per_pixel("adam"), optimizer_bytes_per_pixel("lbfgs", maxcor=10)
    (110, 672)
    """
    if optimizer == "lbfgs":
        return (2 * maxcor + 8) * 3 * 8  # float64 (H, W, 3) vectors: history pairs, x, g, ...
    return FIRST_ORDER_BYTES_PER_PIXEL


def estimate_peak_bytes(
    pixels: int, *, optimizer: str = "lbfgs", maxcor: int = 10, width: float = 1.0
) -> int:
    """The estimated peak memory (bytes) of a run on an image of `pixels` pixels (H * W).

    Parameters
    ----------
    pixels : int
        H * W of the (final) image.
    optimizer : {"lbfgs", "adam", "sgd"}
    maxcor : int
        L-BFGS's number of correction pairs.
    width : float
        The network's channel widths as a fraction of VGG-19's (1: the published file).

    Examples
    --------
    >>> round(estimate_peak_bytes(1024 * 1024, optimizer="adam") / 2**20)
    3210
    >>> round(estimate_peak_bytes(2048 * 2048, optimizer="adam") / 2**30, 1)
    10.2
    """
    per_pixel = optimizer_bytes_per_pixel(optimizer, maxcor) + width * NETWORK_BYTES_PER_PIXEL
    return int(BASE_BYTES + pixels * per_pixel)


def _parse_bytes(text: str) -> int:
    match = re.fullmatch(r"\s*([0-9.]+)\s*([kmgt]?)(i?b)?\s*", text.lower())
    if not match:
        raise ValueError(
            f"${MEMORY_VARIABLE}={text!r}: expected a number of bytes, e.g. 8GiB or 512M"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def available_bytes() -> int | None:
    """The memory available to a new run now (bytes), or None when it cannot be read.

    ``$NST_MEMORY_AVAILABLE`` if set; else ``MemAvailable`` from /proc/meminfo (Linux); else
    ``os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")``.
    """
    override = os.environ.get(MEMORY_VARIABLE)
    if override:
        return _parse_bytes(override)
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return None


def gib(n: float) -> str:
    """Bytes in GiB, for messages.

    >>> gib(3 * 2**30), gib(2**40)
    ('3.0 GiB', '1,024 GiB')
    """
    value = n / 2**30
    return f"{value:.1f} GiB" if value < 100 else f"{value:,.0f} GiB"


def check_memory(
    height: int,
    width: int,
    *,
    optimizer: str,
    maxcor: int = 10,
    network_width: float = 1.0,
    argument: str = "size",
) -> None:
    """ValueError when a run on a ``height x width`` image would need more than is available.

    The message names `argument`, gives the estimate and the memory available, and the largest
    longer side that fits at this aspect ratio (`estimate_peak_bytes`).
    """
    available = available_bytes()
    if available is None:
        return
    pixels = int(height) * int(width)
    need = estimate_peak_bytes(pixels, optimizer=optimizer, maxcor=maxcor, width=network_width)
    if need <= available:
        return
    per_pixel = optimizer_bytes_per_pixel(optimizer, maxcor) + network_width * (
        NETWORK_BYTES_PER_PIXEL
    )
    fits = max(0.0, (available - BASE_BYTES) / per_pixel)  # pixels
    longer, shorter = max(height, width), max(1, min(height, width))
    largest = int(math.sqrt(fits * longer / shorter))
    advice = (
        f"use a size of at most about {largest} px (coarse-to-fine, --scales, gets more out of "
        "a size that fits)"
        if largest >= 1
        else "free some memory first"
    )
    raise ValueError(
        f"{argument}: a {height}x{width} px run with {optimizer} needs about {gib(need)} "
        f"(estimated peak), but only {gib(available)} is available; {advice}"
    )


def check_longer_side(side: int, argument: str, *, optimizer: str, maxcor: int = 10) -> None:
    """ValueError for a longer side that no image could have here: even one pixel high, on the
    narrowest network, its run would need more memory than is available (`resolve_config`'s
    check; the full one, `check_memory`, needs the image's shape and the network).

    >>> check_longer_side(10**9, "size", optimizer="adam")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: size 1000000000: even a 1 px high image of that width needs about ...
    """
    available = available_bytes()
    need = estimate_peak_bytes(side, optimizer=optimizer, maxcor=maxcor, width=0.0)
    if available is not None and need > available:
        raise ValueError(
            f"{argument} {side}: even a 1 px high image of that width needs about {gib(need)} "
            f"(estimated peak), but only {gib(available)} is available; use a smaller {argument}"
        )


def output_shape(config, height: int, width: int) -> tuple[int, int]:
    """The (height, width) of a resolved config's output for a ``height x width`` content: its
    ``size``, else the last of its ``scales``, else the content's own longer side."""
    from nst.images import fit_longer_side

    side = config.size
    if side is None and config.scales is not None and not isinstance(config.scales, str):
        side = config.scales[-1]
    return fit_longer_side(height, width, side if side is not None else max(height, width))
