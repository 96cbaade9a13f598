"""Which VGG-19 weights trained a model: written into every model file, read back for labels.

A generator learns whatever its loss network sees, so a network trained with synthetic random
weights makes images that must say so, as `nst.stylize`'s do (`nst.provenance`). Here:

- `provenance` is what `nst.feedforward.modelfile.save_model` writes into a model's ``info``
  (``vgg_weights``, ``vgg_checksum``, ``synthetic``, ``notice``); `save_model` cannot be called
  without the weights, so no model file is written without it;
- `provenance_problem` is what `read_model_file` refuses (a ``synthetic`` that is not a bool);
- `trained_with` and `image_label` are what `nst apply` writes into each image: the synthetic
  label, the real weights' label, or, for a file that does not say (one written before the
  provenance was required), **unknown provenance**: never the label of real weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nst.provenance import SYNTHETIC_NOTICE, weights_label

__all__ = [
    "UNKNOWN_NOTICE",
    "TrainedWith",
    "image_label",
    "notice",
    "provenance",
    "provenance_problem",
    "trained_with",
]

#: What an image says when its model file does not say which weights trained the model.
UNKNOWN_NOTICE = "unknown provenance: the model file does not say which VGG-19 weights trained it"


@dataclass(frozen=True)
class TrainedWith:
    """The loss network's weights of a model, as `nst.provenance.weights_label` takes them."""

    label: str
    synthetic: bool
    checksum: str | None = None


def provenance(weights: Any) -> dict[str, Any]:
    """The entries of a model's ``info`` that say which weights trained it (JSON-ready).

    `weights` is the loss network's `vgg_mat.VGGWeights` (anything with ``label``, a bool
    ``synthetic`` and ``checksum``).

    Examples
    --------
    >>> p = provenance(TrainedWith("SYNTHETIC (tiny.mat)", True, "abc"))
    >>> p["synthetic"], p["notice"]
    (True, 'synthetic random weights, not a style-transfer result')
    """
    synthetic = weights.synthetic
    if not isinstance(synthetic, bool):
        raise TypeError(f"weights.synthetic must be True or False, got {synthetic!r}")
    return {
        "vgg_weights": str(weights.label),
        "vgg_checksum": None if weights.checksum is None else str(weights.checksum),
        "synthetic": synthetic,
        "notice": SYNTHETIC_NOTICE if synthetic else None,
    }


def provenance_problem(info: Any) -> str | None:
    """What is wrong with the provenance entries of a model's ``info``, or None.

    Missing entries are not wrong (an older file: `trained_with` says unknown); entries of the
    wrong type are.

    >>> provenance_problem({"synthetic": "no"})
    "its info says synthetic='no'; it must be true or false"
    """
    if not isinstance(info, dict):
        return f"its info is {type(info).__name__}, not a JSON object"
    if "synthetic" in info and not isinstance(info["synthetic"], bool):
        return f"its info says synthetic={info['synthetic']!r}; it must be true or false"
    for key in ("vgg_weights", "vgg_checksum"):
        if info.get(key) is not None and not isinstance(info[key], str):
            return f"its info says {key}={info[key]!r}; it must be a string"
    return None


def trained_with(info: dict) -> TrainedWith | None:
    """The weights a model file says trained it; None when it does not say (unknown).

    Synthetic wins whenever the file says so; real weights need both ``synthetic: false`` and
    their label.

    >>> trained_with({"synthetic": True}).synthetic
    True
    >>> trained_with({"vgg_weights": "VGG weights from x.mat"}) is None
    True
    """
    label, checksum = info.get("vgg_weights"), info.get("vgg_checksum")
    if info.get("synthetic") is True:
        return TrainedWith(label if isinstance(label, str) else "SYNTHETIC", True, checksum)
    if info.get("synthetic") is False and isinstance(label, str):
        return TrainedWith(label, False, checksum)
    return None


def image_label(info: dict, software: str, *, made_by: str) -> dict[str, str]:
    """The provenance text of an image a model made (`nst.provenance.weights_label`).

    >>> image_label({}, "nst apply", made_by="a network")["Warning"]
    'UNKNOWN PROVENANCE: THE MODEL FILE DOES NOT SAY WHICH VGG-19 WEIGHTS TRAINED IT'
    """
    weights = trained_with(info)
    if weights is not None:
        return weights_label(weights, software, made_by=made_by)
    return {
        "Software": software,
        "Weights": "unknown",
        "Warning": UNKNOWN_NOTICE.upper(),
        "Description": f"UNKNOWN PROVENANCE: made by {made_by}; {UNKNOWN_NOTICE}",
    }


def notice(info: dict) -> str | None:
    """The loud tag of a model's images on the terminal: synthetic, unknown, or None (real).

    >>> notice({"synthetic": False, "vgg_weights": "VGG weights from x.mat"}) is None
    True
    >>> notice({})
    'UNKNOWN PROVENANCE'
    """
    weights = trained_with(info)
    if weights is None:
        return "UNKNOWN PROVENANCE"
    return SYNTHETIC_NOTICE.upper() if weights.synthetic else None
