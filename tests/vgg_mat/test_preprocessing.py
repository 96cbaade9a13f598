"""vgg_mat.preprocessing: subtract / add the file's mean pixel, batch axis, clear errors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import tensorflow as tf

from vgg_mat.preprocessing import deprocess, preprocess

MEAN = np.array([123.68, 116.779, 103.939])


def test_preprocess_subtracts_the_files_mean_and_adds_a_batch_axis(tiny_weights):
    np.testing.assert_allclose(tiny_weights.mean_rgb, MEAN, rtol=0, atol=1e-9)
    image = np.random.default_rng(0).uniform(0, 255, (5, 7, 3))
    x = preprocess(image, tiny_weights)
    assert isinstance(x, tf.Tensor) and x.dtype == tf.float32
    assert x.shape == (1, 5, 7, 3)
    np.testing.assert_allclose(x.numpy()[0], image - MEAN, rtol=0, atol=1e-4)


def test_preprocess_keeps_a_batch_and_accepts_uint8_and_tensors(tiny_weights):
    batch = np.random.default_rng(1).integers(0, 256, (2, 4, 6, 3), dtype=np.uint8)
    x = preprocess(tf.constant(batch), tiny_weights)
    assert x.shape == (2, 4, 6, 3)
    np.testing.assert_allclose(x.numpy(), batch - MEAN, rtol=0, atol=1e-4)
    # RGB order: the red channel loses the largest mean
    np.testing.assert_allclose(preprocess(np.zeros((1, 1, 3)), tiny_weights)[0, 0, 0], -MEAN, 1e-6)


def test_round_trip_is_the_identity_on_0_255(tiny_weights):
    image = np.random.default_rng(2).uniform(0, 255, (3, 9, 11, 3)).astype(np.float32)
    back = deprocess(preprocess(image, tiny_weights), tiny_weights)
    assert back.shape == image.shape and back.dtype == tf.float32
    np.testing.assert_allclose(back.numpy(), image, rtol=0, atol=1e-4)


def test_deprocess_clips_and_keeps_rank(tiny_weights):
    x = np.array([[[-500.0, 0.0, 500.0]]])  # (1, 1, 3): rank 3 stays rank 3
    y = deprocess(x, tiny_weights).numpy()
    assert y.shape == (1, 1, 3)
    np.testing.assert_allclose(y[0, 0], [0.0, MEAN[1], 255.0], rtol=0, atol=1e-4)
    assert deprocess(np.zeros((1, 2, 2, 3)), tiny_weights).shape == (1, 2, 2, 3)


def test_works_inside_tf_function(tiny_weights):
    f = tf.function(lambda img: deprocess(preprocess(img, tiny_weights), tiny_weights))
    image = tf.fill((1, 3, 3, 3), 100.0)
    np.testing.assert_allclose(f(image).numpy(), 100.0, rtol=0, atol=1e-4)


def test_explicit_mean_overrides_and_replaces_a_missing_one(tiny_weights):
    no_mean = replace(tiny_weights, mean_rgb=None)
    with pytest.raises(ValueError, match="has no mean pixel.*pass mean="):
        preprocess(np.zeros((2, 2, 3)), no_mean)
    with pytest.raises(ValueError, match="has no mean pixel"):
        deprocess(np.zeros((2, 2, 3)), no_mean)
    x = preprocess(np.full((2, 2, 3), 10.0), no_mean, mean=(1, 2, 3))
    np.testing.assert_allclose(x.numpy()[0, 0, 0], [9, 8, 7], rtol=0, atol=1e-6)
    y = deprocess(x, None, mean=[1, 2, 3])
    np.testing.assert_allclose(y.numpy(), 10.0, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "shape", [(4, 4), (4, 4, 4), (1, 4, 4, 1), (2, 1, 4, 4, 3), (3,)], ids=lambda s: str(s)
)
def test_bad_shapes_are_clear_errors(tiny_weights, shape):
    with pytest.raises(ValueError, match=r"preprocess: images must have shape \(H, W, 3\)"):
        preprocess(np.zeros(shape), tiny_weights)
    with pytest.raises(ValueError, match=r"deprocess: x must have shape"):
        deprocess(np.zeros(shape), tiny_weights)


def test_bad_mean_and_dtype_are_clear_errors(tiny_weights):
    with pytest.raises(ValueError, match="mean must be 3 finite numbers"):
        preprocess(np.zeros((2, 2, 3)), tiny_weights, mean=(1, 2))
    with pytest.raises(ValueError, match="mean must be 3 finite numbers"):
        preprocess(np.zeros((2, 2, 3)), tiny_weights, mean=(1, 2, np.nan))
    with pytest.raises(ValueError, match="give the weights"):
        preprocess(np.zeros((2, 2, 3)), None)
    with pytest.raises(ValueError, match="must be numbers"):
        preprocess(np.zeros((2, 2, 3), dtype=bool), tiny_weights)
