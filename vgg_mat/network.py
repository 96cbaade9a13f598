"""VGG as a walk over the file's layers with raw `tf.nn` ops: `VGG`, `resolve_layer`.

Every layer of a MatConvNet "simplenn" file becomes one TensorFlow op, in file order:

=========  ===========================================================================
kind       op
=========  ===========================================================================
conv       ``y = tf.nn.bias_add(tf.nn.conv2d(x, W, stride, the file's pad), b)``
relu       ``y = tf.nn.relu(x) = max(x, 0)``
pool       ``tf.nn.max_pool2d`` / ``tf.nn.avg_pool2d`` with the file's window, stride and pad
softmax    ``y = tf.nn.softmax(x)`` over the channel axis
=========  ===========================================================================

Nothing else: no Keras, no pretrained-model API. Each layer's weights become `tf.constant`
tensors once, the first time the layer runs (they are frozen; layers never run, such as fc6-fc8
during style transfer, never take memory), and a call runs only the layers up to the deepest one
asked for.

Convolution padding
-------------------
A conv's pad ``(top, bottom, left, right)`` is zero padding, passed to `tf.nn.conv2d` as the
explicit list ``[[0, 0], [top, bottom], [left, right], [0, 0]]``. Two spellings give identical
numbers and are used when they apply: ``'VALID'`` for no pad (fc6-fc8), and ``'SAME'`` for a
stride-1 conv padded ``((k-1)//2, k//2)`` on each axis (VGG's 3x3 convs with pad 1 1 1 1),
which TensorFlow runs a little faster.

Pooling and MatConvNet's pad
----------------------------
A MatConvNet pool with window ``k``, stride ``s`` and pad ``(p_t, p_b)`` along one axis of
length ``n`` has ``floor((n + p_t + p_b - k) / s) + 1`` outputs; window ``i`` covers input
rows ``[i*s - p_t, i*s - p_t + k)`` cropped to ``[0, n)``. Padded cells never win a max and
are not counted in an average. The 2016 file's ``[0 1 0 1]`` 2x2/2 pools are therefore TF's
``'SAME'`` pooling (``ceil(n / 2)`` outputs) and the beta16 file's ``[0 0 0 0]`` ones are
``'VALID'`` (``floor(n / 2)``); for even ``n`` the two agree. `VGG` uses ``'SAME'`` or
``'VALID'`` whenever it gives exactly MatConvNet's windows for the input at hand, and otherwise
pads explicitly: with ``-inf`` for a max pool, and for an average pool it divides the zero-padded
window sum by the number of real cells in the window.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from vgg_mat.architecture import POOLING_METHODS, conv_output_size, same_padding
from vgg_mat.matfields import transpose_kernels_hw
from vgg_mat.matfile import load
from vgg_mat.names import VGG19_LAYER_NAMES, keras_alias, resolve_layer
from vgg_mat.precision import check_precision, compute_dtype, scaled_backward
from vgg_mat.weights import Layer, VGGWeights

__all__ = [
    "POOLING_METHODS",
    "VGG",
    "VGG19_LAYER_NAMES",
    "build_network",
    "keras_alias",
    "resolve_layer",
    "transpose_kernels_hw",
]


def _tf_padding_for(n: int, k: int, s: int, pad_before: int, pad_after: int) -> str | None:
    """``'VALID'`` or ``'SAME'`` if TF gives MatConvNet's windows along this axis, else None.

    MatConvNet: ``conv_output_size(n, k, (pad_before, pad_after), s)`` windows starting at
    ``i*s - pad_before``. TF VALID: ``floor((n - k) / s) + 1`` windows starting at ``i*s``.
    TF SAME (`vgg_mat.architecture.same_padding`): ``ceil(n / s)`` windows starting at
    ``i*s - floor(P / 2)`` with ``P = max((ceil(n / s) - 1) * s + k - n, 0)``; padded cells
    are ignored by both max and avg.
    """
    out = conv_output_size(n, k, (pad_before, pad_after), s)
    if pad_before == 0 and out == conv_output_size(n, k, 0, s):
        return "VALID"
    same_out, (same_before, _) = same_padding(n, k, s)
    if out == same_out and pad_before == same_before:
        return "SAME"
    return None


class VGG:
    """A VGG network (VGG-19, or any simplenn file of the same kind) from raw `tf.nn` ops.

    Parameters
    ----------
    weights : VGGWeights
        The file's layers (kernels HWIO float32, biases ``(C_out,)``), e.g. from `vgg_mat.load`.
    pooling : {"max", "avg"}, default "max"
        ``"avg"`` replaces every max pool by an average pool with the same window, stride and
        pad (Gatys et al. 2016 found it gives slightly smoother images).
    precision : {"float32", "bfloat16", "float16"}, default "float32"
        The format the layers compute in (`vgg_mat.precision`): the input is cast to it once,
        kernels and biases are stored in it, and the activations returned are float32.

    Attributes
    ----------
    weights : VGGWeights
    pooling : str
    precision : str
    names : tuple of str
        The file's layer names in order.

    Notes
    -----
    Calling the network, ``net(x, layers)`` with ``x`` of shape ``(N, H, W, C)`` runs, for
    layer ``l = 0, 1, ...`` up to the deepest one requested::

        conv:    a_l = bias_add(conv2d(a_{l-1}, W_l, s_l, [[0,0],[t,b],[l,r],[0,0]]), b_l)
        relu:    a_l = max(a_{l-1}, 0)
        pool:    a_l[i, j, c] = max (or mean) of a_{l-1} over the window at (i*s - t, j*s - l)
        softmax: a_l[..., k] = exp(a_{l-1}[..., k]) / sum_k' exp(a_{l-1}[..., k'])

    Works eagerly, inside `tf.function` (only the needed layers are traced) and under
    `tf.GradientTape` (gradients with respect to ``x``).
    """

    def __init__(self, weights: VGGWeights, *, pooling: str = "max", precision: str = "float32"):
        if not isinstance(weights, VGGWeights):
            raise TypeError(
                f"VGG(weights=...) needs a vgg_mat.VGGWeights (from vgg_mat.load), "
                f"got {type(weights).__name__}"
            )
        if pooling not in POOLING_METHODS:
            methods = " or ".join(repr(method) for method in POOLING_METHODS)
            raise ValueError(f"pooling must be {methods}, got {pooling!r}")
        if not weights.layers:
            raise ValueError(f"{weights.source or 'these weights'}: the file has no layers")
        self.weights = weights
        self.pooling = pooling
        self.precision = precision
        self._dtype = compute_dtype(precision)
        self.names = weights.names
        self._index = {name: i for i, name in enumerate(self.names)}
        self._shape_cache: dict[tuple[int, int], dict[str, tuple[int, int, int]]] = {}
        self._ops: list[Callable[[tf.Tensor], tf.Tensor]] = [
            self._build_op(layer) for layer in weights.layers
        ]

    # ----------------------------------------------------------------------------------------
    # construction (once)

    def _build_op(self, layer: Layer) -> Callable[[tf.Tensor], tf.Tensor]:
        if layer.kind == "conv":
            return self._conv_op(layer)
        if layer.kind == "relu":
            return tf.nn.relu
        if layer.kind == "pool":
            return self._pool_op(layer)
        if layer.kind == "softmax":
            return tf.nn.softmax
        raise ValueError(
            f"{self.weights.source or 'weights'}: layer {layer.name!r} has kind {layer.kind!r}; "
            "VGG knows conv, relu, pool and softmax"
        )

    def _conv_op(self, layer: Layer) -> Callable[[tf.Tensor], tf.Tensor]:
        top, bottom, left, right = (int(p) for p in layer.pad)
        strides = [1, int(layer.stride[0]), int(layer.stride[1]), 1]
        kh, kw = (int(d) for d in layer.kernel.shape[:2])
        if top == bottom == left == right == 0:
            padding: str | list = "VALID"
        elif strides == [1, 1, 1, 1] and (top, bottom, left, right) == (
            (kh - 1) // 2,
            kh // 2,
            (kw - 1) // 2,
            kw // 2,
        ):
            # For stride 1, TF's 'SAME' pads exactly ((k-1)//2, k//2) whatever the input size:
            # the same numbers as the file's pad (e.g. 1 1 1 1 for 3x3), and a faster kernel.
            padding = "SAME"
        else:
            padding = [[0, 0], [top, bottom], [left, right], [0, 0]]

        constants: list[tf.Tensor] = []  # [kernel, bias], made on first use, then reused

        def conv(x: tf.Tensor) -> tf.Tensor:
            if not constants:
                # Built once, eagerly even when first called while a tf.function traces
                # (init_scope lifts it out of the graph), and only for layers that are used:
                # style transfer stops at relu5_1 and never pays for fc6-fc8 (about 480 MB).
                with tf.init_scope():
                    kernel = tf.constant(np.asarray(layer.kernel, dtype=np.float32))
                    bias = tf.constant(np.asarray(layer.bias, dtype=np.float32).reshape(-1))
                    constants.extend(tf.cast(c, self._dtype) for c in (kernel, bias))
            kernel, bias = constants
            return tf.nn.bias_add(tf.nn.conv2d(x, kernel, strides, padding), bias)

        return conv

    def _pool_op(self, layer: Layer) -> Callable[[tf.Tensor], tf.Tensor]:
        method = "avg" if self.pooling == "avg" else (layer.method or "max")
        if method not in POOLING_METHODS:
            raise ValueError(f"layer {layer.name!r}: unknown pooling method {layer.method!r}")
        kh, kw = (int(v) for v in layer.size)
        sh, sw = (int(v) for v in layer.stride)
        top, bottom, left, right = (int(p) for p in layer.pad)
        if top >= kh or bottom >= kh or left >= kw or right >= kw:
            raise ValueError(
                f"layer {layer.name!r}: pool pad {layer.pad} must be smaller than the window "
                f"{layer.size} (MatConvNet's rule), or a window would hold only padding"
            )
        window, strides = [1, kh, kw, 1], [1, sh, sw, 1]
        explicit = [[0, 0], [top, bottom], [left, right], [0, 0]]

        def pool(x: tf.Tensor) -> tf.Tensor:
            h, w = x.shape[1], x.shape[2]
            rows = None if h is None else _tf_padding_for(h, kh, sh, top, bottom)
            cols = None if w is None else _tf_padding_for(w, kw, sw, left, right)
            if rows is not None and rows == cols:
                # TF's own padding gives MatConvNet's windows exactly (the common case).
                if method == "max":
                    return tf.nn.max_pool2d(x, window, strides, rows)
                return tf.nn.avg_pool2d(x, window, strides, rows)
            if method == "max":
                # Pad with -inf: a padded cell can never win the max (MatConvNet crops windows).
                padded = tf.pad(x, explicit, constant_values=float("-inf"))
                return tf.nn.max_pool2d(padded, window, strides, "VALID")
            # mean over the real cells = (window sum with zero padding) / (number of real cells)
            ones = tf.ones_like(x[:1, :, :, :1])
            summed = tf.nn.avg_pool2d(tf.pad(x, explicit), window, strides, "VALID")
            count = tf.nn.avg_pool2d(tf.pad(ones, explicit), window, strides, "VALID")
            return summed / count

        return pool

    # ----------------------------------------------------------------------------------------
    # introspection (pure Python, no TensorFlow work)

    @property
    def label(self) -> str:
        """The weights' provenance line, loud when synthetic (see `VGGWeights.label`)."""
        return self.weights.label

    @property
    def synthetic(self) -> bool:
        """True when the weights are a random miniature from `vgg_mat.write_synthetic`."""
        return self.weights.synthetic

    def resolve(self, name: str) -> str:
        """`resolve_layer` against this file's names (file names and Keras names)."""
        return resolve_layer(name, self.names)

    def deepest_index(self, layers: Iterable[str]) -> int:
        """Index (file order) of the deepest of `layers`: the last layer a call has to run.

        Raises
        ------
        ValueError
            For an empty list or an unknown name (the message lists the valid names).
        """
        if isinstance(layers, str):
            layers = [layers]
        resolved = [self.resolve(name) for name in layers]
        if not resolved:
            raise ValueError(f"ask for at least one layer; valid names: {', '.join(self.names)}")
        return max(self._index[name] for name in resolved)

    def output_shapes(self, height: int, width: int) -> dict[str, tuple[int, int, int]]:
        """Output shape ``(H_l, W_l, C_l)`` of every layer for an ``height x width`` input.

        Pure arithmetic, nothing is run. Layers whose output would be empty (e.g. fc6, a 7x7
        VALID convolution, when pool5 is smaller than 7x7) and all later ones are left out.

        Notes
        -----
        Conv and pool: ``H_out = floor((H_in + p_t + p_b - k_h) / s_h) + 1``, the same for W
        (`vgg_mat.architecture.conv_output_size`); a conv sets ``C_out``; relu and softmax keep
        the shape. (`vgg_mat.geometry.layer_table` adds receptive fields and parameter counts.)
        """
        if height < 1 or width < 1:
            raise ValueError(f"input size must be positive, got {height}x{width}")
        key = (int(height), int(width))
        if key not in self._shape_cache:
            first_conv = next((x for x in self.weights.layers if x.kind == "conv"), None)
            c = 3 if first_conv is None else int(first_conv.kernel.shape[2])  # input channels
            shapes, (h, w) = {}, key
            for layer in self.weights.layers:
                if layer.kind in ("conv", "pool"):
                    kh, kw = layer.kernel.shape[:2] if layer.kind == "conv" else layer.size
                    (sh, sw), (top, bottom, left, right) = layer.stride, layer.pad
                    h = conv_output_size(h, int(kh), (top, bottom), sh)
                    w = conv_output_size(w, int(kw), (left, right), sw)
                    if h < 1 or w < 1:
                        break  # the window no longer fits: this layer and the rest are empty
                    c = int(layer.kernel.shape[3]) if layer.kind == "conv" else c
                shapes[layer.name] = (h, w, c)
            self._shape_cache[key] = shapes
        return dict(self._shape_cache[key])

    # ----------------------------------------------------------------------------------------
    # the forward pass

    @tf.autograph.experimental.do_not_convert  # plain Python control flow: nothing to convert
    def __call__(self, x: tf.Tensor | np.ndarray, layers: Iterable[str]) -> dict[str, tf.Tensor]:
        """Run the network up to the deepest requested layer.

        Parameters
        ----------
        x : (N, H, W, C) float32 tensor or array
            A preprocessed batch (`vgg_mat.preprocess`: RGB minus the mean pixel, 0-255 scale),
            cast to the network's precision.
        layers : iterable of str
            Layer names wanted: the file's (``"relu4_2"``) or Keras' (``"block4_conv2"``).

        Returns
        -------
        dict of str to tf.Tensor
            ``{name as asked: activation (N, H_l, W_l, C_l)}``, float32, in the order asked.

        Raises
        ------
        ValueError
            Unknown layer name, wrong input rank/channels, or an input too small for a layer.
        """
        if isinstance(layers, str):
            layers = [layers]
        wanted = {name: self.resolve(name) for name in layers}  # {as asked: file name}
        if not wanted:
            raise ValueError(f"ask for at least one layer; valid names: {', '.join(self.names)}")
        deepest = max(self._index[name] for name in wanted.values())
        x = tf.cast(tf.convert_to_tensor(x), tf.float32)
        self._check_input(x, deepest)
        needed = [name for name in self.names[: deepest + 1] if name in wanted.values()]

        def forward(x: tf.Tensor) -> tuple[tf.Tensor, ...]:
            x, outputs = tf.cast(x, self._dtype), []  # cast once (a no-op in float32)
            for i in range(deepest + 1):
                x = self._ops[i](x)
                if self.names[i] in needed:
                    outputs.append(tf.cast(x, tf.float32))  # a no-op in float32
            return tuple(outputs)

        run = forward if self.precision != "float16" else partial(scaled_backward, forward)
        outputs = dict(zip(needed, run(x), strict=True))
        return {name: outputs[file_name] for name, file_name in wanted.items()}

    def _check_input(self, x: tf.Tensor, deepest: int) -> None:
        if x.shape.rank != 4:
            raise ValueError(
                f"VGG input must be a batch (N, H, W, C), got shape {tuple(x.shape)}; "
                "use vgg_mat.preprocess(image, weights) to add the batch axis"
            )
        first = self.weights.layers[0]
        channels = x.shape[3]
        if first.kind == "conv" and channels is not None and channels != first.kernel.shape[2]:
            raise ValueError(
                f"VGG input has {channels} channels, {first.name} expects "
                f"{first.kernel.shape[2]} (RGB)"
            )
        h, w = x.shape[1], x.shape[2]
        if h is not None and w is not None:
            shapes = self.output_shapes(h, w)
            last = self.names[deepest]
            if last not in shapes:
                raise ValueError(
                    f"a {h}x{w} input is too small to reach layer {last!r} "
                    f"(the deepest it reaches is {list(shapes)[-1] if shapes else 'none'}); "
                    "use a larger image or a shallower layer"
                )


def build_network(
    weights: Any, *, pooling: str = "max", precision: str = "float32", up_to: str | None = None
) -> VGG:
    """A `VGG` from a VGG, a `VGGWeights` or the path of a .mat file.

    Loading from a path keeps only the layers through `up_to` (the deepest one a run uses):
    the rest of the file (fc6-fc8, 86 % of VGG-19) is released as it is read. A VGG with
    another pooling or precision is rebuilt on the same weights. The precision is checked
    first (`vgg_mat.precision.check_precision`), before any file is read.

    Raises
    ------
    ValueError
        For a path with no file, or anything that is neither weights nor a path.
    """
    check_precision(precision)
    if isinstance(weights, VGG):
        if (weights.pooling, weights.precision) == (pooling, precision):
            return weights
        return VGG(weights.weights, pooling=pooling, precision=precision)
    if isinstance(weights, (str, os.PathLike)):
        if not Path(weights).is_file():
            raise ValueError(
                f"weights: no file at {str(weights)!r}; give the path of "
                "imagenet-vgg-verydeep-19.mat (`vgg-mat download` fetches it) or a VGGWeights"
            )
        weights = load(weights, up_to=up_to)
    if not isinstance(weights, VGGWeights):
        raise ValueError(
            f"weights must be a vgg_mat.VGGWeights, a vgg_mat.VGG or the path of a .mat file, "
            f"got {type(weights).__name__}"
        )
    return VGG(weights, pooling=pooling, precision=precision)
