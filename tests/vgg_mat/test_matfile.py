"""`vgg_mat.matfile.load`: both layouts by name, the real fragment, and every broken file."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import scipy.io

from vgg_mat import integrity, matfile
from vgg_mat.matfile import OfficialFile, check_file, checksum_status, load, to_hwio
from vgg_mat.synthetic import plan_layers, write_synthetic
from vgg_mat.weights import MatFileError

MEAN_RGB = [123.68, 116.779, 103.939]

# Keras VGG-19 block1_conv1 [h, w, 0, 0] (BGR input, blue = channel 0), h, w = 0..2 row order,
# from a public C++ HDF5 test (format doc, section 5).
KERAS_BLOCK1_CONV1_BLUE = [
    0.341195,
    0.339992,
    -0.0448442,
    0.232159,
    0.0897821,
    -0.303314,
    -0.0726092,
    -0.246675,
    -0.336833,
]
KERAS_BLOCK1_CONV1_GREEN_00 = 0.464184


# --------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["2016", "beta16"])
@pytest.mark.parametrize("width_divisor", [8, 16, 64])
def test_round_trip(layout, width_divisor, tmp_path):
    path = write_synthetic(
        tmp_path / "s.mat", layout=layout, width_divisor=width_divisor, num_classes=5, seed=1
    )
    weights = load(path)
    plan = plan_layers(width_divisor, 5)
    assert weights.names == tuple(p.name for p in plan)
    assert [layer.kind for layer in weights.layers] == [p.kind for p in plan]
    assert weights.layout == layout
    assert weights.synthetic is True
    assert weights.checksum == "unverified"
    assert weights.source == str(path)
    assert weights.transposed_hw is False
    np.testing.assert_allclose(weights.mean_rgb, MEAN_RGB, rtol=0, atol=1e-12)
    assert weights.class_ids == tuple(f"n{i:08d}" for i in range(5))
    assert weights.class_descriptions == tuple(f"synthetic class {i}" for i in range(5))
    assert weights.input_size == (224, 224)
    pool_pad = (0, 1, 0, 1) if layout == "2016" else (0, 0, 0, 0)
    for layer, planned in zip(weights.layers, plan, strict=True):
        if layer.kind == "conv":
            assert layer.kernel.shape == planned.kernel_shape
            assert layer.kernel.dtype == np.float32
            assert layer.bias.shape == (planned.kernel_shape[3],)
            assert layer.bias.dtype == np.float32
            assert layer.stride == (1, 1)
            assert layer.pad == planned.pad
            assert all(type(v) is int for v in layer.stride + layer.pad)
        elif layer.kind == "pool":
            assert (layer.method, layer.size, layer.stride) == ("max", (2, 2), (2, 2))
            assert layer.pad == pool_pad
        else:
            assert layer.kernel is None and layer.stride is None
    assert weights.num_params == sum(p.num_params for p in plan)


@pytest.mark.parametrize("layout", ["2016", "beta16"])
def test_values_equal_the_raw_scipy_arrays(layout, synthetic_2016_path, synthetic_beta16_path):
    path = synthetic_2016_path if layout == "2016" else synthetic_beta16_path
    raw = scipy.io.loadmat(path)["layers"]
    weights = load(path)
    for index in (0, 37, 41):  # conv1_1, fc6, fc8
        record = raw[0, index][0, 0]
        layer = weights.layers[index]
        assert layer.name == str(record["name"][0])
        np.testing.assert_array_equal(layer.kernel, record["weights"][0, 0])
        np.testing.assert_array_equal(layer.bias, record["weights"][0, 1].reshape(-1))


def test_layer_lookup(tiny_weights):
    assert tiny_weights.layer("conv4_2").kernel.shape == (3, 3, 32, 32)
    assert tiny_weights.index("relu4_2") == 22
    with pytest.raises(KeyError, match="conv6_1"):
        tiny_weights.layer("conv6_1")


def test_fc_kernels_keep_their_1x1_axes(tiny_weights):
    assert tiny_weights.layer("fc7").kernel.shape == (1, 1, 256, 256)
    assert tiny_weights.layer("fc8").kernel.shape == (1, 1, 256, 10)


def test_a_file_with_fewer_layers_loads(tmp_path, synthetic_2016_path):
    """No hard-coded 43: a VGG-16-like or cut-down network loads too."""
    data = scipy.io.loadmat(synthetic_2016_path)
    keep = [0, 1, 2, 3, 4, 5, 6]  # conv1_1 ... relu2_1
    cell = np.empty((1, len(keep)), dtype=object)
    for i, j in enumerate(keep):
        cell[0, i] = data["layers"][0, j]
    path = tmp_path / "short.mat"
    scipy.io.savemat(path, {"layers": cell, "meta": data["meta"]})
    weights = load(path)
    assert weights.names == (
        "conv1_1",
        "relu1_1",
        "conv1_2",
        "relu1_2",
        "pool1",
        "conv2_1",
        "relu2_1",
    )
    assert weights.synthetic is False
    assert weights.layout == "2016"


# --------------------------------------------------------------------------------------------
# The real fragment and the kernel orientation
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_fragment(fixtures_dir):
    return load(fixtures_dir / "real-vgg19-first-two-layers.mat")


def test_real_fragment_loads_without_metadata(real_fragment):
    assert real_fragment.names == ("conv1_1", "relu1_1")
    assert real_fragment.mean_rgb is None
    assert real_fragment.class_ids == () and real_fragment.class_descriptions == ()
    assert real_fragment.input_size is None
    assert real_fragment.layout == "2016"
    assert real_fragment.synthetic is False
    assert real_fragment.checksum == "unverified"
    conv = real_fragment.layer("conv1_1")
    assert conv.kernel.shape == (3, 3, 3, 64) and conv.bias.shape == (64,)
    assert (conv.stride, conv.pad) == ((1, 1), (1, 1, 1, 1))
    np.testing.assert_allclose(conv.bias[:3], [0.7301776, 0.06493629, 0.03428847], atol=1e-7)


def test_real_conv1_1_equals_keras_without_spatial_swap(real_fragment):
    kernel = real_fragment.layer("conv1_1").kernel
    # Keras blue (its channel 0) is MatConvNet's channel 2: R/B reversed, no h/w swap.
    np.testing.assert_allclose(
        kernel[:, :, 2, 0].ravel(), KERAS_BLOCK1_CONV1_BLUE, rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(kernel[0, 0, 1, 0], KERAS_BLOCK1_CONV1_GREEN_00, rtol=0, atol=1e-6)
    # The popular (1, 0, 2, 3) transpose does not match (the 3x3 block is not symmetric).
    swapped = np.transpose(kernel, (1, 0, 2, 3))[:, :, 2, 0].ravel()
    assert np.abs(swapped - KERAS_BLOCK1_CONV1_BLUE).max() > 0.1


def test_transpose_hw_is_exactly_the_spatial_swap(fixtures_dir, real_fragment):
    swapped = load(fixtures_dir / "real-vgg19-first-two-layers.mat", transpose_hw=True)
    assert swapped.transposed_hw is True
    original = real_fragment.layer("conv1_1").kernel
    np.testing.assert_array_equal(
        swapped.layer("conv1_1").kernel, np.transpose(original, (1, 0, 2, 3))
    )
    np.testing.assert_array_equal(
        swapped.layer("conv1_1").bias, real_fragment.layer("conv1_1").bias
    )


def test_to_hwio():
    kernel = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    faithful = to_hwio(kernel)
    np.testing.assert_array_equal(faithful, kernel)
    assert faithful.dtype == np.float32
    swapped = to_hwio(kernel, transpose_hw=True)
    assert swapped.shape == (3, 2, 4, 5) and swapped.dtype == np.float32
    assert swapped[2, 1, 3, 4] == kernel[1, 2, 3, 4]
    fortran = np.asfortranarray(kernel.astype(np.float32))
    np.testing.assert_array_equal(to_hwio(fortran), kernel)
    # scipy's float32 arrays are used as they are: no copy of the weights while loading
    assert np.shares_memory(to_hwio(fortran), fortran)
    with pytest.raises(ValueError, match="4 axes"):
        to_hwio(kernel[0])


# --------------------------------------------------------------------------------------------
# Broken files
# --------------------------------------------------------------------------------------------

DOWNLOAD_ADVICE = "vgg-mat download"


def _assert_helpful(excinfo, path, *phrases):
    message = str(excinfo.value)
    assert str(path) in message
    assert excinfo.value.path == path
    for phrase in phrases:
        assert phrase in message, (phrase, message)


def test_real_truncated_download(fixtures_dir):
    path = fixtures_dir / "truncated-download-75776-bytes.mat"
    # whosmat still lists the big variable: headers are not an integrity check.
    assert scipy.io.whosmat(path)[0][0] == "layers"
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    _assert_helpful(excinfo, path, "truncated", "75,776 bytes", DOWNLOAD_ADVICE, "534,904,783")


def test_real_html_page(fixtures_dir):
    path = fixtures_dir / "html-page-saved-as-mat.mat"
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    _assert_helpful(excinfo, path, "HTML page", DOWNLOAD_ADVICE, "vgg-mat synthetic")


V73_HEADER = (
    b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema"
)
BYTE_CASES = {
    "empty": (b"", ["empty", DOWNLOAD_ADVICE]),
    "html": (b"\n\n  <!DOCTYPE html><html><body>404 Not Found</body></html>", ["HTML"]),
    "git-lfs": (
        b"version https://git-lfs.github.com/spec/v1\noid sha256:abdb5716\nsize 534904783\n",
        ["git-lfs pointer", "git lfs pull", DOWNLOAD_ADVICE],
    ),
    "v7.3": (
        V73_HEADER.ljust(116, b" ") + bytes(8) + b"\x00\x02IM" + bytes(384) + b"\x89HDF\r\n\x1a\n",
        ["v7.3", "HDF5", "-v7"],
    ),
    "hdf5": (b"\x89HDF\r\n\x1a\n" + bytes(100), ["HDF5"]),
    "text": (b"hello, this is not a weights file\n" * 10, ["not a MATLAB 5 MAT file"]),
    "short-header": (b"MATLAB 5.0 MAT-file, Platform: GLNXA64", ["truncated", "header"]),
}


@pytest.mark.parametrize("case", sorted(BYTE_CASES))
def test_broken_bytes(case, tmp_path):
    content, phrases = BYTE_CASES[case]
    path = tmp_path / f"{case}.mat"
    path.write_bytes(content)
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    _assert_helpful(excinfo, path, *phrases)


def test_missing_file_and_folder(tmp_path):
    missing = tmp_path / "nope.mat"
    with pytest.raises(MatFileError) as excinfo:
        load(missing)
    _assert_helpful(excinfo, missing, "no such file", DOWNLOAD_ADVICE)
    with pytest.raises(MatFileError) as excinfo:
        load(tmp_path)
    _assert_helpful(excinfo, tmp_path, "not a regular file")


def test_header_only_file(tmp_path, synthetic_2016_path):
    path = tmp_path / "header-only.mat"
    path.write_bytes(synthetic_2016_path.read_bytes()[:128])
    # scipy itself "loads" this file and finds no variables.
    assert set(scipy.io.loadmat(path)) == {"__header__", "__version__", "__globals__"}
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    _assert_helpful(excinfo, path, "no variables", "truncated", DOWNLOAD_ADVICE)


@pytest.mark.parametrize("layout", ["2016", "beta16"])
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.999])
def test_truncated_synthetic(
    layout, fraction, tmp_path, synthetic_2016_path, synthetic_beta16_path
):
    source = synthetic_2016_path if layout == "2016" else synthetic_beta16_path
    content = source.read_bytes()
    path = tmp_path / "cut.mat"
    path.write_bytes(content[: int(len(content) * fraction)])
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    _assert_helpful(excinfo, path, "truncated", DOWNLOAD_ADVICE)


def test_corrupt_compressed_data(tmp_path, synthetic_2016_path):
    """Headers intact, compressed bytes garbled: scipy's failure becomes a MatFileError."""
    content = bytearray(synthetic_2016_path.read_bytes())
    middle = 128 + 8 + 1000
    content[middle : middle + 4000] = bytes(4000)
    path = tmp_path / "corrupt.mat"
    path.write_bytes(bytes(content))
    check_file(path)  # the cheap tag walk cannot see this
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    _assert_helpful(excinfo, path, "corrupt or truncated", DOWNLOAD_ADVICE)
    assert excinfo.value.__cause__ is not None


def test_no_layers_variable(tmp_path):
    path = tmp_path / "other.mat"
    scipy.io.savemat(path, {"net": np.ones((2, 2)), "meta": np.zeros((1, 1))})
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    _assert_helpful(excinfo, path, "no 'layers' variable", "meta, net")


# Mutations of a valid 2016 miniature: (function changing the loadmat dict, message phrases).


def _record(data, index):
    return data["layers"][0, index][0, 0]


def _set_kernel_value(value):
    def mutate(data):
        _record(data, 2)["weights"][0, 0][1, 1, 0, 0] = value

    return mutate


def _nan_bias(data):
    _record(data, 37)["weights"][0, 1][3, 0] = np.nan


def _broken_chain(data):
    record = _record(data, 5)  # conv2_1 expects 4 channels from conv1_2; give it 5
    record["weights"][0, 0] = np.ones((3, 3, 5, 8), np.float32)


def _short_bias(data):
    record = _record(data, 7)
    record["weights"][0, 1] = np.zeros((7, 1), np.float32)


def _rank3_kernel(data):
    record = _record(data, 2)
    record["weights"][0, 0] = np.ones((3, 3, 4), np.float32)


def _unknown_type(data):
    record = _record(data, 3)
    record["type"] = np.array(["lrn"])


def _weights_not_a_pair(data):
    record = _record(data, 0)
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = record["weights"][0, 0]
    record["weights"] = cell


def _integer_kernel(data):
    record = _record(data, 0)
    record["weights"][0, 0] = np.ones((3, 3, 3, 4), np.int32)


def _pool_without_window(data):
    names = [n for n in data["layers"][0, 4].dtype.names if n != "pool"]
    old = _record(data, 4)
    new = np.empty((1, 1), dtype=[(n, object) for n in names])
    for n in names:
        new[0, 0][n] = old[n]
    data["layers"][0, 4] = new


def _bad_stride(data):
    _record(data, 2)["stride"] = np.array([[1.5, 1.0]])


MUTATIONS = {
    "nan-kernel": (_set_kernel_value(np.nan), ["'conv1_2'", "NaN or infinite"]),
    "inf-kernel": (_set_kernel_value(np.inf), ["'conv1_2'", "NaN or infinite"]),
    "nan-bias": (_nan_bias, ["'fc6'", "NaN or infinite"]),
    "broken-chain": (_broken_chain, ["channel chain", "'conv2_1'", "C_in = 5", "'conv1_2'"]),
    "short-bias": (_short_bias, ["'conv2_2'", "bias has 7 values", "C_out = 8"]),
    "rank-3-kernel": (_rank3_kernel, ["'conv1_2'", "4 axes", "(3, 3, 4)"]),
    "unknown-type": (_unknown_type, ["'relu1_2'", "type 'lrn'", "layer #4"]),
    "weights-not-a-pair": (_weights_not_a_pair, ["'conv1_1'", "1x2 cell"]),
    "integer-kernel": (_integer_kernel, ["'conv1_1'", "floating point"]),
    "pool-without-window": (_pool_without_window, ["'pool1'", "'pool'"]),
    "bad-stride": (_bad_stride, ["'conv1_2'", "'stride'", "integers"]),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_broken_content(case, tmp_path, synthetic_2016_path):
    mutate, phrases = MUTATIONS[case]
    data = scipy.io.loadmat(synthetic_2016_path)
    mutate(data)
    variables = {k: v for k, v in data.items() if not k.startswith("__")}
    path = tmp_path / f"{case}.mat"
    scipy.io.savemat(path, variables, do_compression=True)
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    _assert_helpful(excinfo, path, *phrases)


def test_unmutated_resave_loads(tmp_path, synthetic_2016_path):
    """The mutation harness itself: a plain loadmat/savemat round trip still loads."""
    data = scipy.io.loadmat(synthetic_2016_path)
    path = tmp_path / "resaved.mat"
    scipy.io.savemat(path, {k: v for k, v in data.items() if not k.startswith("__")})
    assert load(path).num_params == load(synthetic_2016_path).num_params


# --------------------------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------------------------


def test_synthetic_file_is_unverified_without_hashing(synthetic_2016_path, monkeypatch):
    def no_hashing(*args, **kwargs):
        raise AssertionError("hashed a file whose size cannot match")

    monkeypatch.setattr(integrity, "file_md5", no_hashing)
    assert checksum_status(synthetic_2016_path) == "unverified"


def test_official_file_is_recognised_by_size_and_md5(synthetic_2016_path, monkeypatch, tmp_path):
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path))  # load remembers the MD5 there
    content = synthetic_2016_path.read_bytes()
    md5 = hashlib.md5(content).hexdigest()
    monkeypatch.setattr(
        integrity,
        "OFFICIAL_FILES",
        {"official-2016": OfficialFile("official-2016", md5, len(content))},
    )
    assert checksum_status(synthetic_2016_path) == "official-2016"
    assert load(synthetic_2016_path).checksum == "official-2016"
    assert matfile.file_md5(synthetic_2016_path) == md5


def test_size_match_with_wrong_md5_is_unverified(synthetic_2016_path, monkeypatch):
    size = synthetic_2016_path.stat().st_size
    monkeypatch.setattr(
        integrity,
        "OFFICIAL_FILES",
        {"official-2016": OfficialFile("official-2016", "0" * 32, size)},
    )
    assert checksum_status(synthetic_2016_path) == "unverified"


def test_unknown_size_entry_matches_by_md5_inside_the_window(synthetic_beta16_path, monkeypatch):
    md5 = hashlib.md5(synthetic_beta16_path.read_bytes()).hexdigest()
    entry = OfficialFile("official-beta16", md5, None)
    monkeypatch.setattr(integrity, "OFFICIAL_FILES", {"official-beta16": entry})
    assert checksum_status(synthetic_beta16_path) == "unverified"  # far below ~576 MB
    monkeypatch.setattr(integrity, "UNKNOWN_SIZE_WINDOW", (0, 10**9))
    assert checksum_status(synthetic_beta16_path) == "official-beta16"


def test_official_table():
    assert matfile.OFFICIAL_FILES["official-2016"] == OfficialFile(
        "official-2016", "106118b7cf60435e6d8e04f6a6dc3657", 534_904_783
    )
    assert matfile.OFFICIAL_FILES["official-beta16"].md5 == "8ee3263992981a1d26e73b3ca028a123"
    assert matfile.OFFICIAL_FILES["official-beta16"].size is None


@pytest.mark.weights
def test_real_file(real_weights_path):
    weights = load(real_weights_path)
    assert len(weights.layers) == 43
    assert weights.num_params == 143_667_240
    assert weights.checksum in ("official-2016", "official-beta16")
    np.testing.assert_allclose(weights.mean_rgb, MEAN_RGB, rtol=0, atol=1e-9)
    assert len(weights.class_ids) == 1000
    np.testing.assert_allclose(
        weights.layer("conv1_1").kernel[:, :, 2, 0].ravel(), KERAS_BLOCK1_CONV1_BLUE, atol=1e-6
    )


def test_load_up_to_keeps_the_layers_through_that_one(synthetic_2016_path):
    full = load(synthetic_2016_path)
    part = load(synthetic_2016_path, up_to="relu5_1")
    assert part.names == full.names[: full.names.index("relu5_1") + 1]
    for a, b in zip(part.layers, full.layers, strict=False):
        if a.kind == "conv":
            np.testing.assert_array_equal(a.kernel, b.kernel)
    assert part.mean_rgb.tolist() == full.mean_rgb.tolist() and part.synthetic
    assert load(synthetic_2016_path, up_to="block3_conv1").names[-1] == "relu3_1"  # Keras name
    with pytest.raises(ValueError, match=r"up_to='relu9_9'.*valid names: conv1_1"):
        load(synthetic_2016_path, up_to="relu9_9")
