"""The names of every loss convention, without TensorFlow: one place, imported everywhere.

`nst.losses` implements them, `nst.presets` and `nst.config` check names against them, and the
command line lists them, so ``nst presets``, ``nst --help`` and argument checks never have to
import TensorFlow. The formula of each is in `nst.losses` (and printed by `nst.formulas`).
"""

from __future__ import annotations

#: How `gram_matrix` may normalise: raw F^T F, divided by M = H*W, or by M*C.
GRAM_NORMALIZATIONS = ("none", "hw", "hwc")

#: Content-loss conventions. d = (convention's term) / (Gatys' L_c), with N channels and M
#: positions of the content layer (see `nst.presets.content_factor`).
CONTENT_CONVENTIONS = ("gatys", "sum", "mse", "coursera")

#: Style-loss conventions, by the name of the implementation whose per-layer term they reproduce.
#: c = (convention's term) / (Gatys' E_l) (see `nst.presets.convention_factor`).
STYLE_CONVENTIONS = (
    "gatys",  # paper: raw Gram, sum (G - A)^2 / (4 N^2 M^2)               c = 1
    "coursera",  # deeplearning.ai: the paper's formula, raw Grams         c = 1
    "tf-tutorial",  # TF style_transfer.ipynb: Gram / M, mean over N^2     c = 4
    "gatys-notebook",  # leongatys PyTorch notebook: Gram / M, MSE         c = 4
    "cs231n",  # CS231n assignment: Gram / (N M), sum                      c = 4
    "johnson",  # Johnson et al. 2016: Gram / (N M), squared Frobenius     c = 4
    "pytorch-tutorial",  # PyTorch tutorial: Gram / (N M), MSE over N^2    c = 4 / N^2
    "anish",  # anishathalye/neural-style: Gram / (N M), 2 l2_loss / N^2   c = 4 / N^2
    "jcjohnson",  # jcjohnson/neural-style: Gram / (N M), MSECriterion     c = 4 / N^2
    "d2l",  # d2l.ai: Gram / (N M), mean over N^2                          c = 4 / N^2
    "keras-example",  # keras-io: raw Gram, sum / (4 * 3^2 * M_img^2)      c = N^2 M^2 / (9 M_img^2)
    "fastai-2018",  # fast.ai lesson 13: Gram / (N M) * 1e6, MSE           c = 4e12 / N^2
)

#: Total-variation kinds (curriculum section 4.4). dx, dy are neighbour differences per channel.
TV_KINDS = (
    "l1",  # sum |dx| + sum |dy|        (TF tutorial, tf.image.total_variation)
    "l2",  # sum dx^2 + sum dy^2        (CS231n)
    "mean-l2",  # mean dy^2 + mean dx^2, each over its own count (anishathalye/neural-style)
    "mean-l1-half",  # 1/2 (mean |dy| + mean |dx|)                   (d2l)
    "crop-l2-half",  # 1/2 sum_crop (dx^2 + dy^2)                     (jcjohnson/neural-style)
    "keras",  # sum_crop (dx^2 + dy^2)^1.25                          (keras-io example)
    "isotropic",  # sum_crop (dx^2 + dy^2)^(beta / 2)                (Mahendran & Vedaldi)
)
