r"""Analytic FLOP counts of one style-transfer step, and this machine's TF matmul rate.

The model (stated once, used for every pipeline alike):

- a convolution with a ``KH x KW`` kernel, ``C_in`` inputs and ``C_out`` outputs producing an
  ``H_out x W_out`` map costs ``2 * H_out * W_out * KH * KW * C_in * C_out`` FLOPs (one multiply
  and one add per weight and output position); biases, ReLUs and pools are not counted (they
  are below 1 % of the total);
- a forward pass runs every convolution up to the **deepest layer used** (conv5_2 for the TF
  tutorial's layers), nothing beyond;
- a Gram matrix of an ``M x N`` feature matrix costs ``2 M N^2``; one per style layer;
- a step is the forward pass plus the gradient with respect to the **input image** only (the
  weights are frozen): each convolution's input gradient is a transposed convolution with the
  same FLOPs as the forward one, and each Gram's gradient ``F (G - A)`` another ``2 M N^2``.
  So ``step = 2 * (conv + Gram)``, exactly twice the forward count in this model. Optimiser
  updates (a few FLOPs per pixel) are left out.

Achieved GFLOP/s = step FLOPs / seconds per evaluation; compared with the float32 matmul rate
of `matmul_probe`, measured in the same rounds.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np


def layer_shapes(weights, height: int, width: int) -> dict[str, tuple[int, int, int]]:
    """Output shape ``(H_l, W_l, C_l)`` of every layer for a ``height x width`` RGB input.

    Notes
    -----
    Conv and pool: ``H_out = floor((H_in + p_t + p_b - k) / s) + 1`` (MatConvNet's rule, the
    same for W); ReLU and softmax keep the shape. Stops before a layer whose output is empty.
    """
    shapes: dict[str, tuple[int, int, int]] = {}
    h, w, c = int(height), int(width), 3
    for layer in weights.layers:
        if layer.kind in ("conv", "pool"):
            kh, kw = layer.kernel.shape[:2] if layer.kind == "conv" else layer.size
            top, bottom, left, right = (int(p) for p in layer.pad)
            h = (h + top + bottom - int(kh)) // int(layer.stride[0]) + 1
            w = (w + left + right - int(kw)) // int(layer.stride[1]) + 1
            if layer.kind == "conv":
                c = int(layer.kernel.shape[3])
        if h < 1 or w < 1:
            break
        shapes[layer.name] = (h, w, c)
    return shapes


def conv_flops(weights, height: int, width: int, deepest: str) -> dict[str, int]:
    """FLOPs of every convolution up to the deepest layer used, in file order.

    Parameters
    ----------
    weights : vgg_mat.VGGWeights
        The network (kernels ``(KH, KW, C_in, C_out)``, strides, pads).
    height, width : int
        Input size in pixels.
    deepest : str
        The deepest layer used (a file name such as ``"relu5_2"``).

    Returns
    -------
    dict of str to int
        ``{conv layer name: 2 * H_out * W_out * KH * KW * C_in * C_out}``.
    """
    shapes = layer_shapes(weights, height, width)
    if deepest not in shapes:
        raise ValueError(f"layer {deepest!r} is not reached by a {height}x{width} input")
    flops: dict[str, int] = {}
    for layer in weights.layers:
        if layer.kind == "conv":
            h, w, _ = shapes[layer.name]
            kh, kw, cin, cout = (int(v) for v in layer.kernel.shape)
            flops[layer.name] = 2 * h * w * kh * kw * cin * cout
        if layer.name == deepest:
            break
    return flops


def step_flops(
    weights, height: int, width: int, layers: Iterable[str], style_layers: Iterable[str]
) -> dict[str, float]:
    r"""Forward and step FLOPs of one style-transfer evaluation at ``height x width``.

    Parameters
    ----------
    weights : vgg_mat.VGGWeights
    height, width : int
    layers : iterable of str
        Every layer the loss reads (file names); the deepest one bounds the forward pass.
    style_layers : iterable of str
        The layers whose Gram matrices are formed.

    Returns
    -------
    dict
        ``conv``, ``gram``, ``forward`` = conv + gram, and ``step`` = 2 * forward, in FLOPs.

    Notes
    -----
    .. math:: F_{fwd} = \sum_{conv \le deepest} 2 H_o W_o K_H K_W C_{in} C_{out}
              + \sum_{l \in style} 2 M_l N_l^2, \qquad F_{step} = 2 F_{fwd}
    """
    names = list(weights.names)
    deepest = max(layers, key=names.index)
    conv = sum(conv_flops(weights, height, width, deepest).values())
    shapes = layer_shapes(weights, height, width)
    gram = 0
    for name in style_layers:
        h, w, c = shapes[name]
        gram += 2 * h * w * c * c
    forward = float(conv + gram)
    return {"conv": float(conv), "gram": float(gram), "forward": forward, "step": 2.0 * forward}


def matmul_probe(n: int = 2048, calls: int = 5):
    r"""A compiled float32 ``n x n`` matmul; returns a function giving one rate in GFLOP/s.

    Parameters
    ----------
    n : int
        Matrix size; 2048 is comparable to VGG's largest im2col products.
    calls : int
        Matmuls per measurement: 5 x 2048^3 x 2 = 86 GFLOP, about as long as a step at 256 px,
        so the probe meets the same noise from other processes as the steps it is compared with.

    Returns
    -------
    callable () -> float
        Each call measures once: :math:`2 n^3 \cdot calls` FLOPs over the wall time, the
        result read back (``.numpy()``) so the work is really done. Traced and warmed up here.
    """
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
    b = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
    product = tf.function(lambda x, y: tf.reduce_sum(tf.matmul(x, y)))
    product(a, b).numpy()

    def rate() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            product(a, b).numpy()
        return 2.0 * n**3 * calls / (time.perf_counter() - start) / 1e9

    return rate
