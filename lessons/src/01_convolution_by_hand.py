# %% [markdown]
# # Lesson 1: Images as tensors, and convolution by hand
#
# **The question.** When you call `tf.nn.conv2d(x, W, strides, padding)`, can you predict every
# number and every shape that comes out?
#
# By the end you will have written a convolution as four nested loops, checked it digit for
# digit against TensorFlow and against the layer VGG-19 uses in this project, and learnt the
# three facts people most often get wrong:
#
# 1. `tf.nn.conv2d` computes a **cross-correlation**: the kernel is *not* flipped.
# 2. The output size is $o = \lfloor (i + p_{before} + p_{after} - k)/s \rfloor + 1$.
# 3. TensorFlow's `"SAME"` padding puts the odd extra pixel at the **bottom/right**.
#
# **Prerequisites.** numpy indexing and broadcasting; matrices. No neural-network background.
#
# **Expected run time.** About 10 seconds on 2 CPU cores (most of it is importing TensorFlow).
# Needs no VGG-19 weights file.
#
# **Your turn.** Three cells are yours to write: the convolution itself (`conv2d_naive`), the
# output-size formula (`output_size`) and TensorFlow's `"SAME"` padding (`tf_same_padding`).
# Each is graded by the cell after it, against the worked numbers, TensorFlow and the library.

# %%
# %load_ext autoreload
# %autoreload 2
import inspect
import timeit

import matplotlib.pyplot as plt
import numpy as np
import scipy.signal
import tensorflow as tf
from matplotlib.patches import Rectangle

from nst.grading import answer, check, require
from nst.plots import plot_annotated_grid
from vgg_mat import VGG, Layer, VGGWeights, architecture

np.set_printoptions(precision=4, suppress=True)
print("TensorFlow", tf.__version__, "| numpy", np.__version__)

# %% [markdown]
# ## 1. Images are tensors
#
# A colour photo is an array of shape $(H, W, 3)$: rows, columns, and the red, green and blue
# intensities (0-255 as `uint8`). matplotlib ships a photo of Grace Hopper, so this works
# offline.
#
# TensorFlow stores a *batch* of images as **NHWC** = (batch, height, width, channels), and a
# convolution kernel as **HWIO** = (kernel height, kernel width, input channels, output
# channels). PyTorch and CS231n use NCHW and OIHW instead; converting is a `transpose`, and we
# will do it in section 7.

# %%
photo = plt.imread(plt.matplotlib.cbook.get_sample_data("grace_hopper.jpg"))
print("photo:", photo.shape, photo.dtype, "min", photo.min(), "max", photo.max())
batch = photo[np.newaxis].astype(np.float32)  # NHWC with N = 1
print("batch (NHWC):", batch.shape)
assert photo.shape == (600, 512, 3) and photo.dtype == np.uint8
assert batch.shape == (1, 600, 512, 3)

fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
axes[0].imshow(photo)
axes[0].set_title("RGB photo (600, 512, 3)")
for c, (ax, name, cmap) in enumerate(
    zip(axes[1:], "RGB", ["Reds", "Greens", "Blues"], strict=True)
):
    ax.imshow(photo[:, :, c], cmap=cmap)
    ax.set_title(f"channel {c} = {name}: photo[:, :, {c}]")
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. The idea: slide a kernel, multiply, add
#
# A convolution layer with kernel $W$ of shape $(K_H, K_W, C_{in}, C_{out})$, bias $b$,
# stride $s$ and zero padding computes, for every output position $(i, j)$ and output channel
# $o$,
#
# $$ y_{i,j,o} = b_o + \sum_{u=0}^{K_H-1} \sum_{v=0}^{K_W-1} \sum_{c=0}^{C_{in}-1}
#    \tilde x_{\,i s + u,\; j s + v,\; c} \; W_{u, v, c, o} $$
#
# where $\tilde x$ is the zero-padded input. This is **cross-correlation**: the kernel is laid
# over the input as it is. A *true* convolution (the one in signal-processing textbooks) would
# use $W_{K_H-1-u,\,K_W-1-v}$, the kernel flipped in both directions. Deep-learning libraries
# call cross-correlation "convolution"; since the kernel is learnt, nobody needs the flip.
#
# You will write that equation as four loops after the worked example below (slow on purpose:
# it is meant to be read).

# %% [markdown]
# ## 3. A worked example you can check by hand
#
# Dumoulin & Visin's *A guide to convolution arithmetic* (2016) draws its numeric figures
# from `np.random.seed(1234)`. We rebuild them exactly: a 5x5 input with values 0-3 and a
# 3x3 kernel with values 0-2.

# %%
# numpy's legacy global generator on purpose: it is what the paper's figures were drawn with
np.random.seed(1234)  # noqa: NPY002
x5 = np.random.randint(0, 4, (5, 5))  # noqa: NPY002
k3 = np.random.randint(0, 3, (3, 3))  # noqa: NPY002
print("input\n", x5, "\nkernel\n", k3)
assert x5.tolist() == [
    [3, 3, 2, 1, 0],
    [0, 0, 1, 3, 1],
    [3, 1, 2, 2, 3],
    [2, 0, 0, 2, 2],
    [2, 0, 0, 0, 1],
]
assert k3.tolist() == [[0, 1, 2], [2, 2, 0], [0, 1, 2]]

# %% [markdown]
# The top-left output is the window `x5[0:3, 0:3]` times the kernel, summed:
# $3\cdot0 + 3\cdot1 + 2\cdot2 + 0\cdot2 + 0\cdot2 + 1\cdot0 + 3\cdot0 + 1\cdot1 + 2\cdot2 = 12$.
# Do one more by hand (the centre one, 17) before running the next cell.

# %%
top_left = int(np.sum(x5[0:3, 0:3] * k3))
print("top-left by hand:", top_left)
assert top_left == 12

# %% [markdown]
# **Your turn (1/3).** Write the equation of section 2 as loops: over output rows $i$, output
# columns $j$ and output channels $o$, each output the sum of one window of the padded input
# times the kernel of channel $o$ (numpy may do the sum over $u, v, c$: `np.sum(window * ...)`).
# Pad with `np.pad`; the output size is $\lfloor (H + p_{top} + p_{bottom} - K_H)/s \rfloor + 1$
# rows (and the same for columns). Do **not** flip the kernel.


# %%
def conv2d_naive(x, w, b=None, stride=1, pad=(0, 0, 0, 0)):
    """Cross-correlation of one image with a bank of kernels, written as loops.

    Parameters: x, an (H, W, C_in) array; w, a (K_H, K_W, C_in, C_out) array (HWIO); b, None or
    a (C_out,) bias; stride, s (the same for both axes); pad = (top, bottom, left, right) zeros.
    Returns: y of shape (H_out, W_out, C_out), dtype np.result_type(x, w), with
    y[i, j, o] = b[o] + sum over u, v, c of xp[i*s + u, j*s + v, c] * w[u, v, c, o],
    where xp is x zero-padded by `pad`.
    """
    ### BEGIN SOLUTION
    top, bottom, left, right = pad
    xp = np.pad(x, ((top, bottom), (left, right), (0, 0)))
    kh, kw, c_in, c_out = w.shape
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1
    y = np.zeros((h_out, w_out, c_out), dtype=np.result_type(x, w))
    for i in range(h_out):
        for j in range(w_out):
            for o in range(c_out):
                window = xp[i * stride : i * stride + kh, j * stride : j * stride + kw, :]
                y[i, j, o] = np.sum(window * w[:, :, :, o])  # sum over u, v, c
                if b is not None:
                    y[i, j, o] += b[o]
    return y
    ### END SOLUTION


# %%
mine = answer("conv2d_naive", conv2d_naive, x5[:, :, None], k3[:, :, None, None])
if mine is not None and np.shape(mine) == (3, 3, 1):
    require(
        "conv2d_naive is a cross-correlation",
        not np.array_equal(np.asarray(mine)[:, :, 0], scipy.signal.convolve2d(x5, k3, "valid")),
        "these are the numbers of a true convolution: the kernel is flipped. Use w[u, v] "
        "with the window's [u, v], as laid over the input.",
    )
check(
    "conv2d_naive on Dumoulin & Visin's 5x5 example",
    mine,
    np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]])[:, :, None],
    rtol=0,
    factors={"K_H K_W": 9},  # np.mean instead of np.sum over the window
)
rng = np.random.RandomState(0)
x_test, w_test, b_test = rng.randn(7, 6, 3), rng.randn(3, 3, 3, 2), np.array([0.5, -1.0])
check(
    "conv2d_naive, 3 -> 2 channels, bias, stride 2, pads (1, 0, 0, 1), against tf.nn.conv2d",
    answer("conv2d_naive", conv2d_naive, x_test, w_test, b_test, 2, (1, 0, 0, 1)),
    tf.nn.bias_add(
        tf.nn.conv2d(x_test[None], w_test, 2, [[0, 0], [1, 0], [0, 1], [0, 0]]), b_test
    ).numpy()[0],
    rtol=1e-10,
    factors={"K_H K_W C_in": 27},
)

# %%
valid = conv2d_naive(x5[:, :, None], k3[:, :, None, None])[:, :, 0]
print("VALID output (naive loops)\n", valid)
DUMOULIN_VALID = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
assert valid.tolist() == DUMOULIN_VALID  # integers: exact equality

# %% [markdown]
# ### Annotated grids
#
# Numbers are easier to follow written in the cells. The window that produced the output at
# row 1, column 2 (value 19) is outlined. `nst.plots.plot_annotated_grid` draws an array as a
# heatmap with its values written in (Lesson 2 uses it too).

# %% tags=["gallery"]
fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), gridspec_kw={"width_ratios": [5, 3, 3]})
plot_annotated_grid(axes[0], x5, title="input x (5x5)")
axes[0].add_patch(Rectangle((2 - 0.5, 1 - 0.5), 3, 3, fill=False, lw=3, ec="crimson"))
plot_annotated_grid(axes[1], k3, title="kernel W (3x3)", cmap="Greens")
plot_annotated_grid(axes[2], valid, title="output y, VALID (3x3)", cmap="Oranges")
axes[2].add_patch(Rectangle((2 - 0.5, 1 - 0.5), 1, 1, fill=False, lw=3, ec="crimson"))
fig.suptitle("y[1, 2] = sum(x[1:4, 2:5] * W) = 19   (Dumoulin & Visin's seed-1234 example)")
plt.tight_layout()
plt.show()
assert int(np.sum(x5[1:4, 2:5] * k3)) == valid[1, 2] == 19

# %% [markdown]
# ### The sliding window, step by step
#
# Each output cell is one position of the window. With stride 1 and no padding, a $k$-wide
# window fits $i - k + 1$ times along an axis of length $i$: here $5 - 3 + 1 = 3$.

# %%
fig, axes = plt.subplots(1, 9, figsize=(14, 1.9))
for ax, (r, c) in zip(axes, np.ndindex(3, 3), strict=True):
    ax.imshow(np.zeros((5, 5)), cmap="Greys", vmin=0, vmax=1)
    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 3, 3, color="tab:blue", alpha=0.4))
    ax.set_title(f"y[{r},{c}] = {valid[r, c]}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 4. TensorFlow agrees, and it is cross-correlation
#
# `tf.nn.conv2d` wants NHWC input and HWIO kernels, so we add a batch axis and the two channel
# axes. A true convolution (`scipy.signal.convolve2d`) gives different numbers; it equals
# cross-correlation with the kernel flipped up-down and left-right.

# %%
x_nhwc = x5[None, :, :, None].astype(np.float32)  # (1, 5, 5, 1)
w_hwio = k3[:, :, None, None].astype(np.float32)  # (3, 3, 1, 1)
tf_valid = tf.nn.conv2d(x_nhwc, w_hwio, strides=1, padding="VALID").numpy()[0, :, :, 0]
print("tf.nn.conv2d VALID\n", tf_valid)
assert tf_valid.tolist() == DUMOULIN_VALID

true_conv = scipy.signal.convolve2d(x5, k3, mode="valid")
print("true convolution (kernel flipped)\n", true_conv)
assert true_conv.tolist() == [[18, 20, 19], [10, 9, 17], [11, 8, 14]]
assert true_conv.tolist() != DUMOULIN_VALID  # it really is a different operation
flipped = k3[::-1, ::-1]
assert conv2d_naive(x5[:, :, None], flipped[:, :, None, None])[:, :, 0].tolist() == (
    true_conv.tolist()
)
assert scipy.signal.correlate2d(x5, k3, mode="valid").tolist() == DUMOULIN_VALID

# %% [markdown]
# ## 5. The library's convolution layer
#
# In this project, VGG-19 is a walk over the layers read from the `.mat` file; each conv layer
# becomes `tf.nn.bias_add(tf.nn.conv2d(x, W, stride, explicit pad), b)`. Here is the real
# source (shown, not pasted, so this lesson can never drift from the code):

# %%
print(inspect.getsource(VGG._conv_op))

# %% [markdown]
# We can build a one-layer "network" from a hand-made `Layer` record (the same record type
# `vgg_mat.load` fills from the file) and compare it with our loops. This time the input has
# 3 channels, there are 2 output channels, a bias, stride 2 and asymmetric padding, so every
# index of the equation is exercised. The library computes in float32, the loops in float64:
# the tolerance is `rtol=1e-5`.

# %%
rng = np.random.RandomState(0)
x = rng.uniform(-1, 1, (7, 6, 3))
w = rng.uniform(-1, 1, (3, 3, 3, 2))
b = np.array([0.5, -1.0])
layer = Layer(
    "conv_toy",
    "conv",
    kernel=w.astype(np.float32),
    bias=b.astype(np.float32),
    stride=(2, 2),
    pad=(1, 0, 0, 1),
)
toy_net = VGG(VGGWeights((layer,), source="lesson 1 hand-made layer"))
library = toy_net(x[None].astype(np.float32), ["conv_toy"])["conv_toy"].numpy()[0]
naive = conv2d_naive(x, w, b, stride=2, pad=(1, 0, 0, 1))
print("library output shape", library.shape, "| naive", naive.shape)
# H: floor((7 + 1 + 0 - 3) / 2) + 1 = 3;  W: floor((6 + 0 + 1 - 3) / 2) + 1 = 3
expected_shape = (
    architecture.conv_output_size(7, 3, (1, 0), 2),
    architecture.conv_output_size(6, 3, (0, 1), 2),
    2,
)
assert library.shape == naive.shape == expected_shape == (3, 3, 2)
np.testing.assert_allclose(library, naive, rtol=1e-5, atol=1e-5)
print("max |library - naive| =", np.abs(library - naive).max())

# %% [markdown]
# ## 6. Output sizes
#
# Along one axis, a window of size $k$, dilated by $d$ (it then spans $k + (k-1)(d-1)$
# pixels), slides over an input of length $i$ padded by $p_{before} + p_{after}$ zeros in
# steps of $s$. The number of positions is
#
# $$ o = \left\lfloor \frac{i + p_{before} + p_{after} - k - (k-1)(d-1)}{s} \right\rfloor + 1 .$$
#
# `vgg_mat.architecture.conv_output_size` (also importable from `vgg_mat.geometry`) is that line
# of code:

# %%
print(inspect.getsource(architecture.conv_output_size).split('"""')[-1])

# %% [markdown]
# **Your turn (2/3).** Write the formula, with the two pads given separately (MatConvNet's
# files have asymmetric ones) and the dilation. Integer arithmetic only (`//`).


# %%
def output_size(i, k, p_before, p_after, s, d=1):
    """Number of positions of a k-tap window (dilation d, stride s) along one axis.

    The input has length i, padded by p_before zeros before and p_after after. Returns the int
    o = floor((i + p_before + p_after - k - (k - 1)(d - 1)) / s) + 1.
    """
    ### BEGIN SOLUTION
    span = k + (k - 1) * (d - 1)  # input pixels a dilated window covers
    return (i + p_before + p_after - span) // s + 1
    ### END SOLUTION


# %%
check("output_size(5, 3, 1, 1, 2): o = floor((5 + 2 - 3) / 2) + 1", output_size(5, 3, 1, 1, 2), 3)
grid = [
    (i, k, pb, pa, s, d)
    for i in (5, 6, 7, 12)
    for k in (1, 2, 3)
    for pb, pa in ((0, 0), (1, 1), (0, 1), (2, 1))
    for s in (1, 2, 3)
    for d in (1, 2)
]
check(
    f"output_size on {len(grid)} cases, against vgg_mat.architecture.conv_output_size",
    [answer("output_size", output_size, *case) for case in grid],
    [architecture.conv_output_size(i, k, (pb, pa), s, d=d) for i, k, pb, pa, s, d in grid],
    rtol=0,
)

# %% [markdown]
# The eight cases below are Dumoulin & Visin's figures. Each is checked four ways: the
# formula by hand in the notebook, your `output_size`, the library, and the shape TensorFlow
# actually produces.

# %%
cases = [  # (i, k, p, s, d) -> o
    ((4, 3, 0, 1, 1), 2),
    ((5, 4, 2, 1, 1), 6),
    ((5, 3, 1, 1, 1), 5),
    ((5, 3, 2, 1, 1), 7),
    ((5, 3, 0, 2, 1), 2),
    ((5, 3, 1, 2, 1), 3),
    ((6, 3, 1, 2, 1), 3),
    ((7, 3, 0, 1, 2), 3),
]
print(" i  k  p  s  d |  o")
for (i, k, p, s, d), expected in cases:
    by_hand = (i + 2 * p - k - (k - 1) * (d - 1)) // s + 1
    yours = output_size(i, k, p, p, s, d)
    library_o = architecture.conv_output_size(i, k, p, s, d=d)
    tf_o = tf.nn.conv2d(
        np.ones((1, i, i, 1), np.float32),
        np.ones((k, k, 1, 1), np.float32),
        strides=s,
        padding=[[0, 0], [p, p], [p, p], [0, 0]],
        dilations=d,
    ).shape[1]
    print(f"{i:2d} {k:2d} {p:2d} {s:2d} {d:2d} | {by_hand:2d}")
    assert by_hand == yours == library_o == tf_o == expected, (i, k, p, s, d)

# %% [markdown]
# ## 7. TensorFlow's `"SAME"` rule
#
# `padding="SAME"` does not mean "pad by $\lfloor k/2 \rfloor$". It means: choose the output
# size $o = \lceil i/s \rceil$, then pad just enough,
#
# $$ p_{total} = \max\big((o-1)s + k - i,\; 0\big), \quad
#    p_{before} = \lfloor p_{total}/2 \rfloor, \quad p_{after} = p_{total} - p_{before}. $$
#
# When $p_{total}$ is odd, the extra zero goes to the **bottom/right**. Caffe pads
# symmetrically; MatConvNet (whose file we load) stores explicit pads per side, `(top, bottom,
# left, right)`, which are `(1, 1, 1, 1)` for every 3x3 convolution of VGG-19. That is why the
# project's VGG follows the file's explicit pads; it passes `"SAME"` to TensorFlow only where
# the two agree (stride 1 and pads $((k-1)/2, k/2)$ rounded down: the faster kernel, the same
# numbers), and explicit pads everywhere else.
#
# **Your turn (3/3).** Write the rule. $\lceil i/s \rceil$ in integers is `-(-i // s)`.


# %%
def tf_same_padding(i, k, s):
    """TensorFlow's padding="SAME" along one axis of length i, window k, stride s.

    Returns (o, (p_before, p_after)): o = ceil(i / s); p_total = max((o - 1) s + k - i, 0);
    p_before = floor(p_total / 2); p_after = p_total - p_before (the odd pixel goes after).
    """
    ### BEGIN SOLUTION
    o = -(-i // s)
    total = max((o - 1) * s + k - i, 0)
    return o, (total // 2, total - total // 2)
    ### END SOLUTION


# %%
def flat(result):
    """(o, (before, after)) -> [o, before, after]; None stays None (for the grader)."""
    return None if result is None else [result[0], *result[1]]


check(
    "tf_same_padding(6, 3, 2) -> (o, (before, after)) = (3, (0, 1)): the odd pixel after",
    flat(answer("tf_same_padding", tf_same_padding, 6, 3, 2)),
    [3, 0, 1],
    rtol=0,
)
cases_iks = [(i, k, s) for i in range(1, 9) for k in range(1, 9) for s in range(1, 9)]
check(
    f"tf_same_padding on all {len(cases_iks)} (i, k, s) <= 8, against vgg_mat.architecture",
    [flat(answer("tf_same_padding", tf_same_padding, *case)) for case in cases_iks],
    [flat(architecture.same_padding(*case)) for case in cases_iks],
    rtol=0,
)
for i, k, s in [(6, 3, 2), (7, 2, 2), (5, 4, 3)]:  # and the shape TensorFlow produces
    tf_o = tf.nn.conv2d(np.ones((1, i, i, 1)), np.ones((k, k, 1, 1)), s, "SAME").shape[1]
    assert tf_same_padding(i, k, s)[0] == tf_o

# %%
print(inspect.getsource(architecture.same_padding).split('"""')[-1])
for (i, k, s), expected in [
    ((6, 3, 2), (3, (0, 1))),
    ((5, 3, 2), (3, (1, 1))),
    ((7, 2, 2), (4, (0, 1))),
]:
    o, pads = architecture.same_padding(i, k, s)
    tf_o = tf.nn.conv2d(
        np.ones((1, i, i, 1), np.float32),
        np.ones((k, k, 1, 1), np.float32),
        strides=s,
        padding="SAME",
    ).shape[1]
    print(
        f"i={i} k={k} s={s}: SAME o={o}, pads (before, after)={pads};"
        f" VALID o={architecture.conv_output_size(i, k, 0, s)}"
    )
    assert (o, pads) == expected and tf_o == o
assert architecture.conv_output_size(7, 2, 0, 2) == 3  # VALID 3 vs SAME 4

# %% [markdown]
# **Where the odd pixel goes matters.** Take `arange(16)` as a 4x4 image and a 3x3 kernel that
# only picks its centre pixel, stride 2. `"SAME"` pads (0, 1): no padding on top, so the
# windows are centred on pixels (1, 1), (1, 3), (3, 1), (3, 3). Symmetric padding of 1 (what
# Caffe would do) centres them on (0, 0), (0, 2), (2, 0), (2, 2): a different half of the
# image.

# %%
image16 = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
centre_tap = np.zeros((3, 3, 1, 1), np.float32)
centre_tap[1, 1] = 1
same = tf.nn.conv2d(image16, centre_tap, strides=2, padding="SAME").numpy()[0, :, :, 0]
symmetric = tf.nn.conv2d(
    image16, centre_tap, strides=2, padding=[[0, 0], [1, 1], [1, 1], [0, 0]]
).numpy()[0, :, :, 0]
print("SAME\n", same, "\nsymmetric pad 1\n", symmetric)
assert same.tolist() == [[5, 7], [13, 15]]
assert symmetric.tolist() == [[0, 2], [8, 10]]
assert architecture.same_padding(4, 3, 2) == (2, (0, 1))

# %% [markdown]
# ### Where does `"SAME"` padding change the output?
#
# Only where the window hangs over the border. Convolve a 3x3 averaging kernel over a crop of
# the photo with `"SAME"`, and compare with the answer we would get if the image went on
# (convolve the larger image, then crop): they differ only on a one-pixel ring.

# %%
grey = photo.astype(np.float32).mean(axis=2)
box = np.full((3, 3, 1, 1), 1 / 9, np.float32)
crop = grey[200:264, 200:264]
same_crop = tf.nn.conv2d(crop[None, :, :, None], box, 1, "SAME").numpy()[0, :, :, 0]
context = grey[199:265, 199:265]  # one extra pixel all round: no padding needed
true_crop = tf.nn.conv2d(context[None, :, :, None], box, 1, "VALID").numpy()[0, :, :, 0]
changed = np.abs(same_crop - true_crop) > 1e-3
interior = np.zeros_like(changed)
interior[1:-1, 1:-1] = True
assert not changed[interior].any() and changed[~interior].mean() > 0.9

fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
axes[0].imshow(crop, cmap="gray")
axes[0].set_title("64x64 crop")
axes[1].imshow(same_crop, cmap="gray")
axes[1].set_title("3x3 mean, SAME")
axes[2].imshow(np.abs(same_crop - true_crop), cmap="magma")
axes[2].set_title("|SAME - true|: only the border ring")
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 8. Hand-made filters: what a kernel detects
#
# A kernel responds most where the image looks like it. A 5x5 image with a white vertical
# line in column 2, and two filters: a vertical-line detector (each row $[-1, 2, -1]$) and its
# transpose, a horizontal-line detector.

# %%
line = np.zeros((5, 5))
line[:, 2] = 1
vertical = np.array([[-1, 2, -1]] * 3, dtype=float)
horizontal = vertical.T


def correlate(img, k, padding):
    """One-channel helper around tf.nn.conv2d (float64)."""
    return tf.nn.conv2d(img[None, :, :, None], k[:, :, None, None], 1, padding).numpy()[0, :, :, 0]


v_valid, v_same = correlate(line, vertical, "VALID"), correlate(line, vertical, "SAME")
h_valid = correlate(line, horizontal, "VALID")
print("vertical filter, VALID\n", v_valid, "\nvertical filter, SAME\n", v_same)
print("horizontal filter, VALID\n", h_valid)
assert (v_valid == [-3, 6, -3]).all()  # every row
assert v_same[0].tolist() == v_same[-1].tolist() == [0, -2, 4, -2, 0]
assert (v_same[1:-1] == [0, -3, 6, -3, 0]).all()
assert (h_valid == 0).all()

step = np.zeros((4, 6))
step[:, 3:] = 1
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
edges = correlate(step, sobel_x, "VALID")
print("Sobel-x on a step\n", edges)
assert edges.tolist() == [[0, 4, 4, 0], [0, 4, 4, 0]]
np.testing.assert_array_equal(
    conv2d_naive(step[:, :, None], sobel_x[:, :, None, None])[:, :, 0], edges
)

# %% [markdown]
# On the photo, the horizontal-line filter lights up the cap brim, the glasses, the mouth and
# the ribbon bars; the vertical one lights up the face outline, the lapels and the flag edge.
# (We show $|y|$, scaled per panel.)

# %% tags=["gallery"]
responses = {
    name: np.abs(correlate(grey.astype(np.float64), k, "SAME"))
    for name, k in [("vertical lines", vertical), ("horizontal lines", horizontal)]
}
fig, axes = plt.subplots(1, 3, figsize=(12, 4.6))
axes[0].imshow(grey, cmap="gray")
axes[0].set_title("grey photo")
for ax, (name, r) in zip(axes[1:], responses.items(), strict=True):
    ax.imshow(r, cmap="inferno", vmax=np.percentile(r, 99.5))
    ax.set_title(f"|{name} filter|")
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()
assert all(r.shape == grey.shape for r in responses.values())  # SAME, stride 1: same size

# %% [markdown]
# ## 9. Layouts: the CS231n check, translated to TensorFlow
#
# CS231n's assignment checks a convolution with deterministic `linspace` tensors in PyTorch's
# layouts: input NCHW $(2, 3, 4, 4)$, weights OIHW $(3, 3, 4, 4)$ (3 filters of 3 channels),
# stride 2, pad 1. To use `tf.nn.conv2d` we transpose the input NCHW $\to$ NHWC (axes
# `(0, 2, 3, 1)`) and the weights OIHW $\to$ HWIO (axes `(2, 3, 1, 0)`), run, and transpose the
# result back. Their stored reference values are reproduced to $5 \times 10^{-9}$ (they print
# 8 decimals), using CS231n's relative error
# $\max |a - b| / \max(10^{-8}, |a| + |b|)$.
#
# With $k = 4$, $s = 2$, $i = 4$, TF `"SAME"` happens to pad exactly (1, 1), so here `"SAME"`
# equals "pad 1" (compare with the 3x3 case in section 7).


# %%
def rel_error(a, b):
    """CS231n's relative error: max |a - b| / max(1e-8, |a| + |b|)."""
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


x_nchw = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
w_oihw = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
bias = np.linspace(-0.1, 0.2, num=3)
x_nhwc = x_nchw.transpose(0, 2, 3, 1)
w_hwio = w_oihw.transpose(2, 3, 1, 0)
print(
    "NCHW", x_nchw.shape, "-> NHWC", x_nhwc.shape, "| OIHW", w_oihw.shape, "-> HWIO", w_hwio.shape
)
out_nhwc = tf.nn.bias_add(
    tf.nn.conv2d(x_nhwc, w_hwio, strides=2, padding=[[0, 0], [1, 1], [1, 1], [0, 0]]), bias
).numpy()
out = out_nhwc.transpose(0, 3, 1, 2)  # back to NCHW
expected_00 = np.array([[-0.08759809, -0.10987781], [-0.18387192, -0.21092160]])
expected_12 = np.array([[2.36270298, 2.36904306], [2.38090835, 2.38247847]])
print("out[0, 0]\n", out[0, 0], "\nout[1, 2]\n", out[1, 2])
print("rel_error:", rel_error(out[0, 0], expected_00), rel_error(out[1, 2], expected_12))
np.testing.assert_allclose(out[0, 0], expected_00, rtol=0, atol=5e-9)
np.testing.assert_allclose(out[1, 2], expected_12, rtol=0, atol=5e-9)
assert rel_error(out[0, 0], expected_00) < 1e-6
same_out = tf.nn.bias_add(tf.nn.conv2d(x_nhwc, w_hwio, 2, "SAME"), bias).numpy()
np.testing.assert_allclose(same_out, out_nhwc, rtol=0, atol=1e-12)
assert architecture.same_padding(4, 4, 2) == (2, (1, 1))
np.testing.assert_allclose(
    conv2d_naive(x_nhwc[1], w_hwio, bias, 2, (1, 1, 1, 1)), out_nhwc[1], rtol=1e-12, atol=1e-12
)

# %% [markdown]
# ## What to remember
#
# - Images are arrays: one photo is $(H, W, 3)$; TensorFlow batches are **NHWC** and kernels
#   **HWIO** $(K_H, K_W, C_{in}, C_{out})$. PyTorch/CS231n use NCHW and OIHW: one `transpose`.
# - `tf.nn.conv2d` is **cross-correlation**: $y_{i,j,o} = b_o + \sum_{u,v,c}
#   \tilde x_{is+u,\,js+v,\,c} W_{u,v,c,o}$. True convolution flips the kernel.
# - Output size: $o = \lfloor (i + p_{before} + p_{after} - k - (k-1)(d-1))/s \rfloor + 1$
#   (`vgg_mat.architecture.conv_output_size`).
# - `"SAME"` means $o = \lceil i/s \rceil$, with the odd padding pixel at the bottom/right
#   (`vgg_mat.architecture.same_padding`); it is not always "pad $\lfloor k/2 \rfloor$".
# - A kernel is a template: it responds where the image looks like it (lines, edges).
# - The project's VGG conv layer is exactly this: `bias_add(conv2d(x, W, stride, pad), b)`
#   with the file's own explicit pads.
#
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/01_convolution_by_hand.ipynb`.

# %% [markdown]
# **Exercise 1.** Write `conv2d_dilated`: the taps of the window are $d$ pixels apart (stride 1,
# no padding). Its output size is `architecture.conv_output_size(i, k, 0, 1, d=d)`; check it
# against `tf.nn.conv2d(..., dilations=d)` for $i = 7, k = 3, d = 2$.


# %%
def conv2d_dilated(x, w, d):
    """Dilated cross-correlation, stride 1, no padding: x (H, W, C_in), w (K_H, K_W, C_in, C_out).

    y[i, j, o] = sum over u, v, c of x[i + d*u, j + d*v, c] * w[u, v, c, o], for every (i, j)
    where the window fits. Returns y of shape (H_out, W_out, C_out).
    """
    ### BEGIN SOLUTION
    kh, kw, _, c_out = w.shape
    h_out = x.shape[0] - (kh - 1) * d
    w_out = x.shape[1] - (kw - 1) * d
    y = np.zeros((h_out, w_out, c_out), dtype=np.result_type(x, w))
    for i in range(h_out):
        for j in range(w_out):
            window = x[i : i + (kh - 1) * d + 1 : d, j : j + (kw - 1) * d + 1 : d, :]
            y[i, j] = np.einsum("uvc,uvco->o", window, w)
    return y
    ### END SOLUTION


# %%
x7, w3 = rng.randn(7, 7, 2), rng.randn(3, 3, 2, 2)
dilated = answer("conv2d_dilated", conv2d_dilated, x7, w3, 2)
check(
    "conv2d_dilated(d=2) against tf.nn.conv2d(..., dilations=2)",
    dilated,
    tf.nn.conv2d(x7[None], w3, 1, "VALID", dilations=2).numpy()[0],
    rtol=1e-10,
)
assert dilated.shape[0] == architecture.conv_output_size(7, 3, 0, 1, d=2) == 3

# %% [markdown]
# **Exercise 2.** For how many $(i, k, s)$ with $1 \le i, k, s \le 8$ does TF `"SAME"` pad
# asymmetrically (one more zero after than before)? Return the count, then explain the pattern
# in terms of $i \bmod s$ and $k$.
#
# *Hint:* $(o - 1)s$ is the largest multiple of $s$ below $i$, so $p_{total} = k - r$ with
# $r = i \bmod s$, or $r = s$ when $s$ divides $i$. When is that odd?


# %%
def count_asymmetric_same():
    """The number of (i, k, s), each in 1..8, for which TF SAME pads (p, p + 1)."""
    ### BEGIN SOLUTION
    return sum(
        tf_same_padding(i, k, s)[1][0] != tf_same_padding(i, k, s)[1][1]
        for i in range(1, 9)
        for k in range(1, 9)
        for s in range(1, 9)
    )
    ### END SOLUTION


# %%
asymmetric = [
    (i, k, s)
    for i in range(1, 9)
    for k in range(1, 9)
    for s in range(1, 9)
    if len(set(architecture.same_padding(i, k, s)[1])) == 2
]
check(
    "exercise 2: asymmetric SAME cases",
    answer("exercise 2", count_asymmetric_same),
    len(asymmetric),
)

# %% [markdown] tags=["solution"]
# **Solution.** With $r = i \bmod s$ (or $r = s$ when $s$ divides $i$), $(o-1)s = i - r$, so
# $p_{total} = \max(k - r, 0)$: the padding is asymmetric exactly when $k - r$ is positive and
# odd. For stride 1 ($r = 1$) that is every even $k$; for $k = s = 2$ it is every odd $i$. The
# next cell checks this rule on all 512 cases.


# %% tags=["solution"]
def remainder(i, s):
    return i % s or s


rule = [
    (i, k, s)
    for i in range(1, 9)
    for k in range(1, 9)
    for s in range(1, 9)
    if k > remainder(i, s) and (k - remainder(i, s)) % 2 == 1
]
assert rule == asymmetric
print(
    f"{len(asymmetric)} of 512 cases pad asymmetrically; the rule k - r odd and > 0 finds them all"
)

# %% [markdown]
# **Exercise 3.** Design a 3x3 kernel that responds to the *diagonal* lines of the photo, and
# show its response map next to the two above.
#
# *Hint:* the vertical-line detector has $2$ along its middle column and $-1$ beside it. Put
# the $2$s on a diagonal instead. Test it first on a $5\times5$ image with a diagonal line.

# %% tags=["solution"]
diagonal = 3 * np.eye(3) - 1  # 2 on the diagonal, -1 elsewhere: sums to zero like the others
diag_line = np.eye(5)
print("diagonal filter on a diagonal line, VALID\n", correlate(diag_line, diagonal, "VALID"))
assert correlate(diag_line, diagonal, "VALID").tolist() == [[6, -2, -1], [-2, 6, -2], [-1, -2, 6]]
assert np.abs(correlate(diag_line, vertical, "VALID")).max() < 6  # the vertical one: weaker
fig, axes = plt.subplots(1, 3, figsize=(12, 4.6))
for ax, (name, r) in zip(
    axes,
    [
        *responses.items(),
        ("diagonal lines", np.abs(correlate(grey.astype(np.float64), diagonal, "SAME"))),
    ],
    strict=True,
):
    ax.imshow(r, cmap="inferno", vmax=np.percentile(r, 99.5))
    ax.set_title(f"|{name} filter|")
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Exercise 4.** Write `conv2d_im2col`: stack every window as a row of a matrix and multiply by
# the kernel reshaped to $(K_H K_W C_{in}, C_{out})$ (stride 1, no padding). It must equal
# `conv2d_naive`; then time both.


# %%
def conv2d_im2col(x, w):
    """Cross-correlation by one matrix product: x (H, W, C_in), w (K_H, K_W, C_in, C_out).

    Rows of the patch matrix: the (H_out * W_out) windows, each flattened in (u, v, c) order;
    multiply by w.reshape(K_H * K_W * C_in, C_out), reshape to (H_out, W_out, C_out).
    """
    ### BEGIN SOLUTION
    kh, kw, c_in, c_out = w.shape
    h_out, w_out = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    patches = np.empty((h_out * w_out, kh * kw * c_in), dtype=np.result_type(x, w))
    for i in range(h_out):
        for j in range(w_out):
            patches[i * w_out + j] = x[i : i + kh, j : j + kw, :].ravel()
    return (patches @ w.reshape(kh * kw * c_in, c_out)).reshape(h_out, w_out, c_out)
    ### END SOLUTION


# %%
check(
    "conv2d_im2col against conv2d_naive (3 -> 2 channels)",
    answer("conv2d_im2col", conv2d_im2col, x_test, w_test),
    conv2d_naive(x_test, w_test),
    rtol=1e-10,
    factors={"K_H K_W C_in": 27},
)

# %% tags=["solution"]
big_x, big_w = rng.randn(32, 32, 8), rng.randn(3, 3, 8, 8)
for name, fn in (("conv2d_naive", conv2d_naive), ("conv2d_im2col", conv2d_im2col)):
    seconds = min(timeit.repeat(lambda fn=fn: fn(big_x, big_w), number=1, repeat=3))
    print(f"{name:14s} {seconds * 1e3:7.1f} ms for a 32x32x8 -> 8 channel layer")
np.testing.assert_allclose(
    conv2d_im2col(big_x, big_w), conv2d_naive(big_x, big_w), rtol=1e-10, atol=1e-10
)
