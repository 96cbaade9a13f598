"""``nst train STYLE --images DIR -o model.npz``: train a feed-forward stylizer (or, with
``--texture``, a texture generator) with the project's own VGG loss.

Checks first, without TensorFlow: STYLE readable; the photo folder exists, holds images, each at
least ``--size`` on its shorter side (read from the headers); ``--size`` a size the network
takes; the architecture within `nst.feedforward.spec.LIMITS`; the output an ``.npz`` that
overwrites no input and no earlier run (unless ``--force``: then the earlier model and manifest
are removed before training, so the two on disk always come from one run); the loss settings
(`resolve_config`).
Then TensorFlow, the weights, the layers against the crop size, and `nst.feedforward.session.fit`:
a progress bar with the loss and the ETA, the model every ``--checkpoint-every`` steps, the
manifest ``model.json``. Ctrl-C and SIGTERM keep the last checkpoint; a non-finite loss or
gradient stops the run with exit status 1 and keeps the last checkpoint (finite weights only).
TensorFlow places the work on a GPU by itself when it sees one (``--device cpu`` hides it).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from nst.cli.arguments import integer, number
from nst.cli.checks import read_image, select_device, style_path
from nst.cli.errors import UsageError
from nst.cli.options import (
    CONTENT_LAYERS,
    CONTENT_WEIGHT,
    POOLING,
    PRESET,
    STYLE_LAYER_WEIGHT_EXP,
    STYLE_LAYERS,
    STYLE_WEIGHT,
    TV_WEIGHT,
)
from nst.cli.parser import DEVICES, add_command, add_options
from nst.cli.run import load_weights, overrides
from nst.cli.tflog import import_tensorflow
from nst.config import StylizeConfig, resolve_config
from nst.feedforward.data import check_photo_sizes, find_photos
from nst.feedforward.shapes import check_size
from nst.feedforward.spec import KINDS, LIMITS, check_architecture
from nst.manifest import SYNTHETIC_NOTICE, manifest_path
from vgg_mat.standin import SYNTHETIC, locate_weights

#: The loss settings `nst train` takes (the `StylizeConfig` fields of the loss).
TRAIN_OPTIONS = (
    PRESET,
    CONTENT_WEIGHT,
    STYLE_WEIGHT,
    TV_WEIGHT,
    CONTENT_LAYERS,
    STYLE_LAYERS,
    STYLE_LAYER_WEIGHT_EXP,
    POOLING,
)
#: What a model file is called.
MODEL_SUFFIX = ".npz"


def _check_output(out: Path, inputs: list[Path], *, force: bool) -> Path:
    out = out.expanduser()
    if out.suffix.lower() != MODEL_SUFFIX:
        raise UsageError(
            f"output {out}: a model is written as {MODEL_SUFFIX}; name it "
            f"{out.with_suffix(MODEL_SUFFIX).name}"
        )
    for path in (out, manifest_path(out)):
        if path.is_dir():
            raise UsageError(f"output {path}: is a folder; choose another -o")
        if any(path.exists() and source.exists() and path.samefile(source) for source in inputs):
            raise UsageError(f"output {path} would overwrite an input; choose another -o")
    for path in (out, manifest_path(out)):
        if path.exists() and not force:
            raise UsageError(
                f"output {path} exists (an earlier run?); choose another -o, or --force to "
                "replace the model and its manifest"
            )
    existing = out.parent  # the nearest folder that exists: the missing ones are made later
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"output folder {out.parent}: {existing} is a file; choose another -o")
    return out


def _architecture(args) -> dict:
    if args.texture:
        architecture = {"kind": "texture", "scales": args.scales, "width": args.width or 8}
    else:
        architecture = {"kind": "johnson", "width": args.width or 32, "blocks": args.blocks}
    kind = architecture["kind"]
    for key in KINDS[kind]:
        (low, high), value = LIMITS[kind][key], architecture[key]
        if not low <= value <= high:
            network = "--texture" if kind == "texture" else "transformation"
            raise UsageError(
                f"--{key} {value}: the {network} network takes {low} to {high}; choose one "
                "in that range"
            )
    return check_architecture(architecture)


def train_command(args: argparse.Namespace) -> int:
    """Check, then train; the exit status of `fit` (0, 1, 130, 143)."""
    # 1. files and numbers, before TensorFlow
    style_file = style_path(args.style)
    style = read_image(style_file, "style")
    weights_path = locate_weights(args.weights)
    architecture = _architecture(args)
    check_size(
        architecture, args.size, args.size, "--size", exact=True, hint="choose a larger --size"
    )
    photos: list[Path] = []
    if args.texture and args.images is not None:
        raise UsageError("--texture trains from noise and takes no --images; drop one of them")
    if not args.texture:
        if args.images is None:
            raise UsageError("--images DIR is required (a folder of photos), or --texture")
        photos = find_photos(args.images)
        check_photo_sizes(photos, args.size)
    out = _check_output(
        args.output,
        [style_file, *photos] + ([weights_path] if weights_path else []),
        force=args.force,
    )
    given = overrides(args, TRAIN_OPTIONS)
    if args.texture:
        given.update(content_weight=0.0, content_layers=())
    config = resolve_config(StylizeConfig(), **given)

    # 2. TensorFlow, the weights, the network and its layers
    import_tensorflow(verbose=args.verbose)
    select_device(args.device)
    from nst.feedforward.loss import PerceptualLoss
    from nst.feedforward.modelfile import build_model
    from nst.feedforward.session import fit, model_info
    from nst.feedforward.train import TrainSettings, noise_source, photo_source
    from nst.images import resize_image
    from nst.inputs import check_layers_fit, deepest_layer
    from vgg_mat.network import build_network

    settings = TrainSettings(
        steps=args.steps,
        batch=args.batch,
        size=args.size,
        learning_rate=args.learning_rate,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
    )
    weights = load_weights(weights_path)
    net = build_network(weights, pooling=config.pooling, up_to=deepest_layer(config))
    # memory is the batch's business here, not one optimised image's: checked by the crops' size
    check_layers_fit(
        net,
        replace(config, optimizer="adam"),
        (args.size, args.size),
        "--size",
        optimised=False,
        hint="choose a larger --size",
    )
    side = max(1, round(args.size * config.style_scale))
    style = resize_image(style, side, copy=False)
    if weights.synthetic:
        print(
            f"nst train: SYNTHETIC RANDOM WEIGHTS ({weights.source}): the model is labelled "
            f"'{SYNTHETIC_NOTICE}'; for real results: vgg-mat download",
            file=sys.stderr,
        )

    out.parent.mkdir(parents=True, exist_ok=True)
    model = build_model(architecture, seed=args.seed)
    loss = PerceptualLoss(net, config, styles=[style[None]])
    if args.texture:
        source, trained_on = noise_source(model, settings), "noise (texture network)"
    else:
        source = photo_source(photos, settings)
        trained_on = f"{len(photos)} photo(s) in {Path(args.images).expanduser().resolve()}"
    info = model_info(
        settings, config, weights, style=str(style_file.resolve()), trained_on=trained_on, step=0
    )
    outcome = fit(
        model,
        loss,
        source,
        settings,
        out=out,
        info=info,
        quiet=args.quiet,
        manifest={"argv": list(getattr(args, "argv", []))},
        overwrite=args.force,
    )

    # 3. one line: what is on disk
    tag = f" [{SYNTHETIC_NOTICE.upper()}]" if weights.synthetic else ""
    first = settings.checkpoint_every or settings.steps
    kept = (
        f"the model of step {outcome.checkpoint} is in {out}"
        if outcome.checkpoint
        else f"no model was written (the first checkpoint is at step {first})"
    )
    if outcome.status == "completed":
        total = outcome.history.last.losses["total"]
        if not args.quiet:
            print(
                f"nst train: wrote {out} and {manifest_path(out)} ({outcome.steps} steps, "
                f"total loss {total:.4g}){tag}",
                file=sys.stderr,
            )
    elif outcome.status == "interrupted":
        print(
            f"nst train: stopped by {outcome.message} after {outcome.steps} step(s); {kept}; "
            f"see {manifest_path(out)}{tag}",
            file=sys.stderr,
        )
    else:
        print(f"nst train: error: {outcome.message}; {kept}", file=sys.stderr)
    return outcome.exit_status


def add_train(commands) -> None:
    """The ``train`` sub-command."""
    parser = add_command(
        commands,
        "train",
        "train a network that stylises a photo in one pass",
        "Train Johnson et al.'s transformation network (instance normalisation, upsampling "
        "then convolution) on random crops of the photos in --images, with the same VGG loss "
        "as `nst stylize` (the settings below). With --texture: Ulyanov et al.'s texture "
        "generator, from noise, no photos. Writes OUT (.npz: weights + architecture as JSON, no "
        "pickle) every --checkpoint-every steps and OUT with .json (settings, loss history). "
        "Ctrl-C keeps the last checkpoint. TensorFlow uses a GPU by itself when it sees one.",
    )
    parser.add_argument("style", metavar="STYLE", help="style image (or a sample name)")
    group = parser.add_argument_group("training")
    group.add_argument(
        "--images",
        metavar="DIR",
        help="folder of training photos, each at least --size px on its shorter side",
    )
    group.add_argument(
        "--texture",
        action="store_true",
        help="train a texture generator from noise instead (no --images)",
    )
    group.add_argument(
        "--steps",
        type=integer(1),
        default=2000,
        metavar="N",
        help="Adam steps, one batch each (default: 2000)",
    )
    group.add_argument(
        "--size",
        type=integer(1),
        default=256,
        metavar="N",
        help="side of the square training crops, px (default: 256)",
    )
    group.add_argument(
        "--batch", type=integer(1), default=4, metavar="N", help="crops per step (default: 4)"
    )
    group.add_argument(
        "--learning-rate",
        type=number(positive=True),
        default=1e-3,
        metavar="LR",
        help="Adam's step size on the weights (default: 0.001)",
    )
    group.add_argument(
        "--checkpoint-every",
        type=integer(0),
        default=200,
        metavar="N",
        help="write the model every N steps; 0: only at the end (default: 200)",
    )
    group.add_argument(
        "--seed",
        type=integer(0),
        default=0,
        metavar="N",
        help="seeds the initial weights, the crops and the noise (default: 0)",
    )
    group.add_argument(
        "--width",
        type=integer(1),
        default=None,
        metavar="N",
        help="channels of the first layer (default: 32; --texture: 8 per scale)",
    )
    group.add_argument(
        "--blocks",
        type=integer(0),
        default=5,
        metavar="N",
        help="residual blocks of the transformation network (default: 5)",
    )
    group.add_argument(
        "--scales",
        type=integer(1),
        default=5,
        metavar="K",
        help="noise scales of the texture network (default: 5)",
    )
    add_options(parser, TRAIN_OPTIONS)
    add_model_arguments(
        parser, "the model file (.npz); the manifest is OUT with .json", weights=True
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the model and manifest of an earlier run at OUT (both are removed first)",
    )
    parser.set_defaults(handler=train_command)


def add_model_arguments(
    parser: argparse.ArgumentParser, output_help: str, *, weights: bool
) -> None:
    """-o, --quiet, --verbose, --device (and --weights): what `train` and `apply` share."""
    group = parser.add_argument_group("run")
    group.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help=output_help)
    if weights:
        group.add_argument(
            "--weights",
            metavar="PATH",
            help="imagenet-vgg-verydeep-19.mat (default: $VGG19_MAT, then the "
            f"cache); '{SYNTHETIC}': a random miniature, the model labelled "
            f"'{SYNTHETIC_NOTICE}'",
        )
    group.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    group.add_argument("--verbose", action="store_true", help="show TensorFlow's own log lines")
    group.add_argument(
        "--device",
        choices=DEVICES,
        default="auto",
        help="cpu hides any GPU from TensorFlow; gpu insists on one (default: "
        "auto: TensorFlow uses a GPU when it sees one)",
    )
