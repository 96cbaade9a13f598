r"""The number format the network computes in, and whether this machine has a fast path for it.

The file's weights are float32. A `vgg_mat.VGG` built with ``precision="bfloat16"`` (or
``"float16"``) runs its layers in that format: the input is cast once, the kernels and biases
are stored in it, and every activation the caller asks for is cast back to float32, so that
what comes after (Gram matrices, losses, the optimiser) stays float32. Under
`tf.GradientTape` the gradient flows back through the same casts: d loss / d x is float32.

============  ==============  ====================================================
format        significand     what it costs and gains
============  ==============  ====================================================
float32       24 bits         the reference
bfloat16      8 bits          float32's exponent range: no overflow, ~3 digits;
                              fast where the hardware multiplies it (AVX512_BF16,
                              AMX on CPUs; GPUs of compute capability 8.0 and up)
float16       11 bits         more digits, range only to 65504; fast on GPUs of
                              compute capability 7.0 and up, not in TF's CPU kernels
============  ==============  ====================================================

Measured on this project's CPU (AMD EPYC with AVX512_BF16; VGG-19 to relu5_1, forward and
input gradient, 128 px): bfloat16 took 0.2-0.3x float32's time with oneDNN, **10x** with
oneDNN off (TensorFlow's generic kernels emulate bfloat16); float16 took 1.2x. Hence
`check_precision`: a format that would be slower than float32 by a wide margin is refused,
one that merely has no fast path is run with a warning (once).

float16's range ends at 65504, and the input gradient of a style loss is often larger (4.7e5
on a 64 px test image): `scaled_backward` runs the backward pass on gradients scaled into range
(dynamic loss scaling, with the scale taken from the upstream gradients themselves).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import tensorflow as tf

from vgg_mat.architecture import PRECISIONS

__all__ = [
    "PRECISIONS",
    "PrecisionWarning",
    "check_precision",
    "compute_dtype",
    "fast_path",
    "scaled_backward",
]

#: CPU feature flags (``/proc/cpuinfo``) with hardware bfloat16 dot products.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")

#: The least GPU compute capability with fast tensor cores for each reduced format.
GPU_CAPABILITY = {"bfloat16": (8, 0), "float16": (7, 0)}


class PrecisionWarning(UserWarning):
    """The requested precision runs, but this machine has no fast path for it."""


_warned: set[str] = set()  # precisions already warned about in this process


def compute_dtype(precision: str) -> tf.DType:
    """The TensorFlow dtype of a precision name (``"bfloat16"`` -> ``tf.bfloat16``).

    >>> compute_dtype("bfloat16").name
    'bfloat16'
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    return tf.as_dtype(precision)


def _cpu_flags() -> set[str] | None:
    """The CPU's feature flags, or None where ``/proc/cpuinfo`` does not exist (not Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def fast_path(precision: str) -> tuple[str, str]:
    """Whether this machine computes `precision` fast: ``(verdict, reason)``.

    Returns
    -------
    verdict : {"fast", "slow", "refuse"}
        ``fast``: hardware support (or float32); ``slow``: runs, probably no faster than
        float32; ``refuse``: measured many times slower than float32.
    reason : str
        One sentence for the user.
    """
    compute_dtype(precision)  # checks the name
    if precision == "float32":
        return "fast", "float32 is the reference format"
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        capability = tuple(details.get("compute_capability") or (0, 0))
        need = GPU_CAPABILITY[precision]
        if capability >= need:
            return "fast", f"GPU compute capability {capability[0]}.{capability[1]}"
        return "slow", (
            f"the GPU (compute capability {capability[0]}.{capability[1]}) has no fast "
            f"{precision}; {need[0]}.{need[1]} or newer has"
        )
    if precision == "float16":
        return "slow", "TensorFlow's CPU kernels have no fast float16 (measured 1.2x float32)"
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        return "refuse", (
            "oneDNN is off (TF_ENABLE_ONEDNN_OPTS=0), and TensorFlow's own CPU kernels emulate "
            "bfloat16 (measured 10x slower than float32)"
        )
    flags = _cpu_flags()
    if flags is None:
        return "slow", "cannot tell whether this CPU has bfloat16 instructions"
    if present := flags & set(BF16_CPU_FLAGS):
        return "fast", f"the CPU has {', '.join(sorted(present))}"
    return "refuse", (
        "this CPU has no bfloat16 instructions (avx512_bf16 or amx_bf16), and emulating them "
        "was measured 10x slower than float32"
    )


def check_precision(precision: str) -> str:
    """Refuse a precision this machine would run far slower than float32; warn on a slow one.

    Returns the precision. The warning (`PrecisionWarning`) is shown once per process.

    Raises
    ------
    ValueError
        For an unknown name, or a precision refused by `fast_path`, saying why and what to use.
    """
    verdict, reason = fast_path(precision)
    if verdict == "refuse":
        raise ValueError(
            f"precision {precision!r} refused: {reason}; use precision 'float32' here "
            "(or run on a machine with bfloat16 hardware)"
        )
    if verdict == "slow" and precision not in _warned:
        _warned.add(precision)
        warnings.warn(
            f"precision {precision!r} has no fast path here ({reason}): it runs, but "
            "probably no faster than float32",
            PrecisionWarning,
            stacklevel=2,
        )
    return precision


def scaled_backward(forward, x: tf.Tensor) -> tuple[tf.Tensor, ...]:
    r"""``forward(x)`` whose backward pass runs on gradients scaled into float16's range.

    Parameters
    ----------
    forward : callable
        ``x -> tuple of float32 tensors`` (the network, computing inside in float16).
    x : float32 tensor
        Its input.

    Returns
    -------
    tuple of tf.Tensor
        ``forward(x)``, unchanged. Only the gradient differs in how it is computed.

    Notes
    -----
    With upstream gradients :math:`g_l = \partial L / \partial y_l` (float32), the scale is
    :math:`s = 1 / \max_l \max |g_l|`; the float16 backward pass gets :math:`s\,g_l` (at most
    1 in size, so its intermediate values stay far below 65504 in practice) and the input
    gradient is divided by :math:`s` again in float32:

    .. math:: \frac{\partial L}{\partial x} = \frac{1}{s}
              \sum_l J_l(x)^\top (s\, g_l) .
    """

    @tf.custom_gradient
    def run(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = tuple(forward(x))

        def gradient(*upstream):
            largest = tf.reduce_max([tf.reduce_max(tf.abs(g)) for g in upstream])
            scale = tf.where(largest > 0, 1.0 / largest, 1.0)
            scaled = [g * scale for g in upstream]
            return tape.gradient(outputs, x, output_gradients=scaled) / scale

        return outputs, gradient

    return run(x)
