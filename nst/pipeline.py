r"""The options around the single-scale loop: colour preservation and coarse-to-fine.

`nst.stylize` (`nst.optimize`) is one optimisation at one size. `stylize_with_options` composes,
from the outside in:

1. colour preservation (`nst.color`): ``"histogram"`` recolours the style images to the
   content's colour mean and covariance before the run; ``"luminance"`` runs on grey images
   (the content's luminance, and the style's luminance matched to it) and gives every yielded
   image the content's chroma back (`nst.color.luminance_transfer`);
2. coarse-to-fine (`stylize_coarse_to_fine`) when ``scales`` is set: one `nst.stylize` run per
   size of the plan (`nst.multiscale`), each starting from the previous result, upsampled;
3. the single-scale run (`nst.stylize`, both options off).

The stages of 2 pass the grey images of 1 from one to the next (never the recoloured ones), so
the two compose. Style scale and style masks act inside every single-scale run. With neither
option set, `stylize_with_options` is `nst.stylize`: the command line calls it for every run.

**Memory across stages.** Every stage is a fresh run: its targets, activations and compiled
functions are dropped (and garbage-collected) before the next one starts, and a stage keeps only
the previous stage's (smaller) result as its start, so the last stage holds the same data as a
single run at that size (tested with tracemalloc; the process peak RSS is measured against a
single run by `benchmarks/c2f.py`).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from nst import optimize  # optimize.stylize, looked up at each call (tests replace it)
from nst.choices import INIT_MODES
from nst.color import luminance, luminance_transfer, match_color_histogram, match_luminance
from nst.config import StylizeConfig, resolve_config
from nst.images import fit_longer_side, resize_image
from nst.inputs import as_image, check_layers_fit, deepest_layer, style_list
from nst.masks import MaskedObjective, check_style_masks
from nst.multiscale import ScaleStep, balance_weights, schedule
from nst.optimize import Step, StylizeError
from vgg_mat.architecture import VGG19_LAYER_NAMES
from vgg_mat.network import build_network

__all__ = ["stylize_coarse_to_fine", "stylize_with_options"]


def stylize_with_options(
    content: Any,
    style: Any,
    *,
    weights: Any,
    config: StylizeConfig | None = None,
    min_size: int = 256,
    **overrides: Any,
) -> Iterator[Step]:
    """`nst.stylize` with colour preservation and/or coarse-to-fine (see the module doc).

    Parameters
    ----------
    content, style, weights, config, **overrides
        As in `nst.stylize`; here ``preserve_colors`` and ``scales`` may be set (or not: a
        plain config runs `nst.stylize` itself).
    min_size : int
        The smallest stage of ``scales="auto"`` (`nst.multiscale.plan_scales`).

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
    config = resolve_config(config, layer_names=VGG19_LAYER_NAMES, **overrides)
    mode = config.preserve_colors
    content_image = as_image(content, "content")
    styles = [as_image(s, f"style[{i}]") for i, s in enumerate(style_list(style))]
    h, w = content_image.shape[:2]
    size = (h, w) if config.size is None else fit_longer_side(h, w, config.size)
    config = _masks_checked(config, len(styles), size)  # a bad mask is refused here, at once
    objective = _objective(config)
    if mode is None and config.scales is None:
        return optimize.stylize(content_image, styles, weights=weights, config=config,
                                objective=objective)  # fmt: skip
    init = config.init
    run_content = content_image
    if mode == "histogram":
        styles = [match_color_histogram(s, content_image) for s in styles]
    elif mode == "luminance":
        styles = [match_luminance(s, content_image) for s in styles]
        if not isinstance(init, str) or init not in INIT_MODES:
            init = luminance(as_image(init, "init"))  # a starting picture: its luminance
        run_content = luminance(content_image)
    inner = replace(config, preserve_colors=None, scales=None, scale_iterations=None, init=init)
    if config.scales is not None:
        steps = _coarse_to_fine(
            run_content, styles, weights, inner, config.scales, config.scale_iterations, min_size
        )
    else:
        steps = optimize.stylize(run_content, styles, weights=weights, config=inner,
                                 objective=objective)  # fmt: skip
    if mode != "luminance":
        return steps
    return _recolored(steps, content_image)


def _recolored(steps: Iterator[Step], content: np.ndarray) -> Iterator[Step]:
    """Each Step with its luminance on the content's chroma (content resized to each size)."""
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


# --------------------------------------------------------------------------------------------
# coarse-to-fine


def stylize_coarse_to_fine(
    content: Any,
    style: Any,
    *,
    weights: Any,
    config: StylizeConfig | None = None,
    scales: Sequence[int] | str | None = None,
    scale_iterations: Sequence[int] | None = None,
    min_size: int = 256,
    **overrides: Any,
) -> Iterator[ScaleStep]:
    r"""Stylise at growing sizes, each stage starting from the previous result, upsampled.

    Parameters
    ----------
    content, style, weights, config, **overrides
        As in `nst.stylize` (``size`` is the final longer side; None: the content's own).
    scales : sequence of int or "auto", optional
        The stages' longer sides, see `nst.multiscale.plan_scales`; default: the config's
        ``scales``, else ``"auto"``.
    scale_iterations : sequence of int, optional
        Iterations of each stage (one per stage); default: the config's
        ``scale_iterations``, else ``iterations`` at every stage.
    min_size : int
        Smallest stage of an ``"auto"`` plan.

    Returns
    -------
    steps : iterator of ScaleStep
        Every stage's Steps (iteration 0 to its iterations), stage by stage.

    Raises
    ------
    ValueError
        At once: a bad setting, a bad plan, or a stage too small for the deepest layer.

    Notes
    -----
    Stage k runs `nst.stylize` on the content (and style) resized to stage k's size, with the
    weights of `nst.multiscale.balance_weights` and, for k > 0, the initial image

    .. math:: x^{(k)}_0 = \mathrm{upsample}(x^{(k-1)}_{final}) \text{ to } (H_k, W_k)

    (Lanczos, `nst.images.resize_image`). The last stage's settings equal a single-scale run's
    at the final size; only its starting image differs. Between stages the finished run (its
    `Objective`: targets, compiled loss and gradient) is released and ``gc.collect()`` runs, so
    at most one stage's tensors are alive at a time.
    """
    config = resolve_config(config, layer_names=VGG19_LAYER_NAMES, **overrides)
    if scales is None:
        scales = config.scales if config.scales is not None else "auto"
    if scale_iterations is None:
        scale_iterations = config.scale_iterations
    if config.preserve_colors is not None:  # colours around the stages, as stylize_with_options
        staged = replace(config, scales=scales, scale_iterations=scale_iterations)
        return stylize_with_options(content, style, weights=weights, config=staged,
                                    min_size=min_size)  # fmt: skip
    return _coarse_to_fine(content, style, weights, config, scales, scale_iterations, min_size)


def _masks_checked(config, count: int, size: tuple[int, int]):
    """`config` with its style masks checked at `size` (ValueError if bad), or without them
    where none applies: no mask, every mask None, or no style term (the masks are ignored)."""
    uses_style = config.style_weight > 0 and any(w > 0 for w in config.style_layers.values())
    if not uses_style or check_style_masks(config, count, tuple(size)) is None:
        return replace(config, style_masks=None)
    return config


def _objective(config):
    """`MaskedObjective` for a config with a style mask, else None (`nst.stylize`'s own)."""
    return None if config.style_masks is None else MaskedObjective


def _coarse_to_fine(content, style, weights, config, scales, scale_iterations, min_size):
    """Check the plan against the network at once, then return the stages' generator."""
    content = as_image(content, "content")
    h, w = content.shape[:2]
    sizes, iterations = schedule(config, h, w, scales, scale_iterations, min_size)
    net = build_network(
        weights,
        pooling=config.pooling,
        precision=config.precision,
        up_to=deepest_layer(config),
    )
    for size in sizes:
        check_layers_fit(net, config, size, "the stage", hint="start the scales higher")
    config = _masks_checked(config, len(style_list(style)), sizes[-1])
    first = _stage(content, style, net, config, sizes, 0, iterations, None)
    return _stages(content, style, net, config, sizes, iterations, first)


def _stage(content, style, net, config, sizes, k, iterations, previous):
    """Start stage k's `nst.stylize` generator (validated at once)."""
    settings = balance_weights(net, config, sizes[k], sizes[-1])
    settings.update(size=max(sizes[k]), iterations=int(iterations[k]))
    if previous is not None:
        # x_0^(k) = upsample(x^(k-1)): nst.stylize resizes an init image to the stage's size
        # (Lanczos, resize_image), so the stage's config holds the small image, not a copy at
        # the stage's size that would live as long as the stage
        settings["init"] = previous
    settings.update(scales=None, scale_iterations=None)  # each stage is a single-scale run
    stage = replace(config, **settings)
    return optimize.stylize(content, style, weights=net, config=stage,
                            objective=_objective(stage))  # fmt: skip


def _stages(content, style, net, config, sizes, iterations, first):
    """The generator behind `stylize_coarse_to_fine`."""
    start = time.perf_counter()
    steps, first = first, None  # no second reference to stage 0's run may outlive it
    previous = None
    for k, size in enumerate(sizes):
        if k > 0:
            steps = _stage(content, style, net, config, sizes, k, iterations, previous)
        last = None
        for step in steps:
            last = step
            yield ScaleStep(
                iteration=step.iteration,
                image=step.image,
                losses=step.losses,
                elapsed=time.perf_counter() - start,
                weights=step.weights,
                stage=k,
                stages=len(sizes),
                size=tuple(size),
            )
        previous = last.image
        # release the finished stage (its Objective holds the targets and compiled functions,
        # in reference cycles through the tf.function closures), before the next one allocates
        del steps, last, step
        gc.collect()
