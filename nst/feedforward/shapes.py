"""The sizes each generator can take, without TensorFlow (the command line checks them first).

- Johnson's `TransformNet` has two stride-2 convolutions: it trains on sides that are multiples
  of `JOHNSON_MULTIPLE` (4) and needs at least `JOHNSON_MIN_SIDE` (16 px, 4 x 4 positions at the
  residual blocks); applied to a photo, it pads any side to the next multiple and crops back.
- Ulyanov's `TextureNet` with K scales draws noise at sides / 2^k for k < K: it makes sides
  that are multiples of 2^(K-1), at least `TEXTURE_MIN_COARSEST` times that.

`check_size` turns a size the network cannot take into one ValueError that says what to give.
"""

from __future__ import annotations

__all__ = ["JOHNSON_MIN_SIDE", "JOHNSON_MULTIPLE", "check_size", "min_side", "multiple"]

#: Two stride-2 convolutions: sides must be multiples of 4 to come back to the same size.
JOHNSON_MULTIPLE = 4
#: The smallest side Johnson's network takes: 4 x 4 positions at the residual blocks.
JOHNSON_MIN_SIDE = 16
#: The coarsest noise of the texture network has at least this many pixels per side.
TEXTURE_MIN_COARSEST = 4


def multiple(architecture: dict) -> int:
    """Sides a network takes directly are multiples of this.

    >>> multiple({"kind": "texture", "scales": 5, "width": 8})
    16
    """
    if architecture["kind"] == "texture":
        return 2 ** (int(architecture["scales"]) - 1)
    return JOHNSON_MULTIPLE


def min_side(architecture: dict) -> int:
    """The smallest side a network takes.

    >>> min_side({"kind": "johnson", "width": 32, "blocks": 5})
    16
    >>> min_side({"kind": "texture", "scales": 5, "width": 8})
    64
    """
    if architecture["kind"] == "texture":
        return TEXTURE_MIN_COARSEST * multiple(architecture)
    return JOHNSON_MIN_SIDE


def check_size(
    architecture: dict,
    height: int,
    width: int,
    what: str,
    *,
    exact: bool = False,
    hint: str = "use a larger image",
) -> None:
    """ValueError if the network cannot take ``height x width``.

    `exact`: the sides must also be multiples of `multiple` (training crops; application pads).

    >>> check_size({"kind": "johnson"}, 250, 250, "--size", exact=True)
    Traceback (most recent call last):
    ...
    ValueError: --size 250x250: sides must be multiples of 4 for this network; use 248 or 252
    """
    least, m = min_side(architecture), multiple(architecture)
    if min(height, width) < least:
        raise ValueError(
            f"{what} {height}x{width}: this {architecture['kind']} network needs sides of at "
            f"least {least} px; {hint}"
        )
    if exact and (height % m or width % m):
        side = height if height % m else width
        raise ValueError(
            f"{what} {height}x{width}: sides must be multiples of {m} for this network; use "
            f"{max(least, side // m * m)} or {-(-side // m) * m}"
        )
