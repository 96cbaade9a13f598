"""A sweep's pictures: the contact sheet (Gatys' figure 3) and the style/content trade-off plot.

- `contact_sheet`   one image per cell on a grid: the last axis of the sweep across, the other
  axes down (their values joined), each axis's setting and values written on the margins.
- `tradeoff_plot`   one point per cell: style distance (x) against content distance (y), both
  from `nst.metrics`, log scales, each point labelled with its cell's values. The cells on the
  lower-left edge are the ones no other cell beats on both distances.

Figures are matplotlib `Figure` objects made without pyplot, stamped "synthetic weights" when
the weights were (`nst.stamp`); missing cells (not run yet) are drawn empty.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nst.grid import value_text
from nst.stamp import stamp_synthetic

__all__ = ["contact_sheet", "pareto_front", "tradeoff_plot"]


def contact_sheet(
    axes: Mapping[str, Sequence[Any]],
    images: Mapping[tuple[int, ...], np.ndarray],
    *,
    synthetic: Any = False,
    title: str | None = None,
    side: float = 1.8,
) -> Figure:
    """The cells' images on a grid, the swept values on the margins.

    Parameters
    ----------
    axes : mapping of str to sequence
        The sweep's axes (``{setting: values}``), in grid order.
    images : mapping of position to (H, W, 3) array in [0, 255]
        Each finished cell's image by its position (one index per axis); others stay blank.
    synthetic : bool or VGGWeights
    title : str, optional
    side : float
        Inches per cell.

    Returns
    -------
    matplotlib.figure.Figure
    """
    order = sorted(range(len(axes)), key=lambda k: not _is_set(list(axes.values())[k]))
    names = [list(axes)[k] for k in order]  # layer sets first (down, as in Gatys' figure 3)
    images = {tuple(position[k] for k in order): image for position, image in images.items()}
    across = names[-1]
    down = names[:-1]
    row_positions = [()] if not down else list(np.ndindex(*(len(axes[n]) for n in down)))
    cols = len(axes[across])
    fig = Figure(figsize=(side * cols + 1.6, side * len(row_positions) + 1.0), layout="constrained")
    grid = fig.subplots(len(row_positions), cols, squeeze=False)
    for r, row in enumerate(row_positions):
        for c in range(cols):
            ax = grid[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            image = images.get((*row, c))
            if image is not None:
                ax.imshow(np.clip(np.asarray(image, np.float32) / 255.0, 0.0, 1.0))
            else:
                ax.text(0.5, 0.5, "not run", ha="center", va="center", color="grey")
            if r == 0:
                ax.set_title(_wrap(f"{across}={value_text(axes[across][c])}"), fontsize=7)
            if c == 0 and down:
                label = "\n".join(
                    _wrap(f"{n}={value_text(axes[n][k])}") for n, k in zip(down, row, strict=True)
                )
                ax.set_ylabel(label, fontsize=7)
    if title:
        fig.suptitle(title)
    return stamp_synthetic(fig, when=synthetic)


def _is_set(values: Sequence[Any]) -> bool:
    """Whether an axis's values are layer sets (sequences or mappings), not numbers."""
    return all(isinstance(v, (list, tuple, Mapping)) for v in values)


def _wrap(text: str, width: int = 26) -> str:
    """`text` on lines of about `width` characters, broken after commas or spaces."""
    return "\n".join(textwrap.wrap(text.replace(",", ", "), width)).replace(", ", ",")


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats (lower or equal) on both coordinates.

    >>> pareto_front([(1, 5), (2, 2), (3, 3), (5, 1)])
    [0, 1, 3]
    """
    front = []
    for i, (x, y) in enumerate(points):
        beaten = any(
            (a <= x and b <= y) and (a < x or b < y) for j, (a, b) in enumerate(points) if j != i
        )
        if not beaten and math.isfinite(x) and math.isfinite(y):
            front.append(i)
    return front


def tradeoff_plot(
    points: Sequence[tuple[float, float]],
    labels: Sequence[str],
    *,
    synthetic: Any = False,
    title: str | None = None,
) -> Figure:
    """Style distance (x) against content distance (y), one labelled point per cell.

    Parameters
    ----------
    points : sequence of (style_distance, content_distance)
    labels : sequence of str
        One per point (the cell's values): the points are numbered, the key beside the plot
        (the first 40).
    synthetic : bool or VGGWeights

    Returns
    -------
    matplotlib.figure.Figure
        Log scales for values spanning more than a decade; the points of `pareto_front`
        joined by a line.
    """
    fig = Figure(figsize=(9.6, 4.8), layout="constrained")
    ax, key = fig.subplots(1, 2, width_ratios=(3, 2))
    key.set_axis_off()
    xs = np.array([p[0] for p in points], np.float64)
    ys = np.array([p[1] for p in points], np.float64)
    ax.scatter(xs, ys, color="tab:blue", zorder=3)
    for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
        ax.annotate(str(k), (x, y), fontsize=8, xytext=(3, 3), textcoords="offset points")
    shown = [f"{k}: {_wrap(label, 44)}" for k, label in enumerate(labels)][:40]
    key.text(0, 1, "\n".join(shown), va="top", fontsize=7, family="monospace",
             transform=key.transAxes)  # fmt: skip
    front = sorted(pareto_front(list(zip(xs, ys, strict=True))), key=lambda i: xs[i])
    if len(front) > 1:
        ax.plot(xs[front], ys[front], color="tab:orange", label="not beaten on both", zorder=2)
        ax.legend(fontsize=8)
    for axis, values in (("x", xs), ("y", ys)):
        if len(values) and np.all(values > 0) and values.max() > 10 * values.min():
            (ax.set_xscale if axis == "x" else ax.set_yscale)("log")  # several decades
        else:  # linear, without an offset: the numbers as they are
            ax.ticklabel_format(axis=axis, style="sci", scilimits=(-3, 3), useOffset=False)
    ax.set_xlabel("style distance (Gatys' E, relu1_1..relu5_1)\nlower = closer to the style")
    ax.set_ylabel("content distance (relu4_2)\nlower = closer to the content")
    if title:
        fig.suptitle(title)
    return stamp_synthetic(fig, when=synthetic)
