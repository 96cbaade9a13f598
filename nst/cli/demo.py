"""``nst demo``: `nst stylize` on the sample images, with the real weights (downloaded once)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nst.cli.errors import DemoError
from nst.cli.options import STYLIZE_OPTIONS
from nst.cli.parser import add_command, add_options, add_run_arguments
from nst.cli.run import Job, overrides, run
from nst.samples import sample_content_path, sample_style_path
from vgg_mat.download import (
    OFFICIAL_MD5,
    OFFICIAL_SIZE,
    OFFICIAL_URL,
    DownloadError,
    WeightsNotFoundError,
    default_path,
    download,
)
from vgg_mat.standin import locate_weights

#: `nst demo`'s output and the settings it changes (everything else: the library defaults).
DEMO_OUTPUT = Path("out") / "demo.png"
DEMO_SETTINGS = {"size": 400, "iterations": 300}


def demo_command(args: argparse.Namespace) -> int:
    """``nst demo``: the samples, with the real weights (downloaded on first use)."""
    if args.weights is None:
        weights_path = demo_weights(quiet=args.quiet)
    else:
        weights_path = locate_weights(args.weights)
    if args.output == DEMO_OUTPUT:
        DEMO_OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    given = overrides(args, STYLIZE_OPTIONS)
    job = Job("demo", sample_content_path(), [sample_style_path()], given, STYLIZE_OPTIONS)
    return run(job, args, weights_path)


def demo_weights(*, quiet: bool) -> Path:
    """$VGG19_MAT or the cache, else download into the cache; DemoError with the way out."""
    try:
        return locate_weights()
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


def add_demo(commands) -> None:
    """The ``demo`` sub-command."""
    demo = add_command(
        commands,
        "demo",
        "stylize the sample images (downloads the weights on first use)",
        "The main job on the sample images, into out/demo.png. Without --weights, the real "
        "weights are looked up ($VGG19_MAT, the cache) and downloaded on first use "
        "(`vgg-mat download`, with a progress bar). Settings as `nst stylize`; the demo uses "
        + ", ".join(f"--{k} {v}" for k, v in DEMO_SETTINGS.items())
        + " unless told otherwise.",
    )
    add_options(demo, STYLIZE_OPTIONS, **DEMO_SETTINGS)
    add_run_arguments(demo, output_default=DEMO_OUTPUT)
    demo.set_defaults(handler=demo_command)
