"""Is this network possible? The loader's checks on the layers it read.

`vgg_mat.matfile.load` reads each layer by field name, then asks this module whether the layer
can run at all, so that an impossible file is refused when it is loaded, with the file, the
layer and the field, rather than failing later inside TensorFlow (a stride of 0 divides by zero
in the output-size arithmetic, a pad of 10^9 asks for an image of terabytes):

- `check_geometry`: strides and pooling windows at least 1, kernels with no empty axis, pads
  at least 0 and smaller than the window (the kernel of a conv, the pooling window of a pool);
- `check_names`: every layer has a name, and no two layers share one (layers are looked up by
  name: a duplicate would make ``relu4_2`` mean whichever comes first);
- `check_chain`: each conv's ``C_in`` equals the channels the previous conv (or the image) gives.

Each failure is a `MatFileError` naming the file, the layer, the field, what is wrong and what
to do. Plain Python and numpy shapes, no scipy and no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vgg_mat.integrity import ADVICE
from vgg_mat.weights import Layer, MatFileError

__all__ = ["FIX_ADVICE", "check_chain", "check_geometry", "check_names"]

#: What to do about an impossible layer: fix the field, or get a good file.
FIX_ADVICE = (
    "Fix that field in the file (strides and windows at least 1, 0 <= pad < window), or "
    + ADVICE[0].lower()
    + ADVICE[1:]
)


def _refuse(path: Path, layer: Layer, field_name: str, problem: str) -> MatFileError:
    return MatFileError(
        path, f"{layer.kind} layer {layer.name!r}: field {field_name!r} {problem}.", FIX_ADVICE
    )


def check_geometry(path: Path, layer: Layer) -> None:
    """Raise `MatFileError` unless `layer`'s stride, window and pad can run.

    Parameters
    ----------
    path : Path
        The file (named in the message).
    layer : Layer
        A layer as read; relu and softmax layers have nothing to check.

    Notes
    -----
    A window of size ``k`` with pads ``p_before, p_after`` and stride ``s`` gives
    ``floor((i + p_before + p_after - k) / s) + 1`` outputs (`vgg_mat.architecture`), which
    needs ``s >= 1`` and ``k >= 1``. A pad of ``k`` or more adds windows that see only padding,
    which no real network has (VGG: 3x3 kernels with pad 1, 2x2 pools with pad 0 or 1).

    Examples
    --------
    >>> pool = Layer("pool1", "pool", stride=(2, 2), pad=(0, 1, 0, 1), method="max", size=(2, 2))
    >>> check_geometry(Path("x.mat"), pool)
    >>> from dataclasses import replace
    >>> check_geometry(Path("x.mat"), replace(pool, stride=(0, 0)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vgg_mat.weights.MatFileError: x.mat: pool layer 'pool1': field 'stride' is [0, 0]; ...
    """
    if layer.kind == "conv":
        window_field, window = "weights", tuple(layer.kernel.shape[:2])
        if min(layer.kernel.shape) < 1:
            raise _refuse(
                path, layer, window_field, f"holds a kernel with an empty axis {layer.kernel.shape}"
            )
    elif layer.kind == "pool":
        window_field, window = "pool", tuple(layer.size)
        if min(window) < 1:
            raise _refuse(path, layer, "pool", f"is {list(window)}; a window must be at least 1")
    else:
        return
    if min(layer.stride) < 1:
        raise _refuse(
            path, layer, "stride", f"is {list(layer.stride)}; a stride must be at least 1"
        )
    if min(layer.pad) < 0:
        raise _refuse(path, layer, "pad", f"is {list(layer.pad)}; a pad cannot be negative")
    top, bottom, left, right = layer.pad
    height, width = window
    if max(top, bottom) >= height or max(left, right) >= width:
        what = "kernel" if layer.kind == "conv" else "pooling window"
        raise _refuse(
            path,
            layer,
            "pad",
            f"is {list(layer.pad)} (top, bottom, left, right), not smaller than the {what} "
            f"{height}x{width}",
        )


def check_names(path: Path, names: Sequence[str]) -> None:
    """Raise `MatFileError` if a layer has no name or two layers share one.

    Examples
    --------
    >>> check_names(Path("x.mat"), ["conv1_1", "relu1_1"])
    >>> check_names(Path("x.mat"), ["conv1_1", "relu1_1", "conv1_1"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vgg_mat.weights.MatFileError: x.mat: layers #1 and #3 are both named 'conv1_1'; ...
    """
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            raise MatFileError(
                path,
                f"layer #{position + 1} has no name (field 'name' missing or empty); layers are "
                "looked up by name.",
                "Give every layer a unique name in the file, or " + ADVICE[0].lower() + ADVICE[1:],
            )
        if name in seen:
            raise MatFileError(
                path,
                f"layers #{seen[name] + 1} and #{position + 1} are both named {name!r}; layer "
                "names must be unique, since layers are looked up by name.",
                "Rename one of them in the file, or " + ADVICE[0].lower() + ADVICE[1:],
            )
        seen[name] = position


def check_chain(path: Path, layers: Sequence[Layer], image_channels: int) -> None:
    """Raise `MatFileError` unless every conv's ``C_in`` is what the layer before gives.

    The first conv must take `image_channels` (3, or ``imageSize(3)`` from the metadata); each
    later conv the ``C_out`` of the conv before it (relu and pool keep the channel count).
    """
    channels = image_channels
    previous = "the input image"
    for layer in layers:
        if layer.kind != "conv":
            continue
        c_in = layer.kernel.shape[2]
        if c_in != channels:
            raise MatFileError(
                path,
                f"the channel chain breaks at conv layer {layer.name!r}: its kernel "
                f"{layer.kernel.shape} expects C_in = {c_in}, but {previous} gives "
                f"{channels} channels.",
                ADVICE,
            )
        channels = layer.kernel.shape[3]
        previous = f"conv layer {layer.name!r}"
