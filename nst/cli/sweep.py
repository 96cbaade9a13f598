"""``nst sweep CONTENT STYLE --style-weight 1e2,1e4,1e6 --tv-weight 0,1e-3 -o DIR``: a grid.

Any numeric setting takes a comma list, and each list of two or more values is an axis of the
grid; ``--style-layers`` and ``--content-layers`` take several layer sets
(``--style-layers relu1_1 relu1_1,relu2_1``). Every cell is one run (`nst.sweeps.sweep`: the
network, targets and compiled step built once per image size) and is measured
(`nst.metrics`). It writes, in DIR:

- ``cells/cell-NNN.png`` and ``cells/cell-NNN.json`` (the run manifest, with the metrics),
  each as soon as its cell ends;
- ``sheet.png`` (the contact sheet), ``tradeoff.png`` (style against content distance) and
  ``sweep.json`` (every cell's settings, status and metrics), at the end, or after Ctrl-C
  with the cells finished so far. A rerun skips every cell already written for the same
  settings.

Bad input (a bad list, more than 500 cells without ``--yes``, DIR an input's folder, a scheduler
that does not answer) exits 2 with one line, before TensorFlow loads.
"""

from __future__ import annotations

import argparse
import json
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
    same_settings,
    start_weights,
    write_result,
)
from nst.cli.parser import add_command
from nst.config import StylizeConfig
from nst.grid import comma_list, plan_sweep, value_text
from nst.manifest import SYNTHETIC_NOTICE, utc_now, write_json
from nst.memory import check_memory, output_shape
from nst.progress import sigterm_as_interrupt
from vgg_mat.standin import SYNTHETIC_WIDTH_DIVISOR, locate_weights

__all__ = ["add_sweep", "sweep_command"]

#: Settings a sweep takes as comma lists (each list of 2+ values is an axis).
NUMERIC = (o.SIZE, o.ITERATIONS, o.LEARNING_RATE, o.CONTENT_WEIGHT, o.STYLE_WEIGHT, o.TV_WEIGHT,
           o.SEED, o.STYLE_SCALE, o.STYLE_LAYER_WEIGHT_EXP)  # fmt: skip
#: Settings that take layer sets, several per flag.
LAYER_SETS = (o.CONTENT_LAYERS, o.STYLE_LAYERS)
#: Settings that stay one value for the whole sweep.
FIXED = (o.PRESET, o.OPTIMIZER, o.INIT, o.POOLING, o.LBFGS_ENGINE)


def axes_and_fixed(args: argparse.Namespace) -> tuple[dict, dict]:
    """The grid's axes (settings with 2+ values) and the settings given once."""
    axes, fixed = {}, {}
    for option in (*NUMERIC, *LAYER_SETS):
        values = getattr(args, option.field)
        if values is None:
            continue
        if len(set(map(value_text, values))) != len(values):
            raise UsageError(f"{option.flag}: a value is given twice; give it once")
        (axes if len(values) > 1 else fixed)[option.field] = (
            values if len(values) > 1 else values[0]
        )
    for option in FIXED:
        if getattr(args, option.field) is not None:
            fixed[option.field] = getattr(args, option.field)
    if not axes:
        raise UsageError(
            "nothing to sweep: give a setting two or more values, e.g. --style-weight 1e2,1e4,1e6"
        )
    return axes, fixed


def sweep_command(args: argparse.Namespace) -> int:
    """Plan and check the grid, run the cells, write each cell, the sheet, the plot, sweep.json."""
    # 1. files, lists and settings, before TensorFlow
    started = utc_now()
    content_path = Path(args.content).expanduser()
    style_paths = [style_path(s) for s in args.styles]
    content = read_image(content_path, "content")
    styles = [read_image(p, "style") for p in style_paths]
    axes, fixed = axes_and_fixed(args)
    init = fixed.get("init")
    if init is not None and init not in INIT_MODES:
        read_image(Path(init).expanduser(), "--init")
    folder = check_output_folder(args.output, [content_path, *style_paths])
    located = locate_weights(args.weights)
    cells, configs = plan_sweep(axes, StylizeConfig(**fixed), yes=args.yes)
    largest = max(configs, key=lambda c: output_shape(c, *content.shape[:2]))
    check_memory(*output_shape(largest, *content.shape[:2]), optimizer=largest.optimizer,
                 maxcor=largest.maxcor, argument="--size",
                 network_width=1 / SYNTHETIC_WIDTH_DIVISOR if located is None else 1.0)  # fmt: skip
    check_cluster(args)

    # 2. what is already there (a rerun), then TensorFlow and the weights
    cell_dir = folder / "cells"
    records: dict[int, dict] = {}
    for cell, config in zip(cells, configs, strict=True):
        manifest = cell_dir / f"{cell.name}.json"
        if manifest.is_file() and (cell_dir / f"{cell.name}.png").is_file():
            record = json.loads(manifest.read_text())
            if record.get("status") == "completed" and same_settings(record, config):
                records[cell.index] = record
    weights = start_weights(args, located)
    from nst.sweeps import sweep

    todo = [c for c in cells if c.index not in records]
    if records:
        print(f"nst sweep: {len(records)} of {len(cells)} cells already in {cell_dir}; "
              f"running the other {len(todo)}", file=sys.stderr)  # fmt: skip
    bar = StepBar(sum(configs[c.index].iterations for c in todo), "sweep", quiet=args.quiet)
    client = cluster_client(args)
    on_step = bar.add if client is not None else bar.step
    status, exit_status = "completed", 0
    try:
        with sigterm_as_interrupt():
            for cell, result in sweep(
                content, styles, weights=located if client and located else weights, grid=axes,
                config=StylizeConfig(**fixed), skip=records, on_step=on_step, client=client,
                yes=True,
            ):  # fmt: skip
                bar.note(cell.label)
                records[cell.index] = write_result(
                    "sweep", args, result, out=cell_dir / f"{cell.name}.png",
                    config=configs[cell.index], weights=weights, started=started,
                    content=(content_path, content), styles=list(zip(style_paths, styles,
                                                                     strict=True)),
                    extra={"cell": {"index": cell.index, "values": cell.values}},
                )  # fmt: skip
                if result.status != "completed":
                    exit_status = 1
    except KeyboardInterrupt as stop:
        status = "interrupted"
        exit_status = 143 if type(stop).__name__ == "Terminated" else 130
    finally:
        bar.close()
        if client is not None:
            client.close()
    summary = _finish(args, folder, axes, fixed, cells, records, weights, status)
    _report(args, summary, exit_status)
    return exit_status


def _finish(args, folder: Path, axes, fixed, cells, records, weights, status) -> dict:
    """sheet.png, tradeoff.png, sweep.json from the cells written so far."""
    from nst.images import load_image
    from nst.metrics import METRICS
    from nst.sheet import contact_sheet, tradeoff_plot
    from vgg_mat.atomic import write_atomic

    folder.mkdir(parents=True, exist_ok=True)
    rows, images, points, labels = [], {}, [], []
    for cell in cells:
        record = records.get(cell.index)
        image = folder / "cells" / f"{cell.name}.png"
        metrics = (record.get("metrics") or {}).get("metrics") if record else None
        row = {"index": cell.index, "name": cell.name, "values": cell.values,
               "status": record["status"] if record else "not run",
               "image": str(image.resolve()) if record else None, "metrics": metrics}  # fmt: skip
        rows.append(row)
        if record and record["output"].get("written"):
            images[cell.position] = load_image(image)
        if row["metrics"]:
            points.append((row["metrics"]["style_distance"], row["metrics"]["content_distance"]))
            labels.append(cell.label)
    title = f"nst sweep ({len(records)} of {len(cells)} cells)"
    figures = {"sheet": contact_sheet(axes, images, synthetic=weights, title=title)}
    if points:
        figures["tradeoff"] = tradeoff_plot(points, labels, synthetic=weights, title=title)
    for name, fig in figures.items():
        write_atomic(folder / f"{name}.png",
                     lambda stream, fig=fig: fig.savefig(stream, format="png", dpi=90))  # fmt: skip
    summary = {
        "command": "sweep", "argv": getattr(args, "argv", []), "status": status,
        "synthetic": bool(weights.synthetic),
        "notice": SYNTHETIC_NOTICE if weights.synthetic else None,
        "weights": weights.label, "axes": axes, "settings": fixed,
        "cells": rows, "metrics_meaning": METRICS,
        **{name: str((folder / f"{name}.png").resolve()) for name in ("sheet", "tradeoff")
           if name in figures},
    }  # fmt: skip
    write_json(folder / "sweep.json", summary)
    summary["folder"] = folder
    return summary


def _report(args, summary: dict, exit_status: int) -> None:
    cells = summary["cells"]
    done = sum(c["status"] == "completed" for c in cells)
    failed = [c["name"] for c in cells if c["status"] == "failed"]
    tag = f" [{SYNTHETIC_NOTICE.upper()}]" if summary["synthetic"] else ""
    text = f"nst sweep: {done} of {len(cells)} cells done in {summary['folder']}"
    if failed:
        text += f"; failed: {', '.join(failed)}"
    if summary["status"] == "interrupted":
        text += "; interrupted: rerun the same command to run the rest"
    if exit_status or not args.quiet:
        print(text + tag, file=sys.stderr)


def add_sweep(commands) -> None:
    """The ``sweep`` sub-command."""
    parser = add_command(
        commands,
        "sweep",
        "run a grid of settings, with a contact sheet and metrics",
        "A grid over numeric settings given as comma lists (--style-weight 1e2,1e4,1e6) and "
        "over layer sets (--style-layers relu1_1 relu1_1,relu2_1): one image and manifest per "
        "cell in DIR/cells/, measured with nst evaluate's metrics; DIR/sheet.png (the contact "
        "sheet, values on the axes), DIR/tradeoff.png (style against content distance) and "
        "DIR/sweep.json. A rerun skips the cells already done.",
    )
    parser.add_argument("content", metavar="CONTENT", help="content image")
    parser.add_argument("styles", nargs="+", metavar="STYLE", help="style image(s)")
    group = parser.add_argument_group("swept settings (a comma list each; 2+ values: an axis)")
    for option in NUMERIC:
        group.add_argument(option.flag, dest=option.field, type=comma_list(option.parse),
                           metavar="V1,V2,...", help=option.help)  # fmt: skip
    for option in LAYER_SETS:
        text = f"{option.help}; several sets: an axis"
        group.add_argument(option.flag, dest=option.field, type=option.parse, nargs="+",
                           metavar="LAYERS", help=text)  # fmt: skip
    fixed = parser.add_argument_group("fixed settings")
    for option in FIXED:
        fixed.add_argument(option.flag, dest=option.field, type=option.parse,
                           metavar=option.metavar, help=option.help)  # fmt: skip
    run = parser.add_argument_group("run")
    run.add_argument("-o", "--output", type=Path, required=True, metavar="DIR",
                     help="the sweep's folder (made if missing)")  # fmt: skip
    weights_option(run)
    run.add_argument("--yes", action="store_true", help="allow a grid of more than 500 cells")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_cluster_arguments(parser)
    parser.set_defaults(handler=sweep_command)
