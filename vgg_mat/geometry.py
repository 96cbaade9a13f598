"""Layer geometry: output sizes, TF ``SAME`` padding, receptive fields, and VGG's shape table.

Pure Python and numpy (no TensorFlow, no file I/O), so it answers "what shape comes out of
layer X for an H x W input, and which input pixels can it see?" for any MatConvNet simplenn
network, straight from its `Layer` records (`VGGWeights.layers`).

Conventions (as in `vgg_mat.weights`): pads are ``(top, bottom, left, right)``, strides and
window sizes ``(vertical, horizontal)``. A row/column index ``i`` of a feature map is a
position in that map; receptive-field centres are given in input-pixel coordinates, where
pixel ``0`` is the first input row/column.

The formulas, one per function:

- `conv_output_size` and `same_padding` (written in `vgg_mat.architecture`, re-exported here):
  ``o = floor((i + p_before + p_after - k - (k - 1)(d - 1)) / s) + 1``
  (Dumoulin & Visin, *A guide to convolution arithmetic*, 2016).
- `same_padding`: TensorFlow's ``SAME`` rule ``o = ceil(i / s)``,
  ``pad_total = max((o - 1) s + k - i, 0)``, the odd pixel at the bottom/right.
- `receptive_fields`: ``r_l = r_{l-1} + (k_l - 1) j_{l-1}``, ``j_l = j_{l-1} s_l``, hence
  ``r_L = 1 + sum_l (k_l - 1) prod_{i<l} s_i`` (Araujo, Norris & Sim, *Computing receptive
  fields of convolutional neural networks*, Distill 2019).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from vgg_mat.architecture import BLOCKS, LayerSpec, conv_output_size, same_padding, vgg19
from vgg_mat.weights import Layer, VGGWeights

__all__ = [
    "LayerGeometry",
    "ReceptiveField",
    "conv_output_size",
    "format_layer_table",
    "layer_table",
    "receptive_fields",
    "same_padding",
    "vgg19_layers",
    "window",
    "VGG19_BLOCKS",
]

#: VGG-19's blocks (block, number of 3x3 convs, output channels): `vgg_mat.architecture.BLOCKS`.
VGG19_BLOCKS = BLOCKS


def vgg19_layers(
    *, width_divisor: int = 1, classifier: bool = True, layout: str = "2016"
) -> tuple[Layer, ...]:
    """VGG-19's 43 layers as `Layer` records with shape-only kernels (no weights, no file).

    Parameters
    ----------
    width_divisor : int, optional
        Every channel count C becomes ``max(2, C // width_divisor)`` (1: the real widths), as
        `vgg_mat.write_synthetic` does for its miniatures (`vgg_mat.architecture.narrow`).
    classifier : bool, optional
        Include fc6, relu6, fc7, relu7, fc8 and prob (43 layers) or stop at pool5 (37).
    layout : {"2016", "beta16"}, optional
        The published file whose pool pads to copy (`vgg_mat.architecture.POOL_PADS`).

    Returns
    -------
    tuple of Layer
        Names, kinds, strides and pads as in ``imagenet-vgg-verydeep-19.mat``
        (`vgg_mat.architecture.vgg19`), max pooling. Kernels and biases are read-only zero
        arrays of the right shape that take no memory (``np.broadcast_to``), so shapes,
        `Layer.num_params` and `layer_table` work, but they cannot run a network.

    Notes
    -----
    The table and its parameter count are `vgg_mat.architecture.vgg19`'s; this only gives each
    row the `Layer` form that `receptive_fields` and `layer_table` read.

    Examples
    --------
    >>> layers = vgg19_layers()
    >>> len(layers), layers[0].kernel.shape, sum(layer.num_params for layer in layers)
    (43, (3, 3, 3, 64), 143667240)
    """
    return tuple(
        _as_layer(spec)
        for spec in vgg19(width_divisor=width_divisor, layout=layout, classifier=classifier)
    )


def _as_layer(spec: LayerSpec) -> Layer:
    """A `Layer` record with `spec`'s shapes: zero kernel and bias that take no memory."""
    if spec.kind == "conv":
        kernel = np.broadcast_to(np.float32(0), spec.kernel_shape)
        bias = np.broadcast_to(np.float32(0), spec.kernel_shape[3:])
        return Layer(spec.name, "conv", kernel=kernel, bias=bias, stride=spec.stride, pad=spec.pad)
    if spec.kind == "pool":
        return Layer(
            spec.name, "pool", stride=spec.stride, pad=spec.pad, method="max", size=spec.size
        )
    return Layer(spec.name, spec.kind)


def window(layer: Layer) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int, int, int]]:
    """The sliding-window geometry of one layer: ``(size, stride, pad)``.

    Parameters
    ----------
    layer : Layer
        Any layer record. conv: size is the kernel's ``(KH, KW)``; pool: its window ``size``;
        relu and softmax act pixel by pixel, i.e. a 1 x 1 window with stride 1 and no padding.

    Returns
    -------
    size : (int, int)
        ``(vertical, horizontal)`` window size.
    stride : (int, int)
        ``(vertical, horizontal)`` stride.
    pad : (int, int, int, int)
        ``(top, bottom, left, right)`` padding.
    """
    if layer.kind == "conv":
        if layer.kernel is None:
            raise ValueError(f"layer {layer.name!r}: a conv layer without a kernel")
        size = (int(layer.kernel.shape[0]), int(layer.kernel.shape[1]))
    elif layer.kind == "pool":
        if layer.size is None:
            raise ValueError(f"layer {layer.name!r}: a pool layer without a window size")
        size = (int(layer.size[0]), int(layer.size[1]))
    else:
        return (1, 1), (1, 1), (0, 0, 0, 0)
    stride = tuple(int(v) for v in (layer.stride or (1, 1)))
    pad = tuple(int(v) for v in (layer.pad or (0, 0, 0, 0)))
    return size, stride, pad


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field of one layer's units, per axis ``(vertical, horizontal)``.

    Attributes
    ----------
    name : str
        Layer name.
    size : (int, int)
        ``r``: how many input pixels one output unit can see along each axis.
    jump : (int, int)
        ``j``: distance in input pixels between neighbouring output units (the product of
        all strides so far).
    start : (float, float)
        Centre, in input-pixel coordinates, of the receptive field of output unit 0. Negative
        when padding makes the first unit look partly outside the image.
    """

    name: str
    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[float, float]


def receptive_fields(layers: Iterable[Layer] | VGGWeights) -> list[ReceptiveField]:
    """Receptive field size, jump and start of every layer, measured on the network input.

    Parameters
    ----------
    layers : iterable of Layer, or VGGWeights
        The layers in network order (e.g. ``weights.layers``).

    Returns
    -------
    list of ReceptiveField
        One per layer, in order.

    Notes
    -----
    With window size ``k_l``, stride ``s_l`` and leading pad ``p_l`` (top or left) of layer
    ``l``, and ``r_0 = 1``, ``j_0 = 1``, ``c_0 = 0`` for the input itself (Araujo et al. 2019):

    .. math:: j_l = j_{l-1} s_l, \\qquad r_l = r_{l-1} + (k_l - 1) j_{l-1}, \\qquad
              c_l = c_{l-1} + \\left(\\tfrac{k_l - 1}{2} - p_l\\right) j_{l-1}

    Unrolled, ``r_L = 1 + sum_l (k_l - 1) prod_{i<l} s_i``: a layer widens the field by
    ``k - 1`` of *its input's* units, each ``j_{l-1}`` pixels apart. For VGG-19 this gives
    conv4_2: 84, pool5: 268 pixels. This is the theoretical field; the *effective* one (where
    the gradient is large) is smaller and roughly Gaussian (Luo et al. 2016).
    """
    if isinstance(layers, VGGWeights):
        layers = layers.layers
    r, j, c = [1, 1], [1, 1], [0.0, 0.0]
    out = []
    for layer in layers:
        size, stride, pad = window(layer)
        leading = (pad[0], pad[2])
        for axis in (0, 1):
            k = size[axis]
            r[axis] = r[axis] + (k - 1) * j[axis]  # r_l = r_{l-1} + (k_l - 1) j_{l-1}
            c[axis] = c[axis] + ((k - 1) / 2 - leading[axis]) * j[axis]
            j[axis] = j[axis] * stride[axis]  # j_l = j_{l-1} s_l
        out.append(ReceptiveField(layer.name, (r[0], r[1]), (j[0], j[1]), (c[0], c[1])))
    return out


@dataclass(frozen=True)
class LayerGeometry:
    """One row of `layer_table`: what a layer outputs for a given input size.

    Attributes
    ----------
    name : str
        Layer name (MatConvNet's, verbatim).
    kind : str
        ``"conv"``, ``"relu"``, ``"pool"`` or ``"softmax"``.
    height, width, channels : int
        Output shape ``(H, W, C)`` (NHWC without the batch axis).
    receptive_field : (int, int)
        ``(vertical, horizontal)`` receptive field in input pixels.
    jump : (int, int)
        Distance in input pixels between neighbouring output units.
    params : int
        Number of weights and biases in the layer (0 unless conv).
    """

    name: str
    kind: str
    height: int
    width: int
    channels: int
    receptive_field: tuple[int, int]
    jump: tuple[int, int]
    params: int

    @property
    def positions(self) -> int:
        """``M = H * W``: the number of spatial positions (Gatys' M)."""
        return self.height * self.width


def layer_table(
    weights_or_layers: VGGWeights | Sequence[Layer],
    height: int,
    width: int,
    *,
    channels: int = 3,
    stop_when_empty: bool = True,
) -> list[LayerGeometry]:
    """Output shape, receptive field, jump and parameter count of every layer for one input size.

    Parameters
    ----------
    weights_or_layers : VGGWeights or sequence of Layer
        The network, e.g. from `vgg_mat.load` or `vgg_mat.write_synthetic` + `load`.
    height, width : int
        Input image size in pixels.
    channels : int, optional
        Input channels (3 for RGB). A conv kernel that expects a different number raises.
    stop_when_empty : bool, optional
        A layer whose window no longer fits its input (e.g. VGG-19's 7 x 7 ``fc6`` on a
        64 x 64 image, whose pool5 output is 2 x 2) would have an empty output. True (the
        default): the table ends before that layer, so it lists what the network can
        compute for this size. False: raise a `ValueError` naming the layer.

    Returns
    -------
    list of LayerGeometry
        One row per layer, in network order.

    Notes
    -----
    Each layer's output size follows `conv_output_size` per axis with the layer's own
    asymmetric pads, ``H_out = floor((H_in + p_top + p_bottom - k_h) / s_v) + 1`` (MatConvNet
    rounds pooling down, as this does). Receptive fields come from `receptive_fields`.
    A conv layer has ``k_h k_w C_in C_out + C_out`` parameters; VGG-19 totals 143,667,240.
    """
    layers = (
        weights_or_layers.layers
        if isinstance(weights_or_layers, VGGWeights)
        else tuple(weights_or_layers)
    )
    for arg, value in (("height", height), ("width", width), ("channels", channels)):
        if int(value) != value or value < 1:
            raise ValueError(f"layer_table: {arg} must be a positive integer, got {value!r}")
    fields = receptive_fields(layers)
    h, w, c = int(height), int(width), int(channels)
    rows = []
    for layer, field in zip(layers, fields, strict=True):
        size, stride, pad = window(layer)
        if layer.kind == "conv":
            c_in = int(layer.kernel.shape[2])
            if c_in != c:
                raise ValueError(
                    f"layer {layer.name!r}: kernel expects {c_in} input channels but the "
                    f"previous layer gives {c}; the layer list is out of order or incomplete"
                )
        h_out = conv_output_size(h, size[0], (pad[0], pad[1]), stride[0])
        w_out = conv_output_size(w, size[1], (pad[2], pad[3]), stride[1])
        if h_out < 1 or w_out < 1:
            if stop_when_empty:
                break
            raise ValueError(
                f"layer {layer.name!r}: its {size[0]}x{size[1]} window does not fit its "
                f"{h}x{w} input (from a {height}x{width} image); use a larger image or "
                f"stop_when_empty=True"
            )
        h, w = h_out, w_out
        if layer.kind == "conv":
            c = int(layer.kernel.shape[3])
        rows.append(
            LayerGeometry(layer.name, layer.kind, h, w, c, field.size, field.jump, layer.num_params)
        )
    return rows


def format_layer_table(rows: Sequence[LayerGeometry]) -> str:
    """Render `layer_table` rows as a fixed-width text table (for ``print`` and the CLI).

    Parameters
    ----------
    rows : sequence of LayerGeometry

    Returns
    -------
    str
        One header line and one line per layer: name, kind, output ``HxWxC``, receptive
        field, jump and parameters (with thousands separators).
    """
    header = f"{'layer':<9} {'kind':<7} {'output HxWxC':>14} {'RF':>9} {'jump':>6} {'params':>13}"
    lines = [header, "-" * len(header)]
    for row in rows:
        rf = (
            f"{row.receptive_field[0]}"
            if row.receptive_field[0] == row.receptive_field[1]
            else f"{row.receptive_field[0]}x{row.receptive_field[1]}"
        )
        jump = f"{row.jump[0]}" if row.jump[0] == row.jump[1] else f"{row.jump[0]}x{row.jump[1]}"
        shape = f"{row.height}x{row.width}x{row.channels}"
        lines.append(f"{row.name:<9} {row.kind:<7} {shape:>14} {rf:>9} {jump:>6} {row.params:>13,}")
    return "\n".join(lines)
