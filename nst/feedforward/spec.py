"""The generators' architectures as data, without TensorFlow: settings, limits, weight shapes.

An architecture is a small dict, ``{"kind": "johnson", "width": 32, "blocks": 5}`` or
``{"kind": "texture", "scales": 5, "width": 8}``, written into every model file.
`check_architecture` accepts only known kinds with integer settings inside `LIMITS` (a damaged
or hostile file could otherwise ask for a network of tens of gigabytes), and `weight_shapes`
lists every variable the network will have, by its path name, with its shape, so a model file
is checked against its architecture before any network is built:

- Johnson (w = width, R = blocks): ``down0`` 9x9 3->w, ``down1`` 3x3 w->2w, ``down2`` 3x3
  2w->4w, ``res0 .. res{R-1}`` two 3x3 4w->4w each, ``up0`` 3x3 4w->2w, ``up1`` 3x3 2w->w,
  ``out`` 9x9 w->3 (`nst.feedforward.johnson`);
- texture (K = scales, w = width): ``noise{k}`` for k < K, three convolutions (3x3 3->w, 3x3
  w->w, 1x1 w->w); for k < K-1 ``noise{k}/norm`` (w), ``join{k}/up_norm`` ((K-1-k) w) and
  ``join{k}``, three convolutions of (K-k) w channels; ``out`` 1x1 Kw->3
  (`nst.feedforward.texture`).

Every convolution has ``kernel`` (k, k, C_in, C_out) and ``bias`` (C_out,); every instance norm
``scale`` and ``offset`` (C,). A test checks these against the networks' own variables.
"""

from __future__ import annotations

__all__ = ["KINDS", "LIMITS", "check_architecture", "parameter_count", "weight_shapes"]

#: The architectures, and the settings each takes (all integers).
KINDS = {"johnson": ("width", "blocks"), "texture": ("scales", "width")}
#: (smallest, largest) of each setting: a few times the papers' values (Johnson: width 32,
#: 5 blocks; Ulyanov: 5 scales, width 8). At the limits a network has about 50 M weights
#: (Johnson's, 200 MB of float32; the texture generator's 16 M), not the gigabytes a damaged
#: file could otherwise ask for.
LIMITS = {
    "johnson": {"width": (1, 128), "blocks": (0, 10)},
    "texture": {"scales": (1, 8), "width": (1, 64)},
}

Shapes = dict[str, tuple[int, ...]]


def check_architecture(architecture) -> dict:
    """The architecture, checked: a known kind, each setting an integer within `LIMITS`.

    Raises
    ------
    ValueError
        Saying which setting is wrong and what it may be.

    Examples
    --------
    >>> check_architecture({"kind": "johnson", "width": 32, "blocks": 5})["width"]
    32
    >>> check_architecture({"kind": "texture", "scales": 5, "width": 0})
    Traceback (most recent call last):
    ...
    ValueError: texture setting width=0 must be an integer from 1 to 64
    """
    kind = architecture.get("kind") if isinstance(architecture, dict) else None
    if kind not in KINDS:
        raise ValueError(f"unknown network kind {kind!r} (known: {', '.join(KINDS)})")
    for key in KINDS[kind]:
        value, (low, high) = architecture.get(key), LIMITS[kind][key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError(
                f"{kind} setting {key}={value!r} must be an integer from {low} to {high}"
            )
    return architecture


def _conv(shapes: Shapes, name: str, size: int, channels_in: int, channels_out: int) -> None:
    shapes[f"{name}/kernel"] = (size, size, channels_in, channels_out)
    shapes[f"{name}/bias"] = (channels_out,)


def _norm(shapes: Shapes, name: str, channels: int) -> None:
    shapes[f"{name}/scale"] = (channels,)
    shapes[f"{name}/offset"] = (channels,)


def _block(shapes: Shapes, name: str, size: int, channels_in: int, channels_out: int) -> None:
    """A `ConvBlock`: ``name/conv`` and ``name/norm``."""
    _conv(shapes, f"{name}/conv", size, channels_in, channels_out)
    _norm(shapes, f"{name}/norm", channels_out)


def weight_shapes(architecture: dict) -> Shapes:
    """``{path name: shape}`` of every variable of the network, sorted by name.

    The architecture is checked first (`check_architecture`).

    Examples
    --------
    >>> shapes = weight_shapes({"kind": "johnson", "width": 32, "blocks": 5})
    >>> shapes["down0/conv/kernel"], shapes["res4/b/norm/offset"], shapes["out/kernel"]
    ((9, 9, 3, 32), (128,), (9, 9, 32, 3))
    >>> weight_shapes({"kind": "texture", "scales": 2, "width": 8})["join0/0/conv/kernel"]
    (3, 3, 16, 16)
    """
    check_architecture(architecture)
    shapes: Shapes = {}
    if architecture["kind"] == "johnson":
        w, blocks = architecture["width"], architecture["blocks"]
        _block(shapes, "down0", 9, 3, w)
        _block(shapes, "down1", 3, w, 2 * w)
        _block(shapes, "down2", 3, 2 * w, 4 * w)
        for i in range(blocks):
            _block(shapes, f"res{i}/a", 3, 4 * w, 4 * w)
            _block(shapes, f"res{i}/b", 3, 4 * w, 4 * w)
        _block(shapes, "up0", 3, 4 * w, 2 * w)
        _block(shapes, "up1", 3, 2 * w, w)
        _conv(shapes, "out", 9, w, 3)
    else:
        scales, w = architecture["scales"], architecture["width"]
        k_max = scales - 1
        for k in range(scales):
            for i, (size, c_in) in enumerate([(3, 3), (3, w), (1, w)]):
                _block(shapes, f"noise{k}/{i}", size, c_in, w)
        for k in range(k_max):
            channels = (k_max + 1 - k) * w
            _norm(shapes, f"noise{k}/norm", w)
            _norm(shapes, f"join{k}/up_norm", (k_max - k) * w)
            for i, size in enumerate([3, 3, 1]):
                _block(shapes, f"join{k}/{i}", size, channels, channels)
        _conv(shapes, "out", 1, scales * w, 3)
    return dict(sorted(shapes.items()))


def parameter_count(architecture: dict) -> int:
    """The number of weights of the network.

    >>> parameter_count({"kind": "johnson", "width": 32, "blocks": 5})
    1679235
    """
    total = 0
    for shape in weight_shapes(architecture).values():
        count = 1
        for side in shape:
            count *= side
        total += count
    return total
