"""The in-memory form of a MatConvNet VGG file: `Layer`, `VGGWeights`, `MatFileError`.

Plain numpy data, no TensorFlow and no file I/O, so a student can build, inspect and print
these records without either. `vgg_mat.matfile.load` fills them from a `.mat` file and
`vgg_mat.network.VGG` turns them into a network.

Conventions (the whole project uses them):

- kernels are float32 **HWIO** `(KH, KW, C_in, C_out)`, the layout `tf.nn.conv2d` wants;
- biases are float32 `(C_out,)`;
- pads are `(top, bottom, left, right)` and strides `(vertical, horizontal)`, as plain ints;
- layer names are MatConvNet's own, verbatim (`conv1_1`, `relu1_1`, `pool1`, ..., `fc8`, `prob`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vgg_mat.architecture import LAYER_KINDS

__all__ = ["LAYER_KINDS", "Layer", "MatFileError", "VGGWeights"]


class MatFileError(ValueError):
    """A weights file that cannot be used, with the path, what is wrong and what to do.

    Parameters
    ----------
    path : str or Path or None
        The file the problem is in (named first in the message).
    problem : str
        What is wrong, in words a user can act on.
    advice : str, optional
        What to do about it.
    """

    def __init__(self, path: str | Path | None, problem: str, advice: str = ""):
        self.path = None if path is None else Path(path)
        self.problem = problem
        self.advice = advice
        where = f"{self.path}: " if self.path is not None else ""
        message = f"{where}{problem}"
        if advice:
            message += f" {advice}"
        super().__init__(message)


@dataclass(frozen=True, eq=False)
class Layer:
    """One layer of a MatConvNet simplenn network, in the file's own terms.

    Attributes
    ----------
    name : str
        The file's name for the layer, e.g. ``"conv1_1"``.
    kind : {"conv", "relu", "pool", "softmax"}
        MatConvNet's layer type. The fully connected layers fc6-fc8 are stored as ``"conv"``.
    kernel : (KH, KW, C_in, C_out) ndarray of float32, or None
        Convolution kernel in HWIO layout (conv only).
    bias : (C_out,) ndarray of float32, or None
        Convolution bias (conv only).
    stride : tuple of int, or None
        ``(vertical, horizontal)`` stride (conv and pool).
    pad : tuple of int, or None
        ``(top, bottom, left, right)`` zero padding (conv) or window overhang (pool).
    method : {"max", "avg"} or None
        Pooling method (pool only).
    size : tuple of int, or None
        ``(height, width)`` of the pooling window (pool only).
    """

    name: str
    kind: str
    kernel: np.ndarray | None = None
    bias: np.ndarray | None = None
    stride: tuple[int, int] | None = None
    pad: tuple[int, int, int, int] | None = None
    method: str | None = None
    size: tuple[int, int] | None = None

    @property
    def num_params(self) -> int:
        """Number of weights and biases in the layer (0 for relu, pool, softmax)."""
        if self.kind != "conv":
            return 0
        return int(self.kernel.size + self.bias.size)

    @property
    def out_channels(self) -> int | None:
        """``C_out`` of a conv layer, None for the others."""
        return None if self.kernel is None else int(self.kernel.shape[3])

    def __repr__(self) -> str:
        if self.kind == "conv":
            return (
                f"Layer({self.name!r}, conv, kernel={tuple(self.kernel.shape)}, "
                f"stride={self.stride}, pad={self.pad})"
            )
        if self.kind == "pool":
            return (
                f"Layer({self.name!r}, pool, {self.method} {self.size}, "
                f"stride={self.stride}, pad={self.pad})"
            )
        return f"Layer({self.name!r}, {self.kind})"


@dataclass(frozen=True, eq=False)
class VGGWeights:
    """Everything read from a VGG `.mat` file: the layers in file order and the metadata.

    Attributes
    ----------
    layers : tuple of Layer
        Every layer in file order (43 for VGG-19: no dropout layers are stored).
    mean_rgb : (3,) ndarray of float64, or None
        The mean pixel the network was trained with, RGB on the 0-255 scale
        (``[123.68, 116.779, 103.939]`` for VGG-19). None when the file has no metadata.
    class_ids : tuple of str
        WordNet ids of the classifier's outputs (``"n01440764"``, ...); empty when absent.
    class_descriptions : tuple of str
        Human-readable class names (``"tench, Tinca tinca"``, ...); empty when absent.
    input_size : tuple of int, or None
        ``(height, width)`` the classifier expects (224, 224), when the file says.
    layout : {"2016", "beta16"}
        Which published layout the file has (see ``docs`` of `vgg_mat.matfile`).
    source : str
        Where the weights came from (a file path), for provenance lines and manifests.
    synthetic : bool
        True for a miniature written by `vgg_mat.write_synthetic`: random weights, not VGG-19.
        Everything made with it must say so.
    checksum : str
        ``"official-2016"`` or ``"official-beta16"`` when size and MD5 match a published file,
        ``"unverified"`` otherwise (not an error), ``"unchecked"`` when not computed.
    transposed_hw : bool
        True when the kernels were loaded with the popular ``(1, 0, 2, 3)`` spatial swap.
    """

    layers: tuple[Layer, ...]
    mean_rgb: np.ndarray | None = None
    class_ids: tuple[str, ...] = ()
    class_descriptions: tuple[str, ...] = ()
    input_size: tuple[int, int] | None = None
    layout: str = "2016"
    source: str = ""
    synthetic: bool = False
    checksum: str = "unchecked"
    transposed_hw: bool = False
    _index: dict = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_index", {layer.name: i for i, layer in enumerate(self.layers)})

    @property
    def names(self) -> tuple[str, ...]:
        """Layer names in file order."""
        return tuple(layer.name for layer in self.layers)

    def layer(self, name: str) -> Layer:
        """Return the layer called `name`; a `KeyError` lists the valid names otherwise."""
        try:
            return self.layers[self._index[name]]
        except KeyError:
            raise KeyError(
                f"no layer named {name!r} in {self.source or 'these weights'}; "
                f"valid names: {', '.join(self.names)}"
            ) from None

    def index(self, name: str) -> int:
        """Position of layer `name` in file order."""
        self.layer(name)
        return self._index[name]

    @property
    def num_params(self) -> int:
        """Total number of weights and biases (143,667,240 for the real VGG-19)."""
        return sum(layer.num_params for layer in self.layers)

    @property
    def label(self) -> str:
        """A one-line provenance label, loud when the weights are synthetic."""
        if self.synthetic:
            return f"SYNTHETIC RANDOM WEIGHTS, NOT VGG-19 ({self.source})"
        return f"VGG weights from {self.source} ({self.layout} layout, {self.checksum})"
