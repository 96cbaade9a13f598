# %% [markdown]
# # Lesson 2: Pooling, receptive fields and the VGG family
#
# **The question.** How much of the image can one unit of `relu4_2` see, and what does VGG-19
# do to the shape of an image on the way there?
#
# You will pool by hand (max, average, global, depthwise), compute every VGG-19 layer's output
# shape, receptive field and parameter count from the layer records, and then *measure* the
# receptive field with a gradient experiment, which agrees with the formula to the pixel.
# Along the way: why VGG's stacks of 3x3 convolutions were a good idea, and why max pooling
# "routes" gradients.
#
# **Prerequisites.** Lesson 1 (cross-correlation, output sizes, `"SAME"` vs `"VALID"`).
#
# **Expected run time.** About 15 seconds on 2 CPU cores. Uses the real VGG-19 file if
# `vgg_mat.find_weights` finds one, otherwise a small synthetic network written by
# `vgg_mat.write_synthetic` (the receptive-field results are properties of the architecture,
# so they are the same either way; figures made with random weights say so). The tables and
# parameter counts are always the real VGG-19's (from `vgg_mat.architecture`).
#
# **Your turn.** Three cells are yours to write: a pooling layer (`pool2d_naive`), the
# receptive-field recursion (`receptive_field`) and a layer's parameter count (`conv_params`).
# Each is graded by the cell after it, against the worked numbers and the library.

# %%
# %load_ext autoreload
# %autoreload 2
import dataclasses
import inspect

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import vgg_mat
from nst.grading import answer, check
from nst.plots import plot_annotated_grid, stamp_synthetic
from vgg_mat import VGG, Layer, VGGWeights, architecture, geometry

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Pooling by hand
#
# A pooling layer slides a window over each channel separately (no mixing of channels, no
# weights) and keeps one number per window: the **maximum** or the **mean**. With a $k \times k$
# window and stride $s$,
#
# $$ y_{i,j,c} = \max_{0 \le u, v < k} x_{is+u,\, js+v,\, c}
#    \qquad\text{or}\qquad
#    y_{i,j,c} = \frac{1}{k^2} \sum_{0 \le u, v < k} x_{is+u,\, js+v,\, c}, $$
#
# and the output size follows the same formula as a convolution,
# $o = \lfloor (i + p_{before} + p_{after} - k)/s \rfloor + 1$. VGG uses $k = s = 2$: every
# pool halves the height and width.
#
# **Your turn (1/3).** Write the pooling layer for one channel, with loops over the output
# positions (numpy may reduce each window: `window.max()`, `window.mean()`).


# %%
def pool2d_naive(x, k, s, method="max"):
    """Pool one channel: a (H, W) array, a k x k window, stride s, no padding (VALID).

    Returns an (H_out, W_out) float array, H_out = (H - k) // s + 1 (W_out likewise), with
    y[i, j] = max (method "max") or mean (method "avg") of x[i*s : i*s + k, j*s : j*s + k].
    """
    ### BEGIN SOLUTION
    h_out, w_out = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    reduce = np.max if method == "max" else np.mean
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            y[i, j] = reduce(x[i * s : i * s + k, j * s : j * s + k])
    return y
    ### END SOLUTION


# %%
x4 = np.arange(1, 17, dtype=float).reshape(4, 4)
check("2x2/2 max pool of 1..16", answer("pool2d_naive", pool2d_naive, x4, 2, 2), [[6, 8], [14, 16]])
check(
    "2x2/2 average pool of 1..16",
    answer("pool2d_naive", pool2d_naive, x4, 2, 2, "avg"),
    [[3.5, 5.5], [11.5, 13.5]],
    factors={"k^2": 4},  # a window sum, not its mean
)
test_array = np.random.RandomState(1).randn(7, 9)
for k, s in ((3, 1), (2, 2), (3, 2)):
    for method, tf_pool in (("max", tf.nn.max_pool2d), ("avg", tf.nn.avg_pool2d)):
        check(
            f"{k}x{k}/{s} {method} pool of a 7x9 array, against tf.nn.{tf_pool.__name__}",
            answer("pool2d_naive", pool2d_naive, test_array, k, s, method),
            tf_pool(test_array[None, :, :, None], k, s, "VALID").numpy()[0, :, :, 0],
            rtol=1e-6,  # TensorFlow pools in float32 here
            factors={"k^2": k * k},
        )

# %%
max4, avg4 = pool2d_naive(x4, 2, 2, "max"), pool2d_naive(x4, 2, 2, "avg")
print("x\n", x4, "\nmax pool\n", max4, "\naverage pool\n", avg4)
print("global average", x4.mean(), "| global max", x4.max())
assert max4.tolist() == [[6, 8], [14, 16]]
assert avg4.tolist() == [[3.5, 5.5], [11.5, 13.5]]
assert (x4.mean(), x4.max()) == (8.5, 16)

# %% [markdown]
# The library's pooling layer is the file's `pool` record run through `tf.nn.max_pool2d` or
# `tf.nn.avg_pool2d` (`VGG(weights, pooling="avg")` swaps every max pool for an average pool,
# as Gatys et al. did). Its source:

# %%
print(inspect.getsource(VGG._pool_op))

# %% [markdown]
# A one-layer network built from a hand-made `pool` record agrees with the loops (exactly:
# these are small integers and halves, exact in float32).


# %%
def one_layer_net(layer, pooling="max"):
    return VGG(VGGWeights((layer,), source="lesson 2 hand-made layer"), pooling=pooling)


pool_2x2 = Layer("pool", "pool", stride=(2, 2), pad=(0, 0, 0, 0), method="max", size=(2, 2))
batch4 = x4[None, :, :, None].astype(np.float32)
for method, naive in (("max", max4), ("avg", avg4)):
    library = one_layer_net(pool_2x2, method)(batch4, ["pool"])["pool"].numpy()[0, :, :, 0]
    np.testing.assert_array_equal(library, naive)
print("library max and average pooling == naive loops")

# %% [markdown]
# ### Odd sizes: `"SAME"` vs `"VALID"`, and the two published VGG-19 files
#
# A 5x5 input does not halve evenly. `"VALID"` drops the last row and column
# ($\lfloor 5/2 \rfloor = 2$); `"SAME"` keeps them ($\lceil 5/2 \rceil = 3$) by padding at the
# bottom/right, and **TensorFlow's average pooling ignores padded cells**: the corner window
# holds only the 25, and the right-edge window of the top row holds 5 and 10, so it averages
# to 7.5, not $15/4$.
#
# This matters for VGG-19: the 2016 `.mat` file pads its pools by `(0, 1, 0, 1)` (so odd sizes
# round up, exactly like `"SAME"`), the older beta16 file by `(0, 0, 0, 0)` (round down, like
# `"VALID"`). For sizes divisible by 32 the two agree, which is why every lesson uses them.

# %%
x5 = np.arange(1, 26, dtype=np.float32).reshape(1, 5, 5, 1)
same_max = tf.nn.max_pool2d(x5, 2, 2, "SAME").numpy()[0, :, :, 0]
same_avg = tf.nn.avg_pool2d(x5, 2, 2, "SAME").numpy()[0, :, :, 0]
valid_max = tf.nn.max_pool2d(x5, 2, 2, "VALID").numpy()[0, :, :, 0]
print("SAME max\n", same_max, "\nSAME average\n", same_avg, "\nVALID max\n", valid_max)
assert same_max.tolist() == [[7, 9, 10], [17, 19, 20], [22, 24, 25]]
assert same_avg.tolist() == [[4, 6, 7.5], [14, 16, 17.5], [21.5, 23.5, 25]]
assert valid_max.tolist() == [[7, 9], [17, 19]]
np.testing.assert_array_equal(pool2d_naive(x5[0, :, :, 0], 2, 2), valid_max)

pool_2016 = dataclasses.replace(pool_2x2, pad=(0, 1, 0, 1))
for method, expected in (("max", same_max), ("avg", same_avg)):
    library = one_layer_net(pool_2016, method)(x5, ["pool"])["pool"].numpy()[0, :, :, 0]
    np.testing.assert_array_equal(library, expected)  # the 2016 file's pools are TF SAME
assert geometry.conv_output_size(5, 2, (0, 1), 2) == geometry.same_padding(5, 2, 2)[0] == 3
assert geometry.conv_output_size(5, 2, 0, 2) == 2

# %% [markdown]
# ### Dumoulin & Visin's pooling figures
#
# The same seed-1234 input as in Lesson 1, pooled with a 3x3 window at stride 1.

# %%
np.random.seed(1234)  # noqa: NPY002  (the paper's figures use numpy's legacy generator)
x_dv = np.random.randint(0, 4, (5, 5)).astype(float)  # noqa: NPY002
dv_max, dv_avg = pool2d_naive(x_dv, 3, 1, "max"), pool2d_naive(x_dv, 3, 1, "avg")
print("max\n", dv_max, "\naverage x 9\n", dv_avg * 9)
assert dv_max.tolist() == [[3, 3, 3], [3, 3, 3], [3, 2, 3]]
np.testing.assert_allclose(dv_avg * 9, [[15, 15, 15], [9, 11, 16], [10, 7, 12]], rtol=0, atol=1e-12)


fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), gridspec_kw={"width_ratios": [4, 2, 2, 3]})
plot_annotated_grid(axes[0], x4, title="x = 1..16")
plot_annotated_grid(axes[1], max4, title="2x2 max, stride 2", cmap="Oranges")
plot_annotated_grid(axes[2], avg4, title="2x2 average", cmap="Greens")
plot_annotated_grid(axes[3], same_avg, title="5x5 input: SAME average", cmap="Purples")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Depthwise convolution: one kernel per channel
#
# Pooling treats channels separately; so does a *depthwise* convolution
# (`tf.nn.depthwise_conv2d`, kernel $(K_H, K_W, C, 1)$). Average pooling is the depthwise
# convolution with every kernel equal to $1/k^2$. Two channels: ch0 = 1..16, ch1 = 10 x ch0;
# kernels ch0 $\begin{pmatrix}1&0\\0&-1\end{pmatrix}$ (a diagonal difference) and ch1 all 0.25.

# %%
two = np.stack([x4, 10 * x4], axis=-1)[None].astype(np.float32)  # (1, 4, 4, 2)
kernels = np.zeros((2, 2, 2, 1), np.float32)
kernels[:, :, 0, 0] = [[1, 0], [0, -1]]
kernels[:, :, 1, 0] = 0.25
depthwise = tf.nn.depthwise_conv2d(two, kernels, [1, 2, 2, 1], "VALID").numpy()[0]
print("ch0\n", depthwise[:, :, 0], "\nch1\n", depthwise[:, :, 1])
assert (depthwise[:, :, 0] == -5).all()
assert depthwise[:, :, 1].tolist() == [[35, 55], [115, 135]]
np.testing.assert_allclose(depthwise[:, :, 1], pool2d_naive(10 * x4, 2, 2, "avg"), rtol=1e-6)

# %% [markdown]
# ## 2. Receptive fields
#
# The **receptive field** of a unit is the set of input pixels that can change it. A 3x3
# convolution on the image sees 3x3 pixels; a second 3x3 convolution sees 3x3 units of the
# first, i.e. 5x5 pixels. A stride-2 pool doubles the distance between neighbouring units (the
# **jump** $j$), so every later layer grows the field twice as fast. Layer by layer (Araujo,
# Norris & Sim, Distill 2019), with window $k_l$ and stride $s_l$:
#
# $$ j_l = j_{l-1}\, s_l, \qquad r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad r_0 = j_0 = 1, $$
#
# which unrolls to the closed form
#
# $$ r_L = 1 + \sum_{l=1}^{L} (k_l - 1) \prod_{i<l} s_i . $$
#
# **Your turn (2/3).** Write the recursion. Careful with the order: $r_l$ uses the jump of the
# layer *before*, $j_{l-1}$.


# %%
def receptive_field(windows):
    """Receptive field and jump after each layer of a chain, along one axis.

    windows: a list of (k, s) pairs, one per layer (window size, stride); a ReLU is (1, 1).
    Returns a list of (r, j) pairs, one per layer: r_l = r_{l-1} + (k_l - 1) j_{l-1} and
    j_l = j_{l-1} s_l, starting from r_0 = j_0 = 1 (one input pixel).
    """
    ### BEGIN SOLUTION
    r, jump, out = 1, 1, []
    for k, s in windows:
        r, jump = r + (k - 1) * jump, jump * s
        out.append((r, jump))
    return out
    ### END SOLUTION


# %%
check(
    "receptive_field of conv3x3, conv3x3, pool2x2/2, conv3x3: r = 3, 5, 6, 10; j = 1, 1, 2, 2",
    answer("receptive_field", receptive_field, [(3, 1), (3, 1), (2, 2), (3, 1)]),
    [(3, 1), (5, 1), (6, 2), (10, 2)],
    rtol=0,
)
# VGG-19's conv and pool layers up to pool5, from the architecture table (real shapes)
chain = [spec for spec in architecture.vgg19(classifier=False) if spec.kind in ("conv", "pool")]
windows = [
    (spec.kernel_shape[0] if spec.kind == "conv" else spec.size[0], spec.stride[0])
    for spec in chain
]
library_fields = {f.name: f for f in geometry.receptive_fields(geometry.vgg19_layers())}
check(
    "receptive_field of VGG-19 conv1_1 ... pool5, against vgg_mat.geometry.receptive_fields",
    answer("receptive_field", receptive_field, windows),
    [(library_fields[spec.name].size[0], library_fields[spec.name].jump[0]) for spec in chain],
    rtol=0,
)

# %% [markdown]
# Your recursion, evaluated for VGG-19's convs and pools (3x3/1 convs, 2x2/2 pools, blocks of
# 2, 2, 4, 4, 4 convolutions):

# %%
blocks = [convs for _, convs, _ in architecture.BLOCKS]
assert blocks == [2, 2, 4, 4, 4]
by_hand = dict(zip([spec.name for spec in chain], receptive_field(windows), strict=True))
print({name: rj[0] for name, rj in by_hand.items()})

# %% [markdown]
# The library does the same from the layer records of any file (`geometry.receptive_fields`);
# `geometry.vgg19_layers()` gives VGG-19's 43 records without weights (shape-only kernels that
# take no memory), so nothing here needs the file.

# %%
print(inspect.getsource(geometry.receptive_fields).split('"""')[-1])
fields = {f.name: f for f in geometry.receptive_fields(geometry.vgg19_layers())}
for name, (r, jump) in by_hand.items():
    assert fields[name].size == (r, r) and fields[name].jump == (jump, jump), name
CURRICULUM_RF = {
    "conv1_1": 3,
    "conv1_2": 5,
    "pool1": 6,
    "conv2_1": 10,
    "conv2_2": 14,
    "pool2": 16,
    "conv3_1": 24,
    "conv3_2": 32,
    "conv3_3": 40,
    "conv3_4": 48,
    "pool3": 52,
    "conv4_1": 68,
    "conv4_2": 84,
    "conv4_3": 100,
    "conv4_4": 116,
    "pool4": 124,
    "conv5_1": 156,
    "conv5_2": 188,
    "conv5_3": 220,
    "conv5_4": 252,
    "pool5": 268,
}
assert {name: fields[name].size[0] for name in CURRICULUM_RF} == CURRICULUM_RF
assert [fields[f"pool{b}"].jump[0] for b in range(1, 6)] == [2, 4, 8, 16, 32]
print("conv4_2 (Gatys' content layer) sees", fields["conv4_2"].size, "pixels")

# %% [markdown]
# **Why stacks of 3x3?** Two stacked 3x3 convolutions see 5x5, three see 7x7, like one big
# kernel, but with $2 \cdot 9 C^2$ or $3 \cdot 9 C^2$ weights instead of $25 C^2$ or $49 C^2$,
# and with a ReLU between them (Simonyan & Zisserman 2014, section 2.3).


# %%
def conv_stack(n, k):
    w = np.broadcast_to(np.float32(0), (k, k, 1, 1))
    return [
        Layer(
            f"c{i}", "conv", kernel=w, bias=np.zeros(1, np.float32), stride=(1, 1), pad=(0, 0, 0, 0)
        )
        for i in range(n)
    ]


C = 256
for n, big in ((2, 5), (3, 7)):
    r_stack = geometry.receptive_fields(conv_stack(n, 3))[-1].size[0]
    r_big = geometry.receptive_fields(conv_stack(1, big))[-1].size[0]
    print(
        f"{n} x 3x3: RF {r_stack}, {n * 9 * C * C:,} weights | one {big}x{big}: RF {r_big}, "
        f"{big * big * C * C:,} weights  (C = {C})"
    )
    assert r_stack == r_big == big

# %%
names = [name for name in fields if name.startswith(("conv", "pool"))]  # conv1_1 ... pool5
fig, ax = plt.subplots(figsize=(11, 3.8))
ax.plot(range(len(names)), [fields[n].size[0] for n in names], "o-", label="receptive field r")
ax.plot(
    range(len(names)), [fields[n].jump[0] for n in names], "s-", label="jump j (cumulative stride)"
)
ax.set_xticks(range(len(names)), names, rotation=70, fontsize=8)
ax.set_yscale("log", base=2)
ax.set_ylabel("pixels of the input")
ax.axhline(224, color="grey", ls=":", label="224 px (ImageNet input)")
ax.legend()
ax.set_title("VGG-19: receptive field grows by 2j per 3x3 conv; each pool doubles j")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Measuring a receptive field
#
# The formula says which pixels *can* affect a unit. To see it, differentiate one unit of a
# real network with respect to the input image: the gradient is non-zero exactly on the pixels
# the unit depends on. Random weights can cancel by accident, so we make every kernel positive
# ($|W|$, zero bias) and feed a constant positive image: then every path from a pixel to the
# unit carries a positive contribution, every ReLU is active, and the support of the gradient
# is the whole receptive field. That is an *exact* check, whatever the weights.
#
# First the network: the real VGG-19 when one is available, otherwise a synthetic miniature
# with the same layers, 1/8 of the channels and random weights.

# %%
weights = vgg_mat.real_or_synthetic()  # the real file if found, else a miniature
kind = "VGG-19" if not weights.synthetic else "a synthetic miniature, not VGG-19's 143,667,240"
print(len(weights.layers), "layers;", f"{weights.num_params:,} parameters ({kind})")
assert weights.names[:5] == ("conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1")

# %% [markdown]
# VGG-19's layer table for a 96x128 input (`geometry.layer_table` on the architecture's records,
# real widths): output shape, receptive field, jump and parameters per layer. fc6 is a 7x7
# "convolution" that needs a 7x7 pool5, i.e. a 224x224 input, so the table for this small
# image stops at pool5. Every width and parameter count is checked against
# `vgg_mat.architecture`, and every height and width against the network's real outputs (the
# network's channel widths are its own: a miniature has 1/8 of them).

# %%
table = geometry.layer_table(geometry.vgg19_layers(), 96, 128)
print(geometry.format_layer_table(table))
specs = {spec.name: spec for spec in architecture.vgg19()}
for row in table:
    spec = specs[row.name]
    assert row.params == spec.num_params, row.name
    if spec.kind == "conv":
        assert row.channels == spec.kernel_shape[3], row.name
assert table[0].channels == 64 and table[-1].channels == 512  # VGG-19's real widths
assert sum(row.params for row in table) == 20_024_384  # conv1_1 ... conv5_4
net = VGG(weights)
outputs = net(np.zeros((1, 96, 128, 3), np.float32), [row.name for row in table])
own = {row.name: row for row in geometry.layer_table(weights, 96, 128)}  # the network's widths
for row in table:
    assert tuple(outputs[row.name].shape) == (1, row.height, row.width, own[row.name].channels)
assert table[-1].name == "pool5" and (table[-1].height, table[-1].width) == (3, 4)
print("every height and width in the table == the shape the network produced")

# %% [markdown]
# Now the experiment, for the centre unit of channel 0 of six layers, with average pooling and
# then with max pooling.


# %%
def positive_copy(w):
    """The same network with |W| kernels and zero biases: every path contributes > 0."""
    layers = tuple(
        dataclasses.replace(layer, kernel=np.abs(layer.kernel), bias=np.zeros_like(layer.bias))
        if layer.kind == "conv"
        else layer
        for layer in w.layers
    )
    return dataclasses.replace(w, layers=layers)


def gradient_of_centre_unit(network, layer, image):
    x = tf.constant(image)
    with tf.GradientTape() as tape:
        tape.watch(x)
        a = network(x, [layer])[layer]
        centre = (a.shape[1] // 2, a.shape[2] // 2)
        unit = a[0, centre[0], centre[1], 0]
    return tape.gradient(unit, x).numpy()[0].sum(axis=-1), centre


SIZE = 128
constant = np.ones((1, SIZE, SIZE, 3), np.float32)
probe_layers = ["relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1", "relu4_2"]
positive = positive_copy(weights)
support, grads = {}, {}
for pooling in ("avg", "max"):
    network = VGG(positive, pooling=pooling)
    for layer in probe_layers:
        g, centre = gradient_of_centre_unit(network, layer, constant)
        rows, cols = np.flatnonzero(g.any(axis=1)), np.flatnonzero(g.any(axis=0))
        support[pooling, layer] = (rows.size, cols.size)
        grads[pooling, layer] = g
        if pooling == "avg":  # the support is exactly the predicted field, where predicted
            f = fields[layer.replace("relu", "conv")]
            predicted_centre = f.start[0] + centre[0] * f.jump[0]
            assert rows.size == cols.size == f.size[0], layer
            assert (rows[0] + rows[-1]) / 2 == predicted_centre, layer
print("layer     formula  measured(avg)  measured(max)")
for layer in probe_layers:
    print(
        f"{layer:9s} {fields[layer].size[0]:7d} {support['avg', layer][0]:14d}"
        f" {support['max', layer][0]:14d}"
    )
assert [support["avg", n][0] for n in probe_layers] == [3, 5, 10, 14, 24, 84]
assert [support["max", n][0] for n in probe_layers] == [3, 5, 9, 13, 21, 77]

# %% [markdown]
# With **average** pooling the measurement equals the formula for every layer. With **max**
# pooling it is smaller: on a constant image all four cells of a 2x2 window are equal, the
# maximum "wins" at one of them (TensorFlow picks the first), and the gradient flows only
# through the winner. Max pooling *routes* gradients: a unit depends on the whole field, but at
# any one image only on the pixels that won their pools. This is one reason Gatys et al.
# preferred average pooling for image synthesis.

# %% tags=["gallery"]
fig, axes = plt.subplots(2, len(probe_layers), figsize=(14, 5.2))
for row, pooling in enumerate(("avg", "max")):
    for ax, layer in zip(axes[row], probe_layers, strict=True):
        g = grads[pooling, layer]
        ax.imshow(g > 0, cmap="Greys_r", interpolation="nearest")
        ax.set_title(f"{layer}, {pooling} pool: {support[pooling, layer][0]} px", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
fig.suptitle(
    "Input pixels with a non-zero gradient for the centre unit (|W|, constant image)", y=0.93
)
stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# ### The effective receptive field
#
# The theoretical field says which pixels *can* matter. How much they matter is another
# question: Luo et al. (2016) showed that the gradient is roughly Gaussian, concentrated in the
# middle of the field. With the original (signed) weights, average pooling and a noise image,
# we measure how much of $|\partial y / \partial x|$ falls within a distance $d$ of the centre
# of `relu4_2`'s 84-pixel field. (Illustrative: the exact fractions depend on the weights and
# the seed; we assert only what must hold, and the ordering.)

# %%
rng = np.random.RandomState(0)
noise = rng.normal(0, 50, (1, SIZE, SIZE, 3)).astype(np.float32)
x = tf.constant(noise)
with tf.GradientTape() as tape:
    tape.watch(x)
    a = VGG(weights, pooling="avg")(x, ["relu4_2"])["relu4_2"]
    centre = a.shape[1] // 2
    unit = tf.reduce_sum(a[0, centre, centre, :])
erf = np.abs(tape.gradient(unit, x).numpy()[0]).sum(axis=-1)
c = fields["relu4_2"].start[0] + centre * fields["relu4_2"].jump[0]
yy, xx = np.mgrid[:SIZE, :SIZE]
distance = np.maximum(np.abs(yy - c), np.abs(xx - c))  # square rings around the centre
mass = {d: erf[distance <= d].sum() / erf.sum() for d in (10, 21, 42)}
for d, m in mass.items():
    print(f"within +-{d:2d} px of the centre: {m:6.1%} of the gradient mass")
assert abs(mass[42] - 1.0) < 1e-6  # nothing outside the theoretical field (84 = 2 x 42)
assert mass[10] < mass[21] < mass[42]
if weights.synthetic:
    assert mass[21] > 0.5  # the central half of the field holds most of the mass

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
axes[0].imshow(erf, cmap="magma")
axes[0].add_patch(
    plt.Rectangle(
        (c - 41.5 - 0.5, c - 41.5 - 0.5),
        84,
        84,
        fill=False,
        ec="cyan",
        lw=1.5,
        label="theoretical field (84 px)",
    )
)
axes[0].legend(loc="lower left", fontsize=8)
axes[0].set_title("|gradient| of relu4_2's centre unit")
axes[1].plot(np.arange(SIZE) - c, erf.sum(axis=0) / erf.sum(), label="sum over rows")
axes[1].axvspan(-41.5, 41.5, color="cyan", alpha=0.15, label="theoretical field")
axes[1].set_xlabel("horizontal offset from the centre (px)")
axes[1].set_ylabel("share of the gradient mass")
axes[1].legend(fontsize=8)
axes[1].set_title("effective field: peaked, not flat")
fig.tight_layout(rect=(0, 0, 1, 0.93))
stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# ## 4. Parameters: where VGG-19's 143,667,240 numbers live
#
# A conv layer with kernel $(K_H, K_W, C_{in}, C_{out})$ has $K_H K_W C_{in} C_{out} + C_{out}$
# parameters (weights plus one bias per output channel). The fully connected layers fc6-fc8
# are stored in the `.mat` file as convolutions too: fc6 is a 7x7 kernel over pool5's
# $7 \times 7 \times 512$ output.
#
# **Your turn (3/3).** Count one layer's parameters from its kernel shape.


# %%
def conv_params(kernel_shape):
    """Parameters of a conv layer with an HWIO kernel (K_H, K_W, C_in, C_out) and a bias.

    Returns the int K_H * K_W * C_in * C_out + C_out (weights, then one bias per output channel).
    """
    ### BEGIN SOLUTION
    kh, kw, c_in, c_out = kernel_shape
    return kh * kw * c_in * c_out + c_out
    ### END SOLUTION


# %%
check("conv_params((3, 3, 3, 64)) = 3*3*3*64 + 64", conv_params((3, 3, 3, 64)), 1_792, rtol=0)
weighted = [spec for spec in architecture.vgg19() if spec.kind == "conv"]
check(
    "conv_params of VGG-19's 19 weight layers, against vgg_mat.architecture",
    [answer("conv_params", conv_params, spec.kernel_shape) for spec in weighted],
    [spec.num_params for spec in weighted],
    rtol=0,
)

# %% [markdown]
# We count by hand from the architecture's widths, with your `conv_params`, then compare with
# the library's layer records.

# %%
widths = [width for _, _, width in architecture.BLOCKS]
assert widths == [64, 128, 256, 512, 512]
counts, c_in = {}, 3
for b, (n_convs, width) in enumerate(zip(blocks, widths, strict=True), start=1):
    for c in range(1, n_convs + 1):
        counts[f"conv{b}_{c}"] = conv_params((3, 3, c_in, width))
        c_in = width
counts["fc6"] = conv_params((7, 7, 512, 4096))
counts["fc7"] = conv_params((1, 1, 4096, 4096))
counts["fc8"] = conv_params((1, 1, 4096, 1000))
conv_total = sum(v for k, v in counts.items() if k.startswith("conv"))
print(
    f"conv layers: {conv_total:,}   fc6: {counts['fc6']:,}   fc7: {counts['fc7']:,}   "
    f"fc8: {counts['fc8']:,}   total: {sum(counts.values()):,}"
)
assert counts["conv1_1"] == 1_792 and counts["conv1_2"] == 36_928
assert counts["conv4_2"] == 2_359_808
assert conv_total == 20_024_384
assert sum(counts.values()) == 143_667_240
library_counts = {l.name: l.num_params for l in geometry.vgg19_layers() if l.kind == "conv"}
assert library_counts == counts
assert VGGWeights(geometry.vgg19_layers()).num_params == 143_667_240
assert counts == {spec.name: spec.num_params for spec in weighted}  # the architecture module

# VGG-16: blocks of 2, 2, 3, 3, 3 convolutions, same widths and classifier
vgg16, c_in = counts["fc6"] + counts["fc7"] + counts["fc8"], 3
for n_convs, width in zip([2, 2, 3, 3, 3], widths, strict=True):
    for _ in range(n_convs):
        vgg16 += 3 * 3 * c_in * width + width
        c_in = width
print(f"VGG-16: {vgg16:,}")
assert vgg16 == 138_357_544

# %% tags=["gallery"]
fig, ax = plt.subplots(figsize=(11, 3.8))
bars = ax.bar(
    range(len(counts)),
    list(counts.values()),
    color=["tab:blue" if n.startswith("conv") else "tab:red" for n in counts],
)
ax.set_xticks(range(len(counts)), list(counts), rotation=70, fontsize=8)
ax.set_yscale("log")
ax.set_ylabel("parameters (log scale)")
ax.set_title(
    f"VGG-19 parameters per layer: the 16 convs hold {conv_total / 143_667_240:.0%},"
    f" fc6 alone {counts['fc6'] / 143_667_240:.0%}"
)
plt.tight_layout()
plt.show()

# %% [markdown]
# Style transfer uses only the convolutional layers (at most up to conv5_4: 14% of the weights);
# the classifier is needed only to check that the weights are loaded the right way round
# (Lesson 3). The *activations* are the other cost: for a 384x512 image the number of positions
# $M = H W$ per block is:

# %%
rows384 = {row.name: row for row in geometry.layer_table(geometry.vgg19_layers(), 384, 512)}
positions = [rows384[f"relu{b}_1"].positions for b in range(1, 6)]
print("M at relu1_1 .. relu5_1:", [f"{m:,}" for m in positions])
assert positions == [196_608, 49_152, 12_288, 3_072, 768]
assert [rows384[f"relu{b}_1"].channels for b in range(1, 6)] == widths

# %% [markdown]
# ## 5. The VGG family, in context
#
# | network | year | weight layers | parameters | idea |
# |---|---|---|---|---|
# | LeNet-5 | 1998 | 5 | about 60 thousand | conv + subsampling for digits |
# | AlexNet | 2012 | 8 | about 61 million | big kernels (11x11 stride 4), ReLU, GPUs |
# | VGG-16 / VGG-19 | 2014 | 16 / 19 | 138,357,544 / 143,667,240 | 3x3 convs, 2x2 pools, deep |
# | GoogLeNet | 2014 | 22 | about 7 million | Inception modules, 1x1 bottlenecks |
# | ResNet-50 | 2015 | 50 | about 26 million | residual connections |
#
# Style transfer has kept VGG-19 (Gatys et al. 2015 onwards) for reasons this lesson
# measured: a plain chain of the same two operations, so every layer has a simple name and
# a receptive field that grows smoothly (3, 5, 6, 10, ... 268 pixels), which gives a ladder of
# texture scales; and no downsampling larger than 2x at a time. Later architectures are more
# accurate classifiers but their features work less well for pixel-space optimisation
# (Mordvintsev et al., *Differentiable Image Parameterizations*, Distill 2018).
#
# ## What to remember
#
# - Pooling works per channel: max or mean over each window. Output size: the same formula as
#   a convolution. VGG's 2x2/2 pools halve $H$ and $W$; TF `"SAME"` average pooling ignores the
#   padded cells.
# - The 2016 VGG-19 file pads its pools `(0, 1, 0, 1)` (rounds up), the beta16 file does not
#   (rounds down): use image sizes divisible by 32 and the question disappears.
# - Receptive field: $r_l = r_{l-1} + (k_l - 1) j_{l-1}$, $j_l = j_{l-1} s_l$; closed form
#   $r = 1 + \sum_l (k_l - 1)\prod_{i<l} s_i$. VGG-19: conv4_2 sees 84 px, pool5 268 px
#   (`vgg_mat.geometry.receptive_fields`, `layer_table`).
# - A gradient experiment with positive weights measures the field exactly (average pooling);
#   max pooling routes the gradient through the winners only.
# - The effective receptive field is concentrated in the middle of the theoretical one.
# - VGG-19 has 143,667,240 parameters; 86% are in fc6-fc8, which style transfer never uses.
#
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/02_pooling_receptive_fields_and_the_vgg_family.ipynb`.

# %% [markdown]
# **Exercise 1.** Compute the receptive field of `relu5_1` with the closed form
# $r = 1 + \sum_l (k_l - 1)\prod_{i<l} s_i$ on paper and return it; then check it with the
# gradient experiment (you need an input of at least 160 px for an unclipped field).


# %%
def relu5_1_field():
    """The receptive field (in pixels, one side) of relu5_1, from the closed form."""
    ### BEGIN SOLUTION
    # conv layers add 2 * jump, pools add 1 * jump; the jump doubles after each pool.
    # block 1: 2 convs x 2 x 1 + 1 = 5; block 2: 2 x 2 x 2 + 2 = 10; block 3: 4 x 2 x 4 + 4 = 36;
    # block 4: 4 x 2 x 8 + 8 = 72; conv5_1: 2 x 16 = 32.  1 + 5 + 10 + 36 + 72 + 32 = 156.
    return 1 + (2 * 2 * 1 + 1) + (2 * 2 * 2 + 2) + (4 * 2 * 4 + 4) + (4 * 2 * 8 + 8) + 2 * 16
    ### END SOLUTION


# %%
check(
    "exercise 1: relu5_1's receptive field",
    answer("exercise 1", relu5_1_field),
    fields["conv5_1"].size[0],
    rtol=0,
)

# %% tags=["solution"]
# The gradient experiment at 192 px (the field, 156 px, fits around the centre unit).
big = np.ones((1, 192, 192, 3), np.float32)
g5, centre5 = gradient_of_centre_unit(VGG(positive, pooling="avg"), "relu5_1", big)
rows5, cols5 = np.flatnonzero(g5.any(axis=1)), np.flatnonzero(g5.any(axis=0))
print(f"relu5_1: measured {rows5.size} x {cols5.size} pixels (formula {fields['conv5_1'].size})")
assert rows5.size == cols5.size == 156

# %% [markdown]
# **Exercise 2.** Replace the 2x2/2 pools by 3x3/2 pools with pad 1 (edit the `Layer` records
# with `dataclasses.replace`). How do the receptive fields and the shape table change?
#
# *Hint:* each pool now adds $(3 - 1) j$ instead of $(2 - 1) j$ to the field, and its output
# size is $\lfloor (i + 2 - 3)/2 \rfloor + 1$: the same as before for even $i$.

# %% tags=["solution"]
overlapping = tuple(
    dataclasses.replace(layer, size=(3, 3), pad=(1, 1, 1, 1)) if layer.kind == "pool" else layer
    for layer in geometry.vgg19_layers(classifier=False)
)
wide = {f.name: f.size[0] for f in geometry.receptive_fields(overlapping)}
print({name: (fields[name].size[0], wide[name]) for name in ("pool1", "conv4_2", "pool5")})
assert wide["pool1"] == 7 and wide["pool5"] > fields["pool5"].size[0]
wide_table = geometry.layer_table(overlapping, 96, 128)
assert [(r.height, r.width) for r in wide_table] == [(r.height, r.width) for r in table]

# %% [markdown] tags=["solution"]
# **Solution.** The fields grow: pool1 sees 7 pixels instead of 6, and every later layer gains
# $j_{l-1}$ per pool (pool5: 299 instead of 268 px, printed above). The shape table does not
# change for even sizes (pad 1 and a 3-wide window at stride 2 halve an even length exactly),
# so only the fields, not the shapes, tell the two networks apart.

# %% [markdown]
# **Exercise 3.** Repeat the effective-receptive-field measurement with max pooling and with the
# positive weights. Which one is closest to the theoretical (flat) field, and why?
#
# *Hint:* with positive weights every path adds, so the gradient counts the paths from a pixel
# to the unit. How many paths reach a pixel at the centre of the field, and one at its edge?


# %% tags=["solution"]
def erf_mass(network, image, d=21):
    x = tf.constant(image)
    with tf.GradientTape() as tape:
        tape.watch(x)
        a = network(x, ["relu4_2"])["relu4_2"]
        unit = tf.reduce_sum(a[0, a.shape[1] // 2, a.shape[2] // 2, :])
    g = np.abs(tape.gradient(unit, x).numpy()[0]).sum(axis=-1)
    return g[distance <= d].sum() / g.sum()


shares = {
    "signed weights, avg pool": mass[21],
    "signed weights, max pool": erf_mass(VGG(weights, pooling="max"), noise),
    "positive weights, avg pool": erf_mass(VGG(positive, pooling="avg"), constant),
}
for name, share in shares.items():
    print(f"{name:28s}: {share:6.1%} of the gradient within +-21 px of the centre")
if weights.synthetic:  # measured with the miniature's random weights
    assert all(0.25 < share <= 1.0 for share in shares.values())  # peaked (flat: 25%)

# %% [markdown] tags=["solution"]
# **Solution.** None is flat. With positive weights the gradient counts paths: a pixel at the
# centre of the field reaches the unit through many more windows than one at its edge, so the
# field is peaked (roughly the shape of repeated box filters: a Gaussian, Luo et al. 2016).
# Max pooling routes the gradient through the winners only, which makes the map sparse and
# patchy but not flatter. A flat field would put $(42/84)^2 = 25\%$ of the mass in the central
# half; with the miniature's random weights every variant puts more there (asserted above).

# %% [markdown]
# **Exercise 4.** How many multiply-adds does conv1_2 cost for a 384x512 image, and conv5_4?
# Return the two numbers.
#
# *Hint:* $H_{out} W_{out} K_H K_W C_{in} C_{out}$: one multiply-add per weight per position.


# %%
def conv_cost_384x512():
    """(multiply-adds of conv1_2, multiply-adds of conv5_4) for a 384 x 512 input image."""
    ### BEGIN SOLUTION
    conv1_2 = 384 * 512 * 3 * 3 * 64 * 64  # full size, 64 -> 64 channels
    conv5_4 = (384 // 16) * (512 // 16) * 3 * 3 * 512 * 512  # after 4 pools, 512 -> 512
    return conv1_2, conv5_4
    ### END SOLUTION


# %%
check(
    "exercise 4: multiply-adds of conv1_2 and conv5_4 at 384x512",
    answer("exercise 4", conv_cost_384x512),
    [
        rows384[name].positions * np.prod(specs[name].kernel_shape, dtype=np.int64)
        for name in ("conv1_2", "conv5_4")
    ],
    rtol=0,
)

# %% [markdown] tags=["solution"]
# **Solution.** conv1_2: $384 \cdot 512 \cdot 9 \cdot 64 \cdot 64 = 7{,}247{,}757{,}312$;
# conv5_4: $24 \cdot 32 \cdot 9 \cdot 512 \cdot 512 = 1{,}811{,}939{,}328$, 4 times fewer. Each
# block has 1/4 of the positions of the one before and (up to 512) twice the channels, i.e.
# 4 times the weights per position: the cost per layer stays level through block 4, and falls
# by 4 only in block 5 (the width stops at 512). The first layers cost as much as the deep
# ones, although they hold a tiny share of the weights.

# %% tags=["solution"]
assert conv_cost_384x512() == (7_247_757_312, 1_811_939_328)
