"""nst: neural style transfer on top of `vgg_mat`.

- `images`   `load_image`, `save_image`: float32 RGB HWC in [0, 255], atomic writes.
- `losses`   `gram_matrix`, `content_loss`, `style_loss`, `tv_loss`, every tutorial's convention.
- `presets`  named settings reproducing each major tutorial, and weight conversion between them.
- `optimize` `stylize(...)`: a generator of `Step` records (Adam or box-constrained L-BFGS).
- `color`    colour preservation: luminance-only transfer and histogram matching.
- `plots`    loss curves, Gram heatmaps, feature grids, high-pass images (matplotlib, headless).
- `cli`      the `nst` command line.

Names are exported lazily, so ``import nst`` stays cheap until a name is used.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "load_image": "images",
    "save_image": "images",
    "ImageError": "images",
    "gram_matrix": "losses",
    "content_loss": "losses",
    "style_loss": "losses",
    "tv_loss": "losses",
    "style_target": "losses",
    "PRESETS": "presets",
    "Preset": "presets",
    "get_preset": "presets",
    "convention_factor": "presets",
    "convert_weights": "presets",
    "content_factor": "presets",
    "to_gatys_units": "presets",
    "stylize": "optimize",
    "Step": "optimize",
    "StylizeError": "optimize",
    "StylizeConfig": "config",
    "luminance_transfer": "color",
    "match_color_histogram": "color",
    "stylize_coarse_to_fine": "multiscale",
    "plan_scales": "multiscale",
    "ScaleStep": "multiscale",
    "layer_masks": "masks",
    "guided_gram": "masks",
    "style_layer_weights": "layer_weights",
    "sample_content_path": "samples",
    "sample_style_paths": "samples",
    "sample_style_path": "samples",
    "covariance": "statistics",
    "mmd2": "statistics",
    "mean_std_loss": "statistics",
    "style_gradient_closed_form": "statistics",
    "radial_power_spectrum": "statistics",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nst' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"nst.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
