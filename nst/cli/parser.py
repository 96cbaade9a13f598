"""The parts every `nst` command's parser is made of.

- `Parser`           argparse with one-line errors (``nst stylize: error: ... (see nst stylize
  --help)``) and the exit status 2.
- `HelpFormatter`    appends each setting's library default to its help (`describe_default`).
- `add_command`      a sub-command with that formatter.
- `add_options`      a command's `Option` rows (the `StylizeConfig` settings).
- `add_run_arguments` what every run takes besides its settings: -o, --weights, --save-every,
  --plot, --quiet, --verbose, --device.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

from nst.cli.arguments import integer
from nst.cli.options import Option, describe_default
from nst.cli.tflog import TF_LOG_VARIABLE
from nst.manifest import SYNTHETIC_NOTICE
from vgg_mat.standin import SYNTHETIC

#: The program's name, in its messages.
PROG = "nst"

#: ``--device``: leave TensorFlow's choice, hide the GPU, or insist on one.
DEVICES = ("auto", "cpu", "gpu")


def add_command(commands, name: str, help_text: str, description: str) -> argparse.ArgumentParser:
    """Sub-command `name` of `commands` (``parser.add_subparsers()``), with `HelpFormatter`."""
    return commands.add_parser(
        name, help=help_text, description=description, formatter_class=HelpFormatter
    )


class HelpFormatter(argparse.HelpFormatter):
    """Appends each config option's library default to its help (computed only for --help)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        config_field = getattr(action, "config_field", None)
        if config_field is not None:
            default = describe_default(config_field, action.default)
            text += f" (default: {default})".replace("%", "%%")
        return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        # never break inside "tf-tutorial" or "--preset"
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


#: What argparse takes for a value, not an option, after a flag: any number with a minus sign
#: (argparse's own pattern misses ``-1e-3`` and ``-inf``), so ``--tv-weight -1e-3`` reaches the
#: option's own check and its message.
NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$", re.I)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``nst stylize: error: ... (see nst stylize --help)``.

    Negative numbers in every notation are values (`NEGATIVE_NUMBER`); sub-command parsers are
    `Parser` too.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_NUMBER

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_options(parser: argparse.ArgumentParser, options: Sequence[Option], **defaults) -> None:
    group = parser.add_argument_group("settings (StylizeConfig fields)")
    for option in options:
        default = defaults.get(option.field)
        if option.parse is None:
            action = group.add_argument(
                option.flag, dest=option.field, action="store_true", default=None, help=option.help
            )
        else:
            action = group.add_argument(
                option.flag,
                dest=option.field,
                action="append" if option.repeat else "store",
                type=option.parse,
                default=default,
                metavar=option.metavar,
                help=option.help,
            )
        action.config_field = option.field


def add_run_arguments(parser: argparse.ArgumentParser, *, output_default: Path | None) -> None:
    group = parser.add_argument_group("run")
    group.add_argument(
        "-o",
        "--output",
        required=output_default is None,
        default=output_default,
        type=Path,
        metavar="OUT",
        help="output image (.png, .jpg, .jpeg); the manifest is OUT with .json"
        + (f" (default: {output_default})" if output_default else ""),
    )
    group.add_argument(
        "--weights",
        metavar="PATH",
        help="imagenet-vgg-verydeep-19.mat (default: $VGG19_MAT, then the cache "
        f"$VGG_MAT_HOME or ~/.cache/vgg_mat/); '{SYNTHETIC}': a random miniature, output "
        f"labelled '{SYNTHETIC_NOTICE}'",
    )
    group.add_argument(
        "--save-every", type=integer(1), metavar="N", help="write OUT-stem.0050.png every N"
    )
    group.add_argument("--plot", action="store_true", help="write the loss curves, stem.losses.png")
    group.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    group.add_argument(
        "--verbose",
        action="store_true",
        help=f"show TensorFlow's own log lines (hidden by default; also ${TF_LOG_VARIABLE}=1)",
    )
    group.add_argument(
        "--device",
        choices=DEVICES,
        default="auto",
        help="cpu hides any GPU from TensorFlow; gpu insists on one (default: auto)",
    )
