"""Every choice list of a run, written once. Pure data: no TensorFlow, no other module of ours.

`nst.config` checks settings against these, `nst.presets` checks its records, the command line
offers them (``--optimizer``, ``--init``, ...) and the progress bar and plots show `LOSS_TERMS`.
The loss conventions' names are in `nst.conventions`, the pooling methods and layer names in
`vgg_mat.architecture`.
"""

from __future__ import annotations

from vgg_mat.architecture import POOLING_METHODS, PRECISIONS

#: The optimisers: L-BFGS (Gatys' choice), Adam, plain gradient descent.
OPTIMIZERS = ("lbfgs", "adam", "sgd")

#: How ``optimizer="lbfgs"`` runs: ``auto`` = ``tf``, the projected L-BFGS with its vector work
#: in compiled TensorFlow (`nst.lbfgs`); ``minimize``, scipy's L-BFGS-B (`nst.lbfgs_scipy`, the
#: reference; 4-13x more work per evaluation at 256-512 px).
LBFGS_ENGINES = ("auto", "tf", "minimize")

#: Engines that were removed, with what to say to whoever asks for one.
REMOVED_LBFGS_ENGINES = {"setulb": "removed; use 'minimize' for scipy's L-BFGS-B"}

#: Colour preservation (`nst.color`): stylise the luminance only, or match the style's colours.
PRESERVE_COLORS = ("luminance", "histogram")

#: Where the optimised image starts: the content photo, noise, the content plus noise, the
#: (first) style image. An image path or array is also accepted (`nst.config`).
INIT_MODES = ("content", "noise", "content+noise", "style")

#: Where an implementation read its activations: after the ReLU (``relu4_2``) or before it
#: (``conv4_2``).
TAPS = ("post-relu", "pre-relu")

#: The loss terms every run reports, in this order (per-layer entries follow in a `Step`).
LOSS_TERMS = ("total", "content", "style", "tv")

#: Pooling in the network (owned by `vgg_mat.architecture`).
POOLING = POOLING_METHODS

#: The network's number formats (owned by `vgg_mat.architecture`; see `vgg_mat.precision`).
PRECISION = PRECISIONS
