"""VGG-19 as data: the one layer table every other module reads. No TensorFlow, no file I/O.

Simonyan and Zisserman's configuration "E" (*Very Deep Convolutional Networks for Large-Scale
Image Recognition*, ICLR 2015), named as in MatConvNet's ``imagenet-vgg-verydeep-19.mat``:

    block  convs  width   layers (each conv followed by its ReLU, each block by a pool)
      1      2      64    conv1_1 relu1_1 conv1_2 relu1_2 pool1
      2      2     128    conv2_1 ... pool2
      3      4     256    conv3_1 ... conv3_4 relu3_4 pool3
      4      4     512    conv4_1 ... pool4
      5      4     512    conv5_1 ... pool5
    fc6 (7x7 conv, 4096) relu6, fc7 (1x1, 4096) relu7, fc8 (1x1, 1000) prob (softmax)

43 layers in all, 37 up to pool5. Convolutions are 3x3, stride 1, pad 1 (the size is kept);
pools are 2x2, stride 2 (the size is halved). ``conv4_2`` is the convolution's output before
its ReLU and ``relu4_2`` after it; Gatys' "conv4_2" is a Caffe blob overwritten in place by its
ReLU, i.e. ``relu4_2`` here.

`vgg_mat.names` (Keras aliases), `vgg_mat.geometry` (shapes, receptive fields),
`vgg_mat.synthetic` (the miniature writer), `vgg_mat.network` (shape checks) and `nst.presets`
read this table; nothing else spells it out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: (block, number of 3x3 convolutions, output channels) of VGG-19 ("E").
BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 4, 512), (5, 4, 512))

#: The classifier, stored in the file as convolutions: (name, kernel size, output channels,
#: name of the layer after it). fc6's 7x7 support needs a 224 = 7 * 2**5 px input.
CLASSIFIER = (("fc6", 7, 4096, "relu6"), ("fc7", 1, 4096, "relu7"), ("fc8", 1, 1000, "prob"))

#: Image size the classifier expects (fc6 sees the 7x7 map after five halvings).
IMAGE_SIZE = 224

#: The training set's mean pixel, RGB on the 0-255 scale (the file's
#: ``meta.normalization.averageImage``; `vgg_mat.preprocess` subtracts it).
MEAN_RGB = (123.68, 116.779, 103.939)

#: What a layer can be, in the file's own words (``layers{i}.type``).
LAYER_KINDS = ("conv", "relu", "pool", "softmax")

#: How the network pools: MatConvNet's max pooling, or average pooling (Gatys et al. recommend
#: replacing max by average pooling for image synthesis).
POOLING_METHODS = ("max", "avg")

#: The number formats the network can compute in (`vgg_mat.precision`): float32 (the file's
#: own, the default), or bfloat16 / float16 for the convolutions, with float32 outputs.
PRECISIONS = ("float32", "bfloat16", "float16")

#: The two published files' pool pads (top, bottom, left, right): the 2016 file pads the bottom
#: and right by one (an odd size rounds up, like TF ``SAME``), beta16 does not (rounds down).
#: Both agree for even sizes, hence for any size divisible by 32.
POOL_PADS = {"2016": (0, 1, 0, 1), "beta16": (0, 0, 0, 0)}

#: The two published layouts of ``imagenet-vgg-verydeep-19.mat`` (see the format notes).
LAYOUTS = tuple(POOL_PADS)


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the table: what it is and its shape, without weights.

    Attributes
    ----------
    name : str
        MatConvNet's name, e.g. ``"conv3_2"``.
    kind : {"conv", "relu", "pool", "softmax"}
    kernel_shape : (KH, KW, C_in, C_out) or None
        HWIO shape of a convolution's kernel (its bias is ``(C_out,)``); None otherwise.
    stride : (int, int) or None
        (vertical, horizontal) step of a conv or pool; None for relu and softmax.
    pad : (int, int, int, int) or None
        (top, bottom, left, right) zero padding of a conv or pool; None otherwise.
    size : (int, int) or None
        A pool's window (height, width); None otherwise.
    """

    name: str
    kind: str
    kernel_shape: tuple[int, int, int, int] | None = None
    stride: tuple[int, int] | None = None
    pad: tuple[int, int, int, int] | None = None
    size: tuple[int, int] | None = None

    @property
    def num_params(self) -> int:
        """``KH * KW * C_in * C_out + C_out`` for a convolution, 0 otherwise."""
        if self.kernel_shape is None:
            return 0
        return math.prod(self.kernel_shape) + self.kernel_shape[3]


def narrow(width: int, width_divisor: int) -> int:
    """A miniature's channel width: ``max(2, width // width_divisor)``.

    Never 1: MATLAB (and scipy's ``squeeze_me``) would squeeze a singleton channel axis away.
    """
    return max(2, width // width_divisor)


def vgg19(
    *,
    width_divisor: int = 1,
    num_classes: int = 1000,
    layout: str = "2016",
    classifier: bool = True,
) -> tuple[LayerSpec, ...]:
    """VGG-19's layers in file order, as `LayerSpec` records.

    Parameters
    ----------
    width_divisor : int, optional
        Every channel width C becomes ``narrow(C, width_divisor)`` (1: the real network).
        conv1_1 keeps its 3 RGB inputs and fc6 its 7x7 support.
    num_classes : int, optional
        Outputs of fc8 (1000 for ImageNet), at least 2.
    layout : {"2016", "beta16"}, optional
        Whose pool pads to use (`POOL_PADS`).
    classifier : bool, optional
        Include fc6 ... prob (43 layers) or stop at pool5 (37).

    Returns
    -------
    tuple of LayerSpec

    Raises
    ------
    ValueError
        For a width divisor below 1, fewer than 2 classes or an unknown layout.

    Notes
    -----
    With ``width_divisor=1`` the parameters add up to 143,667,240 (20,024,384 in the
    convolutions up to pool5), e.g. conv1_1 has ``3 * 3 * 3 * 64 + 64 = 1,792``.

    Examples
    --------
    >>> layers = vgg19()
    >>> len(layers), layers[0].kernel_shape, sum(spec.num_params for spec in layers)
    (43, (3, 3, 3, 64), 143667240)
    """
    if isinstance(width_divisor, bool) or int(width_divisor) != width_divisor or width_divisor < 1:
        raise ValueError(f"width_divisor must be an integer >= 1, got {width_divisor!r}")
    if isinstance(num_classes, bool) or int(num_classes) != num_classes or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    if layout not in POOL_PADS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    layers: list[LayerSpec] = []
    c_in = 3  # RGB
    for block, convs, width in BLOCKS:
        c_out = narrow(width, int(width_divisor))
        for j in range(1, convs + 1):
            kernel = (3, 3, c_in, c_out)
            layers.append(LayerSpec(f"conv{block}_{j}", "conv", kernel, (1, 1), (1, 1, 1, 1)))
            layers.append(LayerSpec(f"relu{block}_{j}", "relu"))
            c_in = c_out
        layers.append(LayerSpec(f"pool{block}", "pool", None, (2, 2), POOL_PADS[layout], (2, 2)))
    if classifier:
        for name, k, width, after in CLASSIFIER:
            c_out = int(num_classes) if name == "fc8" else narrow(width, int(width_divisor))
            layers.append(LayerSpec(name, "conv", (k, k, c_in, c_out), (1, 1), (0, 0, 0, 0)))
            layers.append(LayerSpec(after, "softmax" if after == "prob" else "relu"))
            c_in = c_out
    return tuple(layers)


_TABLE = vgg19()

#: The 43 layer names in file order (both published layouts).
VGG19_LAYER_NAMES = tuple(spec.name for spec in _TABLE)

#: Each layer's kind, by name.
VGG19_LAYER_KIND = {spec.name: spec.kind for spec in _TABLE}

#: Gatys et al.'s content layer: the output of conv4_2 after its ReLU.
DEFAULT_CONTENT_LAYERS = ("relu4_2",)

#: Gatys et al.'s style layers: the first ReLU of each block, relu1_1 ... relu5_1.
DEFAULT_STYLE_LAYERS = tuple(f"relu{block}_1" for block, _, _ in BLOCKS)


def conv_output_size(i: int, k: int, p: int | tuple[int, int], s: int, d: int = 1) -> int:
    r"""Output length of a convolution or pooling window sliding along one axis.

    Parameters
    ----------
    i : int
        Input length (height or width), ``i >= 1``.
    k : int
        Window (kernel) length, ``k >= 1``.
    p : int or (int, int)
        Zero padding: one int for the same padding on both sides, or ``(before, after)``
        (top/bottom or left/right) for asymmetric padding.
    s : int
        Stride, ``s >= 1``.
    d : int, optional
        Dilation, ``d >= 1`` (1: an ordinary dense kernel).

    Returns
    -------
    int
        The number of window positions ``o``. It can be 0 or negative when the window does
        not fit; the caller decides whether that is an error.

    Notes
    -----
    A dilated kernel spans ``k + (k - 1)(d - 1)`` input pixels. Sliding it over the padded
    input of length ``i + p_before + p_after`` in steps of ``s`` gives

    .. math:: o = \left\lfloor \frac{i + p_{before} + p_{after} - k - (k-1)(d-1)}{s}
              \right\rfloor + 1

    (Dumoulin & Visin 2016, relationship 15). With symmetric ``p`` this is the familiar
    ``floor((i + 2p - k) / s) + 1``. MatConvNet uses it for both convolution and pooling
    (pooling rounds down); Caffe's pooling rounds up instead.

    Examples
    --------
    >>> conv_output_size(5, 3, 1, 2)
    3
    >>> conv_output_size(7, 3, 0, 1, d=2)
    3
    """
    for arg, value, least in (("i", i, 1), ("k", k, 1), ("s", s, 1), ("d", d, 1)):
        if int(value) != value or value < least:
            raise ValueError(
                f"conv_output_size: {arg} must be an integer >= {least}, got {value!r}"
            )
    before, after = (p, p) if isinstance(p, int) else tuple(p)
    if before < 0 or after < 0:
        raise ValueError(f"conv_output_size: padding must be >= 0, got {p!r}")
    span = k + (k - 1) * (d - 1)
    return (i + before + after - span) // s + 1


def same_padding(i: int, k: int, s: int) -> tuple[int, tuple[int, int]]:
    """TensorFlow's ``padding="SAME"`` along one axis: output length and the pads it implies.

    Parameters
    ----------
    i : int
        Input length, ``i >= 1``.
    k : int
        Window length, ``k >= 1``.
    s : int
        Stride, ``s >= 1``.

    Returns
    -------
    o : int
        Output length ``ceil(i / s)``.
    pads : (int, int)
        ``(before, after)`` zero padding TF applies; ``after - before`` is 0 or 1.

    Notes
    -----
    .. math:: o = \\lceil i / s \\rceil, \\qquad
              p_{total} = \\max((o - 1)s + k - i,\\ 0), \\qquad
              p_{before} = \\lfloor p_{total} / 2 \\rfloor, \\quad
              p_{after} = p_{total} - p_{before}

    The odd pixel goes to the bottom/right, unlike Caffe and MatConvNet, which pad
    symmetrically. ``conv_output_size(i, k, pads, s) == o`` always holds.

    Examples
    --------
    >>> same_padding(6, 3, 2)
    (3, (0, 1))
    >>> same_padding(5, 3, 2)
    (3, (1, 1))
    """
    for arg, value in (("i", i), ("k", k), ("s", s)):
        if int(value) != value or value < 1:
            raise ValueError(f"same_padding: {arg} must be an integer >= 1, got {value!r}")
    o = -(-i // s)  # ceil(i / s) in integers
    total = max((o - 1) * s + k - i, 0)
    before = total // 2
    return o, (before, total - before)
