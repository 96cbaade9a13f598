"""`vgg_mat.synthetic`: the planned shapes, and the written file's structure at scipy level."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
import scipy.io

from vgg_mat.synthetic import FIELD_ORDER, SYNTHETIC_MARKER, plan_layers, write_synthetic

# The 43 layers of VGG-19 in file order (format doc, section 2), written out by hand.
VGG19_NAMES = [
    "conv1_1",
    "relu1_1",
    "conv1_2",
    "relu1_2",
    "pool1",
    "conv2_1",
    "relu2_1",
    "conv2_2",
    "relu2_2",
    "pool2",
    "conv3_1",
    "relu3_1",
    "conv3_2",
    "relu3_2",
    "conv3_3",
    "relu3_3",
    "conv3_4",
    "relu3_4",
    "pool3",
    "conv4_1",
    "relu4_1",
    "conv4_2",
    "relu4_2",
    "conv4_3",
    "relu4_3",
    "conv4_4",
    "relu4_4",
    "pool4",
    "conv5_1",
    "relu5_1",
    "conv5_2",
    "relu5_2",
    "conv5_3",
    "relu5_3",
    "conv5_4",
    "relu5_4",
    "pool5",
    "fc6",
    "relu6",
    "fc7",
    "relu7",
    "fc8",
    "prob",
]

# Real VGG-19 kernels (format doc, section 2 table).
VGG19_KERNELS = {
    "conv1_1": (3, 3, 3, 64),
    "conv1_2": (3, 3, 64, 64),
    "conv2_1": (3, 3, 64, 128),
    "conv2_2": (3, 3, 128, 128),
    "conv3_1": (3, 3, 128, 256),
    **{f"conv3_{j}": (3, 3, 256, 256) for j in (2, 3, 4)},
    "conv4_1": (3, 3, 256, 512),
    **{f"conv4_{j}": (3, 3, 512, 512) for j in (2, 3, 4)},
    **{f"conv5_{j}": (3, 3, 512, 512) for j in (1, 2, 3, 4)},
    "fc6": (7, 7, 512, 4096),
    "fc7": (1, 1, 4096, 4096),
    "fc8": (1, 1, 4096, 1000),
}

# Field order per type and layout, copied from the format doc (section 3), not from the module.
DOC_FIELDS = {
    "2016": {
        "conv": ("name", "type", "weights", "size", "pad", "stride", "precious", "dilate", "opts"),
        "relu": ("name", "type", "leak", "weights", "precious"),
        "pool": ("name", "type", "method", "pool", "stride", "pad", "weights", "precious", "opts"),
        "softmax": ("name", "type", "weights", "precious"),
    },
    "beta16": {
        "conv": ("weights", "pad", "type", "name", "stride"),
        "relu": ("type", "name"),
        "pool": ("name", "stride", "pad", "type", "method", "pool"),
        "softmax": ("type", "name"),
    },
}


def _kind(name: str) -> str:
    if name.startswith(("conv", "fc")):
        return "conv"
    if name.startswith("relu"):
        return "relu"
    if name.startswith("pool"):
        return "pool"
    return "softmax"


def test_plan_at_full_width_is_vgg19():
    plan = plan_layers(1, 1000)
    assert [p.name for p in plan] == VGG19_NAMES
    assert [p.kind for p in plan] == [_kind(n) for n in VGG19_NAMES]
    assert {p.name: p.kernel_shape for p in plan if p.kind == "conv"} == VGG19_KERNELS
    assert sum(p.num_params for p in plan) == 143_667_240


def test_plan_divides_widths_but_keeps_rgb_fc6_support_and_classes():
    shapes = {p.name: p.kernel_shape for p in plan_layers(16, 10)}
    assert shapes["conv1_1"] == (3, 3, 3, 4)
    assert shapes["conv2_2"] == (3, 3, 8, 8)
    assert shapes["conv3_1"] == (3, 3, 8, 16)
    assert shapes["conv5_4"] == (3, 3, 32, 32)
    assert shapes["fc6"] == (7, 7, 32, 256)
    assert shapes["fc7"] == (1, 1, 256, 256)
    assert shapes["fc8"] == (1, 1, 256, 10)


def test_plan_never_goes_below_two_channels():
    plan = plan_layers(10_000, 2)
    widths = [d for p in plan if p.kernel_shape for d in p.kernel_shape[2:]]
    assert min(widths[1:]) == 2  # widths[0] is conv1_1's 3 RGB inputs
    assert plan[0].kernel_shape == (3, 3, 3, 2)


@pytest.mark.parametrize(
    "kwargs", [{"width_divisor": 0}, {"width_divisor": 1.5}, {"num_classes": 1}]
)
def test_plan_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        plan_layers(**kwargs)


def test_write_rejects_unknown_layout(tmp_path):
    with pytest.raises(ValueError, match="layout"):
        write_synthetic(tmp_path / "x.mat", layout="2017", width_divisor=16)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("layout", ["2016", "beta16"])
def test_field_order_per_type_matches_the_format_doc(layout, tmp_path):
    assert FIELD_ORDER[layout] == DOC_FIELDS[layout]
    path = write_synthetic(tmp_path / "s.mat", layout=layout, width_divisor=32, num_classes=3)
    cell = scipy.io.loadmat(path)["layers"]
    assert cell.shape == (1, 43)
    for i, name in enumerate(VGG19_NAMES):
        struct_array = cell[0, i]
        assert struct_array.shape == (1, 1)
        record = struct_array[0, 0]
        assert record.dtype.names == DOC_FIELDS[layout][_kind(name)], name
        assert str(record["name"][0]) == name


def test_2016_dtypes_and_nesting(synthetic_2016_path):
    data = scipy.io.loadmat(synthetic_2016_path)
    assert set(data) - {"__header__", "__version__", "__globals__"} == {
        "layers",
        "meta",
        SYNTHETIC_MARKER,
    }
    conv = data["layers"][0, 0][0, 0]
    kernel, bias = conv["weights"][0, 0], conv["weights"][0, 1]
    assert conv["weights"].shape == (1, 2)
    assert (kernel.dtype, kernel.shape) == (np.float32, (3, 3, 3, 4))
    assert (bias.dtype, bias.shape) == (np.float32, (4, 1))
    for field, expected in {
        "size": [[3, 3, 3, 4]],
        "pad": [[1, 1, 1, 1]],
        "stride": [[1, 1]],
        "precious": [[0]],
        "dilate": [[1]],
    }.items():
        assert conv[field].dtype == np.uint8, field
        assert conv[field].tolist() == expected, field
    assert conv["opts"].shape == (0, 0)
    pool = data["layers"][0, 4][0, 0]
    assert pool["pool"].tolist() == [[2, 2]] and pool["pool"].dtype == np.uint8
    assert pool["pad"].tolist() == [[0, 1, 0, 1]]
    assert str(pool["method"][0]) == "max"
    relu = data["layers"][0, 1][0, 0]
    assert relu["leak"].tolist() == [[0]] and relu["weights"].shape == (0, 0)

    meta = data["meta"][0, 0]
    assert meta.dtype.names == ("inputs", "classes", "normalization")
    norm = meta["normalization"][0, 0]
    assert norm.dtype.names == (
        "imageSize",
        "keepAspect",
        "averageImage",
        "border",
        "cropSize",
        "interpolation",
    )
    average = norm["averageImage"]
    assert (average.dtype, average.shape) == (np.float64, (1, 1, 3))
    np.testing.assert_array_equal(average.ravel(), [123.68, 116.779, 103.939])
    assert norm["imageSize"].tolist() == [[224, 224, 3, 10]]
    classes = meta["classes"][0, 0]
    assert classes.dtype.names == ("name", "description")
    assert classes["name"].shape == (1, 10)
    assert str(classes["name"][0, 3][0]) == "n00000003"
    assert str(classes["description"][0, 3][0]) == "synthetic class 3"
    inputs = meta["inputs"][0, 0]
    assert str(inputs["name"][0]) == "data" and inputs["size"].tolist() == [[224, 224, 3, 10]]


def test_2016_sizes_above_255_are_uint16(tmp_path):
    path = write_synthetic(tmp_path / "s.mat", width_divisor=16, num_classes=300)
    fc8 = scipy.io.loadmat(path)["layers"][0, 41][0, 0]
    assert str(fc8["name"][0]) == "fc8"
    assert fc8["size"].dtype == np.uint16
    assert fc8["size"].tolist() == [[1, 1, 256, 300]]


def test_beta16_dtypes_and_nesting(synthetic_beta16_path):
    data = scipy.io.loadmat(synthetic_beta16_path)
    assert set(data) - {"__header__", "__version__", "__globals__"} == {
        "layers",
        "normalization",
        "classes",
        SYNTHETIC_MARKER,
    }
    conv = data["layers"][0, 0][0, 0]
    assert conv["weights"][0, 1].shape == (1, 4)
    assert conv["pad"].dtype == np.float64 and conv["pad"].tolist() == [[1, 1, 1, 1]]
    assert conv["stride"].dtype == np.float64
    pool = data["layers"][0, 4][0, 0]
    assert pool["pad"].tolist() == [[0, 0, 0, 0]] and pool["pool"].dtype == np.float64
    norm = data["normalization"][0, 0]
    assert norm.dtype.names == (
        "averageImage",
        "keepAspect",
        "border",
        "imageSize",
        "interpolation",
    )
    average = norm["averageImage"]
    assert (average.dtype, average.shape) == (np.float64, (224, 224, 3))
    np.testing.assert_array_equal(average[100, 37], [123.68, 116.779, 103.939])
    assert data["classes"][0, 0].dtype.names == ("name", "description")


def _first_tag_type(path) -> int:
    with open(path, "rb") as stream:
        stream.seek(128)
        return struct.unpack("<I", stream.read(4))[0]


def test_2016_is_compressed_and_beta16_is_not(synthetic_2016_path, synthetic_beta16_path):
    mi_matrix, mi_compressed = 14, 15
    assert _first_tag_type(synthetic_2016_path) == mi_compressed
    assert _first_tag_type(synthetic_beta16_path) == mi_matrix


def test_marker_variable_says_what_wrote_it(synthetic_2016_path):
    text = str(scipy.io.loadmat(synthetic_2016_path)[SYNTHETIC_MARKER][0])
    assert "vgg_mat.write_synthetic" in text
    assert "seed=0" in text and "width_divisor=16" in text and "NOT VGG-19" in text


def test_he_normal_statistics(tmp_path):
    """Kernel std is sqrt(2 / (KH*KW*C_in)); checked on the largest kernel (fc6)."""
    path = write_synthetic(tmp_path / "s.mat", width_divisor=8, num_classes=10, seed=3)
    fc6 = scipy.io.loadmat(path)["layers"][0, 37][0, 0]["weights"][0, 0]
    assert fc6.shape == (7, 7, 64, 512)
    expected = math.sqrt(2 / (7 * 7 * 64))
    # 1.6M samples: the sample std is within 1% of sigma with overwhelming probability.
    assert abs(fc6.std() / expected - 1) < 0.01
    assert abs(fc6.mean()) < 0.01 * expected


@pytest.mark.parametrize("layout", ["2016", "beta16"])
def test_deterministic_for_a_seed(layout, tmp_path):
    a = write_synthetic(tmp_path / "a.mat", layout=layout, width_divisor=32, num_classes=4, seed=7)
    b = write_synthetic(tmp_path / "b.mat", layout=layout, width_divisor=32, num_classes=4, seed=7)
    c = write_synthetic(tmp_path / "c.mat", layout=layout, width_divisor=32, num_classes=4, seed=8)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert scipy.io.loadmat(a)["__header__"].startswith(b"MATLAB 5.0 MAT-file")


def test_write_is_atomic_and_replaces(tmp_path):
    target = tmp_path / "w.mat"
    target.write_bytes(b"old")
    returned = write_synthetic(target, width_divisor=32, num_classes=2)
    assert returned == target
    assert target.read_bytes()[:19] == b"MATLAB 5.0 MAT-file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.mat"]  # no temp file left


def _signature(value, weights_field=False):
    """Container kinds, field names/order, dtypes and shapes (weight shapes left out)."""
    if isinstance(value, np.ndarray) and value.dtype.names is not None:
        return (
            "struct",
            value.shape,
            value.dtype.names,
            [
                tuple(_signature(r[n], n == "weights") for n in value.dtype.names)
                for r in value.flat
            ],
        )
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        if weights_field:  # kernel/bias: compare dtype and rank, not the width-dependent shape
            return ("cell", value.shape, [(x.dtype.str, x.ndim) for x in value.flat])
        return ("cell", value.shape, [_signature(x) for x in value.flat])
    return (type(value).__name__, value.dtype.str, value.shape)


def test_first_two_layers_have_the_real_files_signature(synthetic_2016_path, fixtures_dir):
    real = scipy.io.loadmat(fixtures_dir / "real-vgg19-first-two-layers.mat")["layers"]
    ours = scipy.io.loadmat(synthetic_2016_path)["layers"]
    assert real.shape == (1, 2)
    for i in range(2):
        assert _signature(ours[0, i]) == _signature(real[0, i]), i
