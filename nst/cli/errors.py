"""The `nst` command line's errors, and how each is told on stderr.

Bad input exits with status 2 and one line ``nst COMMAND: error: MESSAGE``, before any heavy
work where possible; `DemoError` is the one message of several lines (how to get the weights).
"""

from __future__ import annotations


class UsageError(ValueError):
    """Bad command-line input that argparse cannot see (files, paths, combinations)."""


class DemoError(RuntimeError):
    """`nst demo` cannot get the weights; the message explains how to get them."""


#: What `nst` reports as bad input (status 2); a KeyError is an unknown name.
BAD_INPUT = (DemoError, UsageError, OSError, ValueError, KeyError)


def error_message(error: BaseException) -> str:
    """The text after ``nst COMMAND: error: ``: one line (a `DemoError` keeps its lines).

    Examples
    --------
    >>> error_message(KeyError("relu9_9"))
    'relu9_9'
    >>> error_message(ValueError("output x.gif:\\n  unsupported"))
    'output x.gif: unsupported'
    """
    if isinstance(error, DemoError):
        return "\n".join(str(error).splitlines())
    return " ".join(str(error).strip("'\"").split()) or type(error).__name__
