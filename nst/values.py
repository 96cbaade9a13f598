"""The checks of single setting values: numbers, integers, choices, the starting image.

Each raises ValueError naming the argument, what is wrong and what to give instead;
`nst.config.resolve_config` runs them on every field.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nst.choices import INIT_MODES

__all__ = ["check_choice", "check_init", "check_integer", "check_number"]


def check_number(value: Any, argument: str, *, minimum: float, strict: bool = False) -> float:
    """`value` as a finite float >= minimum (> minimum when strict); ValueError otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{argument} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number < minimum or (strict and number == minimum):
        relation = ">" if strict else ">="
        raise ValueError(f"{argument} must be a finite number {relation} {minimum}, got {value!r}")
    return number


def check_integer(value: Any, argument: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{argument} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_sequence(value: Any, argument: str) -> Sequence:
    """`value` if it is a list or tuple (of anything), else ValueError naming `argument`."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{argument} must be a list of numbers, one per item; got {value!r}")
    return value


def check_choice(value: Any, argument: str, valid: Sequence[str], removed=None) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{argument} must be one of: {', '.join(valid)}; got {value!r}")
    if value in (removed or {}):  # a name that was valid once: say why it is gone
        raise ValueError(f"{argument} {value!r} was {removed[value]}; valid: {', '.join(valid)}")
    if value not in valid:
        raise ValueError(f"unknown {argument} {value!r}; use one of: {', '.join(valid)}")
    return value


def check_init(init: Any) -> Any:
    if isinstance(init, np.ndarray):
        if init.ndim != 3 or init.shape[2] != 3:
            raise ValueError(f"init image must be an (H, W, 3) RGB array, got shape {init.shape}")
        return init
    if isinstance(init, str) and init in INIT_MODES:
        return init
    if isinstance(init, (str, os.PathLike)):
        if not Path(init).is_file():
            raise ValueError(
                f"init {str(init)!r} is neither a mode ({', '.join(INIT_MODES)}) nor an "
                "existing image file; give one of the modes or the path of an image"
            )
        return str(init)
    raise ValueError(
        f"init must be one of {', '.join(INIT_MODES)}, an image path or an (H, W, 3) array, "
        f"got {type(init).__name__}"
    )
