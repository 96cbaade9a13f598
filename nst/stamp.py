"""`stamp_synthetic`: a figure made with random weights says so on itself, in red.

`nst.plots` stamps its own figures (their ``synthetic=`` argument); any other figure gets the
label with ``stamp_synthetic(fig, when=weights)``, which does nothing for the real weights.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine

__all__ = ["SYNTHETIC_LABEL", "is_synthetic", "stamp_synthetic"]

#: The label every figure made with random weights carries.
SYNTHETIC_LABEL = "SYNTHETIC WEIGHTS - NOT VGG-19"


def stamp_synthetic(fig: Figure, text: str = SYNTHETIC_LABEL, *, when: Any = True) -> Figure:
    """Write a loud red "synthetic weights" label across the top of `fig` and return it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    text : str
        The label (default `SYNTHETIC_LABEL`).
    when : bool or VGGWeights
        Stamp only if this is true, or, for the weights the figure was made with, if they are
        synthetic: ``stamp_synthetic(fig, when=weights)`` is
        ``if weights.synthetic: stamp_synthetic(fig)`` in one line. Default: always.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The same figure, with one more ``fig.texts`` entry when stamped (idempotent: stamping
        twice adds one).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> fig = Figure()
    >>> len(stamp_synthetic(fig, when=SimpleNamespace(synthetic=False)).texts)
    0
    >>> len(stamp_synthetic(fig, when=SimpleNamespace(synthetic=True)).texts)
    1
    """
    if is_synthetic(when) and not any(t.get_text() == text for t in fig.texts):
        # Reserve a band at the top for the label (about 26 points) and, below it, for the
        # suptitle if there is one (about 20 points), so the label never covers an axes title
        # or the suptitle, whichever layout the figure uses.
        inch = 72.0 * fig.get_figheight()
        top = 1.0 - 26.0 / inch
        suptitle = fig._suptitle
        below = top - (20.0 / inch if suptitle is not None else 0.0)
        engine = fig.get_layout_engine()
        if isinstance(engine, ConstrainedLayoutEngine | TightLayoutEngine):
            engine.set(rect=(0, 0, 1, below))
        else:
            fig.subplots_adjust(top=min(fig.subplotpars.top, below - 0.06))
        if suptitle is not None:
            suptitle._autopos = False  # else constrained layout moves it back to the top
            suptitle.set_y(top)
            suptitle.set_va("top")
        fig.text(
            0.5,
            0.995,
            text,
            ha="center",
            va="top",
            color="white",
            fontsize=11,
            fontweight="bold",
            bbox={"facecolor": "red", "edgecolor": "none", "alpha": 0.85, "pad": 3},
            zorder=10,
        )
    return fig


def is_synthetic(synthetic: Any) -> bool:
    """A bool, or anything with a ``.synthetic`` attribute (a `vgg_mat.VGGWeights`)."""
    return bool(getattr(synthetic, "synthetic", synthetic))
