r"""Coarse-to-fine stylisation: optimise small, upsample, go on at the next size.

Large outputs are slow to optimise from scratch and their L-BFGS / Adam runs spend most steps
on structure that a small image settles cheaply. `stylize_coarse_to_fine` runs `nst.stylize`
once per size of a plan (`plan_scales`, e.g. 256, 512, 1024 px on the longer side), each stage
starting from the previous result upsampled (Lanczos). Every stage is a fresh run: its targets,
activations and compiled functions are dropped (and garbage-collected) before the next one
starts, and a stage keeps only the previous stage's (smaller) result as its start, so the last
stage holds the same data as a single run at that size (tested with tracemalloc; the process
peak RSS is measured against a single run by `benchmarks/c2f.py`).

**Balancing the weights across sizes** (`balance_weights`). The weights in the config are meant
for the final size; a stage at another size gets weights under which the same picture (the same
features per position) gives the same weighted loss:

- content, Gatys' :math:`L_c = \frac12 \sum_{p=1}^{M} (F_p - P_p)^2`, is a sum over the M
  positions of the layer: it grows like M. A convention's term is :math:`d(N, M) L_c`
  (`nst.presets.content_factor`), so the content layer weight becomes
  :math:`c_l \, d(N, M_f) M_f / (d(N, M_s) M_s)`: times :math:`M_f / M_s` (16 from 256 to
  1024 px) for ``gatys`` and ``sum``, unchanged for ``mse`` and ``coursera``;
- style, :math:`E_l = \sum (\hat G - \hat A)^2 / (4 N^2)` on Grams **per position**
  (`nst.losses.style_loss`), does not depend on M: style weights are unchanged (up to the
  ``keras-example`` convention's :math:`M_l^2 / M_{img}^2`, whose ratio is balanced as well);
- TV compares neighbours: an image with L times the side has L^2 times the differences, each
  about 1/L as large, so a kind with scale power p (:math:`TV(s x) = s^p TV(x)`) grows like
  :math:`L^{2-p}` (sums) or :math:`L^{-p}` (means); gamma is multiplied by the inverse growth.

Without the rule, a Gatys-convention run at 1024 px weighs content 16 times more against style
than the same settings at 256 px. Documented with figures in docs/beyond-gatys.md.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nst.images import fit_longer_side
from nst.optimize import Step, _deepest_layer
from nst.optimize import _network as _vgg  # a VGG from a VGG, VGGWeights or path

__all__ = [
    "ScaleStep",
    "balance_weights",
    "expected_steps",
    "plan_scales",
    "stage_sizes",
    "stylize_coarse_to_fine",
]

#: TV(image upsampled by L) ~ L**q TV(image): sums over ~L^2 differences of size ~1/L.
TV_SIZE_POWER = {
    "l1": 1.0,  # sum |d|: L^2 / L
    "l2": 0.0,  # sum d^2: L^2 / L^2
    "mean-l2": -2.0,  # mean d^2
    "mean-l1-half": -1.0,  # mean |d|
    "crop-l2-half": 0.0,  # sum d^2
    "keras": -0.5,  # sum |d|^2.5
    "isotropic": 1.0,  # sum |d| (beta = 1, the objective's default)
}


@dataclass(frozen=True, eq=False)
class ScaleStep(Step):
    """A `Step` of a coarse-to-fine run, with the stage it belongs to.

    Attributes
    ----------
    iteration, image, losses
        As in `Step`, within the stage (``iteration`` restarts at 0 at every stage; ``losses``
        are in the balanced weights of the stage, see `balance_weights`).
    elapsed : float
        Seconds since the whole run started.
    stage : int
        Index of the stage in the plan, 0 = the smallest size.
    stages : int
        Number of stages.
    size : (int, int)
        (height, width) of the stage's image.
    """

    stage: int = 0
    stages: int = 1
    size: tuple[int, int] = (0, 0)


def plan_scales(
    size: int, scales: Sequence[int] | str | None = "auto", *, min_size: int = 256
) -> tuple[int, ...]:
    """The longer sides of the stages, smallest first, ending at `size`.

    Parameters
    ----------
    size : int
        The final longer side (pixels).
    scales : sequence of int, "auto" or None
        Explicit sizes (strictly increasing, the last one equal to `size`); ``"auto"``: halve
        `size` while the result stays >= `min_size` (1024 -> 256, 512, 1024; 700 -> 350, 700;
        300 -> 300); None: one stage, ``(size,)``.
    min_size : int
        The smallest stage ``"auto"`` plans (default 256).

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        For sizes that are not positive integers, not strictly increasing, or whose last
        entry is not `size`.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    if scales is None:
        return (int(size),)
    if isinstance(scales, str):
        if scales != "auto":
            raise ValueError(f"scales must be 'auto' or a list of sizes, got {scales!r}")
        plan = [int(size)]
        while plan[0] // 2 >= min_size:
            plan.insert(0, plan[0] // 2)
        return tuple(plan)
    plan = list(scales)
    if not plan or any(
        isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in plan
    ):
        raise ValueError(f"scales must be positive integers (pixels), got {scales!r}")
    if any(b <= a for a, b in zip(plan[:-1], plan[1:], strict=True)):
        raise ValueError(f"scales must be strictly increasing, got {list(scales)!r}")
    if plan[-1] != size:
        raise ValueError(
            f"the last of scales ({plan[-1]}) must be the output size ({size}); end the list "
            "with the size you want"
        )
    return tuple(int(s) for s in plan)


def stage_sizes(height: int, width: int, plan: Sequence[int]) -> list[tuple[int, int]]:
    """(height, width) of every stage: the content's aspect ratio at each longer side."""
    return [fit_longer_side(height, width, s) for s in plan]


def balance_weights(net, config, stage: tuple[int, int], final: tuple[int, int]) -> dict[str, Any]:
    r"""The loss weights for a stage of size `stage` that balance like `config`'s at `final`.

    Parameters
    ----------
    net : vgg_mat.VGG
        For the layers' shapes at both sizes.
    config : StylizeConfig
        A resolved config (layers as ``{file name: weight}`` dicts).
    stage, final : (int, int)
        (height, width) of the stage's image and of the final image.

    Returns
    -------
    dict
        ``content_layers``, ``style_layers`` and ``tv_weight`` for the stage (for
        ``dataclasses.replace`` / `nst.stylize` keywords). At ``stage == final`` every value
        equals the config's exactly.

    Notes
    -----
    With M_s, M_f the positions of a layer at the two sizes, d the content convention's factor
    (`nst.presets.content_factor`), c the style convention's (`nst.presets.convention_factor`),
    L the longer sides and q = `TV_SIZE_POWER` of the TV kind,

    .. math:: c_l' = c_l \frac{d(N, M_f) M_f}{d(N, M_s) M_s}, \qquad
              w_l' = w_l \frac{c(N, M_f, M^{img}_f)}{c(N, M_s, M^{img}_s)}, \qquad
              \gamma' = \gamma \left(\frac{L_f}{L_s}\right)^{q}.

    See the module docstring for why (L_c grows like M, E_l per position does not).
    """
    from nst.presets import content_factor, convention_factor

    if tuple(stage) == tuple(final):
        return {
            "content_layers": dict(config.content_layers),
            "style_layers": dict(config.style_layers),
            "tv_weight": config.tv_weight,
        }
    shapes_s = net.output_shapes(*stage)
    shapes_f = net.output_shapes(*final)

    def positions(shapes, name):
        h, w, n = shapes[name]
        return n, h * w

    content = {}
    for name, c in config.content_layers.items():
        n, m_s = positions(shapes_s, name)
        _, m_f = positions(shapes_f, name)
        d_s = content_factor(config.content_convention, n, m_s) * m_s  # term / L_c * M
        d_f = content_factor(config.content_convention, n, m_f) * m_f
        content[name] = c * d_f / d_s
    style = {}
    for name, w in config.style_layers.items():
        n, m_s = positions(shapes_s, name)
        _, m_f = positions(shapes_f, name)
        img_s, img_f = stage[0] * stage[1], final[0] * final[1]
        c_s = convention_factor(config.style_convention, n, m_s, img_s)
        c_f = convention_factor(config.style_convention, n, m_f, img_f)
        style[name] = w * c_f / c_s
    ratio = max(final) / max(stage)  # L_f / L_s
    tv = config.tv_weight * ratio ** TV_SIZE_POWER[config.tv_kind]
    return {"content_layers": content, "style_layers": style, "tv_weight": tv}


def _schedule(config, height, width, scales, scale_iterations, min_size):
    """The stages' (height, width) and iteration counts; ValueError for a bad plan."""
    final_side = config.size if config.size is not None else max(height, width)
    if config.size is None and not isinstance(scales, str) and scales:
        final_side = int(list(scales)[-1])  # no size: the plan's last entry is the output's
    plan = plan_scales(final_side, scales, min_size=min_size)
    if scale_iterations is None:
        return stage_sizes(height, width, plan), [config.iterations] * len(plan)
    iterations = list(scale_iterations)
    if len(iterations) != len(plan) or any(
        isinstance(i, bool) or not isinstance(i, (int, np.integer)) or i < 0 for i in iterations
    ):
        raise ValueError(
            f"scale_iterations must hold one integer >= 0 per stage ({len(plan)} stages: "
            f"{', '.join(map(str, plan))}), got {list(scale_iterations)!r}"
        )
    return stage_sizes(height, width, plan), iterations


def expected_steps(config, height: int, width: int, *, min_size: int = 256) -> int:
    """How many Steps a run of `config` on a ``height x width`` content yields (at most).

    Parameters
    ----------
    config : StylizeConfig
        Resolved.
    height, width : int
        The content image's size before any resizing.
    min_size : int
        As in `plan_scales` (for ``scales="auto"``).

    Returns
    -------
    int
        ``iterations + 1`` for a single-scale run; the sum of ``iterations_k + 1`` over the
        stages with ``scales`` (L-BFGS-B may stop a stage early, yielding fewer).
    """
    if config.scales is None:
        return config.iterations + 1
    _, iterations = _schedule(config, height, width, config.scales, config.scale_iterations,
                              min_size)  # fmt: skip
    return sum(i + 1 for i in iterations)


def stylize_coarse_to_fine(
    content: Any,
    style: Any,
    *,
    weights: Any,
    config=None,
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
        The stages' longer sides, see `plan_scales`; default: the config's ``scales``, else
        ``"auto"``.
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
    weights of `balance_weights` and, for k > 0, the initial image

    .. math:: x^{(k)}_0 = \mathrm{upsample}(x^{(k-1)}_{final}) \text{ to } (H_k, W_k)

    (Lanczos, `nst.images.resize_image`). The last stage's settings equal a single-scale run's
    at the final size; only its starting image differs. Between stages the finished run (its
    `Objective`: targets, compiled loss and gradient) is released and ``gc.collect()`` runs, so
    at most one stage's tensors are alive at a time.
    """
    from nst.config import resolve_config
    from nst.images import load_image
    from nst.optimize import stylize
    from vgg_mat.network import VGG19_LAYER_NAMES

    config = resolve_config(config, layer_names=VGG19_LAYER_NAMES, **overrides)
    if scales is None:
        scales = config.scales if config.scales is not None else "auto"
    if scale_iterations is None:
        scale_iterations = config.scale_iterations
    if isinstance(content, (str, os.PathLike)):
        if not os.path.isfile(content):
            raise ValueError(f"content: no image file at {str(content)!r}; check the path")
        content = load_image(content)
    content = np.asarray(content, dtype=np.float32)
    if content.ndim != 3 or content.shape[2] != 3:
        raise ValueError(f"content must be an (H, W, 3) RGB image, got shape {content.shape}")
    h, w = content.shape[:2]
    sizes, iterations = _schedule(config, h, w, scales, scale_iterations, min_size)
    net = _vgg(weights, config.pooling, up_to=_deepest_layer(config))
    layers = [*config.content_layers, *config.style_layers]
    for size in sizes:
        shapes = net.output_shapes(*size)
        unreachable = [name for name in layers if name not in shapes]
        if unreachable:
            raise ValueError(
                f"the stage of {size[0]}x{size[1]} pixels is too small to reach layer(s) "
                f"{', '.join(unreachable)}; start the scales higher or use shallower layers"
            )
    first = _stage(stylize, content, style, net, config, sizes, 0, iterations, None)
    return _run(stylize, content, style, net, config, sizes, iterations, first)


def _stage(stylize, content, style, net, config, sizes, k, iterations, previous):
    """Start stage k's `nst.stylize` generator (validated at once)."""
    settings = balance_weights(net, config, sizes[k], sizes[-1])
    settings.update(size=max(sizes[k]), iterations=int(iterations[k]))
    if previous is not None:
        # x_0^(k) = upsample(x^(k-1)): nst.stylize resizes an init image to the stage's size
        # (Lanczos, resize_image), so the stage's config holds the small image, not a copy at
        # the stage's size that would live as long as the stage
        settings["init"] = previous
    settings.update(scales=None, scale_iterations=None)  # each stage is a single-scale run
    return stylize(content, style, weights=net, config=replace(config, **settings))


def _run(stylize, content, style, net, config, sizes, iterations, first):
    """The generator behind `stylize_coarse_to_fine`."""
    start = time.perf_counter()
    steps, first = first, None  # no second reference to stage 0's run may outlive it
    previous = None
    for k, size in enumerate(sizes):
        if k > 0:
            steps = _stage(stylize, content, style, net, config, sizes, k, iterations, previous)
        last = None
        for step in steps:
            last = step
            yield ScaleStep(
                iteration=step.iteration,
                image=step.image,
                losses=step.losses,
                elapsed=time.perf_counter() - start,
                stage=k,
                stages=len(sizes),
                size=tuple(size),
            )
        previous = last.image
        # release the finished stage (its Objective holds the targets and compiled functions,
        # in reference cycles through the tf.function closures), before the next one allocates
        del steps, last, step
        gc.collect()
