# %% [markdown]
# # Lesson 4: Looking inside: feature maps, content loss, and content reconstruction
#
# **The question.** What does a layer of VGG-19 keep of an image, how do we measure how far two
# images are apart "in the eyes of" that layer, and how much of the picture can we get back
# from one layer's activations alone?
#
# By the end you will have written the content loss in every convention the tutorials use
# and its gradient (graded against the worked numbers, `nst.content_loss`, `tf.GradientTape`
# and finite differences), looked at feature maps layer by layer, reconstructed an image from
# noise by matching a single layer (Gatys et al.'s content figure; Mahendran & Vedaldi's
# "inverting" a network), watched fidelity fall with depth, and written the total-variation
# prior that stops the reconstruction from keeping the starting noise where the layer does
# not care.
#
# **Prerequisites.** Lessons 1-3 (convolution, pooling, the network built from the `.mat`).
#
# **Expected run time.** About 40-90 seconds on 2 CPU cores offline. Runs without the real
# weights: the losses are exact algebra; the network sections use the real file when
# `vgg_mat.find_weights()` finds one, otherwise a synthetic miniature (random weights, 1/4 of
# the channels), and every figure made with it says so. One switch, `SIZE` in the first code
# cell, sets the image size for the whole lesson: 64 pixels offline (small and fast), 320 with
# the real weights so the reconstructions show what each layer keeps (then budget several
# minutes on a CPU: eight reconstructions through the full-width network). One reconstruction
# always uses **real** weights: conv1_1 from the 7 kB fragment of the file that ships with the
# tests.

# %%
# %load_ext autoreload
# %autoreload 2
import dataclasses
import inspect
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from IPython.display import display

import nst
import vgg_mat
from nst import conventions, losses
from nst.gradcheck import numerical_gradient
from nst.grading import answer, check
from nst.images import resize_image
from nst.plots import plot_feature_maps, plot_losses, stamp_synthetic
from vgg_mat import VGG

np.set_printoptions(precision=4, suppress=True)
tf.get_logger().setLevel("ERROR")
rng = np.random.default_rng(0)
REPO = Path(vgg_mat.__file__).resolve().parents[1]  # the repository, from any folder
FRAGMENT = REPO / "tests" / "fixtures" / "real-vgg19-first-two-layers.mat"  # real conv1_1 + relu1_1
MEAN_RGB = np.array([123.68, 116.779, 103.939])

# The network for the whole lesson: the real VGG-19 if it is there, otherwise a synthetic
# miniature with a quarter of the channels (16 at relu1_x, up to 128 at relu5_x), random
# He-normal weights. THE switch: the image size, used everywhere below. Pictures that show
# what a layer keeps need a few hundred pixels and the real weights; offline, 64 px is enough
# for every assert and keeps the lesson fast.
weights = vgg_mat.real_or_synthetic(width_divisor=4)  # the real file if found, else a miniature
SIZE = 320 if not weights.synthetic else 64  # pixels per side, divisible by 32
assert SIZE % 32 == 0
print(f"image size for this lesson: {SIZE} x {SIZE}")

# %% [markdown]
# ## 1. The content representation
#
# Feed an image $x$ to the network. Layer $l$ produces a feature map of shape
# $(H_l, W_l, N_l)$: $N_l$ channels (filters) at $M_l = H_l W_l$ positions. Gatys et al. write
# it as a matrix $F^l \in \mathbb{R}^{N_l \times M_l}$; TensorFlow stores it as
# $(1, H_l, W_l, N_l)$, which reshapes to the transposed $(M_l, N_l)$ matrix (positions are
# rows, channels are columns). The **content representation** of an image at layer $l$ is
# simply $P^l = F^l(x_{content})$: the activations themselves, with their spatial layout.
#
# ### The toy example
#
# Two $2\times2$ channels, $P_1 = [[1,2],[4,5]]$ and $P_2 = [[5,7],[2,3]]$. Stored
# channels-last, $(H, W, C) = (2, 2, 2)$, and flattened row by row it is the $M \times N$
# matrix
#
# $$ P = \begin{pmatrix} 1 & 5 \\ 2 & 7 \\ 4 & 2 \\ 5 & 3 \end{pmatrix}, \qquad M = 4,\ N = 2. $$

# %%
P = np.stack([[[1, 2], [4, 5]], [[5, 7], [2, 3]]], axis=-1).astype(np.float64)  # (H, W, C)
P_matrix = P.reshape(-1, P.shape[-1])  # (M, N): positions x channels
print("P as (H, W, C) -> (M, N):\n", P_matrix)
assert P_matrix.tolist() == [[1, 5], [2, 7], [4, 2], [5, 3]]
assert P[:, :, 0].tolist() == [[1, 2], [4, 5]] and P[:, :, 1].tolist() == [[5, 7], [2, 3]]

# %% [markdown]
# ## 2. The content loss
#
# Gatys et al. compare the generated image's features $F$ with the content features $P$ by
#
# $$ L_c(F, P) = \tfrac12 \sum_{k,i} (F_{ki} - P_{ki})^2 , \qquad
#    \frac{\partial L_c}{\partial F_{ki}} = F_{ki} - P_{ki} .$$
#
# The tutorials use the same squared distance with other constants. With $N$ channels and $M$
# positions, each convention is $d(N, M) \cdot L_c$; the library keeps them in one table,
# `nst.conventions.CONVENTIONS` (formula, factor $d$ = term / $L_c$, sources), printed here from
# the table itself:

# %%
print("\n".join(conventions.table_lines("content")))

# %% [markdown]
# Only `gatys` and `sum` do not depend on the layer's size, which matters as soon as several
# layers are added up (Lesson 10). Work the toy example by hand first: against $F = 0$,
# $\sum P^2 = 1 + 25 + 4 + 49 + 16 + 4 + 25 + 9 = 133$, so $L_c = 66.5$, the sum is 133, the
# MSE is $133 / 8 = 16.625$ and the Coursera cost is $133 / (4 \cdot 8) = 4.15625$.
#
# **Your turn (1/3).** Write the four conventions with explicit loops over the positions $k$
# and the channels $i$: the sum of squares first, then the one constant each convention puts
# in front of it (read them off the table above).


# %%
def content_loss_naive(F, P, convention="gatys"):
    """The content loss between two feature maps, with explicit loops.

    Parameters: F, P, float arrays of the same shape (H, W, N): the generated and the content
    features (M = H * W positions, N channels); convention, one of "gatys", "sum", "mse",
    "coursera".
    Returns: a float, d * sum over k, i of (F[k, i] - P[k, i])^2 with d = 1/2 ("gatys"),
    1 ("sum"), 1/(N M) ("mse") or 1/(4 N M) ("coursera").
    """
    ### BEGIN SOLUTION
    F, P = F.reshape(-1, F.shape[-1]), P.reshape(-1, P.shape[-1])  # (M, N)
    M, N = F.shape
    total = 0.0
    for k in range(M):
        for i in range(N):
            total += (F[k, i] - P[k, i]) ** 2
    scale = {"gatys": 0.5, "sum": 1.0, "mse": 1 / (N * M), "coursera": 1 / (4 * N * M)}
    return scale[convention] * total
    ### END SOLUTION


# %%
F_random, P_random = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))  # M = 8, N = 3
for convention in ("gatys", "sum", "mse", "coursera"):
    check(
        f"content_loss_naive(..., {convention!r}) on random (2, 4, 3) features",
        answer("content_loss_naive", content_loss_naive, F_random, P_random, convention),
        nst.content_loss(F_random, P_random, convention=convention).numpy(),
        factors={"N": 3, "M": 8, "N*M": 24, "4 N*M": 96},
    )
zero = np.zeros_like(P)
worked = {"gatys": 66.5, "sum": 133.0, "mse": 16.625, "coursera": 4.15625}
by_hand = {c: content_loss_naive(zero, P, c) for c in worked}
for convention, value in worked.items():
    check(f"content_loss_naive(0, P, {convention!r}), by hand", by_hand[convention], value)
print("against F = 0:", by_hand)
assert by_hand["gatys"] == 66.5 and by_hand["sum"] == 133 and by_hand["mse"] == 16.625
assert float(tf.nn.l2_loss(P)) == 66.5  # TensorFlow's l2_loss is Gatys' L_c
for convention, value in by_hand.items():
    library = float(nst.content_loss(zero, P, convention=convention))
    assert library == value, (convention, library, value)  # small integers: exact
print("nst.content_loss agrees exactly in every convention")

# %% [markdown]
# Now a generated image whose features are the channels $[[1,0],[0,1]]$ and $[[0,1],[1,0]]$:
#
# $$ F - P = \begin{pmatrix} 0 & -5 \\ -2 & -6 \\ -4 & -1 \\ -4 & -3 \end{pmatrix},
#    \quad \sum (F-P)^2 = 107, \quad L_c = 53.5, \quad \text{MSE} = 13.375 .$$
#
# The ratio MSE / $L_c$ is $2/(NM) = 2/8 = 0.25$ whatever the images: a constant factor,
# which an optimiser like L-BFGS or plain gradient descent feels as a different learning rate
# or loss weight (Adam hardly notices, being invariant to the scale of the loss).

# %%
F = np.stack([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], axis=-1).astype(np.float64)
l_c = content_loss_naive(F, P)
mse = content_loss_naive(F, P, "mse")
print(f"L_c = {l_c}, MSE = {mse}, MSE / L_c = {mse / l_c} = 2/(NM) = {2 / (2 * 4)}")
assert l_c == 53.5 and mse == 13.375 and mse / l_c == 0.25
assert float(nst.content_loss(F, P)) == 53.5
assert float(nst.content_loss(F, P, convention="mse")) == 13.375

# %% [markdown]
# **Your turn (2/3): the gradient by hand.** Each term $(F_{ki} - P_{ki})^2$ depends on one
# feature only, so $\partial/\partial F_{ki}$ of $d \sum (F-P)^2$ is $2d\,(F_{ki} - P_{ki})$:
# $F - P$ for Gatys (the $\frac12$ is there to cancel the 2), $2(F - P)$ for the plain sum,
# $\frac{2}{NM}(F-P)$ for the MSE, $\frac{1}{2NM}(F - P)$ for Coursera. For the toy example
# the Gatys gradient is $F - P$ itself, the matrix printed above.


# %%
def content_gradient(F, P, convention="gatys"):
    """The gradient of content_loss_naive(F, P, convention) with respect to F.

    Parameters: F, P, float arrays of shape (H, W, N); convention as in content_loss_naive.
    Returns: an array shaped like F: 2 d (F - P), with the convention's d (so F - P for Gatys).
    """
    ### BEGIN SOLUTION
    h, w, n = F.shape
    d = {"gatys": 0.5, "sum": 1.0, "mse": 1 / (n * h * w), "coursera": 1 / (4 * n * h * w)}
    return 2 * d[convention] * (F - P)
    ### END SOLUTION


# %%
for convention in ("gatys", "sum", "mse", "coursera"):
    f_var = tf.Variable(F_random)
    with tf.GradientTape() as tape:
        loss = nst.content_loss(f_var, P_random, convention=convention)
    check(
        f"content_gradient(..., {convention!r}) against tf.GradientTape",
        answer("content_gradient", content_gradient, F_random, P_random, convention),
        tape.gradient(loss, f_var).numpy(),
        factors={"N": 3, "M": 8, "N*M": 24},
    )
    check(
        f"content_gradient(..., {convention!r}) against finite differences",
        content_gradient(F_random, P_random, convention),
        numerical_gradient(lambda f, c=convention: content_loss_naive(f, P_random, c), F_random),
        rtol=1e-6,
    )
check(
    "content_gradient(F, P) on the toy example, by hand",
    content_gradient(F, P).reshape(-1, 2),
    [[0, -5], [-2, -6], [-4, -1], [-4, -3]],
)

# %% [markdown]
# The library's loss differentiated by `tf.GradientTape` gives the same matrix, exactly:

# %%
F_var = tf.Variable(F)
with tf.GradientTape() as tape:
    loss = nst.content_loss(F_var, P)
gradient = tape.gradient(loss, F_var).numpy().reshape(-1, 2)
print("dL_c/dF (autodiff), as (M, N):\n", gradient)
assert gradient.tolist() == [[0, -5], [-2, -6], [-4, -1], [-4, -3]]
np.testing.assert_array_equal(gradient, (F - P).reshape(-1, 2))  # = F - P, exactly

# %% [markdown]
# A second example with $N = 4$ channels (reused in Lesson 6): $H = 2$, $W = 3$, $C = 4$,
#
# $$ X_{h,w,c} = (12h + 4w + c) \bmod 5, \qquad P_{h,w,c} = 3(12h + 4w + c) \bmod 7 .$$
#
# Here $\sum (X - P)^2 = 152$, $L_c = 76$ and the MSE is $152 / 24 = 6.333\ldots$

# %%
h, w, c = np.meshgrid(np.arange(2), np.arange(3), np.arange(4), indexing="ij")
X4 = ((12 * h + 4 * w + c) % 5).astype(np.float64)
P4 = ((3 * (12 * h + 4 * w + c)) % 7).astype(np.float64)
print("X[:, :, 0] =", X4[:, :, 0].tolist(), " P[:, :, 0] =", P4[:, :, 0].tolist())
sums = (
    content_loss_naive(X4, P4, "sum"),
    content_loss_naive(X4, P4),
    content_loss_naive(X4, P4, "mse"),
)
print(f"sum = {sums[0]}, L_c = {sums[1]}, MSE = {sums[2]:.4f}")
assert sums[:2] == (152, 76) and abs(sums[2] - 152 / 24) < 1e-12
np.testing.assert_allclose(
    float(nst.content_loss(X4, P4, convention="mse")), 6.3333333333, rtol=1e-9
)
assert float(nst.content_loss(X4, P4)) == 76

# %% [markdown]
# The library's code (shown, not pasted):

# %%
print(inspect.getsource(losses.content_loss).split('    """')[-1])

# %% [markdown]
# ## 3. Feature maps, layer by layer
#
# Now real activations, from the network chosen in the first cell (`weights`), on the photo
# cropped square and resized to `SIZE` pixels.

# %%
net = VGG(weights)

photo = nst.load_image(nst.sample_content_path())  # Grace Hopper, (600, 512, 3)
content = resize_image(photo[44:556], (SIZE, SIZE))  # a square crop, SIZE x SIZE
x = vgg_mat.preprocess(content, weights)
taps = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
features = {name: value.numpy()[0] for name, value in net(x, taps).items()}
print(f"{'layer':8} {'(H, W, N)':>14} {'M':>5} {'min':>7} {'max':>9} {'mean':>8}")
for name, f in features.items():
    print(
        f"{name:8} {f.shape!s:>14} {f.shape[0] * f.shape[1]:5d} {f.min():7.2f} "
        f"{f.max():9.2f} {f.mean():8.2f}"
    )
    assert f.min() == 0.0  # post-ReLU taps: never negative, many exact zeros
    assert f.shape == net.output_shapes(64, 64)[name]
assert [f.shape[:2] for f in features.values()] == [(SIZE >> i, SIZE >> i) for i in range(5)]

# %% [markdown]
# Each layer halves the resolution and multiplies the channels. Below, the first 8 channels
# of each tap (each panel scaled to its own range). With the real weights, relu1_1 shows
# edge- and colour-detectors that still look like the photo, and the deep maps are a few
# blobs where the face and the cap are. With random weights the early maps still look like
# the photo (any filter bank does), but the deep ones mean nothing in particular.

# %%
fig, axes = plt.subplots(5, 9, figsize=(12, 7), gridspec_kw={"width_ratios": [1.4] + [1] * 8})
for row, (name, f) in enumerate(features.items()):
    axes[row, 0].imshow(content.astype(np.uint8))
    axes[row, 0].set_ylabel(f"{name}\n{f.shape[0]}x{f.shape[1]}x{f.shape[2]}", fontsize=9)
    for col in range(8):
        axes[row, col + 1].imshow(f[:, :, col], cmap="magma", interpolation="nearest")
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("feature maps: the first 8 channels at relu1_1 ... relu5_1", y=0.94)
stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# The same picture for **real** weights, whatever file this lesson found: relu1_1 of the
# fragment (64 channels; we supply the mean pixel, which the fragment does not carry).
# `nst.plots.plot_feature_maps` draws it; it stamps a figure only when told the weights are
# synthetic.

# %%
fragment = vgg_mat.load(FRAGMENT)
fragment = dataclasses.replace(fragment, mean_rgb=MEAN_RGB)  # a 2-layer network, real weights
real_net = VGG(fragment)
real_relu1_1 = real_net(vgg_mat.preprocess(content, fragment), ["relu1_1"])["relu1_1"]
assert not fragment.synthetic and real_relu1_1.shape == (1, SIZE, SIZE, 64)
fig = plot_feature_maps(real_relu1_1, channels=16, cols=8, synthetic=fragment)
fig.suptitle("relu1_1 with the REAL conv1_1 (first 16 of 64 channels)")
display(fig)

# %% [markdown]
# ## 4. Content reconstruction: how much of the image does one layer keep?
#
# Start from noise $x_0$ and minimise $L_c(F^l(x), P^l)$ over the **pixels** $x$, for one
# layer $l$ at a time. Whatever image the optimiser finds has (nearly) the same activations at
# that layer as the photo: it is what the layer "sees". `nst.stylize` does exactly this with
# the style term switched off (`style=None, style_layers=[], style_weight=0`): the content
# loss is the whole objective, the gradient flows back through the network to the pixels, and
# Adam moves them (kept inside $[0, 255]$).
#
# Small settings so the lesson stays quick: `SIZE` pixels (64 offline), Adam with learning
# rate 5, 300 steps, noise of standard deviation 50 around the mean pixel as the start.

# %%
recon_layers = ["relu1_2", "relu2_2", "relu3_2", "relu4_2", "relu5_2"]
settings = dict(
    style_layers=[],
    style_weight=0.0,
    optimizer="adam",
    learning_rate=5.0,
    iterations=300,
    init="noise",
    init_noise=50.0,
    seed=0,
)


def pixel_correlation(a, b):
    """Pearson correlation of two images' pixel values (1 = identical up to gain/offset)."""
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


runs = {}
for layer in recon_layers:
    runs[layer] = list(nst.stylize(content, None, weights=net, content_layers=[layer], **settings))
correlation = {layer: pixel_correlation(steps[-1].image, content) for layer, steps in runs.items()}
for layer, steps in runs.items():
    first, last = steps[0].losses["content"], steps[-1].losses["content"]
    print(
        f"{layer}: content loss {first:12.1f} -> {last:10.1f}   "
        f"pixel correlation with the photo {correlation[layer]:.3f}"
    )

# %% [markdown]
# **A check of the library's bookkeeping.** The loss a `Step` reports for its image must be
# the content loss we get by running the network on that image ourselves:

# %%
for layer in ("relu1_2", "relu5_2"):
    final = runs[layer][-1]
    F_final = net(vgg_mat.preprocess(final.image, weights), [layer])[layer].numpy()
    P_layer = net(x, [layer])[layer].numpy()
    mine = 0.5 * np.sum((F_final.astype(np.float64) - P_layer) ** 2)
    print(f"{layer}: by hand {mine:.2f}, reported {final.losses['content']:.2f}")
    # float32 network vs float64 sum; atol for a run that reached (almost) zero loss
    np.testing.assert_allclose(
        final.losses["content"], mine, rtol=1e-3, atol=1e-7 * runs[layer][0].losses["content"]
    )
    assert final.losses["content"] == final.losses[f"content/{layer}"] == final.losses["total"]

# %% tags=["gallery"]
images = [content] + [runs[layer][-1].image for layer in recon_layers]
titles = [f"photo ({SIZE}x{SIZE})"] + [
    f"from {layer}\ncorr {correlation[layer]:.2f}" for layer in recon_layers
]
fig, axes = plt.subplots(1, 6, figsize=(14, 3.3))
for ax, image, title in zip(axes, images, titles, strict=True):
    ax.imshow(np.clip(image, 0, 255).astype(np.uint8))
    ax.set_title(title, fontsize=10)
    ax.axis("off")
fig.subplots_adjust(top=0.72, wspace=0.05)
fig.suptitle("content reconstructions from noise, one layer each (Adam, 300 steps)", y=0.88)
stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# The loss curve of the relu3_2 run, drawn by `nst.plots.plot_losses` from the `Step` records
# (the total and the content term coincide: there is nothing else in the objective).

# %%
fig = plot_losses(runs["relu3_2"], synthetic=weights)  # the relu3_2 run, loss per Adam step
display(fig)

# %% [markdown]
# What can be asserted: every run lowers its loss by more than a factor of 10, and the
# reconstruction gets **worse with depth**: near-perfect from relu1_2, little more than a
# smudge from relu5_2. (Exact correlations depend on the platform and are not asserted.
# The curriculum measured, on a full-width random network with 400 steps at learning rate 2:
# 1.000, 0.955, 0.318, 0.112, 0.023.)

# %%
values = [correlation[layer] for layer in recon_layers]
print("correlations by depth:", np.round(values, 3))
assert correlation["relu1_2"] > 0.9 > correlation["relu5_2"]
for shallower, deeper in zip(values[:-1], values[1:], strict=True):
    assert deeper <= shallower + 0.02  # falls with depth (0.02: platform slack)
for steps in runs.values():
    assert steps[-1].losses["content"] < 0.1 * steps[0].losses["content"]

# %% [markdown]
# ### Why, and what would differ with the real weights
#
# With the **real** VGG-19 the trend is the same but the reason is interesting: the low layers
# keep the pixels, the high layers keep *what is where* (the face, the cap, the layout) and
# discard the exact pixel values, so the reconstructions from relu4_2 and relu5_2 are
# recognisable but painterly. That is why Gatys et al. take the content from a high layer
# (conv4_2): it leaves the style free to change the textures. With **random** weights the
# high layers also lose the pixels, but only because each random, narrow projection plus ReLU
# throws information away; nothing semantic survives, so the deep reconstructions are
# smudges. Fidelity falls with depth for different reasons.
#
# A last reconstruction with real weights that runs anywhere: relu1_1 of the fragment, 64
# real filters of size 3x3x3. It should be essentially perfect: 64 rectified measurements per
# pixel of a 3x3x3 neighbourhood over-determine 3 unknowns per pixel.

# %%
real_steps = list(
    nst.stylize(
        content,
        None,
        weights=real_net,
        content_layers=["relu1_1"],
        **dict(settings, iterations=200),
    )
)
real_corr = pixel_correlation(real_steps[-1].image, content)
print(
    f"real relu1_1: loss {real_steps[0].losses['content']:.0f} -> "
    f"{real_steps[-1].losses['content']:.1f}, correlation {real_corr:.4f}"
)
assert real_corr > 0.95
fig = nst.plots.plot_images(
    [content, real_steps[0].image, real_steps[-1].image],
    ["photo", "start: noise", "from REAL relu1_1 (fragment)"],
)
display(fig)

# %% [markdown]
# ## 5. An inversion prior: total variation
#
# Look again at the deep reconstructions: they are the photo's layout (or a smudge, with random
# weights) *plus the starting noise*. A layer constrains only some directions of pixel space;
# along the others its activations do not change, so the gradient of $L_c$ is zero there and
# Adam never moves those components: whatever the noise put there stays. Many images have the
# same relu3_2 activations, and the optimiser returns the one nearest its start.
#
# Mahendran and Vedaldi ("Understanding deep image representations by inverting them", CVPR
# 2015) add a **prior** that picks, among the images the layer cannot tell apart, a natural
# one: the total variation
#
# $$ V^\beta(x) = \sum_{i,j,c} \big( (x_{i,j+1,c} - x_{i,j,c})^2
#    + (x_{i+1,j,c} - x_{i,j,c})^2 \big)^{\beta/2}, $$
#
# summed over the $(H-1)\times(W-1)$ positions where both differences exist. It is the energy
# of the image's finest detail: small for a photo, large for noise. The objective becomes
# $L_c(F^l(x), P^l) + \lambda V^\beta(x)$.
#
# Worked example: a single 2 at the centre of a $3\times3$ image. The four positions of the
# crop see $(\Delta^x, \Delta^y) = (0, 0), (0, 2), (2, 0), (-2, -2)$, so
# $V^2 = 0 + 4 + 4 + 8 = 16$ and $V^1 = 0 + 2 + 2 + 2\sqrt2 = 4 + 2\sqrt2$.
#
# **Your turn (3/3).** Write $V^\beta$.


# %%
def tv_beta(image, beta=2.0):
    """Mahendran and Vedaldi's total variation V^beta of one image.

    Parameters: image, a float array of shape (H, W, C); beta > 0.
    Returns: a float, the sum over i < H-1, j < W-1 and every channel c of
    ((x[i, j+1, c] - x[i, j, c])^2 + (x[i+1, j, c] - x[i, j, c])^2) ** (beta / 2).
    """
    ### BEGIN SOLUTION
    x = np.asarray(image, dtype=np.float64)
    dx = x[:-1, 1:, :] - x[:-1, :-1, :]  # (H-1, W-1, C): right neighbour minus pixel
    dy = x[1:, :-1, :] - x[:-1, :-1, :]  # (H-1, W-1, C): neighbour below minus pixel
    return float(np.sum((dx**2 + dy**2) ** (beta / 2)))
    ### END SOLUTION


# %%
spike = np.zeros((3, 3, 1))
spike[1, 1, 0] = 2.0
check("tv_beta(spike, beta=2), by hand", answer("tv_beta", tv_beta, spike, 2.0), 16.0)
check("tv_beta(spike, beta=1), by hand", tv_beta(spike, 1.0), 4 + 2 * np.sqrt(2))
rough = rng.normal(size=(5, 7, 3))  # H = 5, W = 7, C = 3: non-square, several channels
for beta in (1.0, 2.0, 2.5):
    check(
        f"tv_beta(random (5, 7, 3) image, beta={beta})",
        tv_beta(rough, beta),
        losses.tv_loss(rough, kind="isotropic", beta=beta).numpy(),
        factors={"(H-1)(W-1)C": 4 * 6 * 3},
    )
check(  # the library's "crop-l2-half", used below, is half of V^2
    "tv_beta(..., 2) / 2 against tv_kind='crop-l2-half'",
    tv_beta(rough, 2.0) / 2,
    losses.tv_loss(rough, kind="crop-l2-half").numpy(),
)

# %% [markdown]
# Now the experiment: reconstruct from relu3_2 again, with the prior
# $\lambda\,\frac12 V^2$ (`tv_weight=lam, tv_kind="crop-l2-half"`). The weight is set
# relative to the two terms at the start, so that the same choice works at any `SIZE` and
# with either network: the prior starts at 10% of the content loss,
# $\lambda = 0.1\, L_c(x_0) / \tfrac12 V^2(x_0)$. Everything else (start, steps, seed) is the
# run of section 4, which serves as the run without the prior.
#
# Two measurements say whether the noise is gone: $V^2$ itself, and the share of the image's
# spectral energy at high spatial frequencies (above a quarter of the sampling rate, where a
# photo has little and white noise has most).


# %%
def high_frequency_share(image, cutoff=0.25):
    """Share of the (mean-removed) power spectrum above `cutoff` cycles per pixel."""
    x = np.asarray(image, np.float64)
    power = np.abs(np.fft.fft2(x - x.mean(axis=(0, 1)), axes=(0, 1))) ** 2
    fy, fx = np.fft.fftfreq(x.shape[0])[:, None], np.fft.fftfreq(x.shape[1])[None, :]
    return float(power[np.hypot(fy, fx) > cutoff].sum() / power.sum())


plain = runs["relu3_2"]  # section 4: no prior
start = plain[0]  # the starting noise and its content loss
lam = 0.1 * start.losses["content"] / (tv_beta(start.image) / 2)
prior = list(
    nst.stylize(
        content,
        None,
        weights=net,
        content_layers=["relu3_2"],
        tv_weight=lam,
        tv_kind="crop-l2-half",
        **settings,
    )
)
assert np.array_equal(prior[0].image, start.image)  # the same start: seed 0
rows = {
    "photo": content,
    "start (noise)": start.image,
    "relu3_2, no prior": plain[-1].image,
    "relu3_2 + TV prior": prior[-1].image,
}
measured = {
    name: (tv_beta(image), high_frequency_share(image), pixel_correlation(image, content))
    for name, image in rows.items()
}
print(f"lambda = {lam:.3g}")
print(f"{'':20s} {'V^2':>10s} {'high-freq share':>16s} {'corr with photo':>16s}")
for name, (tv_value, share, corr) in measured.items():
    print(f"{name:20s} {tv_value:10.3g} {share:16.3f} {corr:16.3f}")
for name, steps in (("no prior", plain), ("TV prior", prior)):
    ratio = steps[-1].losses["content"] / start.losses["content"]
    print(f"{name}: content loss {steps[-1].losses['content']:.4g} = {ratio:.4f} of the start")

# %% [markdown]
# What can be asserted, with either network: both runs fit the layer (the content loss falls
# below 2% of its start), and the one with the prior has far less fine-scale energy: at most
# half the total variation and a clearly smaller high-frequency share. Without the prior the
# reconstruction keeps most of the noise's roughness.

# %%
tv_plain, share_plain, _ = measured["relu3_2, no prior"]
tv_prior, share_prior, _ = measured["relu3_2 + TV prior"]
for steps in (plain, prior):
    assert steps[-1].losses["content"] < 0.02 * start.losses["content"]  # both fit relu3_2
assert prior[-1].losses["tv"] > 0 and plain[-1].losses["tv"] == 0  # the prior is in the loss
assert tv_prior < 0.5 * tv_plain  # the prior removes the noise's fine-scale energy ...
assert share_prior < share_plain - 0.1  # ... and shifts the spectrum towards low frequencies
print(f"V^2 with the prior / without: {tv_prior / tv_plain:.2f}")

# %% tags=["gallery"]
fig, axes = plt.subplots(1, 4, figsize=(12, 3.6))
for ax, (name, image) in zip(axes, rows.items(), strict=True):
    ax.imshow(np.clip(image, 0, 255).astype(np.uint8))
    tv_value, share, _ = measured[name]
    ax.set_title(f"{name}\nV² {tv_value:.2g}, high-freq {share:.2f}", fontsize=10)
    ax.axis("off")
fig.subplots_adjust(top=0.72, wspace=0.05)
fig.suptitle("inverting relu3_2 with and without the total-variation prior", y=0.9)
stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# With the prior the optimiser still matches relu3_2 (the loss is a little higher: the prior
# pulls against the directions the layer does constrain too), but along the directions the
# layer ignores, it now has a reason to move: towards smoothness. The weight $\lambda$ trades
# the two; Mahendran and Vedaldi choose it so the prior and the data term have comparable
# scale, as here. With the real VGG-19 the reconstructions become recognisable images rather
# than a photo under a veil of noise; style transfer uses the same term (`tv_weight`, lesson 8)
# for the same reason.

# %% [markdown]
# ## What to remember
#
# - A layer's output is a feature map $(H_l, W_l, N_l)$, i.e. the $(M_l, N_l)$ matrix $F^l$
#   with $M_l = H_l W_l$ positions. The content representation is $P^l$, the photo's
#   activations at one layer, layout included.
# - Content loss: $L_c = \frac12 \sum (F - P)^2$ (= `tf.nn.l2_loss`), gradient $F - P$.
#   `sum` is $2 L_c$, `mse` is $\frac{2}{NM} L_c$, `coursera` is $\frac{1}{2NM} L_c$: same
#   minimiser, different scale, and the size-dependent ones change weight from layer to layer.
# - Seed example: $L_c = 66.5$ against zero (MSE 16.625), 53.5 against the toy $F$
#   (MSE 13.375, ratio 0.25 = 2/(NM)); the $N = 4$ example: 76, 6.3333, 152.
# - Reconstruction = optimise the pixels to match one layer. Fidelity falls with depth:
#   with real weights the deep layers keep the layout and lose the pixels.
#   `nst.stylize(content, None, weights=..., content_layers=[layer], style_layers=[],
#   style_weight=0)` does it.
# - Directions the layer does not constrain keep the starting noise. A prior decides them:
#   total variation $V^\beta$ (Mahendran & Vedaldi), here at 10% of the loss at the start,
#   at least halves the reconstruction's fine-scale energy while it still fits the layer.
#
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/04_feature_maps_content_loss_and_reconstruction.ipynb`.

# %% [markdown]
# **Exercise 1.** Reconstruct from the **pre-ReLU** taps `conv1_2`, ..., `conv5_2` instead. Are
# they better or worse than the post-ReLU ones, and why (think about what the ReLU throws
# away)?
#
# *Hint:* a ReLU maps every negative pre-activation to 0. How many images give a unit the
# value 0 after the ReLU, and how many give it one particular negative value before it?

# %% [markdown] tags=["solution"]
# **Solution.** The pre-ReLU taps keep more: where a unit is negative, the post-ReLU target
# is only "$\le 0$" (any image that keeps it negative matches), while the pre-ReLU target
# pins its exact value. More constraints, fewer images that match, so the reconstruction is
# closer to the photo, the more so the deeper the layer (more units are off there). Below, one
# layer with fewer steps to stay quick; compare the two correlations with the photo (with the
# synthetic miniature at 64 px the gap is small; run the five layers to see it grow).

# %% tags=["solution"]
short = dict(settings, iterations=150)
for layer in ("relu3_2", "conv3_2"):
    steps = list(nst.stylize(content, None, weights=net, content_layers=[layer], **short))
    print(f"{layer}: correlation with the photo {pixel_correlation(steps[-1].image, content):.3f}")

# %% [markdown]
# **Exercise 2.** Repeat the reconstruction with `optimizer="lbfgs"` and 100 iterations, and
# with `content_convention="mse"` and plain gradient descent (`optimizer="sgd"`). Which
# settings care about the convention's factor $2/(NM)$, and which do not?
#
# *Hint:* multiply a loss by a constant $c$. What happens to the step of gradient descent
# ($x \leftarrow x - \eta \nabla L$), to Adam's step (which divides by a running
# $\sqrt{v}$), and to L-BFGS's (which estimates the curvature from gradient differences)?

# %% [markdown] tags=["solution"]
# **Solution.** Gradient descent cares: its step is $\eta c \nabla L$, so `mse` with the same
# learning rate moves about $2/(NM)$ times less (at relu2_2 tens of thousands of times less:
# it hardly moves). Adam does not: $m/\sqrt v$ is unchanged by $c$ (up to its $\epsilon$).
# L-BFGS hardly does: its curvature estimate scales with $c$ too, so its steps are the same
# apart from the first one and the stopping tolerances. The check below runs 20 steps of SGD
# under both conventions with the same learning rate and compares how far the image moved.

# %% tags=["solution"]
quick = dict(settings, optimizer="sgd", learning_rate=1e-3, iterations=20)
moved = {}
for convention in ("gatys", "mse"):
    steps = list(
        nst.stylize(
            content,
            None,
            weights=net,
            content_layers=["relu2_2"],
            content_convention=convention,
            **quick,
        )
    )
    moved[convention] = float(np.abs(steps[-1].image - steps[0].image).mean())
    print(f"SGD, {convention}: mean pixel change after 20 steps {moved[convention]:.4g}")
h2, w2, n2 = net.output_shapes(SIZE, SIZE)["relu2_2"]
print(f"ratio mse / gatys: {moved['mse'] / moved['gatys']:.2g};  2/(NM) = {2 / (n2 * h2 * w2):.2g}")

# %% [markdown]
# **Exercise 3.** Start the relu3_2 reconstruction from a different `seed`. How different are
# two reconstructions from each other compared with how different each is from the photo?
# What does that say about how many images share the same relu3_2 activations?
#
# *Hint:* section 5 says what happens to the directions the layer does not constrain. Compare
# the two results' difference with the two starting noises' difference.

# %% [markdown] tags=["solution"]
# **Solution.** Two seeds give two different images with (nearly) the same relu3_2
# activations: their distance from each other is of the same order as their distance from the
# photo, and most of it is the difference of the two starting noises, carried through. So
# relu3_2 does not determine the image: a whole family of images (the photo plus anything in
# the directions the layer ignores) shares its activations. A prior such as TV (section 5) is
# a rule for picking one member of that family.

# %% tags=["solution"]
other = list(
    nst.stylize(content, None, weights=net, content_layers=["relu3_2"], **dict(settings, seed=1))
)
a, b = plain[-1].image, other[-1].image
print(f"rms(seed 0 - seed 1) = {np.sqrt(np.mean((a - b) ** 2)):.1f}")
print(f"rms(seed 0 - photo)  = {np.sqrt(np.mean((a - content) ** 2)):.1f}")
starts = np.sqrt(np.mean((plain[0].image - other[0].image) ** 2))
print(f"rms between the two starting noises = {starts:.1f}")

# %% [markdown]
# **Exercise 4.** Show that the gradient of $L_c$ with respect to the *pre-ReLU* activations
# $Z$ (conv1_1 of the fragment) is $(F - P)$ masked by $[Z > 0]$, where $F = \mathrm{relu}(Z)$.
# Write it, and the cell after it compares it with `tf.GradientTape` on the fragment's real
# conv1_1.


# %%
def content_gradient_pre_relu(z, p):
    """dL_c/dZ for L_c = 1/2 sum (relu(Z) - P)^2.

    Parameters: z, the pre-ReLU activations, and p, the content target after the ReLU: float
    arrays of the same shape (H, W, N).
    Returns: an array of that shape, (relu(z) - p) where z > 0 and 0 elsewhere.
    """
    ### BEGIN SOLUTION
    return (np.maximum(z, 0.0) - p) * (z > 0)
    ### END SOLUTION


# %%
noise_image = content + rng.normal(scale=20.0, size=content.shape)
z_noise = real_net(vgg_mat.preprocess(noise_image, fragment), ["conv1_1"])["conv1_1"][0]
p_photo = real_net(vgg_mat.preprocess(content, fragment), ["relu1_1"])["relu1_1"][0]
z_var = tf.Variable(tf.cast(z_noise, tf.float64))
with tf.GradientTape() as tape:
    loss = nst.content_loss(tf.nn.relu(z_var), tf.cast(p_photo, tf.float64))
check(
    "exercise 4: dL_c/dZ against tf.GradientTape on the real conv1_1",
    answer("content_gradient_pre_relu", content_gradient_pre_relu, z_var.numpy(), p_photo.numpy()),
    tape.gradient(loss, z_var).numpy(),
)
