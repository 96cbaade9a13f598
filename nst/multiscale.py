r"""Coarse-to-fine stylisation: optimise small, upsample, go on at the next size.

Large outputs are slow to optimise from scratch and their L-BFGS / Adam runs spend most steps
on structure that a small image settles cheaply. `nst.pipeline.stylize_coarse_to_fine` runs
`nst.stylize` once per size of a plan (`plan_scales`, e.g. 256, 512, 1024 px on the longer side),
each stage starting from the previous result upsampled (Lanczos). This module holds the plan:
the stages' sizes and iterations (`schedule`, `expected_steps`), the weights of each stage
(`balance_weights`) and the `ScaleStep` record; it runs nothing.

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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nst.images import fit_longer_side
from nst.optimize import Step
from nst.presets import content_factor, convention_factor

__all__ = [
    "TV_SIZE_POWER",
    "ScaleStep",
    "balance_weights",
    "expected_steps",
    "plan_scales",
    "schedule",
    "stage_sizes",
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


def schedule(config, height, width, scales, scale_iterations, min_size=256):
    """The stages' (height, width) and iteration counts; ValueError for a bad plan.

    `height`, `width`: the content's size before any resizing; `scales`, `scale_iterations`,
    `min_size` as in `nst.pipeline.stylize_coarse_to_fine`. The final size is ``config.size``,
    else the plan's last entry, else the content's own longer side.
    """
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
    _, iterations = schedule(config, height, width, config.scales, config.scale_iterations,
                              min_size)  # fmt: skip
    return sum(i + 1 for i in iterations)
