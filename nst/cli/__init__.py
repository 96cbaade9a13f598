"""The `nst` command line: stylize, texture, reconstruct, demo, presets, layers, train, apply.

Thin on purpose: parse -> check the inputs -> `StylizeConfig` -> `nst.stylize_with_options` ->
progress bar, snapshots, output image, run manifest. No math lives here. One module a part:

- `arguments`  argument types: text -> value, checked without TensorFlow.
- `options`    one `Option` row per `StylizeConfig` setting, and each command's rows (how to add
  a setting is said there); the defaults shown in the help.
- `parser`     argparse with one-line errors, the help formatter, the run arguments.
- `checks`     input images, the output's name and folder, the device: before heavy work.
- `errors`     `UsageError`, `DemoError`, and how an error is told on stderr.
- `run`        ``stylize``, ``texture``, ``reconstruct``: one run each, the same way.
- `demo`, `presets`, `layers`: the other commands.
- `train`, `apply` a feed-forward network (`nst.feedforward`): train it, then run it.

Bad input (missing or unreadable image, an output that would overwrite an input, an unwritable
folder, a nonsensical number, an unknown preset or layer, a size beyond the memory) prints one
line on stderr and exits with status 2, before any heavy work: files, numbers, names and sizes
are checked before TensorFlow is imported, all before the weights are read. ``nst --help``,
``nst presets`` and ``nst layers`` never import TensorFlow.

Exit status: 0 done; 1 the loss became non-finite (the last good image is written) or an output
could not be written; 2 bad input; 130 interrupted by Ctrl-C, 143 by SIGTERM (the best image so
far is written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nst.cli.apply import add_apply
from nst.cli.batch import add_batch
from nst.cli.demo import add_demo
from nst.cli.errors import BAD_INPUT, error_message
from nst.cli.evaluate import add_evaluate
from nst.cli.layers import add_layers
from nst.cli.parser import PROG, HelpFormatter, Parser
from nst.cli.presets import add_presets
from nst.cli.run import add_reconstruct, add_stylize, add_texture
from nst.cli.sweep import add_sweep
from nst.cli.train import add_train
from vgg_mat.command import run_command

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The `nst` parser: every sub-command, in the order the help lists them."""
    parser = Parser(
        prog=PROG,
        description="Neural style transfer from first principles (VGG-19 from MatConvNet's .mat "
        "file, raw tf.nn ops).",
        formatter_class=HelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (add_stylize, add_demo, add_texture, add_reconstruct, add_presets, add_layers,
                add_train, add_apply):  # fmt: skip
        add(commands)
    for add in (add_evaluate, add_sweep, add_batch):  # the experiments (issue 14)
        add(commands)
    return parser


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
        (one line on stderr, no traceback); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM).
    """
    return run_command(
        build_parser(),
        list(sys.argv[1:] if argv is None else argv),
        errors=BAD_INPUT,
        interrupted="interrupted before the run started; no output written",
        message=error_message,
    )
