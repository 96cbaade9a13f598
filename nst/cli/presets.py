"""``nst presets [NAME ...]``: each preset's source, loss formula and settings (no TensorFlow)."""

from __future__ import annotations

import argparse

from nst.cli.parser import add_command
from nst.formulas import preset_lines
from nst.presets import PRESETS, get_preset


def presets_command(args: argparse.Namespace) -> int:
    """Print the presets named (all of them without names), a blank line between two."""
    presets = [get_preset(name) for name in args.names] or list(PRESETS.values())
    for i, preset in enumerate(presets):
        if i:
            print()
        print("\n".join(preset_lines(preset)))
    return 0


def add_presets(commands) -> None:
    """The ``presets`` sub-command."""
    presets = add_command(
        commands,
        "presets",
        "list the presets with their sources and formulas",
        "Each preset reproduces one published implementation's settings and loss formulas.",
    )
    presets.add_argument("names", nargs="*", metavar="NAME", help="only these presets")
    presets.set_defaults(handler=presets_command)
