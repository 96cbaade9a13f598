"""TensorFlow imported without its log lines, unless the user asks for them.

TensorFlow's C++ side writes 5-7 lines to stderr on every start (oneDNN, "Could not find cuda
drivers", CPU instructions, absl's "All log messages before absl::InitializeLog()", the
``failed call to cuInit`` error), some of them twice and in the middle of the progress bar.
``TF_CPP_MIN_LOG_LEVEL=3`` hides what TensorFlow logs once its logging is set up (cuInit
included), but not the lines absl writes while the shared libraries load; so the import itself
runs with file descriptor 2 sent to a temporary file, and whatever it wrote that is not such a
log line is passed on to stderr. ``--verbose`` or ``$NST_TF_LOG=1`` leaves everything as
TensorFlow (and ``TF_CPP_MIN_LOG_LEVEL``, if set) does it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

__all__ = ["TF_LOG_VARIABLE", "import_tensorflow", "is_tf_log_line"]

#: The environment variable that asks for TensorFlow's log lines (``NST_TF_LOG=1``).
TF_LOG_VARIABLE = "NST_TF_LOG"

#: A line of absl/TensorFlow's C++ logging (``I0000 00:00:17.. 123 port.cc:153] ...``), its
#: start-up notice, or the continuation of the CPU-instructions message.
_LOG_LINE = re.compile(
    r"^([IWEF]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.-]+:\d+\]|WARNING: All log messages before absl"
    r"|To enable the following instructions:)"
)


def is_tf_log_line(line: str) -> bool:
    """Whether `line` is one of TensorFlow's C++ log lines.

    >>> is_tf_log_line("E0000 00:00:1796302404.123458   20928 cuda_platform.cc:52] failed")
    True
    >>> is_tf_log_line("nst stylize: error: --size: must be an integer >= 1, got 0")
    False
    """
    return bool(_LOG_LINE.match(line))


def wanted(verbose: bool) -> bool:
    """Whether the user asked for TensorFlow's logs (``--verbose``, or ``$NST_TF_LOG`` set to
    anything but empty, 0, no, false)."""
    flag = os.environ.get(TF_LOG_VARIABLE, "").strip().lower()
    return verbose or flag not in ("", "0", "no", "false")


@contextlib.contextmanager
def _stderr_filtered():
    """Send file descriptor 2 to a temporary file; afterwards pass on what is not a log line."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines() if line and not is_tf_log_line(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr, flush=True)


def import_tensorflow(*, verbose: bool = False) -> None:
    """Import TensorFlow now, quietly unless `verbose` (see the module doc); idempotent."""
    if "tensorflow" in sys.modules:
        return
    if wanted(verbose):
        import tensorflow  # noqa: F401

        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    with _stderr_filtered():
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
