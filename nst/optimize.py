r"""`stylize`: neural style transfer as a generator of `Step` records (Adam, SGD or L-BFGS).

The loop does no I/O: it yields one `Step` per iteration (iteration 0 is the starting image) and
the caller decides what to print, plot or save; stopping early is just not asking for more
(``break``, ``close()``, Ctrl-C). The pieces:

- `nst.config`     `StylizeConfig`, the settings, filled from a preset and checked up front;
- `nst.inputs`     the checks on the images, the weights and the layers;
- `nst.objective`  the targets (once, compiled) and the compiled loss-and-gradient step;
- `nst.optimizers` Adam's update (`nst.adam`, inside the compiled step) and box-constrained
                   L-BFGS: the projected L-BFGS in compiled TensorFlow (`nst.lbfgs`), or
                   scipy's L-BFGS-B on request (`nst.lbfgs_scipy`).

This is the single-scale loop only. Colour preservation and coarse-to-fine compose on top of it
in `nst.pipeline` (`nst.stylize_with_options`), which calls `stylize` once per stage.

Every yielded image and its losses belong together: ``Step(k).losses`` are the losses **of**
``Step(k).image``. With Adam, iteration k's compiled call evaluates the loss and gradient at
image k and moves to image k+1 in the same call, so a run of N iterations makes N + 1
evaluations (the last one forward only). With L-BFGS, each iteration may evaluate the loss
several times (the line search); only the accepted iterates are yielded.

Lesson L9.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tensorflow as tf

from nst.choices import INIT_MODES
from nst.config import StylizeConfig, resolve_config
from nst.images import resize_image
from nst.inputs import (
    as_image,
    check_layers_fit,
    deepest_layer,
    initial_image,
    style_list,
)
from nst.objective import Objective, image_to_variable, variable_to_image
from nst.optimizers import adam_update, lbfgsb_iterations
from nst.provenance import remember, step_text, weights_label
from vgg_mat.architecture import VGG19_LAYER_NAMES
from vgg_mat.network import build_network

__all__ = ["Step", "StylizeConfig", "StylizeError", "initial_image", "stylize"]


@dataclass(frozen=True, eq=False)
class Step:
    """One iteration of a stylisation.

    Attributes
    ----------
    iteration : int
        0 for the starting image, then 1, 2, ..., `iterations`.
    image : (H, W, 3) ndarray of float32
        The image after this iteration, RGB in [0, 255] (a fresh array, safe to keep).
    losses : dict of str to float
        The weighted loss terms of `image`: ``total``, ``content``, ``style``, ``tv``, and per
        layer ``content/<layer>`` and ``style/<layer>`` (e.g. ``style/relu1_1``). ``content``
        and ``style`` are the sums of their per-layer entries and ``total`` =
        ``content + style + tv`` (up to float32 rounding).
    elapsed : float
        Seconds since the run started (the first ``next()``; includes computing the targets and
        compiling the step).
    weights : vgg_mat.VGGWeights or None
        The weights that made the image (`nst.stylize` sets them). The image then carries
        their provenance: ``nst.save_image(path, step.image)`` writes it into the file, loudly
        for synthetic weights (`nst.provenance`).
    """

    iteration: int
    image: np.ndarray
    losses: dict[str, float]
    elapsed: float
    weights: Any = field(default=None, repr=False)

    def __post_init__(self):
        if self.weights is not None and "total" in self.losses:
            label = weights_label(self.weights, "nst-from-scratch (nst.stylize)")
            remember(self.image, step_text(label, self))


class StylizeError(RuntimeError):
    """A run that cannot go on (a loss became NaN or infinite).

    Attributes
    ----------
    last_step : Step or None
        The last Step whose losses were all finite (the last one the generator yielded); None
        when even the starting image gave a non-finite loss.
    term : str
        The loss entry that went non-finite first (a per-layer key when one is), or
        ``"gradient"``.
    iteration : int
        The iteration at which it happened.
    """

    def __init__(self, message: str, *, last_step: Step | None, term: str, iteration: int):
        super().__init__(message)
        self.last_step = last_step
        self.term = term
        self.iteration = iteration


class _NonFinite(ArithmeticError):
    """Raised inside an evaluation; turned into `StylizeError` by the loop."""

    def __init__(self, term: str):
        super().__init__(term)
        self.term = term


# --------------------------------------------------------------------------------------------
# the run


def stylize(
    content: Any,
    style: Any,
    *,
    weights: Any,
    config: StylizeConfig | None = None,
    objective: Callable[..., Objective] | None = None,
    **overrides: Any,
) -> Iterator[Step]:
    r"""Stylise `content` with `style`: a generator of `Step` records, one per iteration.

    Parameters
    ----------
    content : path or (H, W, 3) array
        The content image, RGB in [0, 255]; resized so its longer side is `size` if given.
        Its size is the output's size.
    style : path or (H, W, 3) array, or a list of them, or None
        The style image(s); each is resized to the output's longer side. With several, their
        style targets are blended with `style_blend`. None (or ``[]``) only when no style
        term is used (``style_weight=0`` or ``style_layers=[]``: content reconstruction).
        Arrays are read, never written, and float32 ones are not copied (a large image is held
        once): leave them unchanged until the run has started (the first ``next()``).
    weights : vgg_mat.VGGWeights, vgg_mat.VGG or path
        The network's weights (a path is read with `vgg_mat.load`).
    objective : callable, optional
        Builds the loss, ``objective(net, config, content=..., styles=...)``: `Objective`
        (None, the default), or a variant such as `nst.masks.MaskedObjective`, which
        `nst.stylize_with_options` passes for a config with ``style_masks``.
    config : StylizeConfig, optional
        The settings; fields left at None come from the preset, else from
        `nst.config.DEFAULTS`.
    **overrides
        Any `StylizeConfig` field by name, overriding `config`: ``iterations``, ``optimizer``
        (``"lbfgs"``, ``"adam"``, ``"sgd"``), ``learning_rate``, ``beta1``, ``beta2``,
        ``epsilon``, ``maxcor``, ``maxls``, ``content_layers``, ``style_layers``,
        ``content_weight``, ``style_weight``, ``tv_weight``, ``content_convention``,
        ``style_convention``, ``tv_kind``, ``pixel_range``, ``tv_pixel_scale``, ``preset``,
        ``size``, ``pooling``, ``init``, ``init_noise``, ``style_blend``, ``seed``, and the
        options beyond Gatys: ``preserve_colors``, ``style_scale``, ``scales``,
        ``scale_iterations``, ``style_masks``, ``style_layer_weight_exp`` (see
        `StylizeConfig`). ``preserve_colors``, ``scales`` and ``style_masks`` (without a
        masked `objective`) are refused here: they compose on top of this loop in
        `nst.stylize_with_options`.

    Returns
    -------
    steps : iterator of Step
        Iterations 0 (the starting image) to `iterations`; fewer with L-BFGS when its line
        search cannot make progress (its message is the generator's return value,
        ``StopIteration.value``).

    Raises
    ------
    ValueError
        At once, before any TensorFlow work: ``preserve_colors``, ``scales`` or
        ``style_masks`` set (call `nst.stylize_with_options`), a bad setting (see
        `resolve_config`), a missing file, a layer the weights file lacks, an image too small
        for the deepest layer, a `style_blend` whose length differs from the number of style
        images.
    StylizeError
        While iterating: a loss (or the gradient) became non-finite. ``error.last_step`` is the
        last good Step, which is also the last one yielded.

    Notes
    -----
    The loss, with every weight and convention from the config,

    .. math:: L(x) = \alpha \sum_l c_l L_c(F_l(x), P_l)
                   + \beta \sum_l w_l E_l(F_l(x), \hat A_l) + \gamma \, TV(s x)

    where :math:`\hat A_l = \sum_k b_k A_{k,l} / M_{k,l}` blends the style images' Grams with
    the normalised blend weights b_k. The optimiser works on the image on the preset's pixel
    scale, ``z = x * pixel_range / 255``, inside the box [0, pixel_range] (so the [0, 1]
    recipes of the TF tutorial keep their learning rate, epsilon and TV weight); the network
    always sees ``x - mean``. Adam and SGD clip z to the box after every step; L-BFGS keeps it
    as bound constraints. The only randomness is the initial noise (`seed`, numpy's
    ``RandomState``), and the CPU kernels used are deterministic, so the same seed gives the
    same images on CPU (tested). On a GPU, call
    ``tf.config.experimental.enable_op_determinism()`` first for bitwise repeatability.

    Cost per iteration: one compiled call (forward and backward through the network, once)
    plus one host read of the loss vector and of the image for the Step (a copy; about 1 ms
    per megapixel). L-BFGS adds its own vector work per evaluation: 2-5 % of a step with the
    default TensorFlow engine, 7-29 % with scipy's L-BFGS-B (``lbfgs_engine="minimize"``).

    Examples
    --------
    >>> for step in nst.stylize("photo.jpg", "painting.jpg", weights=w, iterations=100):
    ...     print(step.iteration, step.losses["total"])  # doctest: +SKIP
    """
    config = resolve_config(config, layer_names=VGG19_LAYER_NAMES, **overrides)
    masked = config.style_masks is not None and objective is None  # masks need MaskedObjective
    if config.preserve_colors is not None or config.scales is not None or masked:
        raise ValueError(
            "nst.stylize is the single-scale loop; preserve_colors, scales and style_masks "
            "compose on top of it: call nst.stylize_with_options(content, style, weights=..., "
            "config=...)"
        )
    styles = style_list(style)
    uses_style = config.style_weight > 0 and any(w > 0 for w in config.style_layers.values())
    if uses_style and not styles:
        raise ValueError(
            "style: no style image given; give one (or a list), or set style_weight=0 / "
            "style_layers=[] for a content-only run"
        )
    if config.style_blend is not None and len(config.style_blend) != len(styles):
        raise ValueError(
            f"style_blend has {len(config.style_blend)} weight(s) for {len(styles)} style "
            "image(s); give one weight per style image"
        )
    content_image = as_image(content, "content")
    style_images = [as_image(s, f"style[{i}]") for i, s in enumerate(styles)]
    init = config.init
    if not isinstance(init, str) or init not in INIT_MODES:
        init = as_image(init, "init")  # a path or array: checked (and read) now, once

    net = build_network(
        weights,
        pooling=config.pooling,
        precision=config.precision,
        up_to=deepest_layer(config),
    )
    if config.size is not None:
        content_image = resize_image(content_image, config.size, copy=False)
    longer = max(content_image.shape[:2])
    style_side = max(1, round(longer * config.style_scale))  # style_scale x output's side
    style_images = [resize_image(s, style_side, copy=False) for s in style_images]
    check_layers_fit(net, config, content_image.shape[:2], "the content image")
    if uses_style:
        for i, s in enumerate(style_images):
            check_layers_fit(net, config, s.shape[:2], f"style image {i}", optimised=False)
    mean = np.asarray(net.weights.mean_rgb, dtype=np.float64)
    init = initial_image(
        init, content_image, style_images, mean, noise=config.init_noise, seed=config.seed
    )
    make = Objective if objective is None else objective  # looked up now (tests replace it)
    return _run(net, config, content_image, style_images if uses_style else [], init, make)


def _run(net, config, content, styles, init, make_objective) -> Iterator[Step]:
    """The generator behind `stylize` (all checks done)."""
    start = time.perf_counter()
    objective = make_objective(
        net, config, content=content[np.newaxis], styles=[s[np.newaxis] for s in styles]
    )
    z0 = image_to_variable(init, config.pixel_range)[np.newaxis]  # (1, H, W, 3)
    shape = init.shape
    del init  # from here on the optimiser holds the only copy of the start (see below)
    last: list[Step] = []  # the last good step, for StylizeError

    def record(iteration: int, z: np.ndarray, values: np.ndarray) -> Step:
        if not np.all(np.isfinite(values)):
            raise _NonFinite(_first_bad(objective.keys, values))
        # z is inside [0, pixel_range] (both optimisers keep the box); the product is taken in
        # float64, so rounding to float32 cannot leave [0, 255]: no clipping hides anything here
        image = variable_to_image(np.asarray(z, np.float64).reshape(shape), config.pixel_range)
        image = image.astype(np.float32)
        losses = {key: float(value) for key, value in zip(objective.keys, values, strict=True)}
        step = Step(iteration, image, losses, time.perf_counter() - start, net.weights)
        last[:] = [step]
        return step

    steps = (_lbfgs if config.optimizer == "lbfgs" else _first_order)(objective, config, z0, record)
    del z0  # the optimiser lets go of it once it has its own (tensor or float64) copy
    try:
        return (yield from steps)
    except _NonFinite as error:
        good = last[0] if last else None
        iteration = good.iteration + 1 if good else 0
        raise StylizeError(
            f"the {error.term!r} loss became non-finite (NaN or inf) at iteration {iteration}; "
            "the last finite image is error.last_step"
            + (f" (iteration {good.iteration})" if good else " (none: the start was bad)")
            + "; lower the learning rate or the loss weights",
            last_step=good,
            term=error.term,
            iteration=iteration,
        ) from None


def _first_bad(keys: Sequence[str], values: np.ndarray) -> str:
    """The most specific loss entry that is not finite (a per-layer one when there is one)."""
    bad = [key for key, value in zip(keys, values, strict=True) if not math.isfinite(value)]
    per_layer = [key for key in bad if "/" in key]
    return (per_layer or bad)[0]


def _first_order(objective: Objective, config: StylizeConfig, z0: np.ndarray, record):
    """Adam or SGD: one compiled call per iteration, the image stays a tensor between calls."""
    lower, upper = 0.0, config.pixel_range

    if config.optimizer == "adam":

        @tf.function(autograph=False)
        def step(z, m, v, t):
            values, gradient = objective.value_and_grad(z)
            ok = tf.reduce_all(tf.math.is_finite(gradient))
            z, m, v = adam_update(
                z, gradient, m, v, t,
                learning_rate=config.learning_rate, beta1=config.beta1, beta2=config.beta2,
                epsilon=config.epsilon, lower=lower, upper=upper,
            )  # fmt: skip
            return values, ok, z, m, v

    else:  # sgd: z <- clip(z - lr * g)

        @tf.function(autograph=False)
        def step(z, m, v, t):
            values, gradient = objective.value_and_grad(z)
            ok = tf.reduce_all(tf.math.is_finite(gradient))
            z = tf.clip_by_value(z - config.learning_rate * gradient, lower, upper)
            return values, ok, z, m, v

    z = tf.constant(z0)
    del z0  # z is the run's copy
    m = tf.zeros_like(z)
    v = tf.zeros_like(z)
    for i in range(config.iterations + 1):
        if i < config.iterations:
            values, ok, z_next, m, v = step(z, m, v, tf.constant(i + 1, tf.float32))
            values = values.numpy()  # the one host read per iteration: K scalars
        else:
            values = objective.values(z).numpy()
        yield record(i, z.numpy(), values)
        if i < config.iterations:
            if not ok:  # image i is fine, but the step from it is not
                raise _NonFinite("gradient")
            z = z_next


def _lbfgs(objective: Objective, config: StylizeConfig, z0: np.ndarray, record):
    """Box-constrained L-BFGS (`config.lbfgs_engine`): float64 in and out, one Step per iterate."""
    shape = z0.shape

    def fun(x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        z = tf.constant(x.reshape(shape).astype(np.float32))
        values, gradient = objective.value_and_grad(z)
        values = values.numpy()
        gradient = gradient.numpy().ravel().astype(np.float64)
        if not np.all(np.isfinite(values)):
            raise _NonFinite(_first_bad(objective.keys, values))
        if not math.isfinite(float(gradient.sum())):
            raise _NonFinite("gradient")
        return float(values[0]), gradient, values

    iterations = lbfgsb_iterations(
        fun,
        z0.ravel(),
        0.0,
        config.pixel_range,
        max_iterations=config.iterations,
        maxcor=config.maxcor,
        maxls=config.maxls,
        engine=config.lbfgs_engine,
    )
    del z0  # lbfgsb_iterations made its float64 copy of the start
    try:
        while True:
            try:
                k, x, values = next(iterations)
            except StopIteration as stop:
                return stop.value  # the engine's termination message
            yield record(k, x, values)
    finally:
        iterations.close()  # stops the worker thread if the consumer stopped early
