"""vgg_mat.network: the raw tf.nn walk agrees with a plain numpy forward pass written here.

The numpy reference follows MatConvNet's definitions directly (zero-padded correlation for conv;
windows at ``i*s - pad`` cropped to the image for pools), not TensorFlow's padding rules, so it
checks the SAME/VALID/explicit-pad choices the network makes.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from vgg_mat.network import VGG, VGG19_LAYER_NAMES, resolve_layer, transpose_kernels_hw
from vgg_mat.weights import Layer, VGGWeights

RTOL = 1e-4  # float32 network vs float64 reference, relative to the layer's largest value
WIDTHS = (4, 8, 8, 8, 8)  # channels per block of the tiny test network
BLOCKS = ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4))
POOL_PADS = {"2016": (0, 1, 0, 1), "beta16": (0, 0, 0, 0)}


# ---------------------------------------------------------------------------------------------
# a random VGG-19-shaped network built directly from Layer records


def random_vgg19(
    *, pool_pad=(0, 1, 0, 1), fc=8, classes=5, seed=0, widths=WIDTHS, classifier=True
) -> VGGWeights:
    """VGG-19's 43 layers (names, order, pads) with small random He-normal weights."""
    rng = np.random.default_rng(seed)

    def conv(name, k, c_in, c_out, pad):
        kernel = rng.normal(0, np.sqrt(2 / (k * k * c_in)), (k, k, c_in, c_out))
        bias = rng.normal(0, 0.1, c_out)
        return Layer(
            name,
            "conv",
            kernel=kernel.astype(np.float32),
            bias=bias.astype(np.float32),
            stride=(1, 1),
            pad=(pad,) * 4,
        )

    layers, c_in = [], 3
    for (block, n), width in zip(BLOCKS, widths, strict=True):
        for i in range(1, n + 1):
            layers.append(conv(f"conv{block}_{i}", 3, c_in, width, 1))
            layers.append(Layer(f"relu{block}_{i}", "relu"))
            c_in = width
        layers.append(
            Layer(f"pool{block}", "pool", stride=(2, 2), pad=pool_pad, method="max", size=(2, 2))
        )
    if classifier:
        layers += [
            conv("fc6", 7, c_in, fc, 0),
            Layer("relu6", "relu"),
            conv("fc7", 1, fc, fc, 0),
            Layer("relu7", "relu"),
            conv("fc8", 1, fc, classes, 0),
            Layer("prob", "softmax"),
        ]
    return VGGWeights(
        layers=tuple(layers),
        mean_rgb=np.array([123.68, 116.779, 103.939]),
        class_ids=tuple(f"n{k:08d}" for k in range(classes)),
        class_descriptions=tuple(f"class {k}" for k in range(classes)),
        input_size=(224, 224),
        source="random test network",
        synthetic=True,
    )


# ---------------------------------------------------------------------------------------------
# the numpy reference (float64), straight from MatConvNet's definitions


def ref_conv(x, kernel, bias, stride, pad):
    """y[n,i,j,k] = b[k] + sum_{a,b,c} xpad[n, i*s+a, j*s+b, c] W[a,b,c,k] (zero padding)."""
    top, bottom, left, right = pad
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh, kw = kernel.shape[:2]
    sh, sw = stride
    ho = (xp.shape[1] - kh) // sh + 1
    wo = (xp.shape[2] - kw) // sw + 1
    y = np.zeros((x.shape[0], ho, wo, kernel.shape[3]))
    for a in range(kh):
        for b in range(kw):
            patch = xp[:, a : a + sh * (ho - 1) + 1 : sh, b : b + sw * (wo - 1) + 1 : sw, :]
            y += patch @ kernel[a, b].astype(np.float64)
    return y + bias.astype(np.float64)


def ref_pool(x, method, size, stride, pad):
    """MatConvNet pooling: window (i*s - t ... i*s - t + k) cropped to the image."""
    top, bottom, left, right = pad
    kh, kw = size
    sh, sw = stride
    n, h, w, c = x.shape
    ho = (h + top + bottom - kh) // sh + 1
    wo = (w + left + right - kw) // sw + 1
    y = np.empty((n, ho, wo, c))
    for i in range(ho):
        r0, r1 = max(i * sh - top, 0), min(i * sh - top + kh, h)
        for j in range(wo):
            c0, c1 = max(j * sw - left, 0), min(j * sw - left + kw, w)
            window = x[:, r0:r1, c0:c1, :]
            y[:, i, j] = window.max(axis=(1, 2)) if method == "max" else window.mean(axis=(1, 2))
    return y


def ref_forward(weights, x, *, pooling="max", stop=None):
    """Every layer's output (up to and including `stop`), float64, as a dict."""
    out, a = {}, np.asarray(x, dtype=np.float64)
    for layer in weights.layers:
        if layer.kind == "conv":
            a = ref_conv(a, layer.kernel, layer.bias, layer.stride, layer.pad)
        elif layer.kind == "relu":
            a = np.maximum(a, 0)
        elif layer.kind == "pool":
            method = "avg" if pooling == "avg" else layer.method
            a = ref_pool(a, method, layer.size, layer.stride, layer.pad)
        else:
            e = np.exp(a - a.max(axis=-1, keepdims=True))
            a = e / e.sum(axis=-1, keepdims=True)
        out[layer.name] = a
        if layer.name == stop:
            break
    return out


def assert_close(actual, expected, name):
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, (name, actual.shape, expected.shape)
    scale = max(float(np.abs(expected).max()), 1e-12)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * scale, err_msg=name)


def random_input(rng, shape):
    return rng.normal(0, 60, shape).astype(np.float32)


RELU_AND_POOL = [n for n in VGG19_LAYER_NAMES[:37] if n.startswith(("relu", "pool"))]


# ---------------------------------------------------------------------------------------------
# agreement with the reference


@pytest.mark.parametrize("layout", ["2016", "beta16"])
@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_every_relu_and_pool_matches_numpy_reference(layout, pooling):
    weights = random_vgg19(pool_pad=POOL_PADS[layout], classifier=False)
    x = random_input(np.random.default_rng(1), (2, 37, 45, 3))
    net = VGG(weights, pooling=pooling)
    got = net(x, RELU_AND_POOL)
    ref = ref_forward(weights, x, pooling=pooling)
    assert list(got) == RELU_AND_POOL
    for name in RELU_AND_POOL:
        assert_close(got[name], ref[name], name)


def test_pre_relu_conv_outputs_are_the_conv_not_the_relu():
    weights = random_vgg19(classifier=False)
    x = random_input(np.random.default_rng(2), (1, 20, 24, 3))
    got = VGG(weights)(x, ["conv4_2", "relu4_2"])
    ref = ref_forward(weights, x)
    assert_close(got["conv4_2"], ref["conv4_2"], "conv4_2")
    assert float(tf.reduce_min(got["conv4_2"])) < 0.0 <= float(tf.reduce_min(got["relu4_2"]))


@pytest.mark.parametrize("layout, size", [("2016", (200, 216)), ("beta16", (224, 224))])
def test_fc8_and_prob_match_numpy_reference(layout, size):
    weights = random_vgg19(pool_pad=POOL_PADS[layout])
    x = random_input(np.random.default_rng(3), (1, *size, 3))
    got = VGG(weights)(x, ["pool5", "fc8", "prob"])
    ref = ref_forward(weights, x)
    assert got["pool5"].shape == (1, 7, 7, WIDTHS[-1])
    assert got["fc8"].shape == (1, 1, 1, 5)
    for name in ("pool5", "fc8", "prob"):
        assert_close(got[name], ref[name], name)


@pytest.mark.parametrize("method", ["max", "avg"])
@pytest.mark.parametrize("pad", [(1, 0, 1, 0), (1, 1, 0, 2), (0, 2, 1, 1)])
def test_pool_with_any_pad_matches_matconvnet(method, pad):
    # 3x3 windows, stride 2, pads neither SAME nor VALID: the explicit -inf / count path.
    layers = (Layer("pool", "pool", stride=(2, 2), pad=pad, method=method, size=(3, 3)),)
    weights = VGGWeights(layers=layers, source="one pool")
    x = random_input(np.random.default_rng(4), (2, 11, 8, 3))
    x[..., 0] = -np.abs(x[..., 0]) - 1  # all negative: a zero-padded max would be wrong
    got = VGG(weights)(x, ["pool"])["pool"]
    assert_close(got, ref_pool(x.astype(np.float64), method, (3, 3), (2, 2), pad), "pool")


def test_strided_asymmetric_conv_matches_reference():
    rng = np.random.default_rng(5)
    kernel = rng.normal(size=(3, 2, 3, 4)).astype(np.float32)
    layer = Layer(
        "conv", "conv", kernel=kernel, bias=np.ones(4, np.float32), stride=(2, 3), pad=(0, 2, 1, 0)
    )
    x = random_input(rng, (1, 9, 10, 3))
    got = VGG(VGGWeights(layers=(layer,)))(x, ["conv"])["conv"]
    assert_close(got, ref_conv(x.astype(np.float64), kernel, layer.bias, (2, 3), layer.pad), "c")


def test_avg_pooling_differs_from_max():
    weights = random_vgg19(classifier=False)
    x = random_input(np.random.default_rng(6), (1, 16, 16, 3))
    a = VGG(weights, pooling="max")(x, ["pool1"])["pool1"]
    b = VGG(weights, pooling="avg")(x, ["pool1"])["pool1"]
    assert float(tf.reduce_max(a - b)) > 0.0  # a max is >= the mean, strictly somewhere
    assert float(tf.reduce_min(a - b)) >= 0.0


# ---------------------------------------------------------------------------------------------
# shapes


def test_output_shapes_224_reach_fc8_1x1():
    net = VGG(random_vgg19(widths=(4, 4, 4, 4, 4), fc=4, classes=3))
    shapes = net.output_shapes(224, 224)
    assert list(shapes) == list(VGG19_LAYER_NAMES)
    assert shapes["relu1_1"] == (224, 224, 4)
    assert shapes["pool5"] == (7, 7, 4)
    assert shapes["fc6"] == (1, 1, 4)
    assert shapes["fc8"] == shapes["prob"] == (1, 1, 3)
    x = np.zeros((1, 224, 224, 3), np.float32)
    got = net(x, ["pool5", "prob"])
    assert got["prob"].shape == (1, 1, 1, 3)
    np.testing.assert_allclose(float(tf.reduce_sum(got["prob"])), 1.0, rtol=1e-6)


@pytest.mark.parametrize(
    "layout, pools",
    [
        # ceil(n / 2) per pool (TF SAME):
        # 37 -> 19 -> 10 -> 5 -> 3 -> 2; 45 -> 23 -> 12 -> 6 -> 3 -> 2
        ("2016", [(19, 23), (10, 12), (5, 6), (3, 3), (2, 2)]),
        # floor(n / 2) per pool (VALID):
        # 37 -> 18 -> 9 -> 4 -> 2 -> 1, 45 -> 22 -> 11 -> 5 -> 2 -> 1
        ("beta16", [(18, 22), (9, 11), (4, 5), (2, 2), (1, 1)]),
    ],
)
def test_output_shapes_odd_input(layout, pools):
    weights = random_vgg19(pool_pad=POOL_PADS[layout])
    net = VGG(weights)
    shapes = net.output_shapes(37, 45)
    names = [f"pool{b}" for b in range(1, 6)]
    assert [shapes[n][:2] for n in names] == pools
    assert "fc6" not in shapes  # pool5 is smaller than fc6's 7x7 window
    got = net(random_input(np.random.default_rng(7), (1, 37, 45, 3)), names + ["relu3_3"])
    for name, tensor in got.items():
        assert tuple(tensor.shape[1:]) == shapes[name]


def test_too_small_input_for_fc6_is_a_clear_error():
    net = VGG(random_vgg19())
    with pytest.raises(ValueError, match=r"37x45 input is too small to reach layer 'fc8'"):
        net(np.zeros((1, 37, 45, 3), np.float32), ["fc8"])


# ---------------------------------------------------------------------------------------------
# truncation


def test_asking_for_relu1_1_runs_only_two_layers():
    net = VGG(random_vgg19())
    ran = []
    for i, op in enumerate(list(net._ops)):
        net._ops[i] = lambda x, op=op, name=net.names[i]: (ran.append(name), op(x))[1]
    net(np.zeros((1, 16, 16, 3), np.float32), ["relu1_1"])
    assert ran == ["conv1_1", "relu1_1"]
    ran.clear()
    net(np.zeros((1, 16, 16, 3), np.float32), ["relu1_1", "pool2"])
    assert ran == list(VGG19_LAYER_NAMES[: VGG19_LAYER_NAMES.index("pool2") + 1])


def test_traced_graph_contains_only_the_needed_convolutions():
    net = VGG(random_vgg19())
    spec = tf.TensorSpec((1, 32, 32, 3), tf.float32)

    def count_convs(layers):
        graph = tf.function(lambda x: net(x, layers)).get_concrete_function(spec).graph
        return sum(op.type == "Conv2D" for op in graph.get_operations())

    assert count_convs(["relu1_1"]) == 1
    assert count_convs(["relu3_1"]) == 5
    assert count_convs(["relu5_4", "relu1_1"]) == 16


def _built_constants(net, name):
    """The constants a conv op has made so far (its closure's list), for the laziness tests."""
    op = net._ops[net.names.index(name)]
    return op.__closure__[op.__code__.co_freevars.index("constants")].cell_contents


def test_weights_become_constants_on_first_use_once_and_outside_any_graph():
    net = VGG(random_vgg19())
    x = random_input(np.random.default_rng(3), (1, 16, 16, 3))
    assert _built_constants(net, "conv1_1") == []
    traced = tf.function(lambda x: net(x, ["relu2_1"]))
    a = traced(x)["relu2_1"]
    kernel = _built_constants(net, "conv1_1")[0]
    b = net(x, ["relu2_1"])["relu2_1"]  # eager, after the trace: the same constants, reused
    assert _built_constants(net, "conv1_1")[0] is kernel
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)
    # made eagerly (init_scope), not as symbolic tensors of the graph being traced
    assert isinstance(kernel, tf.Tensor) and hasattr(kernel, "numpy")
    # layers never run never take memory: fc6 (VGG-19's largest) stays unbuilt
    assert _built_constants(net, "conv3_1") == []
    assert _built_constants(net, "fc6") == []


# ---------------------------------------------------------------------------------------------
# tf.function and gradients


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_gradient_wrt_input_is_finite_and_nonzero_in_tf_function(pooling):
    net = VGG(random_vgg19(classifier=False), pooling=pooling)
    x = tf.Variable(random_input(np.random.default_rng(8), (1, 21, 27, 3)))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            features = net(x, ["relu1_1", "relu4_2", "pool5"])
            loss = sum(tf.reduce_sum(tf.square(f)) for f in features.values())
        return loss, tape.gradient(loss, x)

    loss, grad = step()
    eager = net(x, ["relu4_2"])["relu4_2"]
    traced = tf.function(lambda v: net(v, ["relu4_2"])["relu4_2"])(x)
    np.testing.assert_allclose(traced.numpy(), eager.numpy(), rtol=1e-5, atol=1e-5)
    assert np.isfinite(float(loss))
    g = grad.numpy()
    assert np.all(np.isfinite(g))
    assert np.abs(g).max() > 0.0


def test_gradient_through_explicit_pad_pools_is_finite():
    layers = (Layer("pool", "pool", stride=(2, 2), pad=(1, 0, 1, 0), method="max", size=(3, 3)),)
    for pooling in ("max", "avg"):
        net = VGG(VGGWeights(layers=layers), pooling=pooling)
        x = tf.constant(random_input(np.random.default_rng(9), (1, 9, 9, 2)))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(net(x, ["pool"])["pool"])
        g = tape.gradient(y, x).numpy()
        assert np.all(np.isfinite(g)) and np.abs(g).sum() > 0


# ---------------------------------------------------------------------------------------------
# the kernel layout identity


@pytest.mark.parametrize("layout", ["2016", "beta16"])
def test_transposed_network_is_the_network_on_the_transposed_image(layout):
    # net_T(x)[l] == T(net(T(x))[l]) with T swapping height and width; non-square input.
    weights = random_vgg19(pool_pad=POOL_PADS[layout], classifier=False, seed=11)
    net, net_t = VGG(weights), VGG(transpose_kernels_hw(weights))
    assert net_t.weights.transposed_hw and not net.weights.transposed_hw
    x = random_input(np.random.default_rng(10), (2, 37, 45, 3))

    def t(a):
        return tf.transpose(a, (0, 2, 1, 3))

    direct = net_t(x, RELU_AND_POOL)
    via_t = net(t(x), RELU_AND_POOL)
    for name in RELU_AND_POOL:
        expected = t(via_t[name]).numpy()
        assert_close(direct[name], expected.astype(np.float64), name)
    # and the two networks really differ (otherwise the identity says nothing)
    assert np.abs(direct["relu1_1"].numpy() - net(x, ["relu1_1"])["relu1_1"].numpy()).max() > 1


def test_transposed_identity_holds_through_fc8():
    weights = random_vgg19(seed=12)
    net, net_t = VGG(weights), VGG(transpose_kernels_hw(weights))
    x = random_input(np.random.default_rng(13), (1, 200, 216, 3))
    xt = tf.transpose(x, (0, 2, 1, 3))
    assert_close(net_t(x, ["fc8"])["fc8"], net(xt, ["fc8"])["fc8"].numpy().astype(float), "fc8")


def test_transpose_kernels_twice_is_the_identity():
    weights = random_vgg19(classifier=False)
    back = transpose_kernels_hw(transpose_kernels_hw(weights))
    assert not back.transposed_hw
    for a, b in zip(weights.layers, back.layers, strict=True):
        if a.kind == "conv":
            np.testing.assert_array_equal(a.kernel, b.kernel)


# ---------------------------------------------------------------------------------------------
# names


@pytest.mark.parametrize(
    "name, expected",
    [
        ("block4_conv2", "relu4_2"),
        ("block1_conv1", "relu1_1"),
        ("block5_conv4", "relu5_4"),
        ("block1_pool", "pool1"),
        ("block5_pool", "pool5"),
        ("fc1", "relu6"),
        ("fc2", "relu7"),
        ("predictions", "prob"),
        ("conv4_2", "conv4_2"),
        ("relu4_2", "relu4_2"),
        ("fc6", "fc6"),
        ("prob", "prob"),
    ],
)
def test_resolve_layer(name, expected):
    assert resolve_layer(name) == expected


@pytest.mark.parametrize("name", ["block6_conv1", "block1_conv3", "conv6_1", "relu", "", "Conv1_1"])
def test_resolve_layer_unknown_lists_valid_names(name):
    with pytest.raises(ValueError, match="valid names: conv1_1, relu1_1, .*fc8, prob"):
        resolve_layer(name)


def test_resolve_layer_against_a_file_without_classifier():
    names = VGG19_LAYER_NAMES[:37]
    assert resolve_layer("block5_pool", names) == "pool5"
    with pytest.raises(ValueError, match="unknown layer name 'fc1'"):
        resolve_layer("fc1", names)


def test_network_accepts_keras_names_and_keys_by_the_name_asked():
    net = VGG(random_vgg19(classifier=False))
    x = random_input(np.random.default_rng(14), (1, 16, 16, 3))
    got = net(x, ["block2_conv1", "relu2_1", "block1_pool"])
    assert list(got) == ["block2_conv1", "relu2_1", "block1_pool"]
    np.testing.assert_array_equal(got["block2_conv1"].numpy(), got["relu2_1"].numpy())


def test_network_unknown_layer_lists_valid_names():
    net = VGG(random_vgg19(classifier=False))
    with pytest.raises(ValueError, match=r"unknown layer name 'relu6'.*valid names: conv1_1"):
        net(np.zeros((1, 16, 16, 3), np.float32), ["relu1_1", "relu6"])
    with pytest.raises(ValueError, match="at least one layer"):
        net(np.zeros((1, 16, 16, 3), np.float32), [])


def test_a_single_name_string_is_one_layer_not_characters():
    net = VGG(random_vgg19(classifier=False))
    assert list(net(np.zeros((1, 8, 8, 3), np.float32), "relu1_1")) == ["relu1_1"]


@pytest.mark.parametrize(
    "shape, match",
    [((16, 16, 3), r"must be a batch \(N, H, W, C\)"), ((1, 16, 16, 4), "4 channels")],
)
def test_bad_input_shape_is_a_clear_error(shape, match):
    with pytest.raises(ValueError, match=match):
        VGG(random_vgg19(classifier=False))(np.zeros(shape, np.float32), ["relu1_1"])


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="pooling must be 'max' or 'avg'"):
        VGG(random_vgg19(classifier=False), pooling="mean")
    with pytest.raises(TypeError, match="VGGWeights"):
        VGG({"conv1_1": None})
    bad = Layer("pool", "pool", stride=(2, 2), pad=(2, 0, 0, 0), method="max", size=(2, 2))
    with pytest.raises(ValueError, match="must be smaller than the window"):
        VGG(VGGWeights(layers=(bad,)))


def test_label_and_synthetic_pass_through():
    weights = random_vgg19(classifier=False)
    net = VGG(weights)
    assert net.synthetic is True
    assert "SYNTHETIC" in net.label
    assert net.deepest_index(["relu1_1", "block3_conv1"]) == VGG19_LAYER_NAMES.index("relu3_1")


@pytest.mark.parametrize(
    "ksize, pad",
    [
        ((2, 2), (0, 1, 0, 1)),
        ((2, 2), (1, 0, 1, 0)),
        ((3, 3), (1, 1, 1, 1)),
        ((5, 3), (2, 2, 0, 2)),
    ],
)
def test_stride1_conv_pads_same_or_explicit_match_reference(ksize, pad):
    # (0 1 0 1) for 2x2 and (1 1 1 1) for 3x3 are TF 'SAME'; the others need the explicit list
    rng = np.random.default_rng(15)
    kernel = rng.normal(size=(*ksize, 3, 4)).astype(np.float32)
    layer = Layer("c", "conv", kernel=kernel, bias=np.zeros(4, np.float32), stride=(1, 1), pad=pad)
    x = random_input(rng, (1, 7, 6, 3))
    got = VGG(VGGWeights(layers=(layer,)))(x, ["c"])["c"]
    assert_close(got, ref_conv(x.astype(np.float64), kernel, layer.bias, (1, 1), pad), "c")


# ---------------------------------------------------------------------------------------------
# the synthetic files written by vgg_mat.write_synthetic (shared fixtures), both layouts


@pytest.fixture(scope="module", params=["2016", "beta16"])
def synthetic_weights(request):
    from vgg_mat.matfile import load

    return load(request.getfixturevalue(f"synthetic_{request.param}_path"))


def test_synthetic_file_matches_reference_at_an_odd_size(synthetic_weights):
    x = random_input(np.random.default_rng(16), (1, 37, 45, 3))
    got = VGG(synthetic_weights)(x, RELU_AND_POOL)
    ref = ref_forward(synthetic_weights, x, stop="pool5")
    for name in RELU_AND_POOL:
        assert_close(got[name], ref[name], name)


def test_synthetic_file_matches_reference_through_fc8_at_224(synthetic_weights):
    x = random_input(np.random.default_rng(17), (1, 224, 224, 3))
    net = VGG(synthetic_weights)
    got = net(x, ["pool5", "fc8", "prob"])
    ref = ref_forward(synthetic_weights, x)
    assert net.output_shapes(224, 224)["fc8"] == (1, 1, 10)
    for name in ("pool5", "fc8", "prob"):
        assert_close(got[name], ref[name], name)


def test_tiny_weights_shapes_and_label(tiny_weights):
    net = VGG(tiny_weights)
    assert net.synthetic and net.label.startswith("SYNTHETIC RANDOM WEIGHTS")
    shapes = net.output_shapes(64, 48)
    assert shapes["relu1_1"] == (64, 48, 4) and shapes["pool5"] == (2, 2, 32)
    assert list(shapes)[-1] == "pool5"


@pytest.mark.parametrize("layout", ["2016", "beta16"])
def test_unknown_spatial_size_in_tf_function_gives_the_same_answer(layout):
    # with (None, None) height/width the pools cannot pick SAME/VALID and pad explicitly
    weights = random_vgg19(pool_pad=POOL_PADS[layout], classifier=False)
    net = VGG(weights)
    x = random_input(np.random.default_rng(18), (1, 37, 45, 3))
    spec = tf.TensorSpec((None, None, None, 3), tf.float32)
    traced = tf.function(lambda v: net(v, ["pool3", "pool5"]), input_signature=[spec])
    got, eager = traced(x), net(x, ["pool3", "pool5"])
    for name in ("pool3", "pool5"):
        np.testing.assert_allclose(got[name].numpy(), eager[name].numpy(), rtol=1e-5, atol=1e-4)


def test_float64_and_integer_inputs_are_cast_to_float32():
    net = VGG(random_vgg19(classifier=False))
    x = random_input(np.random.default_rng(19), (1, 8, 8, 3))
    a = net(x, ["relu1_2"])["relu1_2"]
    b = net(tf.constant(x.astype(np.float64)), ["relu1_2"])["relu1_2"]
    assert b.dtype == tf.float32
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-5)
    assert net(np.zeros((1, 8, 8, 3), np.uint8), ["relu1_1"])["relu1_1"].dtype == tf.float32
