"""Tests of `nst.layer_weights.style_layer_weights` (neural-style's --style-layer-weight-exp)."""

from __future__ import annotations

import doctest

import pytest

import nst.layer_weights
from nst.layer_weights import style_layer_weights

GATYS = {f"relu{b}_1": 0.2 for b in range(1, 6)}


def test_reproduces_neural_style_rule():
    e = 2.0
    expected = [e**i / sum(e**j for j in range(5)) for i in range(5)]  # anish's loop, normalised
    assert list(style_layer_weights(GATYS, e).values()) == pytest.approx(expected, rel=1e-12)


def test_exponent_one_is_the_identity_and_sum_is_kept():
    assert style_layer_weights(GATYS, 1.0) == GATYS
    weights = {"relu1_1": 2.0, "relu3_1": 1.0, "relu5_1": 1.0}
    out = style_layer_weights(weights, 0.5)
    assert sum(out.values()) == pytest.approx(4.0, rel=1e-12)
    assert out["relu1_1"] / out["relu3_1"] == pytest.approx(2.0 / 0.5, rel=1e-12)


def test_order_is_network_depth_not_given_order():
    shuffled = {"relu5_1": 1.0, "relu1_1": 1.0}
    out = style_layer_weights(shuffled, 4.0)
    assert list(out) == ["relu5_1", "relu1_1"]  # keys keep the given order
    assert out["relu5_1"] == pytest.approx(4 * out["relu1_1"])  # the deeper one gets e^1


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_exponent(bad):
    with pytest.raises(ValueError, match="style_layer_weight_exp must be"):
        style_layer_weights(GATYS, bad)


def test_doctest():
    assert doctest.testmod(nst.layer_weights).failed == 0
