"""Each loss convention's formula in plain text, and a preset described in words (`nst presets`).

The formulas are rows of the one convention table, `nst.conventions.CONVENTIONS` (the text
`nst.losses` implements); symbols as in Gatys: F the (M, N) feature matrix of the generated image
at one layer, P the content image's, G = F^T F its raw Gram matrix and A the style target's,
N channels, M = H * W positions, dx / dy the neighbour differences of the image.
"""

from __future__ import annotations

from nst.conventions import CONVENTIONS
from nst.presets import Preset

#: name -> formula text, per term (views of `nst.conventions.CONVENTIONS`).
CONTENT_FORMULAS = {row.name: row.formula for row in CONVENTIONS if row.term == "content"}
STYLE_FORMULAS = {row.name: row.formula for row in CONVENTIONS if row.term == "style"}
TV_FORMULAS = {row.name: row.formula for row in CONVENTIONS if row.term == "tv"}


def _layers(names: tuple[str, ...], weights: tuple[float, ...]) -> str:
    if len(set(weights)) == 1:
        return f"{', '.join(names)} (each {weights[0]:g})"
    return ", ".join(f"{n} {w:g}" for n, w in zip(names, weights, strict=True))


def preset_lines(preset: Preset) -> list[str]:
    """A preset in words: title, source, the total loss, each term's formula, the settings.

    Parameters
    ----------
    preset : Preset

    Returns
    -------
    list of str
        Lines without newlines, e.g. ``loss = 0.001 * sum_l c_l L_c + 1 * sum_l w_l E_l``.

    Notes
    -----
    The total is ``alpha sum_l c_l L_c,l + beta sum_l w_l E_l + gamma TV(s x)`` with alpha,
    beta, gamma the preset's content, style and TV weights, c_l and w_l its layer weights and s
    its TV pixel scale.
    """
    alpha, beta, gamma = preset.content_weight, preset.style_weight, preset.tv_weight
    total = f"loss = {alpha:g} * sum_l c_l L_c,l + {beta:g} * sum_l w_l E_l"
    total += f" + {gamma:g} * TV" if gamma else "   (no TV term)"
    lr = "-" if preset.learning_rate is None else f"{preset.learning_rate:g}"
    size = "content's own" if preset.image_size is None else f"{preset.image_size} px"
    lines = [
        f"{preset.name}: {preset.title}",
        f"  source:    {preset.source}",
        f"  {total}",
        f"  content:   L_c = {CONTENT_FORMULAS[preset.content_convention]}"
        f"   [{preset.content_convention}]   c_l: "
        + _layers(preset.content_layers, preset.content_layer_weights),
        f"  style:     E_l = {STYLE_FORMULAS[preset.style_convention]}"
        f"   [{preset.style_convention}]   w_l: "
        + _layers(preset.style_layers, preset.style_layer_weights),
    ]
    if gamma:
        lines.append(
            f"  tv:        TV = {TV_FORMULAS[preset.tv_kind]}   [{preset.tv_kind}] on "
            f"{preset.tv_pixel_scale:.4g} x (0-255 pixels)"
        )
    lines += [
        f"  optimiser: {preset.optimizer}, {preset.iterations} iterations, learning rate {lr}"
        + ("" if preset.lr_schedule == "constant" else f" ({preset.lr_schedule})"),
        f"  start:     {preset.init}"
        + (f" (noise {preset.init_noise:g} on 0-255)" if preset.init_noise else "")
        + f"; size {size}; {preset.pooling} pooling; {preset.tap} taps; pixels "
        f"[{preset.pixel_range[0]:g}, {preset.pixel_range[1]:g}]",
        "  scale:     " + ("Caffe-scale activations (weights carry over)" if preset.caffe_scale
                          else "not Caffe-scale (alpha/beta do not transfer 1:1)"),
    ]  # fmt: skip
    if preset.notes:
        lines.append(f"  notes:     {' '.join(preset.notes.split())}")
    return lines
