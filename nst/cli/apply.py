"""``nst apply model.npz PHOTO... -o OUT``: stylise photos (or make a texture) in one pass.

- A transformation network (``nst train --images``) takes photos of any size (a folder stands
  for the images in it); each output has its photo's size (or ``--size``, the longer side).
  One photo and an OUT ending in an image extension: OUT is that file; otherwise OUT is a folder
  and each result is ``OUT/<photo stem>.png``.
- A texture network (``nst train --texture``) takes no photos: OUT is one image of ``--size``
  (default: the training size), from the noise of ``--seed``.

Checks first, without TensorFlow: the model file (not a zip, a pickle, an object array, a
damaged or foreign file), every photo readable and large enough for the network, the outputs
overwriting no input. Then TensorFlow (a GPU when it sees one), the network, and one pass per
image. Images made by a model trained with synthetic weights say so, inside the file; so do
images of a model file that does not say which weights trained it ("unknown provenance", an
older file): only a file that says it was trained with real weights gives images labelled real
(`nst.feedforward.origin`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from nst.cli.arguments import integer
from nst.cli.checks import select_device
from nst.cli.errors import UsageError
from nst.cli.parser import add_command
from nst.cli.tflog import import_tensorflow
from nst.cli.train import add_model_arguments
from nst.feedforward.data import find_photos, image_size
from nst.feedforward.modelfile import read_model_file
from nst.feedforward.origin import image_label, notice
from nst.feedforward.shapes import check_size
from nst.images import fit_longer_side
from nst.manifest import IMAGE_FORMATS, save_labelled_image


def _photos(arguments: list[str]) -> list[Path]:
    """The photo files: each argument a file, or a folder standing for its images."""
    photos: list[Path] = []
    for text in arguments:
        path = Path(text).expanduser()
        if path.is_dir():
            photos += find_photos(path, argument="PHOTO")
        elif not path.exists():
            raise UsageError(f"PHOTO {path}: no such file; check the path")
        else:
            photos.append(path)
    return photos


def _outputs(out: Path, photos: list[Path], single: bool) -> list[Path]:
    """Where each result goes: OUT itself (one photo, an image name) or OUT/<stem>.png."""
    if single:
        if out.suffix.lower() not in IMAGE_FORMATS:
            raise UsageError(
                f"output {out}: unsupported extension {out.suffix or '(none)'!r}; "
                f"use one of {', '.join(IMAGE_FORMATS)}"
            )
        if out.is_dir():
            raise UsageError(f"output {out}: is a folder; name an image file")
        targets = [out]
    else:
        if out.exists() and not out.is_dir():
            raise UsageError(
                f"output {out}: several results need a folder, and this is a file; "
                "choose a folder for -o"
            )
        targets = [out / f"{p.stem}.png" for p in photos]
        seen: dict[Path, Path] = {}
        for photo, target in zip(photos, targets, strict=True):
            if target in seen:
                raise UsageError(
                    f"PHOTO {photo} and {seen[target]} would both be written to "
                    f"{target}; rename one or apply them separately"
                )
            seen[target] = photo
    for target in targets:
        for photo in photos:
            if target.exists() and os.path.samefile(target, photo):
                raise UsageError(
                    f"output {target} would overwrite the input {photo}; choose another -o"
                )
    return targets


def apply_command(args: argparse.Namespace) -> int:
    """Check everything, then one forward pass per photo (or one texture)."""
    # 1. the model file and the photos, without TensorFlow
    meta, arrays = read_model_file(args.model)  # checked and read once
    arch, info = meta["architecture"], meta.get("info", {})
    out = args.output.expanduser()
    if arch["kind"] == "texture":
        if args.photos:
            raise UsageError(
                f"model {args.model} is a texture network: it takes no PHOTO "
                "(use --size and --seed)"
            )
        training = info.get("training")
        trained = training.get("size") if isinstance(training, dict) else None
        side = args.size or (trained if isinstance(trained, int) and trained > 0 else 256)
        check_size(arch, side, side, "--size", hint="ask for a larger --size")
        jobs = [(None, (side, side))]
        targets = _outputs(out, [], single=True)
    else:
        if not args.photos:
            raise UsageError(f"model {args.model} stylises photos: give at least one PHOTO")
        photos = _photos(args.photos)
        jobs = []
        for photo in photos:
            height, width = image_size(photo)
            if args.size:
                height, width = fit_longer_side(height, width, args.size)
            check_size(arch, height, width, f"PHOTO {photo}", hint="use a larger photo or --size")
            jobs.append((photo, (height, width)))
        single = len(args.photos) == 1 and not Path(args.photos[0]).is_dir()
        single = single and out.suffix.lower() in IMAGE_FORMATS
        targets = _outputs(out, photos, single)
    folder = targets[0].parent  # made (with its parents) once the network is loaded

    # 2. TensorFlow and the network
    import_tensorflow(verbose=args.verbose)
    select_device(args.device)
    from nst.feedforward.modelfile import model_from
    from nst.images import load_image, resize_image

    model = model_from(meta, arrays)
    folder.mkdir(parents=True, exist_ok=True)
    label = image_label(
        info,
        "nst-from-scratch (nst apply)",
        made_by=f"a network trained by nst train ({arch['kind']})",
    )
    label["Model"] = str(Path(args.model).expanduser().resolve())
    tag = f" [{notice(info)}]" if notice(info) else ""
    for (photo, (height, width)), target in zip(jobs, targets, strict=True):
        began = time.perf_counter()
        if photo is None:
            result = model.generate(height, width, seed=args.seed)
        else:
            image = load_image(photo)
            if image.shape[:2] != (height, width):
                image = resize_image(image, (height, width), copy=False)
            result = model.stylize(image)
        save_labelled_image(target, result, label)
        if not args.quiet:
            print(
                f"nst apply: wrote {target} ({width}x{height}, "
                f"{time.perf_counter() - began:.2f} s){tag}",
                file=sys.stderr,
            )
    return 0


def add_apply(commands) -> None:
    """The ``apply`` sub-command."""
    parser = add_command(
        commands,
        "apply",
        "stylise photos with a trained network, in one pass",
        "Run a network made by `nst train` on PHOTO(s) of any size (a folder: every image in "
        "it); OUT is an image for one photo, else a folder of OUT/<name>.png. A texture "
        "network takes no photos and writes one image of --size. TensorFlow uses a GPU by "
        "itself when it sees one.",
    )
    parser.add_argument("model", metavar="MODEL", help="a model file written by nst train (.npz)")
    parser.add_argument("photos", nargs="*", metavar="PHOTO", help="photo(s) or folder(s)")
    parser.add_argument(
        "--size",
        type=integer(1),
        default=None,
        metavar="N",
        help="longer side of each output, px (default: the photo's own; "
        "texture: the training size)",
    )
    parser.add_argument(
        "--seed",
        type=integer(0),
        default=0,
        metavar="N",
        help="texture networks: seed of the noise (default: 0)",
    )
    add_model_arguments(parser, "output image (one photo) or folder (several)", weights=False)
    parser.set_defaults(handler=apply_command)
