"""``nst layers``: every layer's name, Keras alias, output shape, receptive field and jump.

Without ``--weights`` it reads the VGG-19 architecture table (`vgg_mat.geometry.vgg19_layers`),
so it needs neither the weights file nor TensorFlow.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from nst.cli.arguments import image_size
from nst.cli.parser import add_command
from nst.cli.run import load_weights
from vgg_mat.architecture import IMAGE_SIZE
from vgg_mat.geometry import layer_table, vgg19_layers
from vgg_mat.names import keras_alias
from vgg_mat.standin import SYNTHETIC, locate_weights

#: ``nst layers`` without --size: the input size VGG-19 was trained at.
LAYERS_SIZE = (IMAGE_SIZE, IMAGE_SIZE)


def layers_command(args: argparse.Namespace) -> int:
    """``nst layers [--size H[,W]] [--weights PATH]``: names, aliases, shapes, fields."""
    height, width = args.size
    if args.weights is None:
        layers, source = vgg19_layers(), "the VGG-19 architecture (no weights file needed)"
    else:
        weights = load_weights(locate_weights(args.weights))
        layers, source = weights.layers, weights.label
    rows = layer_table(layers, height, width)
    aliases = keras_aliases([row.name for row in rows])
    print(f"network: {source}")
    print(f"input:   {height}x{width}x3")
    header = (
        f"{'layer':<9} {'keras':<13} {'kind':<7} {'output HxWxC':>14} {'RF':>9} {'jump':>6} "
        f"{'params':>13}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        rf, jump = row.receptive_field, row.jump
        rf_text = f"{rf[0]}" if rf[0] == rf[1] else f"{rf[0]}x{rf[1]}"
        jump_text = f"{jump[0]}" if jump[0] == jump[1] else f"{jump[0]}x{jump[1]}"
        shape = f"{row.height}x{row.width}x{row.channels}"
        print(
            f"{row.name:<9} {aliases.get(row.name, '-'):<13} {row.kind:<7} {shape:>14} "
            f"{rf_text:>9} {jump_text:>6} {row.params:>13,}"
        )
    if len(rows) < len(layers):
        print(f"({len(layers) - len(rows)} deeper layer(s) do not fit a {height}x{width} input)")
    return 0


def keras_aliases(names: Sequence[str]) -> dict[str, str]:
    """{file name: Keras name} for the layers Keras' VGG-19 has (`vgg_mat.names.keras_alias`).

    >>> keras_aliases(["conv4_2", "relu4_2", "fc7", "relu7"])
    {'relu4_2': 'block4_conv2', 'relu7': 'fc2'}
    """
    return {name: alias for name in names if (alias := keras_alias(name)) is not None}


def add_layers(commands) -> None:
    """The ``layers`` sub-command."""
    layers = add_command(
        commands,
        "layers",
        "list layer names, Keras aliases, output shapes and receptive fields",
        "Every layer of the network with its Keras alias (block4_conv2 = relu4_2), its output "
        "shape for an input of --size, its receptive field and jump in input pixels. Without "
        "--weights it uses the VGG-19 architecture table (no file needed).",
    )
    layers.add_argument(
        "--size",
        type=image_size,
        default=LAYERS_SIZE,
        metavar="H[,W]",
        help=f"input size (default: {LAYERS_SIZE[0]},{LAYERS_SIZE[1]})",
    )
    layers.add_argument("--weights", metavar="PATH", help=f"a .mat file, or '{SYNTHETIC}'")
    layers.set_defaults(handler=layers_command)
