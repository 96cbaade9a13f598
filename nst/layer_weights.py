r"""Per-layer style weights from one exponent (neural-style's ``--style-layer-weight-exp``).

anishathalye/neural-style weights its style layers geometrically: the i-th style layer (shallow
to deep) gets :math:`e^i`, normalised to sum 1. ``e > 1`` stresses the deep layers (larger,
smoother structures), ``e < 1`` the shallow ones (fine texture, colour), ``e = 1`` leaves the
weights alone. `style_layer_weights` applies the same exponent on top of any weights
``{layer: w_l}`` (e.g. a preset's), keeping their sum.

The content side needs nothing new: `nst.StylizeConfig.content_layers` already takes several
layers with weights, ``{"relu4_2": 0.7, "relu5_2": 0.3}``; the content term is
:math:`\alpha \sum_l c_l L_{c,l}`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from vgg_mat.architecture import VGG19_LAYER_NAMES

__all__ = ["style_layer_weights"]


def _depth(name: str) -> int:
    """Position of `name` in VGG-19's layer order (unknown names last, in their given order)."""
    names = list(VGG19_LAYER_NAMES)
    return names.index(name) if name in names else len(names)


def style_layer_weights(layers: Mapping[str, float], exponent: float) -> dict[str, float]:
    r"""Multiply the i-th style layer's weight by exponent**i, keeping the sum of the weights.

    Parameters
    ----------
    layers : mapping of str to float
        :math:`w_l` by (file) layer name, e.g. a resolved ``StylizeConfig.style_layers``.
    exponent : float
        e > 0; 1 returns the weights unchanged.

    Returns
    -------
    dict of str to float
        In the order of `layers`.

    Notes
    -----
    With the layers sorted shallow to deep (VGG-19's order), i = 0, 1, ...,

    .. math:: w_l' = w_l e^{i(l)} \, \frac{\sum_j w_j}{\sum_j w_j e^{i(j)}}.

    With equal weights summing to 1 this is neural-style's rule exactly:
    :math:`w_i = e^i / \sum_j e^j`.

    Examples
    --------
    >>> style_layer_weights({"relu1_1": 0.5, "relu2_1": 0.5}, 3.0)
    {'relu1_1': 0.25, 'relu2_1': 0.75}
    """
    e = float(exponent)
    if not math.isfinite(e) or e <= 0:
        raise ValueError(f"style_layer_weight_exp must be a finite number > 0, got {exponent!r}")
    weights = dict(layers)
    if e == 1.0 or not weights:
        return weights
    order = sorted(weights, key=_depth)  # stable: ties keep the given order
    scaled = {name: weights[name] * e ** order.index(name) for name in weights}  # w_l e^i
    total, new_total = sum(weights.values()), sum(scaled.values())
    if new_total == 0:
        return weights
    return {name: w * total / new_total for name, w in scaled.items()}
