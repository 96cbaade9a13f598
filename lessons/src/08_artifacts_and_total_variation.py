# %% [markdown]
# # Lesson 8: High-frequency artifacts and total variation
#
# **The question.** Images produced by optimising through a CNN fill up with fine, high-frequency
# speckle. How do we *measure* it, what does a total-variation (TV) penalty actually penalise,
# and why do the tutorials' TV terms (and their weights) differ by orders of magnitude?
#
# **Prerequisites.** L6 (style loss). It helps to have seen the optimisation loop (`nst.stylize`,
# L9), but only its inputs and outputs are used here.
#
# **Expected run time.** About 40 s on 2 CPU cores, most of it four short stylisations of a
# $64\times64$ image (the real VGG-19 when `vgg_mat.find_weights()` finds it, otherwise a synthetic
# miniature with random weights, labelled on every figure made with it). With the real, full-width
# network the stylisations take about 2 minutes.

# %%
# %load_ext autoreload
# %autoreload 2
import inspect

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from IPython.display import display

import nst
import vgg_mat
from nst import losses, plots, statistics
from nst.gradcheck import relative_error
from nst.grading import answer, check, require

np.set_printoptions(precision=4, suppress=True)
# Each nst.stylize call compiles its own loss function; TF warns about "retracing" when a
# notebook calls it several times in a row. Harmless here, so keep the log quiet.
tf.get_logger().setLevel("ERROR")

# %% [markdown]
# ## 1. Neighbour differences and the TV family
#
# For each channel, the horizontal and vertical neighbour differences are
#
# $$\Delta^x_{i,j} = x_{i,j+1} - x_{i,j}, \qquad \Delta^y_{i,j} = x_{i+1,j} - x_{i,j} .$$
#
# The TF tutorial calls the two difference images `x_deltas` and `y_deltas` ("high-pass" images,
# `nst.plots.high_pass_xy`). Every TV term is some way of adding them up:
#
# - `l1`: $\sum\lvert\Delta^x\rvert + \sum\lvert\Delta^y\rvert$
#   (TF tutorial, `tf.image.total_variation`)
# - `l2`: $\sum(\Delta^x)^2 + \sum(\Delta^y)^2$ (CS231n)
# - `mean-l2`: $\mathrm{mean}(\Delta^y)^2 + \mathrm{mean}(\Delta^x)^2$ (anishathalye/neural-style)
# - `mean-l1-half`: $\frac12(\mathrm{mean}\lvert\Delta^y\rvert + \mathrm{mean}\lvert\Delta^x\rvert)$
#   (d2l)
# - `crop-l2-half`: $\frac12\sum_{crop}((\Delta^x)^2 + (\Delta^y)^2)$ (jcjohnson/neural-style)
# - `keras`: $\sum_{crop}((\Delta^x)^2 + (\Delta^y)^2)^{1.25}$ (Keras example)
# - `isotropic`: $\sum_{crop}((\Delta^x)^2 + (\Delta^y)^2)^{\beta/2}$ with $\beta = 1$
#   (Mahendran & Vedaldi)
#
# "crop" sums run over the $(H-1)\times(W-1)$ positions where both differences exist, so the
# last row and column are never looked at. Note the TF tutorial's text calls its TV a "sum of
# squares", but its code (`tf.image.total_variation`) sums *absolute* values: it is L1.

# %%
print(inspect.getsource(losses.tv_loss))

# %% [markdown]
# ## 2. Every variant on one impulse, by hand
#
# A $3\times3$ image with a single 2 in the centre. Its differences are $\pm2$ on the four edges
# around the centre, so L1 $= 4\cdot2 = 8$ and L2 $= 4\cdot4 = 16$. The crop sees the four
# top-left positions with $(\Delta^x)^2 + (\Delta^y)^2 = 0, 4, 4, 8$, so the Keras form is
# $2\cdot4^{1.25} + 8^{1.25} = 24.768$, the isotropic form $2 + 2 + \sqrt8 = 6.828$ and
# jcjohnson's $\frac12(4 + 4 + 8) = 8$. Move the 2 to the **corner** $(2, 2)$ and the crop never
# sees it: the cropped forms give **0**.
#
# Three of the variants are yours to write: anisotropic L1, squared L2 and isotropic. Each works
# on an $(H, W, C)$ array and sums over the channels too. The graders use the two impulses
# above (put in a channel axis: `centre[:, :, None]`) and `nst.tv_loss` on random images.
#
# **Your turn (1/4).** Anisotropic L1: $\sum\lvert\Delta^x\rvert + \sum\lvert\Delta^y\rvert$,
# each difference on its own (the TF tutorial's `tf.image.total_variation`).


# %%
def differences(x):
    """dy (H-1, W), dx (H, W-1) of a 2-D array, with explicit loops."""
    h, w = x.shape
    dy = np.array([[x[i + 1, j] - x[i, j] for j in range(w)] for i in range(h - 1)])
    dx = np.array([[x[i, j + 1] - x[i, j] for j in range(w - 1)] for i in range(h)])
    return dy, dx


def tv_anisotropic_l1(x):
    """Anisotropic L1 TV of an (H, W, C) array.

    sum |x[i, j+1] - x[i, j]| + sum |x[i+1, j] - x[i, j]|:
    sums (not means) over every valid difference and every channel; returns a float.
    """
    ### BEGIN SOLUTION
    dy = x[1:, :, :] - x[:-1, :, :]  # (H-1, W, C)
    dx = x[:, 1:, :] - x[:, :-1, :]  # (H, W-1, C)
    return np.abs(dx).sum() + np.abs(dy).sum()
    ### END SOLUTION


# %%
centre = np.zeros((3, 3))
centre[1, 1] = 2.0
corner = np.zeros((3, 3))
corner[2, 2] = 2.0
square = np.random.default_rng(1).uniform(0, 1, (5, 5, 3))  # (H-1) W C = H (W-1) C = 60
check(
    "tv_anisotropic_l1, centre impulse",
    answer("tv_anisotropic_l1", tv_anisotropic_l1, centre[:, :, None]),
    8,
)
check(
    "tv_anisotropic_l1, corner impulse",
    answer("tv_anisotropic_l1", tv_anisotropic_l1, corner[:, :, None]),
    4,
)
check(
    "tv_anisotropic_l1 vs nst.tv_loss(kind='l1'), random (5, 5, 3)",
    answer("tv_anisotropic_l1", tv_anisotropic_l1, square),
    nst.tv_loss(square, kind="l1"),
    factors={"(H-1) W C = 60": 60},
)

# %% [markdown]
# **Your turn (2/4).** Squared L2: $\sum(\Delta^x)^2 + \sum(\Delta^y)^2$ (CS231n). Careful
# with the two usual slips: jcjohnson's $\frac12$ belongs to *its* variant, not this one, and
# anish divides by the number of differences (a mean).


# %%
def tv_squared_l2(x):
    """Squared L2 TV of an (H, W, C) array.

    sum (x[i, j+1] - x[i, j])^2 + sum (x[i+1, j] - x[i, j])^2:
    sums over every valid difference and every channel, no 1/2; returns a float.
    """
    ### BEGIN SOLUTION
    dy = x[1:, :, :] - x[:-1, :, :]
    dx = x[:, 1:, :] - x[:, :-1, :]
    return np.sum(dx**2) + np.sum(dy**2)
    ### END SOLUTION


# %%
check(
    "tv_squared_l2, centre impulse", answer("tv_squared_l2", tv_squared_l2, centre[:, :, None]), 16
)
check(
    "tv_squared_l2 vs nst.tv_loss(kind='l2'), random (5, 5, 3)",
    answer("tv_squared_l2", tv_squared_l2, square),
    nst.tv_loss(square, kind="l2"),
    factors={"(H-1) W C = 60": 60},
)
check(  # anish's mean-l2 is the same sum divided by the 60 differences of each kind
    "tv_squared_l2 / 60 vs nst.tv_loss(kind='mean-l2')",
    answer("tv_squared_l2", tv_squared_l2, square) / 60,
    nst.tv_loss(square, kind="mean-l2"),
)

# %% [markdown]
# **Your turn (3/4).** Isotropic (Mahendran & Vedaldi):
# $\sum_{crop}\big((\Delta^x)^2 + (\Delta^y)^2\big)^{\beta/2}$, only over the
# $(H-1)\times(W-1)$ positions where both differences exist. With $\beta = 1$ it is the sum of
# the gradient *magnitudes*, which does not prefer the axes: a diagonal edge costs what a
# horizontal one of the same contrast costs.


# %%
def tv_isotropic(x, beta=1.0):
    """Isotropic TV of an (H, W, C) array: sum over i < H-1, j < W-1 and channels of
    ((x[i, j+1] - x[i, j])^2 + (x[i+1, j] - x[i, j])^2) ** (beta / 2). Returns a float.
    """
    ### BEGIN SOLUTION
    dy = x[1:, :-1, :] - x[:-1, :-1, :]  # (H-1, W-1, C): the crop
    dx = x[:-1, 1:, :] - x[:-1, :-1, :]
    return np.sum((dx**2 + dy**2) ** (beta / 2))
    ### END SOLUTION


# %%
check(
    "tv_isotropic, centre impulse: 2 + 2 + sqrt(8)",
    answer("tv_isotropic", tv_isotropic, centre[:, :, None]),
    4 + np.sqrt(8),
)
require(
    "tv_isotropic, corner impulse: the crop never sees it",
    answer("tv_isotropic", tv_isotropic, corner[:, :, None]) == 0,
    "the corner impulse must give 0: sum only over the (H-1) x (W-1) crop",
)
for beta in (1.0, 2.0, 2.5):
    check(
        f"tv_isotropic(beta={beta}) vs nst.tv_loss(kind='isotropic'), random (5, 5, 3)",
        answer("tv_isotropic", tv_isotropic, square, beta),
        nst.tv_loss(square, kind="isotropic", beta=beta),
        factors={"(H-1)(W-1) C = 48": 48},
    )

# %% [markdown]
# Now all seven, with your three and the other four written out naively, against the library:


# %%
def tv_naive(x, kind):
    dy, dx = differences(x)
    crop = dy[:, :-1] ** 2 + dx[:-1, :] ** 2  # (H-1, W-1): both differences exist
    return {
        "l1": lambda: tv_anisotropic_l1(x[:, :, None]),
        "l2": lambda: tv_squared_l2(x[:, :, None]),
        "mean-l2": lambda: (dy**2).mean() + (dx**2).mean(),
        "mean-l1-half": lambda: 0.5 * (np.abs(dy).mean() + np.abs(dx).mean()),
        "crop-l2-half": lambda: 0.5 * crop.sum(),
        "keras": lambda: (crop**1.25).sum(),
        "isotropic": lambda: tv_isotropic(x[:, :, None]),
    }[kind]()


expected = {  # the curriculum's hand-computed values
    "centre": {
        "l1": 8,
        "l2": 16,
        "mean-l2": 8 / 3,
        "mean-l1-half": 2 / 3,
        "crop-l2-half": 8,
        "keras": 2 * 4**1.25 + 8**1.25,
        "isotropic": 4 + np.sqrt(8),
    },
    "corner": {
        "l1": 4,
        "l2": 8,
        "mean-l2": 4 / 3,
        "mean-l1-half": 1 / 3,
        "crop-l2-half": 0,
        "keras": 0,
        "isotropic": 0,
    },
}
table = {"centre": {}, "corner": {}}
for where, image in (("centre", centre), ("corner", corner)):
    for kind in losses.TV_KINDS:
        naive = tv_naive(image, kind)
        library = float(nst.tv_loss(image[:, :, None], kind=kind))
        assert relative_error(naive, expected[where][kind]) < 1e-12, (where, kind)
        assert relative_error(library, naive) < 1e-12, (where, kind)
        table[where][kind] = library
    print(where, {k: round(v, 5) for k, v in table[where].items()})
assert table["centre"]["l1"] == 8 and table["centre"]["l2"] == 16  # integers: exact
assert round(table["centre"]["keras"], 5) == 24.76805
assert round(table["centre"]["isotropic"], 5) == 6.82843
assert table["corner"]["keras"] == table["corner"]["crop-l2-half"] == 0  # the crop never sees it

# %%
kinds = list(losses.TV_KINDS)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw={"width_ratios": [1, 1, 3.2]})
for ax, (name, image) in zip(
    axes[:2], (("centre impulse", centre), ("corner impulse", corner)), strict=True
):
    ax.imshow(image, cmap="gray", vmin=0, vmax=2)
    for (i, j), v in np.ndenumerate(image):
        ax.text(j, i, f"{v:g}", ha="center", va="center", color="red", fontsize=12)
    ax.set_title(name)
    ax.set_xticks([])
    ax.set_yticks([])
ypos = np.arange(len(kinds))
axes[2].barh(ypos - 0.2, [table["centre"][k] for k in kinds], 0.4, label="centre")
axes[2].barh(ypos + 0.2, [table["corner"][k] for k in kinds], 0.4, label="corner")
for y, k in zip(ypos, kinds, strict=True):
    axes[2].text(
        table["centre"][k] + 0.3, y - 0.2, f"{table['centre'][k]:.5g}", va="center", fontsize=8
    )
    axes[2].text(
        table["corner"][k] + 0.3, y + 0.2, f"{table['corner'][k]:.5g}", va="center", fontsize=8
    )
axes[2].set_yticks(ypos, kinds)
axes[2].invert_yaxis()
axes[2].set_xlim(0, 29)
axes[2].set_xlabel("TV value")
axes[2].set_title("Seven TV kinds on the same two 3x3 images")
axes[2].legend(loc="lower right")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Checks against TensorFlow and against jcjohnson's hand-written gradient
#
# `tf.image.total_variation` returns **one value per image** (summed over channels): a batch
# $(x, 2x)$ gives $[8, 16]$ and a 3-channel copy gives 24.
#
# jcjohnson/neural-style never writes the TV *loss*; its `TVLoss` module only implements a
# backward pass. Its gradient is that of $\frac12\sum_{crop}((\Delta^x)^2 + (\Delta^y)^2)$: on the
# centre impulse, the stencil $[[0,-2,0],[-2,8,-2],[0,-2,0]]$.

# %%
batch = np.stack([centre, 2 * centre])[..., None]  # (2, 3, 3, 1)
per_image = tf.image.total_variation(tf.constant(batch)).numpy()
rgb = tf.constant(np.repeat(centre[:, :, None], 3, axis=2))
print("tf.image.total_variation:", per_image, float(tf.image.total_variation(rgb)))
assert np.array_equal(per_image, [8, 16])
assert float(tf.image.total_variation(rgb)) == 24 == float(nst.tv_loss(rgb, kind="l1"))
assert float(nst.tv_loss(batch, kind="l1")) == 24  # the library sums over the batch


def jcjohnson_tv_backward(x):
    """neural_style.lua TVLoss:updateGradInput, translated line by line (one channel)."""
    grad = np.zeros_like(x)
    x_diff = x[:-1, :-1] - x[:-1, 1:]  # -dx on the crop
    y_diff = x[:-1, :-1] - x[1:, :-1]  # -dy on the crop
    grad[:-1, :-1] += x_diff + y_diff
    grad[:-1, 1:] -= x_diff
    grad[1:, :-1] -= y_diff
    return grad


x = tf.Variable(centre[:, :, None])
with tf.GradientTape() as tape:
    tv = nst.tv_loss(x, kind="crop-l2-half")
autodiff = tape.gradient(tv, x).numpy()[:, :, 0]
print("gradient of crop-l2-half:\n", autodiff)
assert np.array_equal(autodiff, [[0, -2, 0], [-2, 8, -2], [0, -2, 0]])
assert np.array_equal(jcjohnson_tv_backward(centre), autodiff)

# %% [markdown]
# ## 3. TV is a high-pass penalty
#
# Two $8\times8$ images with the same energy $\sum x^2 = 64$: a $\pm1$ checkerboard, and a
# horizontal ramp proportional to $j - 3.5$. The checkerboard changes sign at every one of its
# $2\cdot8\cdot7 = 112$ neighbour pairs, each a squared difference of 4: L2-TV $= 448$. The ramp's
# neighbours differ by the slope $a = \sqrt{64/(8\cdot42)}$ along $x$ only: L2-TV
# $= 56a^2 = 32/3 \approx 10.667$. Same energy, 42 times less TV: TV measures energy at high
# spatial frequency.
#
# TV also depends on the pixel scale: multiplying pixels by 255 (from $[0,1]$ to $[0,255]$)
# multiplies L1 kinds by 255 and L2 kinds by $255^2 = 65025$. That alone explains why the TF
# tutorial's TV weight (30, on $[0,1]$, L1) and anish's (100, on $[0, 255]$, mean L2) look
# unrelated.

# %%
i, j = np.mgrid[0:8, 0:8]
checker = np.where((i + j) % 2 == 0, 1.0, -1.0)
ramp = (j - 3.5) * np.sqrt(64 / (8 * np.sum((np.arange(8) - 3.5) ** 2)))
assert np.isclose(np.sum(checker**2), 64) and np.isclose(np.sum(ramp**2), 64)
tv_checker = float(nst.tv_loss(checker[:, :, None], kind="l2"))
tv_ramp = float(nst.tv_loss(ramp[:, :, None], kind="l2"))
print(f"L2-TV: checkerboard {tv_checker:.4f}, ramp {tv_ramp:.4f}")
assert tv_checker == 448
assert relative_error(tv_ramp, 32 / 3) < 1e-12

noise = np.random.default_rng(0).uniform(0, 1, (16, 16, 3))
for kind, power in (("l1", 1), ("l2", 2), ("mean-l2", 2), ("mean-l1-half", 1), ("keras", 2.5)):
    ratio = float(nst.tv_loss(255 * noise, kind=kind)) / float(nst.tv_loss(noise, kind=kind))
    assert relative_error(ratio, 255.0**power) < 1e-10, kind
print("TV(255 x) / TV(x): L1 kinds 255, L2 kinds 65025, Keras 255^2.5 - checked")

# %% [markdown]
# ## 4. Where checkerboards come from: the input gradient of a stride-2 layer
#
# The optimiser changes the image along the gradient of the loss with respect to the
# **pixels**. That gradient flows back through every layer, and a layer with stride 2 hands it
# back unevenly. Take a $3\times3$ convolution with stride 2 (VALID): output $(i, j)$ reads the
# window of input rows $2i \dots 2i+2$ and columns $2j \dots 2j+2$, so
#
# $$ y_{ij} = \sum_{a,b=0}^{2} k_{ab}\, x_{2i+a,\,2j+b}, \qquad
#    \frac{\partial L}{\partial x_{pq}} = \sum_{(i,a):\,2i+a=p}\ \sum_{(j,b):\,2j+b=q}
#    u_{ij}\, k_{ab}, \qquad u = \frac{\partial L}{\partial y} . $$
#
# Windows overlap by one row: an **even** row $p$ lies in two windows (as row $a = 0$ of one and
# row $a = 2$ of the previous), an **odd** row in one. With a uniform upstream signal $u = 1$ and
# an all-ones kernel the gradient counts windows: along one axis $1, 1, 2, 1, 2, \dots, 2, 1, 1$
# for $2m + 1$ inputs, and in 2-D the product of two such counts: values 1, 2 and 4 in a
# pattern of period 2. A smooth upstream signal becomes a **period-2 pattern** in the image:
# a checkerboard (Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts", Distill
# 2016, the same uneven overlap in the forward pass of a transposed convolution).
#
# **Your turn (4/4).** Write this gradient (the "transposed convolution" of $u$ with $k$) with
# loops: scatter each $u_{ij} k$ into its window. The grader checks the window counts above and
# `tf.GradientTape` through `tf.nn.conv2d(..., strides=2, padding="VALID")`.


# %%
def stride2_conv_input_gradient(upstream, kernel):
    """dL/dx for y = conv2d(x, kernel, stride 2, VALID) on one channel, given u = dL/dy.

    Parameters: upstream u, (m, m); kernel k, (3, 3) (cross-correlation, as tf.nn.conv2d).
    Returns the (2m + 1, 2m + 1) array g with g[2i + a, 2j + b] += u[i, j] * k[a, b] for all
    i, j < m and a, b < 3.
    """
    ### BEGIN SOLUTION
    m = upstream.shape[0]
    g = np.zeros((2 * m + 1, 2 * m + 1))
    for i in range(m):
        for j in range(m):
            g[2 * i : 2 * i + 3, 2 * j : 2 * j + 3] += upstream[i, j] * kernel
    return g
    ### END SOLUTION


# %%
def conv_stride2_autodiff(upstream, kernel, stride=2):
    """The same gradient from TensorFlow: tape.gradient with output_gradients = upstream."""
    m = upstream.shape[0]
    n = stride * (m - 1) + 3  # the input size whose VALID output is (m, m)
    x = tf.Variable(tf.zeros((1, n, n, 1), tf.float64))
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(x, tf.constant(kernel[:, :, None, None], tf.float64), stride, "VALID")
    return tape.gradient(y, x, output_gradients=tf.constant(upstream[None, :, :, None]))[0, :, :, 0]


counts_1d = np.array([1, 1, 2, 1, 2, 1, 1])  # m = 3: 7 inputs
check(
    "stride2_conv_input_gradient: window counts (u = 1, k = 1), m = 3",
    answer(
        "stride2_conv_input_gradient", stride2_conv_input_gradient, np.ones((3, 3)), np.ones((3, 3))
    ),
    np.outer(counts_1d, counts_1d),
)
grad_rng = np.random.default_rng(3)
u_random, k_random = grad_rng.standard_normal((4, 4)), grad_rng.standard_normal((3, 3))
check(
    "stride2_conv_input_gradient vs tf.GradientTape, random u (4, 4) and k (3, 3)",
    answer("stride2_conv_input_gradient", stride2_conv_input_gradient, u_random, k_random),
    conv_stride2_autodiff(u_random, k_random),
)

# %% [markdown]
# **Measure the pattern.** A period-2 pattern lives at the **Nyquist frequency**, half a cycle
# per pixel: in the 2-D DFT of an $n\times n$ image ($n$ even), at $k_y = n/2$ or $k_x = n/2$.
# We take the interior of each gradient (away from the borders, where fewer windows reach),
# remove its mean, and ask what share of the remaining energy sits at Nyquist. For the
# stride-2 convolution, any kernel: the gradient is exactly periodic with period 2, so the
# share is 1. For the same kernel with **stride 1** every interior pixel lies in all nine
# positions of the kernel: the gradient is the constant $\sum k_{ab}$, with no energy left at all.
# For a $2\times2$ **max pool** of stride 2 on a smooth image (a ramp), each window hands the
# whole gradient to its largest pixel, always the same corner: a lattice of period 2 (share 1).
# The $2\times2$ **average pool** hands $\frac14$ to each pixel: uniform, no pattern.


# %%
def nyquist_share(g):
    """(energy at k_y = n/2 or k_x = n/2) / (energy at all frequencies), mean removed; g (n, n)."""
    n = g.shape[0]
    power = np.abs(np.fft.fft2(g - g.mean())) ** 2
    at_nyquist = np.zeros_like(power, dtype=bool)
    at_nyquist[n // 2, :] = at_nyquist[:, n // 2] = True
    return power[at_nyquist].sum() / power.sum(), power.sum()


m = 16  # a 16 x 16 upstream signal: inputs 33 x 33 (stride 2) or 18 x 18 (stride 1)
uniform = np.ones((m, m))
interior = slice(4, 28)  # 24 x 24, away from the borders, starting on an even row
g_stride2 = stride2_conv_input_gradient(uniform, k_random)[interior, interior]
g_stride1 = conv_stride2_autodiff(uniform, k_random, stride=1).numpy()[2:-2, 2:-2]

ramp_image = tf.Variable(np.add.outer(np.arange(32.0), 0.5 * np.arange(32.0))[None, :, :, None])
with tf.GradientTape(persistent=True) as tape:
    max_pooled = tf.reduce_sum(tf.nn.max_pool2d(ramp_image, 2, 2, "VALID"))
    avg_pooled = tf.reduce_sum(tf.nn.avg_pool2d(ramp_image, 2, 2, "VALID"))
g_max = tape.gradient(max_pooled, ramp_image).numpy()[0, 4:28, 4:28, 0]
g_avg = tape.gradient(avg_pooled, ramp_image).numpy()[0, 4:28, 4:28, 0]

shares = {
    "3x3 conv, stride 2": nyquist_share(g_stride2),
    "3x3 conv, stride 1": nyquist_share(g_stride1),
    "2x2 max pool, stride 2 (ramp)": nyquist_share(g_max),
    "2x2 average pool, stride 2": nyquist_share(g_avg),
}
for name, (share, energy) in shares.items():
    print(
        f"{name:30}: energy beyond the mean {energy:10.4g}, at Nyquist {share if energy else 0:.4f}"
    )
print("stride-2 conv gradient, top-left 4x4 of the interior:\n", g_stride2[:4, :4])
assert shares["3x3 conv, stride 2"][0] > 0.999  # all of the pattern is at Nyquist
assert shares["2x2 max pool, stride 2 (ramp)"][0] > 0.999
assert shares["3x3 conv, stride 1"][1] < 1e-20 and shares["2x2 average pool, stride 2"][1] < 1e-20
np.testing.assert_allclose(g_stride1, k_random.sum(), rtol=1e-12)  # the constant sum k_ab
np.testing.assert_allclose(g_stride2[0::2, 0::2], k_random[0::2, 0::2].sum(), rtol=1e-12)
np.testing.assert_allclose(g_stride2[1::2, 1::2], k_random[1, 1], rtol=1e-12)

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
for ax, (title, g) in zip(
    axes,
    (
        ("3x3 conv, stride 2", g_stride2),
        ("3x3 conv, stride 1", g_stride1),
        ("2x2 max pool, stride 2", g_max),
        ("2x2 average pool, stride 2", g_avg),
    ),
    strict=True,
):
    ax.imshow(g[:12, :12], cmap="RdBu_r")
    ax.set_title(f"{title}\nNyquist share {nyquist_share(g)[0] if g.std() > 0 else 0:.2f}")
    ax.set_axis_off()
fig.suptitle("Input gradients of a uniform (or smooth) upstream signal, 12 x 12 corner")
fig.tight_layout()
plt.show()

# %% [markdown]
# VGG-19 has no strided convolution, but four of its five 2x2 max pools lie between the input and
# relu5_1; in smooth regions neighbouring windows pick the same corner, and every step of the
# optimiser writes the period-2 lattice into the pixels. TV penalises exactly this: on the $\pm1$
# checkerboard of section 3 every neighbour difference is maximal. Section 5 shows the result
# of an optimisation with and without it.

# %% [markdown]
# ## 5. Artifacts in a real optimisation, and what TV does to them
#
# Now a short stylisation: content = a $64\times64$ photo, style = one of the project's sample
# paintings, 100 Adam steps (learning rate 10 on the 0-255 scale) from the content image, with
# Gatys' losses, and an L2 TV term of weight $\gamma$. We measure each result's **high-pass
# energy**, the mean squared neighbour difference (`nst.tv_loss(image, kind="mean-l2")`), and
# compare it with the photo's.
#
# What is a "small" or "large" $\gamma$? It depends entirely on the scale of the other terms
# (section 3 and L10), so we set it relative to them: $\gamma_0$ is the weight at which the TV
# term of the starting image equals its style term, and we try
# $\gamma \in \{0, 0.005, 0.05, 0.5\}\,\gamma_0$. That makes the experiment mean the same thing
# with the synthetic network and with the real VGG-19, whose losses are on another scale.

# %%
weights = vgg_mat.real_or_synthetic()  # the real file if found, else a miniature
net = vgg_mat.VGG(weights)

photo = nst.load_image(nst.sample_content_path(), max_size=75)[2:66]  # (64, 64, 3), 0-255
painting = nst.load_image(nst.sample_style_path(), max_size=86)[:, :64]  # (64, 64, 3)
assert photo.shape == painting.shape == (64, 64, 3)


def high_pass_energy(image):
    return float(nst.tv_loss(image, kind="mean-l2"))


def run(tv_weight, iterations=100, tv_kind="l2", init="content"):
    """The final Step of a short Adam stylisation (from the photo), with a TV term."""
    steps = nst.stylize(
        photo,
        painting,
        weights=net,
        iterations=iterations,
        optimizer="adam",
        learning_rate=10.0,
        init=init,
        tv_weight=tv_weight,
        tv_kind=tv_kind,
    )
    return list(steps)[-1]


start = run(0.0, iterations=0)  # iteration 0: the losses of the starting image (the photo)
gamma_0 = start.losses["style"] / float(nst.tv_loss(photo, kind="l2"))
print(f"style term at the start {start.losses['style']:.3g}; gamma_0 = {gamma_0:.3g}")

FRACTIONS = [0.0, 0.005, 0.05, 0.5]  # gamma / gamma_0
results = {f: run(f * gamma_0).image for f in FRACTIONS}
energy = {f: high_pass_energy(image) for f, image in results.items()}
print(f"high-pass energy of the photo: {high_pass_energy(photo):9.1f}")
for f, e in energy.items():
    print(f"  result with TV weight {f:5g} gamma_0 = {f * gamma_0:8.3g}: {e:9.1f}")
assert energy[0.0] > energy[0.05] > energy[0.5]  # more TV, less high-frequency energy

# %% [markdown]
# The x and y high-pass images (the TF tutorial's figure, `nst.plots.plot_high_pass`): grey is
# "no change", bright and dark dots are sharp jumps between neighbours.

# %% tags=["gallery"]
fig = plots.plot_high_pass(
    {
        "photo": photo,
        "no TV (γ = 0)": results[0.0],
        "L2 TV, γ = 0.05 γ₀": results[0.05],
    },
    synthetic=weights,
)
fig.get_layout_engine().set(rect=(0, 0, 1, 0.96))  # room for the synthetic-weights label
display(fig)

# %% [markdown]
# Sobel filters (`tf.image.sobel_edges`) smooth across the edge direction before differencing, so
# they respond to edges more than to single-pixel speckle; the gradient magnitude shows the same
# story.


# %%
def sobel_magnitude(image):
    grey = tf.reduce_mean(tf.constant(image[None], tf.float32), axis=-1, keepdims=True)
    edges = tf.image.sobel_edges(grey)[0, :, :, 0, :]  # (H, W, 2): dy, dx
    return tf.norm(edges, axis=-1).numpy()


panels = {"photo": photo, "no TV": results[0.0], "TV γ = 0.05 γ₀": results[0.05]}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.8))
magnitudes = {k: sobel_magnitude(v) for k, v in panels.items()}
vmax = max(m.max() for m in magnitudes.values())
for ax, (name, mag) in zip(axes, magnitudes.items(), strict=True):
    ax.imshow(mag, cmap="gray", vmin=0, vmax=vmax)
    ax.set_title(f"Sobel magnitude: {name}\nmean {mag.mean():.0f}")
    ax.set_axis_off()
fig.tight_layout(rect=(0, 0, 1, 0.9))
plots.stamp_synthetic(fig, when=weights)
plt.show()
assert magnitudes["no TV"].mean() > magnitudes["TV γ = 0.05 γ₀"].mean()

# %% [markdown]
# The radial power spectrum (`nst.statistics.radial_power_spectrum`) says *which* frequencies
# carry the energy. Without TV the result has more power than the photo at high frequencies (the
# artifacts); TV pulls the high end down, more the larger $\gamma$.

# %%
print(inspect.getsource(statistics.radial_power_spectrum))

# %%
spectra = {"photo": statistics.radial_power_spectrum(photo)}
spectra.update({f"γ = {f:g} γ₀": statistics.radial_power_spectrum(results[f]) for f in FRACTIONS})
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for name, (frequency, power) in spectra.items():
    style = {"lw": 2.5, "color": "k"} if name == "photo" else {"lw": 1.2}
    axes[0].loglog(frequency[1:], power[1:], label=name, **style)  # ring 0: the removed mean
    ratio = power[1:] / spectra["photo"][1][1:]
    axes[1].semilogy(frequency[1:], ratio, label=name, **style)
axes[0].set_ylabel("mean power")
axes[0].set_title("Radial power spectra")
axes[0].tick_params(axis="x", which="minor", labelbottom=False)
axes[1].set_ylabel("power / photo's power")
axes[1].set_title("Relative to the photo: > 1 means added energy")
for ax in axes:
    ax.set_xlabel("spatial frequency (cycles / pixel)")
    ax.legend(fontsize=8)
fig.tight_layout(rect=(0, 0, 1, 0.9))
plots.stamp_synthetic(fig, when=weights)
plt.show()
high = spectra["photo"][0] >= 0.25  # the upper half of the frequency range
high_power = {name: float(p[high].sum()) for name, (_, p) in spectra.items()}
print({k: f"{v:.3g}" for k, v in high_power.items()})
assert high_power["γ = 0 γ₀"] > high_power["γ = 0.5 γ₀"]

# %% [markdown]
# The TV-weight sweep, side by side. Too little TV keeps the speckle; too much washes out the
# style and then the content.

# %% tags=["gallery"]
fig = plots.plot_images(
    {f"γ = {f:g} γ₀\nhigh-pass {energy[f]:.0f}": results[f] for f in FRACTIONS},
    synthetic=weights,
)
fig.get_layout_engine().set(rect=(0, 0, 1, 0.92))  # room for the synthetic-weights label
display(fig)

# %% [markdown]
# **With the real weights** the losses have a different scale (real VGG-19 activations are
# larger and sparser), so $\gamma_0$ is a different number (which is why we did not hard-code
# $\gamma$), and the no-TV result shows the typical VGG artifacts (checkerboard-like patterns
# from the strided pooling, Distill's "Feature Visualization") on top of real brush-stroke
# texture. The inequalities asserted above do not depend on the weights: penalising neighbour
# differences more always leaves fewer of them.
#
# ## What to remember
#
# - Optimising pixels through a CNN adds high-frequency energy; the neighbour differences
#   $\Delta^x, \Delta^y$ (high-pass images) and the radial power spectrum make it visible.
# - TV sums those differences: L1 (`tf.image.total_variation`, the TF tutorial, despite its
#   text), L2 (CS231n), means (anish, d2l), cropped forms (jcjohnson, Keras: blind to the last row
#   and column), isotropic (Mahendran & Vedaldi). L1 and L2 kinds are not related by a constant.
# - TV weights are not portable: the kind, the normalisation (sum or mean) and the pixel scale
#   ($255$ for L1, $65025$ for L2) all change the number.
# - More TV weight, less high-frequency energy, at the price of detail: choose it by looking.
# - Checkerboards come from the backward pass: a stride-2 layer hands a smooth gradient back
#   unevenly (a 3x3 stride-2 window overlaps its neighbour by one row: even rows get two
#   windows, odd rows one; a max pool hands everything to one corner), which writes a period-2
#   pattern, all of its energy at the Nyquist frequency, into every update of the pixels.
#
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/08_artifacts_and_total_variation.ipynb`.

# %% [markdown]
# **Exercise 1.** Compute all seven TV kinds by hand for a $3\times3$ image with a 2 at
# position $(0, 1)$ (top row, middle), and return them as a dict `{kind: value}`; the grader
# compares each with `nst.tv_loss`.


# %%
def exercise_1():
    """{kind: TV value} for all seven kinds of losses.TV_KINDS, for the 2 at (0, 1)."""
    ### BEGIN SOLUTION
    # dy: one difference -2 (below the 2); dx: +2 and -2 (either side of it, top row).
    # The crop sees (0, 0): dx = 2 -> 4, and (0, 1): dx = -2, dy = -2 -> 8.
    return {
        "l1": 2 + 4,
        "l2": 4 + 8,
        "mean-l2": 4 / 6 + 8 / 6,
        "mean-l1-half": 0.5 * (2 / 6 + 4 / 6),
        "crop-l2-half": 0.5 * (4 + 8),
        "keras": 4**1.25 + 8**1.25,
        "isotropic": 2 + np.sqrt(8),
    }
    ### END SOLUTION


# %%
top = np.zeros((3, 3))
top[0, 1] = 2.0
mine = answer("exercise_1", exercise_1)
require(
    "exercise 1: a dict with the seven kinds",
    isinstance(mine, dict) and set(mine) == set(losses.TV_KINDS),
    f"return a dict with the keys {list(losses.TV_KINDS)}",
)
for kind in losses.TV_KINDS:
    check(f"exercise 1: {kind}", mine[kind], nst.tv_loss(top[:, :, None], kind=kind))

# %% [markdown]
# **Exercise 2.** Show that the `isotropic` kind with $\beta = 2$ equals `2 * crop-l2-half`,
# and that `keras` is `isotropic` with $\beta = 2.5$.
#
# *Hint:* write both as $\sum_{crop} s^{p}$ with $s = (\Delta^x)^2 + (\Delta^y)^2$: what is $p$
# for each? Then check numerically on a random image with `nst.tv_loss(..., beta=...)`.

# %% [markdown] tags=["solution"]
# **Solution.** `isotropic` is $\sum_{crop} s^{\beta/2}$: with $\beta = 2$ it is $\sum s$,
# twice `crop-l2-half` $= \frac12 \sum s$; with $\beta = 2.5$ it is $\sum s^{1.25}$, which is
# `keras`.

# %% tags=["solution"]
random_image = np.random.default_rng(5).uniform(0, 255, (8, 9, 3))
iso_2 = float(nst.tv_loss(random_image, kind="isotropic", beta=2.0))
iso_25 = float(nst.tv_loss(random_image, kind="isotropic", beta=2.5))
assert relative_error(iso_2, 2 * float(nst.tv_loss(random_image, kind="crop-l2-half"))) < 1e-12
assert relative_error(iso_25, float(nst.tv_loss(random_image, kind="keras"))) < 1e-12
print(f"isotropic beta=2: {iso_2:.6g} = 2 x crop-l2-half; beta=2.5: {iso_25:.6g} = keras")

# %% [markdown]
# **Exercise 3.** Repeat section 5 with `tv_kind="l1"`. Which weights give about the same
# high-pass energy as L2 with $\gamma = 0.05\,\gamma_0$? Why is there no fixed conversion
# factor?
#
# *Hint:* define $\gamma_0$ for L1 the same way (the weight at which the photo's L1 TV equals
# its style term) and try a few fractions of it. Then compare the *gradients*: L2's is
# $2\Delta$ (it grows with the difference), L1's is $\mathrm{sign}(\Delta)$ (the same for a
# small and a large difference).

# %% [markdown] tags=["solution"]
# **Solution.** With $\gamma$ set relative to each kind's own $\gamma_0$, some fraction of
# the L1 $\gamma_0$ matches the L2 result's high-pass energy, but the fraction depends on the
# image and the run: L2 pushes hardest on large differences (its gradient grows with
# $\Delta$), L1 pushes every non-zero difference equally. Their ratio $\sum\Delta^2 /
# \sum|\Delta|$ depends on the distribution of differences, which changes during the
# optimisation, so no constant converts one weight into the other.

# %% tags=["solution"]
gamma_0_l1 = start.losses["style"] / float(nst.tv_loss(photo, kind="l1"))
for f in (0.05, 0.5):
    e = high_pass_energy(run(f * gamma_0_l1, tv_kind="l1").image)
    print(f"L1 TV, gamma = {f:g} gamma_0(L1): high-pass energy {e:9.1f}")
print(f"L2 TV, gamma = 0.05 gamma_0(L2): high-pass energy {energy[0.05]:9.1f}")

# %% [markdown]
# **Exercise 4.** Start from noise (`init="noise"`) instead of the content image. How does the
# high-pass energy without TV compare with the content-initialised run?
#
# *Hint:* white noise puts as much energy at the highest frequencies as at any other
# (section 3: TV measures exactly that). Which terms of the loss would pull it out in 100
# steps?

# %% [markdown] tags=["solution"]
# **Solution.** Much higher: the noise starts with a large high-pass energy, and nothing in the
# content or style loss removes it quickly (the network barely responds to some high-frequency
# patterns, so their gradient is small). That is one reason the tutorials start from the
# content image, or add TV when they start from noise.

# %% tags=["solution"]
from_noise = run(0.0, init="noise").image
print(
    f"no TV: high-pass energy from noise {high_pass_energy(from_noise):9.1f}, "
    f"from the photo {energy[0.0]:9.1f}"
)
