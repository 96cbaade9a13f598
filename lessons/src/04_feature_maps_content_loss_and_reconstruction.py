# %% [markdown]
# # Lesson 4: Looking inside: feature maps, content loss, and content reconstruction
#
# **The question.** What does a layer of VGG-19 keep of an image, how do we measure how far two
# images are apart "in the eyes of" that layer, and how much of the picture can we get back
# from one layer's activations alone?
#
# By the end you will have computed the content loss of the seed example by hand in every
# convention the tutorials use, checked it and its gradient against `nst.content_loss` and
# `tf.GradientTape`, looked at feature maps layer by layer, and reconstructed an image from
# noise by matching a single layer (Gatys et al.'s content figure; Mahendran & Vedaldi's
# "inverting" a network), watching fidelity fall with depth.
#
# **Prerequisites.** Lessons 1-3 (convolution, pooling, the network built from the `.mat`).
#
# **Expected run time.** About 20 seconds on 2 CPU cores (about 70 with the real file, whose
# full-width layers are slower to optimise through). Runs without the real weights: the
# losses are exact algebra; the network sections use the real file when
# `vgg_mat.find_weights()` finds one, otherwise a synthetic miniature (random weights, 1/4 of
# the channels), and every figure made with it says so. One reconstruction always uses **real**
# weights: conv1_1 from the 7 kB fragment of the file that ships with the tests.

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
from nst.images import resize_image
from nst.plots import plot_feature_maps, plot_losses, stamp_synthetic
from vgg_mat import VGG

np.set_printoptions(precision=4, suppress=True)
tf.get_logger().setLevel("ERROR")
REPO = Path(vgg_mat.__file__).resolve().parents[1]  # the repository, from any folder
FRAGMENT = REPO / "tests" / "fixtures" / "real-vgg19-first-two-layers.mat"  # real conv1_1 + relu1_1
MEAN_RGB = np.array([123.68, 116.779, 103.939])

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
# $\sum P^2 = 1 + 25 + 4 + 49 + 16 + 4 + 25 + 9 = 133$, so $L_c = 66.5$ and the MSE is
# $133 / 8 = 16.625$.


# %%
def content_loss_naive(F, P, convention="gatys"):
    """The four conventions with explicit loops over positions k and channels i."""
    F, P = F.reshape(-1, F.shape[-1]), P.reshape(-1, P.shape[-1])  # (M, N)
    M, N = F.shape
    total = 0.0
    for k in range(M):
        for i in range(N):
            total += (F[k, i] - P[k, i]) ** 2
    scale = {"gatys": 0.5, "sum": 1.0, "mse": 1 / (N * M), "coursera": 1 / (4 * N * M)}
    return scale[convention] * total


zero = np.zeros_like(P)
by_hand = {c: content_loss_naive(zero, P, c) for c in ("gatys", "sum", "mse", "coursera")}
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
# Now real activations. First the network for the rest of the lesson: the real VGG-19 if it is
# there, otherwise a synthetic miniature with a quarter of the channels (16 at relu1_x, up to
# 128 at relu5_x), random He-normal weights.

# %%
weights = vgg_mat.real_or_synthetic(width_divisor=4)  # the real file if found, else a miniature
net = VGG(weights)

photo = nst.load_image(nst.sample_content_path())  # Grace Hopper, (600, 512, 3)
content = resize_image(photo[44:556], (64, 64))  # a square crop, 64x64 (divisible by 32)
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
assert [f.shape[:2] for f in features.values()] == [(64, 64), (32, 32), (16, 16), (8, 8), (4, 4)]

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
assert not fragment.synthetic and real_relu1_1.shape == (1, 64, 64, 64)
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
# Small settings so the lesson stays quick: 64x64 pixels, Adam with learning rate 5,
# 300 steps, noise of standard deviation 50 around the mean pixel as the start.

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
titles = ["photo (64x64)"] + [
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
#
# ## Exercises
#
# 1. Reconstruct from the **pre-ReLU** taps `conv1_2`, ..., `conv5_2` instead. Are they better
#    or worse than the post-ReLU ones, and why (think about what the ReLU throws away)?
# 2. Repeat the reconstruction grid with `optimizer="lbfgs"` and 100 iterations, and with
#    `content_convention="mse"` and plain gradient descent (`optimizer="sgd"`). Which
#    settings care about the convention's factor $2/(NM)$, and which do not?
# 3. Start the relu3_2 reconstruction from a different `seed`. How different are two
#    reconstructions from each other compared with how different each is from the photo?
#    What does that say about how many images share the same relu3_2 activations?
# 4. Show that the gradient of $L_c$ with respect to the *pre-ReLU* activations is
#    $(F - P)$ masked by $[F > 0]$, using `tf.GradientTape` on `conv1_1` and `relu1_1` of the
#    fragment.
