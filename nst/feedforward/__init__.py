"""Feed-forward style transfer: train a network once, then stylise a photo in one pass.

- `layers`     reflection-padded convolutions, instance normalisation, residual blocks,
               upsample-then-convolve;
- `johnson`    `TransformNet`, Johnson et al.'s image transformation network;
- `texture`    `TextureNet`, Ulyanov et al.'s multi-scale texture generator (noise in);
- `loss`       `PerceptualLoss`, the project's own loss (`nst.losses`, a `StylizeConfig`) on a
               batch;
- `data`       the training photos: found, checked, served as random crops;
- `train`      `train`, Adam on the network's weights, a generator of `TrainStep`; no I/O;
- `session`    `fit`: `train` with a progress bar, checkpoints, a manifest, Ctrl-C handling;
- `spec`       the architectures as data: settings, limits, weight shapes (no TensorFlow);
- `origin`     which VGG weights trained a model: written into it, read back for the labels;
- `modelfile`  `save_model`, `load_model`: ``.npz`` weights + JSON, never a pickle.

The command line: ``nst train`` and ``nst apply``. Lesson 12. Names are exported lazily.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "TransformNet": "johnson",
    "TextureNet": "texture",
    "PerceptualLoss": "loss",
    "PhotoCrops": "data",
    "find_photos": "data",
    "TrainSettings": "train",
    "TrainStep": "train",
    "photo_source": "train",
    "noise_source": "train",
    "fit": "session",
    "save_model": "modelfile",
    "load_model": "modelfile",
    "read_model_file": "modelfile",
    "ModelFileError": "modelfile",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nst.feedforward' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"nst.feedforward.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
