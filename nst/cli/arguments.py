"""Argument types of the `nst` command line: text -> value, pure Python (no TensorFlow).

Each raises `argparse.ArgumentTypeError`, which argparse turns into the one-line usage error
``nst stylize: error: argument --size: must be an integer >= 1, got -3``. Names (presets,
layers, init modes) are checked later by `nst.config.resolve_config`.

Examples
--------
>>> integer(1)("48")
48
>>> layers("relu1_1,relu2_1")
('relu1_1', 'relu2_1')
>>> layers("relu1_1:0.5,block2_conv1:0.5")
{'relu1_1': 0.5, 'block2_conv1': 0.5}
>>> scales("256, 512")
(256, 512)
>>> image_size("64,48")
(64, 48)
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from vgg_mat.command import integer_at_least as integer  # ``vgg-mat``'s too

__all__ = [
    "blend",
    "image_size",
    "integer",
    "integers",
    "layers",
    "mask",
    "number",
    "scales",
]


def number(*, positive: bool = False) -> Callable[[str], float]:
    """A finite float >= 0 (> 0 when `positive`)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            bound = "> 0" if positive else ">= 0"
            raise argparse.ArgumentTypeError(f"must be a finite number {bound}, got {text}")
        return value

    return parse


def layers(text: str) -> tuple[str, ...] | dict[str, float]:
    """``relu1_1,relu2_1`` (equal weights) or ``relu1_1:0.5,block2_conv1:0.5`` (explicit)."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of layer names, got {text!r}"
        )
    if not any(":" in item for item in items):
        return tuple(items)
    weighted: dict[str, float] = {}
    for item in items:
        name, sep, weight = item.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError(
                f"give a weight for every layer or for none (name:weight), got {text!r}"
            )
        weighted[name.strip()] = number()(weight)
    return weighted


def scales(text: str) -> str | tuple[int, ...]:
    """``auto`` or ``256,512,1024``: the coarse-to-fine stages' longer sides."""
    if text.strip() == "auto":
        return "auto"
    return tuple(integer(1)(item.strip()) for item in text.split(","))


def integers(text: str) -> tuple[int, ...]:
    """``300,200,100``: integers >= 0."""
    return tuple(integer(0)(item.strip()) for item in text.split(","))


def mask(text: str) -> str | None:
    """A mask image path, or ``none`` (None: the style applies everywhere)."""
    return None if text.strip().lower() == "none" else text


def blend(text: str) -> tuple[float, ...]:
    """``0.7,0.3``: one weight >= 0 per style image, positive sum."""
    weights = tuple(number()(item.strip()) for item in text.split(","))
    if sum(weights) <= 0:
        raise argparse.ArgumentTypeError(f"the weights must have a positive sum, got {text!r}")
    return weights


def image_size(text: str) -> tuple[int, int]:
    """``224`` (square) or ``H,W``."""
    parts = [p.strip() for p in text.replace("x", ",").split(",")]
    if len(parts) not in (1, 2):
        raise argparse.ArgumentTypeError(f"expected N or H,W, got {text!r}")
    sizes = [integer(1)(p) for p in parts]
    return (sizes[0], sizes[-1])
