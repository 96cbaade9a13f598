"""What both command lines (`vgg-mat`, `nst`) share: the way a command is run, and a type.

- `run_command`       parse the arguments, call the command's handler, and turn what goes
  wrong into one line on stderr and an exit status: 2 for bad input (no traceback), 1 for a
  closed pipe (``nst presets | head``), 130 for Ctrl-C. The handler returns a normal run's.
  A Python warning during the command is one line too (``nst stylize: warning: ...``).
- `integer_at_least`  the argparse type of a whole number with a lower bound (``--size``).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Sequence

__all__ = ["integer_at_least", "one_line", "run_command"]


def integer_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer >= `minimum` (else `argparse.ArgumentTypeError`).

    Examples
    --------
    >>> integer_at_least(1)("48")
    48
    >>> integer_at_least(1)("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be an integer >= 1, got 0
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text}")
        return value

    return parse


def one_line(error: BaseException) -> str:
    """The error's message with its white space folded to single spaces (or its type's name).

    Examples
    --------
    >>> one_line(ValueError("no such file:\\n  x.png"))
    'no such file: x.png'
    >>> one_line(OSError())
    'OSError'
    """
    return " ".join(str(error).split()) or type(error).__name__


def run_command(
    parser: argparse.ArgumentParser,
    argv: Sequence[str],
    *,
    errors: tuple[type[BaseException], ...],
    interrupted: str,
    message: Callable[[BaseException], str] = one_line,
) -> int:
    """Parse `argv` and run ``args.handler(args)``; return the exit status.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        Sub-commands set ``handler`` (and ``command``, the sub-command's name).
    argv : sequence of str
        The arguments without the program name; also kept as ``args.argv``.
    errors : tuple of exception types
        Bad input: ``PROG COMMAND: error: MESSAGE`` on stderr and status 2.
    interrupted : str
        Said after ``PROG COMMAND: `` when Ctrl-C stops the handler (status 130).
    message : callable
        The text of a bad-input error (default `one_line`; it may hold several lines).

    Returns
    -------
    int
        The handler's status; argparse's (0 after ``--help``, 2 after a usage error, which it
        has printed); 1 on a closed stdout pipe; 2 for `errors`; 130 for Ctrl-C.
    """
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the help, or one error line
        return int(exc.code or 0)
    args.argv = list(argv)
    name = f"{parser.prog} {args.command}"

    def show(text, category, *_args, **_kwargs) -> None:
        print(f"{name}: warning: {one_line(Warning(text))}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = show
            return args.handler(args)
    except BrokenPipeError:  # e.g. `nst presets | head`: stop quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (interpreter exit flushes it)
        return 1
    except errors as error:
        print(f"{name}: error: {message(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{name}: {interrupted}", file=sys.stderr)
        return 130
