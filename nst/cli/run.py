"""``nst stylize``, ``nst texture``, ``nst reconstruct``: one run each, the same way.

A command turns its arguments into a `Job` (inputs, `StylizeConfig` overrides) and hands it to
`run`: check the files and numbers (no TensorFlow), resolve the settings and load the weights,
then follow `nst.pipeline.stylize_with_options` with a progress bar, writing snapshots, the
output image (atomically), the plot and the manifest (`nst.manifest`).

- A run writes OUT, OUT with ``.json`` (the manifest), optional snapshots ``<stem>.0050.png``
  and ``<stem>.losses.png`` next to it, and nothing else.
- A missing output folder is made (with its parents) once the inputs and settings are checked.
- Exit status: 0 done; 1 the loss became non-finite (the last good image is written) or an
  output could not be written; 2 bad input; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM):
  the best image so far is written and the manifest says which signal stopped the run.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nst.atomic import write_atomic
from nst.choices import INIT_MODES  # no TensorFlow: --init is checked before it loads
from nst.cli.checks import (
    check_output,
    make_folder,
    plot_path,
    read_image,
    select_device,
    snapshot_path,
    style_path,
)
from nst.cli.errors import UsageError
from nst.cli.options import RECONSTRUCT_OPTIONS, STYLIZE_OPTIONS, TEXTURE_OPTIONS, Option
from nst.cli.parser import PROG, add_command, add_options, add_run_arguments
from nst.cli.tflog import import_tensorflow
from nst.config import StylizeConfig, resolve_config
from nst.manifest import (
    SYNTHETIC_NOTICE,
    finish_manifest,
    image_label,
    manifest_path,
    run_manifest,
    save_labelled_image,
    step_label,
    utc_now,
    write_json,
)
from nst.memory import check_memory, output_shape
from nst.progress import (
    Outcome,
    ProgressBar,
    RunHistory,
    follow,
    format_losses,
    sigterm_as_interrupt,
)
from nst.samples import sample_content_path, sample_style_path
from vgg_mat.architecture import DEFAULT_CONTENT_LAYERS
from vgg_mat.standin import SYNTHETIC, SYNTHETIC_WIDTH_DIVISOR, load_located, locate_weights


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


def overrides(args: argparse.Namespace, options: Sequence[Option]) -> dict[str, Any]:
    """The `StylizeConfig` fields the command line gave (those not given are left out)."""
    return {o.field: getattr(args, o.field) for o in options if getattr(args, o.field) is not None}


def load_weights(located: Path | None):
    """`vgg_mat.standin.load_located`: the file found, or (None) the synthetic miniature."""
    try:
        return load_located(located)
    except OSError:
        if located is not None:
            raise
        raise UsageError(
            f"--weights {SYNTHETIC}: cannot write the miniature in the cache or /tmp"
        ) from None


def _synthetic_banner(weights) -> str:
    rule = "!" * 78
    return (
        f"{rule}\n!! SYNTHETIC RANDOM WEIGHTS: {weights.source}\n"
        "!! A miniature VGG-19 with random He-normal weights, NOT the trained network.\n"
        f"!! Everything written is labelled '{SYNTHETIC_NOTICE}'.\n"
        "!! For real results get the weights: vgg-mat download\n"
        f"{rule}"
    )


@contextlib.contextmanager
def _no_interrupts():
    """Ignore Ctrl-C and SIGTERM while the final files are written (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _say(args: argparse.Namespace, text: str, *, always: bool = False) -> None:
    if always or not args.quiet:
        print(text, file=sys.stderr, flush=True)


def _check_inputs(job: Job, styles: list, weights_path: Path | None, args) -> Path:
    """Read the option images (``--init``, ``--style-mask``), check the counts; return OUT."""
    inputs = [job.content, *job.styles]
    for option in (o for o in job.options if o.image and o.field in job.overrides):
        value = job.overrides[option.field]
        paths = []
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is None or (isinstance(item, str) and item in INIT_MODES):
                paths.append(item)
                continue
            path = Path(item).expanduser()
            read_image(path, option.flag)
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
    return check_output(args.output, inputs, snapshots=args.save_every is not None)


def run(job: Job, args: argparse.Namespace, weights_path: Path | None) -> int:
    """Check everything, run `stylize_with_options`, write OUT, snapshots, plot and manifest."""
    # 1. files and numbers, before TensorFlow
    started, started_at = time.perf_counter(), utc_now()
    content = read_image(job.content, "content" if job.command != "texture" else "style")
    styles = [read_image(p, "style") for p in job.styles]
    out = _check_inputs(job, styles, weights_path, args)
    config = resolve_config(StylizeConfig(), **job.overrides)  # ValueError: unknown name, ...
    height, width = output_shape(config, *content.shape[:2])
    check_memory(height, width, optimizer=config.optimizer, maxcor=config.maxcor,
                 network_width=1 / SYNTHETIC_WIDTH_DIVISOR if weights_path is None else 1.0,
                 argument="--size")  # fmt: skip

    # 2. TensorFlow (its log lines hidden unless --verbose), then the weights
    import_tensorflow(verbose=args.verbose)
    select_device(args.device)
    from nst.multiscale import expected_steps, schedule
    from nst.pipeline import stylize_with_options

    weights = load_weights(weights_path)
    steps = stylize_with_options(
        content, styles or None, weights=weights, config=config
    )  # ValueError here: a layer the file lacks, an image too small for a layer, ...

    if weights.synthetic:
        print(_synthetic_banner(weights), file=sys.stderr, flush=True)

    # 3. the run
    record = run_manifest(
        job.command,
        argv=getattr(args, "argv", []),
        started=started_at,
        config=config,
        weights=weights,
        output=out,
        # texture: the style image only sets the output's shape
        content=None if job.command == "texture" else (job.content, content),
        styles=list(zip(job.styles, styles, strict=True)),
        run={
            "save_every": args.save_every,
            "plot": args.plot,
            "device": args.device,
            "quiet": args.quiet,
        },
    )
    make_folder(out)
    write_json(manifest_path(out), record)
    label = image_label(job.command, weights, program=PROG)

    snapshots: list[str] = []
    total = expected_steps(config, *content.shape[:2])  # steps of every --scales stage
    counter = itertools.count()  # steps seen: numbers the snapshots across --scales stages

    def snapshot(step) -> None:
        number = next(counter) if config.scales is not None else step.iteration
        if args.save_every and number and number % args.save_every == 0:
            path = snapshot_path(out, number, total - 1)
            save_labelled_image(path, step.image, step_label(label, step))
            snapshots.append(str(path.resolve()))

    stages = 1  # step 0 of each stage is a starting image, not an iteration
    if config.scales is not None:
        plan = schedule(config, *content.shape[:2], config.scales, config.scale_iterations)
        stages = len(plan[1])
    bar = ProgressBar(total - stages, job.command, quiet=args.quiet)
    with sigterm_as_interrupt():
        outcome = follow(steps, bar, snapshot)
    with _no_interrupts():
        _finish(outcome, record, out, label, args.plot, weights, started)
        record["snapshots"] = snapshots
        write_json(manifest_path(out), record)
    _report(args, job, out, outcome, weights)
    return outcome.exit_status


def _finish(outcome: Outcome, record: dict, out: Path, label, plot: bool, weights, started) -> None:
    """Write the image to keep and the plot; complete the manifest `record` (not written)."""
    written = False
    if outcome.keep is not None:
        try:
            save_labelled_image(out, outcome.keep.image, step_label(label, outcome.keep))
            written = True
        except (OSError, ValueError) as error:
            outcome.status, outcome.exit_status, outcome.keep = "failed", 1, None
            outcome.message = f"could not write {out}: {error}"
    history = outcome.history
    plot_file = _write_plot(out, history, weights) if plot and history.records else None
    finish_manifest(
        record,
        outcome,
        written=written,
        plot=plot_file,
        wall_time_s=time.perf_counter() - started,
    )


def _write_plot(out: Path, history: RunHistory, weights) -> Path:
    from nst.plots import plot_losses

    fig = plot_losses(history.records, synthetic=weights)
    path = plot_path(out)
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
        text = f"{name}: {outcome.message} before the first iteration; wrote {manifest_path(out)}"
        _say(args, text, always=True)
    elif outcome.status == "interrupted":
        text = (
            f"{name}: {outcome.message} after {len(outcome.history.records)} step(s); wrote "
            f"the best image so far (iteration {keep.iteration}, total "
            f"{keep.losses['total']:.4g}) to {where}{tag}"
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
# the commands


def stylize_command(args: argparse.Namespace) -> int:
    """``nst stylize [CONTENT] [STYLE ...] -o OUT``."""
    content = Path(args.content).expanduser() if args.content else sample_content_path()
    styles = [style_path(s) for s in args.styles] or [sample_style_path()]
    job = Job("stylize", content, styles, overrides(args, STYLIZE_OPTIONS), STYLIZE_OPTIONS)
    return run(job, args, locate_weights(args.weights))


def texture_command(args: argparse.Namespace) -> int:
    """``nst texture STYLE -o OUT``: style only, from noise."""
    style = style_path(args.style)
    given = overrides(args, TEXTURE_OPTIONS)
    given.update(content_weight=0.0, content_layers=())
    job = Job("texture", style, [style], given, TEXTURE_OPTIONS)
    return run(job, args, locate_weights(args.weights))


def reconstruct_command(args: argparse.Namespace) -> int:
    """``nst reconstruct CONTENT --layer L -o OUT``: content only, from noise."""
    given = overrides(args, RECONSTRUCT_OPTIONS)
    given.update(style_weight=0.0, style_layers=())
    job = Job("reconstruct", Path(args.content).expanduser(), [], given, RECONSTRUCT_OPTIONS)
    return run(job, args, locate_weights(args.weights))


def add_stylize(commands) -> None:
    """The ``stylize`` sub-command."""
    stylize = add_command(
        commands,
        "stylize",
        "paint CONTENT in the style of STYLE",
        "Stylise CONTENT with one or more STYLE images (Gatys et al.). Without images: the "
        "sample photo (grace_hopper.jpg) and the sample style 'swirls'. A STYLE may also be a "
        "sample name: swirls, stained_glass, op_art, pointillist.",
    )
    stylize.add_argument("content", nargs="?", metavar="CONTENT", help="content image")
    stylize.add_argument("styles", nargs="*", metavar="STYLE", help="style image(s)")
    add_options(stylize, STYLIZE_OPTIONS)
    add_run_arguments(stylize, output_default=None)
    stylize.set_defaults(handler=stylize_command)


def add_texture(commands) -> None:
    """The ``texture`` sub-command."""
    texture = add_command(
        commands,
        "texture",
        "synthesise a texture from STYLE alone",
        "Gatys' texture synthesis: start from noise and match only STYLE's Gram matrices "
        "(content weight 0). The output has STYLE's size unless --size says otherwise.",
    )
    texture.add_argument("style", metavar="STYLE", help="style image (or a sample name)")
    add_options(texture, TEXTURE_OPTIONS, init="noise")
    add_run_arguments(texture, output_default=None)
    texture.set_defaults(handler=texture_command)


def add_reconstruct(commands) -> None:
    """The ``reconstruct`` sub-command."""
    reconstruct = add_command(
        commands,
        "reconstruct",
        "show what a layer keeps of CONTENT",
        "Feature inversion: start from noise and match only CONTENT's activations at --layer "
        "(style weight 0). Shallow layers keep the pixels, deep ones only the arrangement.",
    )
    reconstruct.add_argument("content", metavar="CONTENT", help="content image")
    add_options(
        reconstruct, RECONSTRUCT_OPTIONS, init="noise", content_layers=DEFAULT_CONTENT_LAYERS
    )
    add_run_arguments(reconstruct, output_default=None)
    reconstruct.set_defaults(handler=reconstruct_command)
