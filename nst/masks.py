r"""Spatial control: masks that give each style image its own region of the output.

Gatys, Ecker, Bethge, Hertzmann, Shechtman (2017), "Controlling Perceptual Factors in Neural
Style Transfer", section 4: *guided Gram matrices*. A mask m_k (one value in [0, 1] per output
pixel) says where style k applies. At a layer l the mask is brought to the layer's H_l x W_l by
following the network's own layers (`layer_masks`: every pooling window, and every convolution
that changes the size, averages the mask over its window), and the Gram matrix is taken of the
masked features (`guided_gram`). The style term of layer l becomes

.. math:: E_l = \sum_k \omega_k \, E\big(\hat G_{k,l}, \hat A_{k,l}\big),
          \qquad \hat G_{k,l} = \frac{\sum_p m_{k,l}(p)^2 f_p f_p^\top}{\sum_p m_{k,l}(p)^2},

with :math:`\hat A_{k,l}` style k's own target (`nst.losses.style_target`) and the region
weights :math:`\omega_k` of `region_weights`. Pixels where every mask is 0 get no style at all.

A mask of ones gives the ordinary Gram per position (``gram_matrix(F, "hw")``), exactly; a mask
of zeros removes its style from the loss, exactly.

Where the code is: masks act inside every single-scale run, so the guided Grams, the masks'
walk through the network and the region weights are part of the core (`nst.guided`, used by
`nst.objective`), and reading a mask (a file or an array) is one of the input checks
(`nst.inputs.load_mask`). This module gathers them under the feature's name.
"""

from __future__ import annotations

from nst.guided import (
    guided_features,
    guided_gram,
    guided_style_loss,
    layer_masks,
    masks_by_layer,
    region_weights,
)
from nst.inputs import load_mask

__all__ = [
    "guided_features",
    "guided_gram",
    "guided_style_loss",
    "layer_masks",
    "load_mask",
    "masks_by_layer",
    "region_weights",
]
