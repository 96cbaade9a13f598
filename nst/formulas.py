"""Each loss convention's formula in plain text, and a preset described in words (`nst presets`).

The formulas are the ones `nst.losses` implements (its docstrings derive them); symbols as in
Gatys: F the (M, N) feature matrix of the generated image at one layer, P the content image's,
G = F^T F its raw Gram matrix and A the style target's, N channels, M = H * W positions,
dx / dy the neighbour differences of the image. Every name in `nst.losses.CONTENT_CONVENTIONS`,
`STYLE_CONVENTIONS` and `TV_KINDS` has an entry (a test checks it).
"""

from __future__ import annotations

from nst.presets import Preset

CONTENT_FORMULAS = {
    "gatys": "1/2 sum (F - P)^2",
    "sum": "sum (F - P)^2",
    "mse": "sum (F - P)^2 / (N M)",
    "coursera": "sum (F - P)^2 / (4 N M)",
}

STYLE_FORMULAS = {
    "gatys": "sum (G - A)^2 / (4 N^2 M^2)",
    "coursera": "sum (G - A)^2 / (4 N^2 M^2)",
    "tf-tutorial": "mean over N^2 of (G/M - A/M)^2",
    "gatys-notebook": "mean over N^2 of (G/M - A/M)^2",
    "cs231n": "sum (G/(N M) - A/(N M))^2",
    "johnson": "sum (G/(N M) - A/(N M))^2",
    "pytorch-tutorial": "mean over N^2 of (G/(N M) - A/(N M))^2",
    "anish": "mean over N^2 of (G/(N M) - A/(N M))^2",
    "jcjohnson": "mean over N^2 of (G/(N M) - A/(N M))^2",
    "d2l": "mean over N^2 of (G/(N M) - A/(N M))^2",
    "keras-example": "sum (G - A)^2 / (4 * 3^2 * M_image^2)",
    "fastai-2018": "mean over N^2 of (1e6 (G - A)/(N M))^2",
}

TV_FORMULAS = {
    "l1": "sum |dx| + sum |dy|",
    "l2": "sum dx^2 + sum dy^2",
    "mean-l2": "mean dy^2 + mean dx^2",
    "mean-l1-half": "1/2 (mean |dy| + mean |dx|)",
    "crop-l2-half": "1/2 sum_crop (dx^2 + dy^2)",
    "keras": "sum_crop (dx^2 + dy^2)^1.25",
    "isotropic": "sum_crop (dx^2 + dy^2)^(beta/2)",
}


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
