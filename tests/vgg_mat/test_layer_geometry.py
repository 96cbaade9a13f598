"""`vgg_mat.load` refuses impossible layers: strides, windows, pads, names (issue 16, item 3).

Each case edits one field of a valid 2016 miniature with scipy.io and checks that the loader
refuses the file with a `MatFileError` that names the file, the layer and the field.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from vgg_mat.matfile import load
from vgg_mat.weights import MatFileError

# Layers of the miniature: 0 conv1_1, 1 relu1_1, 2 conv1_2, 3 relu1_2, 4 pool1, 5 conv2_1.


def _record(data, index):
    return data["layers"][0, index][0, 0]


def _set(index, field, value):
    def mutate(data):
        _record(data, index)[field] = np.asarray(value)

    return mutate


def _rename(index, name):
    return _set(index, "name", np.array([name]) if name else np.empty((0, 0)))


def _meta(field, value):
    def mutate(data):
        data["meta"][0, 0]["normalization"][0, 0][field] = value

    return mutate


CASES = {
    # (mutation, phrases the one-line message must hold)
    "conv-stride-0": (_set(2, "stride", [[0.0, 0.0]]), ["'conv1_2'", "'stride'", "[0, 0]"]),
    "conv-stride-negative": (_set(2, "stride", [[-1.0]]), ["'conv1_2'", "'stride'", "at least 1"]),
    "pool-stride-0": (_set(4, "stride", [[0.0, 2.0]]), ["'pool1'", "'stride'", "at least 1"]),
    "pool-window-0": (_set(4, "pool", [[0.0, 0.0]]), ["'pool1'", "'pool'", "at least 1"]),
    "conv-pad-huge": (_set(0, "pad", [[1e9]]), ["'conv1_1'", "'pad'", "not smaller", "3x3"]),
    "conv-pad-negative": (_set(2, "pad", [[1.0, -1.0, 1.0, 1.0]]), ["'conv1_2'", "negative"]),
    "conv-pad-equal-kernel": (_set(2, "pad", [[3.0]]), ["'conv1_2'", "'pad'", "not smaller"]),
    "pool-pad-window": (
        _set(4, "pad", [[0.0, 2.0, 0.0, 1.0]]),
        ["'pool1'", "'pad'", "pooling window 2x2"],
    ),
    "conv-stride-text": (
        _set(2, "stride", np.array(["ab"])),
        ["'conv1_2'", "'stride'", "integers"],
    ),
    "pool-window-cell": (
        _set(4, "pool", np.array([[np.zeros(1)]], dtype=object)),
        ["'pool1'", "'pool'", "integers"],
    ),
    "relu-leak-text": (_set(3, "leak", np.array(["x"])), ["'relu1_2'", "leak"]),
    "mean-pixel-text": (_meta("averageImage", np.array(["abc"])), ["averageImage", "finite"]),
    "image-size-nan": (_meta("imageSize", np.array([[np.nan, 224, 3]])), ["imageSize", "finite"]),
    "empty-name": (_rename(3, ""), ["layer #4", "no name"]),
    "duplicate-name": (
        _rename(3, "relu1_1"),
        ["layers #2 and #4", "'relu1_1'", "unique"],
    ),
}


def _write(data, path):
    scipy.io.savemat(path, {k: v for k, v in data.items() if not k.startswith("__")})
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_impossible_layer_is_refused(case, tmp_path, synthetic_2016_path):
    mutate, phrases = CASES[case]
    data = scipy.io.loadmat(synthetic_2016_path)
    mutate(data)
    path = _write(data, tmp_path / f"{case}.mat")
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    for phrase in phrases:
        assert phrase in message, (phrase, message)
    assert "vgg-mat download" in message or "Use a file" in message  # what to do


def test_up_to_checks_the_names_of_every_layer(tmp_path, synthetic_2016_path):
    data = scipy.io.loadmat(synthetic_2016_path)
    _rename(20, "conv1_1")(data)  # a duplicate far after the layer asked for
    path = _write(data, tmp_path / "dup.mat")
    with pytest.raises(MatFileError, match="both named 'conv1_1'"):
        load(path, up_to="relu1_1")


def test_layer_geometry_only_within_the_kept_layers(tmp_path, synthetic_2016_path):
    """Layers after `up_to` are never converted: a bad stride there does not matter."""
    data = scipy.io.loadmat(synthetic_2016_path)
    _set(19, "stride", [[0.0]])(data)  # conv4_1
    path = _write(data, tmp_path / "late.mat")
    assert load(path, up_to="relu1_1").names == ("conv1_1", "relu1_1")
    with pytest.raises(MatFileError, match="'stride'"):
        load(path)


def test_valid_edges_still_load(tmp_path, synthetic_2016_path):
    """Pad kernel-1 and stride 2 are legal: the checks refuse only the impossible."""
    data = scipy.io.loadmat(synthetic_2016_path)
    _set(0, "pad", [[2.0]])(data)
    _set(0, "stride", [[2.0]])(data)
    path = _write(data, tmp_path / "edges.mat")
    layer = load(path).layer("conv1_1")
    assert layer.pad == (2, 2, 2, 2) and layer.stride == (2, 2)
