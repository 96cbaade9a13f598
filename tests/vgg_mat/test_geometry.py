"""Tests for vgg_mat.geometry: worked numbers from the curriculum and brute-force checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vgg_mat.geometry import (
    conv_output_size,
    format_layer_table,
    layer_table,
    receptive_fields,
    same_padding,
    vgg19_layers,
    window,
)
from vgg_mat.weights import Layer, VGGWeights

# (i, k, p, s, d) -> o, from curriculum.md L1 (Dumoulin & Visin's cases).
OUTPUT_SIZES = [
    ((4, 3, 0, 1, 1), 2),
    ((5, 4, 2, 1, 1), 6),
    ((5, 3, 1, 1, 1), 5),
    ((5, 3, 2, 1, 1), 7),
    ((5, 3, 0, 2, 1), 2),
    ((5, 3, 1, 2, 1), 3),
    ((6, 3, 1, 2, 1), 3),
    ((7, 3, 0, 1, 2), 3),
]

# VGG-19 receptive field / jump, curriculum.md L2.
VGG19_RF = {
    "conv1_1": (3, 1),
    "conv1_2": (5, 1),
    "pool1": (6, 2),
    "conv2_1": (10, 2),
    "conv2_2": (14, 2),
    "pool2": (16, 4),
    "conv3_1": (24, 4),
    "conv3_2": (32, 4),
    "conv3_3": (40, 4),
    "conv3_4": (48, 4),
    "pool3": (52, 8),
    "conv4_1": (68, 8),
    "conv4_2": (84, 8),
    "relu4_2": (84, 8),
    "conv4_3": (100, 8),
    "conv4_4": (116, 8),
    "pool4": (124, 16),
    "conv5_1": (156, 16),
    "conv5_2": (188, 16),
    "conv5_3": (220, 16),
    "conv5_4": (252, 16),
    "pool5": (268, 32),
}

VGG19_CONV_PARAMS = {
    "conv1_1": 1_792,
    "conv1_2": 36_928,
    "conv2_1": 73_856,
    "conv2_2": 147_584,
    "conv3_1": 295_168,
    "conv3_2": 590_080,
    "conv3_3": 590_080,
    "conv3_4": 590_080,
    "conv4_1": 1_180_160,
    **{f"conv{b}_{i}": 2_359_808 for b, i in [(4, 2), (4, 3), (4, 4), (5, 1), (5, 2), (5, 3)]},
    "conv5_4": 2_359_808,
    "fc6": 102_764_544,
    "fc7": 16_781_312,
    "fc8": 4_097_000,
}


@pytest.mark.parametrize(("args", "expected"), OUTPUT_SIZES, ids=[str(a) for a, _ in OUTPUT_SIZES])
def test_conv_output_size_worked_numbers(args, expected):
    i, k, p, s, d = args
    assert conv_output_size(i, k, p, s, d=d) == expected


def count_window_positions(i: int, k: int, before: int, after: int, s: int, d: int) -> int:
    """Brute force: slide the dilated window over the padded input and count where it fits."""
    padded = i + before + after
    taps = [t * d for t in range(k)]
    return sum(1 for start in range(0, padded, s) if start + taps[-1] < padded)


def test_conv_output_size_matches_counting_window_positions():
    for i, k, before, after, s, d in itertools.product(
        range(1, 12), range(1, 6), range(3), range(3), range(1, 4), range(1, 4)
    ):
        span = k + (k - 1) * (d - 1)
        if span > i + before + after:
            continue
        got = conv_output_size(i, k, (before, after), s, d=d)
        assert got == count_window_positions(i, k, before, after, s, d), (i, k, before, after, s, d)


def test_conv_output_size_rejects_bad_arguments():
    with pytest.raises(ValueError, match="s must be an integer >= 1"):
        conv_output_size(5, 3, 0, 0)
    with pytest.raises(ValueError, match="padding must be >= 0"):
        conv_output_size(5, 3, (-1, 0), 1)
    with pytest.raises(ValueError, match="k must be"):
        conv_output_size(5, 0, 0, 1)


@pytest.mark.parametrize(
    ("i", "k", "s", "expected"),
    [
        (6, 3, 2, (3, (0, 1))),
        (5, 3, 2, (3, (1, 1))),
        (7, 2, 2, (4, (0, 1))),
        (4, 4, 2, (2, (1, 1))),
    ],
)
def test_same_padding_worked_numbers(i, k, s, expected):
    assert same_padding(i, k, s) == expected


def test_same_vs_valid_for_curriculum_case():
    # (i=7, k=2, s=2): SAME gives 4, VALID gives 3.
    assert same_padding(7, 2, 2)[0] == 4
    assert conv_output_size(7, 2, 0, 2) == 3


def test_same_padding_agrees_with_tensorflow():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.RandomState(0)
    for i, k, s in itertools.product(range(1, 9), range(1, 5), range(1, 4)):
        x = rng.randn(1, i, i + 1, 1).astype(np.float32)
        w = rng.randn(k, k, 1, 1).astype(np.float32)
        same = tf.nn.conv2d(x, w, strides=s, padding="SAME").numpy()
        (o_h, (top, bottom)), (o_w, (left, right)) = (
            same_padding(i, k, s),
            same_padding(i + 1, k, s),
        )
        assert same.shape == (1, o_h, o_w, 1)
        assert conv_output_size(i, k, (top, bottom), s) == o_h
        explicit = tf.nn.conv2d(
            x, w, strides=s, padding=[[0, 0], [top, bottom], [left, right], [0, 0]]
        ).numpy()
        np.testing.assert_allclose(explicit, same, rtol=0, atol=1e-6)


def test_vgg19_receptive_fields_match_curriculum():
    fields = {f.name: f for f in receptive_fields(vgg19_layers())}
    for name, (r, j) in VGG19_RF.items():
        assert fields[name].size == (r, r), name
        assert fields[name].jump == (j, j), name


def test_vgg19_receptive_field_closed_form():
    # r_L = 1 + sum_l (k_l - 1) prod_{i<l} s_i, written out independently of the recursion.
    layers = vgg19_layers(classifier=False)
    fields = receptive_fields(layers)
    for n in range(1, len(layers) + 1):
        r, stride_product = 1, 1
        for layer in layers[:n]:
            (k, _), (s, _), _ = window(layer)
            r += (k - 1) * stride_product
            stride_product *= s
        assert fields[n - 1].size[0] == r


def test_vgg19_parameter_counts():
    layers = vgg19_layers()
    assert len(layers) == 43
    counts = {layer.name: layer.num_params for layer in layers if layer.kind == "conv"}
    assert counts == VGG19_CONV_PARAMS
    conv_total = sum(v for k, v in counts.items() if k.startswith("conv"))
    assert conv_total == 20_024_384
    assert sum(counts.values()) == 143_667_240
    assert VGGWeights(layers).num_params == 143_667_240


def test_vgg19_layer_table_shapes_224_and_384x512():
    rows = {row.name: row for row in layer_table(vgg19_layers(), 224, 224)}
    assert len(rows) == 43
    assert (rows["pool5"].height, rows["pool5"].width, rows["pool5"].channels) == (7, 7, 512)
    assert (rows["fc6"].height, rows["fc6"].width, rows["fc6"].channels) == (1, 1, 4096)
    assert (rows["prob"].height, rows["prob"].channels) == (1, 1000)
    assert rows["conv4_2"].receptive_field == (84, 84)
    # M = H * W at blocks 1-5 for 384 x 512 (curriculum L2).
    rows = {row.name: row for row in layer_table(vgg19_layers(), 384, 512)}
    positions = [rows[f"relu{b}_1"].positions for b in range(1, 6)]
    assert positions == [196_608, 49_152, 12_288, 3_072, 768]


def test_layer_table_stops_or_raises_when_fc6_does_not_fit():
    layers = vgg19_layers(width_divisor=16)
    rows = layer_table(layers, 64, 64)
    assert rows[-1].name == "pool5"
    assert (rows[-1].height, rows[-1].width, rows[-1].channels) == (2, 2, 32)
    with pytest.raises(ValueError, match="'fc6'.*7x7 window does not fit its 2x2 input"):
        layer_table(layers, 64, 64, stop_when_empty=False)


def test_layer_table_rejects_bad_size_and_misordered_layers():
    with pytest.raises(ValueError, match="height must be a positive integer"):
        layer_table(vgg19_layers(), 0, 64)
    layers = vgg19_layers(classifier=False)
    with pytest.raises(ValueError, match="'conv1_2'.*expects 64 input channels"):
        layer_table((layers[2],), 32, 32)


def test_format_layer_table_lists_every_row():
    rows = layer_table(vgg19_layers(), 224, 224)
    text = format_layer_table(rows)
    lines = text.splitlines()
    assert len(lines) == 2 + 43
    assert "conv4_2" in lines[2 + 21] and "28x28x512" in lines[2 + 21] and " 84 " in lines[2 + 21]
    assert lines[-1].split()[-1] == "0" and "102,764,544" in text


# ---------------------------------------------------------------------------------------------
# Brute force: measure receptive fields with impulses through a small numpy network.


def conv_layer(name, k, pad, stride=1):
    kernel = np.ones((k, k, 1, 1), np.float32)
    return Layer(
        name, "conv", kernel=kernel, bias=np.zeros(1, np.float32), stride=(stride,) * 2, pad=pad
    )


def pool_layer(name, k, stride, pad=(0, 0, 0, 0)):
    return Layer(name, "pool", stride=(stride, stride), pad=pad, method="avg", size=(k, k))


def run_positive_stack(layers, images):
    """Forward a batch of (B, H, W) images through all-ones convs and average pools (numpy)."""
    x = images.astype(np.float64)
    for layer in layers:
        (kh, kw), (sh, sw), (top, bottom, left, right) = window(layer)
        x = np.pad(x, ((0, 0), (top, bottom), (left, right)))
        patches = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))
        patches = patches[:, ::sh, ::sw]
        x = patches.sum(axis=(-2, -1)) if layer.kind == "conv" else patches.mean(axis=(-2, -1))
    return x


def measured_support(layers, size, unit):
    """Rows/columns of the input that change output `unit`: one impulse per input pixel."""
    impulses = np.eye(size * size).reshape(size * size, size, size)
    response = run_positive_stack(layers, impulses)[:, unit[0], unit[1]].reshape(size, size)
    rows = np.flatnonzero(response.any(axis=1))
    cols = np.flatnonzero(response.any(axis=0))
    return rows, cols


STACKS = {
    "vgg-like": [
        conv_layer("c1", 3, (1, 1, 1, 1)),
        conv_layer("c2", 3, (1, 1, 1, 1)),
        pool_layer("p1", 2, 2),
        conv_layer("c3", 3, (1, 1, 1, 1)),
        pool_layer("p2", 2, 2),
        conv_layer("c4", 3, (1, 1, 1, 1)),
    ],
    "strided-asymmetric": [
        conv_layer("c1", 5, (2, 1, 0, 2), stride=2),
        pool_layer("p1", 3, 2, pad=(1, 1, 1, 1)),
        conv_layer("c2", 2, (0, 1, 1, 0), stride=1),
        conv_layer("c3", 3, (0, 0, 0, 0), stride=3),
    ],
}


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_receptive_field_matches_impulse_measurement(stack):
    layers = STACKS[stack]
    size = 48
    out = run_positive_stack(layers, np.zeros((1, size, size)))
    table = layer_table(layers, size, size, channels=1)
    assert (table[-1].height, table[-1].width) == out.shape[1:]
    field = receptive_fields(layers)[-1]
    # an interior unit, far enough from every border that the field is not clipped
    unit = (out.shape[1] // 2, out.shape[2] // 2)
    rows, cols = measured_support(layers, size, unit)
    for axis, support in ((0, rows), (1, cols)):
        assert support.size == field.size[axis]
        assert np.all(np.diff(support) == 1)
        centre = field.start[axis] + unit[axis] * field.jump[axis]
        assert (support[0] + support[-1]) / 2 == centre
        assert support[0] > 0 and support[-1] < size - 1


def test_layer_table_matches_synthetic_file(tmp_path):
    from vgg_mat import load, write_synthetic

    path = write_synthetic(tmp_path / "tiny.mat", width_divisor=16, seed=0)
    weights = load(path)
    from_file = layer_table(weights, 64, 96)
    from_spec = layer_table(vgg19_layers(width_divisor=16, layout=weights.layout), 64, 96)
    assert [r.name for r in from_file] == [r.name for r in from_spec]
    for a, b in zip(from_file, from_spec, strict=True):
        assert (a.height, a.width, a.channels, a.receptive_field, a.jump) == (
            b.height,
            b.width,
            b.channels,
            b.receptive_field,
            b.jump,
        )
    assert from_file[-1].name == "pool5" and (from_file[-1].height, from_file[-1].width) == (2, 3)


def test_vgg19_layouts_differ_only_for_odd_sizes():
    new, old = vgg19_layers(layout="2016"), vgg19_layers(layout="beta16")
    # 100 -> 50 -> 25 -> 13 (2016 pads the odd pixel, like TF SAME) vs 12 (beta16 floors).
    new_rows = {r.name: r for r in layer_table(new, 100, 96)}
    old_rows = {r.name: r for r in layer_table(old, 100, 96)}
    assert (new_rows["pool3"].height, old_rows["pool3"].height) == (13, 12)
    assert new_rows["pool3"].width == old_rows["pool3"].width == 12
    assert layer_table(new, 128, 64) == layer_table(old, 128, 64)
    with pytest.raises(ValueError, match="layout must be"):
        vgg19_layers(layout="2017")


def test_layer_table_matches_the_network_output_shapes():
    from vgg_mat import network

    layers = vgg19_layers(width_divisor=16)
    shapes = network.VGG(VGGWeights(layers)).output_shapes(100, 72)
    rows = layer_table(layers, 100, 72)
    assert {r.name: (r.height, r.width, r.channels) for r in rows} == shapes
