"""Seeded fuzzing of weights files: every mutant is a clean `MatFileError` or loads unchanged.

570 seeded mutations of small synthetic files (issue 16: "keep the fuzzing of weights files as
a test"): byte flips and truncations of the compressed 2016 layout; truncations of the
uncompressed beta16 layout; byte flips and truncations of that file registered as an official
one (size and MD5 in the table, as for the real file: a flipped byte inside a weight would
otherwise load silently); and field changes written with scipy.io (bad strides, windows, pads,
names, types, kernels). For each mutant `vgg_mat.load` either raises `MatFileError` naming the
file, or returns weights equal to the original's; any other exception, or a load taking more
than a few seconds, fails the test.
"""

from __future__ import annotations

import copy
import random
import signal
import time

import numpy as np
import pytest
import scipy.io

from vgg_mat import integrity
from vgg_mat.integrity import OfficialFile
from vgg_mat.matfile import load
from vgg_mat.synthetic import write_synthetic
from vgg_mat.weights import MatFileError

pytestmark = pytest.mark.slow

SEED = 16
PER_CASE_SECONDS = 5  # a hang is a failure, not a stuck test run
MINIATURE = {"width_divisor": 64, "num_classes": 3, "seed": 1}


class Hang(Exception):
    pass


def _on_alarm(signum, frame):
    raise Hang(f"a load took more than {PER_CASE_SECONDS} s")


def same(a, b) -> bool:
    """The two loads hold the same network and metadata."""
    if a.names != b.names or a.layout != b.layout or a.synthetic != b.synthetic:
        return False
    for x, y in zip(a.layers, b.layers, strict=True):
        if (x.kind, x.stride, x.pad, x.method, x.size) != (
            y.kind,
            y.stride,
            y.pad,
            y.method,
            y.size,
        ):
            return False
        if x.kind == "conv" and not (
            np.array_equal(x.kernel, y.kernel) and np.array_equal(x.bias, y.bias)
        ):
            return False
    return (
        a.class_ids == b.class_ids
        and a.class_descriptions == b.class_descriptions
        and a.input_size == b.input_size
        and np.array_equal(a.mean_rgb, b.mean_rgb)
    )


def _outcome(path, original) -> str:
    """``"refused"`` or ``"equal"``; anything else raises (and fails the test)."""
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(PER_CASE_SECONDS)
    try:
        weights = load(path)
    except MatFileError as error:
        message = str(error)
        assert str(path) in message and "\n" not in message, message
        return "refused"
    finally:
        signal.alarm(0)
    assert same(weights, original), f"{path.name} loaded with different content"
    return "equal"


def _byte_mutants(content: bytes, rng: random.Random, flips: int, cuts: int):
    for index in range(flips):
        mutant = bytearray(content)
        for _ in range(rng.choice((1, 1, 1, 2, 8))):
            position = rng.randrange(len(mutant))
            mutant[position] ^= 1 << rng.randrange(8)
        yield f"flip{index}", bytes(mutant)
    for index in range(cuts):
        yield f"cut{index}", content[: rng.randrange(len(content))]


# Field changes: (layer kinds it applies to, field, candidate values).
NAN, INF = float("nan"), float("inf")
FIELD_VALUES = [
    (("conv", "pool"), "stride", [[[0, 0]], [[-1]], [[1.5, 1]], [[NAN]], [[INF]], [[1, 1, 1]]]),
    (("conv", "pool"), "stride", [np.empty((0, 0)), np.array(["ab"])]),
    (("conv", "pool"), "pad", [[[-1]], [[1e9]], [[0, 0, 0]], [[NAN]], [[5, 0, 0, 0]]]),
    (("pool",), "pool", [[[0]], [[-2]], [[0, 2]], [[NAN]], np.empty((0, 0))]),
    (("pool",), "method", [np.array(["median"]), np.array([""])]),
    (("conv", "relu", "pool", "softmax"), "type", [np.array(["lrn"]), np.array([""])]),
    (("conv", "relu", "pool", "softmax"), "name", [np.array([""]), "duplicate"]),
]


def _set_weights(record, rng: random.Random) -> None:
    kernel, bias = record["weights"][0, 0], record["weights"][0, 1]
    choice = rng.randrange(6)
    if choice == 0:
        kernel = kernel.copy()
        kernel.flat[rng.randrange(kernel.size)] = rng.choice((NAN, INF))
    elif choice == 1:
        kernel = kernel.astype(np.int32)
    elif choice == 2:
        kernel = kernel[..., 0]  # rank 3 (or fewer channels out)
    elif choice == 3:
        bias = bias[:-1]
    elif choice == 4:
        kernel = np.zeros((0, *kernel.shape[1:]), np.float32)
    else:
        kernel = np.concatenate([kernel, kernel], axis=2)  # C_in doubled: the chain breaks
    cell = np.empty((1, 2), dtype=object)
    cell[0, 0], cell[0, 1] = kernel, bias
    record["weights"] = cell


def _field_mutants(data: dict, rng: random.Random, count: int):
    layers = data["layers"]
    kinds = [str(layers[0, i][0, 0]["type"][0]) for i in range(layers.shape[1])]
    names = [str(layers[0, i][0, 0]["name"][0]) for i in range(layers.shape[1])]
    for index in range(count):
        mutant = copy.deepcopy(data)
        position = rng.randrange(len(kinds))
        record = mutant["layers"][0, position][0, 0]
        options = [
            (f, v)
            for applies, f, values in FIELD_VALUES
            if kinds[position] in applies
            for v in values
        ]
        if kinds[position] == "conv":
            options.append(("weights", None))
        field, value = rng.choice(options)
        if field == "weights":
            _set_weights(record, rng)
        elif isinstance(value, str) and value == "duplicate":
            other = rng.choice([n for n in names if n != names[position]])
            record["name"] = np.array([other])
        else:
            record[field] = np.asarray(value)
        yield f"field{index}-{names[position]}-{field}", mutant


def test_fuzzed_weights_files_are_refused_cleanly_or_load_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("VGG_MAT_SKIP_CHECKSUM", raising=False)
    rng = random.Random(SEED)
    began = time.monotonic()
    outcomes: dict[str, int] = {}

    def record(kind, outcome):
        outcomes[f"{kind} {outcome}"] = outcomes.get(f"{kind} {outcome}", 0) + 1

    # 1. The compressed 2016 layout: flips and cuts, as any file.
    source = write_synthetic(tmp_path / "mini-2016.mat", layout="2016", **MINIATURE)
    original = load(source)
    for name, content in _byte_mutants(source.read_bytes(), rng, flips=200, cuts=50):
        path = tmp_path / f"2016-{name}.mat"
        path.write_bytes(content)
        record("2016 bytes", _outcome(path, original))
        path.unlink()

    # 2. The uncompressed beta16 layout, cut anywhere.
    beta = write_synthetic(tmp_path / "mini-beta16.mat", layout="beta16", **MINIATURE)
    beta_original = load(beta)
    for name, content in _byte_mutants(beta.read_bytes(), rng, flips=0, cuts=40):
        path = tmp_path / f"beta16-{name}.mat"
        path.write_bytes(content)
        record("beta16 cuts", _outcome(path, beta_original))
        path.unlink()

    # 3. The same, registered as an official file: a flipped weight byte
    #    keeps the size and is caught by the MD5 (one file name per mutant: the MD5 is
    #    remembered by path, size and mtime).
    entry = OfficialFile("official-beta16", integrity.file_md5(beta), beta.stat().st_size)
    monkeypatch.setattr(integrity, "OFFICIAL_FILES", {"official-beta16": entry})
    assert load(beta).checksum == "official-beta16"
    for name, content in _byte_mutants(beta.read_bytes(), rng, flips=100, cuts=30):
        path = tmp_path / f"official-beta16-{name}.mat"
        path.write_bytes(content)
        record("beta16 bytes", _outcome(path, beta_original))
        path.unlink()

    # 4. Field changes of the 2016 file, written back with scipy.io.
    data = {k: v for k, v in scipy.io.loadmat(source).items() if not k.startswith("__")}
    for name, mutant in _field_mutants(data, rng, count=150):
        path = tmp_path / f"{name}.mat"
        scipy.io.savemat(path, mutant)
        record("fields", _outcome(path, original))
        path.unlink()

    total = sum(outcomes.values())
    assert total == 570, outcomes
    assert outcomes.get("2016 bytes refused", 0) > 200, outcomes
    assert outcomes.get("beta16 bytes refused", 0) >= 100, outcomes  # every flip, by the MD5
    assert outcomes.get("fields refused", 0) >= 130, outcomes
    assert time.monotonic() - began < 50, outcomes
