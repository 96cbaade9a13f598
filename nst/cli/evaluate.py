"""``nst evaluate IMAGE --content C --style S``: download-free metrics, as JSON on stdout.

The numbers and their formulas are `nst.metrics`'. Made with synthetic weights, the JSON says
so (``synthetic``, ``notice``): distances in a random network's feature space, not quality
judgements. Files are checked before TensorFlow loads; bad input exits 2 with one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nst.cli.checks import read_image, style_path
from nst.cli.parser import add_command
from vgg_mat.standin import SYNTHETIC, locate_weights

__all__ = ["add_evaluate", "evaluate_command", "weights_option"]


def weights_option(parser: argparse.ArgumentParser) -> None:
    """``--weights PATH|synthetic`` (the experiments' commands share it)."""
    parser.add_argument(
        "--weights",
        metavar="PATH",
        help="imagenet-vgg-verydeep-19.mat (default: $VGG19_MAT, then the cache); "
        f"'{SYNTHETIC}': a random miniature, everything labelled as such",
    )


def evaluate_command(args: argparse.Namespace) -> int:
    """Check the files, load the weights, print the metrics as one JSON object."""
    image_path = Path(args.image).expanduser()
    content_path = Path(args.content).expanduser()
    styles = [style_path(s) for s in args.style]
    image = read_image(image_path, "image")
    content = read_image(content_path, "content")
    style_images = [read_image(p, "style") for p in styles]
    located = locate_weights(args.weights)

    from nst.cli.run import load_weights
    from nst.cli.tflog import import_tensorflow

    import_tensorflow(verbose=False)
    from nst.metrics import METRICS, evaluate

    weights = load_weights(located)
    result = evaluate(image, content=content, style=style_images, weights=weights)
    report = {
        "image": str(image_path.resolve()),
        "content": str(content_path.resolve()),
        "styles": [str(p.resolve()) for p in styles],
        **result,
        "meaning": METRICS,
    }
    print(json.dumps(report, indent=1, allow_nan=True))
    if weights.synthetic:
        print(f"nst evaluate: {result['notice']}", file=sys.stderr)
    return 0


def add_evaluate(commands) -> None:
    """The ``evaluate`` sub-command."""
    parser = add_command(
        commands,
        "evaluate",
        "metrics of a stylised IMAGE against its content and style (JSON)",
        "Download-free metrics: Gatys' style distance and a mean-and-covariance distance at "
        "relu1_1..relu5_1, a content distance at relu4_2, SSIM of the luminance against the "
        "content and a colour-histogram distance against the style. Lower is closer (SSIM: 1 "
        "is identical). With synthetic weights the numbers are not quality judgements, and the "
        "JSON says so. Formulas: docs/experiments.md.",
    )
    parser.add_argument("image", metavar="IMAGE", help="the stylised image")
    parser.add_argument("--content", required=True, metavar="C", help="the content image")
    parser.add_argument(
        "--style", required=True, action="append", metavar="S",
        help="the style image (or a sample name); repeat for several (equal blend)",
    )  # fmt: skip
    weights_option(parser)
    parser.set_defaults(handler=evaluate_command)
