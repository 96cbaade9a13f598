# %% [markdown]
# # Lesson 3: Reading `imagenet-vgg-verydeep-19.mat` and building VGG-19 from raw ops
#
# **The question.** How do you get from MatConvNet's 535 MB MATLAB file to a working VGG-19 in
# TensorFlow, which way round are its kernels, and does the popular "transpose the kernels"
# step matter?
#
# By the end you will have walked the nested MATLAB struct by hand, seen why the positional
# indexing copied between tutorials (`layers[i][0][0][2][0]`) breaks between the two published
# files, checked `vgg_mat.load` against your own reader, run conv1_1 + relu1_1 in numpy and
# matched the library's network, proved the transposition identity
# $\text{net}_T(x) = T(\text{net}(T(x)))$ numerically, and settled the kernel orientation
# with real numbers from the file.
#
# **Prerequisites.** Lesson 1 (convolution, HWIO kernels), Lesson 2 (pooling, the VGG-19
# layer list). A little `scipy.io`.
#
# **Expected run time.** About 15 seconds on 2 CPU cores (30-50 with the real file). Works without
# the real weights: the parser runs on faithful synthetic miniatures of both published layouts, and
# the kernel orientation is settled with a real fragment of the file (conv1_1) that ships with the
# tests. If `vgg_mat.find_weights()` finds the real file, the network sections use it and the
# classification section means something.

# %%
# %load_ext autoreload
# %autoreload 2
import inspect
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import scipy.io
import tensorflow as tf

import nst
import vgg_mat
from nst.images import resize_image
from nst.plots import stamp_synthetic
from vgg_mat import VGG, geometry, matfields, matfile
from vgg_mat.network import transpose_kernels_hw

np.set_printoptions(precision=4, suppress=True)
workdir = Path(tempfile.mkdtemp(prefix="lesson03-"))
REPO = Path(vgg_mat.__file__).resolve().parents[1]  # the repository, from any folder
FRAGMENT = REPO / "tests" / "fixtures" / "real-vgg19-first-two-layers.mat"  # real conv1_1 + relu1_1
MEAN_RGB = np.array([123.68, 116.779, 103.939])  # VGG-19's mean pixel, RGB, 0-255 scale
assert FRAGMENT.is_file(), f"{FRAGMENT.resolve()} is missing (run from lessons/)"

# %% [markdown]
# ## 1. Two files, one network
#
# Two versions of `imagenet-vgg-verydeep-19.mat` were published. Same 43 layers, same numbers,
# different packaging:
#
# | | **2016** (current download) | **beta16** (2015) |
# |---|---|---|
# | written by | MATLAB (compressed) | scipy (uncompressed) |
# | top-level variables | `layers`, `meta` | `layers`, `normalization`, `classes` |
# | conv fields | `name, type, weights, size, pad, stride, …` | `weights, pad, type, name, stride`|
# | integer fields | uint8 / uint16 | float64 |
# | bias | $(C_{out}, 1)$ | $(1, C_{out})$ |
# | mean pixel | $1\times1\times3$ | $224\times224\times3$ image |
#
# `vgg_mat.write_synthetic` writes faithful miniatures of both, with random weights (and
# 1/16 of the channels here, so they are small). We read them exactly as we would read the
# real file: with `scipy.io.loadmat` and default options.

# %%
files = {
    layout: vgg_mat.write_synthetic(
        workdir / f"synthetic-{layout}.mat", layout=layout, width_divisor=16, seed=0
    )
    for layout in ("2016", "beta16")
}
raw = {layout: scipy.io.loadmat(path) for layout, path in files.items()}
for layout, path in files.items():
    print(
        f"{layout:>6}: {path.stat().st_size:>9,} bytes;",
        "variables:",
        [(name, shape, kind) for name, shape, kind in scipy.io.whosmat(path)],
    )
assert [v for v in raw["2016"] if not v.startswith("__")] == ["layers", "meta", "vgg_mat_synthetic"]
assert [v for v in raw["beta16"] if not v.startswith("__")] == [
    "layers",
    "normalization",
    "classes",
    "vgg_mat_synthetic",
]

# %% [markdown]
# ## 2. Walking the struct by hand
#
# `loadmat` turns a MATLAB cell array into a numpy object array and a struct into a record
# array of shape $(1, 1)$. So `layers` is a $(1, 43)$ object array, each item a $(1, 1)$
# record whose **field names** we can ask for. The field *order* is what differs between the
# files.

# %%
for layout, data in raw.items():
    cell = data["layers"]
    print(f"--- {layout}: layers is {type(cell).__name__} {cell.shape} of {cell.dtype}")
    for i in (0, 1, 4, 42):
        record = cell[0, i][0, 0]
        print(f"  layers[0, {i:2d}]  {record['name'][0]!s:8}  fields: {record.dtype.names}")

conv_2016 = raw["2016"]["layers"][0, 0][0, 0]
conv_beta16 = raw["beta16"]["layers"][0, 0][0, 0]
assert conv_2016.dtype.names[:6] == ("name", "type", "weights", "size", "pad", "stride")
assert conv_beta16.dtype.names == ("weights", "pad", "type", "name", "stride")
assert raw["2016"]["layers"].shape == raw["beta16"]["layers"].shape == (1, 43)

# %% [markdown]
# Look at what each field holds. A MATLAB char array comes back as a `(1,)` array of `str`;
# `weights` is a $1\times2$ cell {kernel, bias}; integer-valued doubles come back as **uint8**
# from the MATLAB-written 2016 file and as float64 from the scipy-written one. The bias is a
# column in one file and a row in the other: always `reshape(-1)`.

# %%
for layout, record in (("2016", conv_2016), ("beta16", conv_beta16)):
    kernel, bias = record["weights"][0]
    print(
        f"{layout:>6}: name={record['name']!r} pad={record['pad']!r} "
        f"stride={record['stride']!r}\n        kernel {kernel.shape} {kernel.dtype}, "
        f"bias {bias.shape}"
    )
assert conv_2016["pad"].dtype == np.uint8 and conv_beta16["pad"].dtype == np.float64
assert conv_2016["weights"][0][1].shape == (4, 1) and conv_beta16["weights"][0][1].shape == (1, 4)

# %% [markdown]
# ## 3. Why positional indexing breaks
#
# Many public loaders (anishathalye/neural-style, FCN.tensorflow, the deeplearning.ai course)
# index the struct by **position**: with `w = data['layers'][0]`, the old loaders read
# `w[i][0][0][0][0]` (the first field: `weights` in beta16), the newer ones
# `w[i][0][0][2][0]` (the third field: `weights` in 2016). Each works on one file only. Here
# is what each path returns on each file, and the error you get when you unpack it as
# `kernel, bias = ...`:


# %%
def try_path(data, path_name, getter):
    """Apply a positional getter to conv1_1 and try to unpack (kernel, bias)."""
    w = data["layers"][0]
    value = getter(w, 0)
    try:
        kernel, bias = value
        outcome = f"OK: kernel {kernel.shape}, bias {bias.shape}"
        error = None
    except ValueError as exc:
        outcome = f"{type(exc).__name__}: {exc}  (it holds {value!r})"
        error = exc
    print(f"  {path_name:<18} -> {outcome}")
    return error


paths = {
    "w[i][0][0][0][0]": lambda w, i: w[i][0][0][0][0],
    "w[i][0][0][2][0]": lambda w, i: w[i][0][0][2][0],
}
errors = {}
for layout, data in raw.items():
    print(layout)
    for path_name, getter in paths.items():
        errors[layout, path_name] = try_path(data, path_name, getter)

assert errors["beta16", "w[i][0][0][0][0]"] is None and errors["2016", "w[i][0][0][2][0]"] is None
assert isinstance(errors["2016", "w[i][0][0][0][0]"], ValueError)  # 'conv1_1' is 7 characters
assert isinstance(errors["beta16", "w[i][0][0][2][0]"], ValueError)  # 'conv' is 4 characters

# %% [markdown]
# The most reported symptom of all is one step earlier: `data['normalization']` (where the
# old loaders find the mean pixel) does not exist in the 2016 file.

# %%
try:
    raw["2016"]["normalization"]
except KeyError as exc:
    print("2016 file: KeyError", exc)
    missing_normalization = True
assert missing_normalization

# %% [markdown]
# ### Reading by name instead
#
# The fix is to ask for fields **by name**: `record['weights']`, `record['name']`,
# `record['pad']`. Here is a complete reader for both layouts, 25 lines, written in the
# notebook on purpose. It keeps the file's order, converts pads and strides to ints (casting
# *before* any arithmetic: uint8 `0 - 1` is 255), reshapes the bias and averages the mean
# image over pixels (the $1\times1\times3$ and $224\times224\times3$ forms both work).


# %%
def read_by_name(path):
    """{name: (type, kernel, bias, pad, stride)} in file order, and the mean pixel."""
    data = scipy.io.loadmat(path)
    layers = {}
    for item in data["layers"][0]:
        record = item[0, 0]
        fields = record.dtype.names
        name, kind = str(record["name"][0]), str(record["type"][0])
        kernel = bias = pad = stride = None
        if kind == "conv":
            kernel, bias = record["weights"][0]
            bias = bias.reshape(-1)
        if "pad" in fields:
            pad = tuple(int(v) for v in np.asarray(record["pad"], np.float64).ravel())
            stride = tuple(int(v) for v in np.asarray(record["stride"], np.float64).ravel())
        layers[name] = (kind, kernel, bias, pad, stride)
    if "meta" in data:  # 2016
        normalization = data["meta"][0, 0]["normalization"][0, 0]
    else:  # beta16
        normalization = data["normalization"][0, 0]
    mean = np.asarray(normalization["averageImage"], np.float64).reshape(-1, 3).mean(axis=0)
    return layers, mean


for layout, path in files.items():
    mine, mean = read_by_name(path)
    library = vgg_mat.load(path)
    assert list(mine) == list(library.names) and len(mine) == 43
    for layer in library.layers:
        kind, kernel, bias, pad, stride = mine[layer.name]
        assert kind == layer.kind
        if kind == "conv":
            np.testing.assert_array_equal(kernel, layer.kernel)  # exact: the same float32s
            np.testing.assert_array_equal(bias, layer.bias)
            assert pad == layer.pad and stride == layer.stride
    # a mean over 224*224 equal pixels (beta16) is exact only to ~1e-10
    np.testing.assert_allclose(mean, library.mean_rgb, rtol=0, atol=1e-9)
    np.testing.assert_allclose(mean, MEAN_RGB, rtol=0, atol=1e-9)
    print(f"{layout:>6}: my reader == vgg_mat.load on all 43 layers; mean pixel {mean}")

# %% [markdown]
# The library does the same by name, with one helper that returns None for a field a record
# lacks (`vgg_mat.matfields`, the readers of MATLAB values), plus checks on everything that can
# go wrong with a download (HTML pages, truncated files, HDF5, ...: see
# `vgg_mat.integrity.check_file`). Its real code:

# %%
print(inspect.getsource(matfields.field))
print(inspect.getsource(matfields.text))
print(inspect.getsource(matfile._conv_layer).split("    kernel = np.asarray(kernel)")[0], "...")

# %% [markdown]
# ## 4. The numbers of the real network
#
# Up to pool5 the network has 37 layers (16 conv, 16 relu, 5 pool); the file has 43 with
# fc6, relu6, fc7, relu7, fc8 and the softmax `prob`. The conv kernels run from
# $(3,3,3,64)$ to $(3,3,512,512)$, and fc6 is stored as a $7\times7$ "convolution"
# $(7,7,512,4096)$ over pool5. Counting parameters, $k_h k_w C_{in} C_{out} + C_{out}$ per conv
# layer, from the architecture alone (`geometry.vgg19_layers`: shapes, no weights):

# %%
arch = geometry.vgg19_layers()  # the real widths, shape-only kernels
names = [layer.name for layer in arch]
convs = [layer for layer in arch[: names.index("pool5") + 1] if layer.kind == "conv"]
conv_params = sum(layer.kernel.size + layer.bias.size for layer in convs)
print(f"{len(arch)} layers, {names.index('pool5') + 1} up to pool5, {len(convs)} conv layers")
print(f"conv1_1..conv5_4 parameters: {conv_params:,}")
print(f"all parameters (with fc6-fc8): {sum(layer.num_params for layer in arch):,}")
print("fc6 kernel:", arch[names.index("fc6")].kernel.shape)
assert (len(arch), names.index("pool5") + 1, len(convs)) == (43, 37, 16)
assert conv_params == 20_024_384
assert sum(layer.num_params for layer in arch) == 143_667_240
assert arch[names.index("fc6")].kernel.shape == (7, 7, 512, 4096)

# %% [markdown]
# Now the network this lesson runs: the real file if `vgg_mat.find_weights()` finds one (a
# path given, then `$VGG19_MAT`, then the cache), otherwise a synthetic miniature (2016
# layout, 1/8 of the channels, random He-normal weights). Every later lesson starts the same
# way, with `vgg_mat.real_or_synthetic`; its code, without the docstring, is short. Note what
# falls back: only a *missing* file. A corrupt one raises `MatFileError`, so random weights
# never pass silently for real ones. Every figure made with synthetic weights says so on the
# figure.

# %%
print(inspect.getsource(vgg_mat.real_or_synthetic).split('    """')[-1])
weights = vgg_mat.real_or_synthetic()  # prints which weights it uses, and why
REAL = not weights.synthetic
print(f"{len(weights.layers)} layers, {weights.num_params:,} parameters")
assert weights.names == tuple(layer.name for layer in arch)  # the same 43 names either way
if REAL:
    real_convs = [weights.layer(layer.name) for layer in convs]
    assert sum(layer.num_params for layer in real_convs) == 20_024_384
    assert weights.layer("fc6").kernel.shape == (7, 7, 512, 4096)

# %% [markdown]
# Weight histograms per block. With the real file the spread shrinks with depth and the
# distributions are peaked; the synthetic miniature's He-normal kernels have
# $\sigma = \sqrt{2 / (9 C_{in})}$ by construction, so they only show that formula.

# %%
fig, axes = plt.subplots(1, 5, figsize=(15, 3.4))
for block, ax in enumerate(axes, start=1):
    values = np.concatenate(
        [
            layer.kernel.ravel()
            for layer in weights.layers
            if layer.kind == "conv" and layer.name.startswith(f"conv{block}_")
        ]
    )
    ax.hist(values, bins=80, color=f"C{block - 1}")
    ax.set_title(f"block {block}: {values.size:,} weights\nstd {values.std():.4f}", fontsize=9)
    ax.set_yticks([])
fig.subplots_adjust(top=0.7)
fig.suptitle("conv kernel values per block", y=0.86)
stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# ## 5. conv1_1 + relu1_1 in numpy, against the library's network
#
# The first two layers, with the file's pad of 1 on every side:
#
# $$ a_{i,j,o} = \max\Big(0,\; b_o + \sum_{u,v,c} \tilde x_{i+u,\,j+v,\,c}\, W_{u,v,c,o}\Big),
# \qquad x = \text{image} - \mu .$$
#
# We use the **real** conv1_1 from the fragment `tests/fixtures/real-vgg19-first-two-layers.mat`
# (the first two layers of the 2016 file, 7 kB, no metadata: we supply the mean pixel).

# %%
fragment = vgg_mat.load(FRAGMENT)
print(fragment.label, fragment.names)
conv1_1 = fragment.layer("conv1_1")
print(conv1_1, "bias[:3] =", conv1_1.bias[:3])
assert fragment.names == ("conv1_1", "relu1_1") and not fragment.synthetic

photo = nst.load_image(nst.sample_content_path())  # Grace Hopper, (600, 512, 3), 0-255
image = resize_image(photo[44:556], (64, 64))  # a 64x64 crop of the face


def conv_relu_numpy(image, kernel, bias, mean):
    """relu(conv(image - mean)) with pad 1, stride 1: windows and one einsum."""
    x = np.pad(image.astype(np.float64) - mean, ((1, 1), (1, 1), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(0, 1))  # (H, W, C, 3, 3)
    y = np.einsum("ijcuv,uvco->ijo", windows, kernel.astype(np.float64)) + bias
    return np.maximum(y, 0.0)


mine = conv_relu_numpy(image, conv1_1.kernel, conv1_1.bias, MEAN_RGB)
x = vgg_mat.preprocess(image, None, mean=MEAN_RGB)
library = VGG(fragment)(x, ["relu1_1"])["relu1_1"].numpy()[0]
print(
    "shapes:",
    mine.shape,
    library.shape,
    "| max |numpy - VGG| =",
    np.abs(mine - library).max(),
    "| max activation",
    mine.max(),
)
assert mine.shape == library.shape == (64, 64, 64)
np.testing.assert_allclose(library, mine, rtol=1e-4, atol=1e-3)  # float32 vs float64

# %% [markdown]
# ## 6. Which way round are the kernels?
#
# MatConvNet's `vl_nnconv` help text calls filters "FW x FH x FC x K" (width first), and
# anishathalye/neural-style, and every loader copied from it, therefore swaps the two spatial
# axes: `np.transpose(kernel, (1, 0, 2, 3))`. But MatConvNet's manual says $H' \times W'$, its
# C++ code pairs the filter's first axis with the image's rows, and the Caffe importer
# deliberately produced `(H, W, C_in, C_out)`. Numbers decide it. An independent conversion,
# Keras' VGG-19 `block1_conv1` (layout `[h, w, in, out]`, **BGR** input), has these values
# for its first filter's blue channel, row by row (and 0.464184 at `[0, 0, green, 0]`):

# %%
keras_blue = np.array(  # row by row
    [
        [0.341195, 0.339992, -0.0448442],
        [0.232159, 0.0897821, -0.303314],
        [-0.0726092, -0.246675, -0.336833],
    ]
)
faithful = conv1_1.kernel[:, :, 2, 0]  # our file is RGB: blue is channel 2
swapped = np.transpose(conv1_1.kernel, (1, 0, 2, 3))[:, :, 2, 0]
print("Keras block1_conv1[:, :, blue, 0]\n", keras_blue)
print("file conv1_1[:, :, 2, 0] as loaded\n", faithful)
print("with the (1, 0, 2, 3) transpose\n", swapped)
np.testing.assert_allclose(faithful, keras_blue, rtol=0, atol=1e-6)
np.testing.assert_allclose(conv1_1.kernel[0, 0, 1, 0], 0.464184, rtol=0, atol=1e-6)
assert np.abs(swapped - keras_blue).max() > 0.1  # the transposed kernel does not match

# %% [markdown]
# A side note on names, since Keras came up: a Keras `Conv2D` layer includes its activation,
# so Keras' `block1_conv1` output is the file's **post-ReLU** `relu1_1`, not `conv1_1`.
# `vgg_mat.resolve_layer` maps Keras names to the file's, and the network accepts either.

# %%
assert vgg_mat.resolve_layer("block1_conv1") == "relu1_1"
assert vgg_mat.resolve_layer("block4_conv2") == "relu4_2"
assert vgg_mat.resolve_layer("block5_pool") == "pool5"
by_keras_name = VGG(fragment)(x, ["block1_conv1"])["block1_conv1"].numpy()[0]
np.testing.assert_array_equal(by_keras_name, library)  # the same tensor as relu1_1
print(
    "block1_conv1 ->",
    vgg_mat.resolve_layer("block1_conv1"),
    "| fc2 ->",
    vgg_mat.resolve_layer("fc2"),
    "| predictions ->",
    vgg_mat.resolve_layer("predictions"),
)

# %% [markdown]
# **No transpose is needed**: `loadmat` already returns TensorFlow's HWIO layout, and the
# file's colour order is RGB (Keras' blue is our channel 2). `vgg_mat.load` is faithful by
# default and keeps the popular swap behind an explicit switch, `transpose_hw=True`; both go
# through `to_hwio`:

# %%
print(inspect.getsource(matfile.to_hwio).split('    """')[0])
print(inspect.getsource(matfile.to_hwio).split('    """')[-1])
swapped_fragment = vgg_mat.load(FRAGMENT, transpose_hw=True)
np.testing.assert_array_equal(
    swapped_fragment.layer("conv1_1").kernel, np.transpose(conv1_1.kernel, (1, 0, 2, 3))
)
assert swapped_fragment.transposed_hw and not fragment.transposed_hw

# %% [markdown]
# These are real weights, so the 64 filters of conv1_1 can be looked at: each $3\times3\times3$
# filter shown as a tiny RGB image (scaled to its own range). You should see colour-opponent
# blobs (green against magenta, blue against yellow) and oriented edges: the same filters
# every ImageNet network learns first.

# %% tags=["gallery"]
fig, axes = plt.subplots(4, 16, figsize=(13, 3.6))
for k, ax in enumerate(axes.ravel()):
    f = conv1_1.kernel[:, :, :, k]
    ax.imshow((f - f.min()) / (f.max() - f.min() + 1e-12), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("the 64 filters of conv1_1 (REAL weights, from the 7 kB fragment of the 2016 file)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 7. The transposition identity: why style transfer "works" either way
#
# Let $T$ swap an image's height and width axes, $T(x)_{i,j,c} = x_{j,i,c}$, and let
# $\text{net}_T$ be the network built from kernels with swapped spatial axes,
# $W'_{u,v} = W_{v,u}$. Then for every layer $l$
#
# $$ \text{net}_T(x)[l] = T\big(\text{net}(T(x))[l]\big) $$
#
# exactly, because every step commutes with $T$: a convolution with $W'$ on $x$ is the
# convolution with $W$ on $T(x)$, transposed back; the ReLU is pointwise; pads and pool
# windows are the same along both axes. So the transposed network is the faithful one looking
# at the image reflected about its diagonal. We check it on a **non-square** image (so that a
# wrong axis would not even have the right shape), for layers from relu1_1 to pool5:

# %%
net = VGG(weights)
net_t = VGG(transpose_kernels_hw(weights))  # = VGG(vgg_mat.load(path, transpose_hw=True))


def T(a):
    """Swap height and width of an (N, H, W, C) tensor."""
    return tf.transpose(a, (0, 2, 1, 3))


rect = resize_image(photo[100:500, 0:512], (64, 96))  # H=64, W=96
x = vgg_mat.preprocess(rect, weights)
taps = ["relu1_1", "relu2_2", "relu3_4", "relu4_2", "relu5_1", "pool5"]
left = net_t(x, taps)
right = {name: T(value) for name, value in net(T(x), taps).items()}
for name in taps:
    a, b = left[name].numpy(), right[name].numpy()
    scale = np.abs(b).max()
    print(
        f"{name:8} shape {a.shape}  max |net_T(x) - T(net(T(x)))| = {np.abs(a - b).max():.2e}"
        f"  (largest activation {scale:.1f})"
    )
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-5 * scale)  # float32 summation order

# %% [markdown]
# And the style representation cannot tell the difference at all: the Gram matrix sums over
# positions, so $G(T(F)) = G(F)$ for any feature map $F$. The Gram matrices of
# $\text{net}_T(x)$ and of $\text{net}(T(x))$ are the same matrix; so are the content and
# Gram losses between any two such pairs. Loading with the "wrong" orientation is exactly
# style transfer of the transposed photo and painting, transposed back.

# %%
for name in ("relu1_1", "relu3_4", "relu5_1"):
    f = net(x, [name])[name]
    g_plain = nst.gram_matrix(f).numpy()
    g_transposed = nst.gram_matrix(T(f)).numpy()
    np.testing.assert_allclose(g_transposed, g_plain, rtol=1e-5, atol=1e-5 * np.abs(g_plain).max())
    g_net_t = nst.gram_matrix(left[name]).numpy()
    g_t_net = nst.gram_matrix(net(T(x), [name])[name]).numpy()
    print(
        f"{name}: Gram(T(F)) = Gram(F) and Gram(net_T(x)) = Gram(net(T(x))), "
        f"N = {g_plain.shape[-1]}"
    )
    np.testing.assert_allclose(g_net_t, g_t_net, rtol=1e-4, atol=1e-4 * np.abs(g_t_net).max())

# %% [markdown]
# The identity is also why a test of style-transfer *outputs* cannot settle the orientation.
# What does change is what the network *recognises*: it sees every image reflected about the
# diagonal. The decisive test is therefore classification, with the file's own fc6-fc8 and
# softmax, in both orientations.

# %% [markdown]
# ## 8. Classification in both orientations
#
# `vgg_mat.classify` resizes and centre-crops to 224x224, subtracts the mean pixel and runs
# all 43 layers. With the real file, the faithful orientation should call Grace Hopper a
# "military uniform" (she is wearing one) with high confidence, and the transposed one should
# be less sure. With synthetic weights the classes are fake ("synthetic class 17") and the
# probabilities meaningless: the cell still runs, to show the mechanics, and says so.

# %%
results = {}
for transpose in (False, True):
    results[transpose] = vgg_mat.classify(weights, photo, top=5, transpose_hw=transpose)
    kind = "transposed (1,0,2,3)" if transpose else "faithful (as loaded)"
    tag = "" if REAL else "   [SYNTHETIC WEIGHTS: meaningless]"
    print(f"{kind}{tag}")
    for class_id, description, p in results[transpose]:
        print(f"   {p:7.4f}  {class_id}  {description}")
for top5 in results.values():
    probabilities = [p for _, _, p in top5]
    assert all(0 <= p <= 1 for p in probabilities) and sum(probabilities) <= 1 + 1e-5
    assert probabilities == sorted(probabilities, reverse=True)
if REAL:
    print("top-1 probability: faithful", results[False][0][2], "transposed", results[True][0][2])

# %% [markdown]
# ## 9. Preprocessing and back
#
# The network expects **RGB on the 0-255 scale minus the mean pixel**
# $\mu = [123.68, 116.779, 103.939]$: no division by 255, no standard deviation, no BGR swap
# (those are Caffe's and Keras' conventions, which feed BGR). `deprocess` adds $\mu$ back and
# clips to $[0, 255]$. A round trip on every possible uint8 value, in every channel, must give
# the same bytes back. Always round (`np.rint`) before casting to uint8: a value like
# 254.99998 would truncate to 254.

# %%
every_value = np.repeat(np.arange(256, dtype=np.uint8), 3).reshape(16, 16, 3)
x = vgg_mat.preprocess(every_value, weights)
naive_x = every_value.astype(np.float32)[None] - MEAN_RGB.astype(np.float32)
np.testing.assert_allclose(x.numpy(), naive_x, rtol=0, atol=1e-4)
back = vgg_mat.deprocess(x, weights).numpy()[0]
rounded_mismatches = int((np.rint(back).astype(np.uint8) != every_value).sum())
truncated_mismatches = int((back.astype(np.uint8) != every_value).sum())
print(f"x range per channel: {x.numpy().min(axis=(0, 1, 2))} .. {x.numpy().max(axis=(0, 1, 2))}")
print(f"round trip mismatches: {rounded_mismatches} with rint, {truncated_mismatches} truncating")
assert rounded_mismatches == 0 and truncated_mismatches == 0
np.testing.assert_allclose(x.numpy().min(axis=(0, 1, 2)), -MEAN_RGB, rtol=0, atol=1e-4)
print(inspect.getsource(vgg_mat.preprocess).split('    """')[-1])

# %% [markdown]
# ## 10. The whole network at a glance
#
# The shapes for a $256\times256$ input, straight from the file's records: five blocks, each
# halving the size and (up to 512) doubling the channels.

# %%
table = geometry.layer_table(weights, 256, 256)
shapes = net.output_shapes(256, 256)
assert all(shapes[row.name] == (row.height, row.width, row.channels) for row in table)
rows = [row for row in table if row.kind in ("conv", "pool")]
fig, ax = plt.subplots(figsize=(14, 3.2))
for k, row in enumerate(rows):
    height = np.log2(row.height) / 8
    color = "tab:blue" if row.kind == "conv" else "tab:red"
    ax.add_patch(plt.Rectangle((k, 0.5 - height / 2), 0.8, height, color=color, alpha=0.6))
    ax.text(
        k + 0.4,
        0.5 + height / 2 + 0.02,
        f"{row.name}\n{row.height}x{row.width}x{row.channels}",
        ha="center",
        va="bottom",
        fontsize=6.5,
        rotation=90,
    )
ax.set_xlim(-0.5, len(rows))
ax.set_ylim(0, 1.45)
ax.axis("off")
ax.set_title("VGG-19 conv (blue) and pool (red) layers; bar height ~ log2(spatial size)")
stamp_synthetic(fig, when=weights)
plt.show()
assert shapes["pool5"][:2] == (8, 8)

# %% [markdown]
# ## What to remember
#
# - The file is a nested MATLAB struct: `data['layers']` is a $(1, 43)$ object array, each
#   layer a $(1,1)$ record. **Read fields by name** (`record['weights']`), never by position:
#   the field order differs between the 2016 and beta16 files, so `w[i][0][0][2][0]` and
#   `w[i][0][0][0][0]` each work on one file only.
# - Cast integer fields to int/float before arithmetic (uint8 in the 2016 file), reshape the
#   bias to 1-D, and take the mean pixel as `averageImage.reshape(-1, 3).mean(0)`.
# - `loadmat` already gives TensorFlow's **HWIO** layout: the real conv1_1 equals Keras'
#   `block1_conv1` with no spatial swap (and RGB vs BGR reversed). The popular
#   `(1, 0, 2, 3)` transpose is a misreading of a help text.
# - With swapped kernels the network computes $T(\text{net}(T(x)))$ exactly; Gram matrices
#   and content losses are unchanged by $T$, which is why style transfer survives the bug and
#   only classification reveals it.
# - Input: RGB, 0-255, minus $[123.68, 116.779, 103.939]$; round trip exact; `np.rint`
#   before `astype(np.uint8)`.
# - VGG-19 has 20,024,384 conv parameters up to pool5 and 143,667,240 in all.
#
# ## Exercises
#
# 1. Extend `read_by_name` to pool layers (`method`, `pool`, `stride`, `pad`) and check it
#    against `vgg_mat.load` for both layouts. Why does the 2016 file's pool pad `[0 1 0 1]`
#    not matter for image sizes divisible by 32?
# 2. Make a beta16-style positional loader crash with a *different* error on the 2016 file by
#    asking for the mean pixel: which exception, and which line of a public loader does it
#    come from?
# 3. Prove the transposition identity for a single convolution on paper, then check
#    numerically that it **fails** when a layer has asymmetric pads, e.g. a conv `Layer` with
#    `pad=(1, 0, 0, 1)`, as in Lesson 1.
# 4. With the real file (`vgg-mat download`), classify three photos of your own in both
#    orientations and tabulate the top-1 probabilities. Which orientation wins, and by how
#    much?
