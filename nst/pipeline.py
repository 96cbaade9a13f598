"""What `nst.stylize` does around a run: colour preservation and coarse-to-fine.

`stylize` hands a config with ``preserve_colors`` or ``scales`` set to `stylize_with_options`,
which composes, from the outside in:

1. colour preservation (`nst.color`): ``"histogram"`` recolours the style images to the
   content's colour mean and covariance before the run; ``"luminance"`` runs on grey images
   (the content's luminance, and the style's luminance matched to it) and gives every yielded
   image the content's chroma back (`nst.color.luminance_transfer`);
2. coarse-to-fine (`nst.multiscale.stylize_coarse_to_fine`) when ``scales`` is set;
3. the single-scale run (`nst.stylize` with both options off).

The stages of 2 pass the grey images of 1 from one to the next (never the recoloured ones), so
the two compose. Style scale and style masks act inside every single-scale run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from nst.color import luminance, luminance_transfer, match_color_histogram, match_luminance
from nst.images import resize_image
from nst.optimize import _as_image as _image  # the checks nst.stylize makes on its inputs
from nst.optimize import _styles

__all__ = ["stylize_with_options"]


def stylize_with_options(content: Any, style: Any, *, weights: Any, config) -> Iterator:
    """`nst.stylize` with colour preservation and/or coarse-to-fine (see the module doc).

    Parameters
    ----------
    content, style, weights
        As in `nst.stylize`.
    config : StylizeConfig
        Resolved (`nst.config.resolve_config`), with ``preserve_colors`` and/or ``scales`` set.

    Returns
    -------
    steps : iterator of Step (`nst.multiscale.ScaleStep` with ``scales``)
        With ``preserve_colors="luminance"`` every image carries the content's chroma and the
        losses are those of the grey run.

    Raises
    ------
    ValueError
        At once, before any TensorFlow work, as `nst.stylize`.
    """
    from nst.multiscale import stylize_coarse_to_fine
    from nst.optimize import stylize

    mode = config.preserve_colors
    content_image = _image(content, "content")
    styles = [_image(s, f"style[{i}]") for i, s in enumerate(_styles(style))]
    init = config.init
    if mode == "histogram":
        styles = [match_color_histogram(s, content_image) for s in styles]
    elif mode == "luminance":
        styles = [match_luminance(s, content_image) for s in styles]
        if not isinstance(init, str) or init not in ("content", "noise", "content+noise", "style"):
            init = luminance(_image(init, "init"))  # a starting picture: its luminance
        run_content = luminance(content_image)
    if mode != "luminance":
        run_content = content_image
    inner = replace(config, preserve_colors=None, scales=None, scale_iterations=None, init=init)
    if config.scales is not None:
        steps = stylize_coarse_to_fine(
            run_content, styles, weights=weights, config=inner, scales=config.scales,
            scale_iterations=config.scale_iterations,
        )  # fmt: skip
    else:
        steps = stylize(run_content, styles, weights=weights, config=inner)
    if mode != "luminance":
        return steps
    return _recolored(steps, content_image)


def _recolored(steps: Iterator, content: np.ndarray) -> Iterator:
    """Each Step with its luminance on the content's chroma (content resized to each size)."""
    from nst.optimize import StylizeError

    resized: dict[tuple[int, int], np.ndarray] = {}

    def recolor(step):
        size = step.image.shape[:2]
        if size not in resized:
            resized.clear()  # one size at a time (coarse-to-fine stages only grow)
            resized[size] = resize_image(content, size)
        return replace(step, image=luminance_transfer(step.image, resized[size]))

    try:
        for step in steps:
            yield recolor(step)
    except StylizeError as error:
        if error.last_step is not None:
            error.last_step = recolor(error.last_step)
        raise
