"""vgg_mat: read MatConvNet's VGG-19 weights file and build the network from raw tf.nn ops.

Knows nothing about style transfer. The pieces, one idea per module:

- `architecture`  VGG-19 as data: blocks, the 43 layer names and kinds, pool pads, output-size
                  arithmetic, default content and style layers. Every other module reads it.
- `weights`       `Layer`, `VGGWeights`, `MatFileError`: the file's contents as plain numpy.
- `integrity`     the published files' sizes and MD5s, `checksum_status`, `check_file`.
- `cache`         the cache folder; MD5s remembered there; corrupt official-size files refused.
- `matfields`     MATLAB values as `loadmat` returns them, read by field name; `to_hwio`.
- `layerchecks`   the loader's checks on the layers: geometry, names, channel chain.
- `matfile`       `load(path)`: read `imagenet-vgg-verydeep-19.mat` by field name, both layouts.
- `atomic`        `write_atomic`: every file written whole or not at all.
- `synthetic`     `write_synthetic(path)`: a faithful miniature with random weights
                  (`matv5` gives its integer fields MATLAB's class, as in the real file).
- `names`         `resolve_layer`, `keras_alias`: layer names, without TensorFlow.
- `geometry`      output sizes, TF's SAME rule, receptive fields, per-layer tables.
- `normalization` `normalize_activations`: Gatys' mean-activation rescaling.
- `standin`       `real_or_synthetic()`: the real weights if found, else a synthetic stand-in.
- `network`       `VGG(weights)`: the network as a walk over the file's layers with tf.nn ops.
- `preprocessing` `preprocess` / `deprocess`: RGB 0-255 minus the file's mean pixel, and back.
- `classify`      `classify(weights, image)`: the file's own fc6-fc8 + softmax.
- `download`      `download()`, `find_weights()`: fetch and locate the real file (`transfer`
                  moves the bytes: deadline, minimum speed, progress bar).
- `cli`           the `vgg-mat` command line (inspect, verify, synthetic, download, classify);
                  `command` is the error wrapper it shares with `nst`.

Names are exported lazily, so ``import vgg_mat`` does not import TensorFlow until a name that
needs it (the network, classification) is used.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "BLOCKS": "architecture",
    "DEFAULT_CONTENT_LAYERS": "architecture",
    "DEFAULT_STYLE_LAYERS": "architecture",
    "IMAGE_SIZE": "architecture",
    "MEAN_RGB": "architecture",
    "POOL_PADS": "architecture",
    "LAYER_KINDS": "architecture",
    "LAYOUTS": "architecture",
    "LayerSpec": "architecture",
    "POOLING_METHODS": "architecture",
    "VGG19_LAYER_KIND": "architecture",
    "VGG19_LAYER_NAMES": "architecture",
    "conv_output_size": "architecture",
    "vgg19": "architecture",
    "Layer": "weights",
    "VGGWeights": "weights",
    "MatFileError": "weights",
    "OFFICIAL_FILES": "integrity",
    "OFFICIAL_URL": "integrity",
    "OFFICIAL_MD5": "integrity",
    "OFFICIAL_SIZE": "integrity",
    "check_file": "integrity",
    "checksum_status": "integrity",
    "file_md5": "integrity",
    "load": "matfile",
    "to_hwio": "matfields",
    "write_synthetic": "synthetic",
    "VGG": "network",
    "resolve_layer": "names",
    "keras_alias": "names",
    "preprocess": "preprocessing",
    "deprocess": "preprocessing",
    "classify": "classify",
    "download": "download",
    "find_weights": "download",
    "DownloadError": "download",
    "WeightsNotFoundError": "download",
    "real_or_synthetic": "standin",
    "normalize_activations": "normalization",
    "same_padding": "geometry",
    "receptive_fields": "geometry",
    "layer_table": "geometry",
    "vgg19_layers": "geometry",
}

__all__ = sorted(_EXPORTS)

# `download` and `classify` are also the names of their modules: importing `vgg_mat.download`
# (as `from vgg_mat.download import find_weights` does) would make the attribute the module.
# Binding the functions here, once, keeps `vgg_mat.download(...)` a function. Neither module
# imports TensorFlow at import time.
from vgg_mat.classify import classify as classify  # noqa: E402
from vgg_mat.download import download as download  # noqa: E402


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vgg_mat' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"vgg_mat.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
