r"""Figures for the lessons, the README and the CLI: losses, Grams, feature maps, high-pass images.

Every function returns a `matplotlib.figure.Figure` built without `pyplot` (no global state, no
window, safe under the Agg backend and on a headless machine; Jupyter shows a returned Figure
inline). Nothing here calls ``plt.show``; save with ``fig.savefig(path)``.

Anything made from a synthetic (random-weight) network must say so on the figure itself: every
function takes ``synthetic=`` (a bool, or the `vgg_mat.VGGWeights` used, whose ``.synthetic``
flag decides), and `stamp_synthetic` (from `nst.stamp`) adds the label to any figure:
``stamp_synthetic(fig, when=weights)`` stamps it only when those weights are synthetic.

- `plot_losses`        loss curves per term and per layer, log scale, from `nst.Step` records.
- `plot_gram`          Gram matrices as heatmaps.
- `plot_feature_maps`  a grid of the channels of one activation.
- `high_pass_xy`       the TF tutorial's x and y neighbour differences; `plot_high_pass` shows them.
- `plot_images`        a grid of images with titles.
- `plot_annotated_grid` a small 2-D array as a heatmap with its values written in the cells.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nst.choices import LOSS_TERMS
from nst.stamp import SYNTHETIC_LABEL, is_synthetic, stamp_synthetic

__all__ = [
    "SYNTHETIC_LABEL",
    "high_pass_xy",
    "plot_annotated_grid",
    "plot_feature_maps",
    "plot_gram",
    "plot_high_pass",
    "plot_images",
    "plot_losses",
    "stamp_synthetic",
]

_TERMS = LOSS_TERMS


def _finish(fig: Figure, synthetic: Any, title: str | None) -> Figure:
    if title:
        fig.suptitle(title)  # placed by the layout engine; stamp_synthetic moves it under its label
    if is_synthetic(synthetic):
        stamp_synthetic(fig)
    return fig


def _numpy(x: Any) -> np.ndarray:
    """A numpy array from a numpy array, a tf.Tensor or a nested list."""
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _loss_dicts(steps: Sequence[Any]) -> tuple[list[int], list[Mapping[str, float]]]:
    """Iterations and loss dicts from `nst.Step` records or plain loss dicts."""
    if all(hasattr(s, "losses") for s in steps):
        return [s.iteration for s in steps], [s.losses for s in steps]
    return list(range(len(steps))), list(steps)


def plot_losses(
    steps: Sequence[Any],
    *,
    per_layer: bool = True,
    synthetic: Any = False,
    title: str | None = None,
) -> Figure:
    """Loss curves on a log scale: one panel per term, one with every per-layer term.

    Parameters
    ----------
    steps : sequence of `nst.Step`, or of loss dicts ``{name: float}``
        The records a `nst.stylize` run yielded (or their ``.losses``). Keys ``total``,
        ``content``, ``style``, ``tv`` go in the first panel; keys with a ``/`` (``style/relu1_1``,
        ``content/relu4_2``) in the second.
    per_layer : bool
        Draw the second (per-layer) panel.
    synthetic : bool or VGGWeights
        Stamp the figure with the synthetic-weights label.
    title : str, optional

    Returns
    -------
    fig : matplotlib.figure.Figure

    Notes
    -----
    A log scale cannot show zero or negative values: those points are left out (a term whose
    weight is 0 draws no line).
    """
    iterations, dicts = _loss_dicts(steps)
    if not dicts:
        raise ValueError("steps is empty; pass the Step records (or loss dicts) of a run")
    keys = list(dicts[0])
    panels = [[k for k in _TERMS if k in keys]]
    if per_layer:
        panels.append([k for k in keys if "/" in k])
    panels = [p for p in panels if p]
    fig = Figure(figsize=(6 * len(panels), 4.2), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, names, heading in zip(axes, panels, ("terms", "per layer"), strict=False):
        for name in names:
            y = np.array([d.get(name, np.nan) for d in dicts], dtype=np.float64)
            y[~(y > 0)] = np.nan  # log scale: leave out 0, negative, non-finite
            if np.any(np.isfinite(y)):
                ax.plot(iterations, y, label=name, lw=2.2 if name == "total" else 1.4)
        ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_ylabel("weighted loss")
        ax.set_title(heading)
        ax.grid(True, which="both", alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    return _finish(fig, synthetic, title)


def _grid(n: int, cols: int | None) -> tuple[int, int]:
    cols = cols or min(n, max(1, math.ceil(math.sqrt(n))))
    return math.ceil(n / cols), cols


def plot_gram(
    grams: Any,
    *,
    titles: Sequence[str] | None = None,
    cmap: str = "viridis",
    synthetic: Any = False,
    title: str | None = None,
) -> Figure:
    """Heatmaps of Gram matrices, one panel each, with a colour bar.

    Parameters
    ----------
    grams : (C, C) or (1, C, C) array or tf.Tensor, or a dict ``{title: gram}``, or a list
        The Gram matrices (e.g. from `nst.gram_matrix`); a dict's keys become the titles.
    titles : sequence of str, optional
        Panel titles for a list.
    cmap : str
    synthetic : bool or VGGWeights
    title : str, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    if isinstance(grams, Mapping):
        titles, grams = list(grams), list(grams.values())
    elif not isinstance(grams, (list, tuple)):
        grams = [grams]
    mats = []
    for g in grams:
        g = _numpy(g)
        g = g[0] if g.ndim == 3 and g.shape[0] == 1 else g
        if g.ndim != 2 or g.shape[0] != g.shape[1]:
            raise ValueError(f"a Gram matrix must be (C, C) or (1, C, C), got shape {g.shape}")
        mats.append(g)
    rows, cols = _grid(len(mats), None)
    fig = Figure(figsize=(4.2 * cols, 3.8 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        if i >= len(mats):
            ax.set_axis_off()
            continue
        image = ax.imshow(mats[i], cmap=cmap, interpolation="nearest")
        fig.colorbar(image, ax=ax, shrink=0.8)
        heading = titles[i] if titles else f"Gram {mats[i].shape[0]}x{mats[i].shape[0]}"
        ax.set_title(heading)
        ax.set_xlabel("channel j")
        ax.set_ylabel("channel i")
    return _finish(fig, synthetic, title)


def plot_feature_maps(
    features: Any,
    *,
    channels: int | Sequence[int] = 16,
    cols: int | None = None,
    cmap: str = "magma",
    synthetic: Any = False,
    title: str | None = None,
) -> Figure:
    """A grid of the channels of one activation map, each scaled to its own range.

    Parameters
    ----------
    features : (1, H, W, C) or (H, W, C) array or tf.Tensor
        One layer's activations (e.g. ``net(x, ["relu1_1"])["relu1_1"]``).
    channels : int or sequence of int
        How many channels to show (the first ones), or which.
    cols : int, optional
        Grid columns (default: about square).
    cmap : str
    synthetic : bool or VGGWeights
    title : str, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    f = _numpy(features)
    f = f[0] if f.ndim == 4 else f
    if f.ndim != 3:
        raise ValueError(f"features must be (1, H, W, C) or (H, W, C), got shape {f.shape}")
    picked = list(range(min(channels, f.shape[-1]))) if isinstance(channels, int) else channels
    rows, cols = _grid(len(picked), cols)
    fig = Figure(figsize=(1.8 * cols, 1.8 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, c in zip(axes, picked, strict=False):
        ax.imshow(f[:, :, c], cmap=cmap, interpolation="nearest")
        ax.set_title(f"channel {c}", fontsize=8)
    return _finish(fig, synthetic, title)


def high_pass_xy(image: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Neighbour differences along x and along y: the TF tutorial's ``high_pass_x_y``.

    Parameters
    ----------
    image : (H, W, C) or (1, H, W, C) array or tf.Tensor

    Returns
    -------
    x_deltas : (H, W-1, C) ndarray
        :math:`\Delta^x_{i,j} = x_{i,j+1} - x_{i,j}`.
    y_deltas : (H-1, W, C) ndarray
        :math:`\Delta^y_{i,j} = x_{i+1,j} - x_{i,j}`.

    Notes
    -----
    ``sum |x_deltas| + sum |y_deltas|`` is the L1 total variation (``nst.tv_loss(kind="l1")``,
    ``tf.image.total_variation``): these images show where that penalty comes from.
    """
    x = _numpy(image).astype(np.float64)
    x = x[0] if x.ndim == 4 else x
    return x[:, 1:, :] - x[:, :-1, :], x[1:, :, :] - x[:-1, :, :]


def plot_high_pass(
    images: Any,
    *,
    titles: Sequence[str] | None = None,
    synthetic: Any = False,
    title: str | None = None,
) -> Figure:
    r"""The x and y high-pass images of one or several [0, 255] images (the tutorial's figure).

    Parameters
    ----------
    images : (H, W, 3) array in [0, 255], or a list of them (a dict ``{title: image}`` works)
    titles : sequence of str, optional
    synthetic : bool or VGGWeights
    title : str, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
        One row per image: the image, its x deltas, its y deltas.

    Notes
    -----
    Shown as :math:`\mathrm{clip}(2 \Delta / 255 + 0.5, 0, 1)`, the tutorial's
    ``clip_0_1(2 * delta + 0.5)`` for its [0, 1] images: grey is "no change".
    """
    if isinstance(images, Mapping):
        titles, images = list(images), list(images.values())
    elif not isinstance(images, (list, tuple)):
        images = [images]
    fig = Figure(figsize=(10, 3.4 * len(images) + 0.4), layout="constrained")
    axes = fig.subplots(len(images), 3, squeeze=False)
    for i, (row, image) in enumerate(zip(axes, images, strict=True)):
        x_deltas, y_deltas = high_pass_xy(image)
        name = titles[i] if titles else "image"
        shown = [np.clip(_numpy(image) / 255.0, 0, 1), x_deltas, y_deltas]
        for ax, picture, label in zip(row, shown, ("", " x deltas", " y deltas"), strict=True):
            if label:
                picture = np.clip(2.0 * picture / 255.0 + 0.5, 0.0, 1.0)
            ax.imshow(np.squeeze(picture), interpolation="nearest")
            ax.set_title(name + label)
            ax.set_axis_off()
    return _finish(fig, synthetic, title)


def plot_images(
    images: Any,
    titles: Sequence[str] | None = None,
    *,
    cols: int | None = None,
    synthetic: Any = False,
    title: str | None = None,
) -> Figure:
    """A grid of images with titles.

    Parameters
    ----------
    images : sequence of (H, W, 3) arrays in [0, 255] (float or uint8), or a dict ``{title: image}``
        Images of any sizes (e.g. content, style, the `Step.image` of a run).
    titles : sequence of str, optional
    cols : int, optional
        Grid columns (default: all in one row up to 4, then about square).
    synthetic : bool or VGGWeights
    title : str, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    if isinstance(images, Mapping):
        titles, images = list(images), list(images.values())
    images = [_numpy(im) for im in images]
    if not images:
        raise ValueError("images is empty; pass at least one (H, W, 3) image")
    rows, cols = _grid(len(images), cols or (len(images) if len(images) <= 4 else None))
    fig = Figure(figsize=(3.2 * cols, 3.2 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    for i, (ax, im) in enumerate(zip(axes, images, strict=False)):
        im = np.squeeze(im)
        ax.imshow(np.clip(im / 255.0, 0.0, 1.0) if im.dtype != np.uint8 else im)
        if titles:
            ax.set_title(titles[i])
    return _finish(fig, synthetic, title)


def plot_annotated_grid(
    ax: Any,
    array: Any,
    *,
    title: str | None = None,
    cmap: str = "Blues",
    fmt: str = "{:g}",
) -> Any:
    """Draw a 2-D array on `ax` as a heatmap with each value written in its cell.

    For the small worked examples of the lessons (a 5x5 input, a 3x3 kernel, a pooled 2x2),
    where the numbers themselves are the point.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw (from ``plt.subplots`` or ``Figure.subplots``).
    array : (H, W) array-like (numpy, tf.Tensor or nested list)
        The values; cell ``(r, c)`` is drawn at x = c, y = r (row 0 at the top).
    title : str, optional
        The axes title.
    cmap : str
        A matplotlib colormap name.
    fmt : str
        A `str.format` pattern for each value (``"{:g}"``, ``"{:.2f}"``, ...).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The same axes, with one image and ``H * W`` texts (row-major), ticks at every cell.

    Raises
    ------
    ValueError
        When `array` is not 2-D.

    Notes
    -----
    The colour scale runs from ``min(a.min(), 0)`` to ``max(a.max(), 1)``, so zero is always the
    light end and a small integer grid does not saturate. A value is written in white when
    ``value > 0.6 * a.max()`` (on the dark cells), in black otherwise.
    """
    a = _numpy(array)
    if a.ndim != 2:
        raise ValueError(
            f"array must be 2-D (H, W) to draw as an annotated grid, got shape {a.shape}; "
            "pass one channel, e.g. x[:, :, 0]"
        )
    ax.imshow(a, cmap=cmap, vmin=min(a.min(), 0), vmax=max(a.max(), 1))
    for (r, c), value in np.ndenumerate(a):
        ax.text(
            c,
            r,
            fmt.format(value),
            ha="center",
            va="center",
            fontsize=11,
            color="white" if value > 0.6 * a.max() else "black",
        )
    ax.set_xticks(range(a.shape[1]))
    ax.set_yticks(range(a.shape[0]))
    if title is not None:
        ax.set_title(title)
    return ax
