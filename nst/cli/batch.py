"""``nst batch --style S -o DIR PHOTO... | FOLDER``: one style over many photos or video frames.

One output per photo, named after it (``DIR/<stem>.png``), and its manifest
(``DIR/<stem>.json``); outputs already there are skipped unless ``--overwrite``. A photo that
fails (unreadable, or its loss becomes non-finite) is reported on its own line and the batch
goes on; the summary at the end lists the failures and the exit status is then 1.
``--init previous`` starts each frame from the previous frame's result (`nst.batches`). The
settings are `nst stylize`'s; the style targets and the compiled step are built once per size.

Bad input (no photo, a folder with no images, a missing file, two photos with the same name,
DIR an input's folder, a scheduler that does not answer) exits 2 with one line, before
TensorFlow loads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nst.choices import INIT_MODES
from nst.cli import options as o
from nst.cli.checks import read_image, style_path
from nst.cli.errors import UsageError
from nst.cli.evaluate import weights_option
from nst.cli.experiments import (
    StepBar,
    add_cluster_arguments,
    check_cluster,
    check_output_folder,
    cluster_client,
    start_weights,
    write_result,
)
from nst.cli.parser import add_command, add_options
from nst.cli.run import overrides
from nst.config import StylizeConfig, resolve_config
from nst.manifest import SYNTHETIC_NOTICE, utc_now
from nst.progress import sigterm_as_interrupt
from vgg_mat.standin import locate_weights

__all__ = ["PHOTO_SUFFIXES", "add_batch", "batch_command", "find_photos"]

#: What a FOLDER's images are (by lower-case suffix).
PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")

#: `nst stylize`'s settings that a batch takes (not masks or coarse-to-fine).
BATCH_OPTIONS = (
    o.PRESET, o.SIZE, o.ITERATIONS, o.OPTIMIZER, o.LEARNING_RATE, o.CONTENT_WEIGHT,
    o.STYLE_WEIGHT, o.TV_WEIGHT, o.CONTENT_LAYERS, o.STYLE_LAYERS, o.STYLE_BLEND, o.POOLING,
    o.LBFGS_ENGINE, o.SEED, o.PRESERVE_COLORS, o.STYLE_SCALE, o.STYLE_LAYER_WEIGHT_EXP,
)  # fmt: skip

#: ``--init previous``: each frame from the previous frame's result.
PREVIOUS = "previous"


def find_photos(arguments: list[str]) -> list[Path]:
    """The photos named, a FOLDER's images sorted by name; UsageError for bad input."""
    photos: list[Path] = []
    for text in arguments:
        path = Path(text).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)  # fmt: skip
            if not found:
                raise UsageError(
                    f"folder {path}: no images ({', '.join(PHOTO_SUFFIXES)}); check the folder"
                )
            photos += found
        elif path.is_file():
            photos.append(path)
        else:
            raise UsageError(f"photo {path}: no such file or folder; check the path")
    stems: dict[str, Path] = {}
    for photo in photos:
        if photo.stem in stems:
            raise UsageError(
                f"photos {stems[photo.stem]} and {photo} would both be written as "
                f"{photo.stem}.png; rename one or run them in two batches"
            )
        stems[photo.stem] = photo
    return photos


def batch_command(args: argparse.Namespace) -> int:
    """Check everything, run the photos, write each output and manifest, print the summary."""
    started = utc_now()
    photos = find_photos(args.photos)
    style_paths = [style_path(s) for s in args.style]
    styles = [read_image(p, "style") for p in style_paths]
    given = overrides(args, BATCH_OPTIONS)
    init_previous = args.init == PREVIOUS
    if args.init is not None and not init_previous:
        if args.init not in INIT_MODES:
            read_image(Path(args.init).expanduser(), "--init")
        given["init"] = args.init
    if init_previous and (args.scheduler or args.workers):
        raise UsageError("--init previous runs the frames in order; it cannot use a cluster "
                         "(--scheduler, --workers): drop one of them")  # fmt: skip
    if given.get("style_blend") is not None and len(given["style_blend"]) != len(styles):
        raise UsageError(f"--style-blend has {len(given['style_blend'])} weight(s) for "
                         f"{len(styles)} style image(s); give one per style image")  # fmt: skip
    config = resolve_config(StylizeConfig(), **given)
    folder = check_output_folder(args.output, [*photos, *style_paths])
    located = locate_weights(args.weights)
    check_cluster(args)
    outs = [folder / f"{photo.stem}.png" for photo in photos]
    skip = set() if args.overwrite else {k for k, out in enumerate(outs) if out.exists()}

    weights = start_weights(args, located)
    from nst.batches import batch

    todo = len(photos) - len(skip)
    bar = StepBar(todo * config.iterations, "batch", quiet=args.quiet)
    client = cluster_client(args)
    written, failures, status = [], [], 0
    try:
        with sigterm_as_interrupt():
            results = batch(
                photos, styles, weights=located if client and located else weights,
                config=config, init_previous=init_previous, skip=skip,
                previous={k: outs[k] for k in skip}, on_step=bar.add if client else bar.step,
                client=client,
            )  # fmt: skip
            for k, result in results:
                bar.note(photos[k].name)
                if isinstance(result, BaseException):
                    failures.append((photos[k], " ".join(str(result).split())))
                else:
                    content = result.image  # the shape of the output, for the manifest
                    record = write_result(
                        "batch", args, result, out=outs[k], config=config, weights=weights,
                        started=started, content=(photos[k], content),
                        styles=list(zip(style_paths, styles, strict=True)),
                        extra={"init_previous": init_previous},
                    )  # fmt: skip
                    if record["status"] != "completed":
                        failures.append((photos[k], record["message"]))
                    else:
                        written.append(outs[k])
                if failures and failures[-1][0] == photos[k]:
                    bar.note("")
                    print(f"\nnst batch: {photos[k]}: error: {failures[-1][1]}", file=sys.stderr)
    except KeyboardInterrupt as stop:
        status = 143 if type(stop).__name__ == "Terminated" else 130
    finally:
        bar.close()
        if client is not None:
            client.close()
    _summary(args, folder, len(photos), written, len(skip), failures, status, weights)
    return status or (1 if failures else 0)


def _summary(args, folder, total, written, skipped, failures, status, weights) -> None:
    tag = f" [{SYNTHETIC_NOTICE.upper()}]" if weights.synthetic else ""
    text = f"nst batch: {len(written)} of {total} photo(s) written to {folder}"
    if skipped:
        text += f", {skipped} skipped (already there; --overwrite redoes them)"
    if failures:
        text += f", {len(failures)} failed: " + "; ".join(f"{p.name} ({m})" for p, m in failures)
    if status:
        text += "; interrupted: rerun the same command to do the rest"
    if status or failures or not args.quiet:
        print(text + tag, file=sys.stderr)


def add_batch(commands) -> None:
    """The ``batch`` sub-command."""
    parser = add_command(
        commands,
        "batch",
        "stylise many photos (or video frames) with one style",
        "One output and manifest per photo in DIR, named after it; the style targets and the "
        "compiled step are built once per image size. Existing outputs are skipped unless "
        "--overwrite; a photo that fails is reported and the rest go on (exit status 1). For "
        "video frames, --init previous starts each frame from the previous result.",
    )
    parser.add_argument("photos", nargs="+", metavar="PHOTO|FOLDER",
                        help="photos, or folders of them (sorted by name)")  # fmt: skip
    parser.add_argument("--style", required=True, action="append", metavar="S",
                        help="the style image (or a sample name); repeat for several")  # fmt: skip
    add_options(parser, BATCH_OPTIONS)
    parser.add_argument("--init", metavar="INIT",
                        help=f"starting image: {', '.join(INIT_MODES)}, a path, or "
                        f"'{PREVIOUS}' (each frame from the previous frame's result)")  # fmt: skip
    run = parser.add_argument_group("run")
    run.add_argument("-o", "--output", type=Path, required=True, metavar="DIR",
                     help="the output folder (made if missing)")  # fmt: skip
    weights_option(run)
    run.add_argument("--overwrite", action="store_true", help="redo photos whose output exists")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_cluster_arguments(parser)
    parser.set_defaults(handler=batch_command)
