"""Tests of `nst.masks`: masks through the network's pooling, guided Grams, region weights."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from nst.images import save_image
from nst.losses import gram_matrix, style_loss, style_target
from nst.masks import (
    guided_features,
    guided_gram,
    guided_style_loss,
    layer_masks,
    load_mask,
    masks_by_layer,
    region_weights,
)

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


def _avg_pool_reference(m: np.ndarray) -> np.ndarray:
    """2x2, stride 2, pad (0, 1, 0, 1), padded cells excluded: MatConvNet's 2016 pool."""
    h, w = m.shape
    out = np.zeros(((h + 1 - 2) // 2 + 1, (w + 1 - 2) // 2 + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = m[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].mean()  # crop drops padding
    return out


def test_layer_masks_follow_the_networks_pooling(tiny_net):
    rng = np.random.default_rng(0)
    mask = rng.uniform(size=(40, 26)).astype(np.float32)  # 26 -> 13 -> 7 (odd: pad used)
    found = layer_masks(tiny_net, mask, ["relu1_1", "pool1", "relu2_1", "relu3_1", "relu5_1"])
    shapes = tiny_net.output_shapes(40, 26)
    for name, m in found.items():
        assert m.shape == shapes[name][:2], name
        assert m.dtype == np.float32
    np.testing.assert_array_equal(found["relu1_1"], mask)  # size-preserving convs keep it
    np.testing.assert_allclose(found["pool1"], _avg_pool_reference(mask), atol=1e-6)
    np.testing.assert_allclose(found["relu2_1"], found["pool1"], atol=0)
    m2 = _avg_pool_reference(found["relu2_1"])
    np.testing.assert_allclose(found["relu3_1"], m2, atol=1e-6)
    # constants stay constant through every layer (the mean of ones is one)
    for value in (0.0, 1.0):
        const = layer_masks(tiny_net, np.full((32, 32), value), STYLE_LAYERS)
        for m in const.values():
            np.testing.assert_array_equal(m, value)


def test_layer_masks_keep_a_half_split_in_place(tiny_net):
    mask = np.zeros((32, 32), np.float32)
    mask[:, :16] = 1.0  # left half
    found = layer_masks(tiny_net, mask, ["relu3_1", "block4_conv1"])  # Keras names resolve
    m3 = found["relu3_1"]
    assert m3.shape == (8, 8)
    np.testing.assert_array_equal(m3[:, :4], 1.0)
    np.testing.assert_array_equal(m3[:, 4:], 0.0)
    assert found["block4_conv1"].shape == (4, 4)


def test_layer_masks_errors(tiny_net):
    with pytest.raises(ValueError, match="relu9_1"):
        layer_masks(tiny_net, np.ones((8, 8)), ["relu9_1"])
    assert layer_masks(tiny_net, np.ones((1, 1)), ["relu5_1"])["relu5_1"].shape == (1, 1)
    with pytest.raises(ValueError, match=r"mask must be \(H, W\)"):
        layer_masks(tiny_net, np.ones((8, 8, 3)), ["relu1_1"])


def test_guided_gram_with_ones_is_the_gram_per_position():
    f = tf.random.stateless_normal((1, 6, 5, 4), seed=(1, 2))
    np.testing.assert_array_equal(
        guided_gram(f, np.ones((6, 5))).numpy(), gram_matrix(f, normalization="hw")[0].numpy()
    )
    assert guided_features(f, np.ones((6, 5))) is f  # exactly F: the factor is 1


def test_guided_gram_of_a_block_mask_is_the_blocks_own_gram():
    f = tf.random.stateless_normal((1, 8, 8, 3), seed=(3, 4))
    mask = np.zeros((8, 8))
    mask[2:5, 1:7] = 1.0
    block = f[:, 2:5, 1:7, :]
    np.testing.assert_allclose(
        guided_gram(f, mask).numpy(), gram_matrix(block, normalization="hw")[0].numpy(),
        rtol=1e-5, atol=1e-6,
    )  # fmt: skip
    # a soft mask: the m^2-weighted average of f f^T
    soft = np.random.default_rng(5).uniform(size=(8, 8))
    fm = f.numpy().reshape(64, 3)
    w = soft.reshape(64) ** 2
    expected = (fm * w[:, None]).T @ fm / w.sum()
    np.testing.assert_allclose(guided_gram(f, soft).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_guided_features_errors():
    f = tf.zeros((1, 4, 4, 2))
    with pytest.raises(ValueError, match="zero everywhere"):
        guided_features(f, np.zeros((4, 4)))
    with pytest.raises(ValueError, match="does not match"):
        guided_features(f, np.ones((3, 4)))


def test_region_weights():
    half = np.zeros((4, 4))
    half[:, :2] = 1.0
    assert region_weights([None, np.zeros((4, 4))], [0.5, 0.5]) == (1.0, 0.0)
    np.testing.assert_allclose(region_weights([half, 1 - half], [0.5, 0.5]), [0.5, 0.5])
    np.testing.assert_allclose(region_weights([half, None], [1.0, 1.0]), [1 / 3, 2 / 3])
    np.testing.assert_allclose(region_weights([half, half], [3.0, 1.0]), [0.75, 0.25])
    with pytest.raises(ValueError, match="no style applies"):
        region_weights([np.zeros((4, 4))], [1.0])
    with pytest.raises(ValueError, match="one mask"):
        region_weights([None], [0.5, 0.5])


def test_guided_style_loss_reduces_to_the_plain_loss_and_skips_empty_regions():
    f = tf.random.stateless_normal((1, 6, 6, 4), seed=(5, 6))
    a1 = style_target(tf.random.stateless_normal((1, 7, 5, 4), seed=(7, 8)))
    a2 = style_target(tf.random.stateless_normal((1, 5, 5, 4), seed=(9, 10)))
    plain = style_loss(f, a1).numpy()
    one = guided_style_loss(f, [a1, a2], [None, np.zeros((6, 6))], (1.0, 0.0)).numpy()
    assert one == plain  # exactly: style 2 is skipped, style 1 is the ordinary term
    half = np.zeros((6, 6))
    half[:, :3] = 1.0
    two = guided_style_loss(f, [a1, a2], [half, 1 - half], (0.5, 0.5), convention="anish")
    expected = 0.5 * style_loss(f[:, :, :3], a1, convention="anish") + 0.5 * style_loss(
        f[:, :, 3:], a2, convention="anish"
    )
    np.testing.assert_allclose(two.numpy(), expected.numpy(), rtol=1e-5)


def test_masks_by_layer_keeps_none(tiny_net):
    found = masks_by_layer(tiny_net, [None, np.ones((32, 32))], ["relu2_1"])
    assert found[0] is None and found[1]["relu2_1"].shape == (16, 16)


def test_load_mask_from_file_and_array(tmp_path):
    image = np.zeros((10, 12, 3), np.float32)
    image[:, 6:] = 255.0
    path = save_image(tmp_path / "mask.png", image)
    mask = load_mask(path)
    assert mask.shape == (10, 12) and mask.dtype == np.float32
    np.testing.assert_array_equal(mask[:, :6], 0.0)
    np.testing.assert_array_equal(mask[:, 6:], 1.0)
    resized = load_mask(np.ones((10, 12)), size=(20, 24))
    np.testing.assert_array_equal(resized, 1.0)  # resizing keeps all-ones exact
    np.testing.assert_array_equal(load_mask(np.zeros((5, 5, 1)), size=(9, 9)), 0.0)


def test_load_mask_errors(tmp_path):
    with pytest.raises(ValueError, match=r"style_masks\[1\]: no mask image"):
        load_mask(tmp_path / "missing.png", argument="style_masks[1]")
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        load_mask(np.full((4, 4), 2.0))
    with pytest.raises(ValueError, match="got shape"):
        load_mask(np.zeros((4, 4, 3)))
