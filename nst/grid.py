"""A sweep's grid: the axes (a setting and its values), the cells, their names. Pure Python.

``nst sweep --style-weight 1e2,1e4,1e6 --tv-weight 0,1e-3`` is two axes; their product is the
grid, six cells, in row-major order (the last axis changes fastest, as in `itertools.product`).
A layer set is a value too: ``--style-layers relu1_1 relu1_1,relu2_1`` is an axis of two.
Nothing here imports TensorFlow: the command line plans (and refuses) a grid before any work.

Examples
--------
>>> cells = plan_grid({"style_weight": (1e2, 1e4), "tv_weight": (0.0, 1e-3)})
>>> [cell.label for cell in cells]
['style_weight=100 tv_weight=0', 'style_weight=100 tv_weight=0.001', \
'style_weight=10000 tv_weight=0', 'style_weight=10000 tv_weight=0.001']
>>> cells[3].name, cells[3].position
('cell-003', (1, 1))
>>> comma_list(float)("1e3,,x")
Traceback (most recent call last):
argparse.ArgumentTypeError: expected a comma list of values, got '1e3,,x' (item 2 is empty)
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nst.config import StylizeConfig, resolve_config
from vgg_mat.architecture import VGG19_LAYER_NAMES

__all__ = ["MAX_CELLS", "Cell", "comma_list", "plan_grid", "plan_sweep", "value_text"]

#: A grid larger than this needs ``--yes`` (``yes=True``): 500 runs is hours of work.
MAX_CELLS = 500


def comma_list(parse: Callable[[str], Any]) -> Callable[[str], tuple]:
    """An argparse type: ``1e2,1e4,1e6`` -> a tuple of `parse` of each item (no empty item)."""

    def parse_list(text: str) -> tuple:
        items = [item.strip() for item in text.split(",")]
        for k, item in enumerate(items, start=1):
            if not item:
                raise argparse.ArgumentTypeError(
                    f"expected a comma list of values, got {text!r} (item {k} is empty)"
                )
        values = []
        for k, item in enumerate(items, start=1):
            try:
                values.append(parse(item))
            except (argparse.ArgumentTypeError, ValueError) as error:
                raise argparse.ArgumentTypeError(
                    f"item {k} of {text!r}: {' '.join(str(error).split())}"
                ) from None
        if len(set(map(value_text, values))) != len(values):
            raise argparse.ArgumentTypeError(f"a value is given twice in {text!r}; give it once")
        return tuple(values)

    return parse_list


def value_text(value: Any) -> str:
    """A value as the sheet and the labels show it.

    >>> value_text(1e4), value_text(0.001), value_text(("relu1_1", "relu2_1"))
    ('10000', '0.001', 'relu1_1,relu2_1')
    >>> value_text({"relu1_1": 0.5, "relu2_1": 0.5})
    'relu1_1:0.5,relu2_1:0.5'
    """
    if isinstance(value, Mapping):
        return ",".join(f"{k}:{value_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ",".join(value_text(v) for v in value)
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Cell:
    """One cell of a grid.

    Attributes
    ----------
    index : int
        Its number in row-major order (0-based).
    position : tuple of int
        Its index along each axis.
    values : dict
        ``{setting: value}`` of the swept settings.
    """

    index: int
    position: tuple[int, ...]
    values: dict[str, Any]

    @property
    def name(self) -> str:
        """``cell-007``: the stem of its image and manifest."""
        return f"cell-{self.index:03d}"

    @property
    def label(self) -> str:
        """``style_weight=1e+04 tv_weight=0``."""
        return " ".join(f"{k}={value_text(v)}" for k, v in self.values.items())


def plan_grid(axes: Mapping[str, Sequence[Any]], *, yes: bool = False) -> list[Cell]:
    """The cells of the product of `axes` (``{setting: values}``), last axis fastest.

    Raises
    ------
    ValueError
        An axis with no value, or more than `MAX_CELLS` cells without `yes`.
    """
    for name, values in axes.items():
        if not values:
            raise ValueError(f"{name}: give at least one value")
    sizes = [len(values) for values in axes.values()]
    count = math.prod(sizes)
    if count > MAX_CELLS and not yes:
        shape = " x ".join(map(str, sizes))
        raise ValueError(
            f"the grid has {count} cells ({shape}), more than {MAX_CELLS}; give fewer values "
            "or --yes to run them all"
        )
    names = list(axes)
    cells = []
    for index, position in enumerate(itertools.product(*(range(n) for n in sizes))):
        values = {name: axes[name][k] for name, k in zip(names, position, strict=True)}
        cells.append(Cell(index, tuple(position), values))
    return cells


def plan_sweep(
    grid: Mapping[str, Sequence[Any]],
    config: StylizeConfig | None = None,
    *,
    yes: bool = False,
) -> tuple[list[Cell], list[StylizeConfig]]:
    """The cells of `grid` and each one's resolved config (`config` with the cell's values).

    Raises
    ------
    ValueError
        A bad grid (`nst.grid.plan_grid`), or a cell whose settings `resolve_config` refuses
        (the message names the cell). Cheap: no TensorFlow.
    """
    cells = plan_grid(grid, yes=yes)
    configs = []
    for cell in cells:
        try:
            configs.append(resolve_config(config, layer_names=VGG19_LAYER_NAMES, **cell.values))
        except ValueError as error:
            raise ValueError(f"cell {cell.label}: {error}") from None
    return cells, configs
