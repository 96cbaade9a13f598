"""The options that set `StylizeConfig` fields: one `Option` row each, and each command's rows.

- **Adding a setting** (a new `StylizeConfig` field): write one `Option` row and add it to the
  command tuples where it means something (`STYLIZE_OPTIONS`, `TEXTURE_OPTIONS`,
  `RECONSTRUCT_OPTIONS`). An on/off switch has ``parse=None``; a value checked without
  TensorFlow gets an argument type (`nst.cli.arguments`); an image path (or list of paths) gets
  ``image=True`` and is then read up front and protected from being overwritten. The value
  reaches the run through `nst.config.resolve_config`, which checks everything else and whose
  ValueError becomes the one-line exit-2 error.
- Help texts get their defaults, choices and preset names from the library's own constants
  (`nst.config.DEFAULTS`, `nst.choices`, `nst.presets.PRESETS`) in `describe_default`, looked
  up only when help is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from nst.choices import INIT_MODES, LBFGS_ENGINES, OPTIMIZERS
from nst.choices import POOLING as POOLING_METHODS
from nst.choices import PRECISION as PRECISIONS
from nst.choices import PRESERVE_COLORS as COLOR_MODES
from nst.cli.arguments import blend, integer, integers, layers, mask, number, scales
from nst.config import DEFAULTS, StylizeConfig
from nst.presets import PRESETS


def _braces(names: tuple[str, ...]) -> str:
    """A metavar listing `names`: ``{max,avg}``."""
    return "{" + ",".join(names) + "}"


@dataclass(frozen=True)
class Option:
    """A command-line option that sets one `StylizeConfig` field.

    Attributes
    ----------
    flag : str
        ``--style-weight``.
    field : str
        The `StylizeConfig` field (also the argparse ``dest``).
    parse : callable or None
        Turns the text into the field's value (raising `argparse.ArgumentTypeError`); None for
        an on/off switch (``store_true``: the field becomes True when given).
    help : str
        What it does; the default (from the preset or `nst.config.DEFAULTS`) is appended when
        help is shown.
    metavar : str, optional
    image : bool
        The value may be the path of an image (or a list of them): it is read before any
        heavy work (one-line error if unusable) and no output may overwrite it. Words in
        `nst.INIT_MODES` are not paths, and neither is None (e.g. ``--style-mask none``).
    repeat : bool
        The flag may be given several times; the field gets the list of values in order.
    """

    flag: str
    field: str
    parse: Callable[[str], Any] | None
    help: str
    metavar: str | None = None
    image: bool = False
    repeat: bool = False


PRESET = Option("--preset", "preset", str, "named settings of one published implementation")
SIZE = Option("--size", "size", integer(1), "longer side of the output in pixels", "N")
ITERATIONS = Option("--iterations", "iterations", integer(0), "optimiser iterations", "N")
OPTIMIZER = Option("--optimizer", "optimizer", str, "optimiser", "NAME")
LEARNING_RATE = Option(
    "--learning-rate",
    "learning_rate",
    number(positive=True),
    "Adam/SGD step size, on the optimised image's pixel scale (L-BFGS ignores it)",
    "LR",
)
CONTENT_WEIGHT = Option(
    "--content-weight", "content_weight", number(), "alpha, the content term's weight", "W"
)
STYLE_WEIGHT = Option("--style-weight", "style_weight", number(), "beta, the style term's", "W")
TV_WEIGHT = Option("--tv-weight", "tv_weight", number(), "gamma, total variation's weight", "W")
CONTENT_LAYERS = Option(
    "--content-layers",
    "content_layers",
    layers,
    "comma list of layers (MatConvNet or Keras names, e.g. relu4_2 or block4_conv2; "
    "name:weight for explicit weights)",
    "LAYERS",
)
STYLE_LAYERS = Option(
    "--style-layers",
    "style_layers",
    layers,
    "comma list of layers (MatConvNet or Keras names; equal weights 1/|L| unless name:weight)",
    "LAYERS",
)
STYLE_BLEND = Option(
    "--style-blend",
    "style_blend",
    blend,
    "one weight per style image, e.g. 0.7,0.3 (normalised to sum 1)",
    "W1,W2,...",
)
INIT = Option(
    "--init", "init", str, "starting image: a mode or the path of an image", "INIT", image=True
)
POOLING = Option("--pooling", "pooling", str, "pooling in the network", _braces(POOLING_METHODS))
PRECISION = Option(
    "--precision",
    "precision",
    str,
    "number format of the network's layers (bfloat16: faster where the CPU or GPU has it; "
    "Gram matrices, losses and the image stay float32)",
    _braces(PRECISIONS),
)
LBFGS_ENGINE = Option(
    "--lbfgs-engine",
    "lbfgs_engine",
    str,
    "which L-BFGS runs with --optimizer lbfgs: the projected L-BFGS in TensorFlow (auto, tf) or "
    "scipy's L-BFGS-B (minimize)",
    "NAME",
)
SEED = Option("--seed", "seed", integer(0), "seed of the initial noise", "N")
LAYER = Option(
    "--layer",
    "content_layers",
    layers,
    "the layer(s) whose activations are matched (MatConvNet or Keras names)",
    "LAYER",
)

PRESERVE_COLORS = Option(
    "--preserve-colors",
    "preserve_colors",
    str,
    "keep the content's colours: stylise the luminance only, or match the style's colour "
    "histogram (mean, covariance) to the content's first",
    _braces(COLOR_MODES),
)
STYLE_SCALE = Option(
    "--style-scale",
    "style_scale",
    number(positive=True),
    "style images resized to this times the output's longer side (0.5: strokes twice as large)",
    "S",
)
SCALES = Option(
    "--scales",
    "scales",
    scales,
    "coarse-to-fine: longer sides of the stages, ending at the output size, or 'auto' (halve "
    "the size down to >= 256)",
    "auto|N1,N2,...",
)
SCALE_ITERATIONS = Option(
    "--scale-iterations",
    "scale_iterations",
    integers,
    "iterations of each --scales stage; without it, --iterations at every stage",
    "N1,N2,...",
)
STYLE_MASK = Option(
    "--style-mask",
    "style_masks",
    mask,
    "once per style image, in order: a mask image (white = this style applies) or 'none' "
    "(everywhere)",
    "PATH|none",
    image=True,
    repeat=True,
)
STYLE_LAYER_WEIGHT_EXP = Option(
    "--style-layer-weight-exp",
    "style_layer_weight_exp",
    number(positive=True),
    "style layer i (shallow to deep) weighted by E**i, sum kept (neural-style's option)",
    "E",
)

STYLIZE_OPTIONS: tuple[Option, ...] = (
    PRESET, SIZE, ITERATIONS, OPTIMIZER, LEARNING_RATE, CONTENT_WEIGHT, STYLE_WEIGHT, TV_WEIGHT,
    CONTENT_LAYERS, STYLE_LAYERS, STYLE_BLEND, INIT, POOLING, PRECISION, LBFGS_ENGINE, SEED,
    PRESERVE_COLORS, STYLE_SCALE, SCALES, SCALE_ITERATIONS, STYLE_MASK, STYLE_LAYER_WEIGHT_EXP,
)  # fmt: skip
TEXTURE_OPTIONS: tuple[Option, ...] = (
    PRESET, SIZE, ITERATIONS, OPTIMIZER, LEARNING_RATE, STYLE_WEIGHT, TV_WEIGHT, STYLE_LAYERS,
    INIT, POOLING, PRECISION, LBFGS_ENGINE, SEED, STYLE_SCALE, SCALES, SCALE_ITERATIONS,
    STYLE_LAYER_WEIGHT_EXP,
)  # fmt: skip
RECONSTRUCT_OPTIONS: tuple[Option, ...] = (
    PRESET, LAYER, SIZE, ITERATIONS, OPTIMIZER, LEARNING_RATE, CONTENT_WEIGHT, TV_WEIGHT, INIT,
    POOLING, PRECISION, LBFGS_ENGINE, SEED,
)  # fmt: skip


def describe_default(config_field: str, command_default: Any) -> str:
    """The default of a field in words, from the library's constants (for the help).

    Examples
    --------
    >>> describe_default("pooling", None)
    'max; one of: max, avg; a --preset may set another'
    >>> describe_default("content_layers", ("relu4_2",))
    'relu4_2'
    """

    def show(value: Any) -> str:
        if isinstance(value, (tuple, list)):
            return ",".join(str(v) for v in value)
        return f"{value:g}" if isinstance(value, float) else str(value)

    if config_field == "preset":
        return f"none; one of: {', '.join(PRESETS)} (see `nst presets`)"
    offered = {
        "optimizer": OPTIMIZERS,
        "pooling": POOLING_METHODS,
        "precision": PRECISIONS,
        "init": INIT_MODES,
        "lbfgs_engine": LBFGS_ENGINES,
    }.get(config_field)
    if command_default is not None:  # the command's own choice
        return show(command_default) + (f"; one of: {', '.join(offered)}" if offered else "")
    elif config_field == "size":
        text = "the content image's own size"
    elif config_field == "style_blend":
        text = "equal weights"
    elif config_field in DEFAULTS:
        text = show(DEFAULTS[config_field])
    else:  # not in DEFAULTS: the dataclass's own default (seed 0)
        text = show({f.name: f.default for f in fields(StylizeConfig)}.get(config_field, "none"))
    if offered:
        text += f"; one of: {', '.join(offered)}" + (
            ", or a path" if config_field == "init" else ""
        )
    if config_field in DEFAULTS or config_field == "size":  # what presets set
        text += "; a --preset may set another"
    return text
