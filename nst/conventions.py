r"""Every loss convention in one table, without TensorFlow: name, formula, factor, sources.

Each tutorial computes the same three losses with its own constants. `CONVENTIONS` has one row
per convention: its term (content, style or TV), its formula as text, its sources, and for
content and style its **factor relative to Gatys' form** (curriculum section 4.1),

.. math:: d = \frac{\text{term}}{L_c}, \quad L_c = \tfrac12 \sum (F - P)^2, \qquad
          c = \frac{\text{term}}{E}, \quad E = \frac{1}{4 N^2 M^2} \sum (G - A)^2,

a function of N channels, M = H * W positions of the layer and, for ``keras-example`` only,
M_img, the pixels of the input image. The functions work on Python floats and on tf tensors
alike. TV kinds differ in form (L1 against L2), so no constant converts one into another: their
row gives instead the power p with TV(s x) = s^p TV(x) when pixels are scaled by s.

`nst.losses` computes Gatys' forms and multiplies by the factor; `nst.presets` converts weights
with it; `nst.formulas` prints the formulas; lessons L4 and L10 print the table. ``nst
presets``, ``nst --help`` and argument checks read it without importing TensorFlow.

Symbols: F the (M, N) features of the generated image at one layer, P the content image's,
G = F^T F and A the raw Gram matrices, dx / dy the neighbour differences of the image.

Examples
--------
>>> find("style", "pytorch-tutorial").factor(64, 1024, None)
0.0009765625
>>> find("content", "coursera").factor_text
'1 / (2 N M)'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: How `gram_matrix` may normalise: raw F^T F, divided by M = H*W, or by M*C.
GRAM_NORMALIZATIONS = ("none", "hw", "hwc")

#: The three loss terms, and how an error message calls a convention of each.
TERMS = {"content": "content convention", "style": "style convention", "tv": "TV kind"}


@dataclass(frozen=True)
class Convention:
    """One row of the table.

    Attributes
    ----------
    name : str
        What ``convention=`` (or ``kind=`` for TV) takes.
    term : {"content", "style", "tv"}
    formula : str
        The term as the implementation writes it, in the symbols of this module.
    sources : tuple of str
        Implementations that use it, each with a public reference (paper, URL or repository
        and file).
    factor : callable (N, M, M_img) -> number, or None
        term / (Gatys' form) for content and style; None for TV.
    factor_text : str
        The factor as text, e.g. ``"4 / N^2"`` ("" for TV).
    scale_power : float or None
        TV only: p with TV(s x) = s^p TV(x) (``isotropic`` with its default beta = 1).
    """

    name: str
    term: str
    formula: str
    sources: tuple[str, ...]
    factor: Callable[[Any, Any, Any], Any] | None = None
    factor_text: str = ""
    scale_power: float | None = None

    @property
    def needs_image_positions(self) -> bool:
        """Whether the factor uses M_img (the input's pixels), not only the layer's shape."""
        return "M_img" in self.factor_text


_PAPER = "Gatys, Ecker, Bethge (CVPR 2016), 'Image Style Transfer Using CNNs', eqs. 1-5"
_TF = "TF tutorial: tensorflow/docs site/en/tutorials/generative/style_transfer.ipynb"
_NOTEBOOK = "Gatys' notebook: leongatys/PytorchNeuralStyleTransfer NeuralStyleTransfer.ipynb"
_CS231N = "CS231n assignment 3: StyleTransfer-TensorFlow.ipynb (cs231n.github.io)"
_JOHNSON = "Johnson, Alahi, Fei-Fei, 'Perceptual Losses for Real-Time Style Transfer', ECCV 2016"
_PYTORCH = "PyTorch tutorial: pytorch/tutorials advanced_source/neural_style_tutorial.py"
_ANISH = "anishathalye/neural-style: stylize.py"
_JCJOHNSON = "jcjohnson/neural-style: neural_style.lua"
_D2L = "d2l.ai: d2l-ai/d2l-en chapter_computer-vision/neural-style.md"
_KERAS = "Keras example: keras-team/keras-io examples/generative/neural_style_transfer.py"
_COURSERA = (
    "deeplearning.ai Deep Learning Specialization, course 4 week 4: "
    "Art_Generation_with_Neural_Style_Transfer.ipynb"
)
_FASTAI = "fast.ai 2018 lesson 13: fastai/fastai courses/dl2/style-transfer.ipynb"
_MAHENDRAN = "Mahendran, Vedaldi (CVPR 2015), 'Understanding Deep Image Representations...'"

#: The table: content conventions, style conventions, TV kinds (in the order the CLI lists them).
CONVENTIONS = (
    # --- content: d = term / L_c -------------------------------------------------------------
    Convention("gatys", "content", "1/2 sum (F - P)^2", (_PAPER, "tf.nn.l2_loss"),
               lambda n, m, m_img: 1.0, "1"),
    Convention("sum", "content", "sum (F - P)^2", (_CS231N, _KERAS),
               lambda n, m, m_img: 2.0, "2"),
    Convention("mse", "content", "sum (F - P)^2 / (N M)",
               (_TF, _NOTEBOOK, _JOHNSON, _PYTORCH, _ANISH, _JCJOHNSON, _D2L),
               lambda n, m, m_img: 2.0 / (n * m), "2 / (N M)"),
    Convention("coursera", "content", "sum (F - P)^2 / (4 N M)", (_COURSERA,),
               lambda n, m, m_img: 1.0 / (2.0 * n * m), "1 / (2 N M)"),
    # --- style: c = term / E ------------------------------------------------------------------
    Convention("gatys", "style", "sum (G - A)^2 / (4 N^2 M^2)", (_PAPER,),
               lambda n, m, m_img: 1.0, "1"),
    Convention("coursera", "style", "sum (G - A)^2 / (4 N^2 M^2)", (_COURSERA,),
               lambda n, m, m_img: 1.0, "1"),
    Convention("tf-tutorial", "style", "mean over N^2 of (G/M - A/M)^2", (_TF,),
               lambda n, m, m_img: 4.0, "4"),
    Convention("gatys-notebook", "style", "mean over N^2 of (G/M - A/M)^2", (_NOTEBOOK,),
               lambda n, m, m_img: 4.0, "4"),
    Convention("cs231n", "style", "sum (G/(N M) - A/(N M))^2", (_CS231N,),
               lambda n, m, m_img: 4.0, "4"),
    Convention("johnson", "style", "sum (G/(N M) - A/(N M))^2", (_JOHNSON,),
               lambda n, m, m_img: 4.0, "4"),
    Convention("pytorch-tutorial", "style", "mean over N^2 of (G/(N M) - A/(N M))^2",
               (_PYTORCH,), lambda n, m, m_img: 4.0 / n**2, "4 / N^2"),
    Convention("anish", "style", "mean over N^2 of (G/(N M) - A/(N M))^2", (_ANISH,),
               lambda n, m, m_img: 4.0 / n**2, "4 / N^2"),
    Convention("jcjohnson", "style", "mean over N^2 of (G/(N M) - A/(N M))^2", (_JCJOHNSON,),
               lambda n, m, m_img: 4.0 / n**2, "4 / N^2"),
    Convention("d2l", "style", "mean over N^2 of (G/(N M) - A/(N M))^2", (_D2L,),
               lambda n, m, m_img: 4.0 / n**2, "4 / N^2"),
    Convention("keras-example", "style", "sum (G - A)^2 / (4 * 3^2 * M_image^2)", (_KERAS,),
               lambda n, m, m_img: n**2 * m**2 / (9.0 * m_img**2), "N^2 M^2 / (9 M_img^2)"),
    Convention("fastai-2018", "style", "mean over N^2 of (1e6 (G - A)/(N M))^2", (_FASTAI,),
               lambda n, m, m_img: 4e12 / n**2, "4e12 / N^2"),
    # --- TV: no constant factor; TV(s x) = s^p TV(x) ------------------------------------------
    Convention("l1", "tv", "sum |dx| + sum |dy|", (_TF + " (tf.image.total_variation)",),
               scale_power=1.0),
    Convention("l2", "tv", "sum dx^2 + sum dy^2", (_CS231N,), scale_power=2.0),
    Convention("mean-l2", "tv", "mean dy^2 + mean dx^2", (_ANISH,), scale_power=2.0),
    Convention("mean-l1-half", "tv", "1/2 (mean |dy| + mean |dx|)", (_D2L,), scale_power=1.0),
    Convention("crop-l2-half", "tv", "1/2 sum_crop (dx^2 + dy^2)", (_JCJOHNSON,),
               scale_power=2.0),
    Convention("keras", "tv", "sum_crop (dx^2 + dy^2)^1.25", (_KERAS,), scale_power=2.5),
    Convention("isotropic", "tv", "sum_crop (dx^2 + dy^2)^(beta/2)", (_MAHENDRAN,),
               scale_power=1.0),
)  # fmt: skip


def names(term: str) -> tuple[str, ...]:
    """The names of one term's conventions, in table order."""
    return tuple(row.name for row in CONVENTIONS if row.term == term)


#: Content-loss conventions (d = term / L_c).
CONTENT_CONVENTIONS = names("content")
#: Style-loss conventions, by the implementation whose per-layer term they reproduce (c = term/E).
STYLE_CONVENTIONS = names("style")
#: Total-variation kinds (curriculum section 4.4).
TV_KINDS = names("tv")


def find(term: str, name: str) -> Convention:
    """The row of `term`'s convention `name`; an unknown name raises ValueError listing the known.

    >>> find("tv", "l1").scale_power
    1.0
    """
    for row in CONVENTIONS:
        if row.term == term and row.name == name:
            return row
    raise ValueError(f"unknown {TERMS[term]} {name!r}; use one of: {', '.join(names(term))}")


def table_lines(term: str) -> list[str]:
    """One term's rows as aligned text: name, formula, factor (or TV's power p), sources.

    >>> for line in table_lines("content"):
    ...     print(line[:49].rstrip())
    name      formula                  d = term / L_c
    --------  -----------------------  --------------
    gatys     1/2 sum (F - P)^2        1
    sum       sum (F - P)^2            2
    mse       sum (F - P)^2 / (N M)    2 / (N M)
    coursera  sum (F - P)^2 / (4 N M)  1 / (2 N M)
    """
    rows = [row for row in CONVENTIONS if row.term == term]
    third = (
        "TV(s x) / TV(x)" if term == "tv" else ("d = term / L_c", "c = term / E")[term == "style"]
    )
    cells = [("name", "formula", third, "sources")]
    for row in rows:
        factor = f"s^{row.scale_power:g}" if term == "tv" else row.factor_text
        cells.append((row.name, row.formula, factor, "; ".join(row.sources)))
    widths = [max(len(c[i]) for c in cells) for i in range(3)]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(3)) + "  " + c[3] for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 7)
    return lines
