"""`StylizeConfig`: every setting of one `nst.stylize` run, in one frozen dataclass.

A field left at None means "take it from the preset, else from `DEFAULTS`". `resolve_config`
fills those in and checks every value, so a resolved config is complete, validated and
serialisable (``dataclasses.asdict``; image arrays as `init` or `style_masks` excepted): what
the CLI prints and the run manifest records. Variants come from ``dataclasses.replace``.

Precedence, highest first: an explicit field (or keyword), the preset (`nst.presets`), `DEFAULTS`.

Layer specs: a list of names gives every layer the weight 1 / (number of layers) (Gatys' w_l =
1/|L|, the TF tutorial's division by the layer count); a dict ``{name: weight}`` is used as is.
Keras names (``block4_conv2``) are accepted and resolved to the file's (``relu4_2``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from nst.choices import (  # INIT_MODES: what `init` accepts, as nst.config has always offered
    INIT_MODES,  # noqa: F401
    LBFGS_ENGINES,
    OPTIMIZERS,
    POOLING,
    PRECISION,
    PRESERVE_COLORS,
    REMOVED_LBFGS_ENGINES,
)
from nst.conventions import CONTENT_CONVENTIONS, STYLE_CONVENTIONS, TV_KINDS
from nst.memory import check_longer_side
from nst.presets import Preset, get_preset
from nst.values import check_choice, check_init, check_integer, check_number, check_sequence
from vgg_mat.architecture import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS

#: What a field left at None becomes when no preset sets it. Gatys' formulas on our Caffe-scale
#: network: content relu4_2, style relu1_1..relu5_1 with w_l = 1/5, alpha = 1 and beta = 1e4,
#: i.e. alpha / (|L| lambda_l) = 1e-4 per layer, inside the range of anishathalye/neural-style's
#: effective ratios on the same MatConvNet file (curriculum 4.3). No TV. L-BFGS from the content
#: image. Adam's learning rate 10 is for 0-255 pixels (anish, the MatConvNet blog).
DEFAULTS: dict[str, Any] = {
    "iterations": 500,
    "optimizer": "lbfgs",
    "learning_rate": 10.0,
    "beta1": 0.9,
    "beta2": 0.999,
    "epsilon": 1e-8,
    "content_layers": DEFAULT_CONTENT_LAYERS,  # relu4_2
    "style_layers": DEFAULT_STYLE_LAYERS,  # relu1_1 ... relu5_1
    "content_weight": 1.0,
    "style_weight": 1e4,
    "tv_weight": 0.0,
    "content_convention": "gatys",
    "style_convention": "gatys",
    "tv_kind": "l1",
    "pixel_range": 255.0,
    "tv_pixel_scale": 1.0,
    "pooling": "max",
    "init": "content",
    "init_noise": 1.0,
}


@dataclass(frozen=True)
class StylizeConfig:
    """Every setting of a stylisation. None: from the preset, else from `DEFAULTS`.

    Attributes
    ----------
    preset : str or Preset or None
        A name from `nst.presets.PRESETS` (or a `Preset`) whose settings fill the None fields.
    iterations : int
        Optimiser steps (L-BFGS: iterations, each with one or more function evaluations).
    optimizer : {"lbfgs", "adam", "sgd"}
        L-BFGS (box-constrained; see `lbfgs_engine`), Adam (Keras' form, clipped to the box)
        or plain gradient descent (clipped; the Keras example's optimiser, without its lr decay).
    learning_rate, beta1, beta2, epsilon : float
        Adam's (and SGD's) step size and Adam's constants, in units of the optimised image
        (see `pixel_range`).
    maxcor, maxls : int
        L-BFGS's memory (correction pairs) and maximum evaluations per line search.
    lbfgs_engine : {"auto", "tf", "minimize"}
        Which L-BFGS runs (`nst.optimizers`): the projected L-BFGS in TensorFlow (``auto``,
        ``tf``) or scipy's L-BFGS-B (``minimize``).
    content_layers, style_layers : sequence of str or mapping of str to float
        Layers (file or Keras names) and their weights inside their term (see module doc).
    content_weight, style_weight, tv_weight : float
        alpha, beta, gamma of ``alpha sum_l c_l L_c,l + beta sum_l w_l E_l + gamma TV`` (>= 0).
    content_convention, style_convention, tv_kind : str
        Names from `nst.losses.CONTENT_CONVENTIONS`, `STYLE_CONVENTIONS`, `TV_KINDS`.
    pixel_range : float
        The largest pixel value of the image the optimiser works on: 255 (Caffe scale, our
        network's) or 1 (the [0, 1] images of the TF tutorial). Learning rate, epsilon and the
        box apply to that image; the network always sees ``image_0_255 - mean``.
    tv_pixel_scale : float
        TV is computed on ``tv_pixel_scale * image_0_255`` (1/255 for [0, 1] presets).
    size : int or None
        Longer side of the output (None: the content's own); style images get the same longer
        side. Never from a preset (pass ``size=preset.image_size`` to match the original).
    pooling : {"max", "avg"}
    init : {"content", "noise", "content+noise", "style"}, or a path, or an (H, W, 3) array
        The starting image; see `nst.optimize.initial_image`.
    init_noise : float
        On the 0-255 scale: the std of the noise around the mean pixel (``"noise"``) or the
        half-width of the uniform noise added to the content (``"content+noise"``).
    style_blend : sequence of float or None
        One weight per style image (>= 0, normalised to sum 1); None: equal weights.
    seed : int
        Seeds the noise of the initial image (the only randomness in a run).
    preserve_colors : {"luminance", "histogram"} or None
        Keep the content's colours (`nst.color`; runs through `nst.stylize_with_options`):
        stylise the luminance only and put the content's chroma back (YIQ), or recolour the
        style images to the content's colour mean and covariance first. None: off.
    style_scale : float
        Style images are resized to ``style_scale`` times the output's longer side (> 0;
        default 1). 0.5 makes every brush stroke twice as large relative to the output: a
        relu4_1 unit (receptive field 68 px) then covers 136 px of the original style image.
    scales : "auto" or sequence of int or None
        Coarse-to-fine (through `nst.stylize_with_options`): the stages' longer sides, ending at
        the output size (`nst.multiscale.plan_scales`; "auto" halves down to >= 256).
    scale_iterations : sequence of int or None
        Iterations of each coarse-to-fine stage (default: `iterations` at every stage).
    style_masks : sequence of (path, (H, W) array or None) or None
        One mask per style image (white/1 = that style applies; None = the whole image); the
        guided Grams of `nst.masks`.
    style_layer_weight_exp : float
        The i-th style layer's weight (shallow to deep) is multiplied by this ** i, keeping
        their sum (`nst.layer_weights`, neural-style's ``--style-layer-weight-exp``; default 1).
    precision : {"float32", "bfloat16", "float16"}
        The network's number format (`vgg_mat.precision`); the Gram matrices, losses, image and
        optimiser state stay float32. Never from a preset. Default float32.
    """

    preset: str | Preset | None = None
    iterations: int | None = None
    optimizer: str | None = None
    learning_rate: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    epsilon: float | None = None
    maxcor: int = 10
    maxls: int = 20
    lbfgs_engine: str = "auto"
    content_layers: Sequence[str] | Mapping[str, float] | None = None
    style_layers: Sequence[str] | Mapping[str, float] | None = None
    content_weight: float | None = None
    style_weight: float | None = None
    tv_weight: float | None = None
    content_convention: str | None = None
    style_convention: str | None = None
    tv_kind: str | None = None
    pixel_range: float | None = None
    tv_pixel_scale: float | None = None
    size: int | None = None
    pooling: str | None = None
    init: Any = None
    init_noise: float | None = None
    style_blend: Sequence[float] | None = None
    seed: int = 0
    preserve_colors: str | None = None
    style_scale: float = 1.0
    scales: str | Sequence[int] | None = None
    scale_iterations: Sequence[int] | None = None
    style_masks: Sequence[Any] | None = None
    style_layer_weight_exp: float = 1.0
    precision: str = "float32"


def _from_preset(preset: Preset) -> dict[str, Any]:
    """The `StylizeConfig` fields a `Preset` sets."""
    return {
        "iterations": preset.iterations,
        "optimizer": preset.optimizer,
        "learning_rate": preset.learning_rate,
        "beta1": preset.adam_betas[0],
        "beta2": preset.adam_betas[1],
        "epsilon": preset.adam_epsilon,
        "content_layers": dict(
            zip(preset.content_layers, preset.content_layer_weights, strict=True)
        ),
        "style_layers": dict(zip(preset.style_layers, preset.style_layer_weights, strict=True)),
        "content_weight": preset.content_weight,
        "style_weight": preset.style_weight,
        "tv_weight": preset.tv_weight,
        "content_convention": preset.content_convention,
        "style_convention": preset.style_convention,
        "tv_kind": preset.tv_kind,
        "pixel_range": float(preset.pixel_range[1]),
        "tv_pixel_scale": preset.tv_pixel_scale,
        "pooling": preset.pooling,
        "init": preset.init,
        "init_noise": preset.init_noise,
    }


def _layer_dict(value: Any, argument: str, names: Sequence[str] | None) -> dict[str, float]:
    """A layer spec as ``{file name: weight}``; ValueError naming `argument` otherwise."""
    from vgg_mat.names import resolve_layer

    if isinstance(value, str):
        value = [value]
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, Sequence):
        items = [(name, 1.0 / len(value)) for name in value] if value else []
    else:
        raise ValueError(
            f"{argument} must be a list of layer names or a dict {{name: weight}}, got {value!r}"
        )
    layers: dict[str, float] = {}
    for name, weight in items:
        try:
            resolved = resolve_layer(name, names)
        except ValueError as error:
            raise ValueError(f"{argument}: {error}") from None
        weight = check_number(weight, f"{argument}[{name!r}]", minimum=0.0)
        if resolved in layers:
            raise ValueError(f"{argument}: layer {resolved!r} is given twice; give it once")
        layers[resolved] = weight
    return layers


def resolve_config(
    config: StylizeConfig | None = None,
    *,
    layer_names: Sequence[str] | None = None,
    **overrides: Any,
) -> StylizeConfig:
    """Fill every None field (preset, then `DEFAULTS`) and check every value.

    Parameters
    ----------
    config : StylizeConfig, optional
        The starting settings (default: all None).
    layer_names : sequence of str, optional
        The weights file's layer names to check layer specs against (default VGG-19's).
    **overrides
        Field values that replace `config`'s (the keywords of `nst.stylize`).

    Returns
    -------
    StylizeConfig
        Complete: no None left except `size` (content's own size) and `style_blend` (equal
        weights); `preset` becomes its name; layers become ``{file name: weight}`` dicts.

    Raises
    ------
    ValueError
        For an unknown field, preset, optimizer, convention, layer or init mode, a negative
        weight, ``iterations < 0``, ``size <= 0`` and the like; the message names the argument
        and what to give instead.
    """
    config = config if config is not None else StylizeConfig()
    if not isinstance(config, StylizeConfig):
        raise ValueError(f"config must be a StylizeConfig, got {type(config).__name__}")
    known = {f.name for f in fields(StylizeConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(unknown)}; valid settings: {', '.join(sorted(known))}"
        )
    config = replace(config, **overrides)
    given = {f.name: getattr(config, f.name) is not None for f in fields(StylizeConfig)}
    preset = config.preset
    if isinstance(preset, str):
        preset = get_preset(preset)
    elif preset is not None and not isinstance(preset, Preset):
        raise ValueError(f"preset must be a preset name or a Preset, got {preset!r}")
    base = dict(DEFAULTS, size=None)
    if preset is not None:
        base.update({k: v for k, v in _from_preset(preset).items() if v is not None})
    values = {f.name: getattr(config, f.name) for f in fields(StylizeConfig)}
    for name, value in values.items():
        if value is None and name in base:
            values[name] = base[name]
    values["preset"] = None if preset is None else preset.name

    v = values
    v["iterations"] = check_integer(v["iterations"], "iterations", minimum=0)
    v["optimizer"] = check_choice(v["optimizer"], "optimizer", OPTIMIZERS)
    v["learning_rate"] = check_number(v["learning_rate"], "learning_rate", minimum=0.0, strict=True)
    for name in ("beta1", "beta2"):
        v[name] = check_number(v[name], name, minimum=0.0)
        if v[name] >= 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {v[name]!r}")
    v["epsilon"] = check_number(v["epsilon"], "epsilon", minimum=0.0)
    v["maxcor"] = check_integer(v["maxcor"], "maxcor", minimum=1)
    v["maxls"] = check_integer(v["maxls"], "maxls", minimum=1)
    v["lbfgs_engine"] = check_choice(
        v["lbfgs_engine"], "lbfgs_engine", LBFGS_ENGINES, removed=REMOVED_LBFGS_ENGINES
    )
    for name in ("content_weight", "style_weight", "tv_weight"):
        v[name] = check_number(v[name], name, minimum=0.0)
    for term in ("content", "style"):
        layers = f"{term}_layers"
        if v[f"{term}_weight"] == 0 and not given[layers]:
            # a term off by its weight needs no layers: default (or preset) ones are dropped, so
            # content-only runs on a network without the style layers; explicit ones are kept
            v[layers] = ()
        v[layers] = _layer_dict(v[layers], layers, layer_names)
    if not v["content_layers"] and not v["style_layers"]:
        raise ValueError("content_layers and style_layers are both empty; give at least one layer")
    v["content_convention"] = check_choice(
        v["content_convention"], "content_convention", CONTENT_CONVENTIONS
    )
    v["style_convention"] = check_choice(
        v["style_convention"], "style_convention", STYLE_CONVENTIONS
    )
    v["tv_kind"] = check_choice(v["tv_kind"], "tv_kind", TV_KINDS)
    v["pixel_range"] = check_number(v["pixel_range"], "pixel_range", minimum=0.0, strict=True)
    v["tv_pixel_scale"] = check_number(
        v["tv_pixel_scale"], "tv_pixel_scale", minimum=0.0, strict=True
    )
    if v["size"] is not None:
        v["size"] = check_integer(v["size"], "size", minimum=1)
        check_longer_side(v["size"], "size", optimizer=v["optimizer"], maxcor=v["maxcor"])
    v["pooling"] = check_choice(v["pooling"], "pooling", POOLING)
    v["init"] = check_init(v["init"])
    v["init_noise"] = check_number(v["init_noise"], "init_noise", minimum=0.0)
    if v["style_blend"] is not None:
        blend = [
            check_number(w, "style_blend", minimum=0.0)
            for w in check_sequence(v["style_blend"], "style_blend")
        ]
        if not blend or sum(blend) <= 0:
            raise ValueError(
                f"style_blend must hold one weight >= 0 per style image with a positive sum, "
                f"got {v['style_blend']!r}"
            )
        v["style_blend"] = tuple(blend)
    v["seed"] = check_integer(v["seed"], "seed", minimum=0)
    v["precision"] = check_choice(v["precision"], "precision", PRECISION)
    _check_beyond(v)
    _check_conflicts(v, given, base)
    return StylizeConfig(**v)


#: Settings that only one kind of optimiser reads: (fields, the optimisers that read them).
_ONLY_FOR = (
    (("maxcor", "maxls", "lbfgs_engine"), ("lbfgs",)),
    (("beta1", "beta2", "epsilon"), ("adam",)),
    (("learning_rate",), ("adam", "sgd")),
)


def _check_conflicts(v: dict[str, Any], given: dict[str, bool], base: dict[str, Any]) -> None:
    """ValueError for a setting the optimiser never reads, given away from its default (the
    preset's value, else `DEFAULTS`, else the field's: re-resolving a resolved config passes)."""
    defaults = {f.name: f.default for f in fields(StylizeConfig)} | base
    for names, readers in _ONLY_FOR:
        for name in names:
            if v["optimizer"] not in readers and given[name] and v[name] != defaults[name]:
                raise ValueError(
                    f"{name}={v[name]!r} applies only to optimizer {' or '.join(readers)}, and "
                    f"this run uses {v['optimizer']!r}; drop {name} or choose that optimizer"
                )


def _check_beyond(v: dict[str, Any]) -> None:
    """Check (and normalise in place) the issue-6 fields: colours, style scale, scales, masks."""
    if v["preserve_colors"] is not None:
        v["preserve_colors"] = check_choice(
            v["preserve_colors"], "preserve_colors", PRESERVE_COLORS
        )
    v["style_scale"] = check_number(v["style_scale"], "style_scale", minimum=0.0, strict=True)
    v["style_layer_weight_exp"] = check_number(
        v["style_layer_weight_exp"], "style_layer_weight_exp", minimum=0.0, strict=True
    )
    scales = v["scales"]
    if scales is not None and not (isinstance(scales, str) and scales == "auto"):
        if isinstance(scales, str) or not isinstance(scales, Sequence) or not scales:
            raise ValueError(f"scales must be 'auto' or a list of sizes in pixels, got {scales!r}")
        v["scales"] = tuple(check_integer(s, "scales", minimum=1) for s in scales)
        check_longer_side(max(v["scales"]), "scales", optimizer=v["optimizer"], maxcor=v["maxcor"])
        if any(b <= a for a, b in zip(v["scales"][:-1], v["scales"][1:], strict=True)):
            raise ValueError(f"scales must be strictly increasing, got {list(scales)!r}")
    if v["scale_iterations"] is not None:
        if v["scales"] is None:
            raise ValueError("scale_iterations needs scales (coarse-to-fine); give scales too")
        v["scale_iterations"] = tuple(
            check_integer(i, "scale_iterations", minimum=0)
            for i in check_sequence(v["scale_iterations"], "scale_iterations")
        )
    masks = v["style_masks"]
    if masks is not None:
        if isinstance(masks, (str, os.PathLike, np.ndarray)) or not isinstance(masks, Sequence):
            raise ValueError(
                "style_masks must be a list with one mask (path, (H, W) array or None) per "
                f"style image, got {type(masks).__name__}"
            )
        v["style_masks"] = tuple(masks)
