"""VGG layer names without TensorFlow: the file's 43 names and Keras' names for them.

`resolve_layer` maps a name a user typed (the file's ``relu4_2``, or Keras' ``block4_conv2``) to
the file's name; `keras_alias` goes the other way. Both are pure Python, so the command lines can
check names before (and without) importing TensorFlow. `vgg_mat.network` uses and re-exports them.
The 43 names themselves are `vgg_mat.architecture.VGG19_LAYER_NAMES` (re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vgg_mat.architecture import VGG19_LAYER_NAMES

__all__ = ["VGG19_LAYER_NAMES", "keras_alias", "resolve_layer"]


#: Keras layer names that are not of the form ``block{b}_conv{c}`` / ``block{b}_pool``.
#: A Keras ``Dense``/``Conv2D`` layer includes its activation, hence the post-ReLU names.
_KERAS_SPECIAL = {"fc1": "relu6", "fc2": "relu7", "predictions": "prob"}
_KERAS_CONV = re.compile(r"^block(\d+)_conv(\d+)$")
_KERAS_POOL = re.compile(r"^block(\d+)_pool$")


def resolve_layer(name: str, names: Iterable[str] | None = None) -> str:
    """Map a layer name (the file's own, or Keras' VGG-19 name) to the file's name.

    Parameters
    ----------
    name : str
        ``"relu4_2"`` (a file name, returned unchanged), ``"block4_conv2"`` (Keras, which maps
        to ``"relu4_2"``), ``"block1_pool"`` (-> ``"pool1"``), ``"fc1"`` / ``"fc2"`` (->
        ``"relu6"`` / ``"relu7"``) or ``"predictions"`` (-> ``"prob"``).
    names : iterable of str, optional
        The valid file names (e.g. ``weights.names`` of a VGG-16 file). Default: VGG-19's 43.

    Returns
    -------
    str
        The file's layer name.

    Raises
    ------
    ValueError
        If `name` is neither a valid file name nor a Keras name of one; the message lists the
        valid names.

    Notes
    -----
    A Keras ``Conv2D`` layer applies its ReLU, so Keras ``block{b}_conv{c}`` is the file's
    post-ReLU ``relu{b}_{c}``, never the pre-ReLU ``conv{b}_{c}``.
    """
    valid = tuple(VGG19_LAYER_NAMES if names is None else names)
    if not isinstance(name, str):
        raise ValueError(f"layer names are strings, got {name!r} ({type(name).__name__})")
    if name in valid:
        return name
    mapped = _KERAS_SPECIAL.get(name)
    conv, pool = _KERAS_CONV.match(name), _KERAS_POOL.match(name)
    if conv is not None:
        mapped = f"relu{conv[1]}_{conv[2]}"
    elif pool is not None:
        mapped = f"pool{pool[1]}"
    if mapped is not None and mapped in valid:
        return mapped
    raise ValueError(
        f"unknown layer name {name!r}; valid names: {', '.join(valid)} "
        "(or Keras names such as block4_conv2 -> relu4_2, block1_pool -> pool1)"
    )


def keras_alias(name: str) -> str | None:
    """Keras' VGG-19 name for the file's layer `name`, or None when Keras has no such layer.

    ``relu4_2`` -> ``block4_conv2`` (a Keras conv includes its ReLU), ``pool1`` ->
    ``block1_pool``, ``relu6`` / ``relu7`` / ``prob`` -> ``fc1`` / ``fc2`` / ``predictions``.
    Pre-ReLU outputs (``conv4_2``) and fc6-fc8 before their ReLU have no Keras name.
    """
    for keras, file_name in _KERAS_SPECIAL.items():
        if file_name == name:
            return keras
    relu = re.match(r"^relu(\d+)_(\d+)$", name)
    if relu is not None:
        return f"block{relu[1]}_conv{relu[2]}"
    pool = re.match(r"^pool(\d+)$", name)
    if pool is not None:
        return f"block{pool[1]}_pool"
    return None
