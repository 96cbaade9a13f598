"""Where an image came from, written into the image file: the weights' label, loudly synthetic.

- `SYNTHETIC_NOTICE`   what everything made with random weights says about itself.
- `weights_label`      the provenance text of an image made with some weights (PNG text chunks,
  a JPEG comment): ``Software``, ``Weights``, ``Description``, ``Warning`` when synthetic.
- `remember`, `recall` the label of an image array the loop made, kept while the array lives,
  so that ``nst.save_image("result.png", step.image)`` labels it without being told
  (`nst.Step` remembers each image it holds; a copy or a derived array is not labelled).

The run manifest (`nst.manifest`) uses the same labels for the command line's images.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Mapping
from typing import Any

__all__ = ["SYNTHETIC_NOTICE", "recall", "remember", "step_text", "weights_label"]

#: What every file made with random weights says about itself.
SYNTHETIC_NOTICE = "synthetic random weights, not a style-transfer result"

# id(array) -> (weak reference to the array, its label); an entry leaves with its array
_LABELS: dict[int, tuple[weakref.ref, dict[str, str]]] = {}


def weights_label(weights: Any, software: str, *, made_by: str | None = None) -> dict[str, str]:
    """The provenance text of an image made by `software` with `weights` (a `VGGWeights`);
    `made_by` names the maker in the description (default `software`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> w = SimpleNamespace(label="SYNTHETIC", synthetic=True, checksum=None)
    >>> weights_label(w, "nst-from-scratch (nst.stylize)")["Warning"]
    'SYNTHETIC RANDOM WEIGHTS, NOT A STYLE-TRANSFER RESULT'
    """
    label = {"Software": software, "Weights": weights.label}
    if weights.synthetic:
        label["Warning"] = SYNTHETIC_NOTICE.upper()
        label["Description"] = f"SYNTHETIC: made with {SYNTHETIC_NOTICE}"
    else:
        label["Description"] = f"{made_by or software} with VGG-19 weights ({weights.checksum})"
    return label


def step_text(label: Mapping[str, str], step: Any) -> dict[str, str]:
    """`label` plus one step's iteration and total loss.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> step_text({"Software": "nst"}, SimpleNamespace(iteration=50, losses={"total": 1234.5}))
    {'Software': 'nst', 'Iteration': '50', 'Loss': '1234.5'}
    """
    return {**label, "Iteration": str(step.iteration), "Loss": f"{step.losses['total']:.6g}"}


def remember(image: Any, label: Mapping[str, str]) -> None:
    """Keep `label` for the array `image` for as long as that array lives."""
    key = id(image)

    def forget(_ref, key=key) -> None:
        _LABELS.pop(key, None)

    with contextlib.suppress(TypeError):  # not weakly referenceable: nothing to know it by
        _LABELS[key] = (weakref.ref(image, forget), dict(label))


def recall(image: Any) -> dict[str, str] | None:
    """The label `remember` keeps for this very array, or None."""
    entry = _LABELS.get(id(image))
    if entry is None or entry[0]() is not image:
        return None
    return dict(entry[1])
