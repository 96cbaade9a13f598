"""The `vgg-mat` command line: inspect, verify, write, download and classify with VGG files.

The tools on top of the library: ``inspect`` (`vgg_mat.load`), ``verify``
(`vgg_mat.integrity`), ``synthetic`` (`vgg_mat.write_synthetic`), ``download``
(`vgg_mat.download`) and ``classify`` (`vgg_mat.classify`); no library module imports this one.

One `argparse` sub-parser and one ``_cmd_<name>(args) -> int`` function per subcommand; add a
subcommand by adding both (see `_build_parser`). Bad input (a broken file, a bad argument, an
existing output) prints one line on stderr and exits with status 2, never a traceback.

Exit status: 0 success; 1 `verify` on a readable file that is not an official one; 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from vgg_mat import integrity
from vgg_mat.architecture import LAYOUTS
from vgg_mat.classify import classify, format_predictions
from vgg_mat.command import integer_at_least, run_command
from vgg_mat.download import DownloadError, download
from vgg_mat.integrity import (
    OFFICIAL_MD5,
    OFFICIAL_SIZE,
    OFFICIAL_URL,
    UNVERIFIED,
    check_file,
    file_md5,
    official_entry,
)
from vgg_mat.matfile import load
from vgg_mat.standin import load_located, locate_weights
from vgg_mat.synthetic import write_synthetic
from vgg_mat.transfer import DEFAULT_MIN_SPEED, DEFAULT_SPEED_WINDOW
from vgg_mat.weights import MatFileError, VGGWeights


class UsageError(ValueError):
    """Bad command-line input that argparse cannot catch (e.g. an output that exists)."""


def _format_ints(values) -> str:
    return "-" if values is None else " ".join(str(v) for v in values)


def layer_table(weights: VGGWeights) -> list[str]:
    """Lines of a fixed-width table: index, name, kind, kernel shape, stride, pad, params.

    Parameters
    ----------
    weights : VGGWeights
        Loaded weights.

    Returns
    -------
    list of str
        A header line, then one line per layer in file order. A conv's kernel is
        ``KHxKWxC_inxC_out`` and its params ``KH*KW*C_in*C_out + C_out``; a pool shows its
        method and window.
    """
    lines = [
        f"{'#':>3}  {'name':<8} {'kind':<7} {'kernel/window':<16} {'stride':<7} "
        f"{'pad':<9} {'params':>12}"
    ]
    for index, layer in enumerate(weights.layers):
        if layer.kind == "conv":
            shape = "x".join(str(d) for d in layer.kernel.shape)
        elif layer.kind == "pool":
            shape = f"{layer.method} {layer.size[0]}x{layer.size[1]}"
        else:
            shape = "-"
        params = f"{layer.num_params:,}" if layer.kind == "conv" else "-"
        lines.append(
            f"{index:>3}  {layer.name:<8} {layer.kind:<7} {shape:<16} "
            f"{_format_ints(layer.stride):<7} {_format_ints(layer.pad):<9} {params:>12}"
        )
    return lines


def _cmd_inspect(args: argparse.Namespace) -> int:
    """``vgg-mat inspect FILE``: layout, checksum, label, layer table, totals, metadata."""
    weights = load(args.file)
    print(f"file:         {weights.source}")
    print(f"label:        {weights.label}")
    print(f"layout:       {weights.layout}")
    print(f"checksum:     {weights.checksum}")
    print(f"layers:       {len(weights.layers)}")
    print()
    for line in layer_table(weights):
        print(line)
    print()
    print(f"total parameters: {weights.num_params:,}")
    mean = (
        "none (no metadata in the file)"
        if weights.mean_rgb is None
        else "RGB " + " ".join(f"{v:.3f}" for v in weights.mean_rgb)
    )
    print(f"mean pixel:       {mean}")
    print(f"classes:          {len(weights.class_ids)}")
    size = "unknown" if weights.input_size is None else "x".join(map(str, weights.input_size))
    print(f"input size:       {size}")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    """``vgg-mat verify FILE``: size and MD5 against the published files (0 official, 1 not)."""
    path = Path(args.file)
    size = check_file(path)  # missing, HTML, git-lfs, truncated ... -> MatFileError (exit 2)
    md5 = file_md5(path)
    print(f"file: {path}")
    print(f"size: {size:,} bytes")
    print(f"md5:  {md5}")
    entry = official_entry(size, md5)
    if entry is not None:
        print(f"result: {entry.status} (size and MD5 match the published file)")
        return 0
    expected = "; ".join(
        f"{entry.status}: "
        + ("size unknown" if entry.size is None else f"{entry.size:,} bytes")
        + f", MD5 {entry.md5}"
        for entry in integrity.OFFICIAL_FILES.values()
    )
    if any(entry.size == size for entry in integrity.OFFICIAL_FILES.values()):
        # the published size with another MD5: what `vgg_mat.load` refuses as corrupt
        print(f"result: corrupt or edited (the published file's size, another MD5; "
              f"re-download it with `vgg-mat download`; expected {expected})")  # fmt: skip
        return 1
    print(f"result: {UNVERIFIED} (not a published file; expected {expected})")
    return 1


def _cmd_synthetic(args: argparse.Namespace) -> int:
    """``vgg-mat synthetic OUT``: write a miniature with random weights (refuses to overwrite)."""
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; give a file name for the output, e.g. {out}/vgg.mat")
    if out.exists() and not args.force:
        raise UsageError(f"{out}: already exists; pass --force to overwrite it")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such folder for the output; create it first")
    write_synthetic(
        out,
        layout=args.layout,
        width_divisor=args.width_divisor,
        num_classes=args.num_classes,
        seed=args.seed,
    )
    print(
        f"wrote {out} ({out.stat().st_size:,} bytes): SYNTHETIC RANDOM WEIGHTS, layout "
        f"{args.layout}, width divisor {args.width_divisor}, {args.num_classes} classes, "
        f"seed {args.seed}"
    )
    return 0


def _cmd_download(args: argparse.Namespace) -> int:
    """``vgg-mat download [--dest PATH] [--url URL] [--deadline S] [--min-speed KIB]``."""
    path = download(
        url=args.url, dest=args.dest, md5=OFFICIAL_MD5, size=OFFICIAL_SIZE,
        progress=not args.no_progress, deadline=args.deadline, min_speed=args.min_speed * 1024,
    )  # fmt: skip
    print(f"{path} ({path.stat().st_size:,} bytes, size and MD5 verified)")
    return 0


def add_download_command(subparsers) -> None:
    """Register ``vgg-mat download`` on an argparse sub-parsers object (handler in defaults)."""
    parser = subparsers.add_parser(
        "download",
        help="download imagenet-vgg-verydeep-19.mat (resumable, size + MD5 checked)",
        description=f"Download {OFFICIAL_URL} ({OFFICIAL_SIZE:,} bytes, MD5 {OFFICIAL_MD5}) "
        "to --dest (default $VGG_MAT_HOME or ~/.cache/vgg_mat/). Run again to resume an "
        "interrupted download. A mirror (--url or $VGG_MAT_URL) is accepted only if its MD5 "
        "matches.",
    )
    parser.add_argument("--dest", help="output file or folder (default: the cache)")
    parser.add_argument("--url", help="a mirror URL (default: $VGG_MAT_URL or the official one)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--deadline",
        type=integer_at_least(1),
        metavar="SECONDS",
        help="give up when the whole download takes longer (default: no deadline)",
    )
    parser.add_argument(
        "--min-speed",
        type=integer_at_least(0),
        default=DEFAULT_MIN_SPEED // 1024,
        metavar="KIB",
        help=f"give up when the speed averaged over {DEFAULT_SPEED_WINDOW:g} s is below KIB "
        f"KiB/s (default {DEFAULT_MIN_SPEED // 1024}; 0: no minimum); run again to resume",
    )
    parser.set_defaults(handler=_cmd_download)


def _cmd_classify(args: argparse.Namespace) -> int:
    """``vgg-mat classify IMAGE [--weights PATH] [--top K] [--both-layouts]``."""
    image = Path(args.image)
    if not image.is_file():
        raise FileNotFoundError(f"{image}: no such image file")
    weights = load_located(locate_weights(args.weights))  # a path, "synthetic", or looked up
    print(f"weights: {weights.label}")
    if weights.synthetic:
        print("WARNING: SYNTHETIC RANDOM WEIGHTS: the classes below mean nothing")
    print(f"image:   {image}")
    if not args.both_layouts:
        print("layout:  " + ("transposed (1, 0, 2, 3)" if weights.transposed_hw else "HWIO"))
        for line in format_predictions(classify(weights, image, top=args.top)):
            print(line)
        return 0
    faithful = format_predictions(classify(weights, image, top=args.top, transpose_hw=False))
    swapped = format_predictions(classify(weights, image, top=args.top, transpose_hw=True))
    width = max(len(line) for line in faithful + ["faithful HWIO (as stored)"]) + 3
    print(f"{'faithful HWIO (as stored)':<{width}}transposed (1, 0, 2, 3) (neural-style)")
    for left, right in zip(faithful, swapped, strict=True):
        print(f"{left:<{width}}{right}")
    return 0


def add_classify_command(subparsers) -> None:
    """Register ``vgg-mat classify`` on an argparse sub-parsers object (handler in defaults)."""
    parser = subparsers.add_parser(
        "classify",
        help="classify an image with the file's own fc6-fc8 (checks the kernel layout)",
        description="Resize/centre-crop IMAGE to 224x224 and print the top classes of the "
        "file's own classifier. Weights: --weights PATH, else $VGG19_MAT, else the cache "
        "(vgg-mat download); --weights synthetic uses the random miniature (meaningless classes).",
    )
    parser.add_argument("image", help="an image file (any format PIL reads)")
    parser.add_argument("--weights", help="the .mat file, or 'synthetic' for a random stand-in")
    parser.add_argument(
        "--top", type=integer_at_least(1), default=5, help="how many classes (default 5)"
    )
    parser.add_argument(
        "--both-layouts",
        action="store_true",
        help="print the top classes for the faithful and the transposed kernel layout",
    )
    parser.set_defaults(handler=_cmd_classify)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vgg-mat",
        description="Inspect, verify and write MatConvNet VGG weight files "
        "(imagenet-vgg-verydeep-19.mat).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    inspect = commands.add_parser("inspect", help="show the layers and metadata of a .mat file")
    inspect.add_argument("file", help="the .mat file")
    inspect.set_defaults(handler=_cmd_inspect)

    verify = commands.add_parser(
        "verify", help="check size and MD5 against the published files (exit 0 if official)"
    )
    verify.add_argument("file", help="the .mat file")
    verify.set_defaults(handler=_cmd_verify)

    synthetic = commands.add_parser(
        "synthetic", help="write a miniature with the real structure and random weights"
    )
    synthetic.add_argument("out", help="output .mat file")
    synthetic.add_argument("--layout", choices=LAYOUTS, default="2016")
    synthetic.add_argument(
        "--width-divisor",
        type=integer_at_least(1),
        default=1,
        help="divide channel widths (1: full)",
    )
    synthetic.add_argument(
        "--num-classes", type=integer_at_least(2), default=1000, help="fc8 outputs (>= 2)"
    )
    synthetic.add_argument("--seed", type=int, default=0)
    synthetic.add_argument("--force", action="store_true", help="overwrite an existing OUT")
    synthetic.set_defaults(handler=_cmd_synthetic)

    add_download_command(commands)
    add_classify_command(commands)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `vgg-mat` with `argv` (default ``sys.argv[1:]``); return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments without the program name.

    Returns
    -------
    int
        0 on success, 1 when `verify` finds a readable but unofficial file, 2 for bad input
        (one line on stderr, no traceback), 130 for Ctrl-C (`vgg_mat.command.run_command`).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    errors = (DownloadError, MatFileError, OSError, ValueError)
    return run_command(_build_parser(), argv, errors=errors, interrupted="interrupted")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
