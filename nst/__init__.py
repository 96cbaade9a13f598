"""nst: neural style transfer on top of `vgg_mat`.

The loss and its pieces:

- `losses`        `gram_matrix`, `content_loss`, `style_loss`, `tv_loss`, every tutorial's
                  convention (names in `conventions`, formulas as text in `formulas`).
- `presets`       named settings reproducing each major tutorial; `convert_weights` between them.
- `statistics`    covariance, MMD, the closed-form style gradient, radial power spectra.
- `gradcheck`     central differences and CS231n's relative error.

The optimisation:

- `config`        `StylizeConfig`: every setting of a run, filled from a preset and checked.
- `inputs`        the checks on a run's images, weights and layers, and its starting image.
- `objective`     the targets (once, compiled) and the compiled loss-and-gradient step.
- `optimizers`    Adam's update (`adam`) and box-constrained L-BFGS: the projected L-BFGS in
                  TensorFlow (`lbfgs`), or scipy's L-BFGS-B (`lbfgs_scipy`, the reference).
- `optimize`      `stylize(...)`: the single-scale loop, a generator of `Step` records; no I/O.
- `masks`, `layer_weights`: guided Grams for style masks, per-layer style weights.
- `pipeline`      `stylize_with_options(...)`: colour preservation (`color`) and coarse-to-fine
                  (`multiscale`) on top of `stylize`; `masks` (docs/beyond-gatys.md).

Around it:

- `images`        `load_image`, `save_image`: float32 RGB HWC in [0, 255], atomic writes.
- `samples`       the sample photo and the project's procedural style images.
- `plots`         loss curves, Gram heatmaps, feature grids, high-pass images (headless).
- `cli`           the `nst` command line (`manifest`, `progress`, `atomic` serve it).

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
    "StyleTarget": "losses",
    "blend_style_targets": "losses",
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
    "stylize_coarse_to_fine": "pipeline",
    "stylize_with_options": "pipeline",
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
    "evaluate": "metrics",
    "Evaluator": "metrics",
    "SharedRuns": "shared",
    "sweep": "sweeps",
    "batch": "batches",
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
