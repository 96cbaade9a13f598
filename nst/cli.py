"""The `nst` command line: stylize, texture, reconstruct, demo, presets, layers.

Thin on purpose: parse -> check the inputs -> `StylizeConfig` -> `nst.stylize` -> progress bar,
snapshots, output image, run manifest. No math lives here.

- Every option that sets a `StylizeConfig` field is one `Option` row (flag, field, parser, help);
  a command lists the rows it accepts (`STYLIZE_OPTIONS`, `TEXTURE_OPTIONS`,
  `RECONSTRUCT_OPTIONS`). Help texts get their defaults, choices and preset names from the
  library's own constants (`nst.config.DEFAULTS`, `nst.presets.PRESETS`), looked up only when
  help is shown.
- **Adding a setting** (a new `StylizeConfig` field): write one `Option` row and add it to the
  command tuples where it means something. An on/off switch has ``parse=None``; a value
  checked without TensorFlow gets an argparse type (see `_number`, `_integer`, `_layers`); an
  image path (or list of paths) gets ``image=True`` and is then read up front and protected
  from being overwritten. The value reaches `nst.stylize` through `resolve_config`, which
  checks everything else and whose ValueError becomes the one-line exit-2 error.
- Bad input (missing or unreadable image, an output that would overwrite an input, an
  unwritable folder, a nonsensical number, an unknown preset or layer) prints one line on stderr
  and exits with status 2, before any heavy work: files and numbers are checked before
  TensorFlow is imported, names right after, all before the weights are read.
- A run writes OUT (atomically), ``OUT`` with ``.json`` (the manifest), optional snapshots
  ``<stem>.0050.png`` and ``<stem>.losses.png`` next to it, and nothing else.

Exit status: 0 done; 1 the loss became non-finite (the last good image is written) or an output
could not be written; 2 bad input; 130 interrupted (Ctrl-C: the best image so far is written).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import os
import re
import signal
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from nst.config import INIT_MODES  # no TensorFlow: --init is checked before it loads
from nst.manifest import (
    IMAGE_FORMATS,
    MANIFEST_VERSION,
    SYNTHETIC_NOTICE,
    environment,
    manifest_path,
    save_labelled_image,
    utc_now,
    write_atomic,
    write_json,
)
from nst.progress import Outcome, ProgressBar, RunHistory, follow, format_losses

PROG = "nst"
#: ``--weights synthetic``: a random miniature, written once into the weights cache.
SYNTHETIC = "synthetic"
#: Channel widths of that miniature are VGG-19's divided by this (quick on a CPU).
SYNTHETIC_WIDTH_DIVISOR = 8
#: `nst demo`'s output and the settings it changes (everything else: the library defaults).
DEMO_OUTPUT = Path("out") / "demo.png"
DEMO_SETTINGS = {"size": 400, "iterations": 300}
#: ``nst layers`` without --size.
LAYERS_SIZE = (224, 224)


class UsageError(ValueError):
    """Bad command-line input that argparse cannot see (files, paths, combinations)."""


class DemoError(RuntimeError):
    """`nst demo` cannot get the weights; the message explains how to get them."""


# ---------------------------------------------------------------------------------------------
# argument types (pure Python: no TensorFlow)


def _integer(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text}")
        return value

    return parse


def _number(*, positive: bool = False) -> Callable[[str], float]:
    """A finite float >= 0 (> 0 when `positive`)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            bound = "> 0" if positive else ">= 0"
            raise argparse.ArgumentTypeError(f"must be a finite number {bound}, got {text}")
        return value

    return parse


def _layers(text: str) -> tuple[str, ...] | dict[str, float]:
    """``relu1_1,relu2_1`` (equal weights) or ``relu1_1:0.5,block2_conv1:0.5`` (explicit)."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of layer names, got {text!r}"
        )
    if not any(":" in item for item in items):
        return tuple(items)
    layers: dict[str, float] = {}
    for item in items:
        name, sep, weight = item.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError(
                f"give a weight for every layer or for none (name:weight), got {text!r}"
            )
        layers[name.strip()] = _number()(weight)
    return layers


def _scales(text: str) -> str | tuple[int, ...]:
    """``auto`` or ``256,512,1024``: the coarse-to-fine stages' longer sides."""
    if text.strip() == "auto":
        return "auto"
    return tuple(_integer(1)(item.strip()) for item in text.split(","))


def _integers(text: str) -> tuple[int, ...]:
    """``300,200,100``: integers >= 0."""
    return tuple(_integer(0)(item.strip()) for item in text.split(","))


def _mask(text: str) -> str | None:
    """A mask image path, or ``none`` (None: the style applies everywhere)."""
    return None if text.strip().lower() == "none" else text


def _blend(text: str) -> tuple[float, ...]:
    """``0.7,0.3``: one weight >= 0 per style image, positive sum."""
    weights = tuple(_number()(item.strip()) for item in text.split(","))
    if sum(weights) <= 0:
        raise argparse.ArgumentTypeError(f"the weights must have a positive sum, got {text!r}")
    return weights


def _image_size(text: str) -> tuple[int, int]:
    """``224`` (square) or ``H,W``."""
    parts = [p.strip() for p in text.replace("x", ",").split(",")]
    if len(parts) not in (1, 2):
        raise argparse.ArgumentTypeError(f"expected N or H,W, got {text!r}")
    sizes = [_integer(1)(p) for p in parts]
    return (sizes[0], sizes[-1])


# ---------------------------------------------------------------------------------------------
# options that set StylizeConfig fields: one row each


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
        `INIT_MODES` are not paths, and neither is None (e.g. ``--style-mask none``).
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
SIZE = Option("--size", "size", _integer(1), "longer side of the output in pixels", "N")
ITERATIONS = Option("--iterations", "iterations", _integer(0), "optimiser iterations", "N")
OPTIMIZER = Option("--optimizer", "optimizer", str, "optimiser", "NAME")
LEARNING_RATE = Option(
    "--learning-rate",
    "learning_rate",
    _number(positive=True),
    "Adam/SGD step size, on the optimised image's pixel scale (L-BFGS ignores it)",
    "LR",
)
CONTENT_WEIGHT = Option(
    "--content-weight", "content_weight", _number(), "alpha, the content term's weight", "W"
)
STYLE_WEIGHT = Option("--style-weight", "style_weight", _number(), "beta, the style term's", "W")
TV_WEIGHT = Option("--tv-weight", "tv_weight", _number(), "gamma, total variation's weight", "W")
CONTENT_LAYERS = Option(
    "--content-layers",
    "content_layers",
    _layers,
    "comma list of layers (MatConvNet or Keras names, e.g. relu4_2 or block4_conv2; "
    "name:weight for explicit weights)",
    "LAYERS",
)
STYLE_LAYERS = Option(
    "--style-layers",
    "style_layers",
    _layers,
    "comma list of layers (MatConvNet or Keras names; equal weights 1/|L| unless name:weight)",
    "LAYERS",
)
STYLE_BLEND = Option(
    "--style-blend",
    "style_blend",
    _blend,
    "one weight per style image, e.g. 0.7,0.3 (normalised to sum 1)",
    "W1,W2,...",
)
INIT = Option(
    "--init", "init", str, "starting image: a mode or the path of an image", "INIT", image=True
)
POOLING = Option("--pooling", "pooling", str, "pooling in the network", "{max,avg}")
LBFGS_ENGINE = Option(
    "--lbfgs-engine",
    "lbfgs_engine",
    str,
    "which L-BFGS runs with --optimizer lbfgs: the projected L-BFGS in TensorFlow (auto, tf) or "
    "scipy's L-BFGS-B (setulb, minimize)",
    "NAME",
)
SEED = Option("--seed", "seed", _integer(0), "seed of the initial noise", "N")
LAYER = Option(
    "--layer",
    "content_layers",
    _layers,
    "the layer(s) whose activations are matched (MatConvNet or Keras names)",
    "LAYER",
)

PRESERVE_COLORS = Option(
    "--preserve-colors",
    "preserve_colors",
    str,
    "keep the content's colours: stylise the luminance only, or match the style's colour "
    "histogram (mean, covariance) to the content's first",
    "{luminance,histogram}",
)
STYLE_SCALE = Option(
    "--style-scale",
    "style_scale",
    _number(positive=True),
    "style images resized to this times the output's longer side (0.5: strokes twice as large)",
    "S",
)
SCALES = Option(
    "--scales",
    "scales",
    _scales,
    "coarse-to-fine: longer sides of the stages, ending at the output size, or 'auto' (halve "
    "the size down to >= 256)",
    "auto|N1,N2,...",
)
SCALE_ITERATIONS = Option(
    "--scale-iterations",
    "scale_iterations",
    _integers,
    "iterations of each --scales stage; without it, --iterations at every stage",
    "N1,N2,...",
)
STYLE_MASK = Option(
    "--style-mask",
    "style_masks",
    _mask,
    "once per style image, in order: a mask image (white = this style applies) or 'none' "
    "(everywhere)",
    "PATH|none",
    image=True,
    repeat=True,
)
STYLE_LAYER_WEIGHT_EXP = Option(
    "--style-layer-weight-exp",
    "style_layer_weight_exp",
    _number(positive=True),
    "style layer i (shallow to deep) weighted by E**i, sum kept (neural-style's option)",
    "E",
)

STYLIZE_OPTIONS: tuple[Option, ...] = (
    PRESET, SIZE, ITERATIONS, OPTIMIZER, LEARNING_RATE, CONTENT_WEIGHT, STYLE_WEIGHT, TV_WEIGHT,
    CONTENT_LAYERS, STYLE_LAYERS, STYLE_BLEND, INIT, POOLING, LBFGS_ENGINE, SEED,
    PRESERVE_COLORS, STYLE_SCALE, SCALES, SCALE_ITERATIONS, STYLE_MASK, STYLE_LAYER_WEIGHT_EXP,
)  # fmt: skip
TEXTURE_OPTIONS: tuple[Option, ...] = (
    PRESET, SIZE, ITERATIONS, OPTIMIZER, LEARNING_RATE, STYLE_WEIGHT, TV_WEIGHT, STYLE_LAYERS,
    INIT, POOLING, LBFGS_ENGINE, SEED, STYLE_SCALE, SCALES, SCALE_ITERATIONS,
    STYLE_LAYER_WEIGHT_EXP,
)  # fmt: skip
RECONSTRUCT_OPTIONS: tuple[Option, ...] = (
    PRESET, LAYER, SIZE, ITERATIONS, OPTIMIZER, LEARNING_RATE, CONTENT_WEIGHT, TV_WEIGHT, INIT,
    POOLING, LBFGS_ENGINE, SEED,
)  # fmt: skip


def _describe_default(config_field: str, command_default: Any) -> str:
    """The default of a field in words, from the library's constants."""
    from nst.config import DEFAULTS, LBFGS_ENGINES, OPTIMIZERS, POOLING, StylizeConfig
    from nst.presets import PRESETS

    def show(value: Any) -> str:
        if isinstance(value, (tuple, list)):
            return ",".join(str(v) for v in value)
        return f"{value:g}" if isinstance(value, float) else str(value)

    if config_field == "preset":
        return f"none; one of: {', '.join(PRESETS)} (see `nst presets`)"
    choices = {
        "optimizer": OPTIMIZERS,
        "pooling": POOLING,
        "init": INIT_MODES,
        "lbfgs_engine": LBFGS_ENGINES,
    }.get(config_field)
    if command_default is not None:  # the command's own choice
        return show(command_default) + (f"; one of: {', '.join(choices)}" if choices else "")
    elif config_field == "size":
        text = "the content image's own size"
    elif config_field == "style_blend":
        text = "equal weights"
    elif config_field in DEFAULTS:
        text = show(DEFAULTS[config_field])
    else:  # not in DEFAULTS: the dataclass's own default (seed 0)
        text = show({f.name: f.default for f in fields(StylizeConfig)}.get(config_field, "none"))
    if choices:
        text += f"; one of: {', '.join(choices)}" + (
            ", or a path" if config_field == "init" else ""
        )
    if config_field in DEFAULTS or config_field == "size":  # what presets set
        text += "; a --preset may set another"
    return text


class _HelpFormatter(argparse.HelpFormatter):
    """Appends each config option's library default to its help (computed only for --help)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        config_field = getattr(action, "config_field", None)
        if config_field is not None:
            default = _describe_default(config_field, action.default)
            text += f" (default: {default})".replace("%", "%%")
        return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        # never break inside "tf-tutorial" or "--preset"
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``nst stylize: error: ... (see nst stylize --help)``."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_options(parser: argparse.ArgumentParser, options: Sequence[Option], **defaults) -> None:
    group = parser.add_argument_group("settings (StylizeConfig fields)")
    for option in options:
        default = defaults.get(option.field)
        if option.parse is None:
            action = group.add_argument(
                option.flag, dest=option.field, action="store_true", default=None, help=option.help
            )
        else:
            action = group.add_argument(
                option.flag,
                dest=option.field,
                action="append" if option.repeat else "store",
                type=option.parse,
                default=default,
                metavar=option.metavar,
                help=option.help,
            )
        action.config_field = option.field


def _add_run_arguments(parser: argparse.ArgumentParser, *, output_default: Path | None) -> None:
    group = parser.add_argument_group("run")
    group.add_argument(
        "-o",
        "--output",
        required=output_default is None,
        default=output_default,
        type=Path,
        metavar="OUT",
        help="output image (.png, .jpg, .jpeg); the manifest is OUT with .json"
        + (f" (default: {output_default})" if output_default else ""),
    )
    group.add_argument(
        "--weights",
        metavar="PATH",
        help="imagenet-vgg-verydeep-19.mat (default: $VGG19_MAT, then the cache "
        "$VGG_MAT_HOME or ~/.cache/vgg_mat/); 'synthetic': a random miniature, output "
        "labelled 'synthetic random weights, not a style-transfer result'",
    )
    group.add_argument(
        "--save-every", type=_integer(1), metavar="N", help="write OUT-stem.0050.png every N"
    )
    group.add_argument("--plot", action="store_true", help="write the loss curves, stem.losses.png")
    group.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    group.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="cpu hides any GPU from TensorFlow; gpu insists on one (default: auto)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Neural style transfer from first principles (VGG-19 from MatConvNet's .mat "
        "file, raw tf.nn ops).",
        formatter_class=_HelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=help_text, description=description, formatter_class=_HelpFormatter
        )

    stylize = command(
        "stylize",
        "paint CONTENT in the style of STYLE",
        "Stylise CONTENT with one or more STYLE images (Gatys et al.). Without images: the "
        "sample photo (grace_hopper.jpg) and the sample style 'swirls'. A STYLE may also be a "
        "sample name: swirls, stained_glass, op_art, pointillist.",
    )
    stylize.add_argument("content", nargs="?", metavar="CONTENT", help="content image")
    stylize.add_argument("styles", nargs="*", metavar="STYLE", help="style image(s)")
    _add_options(stylize, STYLIZE_OPTIONS)
    _add_run_arguments(stylize, output_default=None)
    stylize.set_defaults(handler=_cmd_stylize)

    demo = command(
        "demo",
        "stylize the sample images (downloads the weights on first use)",
        "The main job on the sample images, into out/demo.png. Without --weights, the real "
        "weights are looked up ($VGG19_MAT, the cache) and downloaded on first use "
        "(`vgg-mat download`, with a progress bar). Settings as `nst stylize`; the demo uses "
        + ", ".join(f"--{k} {v}" for k, v in DEMO_SETTINGS.items())
        + " unless told otherwise.",
    )
    _add_options(demo, STYLIZE_OPTIONS, **DEMO_SETTINGS)
    _add_run_arguments(demo, output_default=DEMO_OUTPUT)
    demo.set_defaults(handler=_cmd_demo)

    texture = command(
        "texture",
        "synthesise a texture from STYLE alone",
        "Gatys' texture synthesis: start from noise and match only STYLE's Gram matrices "
        "(content weight 0). The output has STYLE's size unless --size says otherwise.",
    )
    texture.add_argument("style", metavar="STYLE", help="style image (or a sample name)")
    _add_options(texture, TEXTURE_OPTIONS, init="noise")
    _add_run_arguments(texture, output_default=None)
    texture.set_defaults(handler=_cmd_texture)

    reconstruct = command(
        "reconstruct",
        "show what a layer keeps of CONTENT",
        "Feature inversion: start from noise and match only CONTENT's activations at --layer "
        "(style weight 0). Shallow layers keep the pixels, deep ones only the arrangement.",
    )
    reconstruct.add_argument("content", metavar="CONTENT", help="content image")
    _add_options(reconstruct, RECONSTRUCT_OPTIONS, init="noise", content_layers=("relu4_2",))
    _add_run_arguments(reconstruct, output_default=None)
    reconstruct.set_defaults(handler=_cmd_reconstruct)

    presets = command(
        "presets",
        "list the presets with their sources and formulas",
        "Each preset reproduces one published implementation's settings and loss formulas.",
    )
    presets.add_argument("names", nargs="*", metavar="NAME", help="only these presets")
    presets.set_defaults(handler=_cmd_presets)

    layers = command(
        "layers",
        "list layer names, Keras aliases, output shapes and receptive fields",
        "Every layer of the network with its Keras alias (block4_conv2 = relu4_2), its output "
        "shape for an input of --size, its receptive field and jump in input pixels. Without "
        "--weights it uses the VGG-19 architecture table (no file needed).",
    )
    layers.add_argument(
        "--size",
        type=_image_size,
        default=LAYERS_SIZE,
        metavar="H[,W]",
        help=f"input size (default: {LAYERS_SIZE[0]},{LAYERS_SIZE[1]})",
    )
    layers.add_argument("--weights", metavar="PATH", help="a .mat file, or 'synthetic'")
    layers.set_defaults(handler=_cmd_layers)
    return parser


# ---------------------------------------------------------------------------------------------
# checks before any heavy work


def _read_image(path: Path, what: str):
    """Load an input image now (cheap, no TensorFlow): a one-line error if it is unusable."""
    from nst.images import load_image

    if not path.exists():
        raise UsageError(f"{what} {path}: no such file; check the path")
    if path.is_dir():
        raise UsageError(f"{what} {path}: is a folder, not an image file")
    return load_image(path)  # ImageError (a ValueError) names the file and the problem


def _style_path(text: str) -> Path:
    """A style argument: a file, or the name of a sample style."""
    from nst.samples import sample_style_path, sample_style_paths

    path = Path(text).expanduser()
    if path.exists() or os.sep in text or "." in text:
        return path
    samples = sample_style_paths()
    if text in samples:
        return sample_style_path(text)
    raise UsageError(
        f"style {text}: no such file, nor a sample style ({', '.join(samples)}); check the path"
    )


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _check_output(out: Path, inputs: Sequence[Path], *, snapshots: bool) -> Path:
    """OUT must have a supported extension, a writable folder, and overwrite no input."""
    out = out.expanduser()
    if out.suffix.lower() not in IMAGE_FORMATS:
        raise UsageError(
            f"output {out}: unsupported extension {out.suffix or '(none)'!r}; "
            f"use one of {', '.join(IMAGE_FORMATS)}"
        )
    if out.is_dir():
        raise UsageError(f"output {out}: is a folder; give a file name inside it")
    folder = out.parent
    if not folder.exists():
        raise UsageError(f"output folder {folder} does not exist; create it first (mkdir -p)")
    if not folder.is_dir():
        raise UsageError(f"output folder {folder} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise UsageError(
            f"output folder {folder} is not writable ({error.strerror}); choose another -o"
        ) from None
    ours = [out, manifest_path(out), _plot_path(out)]
    snapshot_name = re.compile(rf"{re.escape(out.stem)}\.\d{{4,}}\.png")
    for source in inputs:
        for target in ours:
            if _same_file(source, target):
                raise UsageError(
                    f"output {target} would overwrite the input {source}; choose another -o"
                )
        if snapshots and snapshot_name.fullmatch(source.name) and _same_file(source.parent, folder):
            raise UsageError(f"--save-every would overwrite the input {source}; choose another -o")
    return out


def _plot_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.losses.png")


def _snapshot_path(out: Path, iteration: int, iterations: int) -> Path:
    width = max(4, len(str(iterations)))
    return out.with_name(f"{out.stem}.{iteration:0{width}d}.png")


# ---------------------------------------------------------------------------------------------
# weights


def _weights_file(argument: str | None) -> Path | None:
    """The weights file to use (None: a synthetic miniature); raises with advice if none."""
    from vgg_mat.download import find_weights

    if argument == SYNTHETIC:
        return None
    return find_weights(argument)  # WeightsNotFoundError (FileNotFoundError) says what to do


def _synthetic_file() -> Path:
    """The cached synthetic miniature (written on first use, atomically)."""
    from vgg_mat.download import cache_dir
    from vgg_mat.synthetic import write_synthetic

    name = f"synthetic-vgg19-wd{SYNTHETIC_WIDTH_DIVISOR}-seed0.mat"
    for folder in (cache_dir(), Path(tempfile.gettempdir()) / "vgg_mat"):
        path = folder / name
        if path.is_file():
            return path
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return write_synthetic(path, width_divisor=SYNTHETIC_WIDTH_DIVISOR, seed=0)
        except OSError:
            continue
    raise UsageError("--weights synthetic: cannot write the miniature in the cache or /tmp")


def _load_weights(path: Path | None):
    from vgg_mat.matfile import load

    return load(path if path is not None else _synthetic_file())


def _synthetic_banner(weights) -> str:
    rule = "!" * 78
    return (
        f"{rule}\n!! SYNTHETIC RANDOM WEIGHTS: {weights.source}\n"
        "!! A miniature VGG-19 with random He-normal weights, NOT the trained network.\n"
        f"!! Everything written is labelled '{SYNTHETIC_NOTICE}'.\n"
        "!! For real results get the weights: vgg-mat download\n"
        f"{rule}"
    )


def _select_device(device: str) -> None:
    """Hide the GPU (cpu), insist on one (gpu), or leave TensorFlow's choice (auto)."""
    if device == "cpu" and "tensorflow" not in sys.modules:
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    if device == "auto":
        return
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if device == "cpu" and gpus:
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:
            raise UsageError(
                "--device cpu: TensorFlow has already started on the GPU in this process; "
                "set CUDA_VISIBLE_DEVICES=-1 instead"
            ) from None
    if device == "gpu" and not gpus:
        raise UsageError("--device gpu: TensorFlow sees no GPU here; use --device cpu or auto")


# ---------------------------------------------------------------------------------------------
# one run


@dataclass
class Job:
    """What a command asks for, after parsing: inputs, settings and where to write.

    Attributes
    ----------
    command : str
    content : Path
        The image whose size the output takes (the style image for `texture`).
    styles : list of Path
        Style images (empty for `reconstruct`).
    overrides : dict
        `StylizeConfig` fields given on the command line (and forced by the command).
    options : sequence of Option
        The command's options (those with ``image=True`` are checked as input files).
    """

    command: str
    content: Path
    styles: list[Path]
    overrides: dict[str, Any] = field(default_factory=dict)
    options: Sequence[Option] = ()


def _overrides(args: argparse.Namespace, options: Sequence[Option]) -> dict[str, Any]:
    return {o.field: getattr(args, o.field) for o in options if getattr(args, o.field) is not None}


@contextlib.contextmanager
def _no_interrupts():
    """Ignore Ctrl-C while the final files are written (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _say(args: argparse.Namespace, text: str, *, always: bool = False) -> None:
    if always or not args.quiet:
        print(text, file=sys.stderr, flush=True)


def _run(job: Job, args: argparse.Namespace, weights_path: Path | None) -> int:
    """Check everything, run `nst.stylize`, write OUT, snapshots, plot and manifest."""
    # 1. files and numbers, before TensorFlow
    started, started_at = time.perf_counter(), utc_now()
    content = _read_image(job.content, "content" if job.command != "texture" else "style")
    styles = [_read_image(p, "style") for p in job.styles]
    inputs = [job.content, *job.styles]
    for option in (o for o in job.options if o.image and o.field in job.overrides):
        value = job.overrides[option.field]
        paths = []
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is None or (isinstance(item, str) and item in INIT_MODES):
                paths.append(item)
                continue
            path = Path(item).expanduser()
            _read_image(path, option.flag)
            inputs.append(path)
            paths.append(str(path))
        job.overrides[option.field] = paths if isinstance(value, (list, tuple)) else paths[0]
    if weights_path is not None:
        inputs.append(weights_path)
    blend = job.overrides.get("style_blend")
    if blend is not None and len(blend) != len(styles):
        raise UsageError(
            f"--style-blend has {len(blend)} weight(s) for {len(styles)} style image(s); "
            "give one weight per style image"
        )
    masks = job.overrides.get("style_masks")
    if masks is not None and len(masks) != len(styles):
        raise UsageError(
            f"--style-mask given {len(masks)} time(s) for {len(styles)} style image(s); give "
            "one per style image, in order ('none' for the whole image)"
        )
    out = _check_output(args.output, inputs, snapshots=args.save_every is not None)

    # 2. names (TensorFlow is imported here), then the weights
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _select_device(args.device)
    from nst import optimize
    from nst.config import StylizeConfig, resolve_config
    from nst.multiscale import expected_steps

    config = resolve_config(StylizeConfig(), **job.overrides)  # ValueError: unknown name, ...
    weights = _load_weights(weights_path)
    steps = optimize.stylize(
        content, styles or None, weights=weights, config=config
    )  # ValueError here: a layer the file lacks, an image too small for a layer, ...

    if weights.synthetic:
        print(_synthetic_banner(weights), file=sys.stderr, flush=True)

    # 3. the run
    record: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "command": job.command,
        "argv": list(getattr(args, "argv", [])),
        "status": "running",
        "started": started_at,
        "synthetic": bool(weights.synthetic),
        "notice": SYNTHETIC_NOTICE if weights.synthetic else None,
        "output": {"path": str(out.resolve()), "written": False},
        "manifest": str(manifest_path(out).resolve()),
        "settings": asdict(config),
        "seed": config.seed,
        "run": {
            "save_every": args.save_every,
            "plot": args.plot,
            "device": args.device,
            "quiet": args.quiet,
        },
        "weights": {
            "path": str(Path(weights.source).resolve()) if weights.source else None,
            "checksum": weights.checksum,
            "synthetic": bool(weights.synthetic),
            "layout": weights.layout,
            "transposed_hw": bool(weights.transposed_hw),
            "label": weights.label,
        },
        "inputs": {
            "content": None
            if job.command == "texture"  # the style image only sets the output's shape
            else {"path": str(job.content.resolve()), "size": list(content.shape[:2])},
            "styles": [
                {"path": str(p.resolve()), "size": list(s.shape[:2])}
                for p, s in zip(job.styles, styles, strict=True)
            ],
        },
        "environment": environment(),
    }
    write_json(manifest_path(out), record)
    label = {
        "Software": f"nst-from-scratch ({PROG} {job.command})",
        "Weights": weights.label,
    }
    if weights.synthetic:
        label["Warning"] = SYNTHETIC_NOTICE.upper()
        label["Description"] = f"SYNTHETIC: made with {SYNTHETIC_NOTICE}"
    else:
        label["Description"] = f"nst {job.command} with VGG-19 weights ({weights.checksum})"

    snapshots: list[str] = []
    total = expected_steps(config, *content.shape[:2])  # steps of every --scales stage
    counter = itertools.count()  # steps seen: numbers the snapshots across --scales stages

    def snapshot(step) -> None:
        number = next(counter) if config.scales is not None else step.iteration
        if args.save_every and number and number % args.save_every == 0:
            path = _snapshot_path(out, number, total - 1)
            save_labelled_image(path, step.image, _stamp(label, step))
            snapshots.append(str(path.resolve()))

    bar = ProgressBar(total, job.command, quiet=args.quiet)
    outcome = follow(steps, bar, snapshot)
    with _no_interrupts():
        _finish(outcome, record, out, label, args.plot, weights, started)
        record["snapshots"] = snapshots
        write_json(manifest_path(out), record)
    _report(args, job, out, outcome, weights)
    return outcome.exit_status


def _finish(outcome: Outcome, record: dict, out: Path, label, plot: bool, weights, started) -> None:
    """Write the image to keep and the plot; complete the manifest `record` (not written)."""
    if outcome.keep is not None:
        try:
            save_labelled_image(out, outcome.keep.image, _stamp(label, outcome.keep))
            record["output"].update(
                written=True,
                which=outcome.which,
                iteration=outcome.keep.iteration,
                total_loss=outcome.keep.losses["total"],
                size=list(outcome.keep.image.shape[:2]),
            )
        except (OSError, ValueError) as error:
            outcome.status, outcome.exit_status, outcome.keep = "failed", 1, None
            outcome.message = f"could not write {out}: {error}"
    history = outcome.history
    plot_path = _write_plot(out, history, weights) if plot and history.records else None
    if history.best is not None:
        record["best"] = {
            "iteration": history.best.iteration,
            "total_loss": history.best.losses["total"],
        }
    record.update(
        status=outcome.status,
        exit_status=outcome.exit_status,
        message=outcome.message,
        finished=utc_now(),
        wall_time_s=round(time.perf_counter() - started, 3),
        plot=str(plot_path.resolve()) if plot_path else None,
        history=history.columns(),
    )


def _stamp(label: dict[str, str], step: Any) -> dict[str, str]:
    """The image's provenance text: `label` plus the iteration and its total loss."""
    return {**label, "Iteration": str(step.iteration), "Loss": f"{step.losses['total']:.6g}"}


def _write_plot(out: Path, history: RunHistory, weights) -> Path:
    from nst.plots import plot_losses

    fig = plot_losses(history.records, synthetic=weights)
    path = _plot_path(out)
    write_atomic(path, lambda stream: fig.savefig(stream, format="png", dpi=90))
    return path


def _report(args, job: Job, out: Path, outcome: Outcome, weights) -> None:
    """One line on stderr: what was written (always, unless a completed run is --quiet)."""
    where = f"{out} and {manifest_path(out)}"
    tag = f" [{SYNTHETIC_NOTICE.upper()}]" if weights.synthetic else ""
    name, keep = f"{PROG} {job.command}", outcome.keep
    if outcome.status == "completed":
        losses = format_losses(keep.losses)
        _say(args, f"{name}: wrote {where} (iteration {keep.iteration}, {losses}){tag}")
    elif outcome.status == "interrupted" and keep is None:
        text = f"{name}: interrupted before the first iteration; wrote {manifest_path(out)}"
        _say(args, text, always=True)
    elif outcome.status == "interrupted":
        text = (
            f"{name}: interrupted after {len(outcome.history.records)} step(s); wrote the best "
            f"image so far (iteration {keep.iteration}, total {keep.losses['total']:.4g}) to "
            f"{where}{tag}"
        )
        _say(args, text, always=True)
    else:
        saved = (
            f"; wrote the last good image (iteration {keep.iteration}) to {out}"
            if keep is not None
            else "; no image was written"
        )
        _say(args, f"{name}: error: {' '.join(str(outcome.message).split())}{saved}", always=True)


# ---------------------------------------------------------------------------------------------
# commands


def _cmd_stylize(args: argparse.Namespace) -> int:
    """``nst stylize [CONTENT] [STYLE ...] -o OUT``."""
    from nst.samples import sample_content_path, sample_style_path

    content = Path(args.content).expanduser() if args.content else sample_content_path()
    styles = [_style_path(s) for s in args.styles] or [sample_style_path()]
    job = Job("stylize", content, styles, _overrides(args, STYLIZE_OPTIONS), STYLIZE_OPTIONS)
    return _run(job, args, _weights_file(args.weights))


def _cmd_demo(args: argparse.Namespace) -> int:
    """``nst demo``: the samples, with the real weights (downloaded on first use)."""
    from nst.samples import sample_content_path, sample_style_path

    if args.weights is None:
        weights_path = _demo_weights(quiet=args.quiet)
    else:
        weights_path = _weights_file(args.weights)
    if args.output == DEMO_OUTPUT:
        DEMO_OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    overrides = _overrides(args, STYLIZE_OPTIONS)
    job = Job("demo", sample_content_path(), [sample_style_path()], overrides, STYLIZE_OPTIONS)
    return _run(job, args, weights_path)


def _demo_weights(*, quiet: bool) -> Path:
    """$VGG19_MAT or the cache, else download into the cache; DemoError with the way out."""
    from vgg_mat.download import (
        OFFICIAL_MD5,
        OFFICIAL_SIZE,
        OFFICIAL_URL,
        DownloadError,
        WeightsNotFoundError,
        default_path,
        download,
        find_weights,
    )

    try:
        return find_weights()
    except WeightsNotFoundError:
        if os.environ.get("VGG19_MAT"):
            raise  # a wrong VGG19_MAT: its own message says what to fix
    if not quiet:
        print(
            f"nst demo: no weights yet; downloading imagenet-vgg-verydeep-19.mat "
            f"({OFFICIAL_SIZE:,} bytes) to {default_path()} (once; resumable)",
            file=sys.stderr,
            flush=True,
        )
    try:
        return download(progress=not quiet)
    except DownloadError as error:
        raise DemoError(
            f"could not download the VGG-19 weights: {' '.join(str(error).split())}\n"
            f"The demo needs imagenet-vgg-verydeep-19.mat ({OFFICIAL_SIZE:,} bytes, MD5 "
            f"{OFFICIAL_MD5}). To get it:\n"
            f"  * with network access: run `vgg-mat download` (or `make demo`) again; it "
            f"resumes and checks size and MD5;\n"
            f"  * or fetch {OFFICIAL_URL} on another machine and copy it to {default_path()} "
            "(or set VGG19_MAT=/path/to/imagenet-vgg-verydeep-19.mat).\n"
            "To try everything offline now, with random weights (the output is NOT a style "
            "transfer, and is labelled so):\n"
            "  nst stylize --weights synthetic -o out/synthetic.png"
        ) from None


def _cmd_texture(args: argparse.Namespace) -> int:
    """``nst texture STYLE -o OUT``: style only, from noise."""
    style = _style_path(args.style)
    overrides = _overrides(args, TEXTURE_OPTIONS)
    overrides.update(content_weight=0.0, content_layers=())
    job = Job("texture", style, [style], overrides, TEXTURE_OPTIONS)
    return _run(job, args, _weights_file(args.weights))


def _cmd_reconstruct(args: argparse.Namespace) -> int:
    """``nst reconstruct CONTENT --layer L -o OUT``: content only, from noise."""
    overrides = _overrides(args, RECONSTRUCT_OPTIONS)
    overrides.update(style_weight=0.0, style_layers=())
    job = Job("reconstruct", Path(args.content).expanduser(), [], overrides, RECONSTRUCT_OPTIONS)
    return _run(job, args, _weights_file(args.weights))


def _cmd_presets(args: argparse.Namespace) -> int:
    """``nst presets [NAME ...]``: each preset's source, loss formula and settings."""
    from nst.formulas import preset_lines
    from nst.presets import PRESETS, get_preset

    presets = [get_preset(name) for name in args.names] or list(PRESETS.values())
    for i, preset in enumerate(presets):
        if i:
            print()
        print("\n".join(preset_lines(preset)))
    return 0


def _cmd_layers(args: argparse.Namespace) -> int:
    """``nst layers [--size H[,W]] [--weights PATH]``: names, aliases, shapes, fields."""
    from vgg_mat.geometry import layer_table, vgg19_layers

    height, width = args.size
    if args.weights is None:
        layers, source = vgg19_layers(), "the VGG-19 architecture (no weights file needed)"
    else:
        weights = _load_weights(_weights_file(args.weights))
        layers, source = weights.layers, weights.label
    rows = layer_table(layers, height, width)
    aliases = _keras_aliases([row.name for row in rows])
    print(f"network: {source}")
    print(f"input:   {height}x{width}x3")
    header = (
        f"{'layer':<9} {'keras':<13} {'kind':<7} {'output HxWxC':>14} {'RF':>9} {'jump':>6} "
        f"{'params':>13}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        rf, jump = row.receptive_field, row.jump
        rf_text = f"{rf[0]}" if rf[0] == rf[1] else f"{rf[0]}x{rf[1]}"
        jump_text = f"{jump[0]}" if jump[0] == jump[1] else f"{jump[0]}x{jump[1]}"
        shape = f"{row.height}x{row.width}x{row.channels}"
        print(
            f"{row.name:<9} {aliases.get(row.name, '-'):<13} {row.kind:<7} {shape:>14} "
            f"{rf_text:>9} {jump_text:>6} {row.params:>13,}"
        )
    if len(rows) < len(layers):
        print(f"({len(layers) - len(rows)} deeper layer(s) do not fit a {height}x{width} input)")
    return 0


def _keras_aliases(names: Sequence[str]) -> dict[str, str]:
    """{file name: Keras name} for the layers Keras' VGG-19 has (`vgg_mat.keras_alias`)."""
    from vgg_mat.names import keras_alias

    return {name: alias for name in names if (alias := keras_alias(name)) is not None}


# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run `nst` with `argv` (default ``sys.argv[1:]``); return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments without the program name.

    Returns
    -------
    int
        0 done; 1 the loss became non-finite or an output could not be written; 2 bad input
        (one line on stderr, no traceback); 130 interrupted (Ctrl-C).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the help, or one error line
        return int(exc.code or 0)
    args.argv = argv
    name = f"{PROG} {args.command}"
    try:
        return args.handler(args)
    except BrokenPipeError:  # `nst presets | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (interpreter exit flushes it)
        return 1
    except DemoError as error:
        for i, line in enumerate(str(error).splitlines()):
            print(f"{name}: error: {line}" if i == 0 else line, file=sys.stderr)
        return 2
    except (UsageError, OSError, ValueError, KeyError) as error:
        message = " ".join(str(error).strip("'\"").split()) or type(error).__name__
        print(f"{name}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{name}: interrupted before the run started; no output written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
