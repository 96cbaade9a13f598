"""`vgg_mat.matv5`: class-double relabelling; full-fidelity signatures against the real bytes."""

from __future__ import annotations

import io

import numpy as np
import pytest
import scipy.io

from vgg_mat.matv5 import MatV5FormatError, relabel_integer_doubles, write_compressed

# Every loadmat option combination the format doc checked (section 7, "Verification").
LOADMAT_OPTIONS = {
    "defaults": {},
    "mat_dtype": {"mat_dtype": True},
    "squeeze_me": {"squeeze_me": True},
    "squeeze_me+mat_dtype": {"squeeze_me": True, "mat_dtype": True},
    "chars_as_strings=False": {"chars_as_strings": False},
    "struct_as_record=False": {"struct_as_record": False, "squeeze_me": True},
    "simplify_cells": {"simplify_cells": True},
}


def _signature(value, weights=False):
    """Container kinds, field names and order, dtypes and shapes, recursively.

    Under a ``weights`` field, leaves give dtype and rank only: the miniature's kernel widths
    differ from the real file's on purpose.
    """
    if isinstance(value, dict):
        return ("dict", tuple(value), [_signature(v, k == "weights") for k, v in value.items()])
    if isinstance(value, list):
        return ("list", len(value), [_signature(v, weights) for v in value])
    if isinstance(value, scipy.io.matlab.mat_struct):
        names = tuple(value._fieldnames)
        return ("mat_struct", names, [_signature(getattr(value, n), n == "weights") for n in names])
    if isinstance(value, np.ndarray) and value.dtype.names is not None:
        names = value.dtype.names
        return (
            "struct",
            value.shape,
            names,
            [tuple(_signature(r[n], n == "weights") for n in names) for r in value.flat],
        )
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        return ("cell", value.shape, [_signature(v, weights) for v in value.flat])
    if isinstance(value, np.ndarray):
        shape = value.ndim if weights else value.shape
        return ("array", value.dtype.str, shape)
    return (type(value).__name__,)


def _layers(data):
    layers = data["layers"]
    return list(layers.flat)[:2] if isinstance(layers, np.ndarray) else layers[:2]


@pytest.mark.parametrize("option", sorted(LOADMAT_OPTIONS))
def test_first_two_layers_match_the_real_bytes_under_every_option(
    option, synthetic_2016_path, fixtures_dir
):
    kwargs = LOADMAT_OPTIONS[option]
    real = scipy.io.loadmat(fixtures_dir / "real-vgg19-first-two-layers.mat", **kwargs)
    ours = scipy.io.loadmat(synthetic_2016_path, **kwargs)
    real_layers, our_layers = _layers(real), _layers(ours)
    assert len(real_layers) == 2
    for i in range(2):
        assert _signature(our_layers[i]) == _signature(real_layers[i]), (option, i)


def test_mat_dtype_gives_float64_integer_fields_and_bool_logicals(synthetic_2016_path):
    conv = scipy.io.loadmat(synthetic_2016_path, mat_dtype=True)["layers"][0, 0][0, 0]
    for field in ("size", "pad", "stride", "dilate"):
        assert conv[field].dtype == np.float64, field
    assert conv["pad"].tolist() == [[1.0, 1.0, 1.0, 1.0]]
    assert conv["precious"].dtype == np.bool_


def _scipy_bytes(variables) -> io.BytesIO:
    stream = io.BytesIO()
    scipy.io.savemat(stream, variables, do_compression=False)
    return stream


def test_relabel_counts_and_changes_only_non_logical_integer_arrays():
    inner = np.empty((1, 1), dtype=[("pad", object), ("flag", object), ("w", object)])
    inner[0, 0]["pad"] = np.array([[0, 1, 0, 1]], np.uint8)
    inner[0, 0]["flag"] = np.array([[True]])
    inner[0, 0]["w"] = np.ones((2, 2), np.float32)
    cell = np.empty((1, 2), dtype=object)
    cell[0, 0] = inner
    cell[0, 1] = np.array([[300, 2]], np.uint16)
    variables = {"c": cell, "big": np.array([[70000]], np.uint32), "i8": np.array([[-1]], np.int8)}
    stream = _scipy_bytes(variables)
    assert relabel_integer_doubles(stream.getbuffer()) == 3  # pad, the uint16 pair, big

    plain = scipy.io.loadmat(io.BytesIO(stream.getvalue()))
    assert plain["c"][0, 0][0, 0]["pad"].dtype == np.uint8
    assert plain["c"][0, 1].dtype == np.uint16
    doubles = scipy.io.loadmat(io.BytesIO(stream.getvalue()), mat_dtype=True)
    record = doubles["c"][0, 0][0, 0]
    assert record["pad"].dtype == np.float64 and record["pad"].tolist() == [[0, 1, 0, 1]]
    assert record["flag"].dtype == np.bool_
    assert record["w"].dtype == np.float32
    assert doubles["c"][0, 1].dtype == np.float64 and doubles["c"][0, 1].tolist() == [[300, 2]]
    assert doubles["big"].dtype == np.float64
    assert doubles["i8"].dtype == np.int8  # signed storage is not relabelled


def test_write_compressed_round_trips():
    variables = {"a": np.arange(12, dtype=np.float32).reshape(3, 4), "s": "text"}
    stream = _scipy_bytes(variables)
    out = io.BytesIO()
    write_compressed(stream.getbuffer(), out)
    data = out.getvalue()
    assert data[:128] == stream.getvalue()[:128]
    assert int.from_bytes(data[128:132], "little") == 15  # miCOMPRESSED
    loaded = scipy.io.loadmat(io.BytesIO(data))
    np.testing.assert_array_equal(loaded["a"], variables["a"])
    assert str(loaded["s"][0]) == "text"


def test_compressed_or_foreign_input_is_refused():
    stream = io.BytesIO()
    scipy.io.savemat(stream, {"a": np.ones((2, 2))}, do_compression=True)
    with pytest.raises(MatV5FormatError, match="uncompressed"):
        relabel_integer_doubles(bytearray(stream.getvalue()))
    with pytest.raises(MatV5FormatError, match="header"):
        relabel_integer_doubles(bytearray(b"<html>" + bytes(200)))
