# %% [markdown]
# # Lesson 5: The Gram matrix as feature statistics
#
# **The question.** Gatys et al. describe "style" by the Gram matrix of a layer's feature maps.
# What does that matrix actually measure, how does it relate to a covariance, and what does it
# throw away?
#
# **Prerequisites.** L4 (a layer's activations as the $(M, N)$ feature matrix $F$).
#
# **Expected run time.** About 15 s on 2 CPU cores. Sections 1-4 are exact arithmetic on a
# $2\times2\times2$ example; sections 5-6 run a few forward passes of VGG-19 on $64\times64$ images
# (the real weights when `vgg_mat.find_weights()` finds them, otherwise a synthetic miniature with
# random weights, labelled as such on every figure).

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
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. The idea
#
# Flatten one layer's activations for one image into the $(M, N)$ matrix $F$: one row per
# position ($M = HW$), one column per channel ($N = C$). The (raw) Gram matrix is
#
# $$G = F^\top F, \qquad G_{ij} = \sum_{k=1}^{M} F_{ki} F_{kj} .$$
#
# $G_{ij}$ is large when channels $i$ and $j$ are strongly active *at the same positions*. The sum
# over $k$ forgets *which* positions: that is why $G$ describes texture, not layout.
# Tutorials divide it by $M$ (TF tutorial) or by $NM$ (PyTorch tutorial, CS231n, Johnson, anish,
# d2l); `nst.gram_matrix(features, normalization="none" | "hw" | "hwc")` offers all three:

# %%
print(inspect.getsource(losses.gram_matrix))

# %% [markdown]
# ## 2. A Gram matrix by hand
#
# Two $2\times2$ channels, $P_1 = [[1,2],[4,5]]$ and $P_2 = [[5,7],[2,3]]$. Read channels-last,
# position by position, they form
#
# $$F = \begin{pmatrix}1&5\\2&7\\4&2\\5&3\end{pmatrix}\ (M = 4,\ N = 2), \qquad
#   G = F^\top F = \begin{pmatrix}1+4+16+25 & 5+14+8+15\\ 42 & 25+49+4+9\end{pmatrix}
#   = \begin{pmatrix}46 & 42\\ 42 & 87\end{pmatrix}.$$
#
# Three ways to compute it (loops, a matrix product, and the TF tutorial's
# `einsum("bijc,bijd->bcd")`), and the library. The first two are yours to write.

# %%
P1 = np.array([[1, 2], [4, 5]])
P2 = np.array([[5, 7], [2, 3]])
features = np.stack([P1, P2], axis=-1).astype(np.float64)  # (H, W, C) = (2, 2, 2)
F = features.reshape(-1, 2)  # (M, N) = (4, 2)
print("F =\n", F)

# %% [markdown]
# **Your turn (1/2).** Write the Gram matrix with three explicit loops: over channels $i$, $j$
# and positions $k$. No numpy products: the point is to see every multiplication.


# %%
def gram_loops(f):
    """The raw Gram matrix G = F^T F of an (M, N) feature matrix, with explicit loops.

    Parameters: f, a float array of shape (M, N): M positions, N channels.
    Returns: an (N, N) float array with G[i, j] = sum over k of f[k, i] * f[k, j].
    """
    ### BEGIN SOLUTION
    m, n = f.shape
    g = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            for k in range(m):
                g[i, j] += f[k, i] * f[k, j]
    return g
    ### END SOLUTION


# %%
G_loop = answer("gram_loops", gram_loops, F)
check("gram_loops on the worked example", G_loop, [[46, 42], [42, 87]], rtol=0)
random_f = rng.random((5, 3))  # M = 5 positions, N = 3 channels: a non-square F
check(
    "gram_loops on random (5, 3) features",
    answer("gram_loops", gram_loops, random_f),
    nst.gram_matrix(random_f.reshape(5, 1, 3)).numpy(),  # the library takes (H, W, C)
)

# %% [markdown]
# **Your turn (2/2).** Now the same with one matrix product, and the two normalisations the
# tutorials use: divide by $M$ (`"hw"`, the TF tutorial) or by $NM$ (`"hwc"`, PyTorch, CS231n,
# Johnson). The input is now the layer's activation as a tensor of shape $(H, W, C)$.


# %%
def gram_matmul(features, normalization="none"):
    """The Gram matrix of (H, W, C) features with one matrix product.

    Reshape to F of shape (M, N) = (H*W, C), then G = F^T F, divided by
    1 ("none"), M ("hw") or N*M ("hwc"). Returns an (N, N) float array.
    """
    ### BEGIN SOLUTION
    h, w, c = features.shape
    f = np.reshape(features, (h * w, c))
    divisor = {"none": 1, "hw": h * w, "hwc": h * w * c}[normalization]
    return f.T @ f / divisor
    ### END SOLUTION


# %%
photo_like = rng.random((6, 5, 3))  # (H, W, C): M = 30 positions, N = 3 channels
for norm in ("none", "hw", "hwc"):
    check(
        f"gram_matmul(..., {norm!r}) on a (6, 5, 3) array",
        answer("gram_matmul", gram_matmul, photo_like, norm),
        nst.gram_matrix(photo_like, normalization=norm).numpy(),
        factors={"M": 30, "N": 3, "N*M": 90},
    )
G_matmul = gram_matmul(features)
G_einsum = tf.einsum("bijc,bijd->bcd", features[None], features[None])[0].numpy()
G_lib = nst.gram_matrix(features).numpy()
print("G =\n", G_loop)
assert np.array_equal(G_loop, [[46, 42], [42, 87]])  # integers: exact
assert np.array_equal(G_matmul, G_loop) and np.array_equal(G_einsum, G_loop)
assert np.array_equal(G_lib, G_loop)  # the library agrees exactly (small integers in float64)

# %% [markdown]
# The normalisations divide by $M = 4$ and by $NM = 8$:
#
# $$G/M = \begin{pmatrix}11.5 & 10.5\\ 10.5 & 21.75\end{pmatrix},\qquad
#   G/(NM) = \begin{pmatrix}5.75 & 5.25\\ 5.25 & 10.875\end{pmatrix}.$$

# %%
G_hw = nst.gram_matrix(features, normalization="hw").numpy()
G_hwc = nst.gram_matrix(features, normalization="hwc").numpy()
print("G / M =\n", G_hw, "\nG / (N M) =\n", G_hwc)
assert np.array_equal(G_hw, [[11.5, 10.5], [10.5, 21.75]])  # dyadic fractions: exact
assert np.array_equal(G_hwc, [[5.75, 5.25], [5.25, 10.875]])

# %% [markdown]
# ## 3. Gram is not covariance
#
# $G/M$ is the average of $f_k f_k^\top$ over positions: a *second moment*, not centred. The
# covariance subtracts the channel means $\mu = \frac1M F^\top \mathbf 1$ first:
#
# $$\Sigma = \frac1M F^\top F - \mu\mu^\top .$$
#
# Here $\mu = (3, 4.25)$ and
# $\Sigma = \begin{pmatrix}11.5 - 9 & 10.5 - 12.75\\ \cdot & 21.75 - 18.0625\end{pmatrix}
# = \begin{pmatrix}2.5 & -2.25\\ -2.25 & 3.6875\end{pmatrix}$.
# The Gram matrix says the two channels *co-occur* (+10.5); the covariance says they are
# *anti-correlated* (-2.25, correlation -0.741): where channel 1 is above its mean, channel 2 is
# below its own. Both are true: all values are positive, so every product is positive, but the
# deviations from the means have opposite signs.

# %%
mu = F.mean(axis=0)
cov_naive = np.zeros((2, 2))
for k in range(4):  # average of outer products of the centred rows
    d = F[k] - mu
    cov_naive += np.outer(d, d) / 4
cov_lib = statistics.covariance(features).numpy()
corr = cov_naive[0, 1] / np.sqrt(cov_naive[0, 0] * cov_naive[1, 1])
print("mu =", mu, "\ncovariance =\n", cov_lib, f"\ncorrelation = {corr:.4f}")
assert np.array_equal(mu, [3, 4.25])
assert np.array_equal(cov_naive, [[2.5, -2.25], [-2.25, 3.6875]])
assert np.array_equal(cov_lib, cov_naive)
assert np.allclose(cov_lib, np.cov(F.T, bias=True), rtol=0, atol=1e-12)  # population covariance
assert abs(corr - (-0.741)) < 5e-4
# numpy's default is the sample covariance (divisor M - 1): a different matrix.
assert np.allclose(np.cov(F.T), [[10 / 3, -3], [-3, 59 / 12]], rtol=1e-12)
assert np.sign(G_hw[0, 1]) != np.sign(cov_lib[0, 1])

# %%
print(inspect.getsource(statistics.covariance))

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
panels = {"raw Gram  G = FᵀF": G_loop, "G / M": G_hw, "covariance  G/M − μμᵀ": cov_lib}
for ax, (title, mat) in zip(axes, panels.items(), strict=True):
    lim = np.abs(mat).max()
    ax.imshow(mat, cmap="RdBu_r", vmin=-lim, vmax=lim)
    for (i, j), v in np.ndenumerate(mat):
        color = "white" if abs(v) > 0.6 * lim else "black"
        ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=12, color=color)
    ax.set_title(title)
    ax.set_xticks([0, 1], ["ch 1", "ch 2"])
    ax.set_yticks([0, 1], ["ch 1", "ch 2"])
fig.suptitle("Same features, three statistics: the off-diagonal changes sign when centred")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 4. What the Gram matrix ignores: size and position
#
# **Size.** Tile the $2\times2$ map into a $4\times4$ one. Every position appears 4 times, so the
# raw Gram is multiplied by 4, $[[184, 168], [168, 348]]$, while $G/M$ does not change. This is
# why `nst.style_loss` compares Grams *per position*: a style image of another size gives the same
# statistics.
#
# **Position.** Permute the $M$ rows of $F$ in any order: $F^\top F$ is a sum over rows, so it
# does not change at all.

# %%
tiled = np.tile(features, (2, 2, 1))  # (4, 4, 2)
assert np.array_equal(nst.gram_matrix(tiled).numpy(), [[184, 168], [168, 348]])
assert np.array_equal(nst.gram_matrix(tiled, normalization="hw").numpy(), G_hw)

order = rng.permutation(4)
shuffled = F[order].reshape(2, 2, 2)
print("shuffled channel 1:\n", shuffled[..., 0], "\nits Gram:\n", nst.gram_matrix(shuffled).numpy())
assert np.array_equal(nst.gram_matrix(shuffled).numpy(), G_loop)

# %% [markdown]
# ## 5. The shuffle demo on real feature maps
#
# Now the same experiment on a network's activations. We load VGG-19 (or its synthetic stand-in),
# compute relu2_1 for a $64\times64$ photo, and shuffle its $M$ positions. The shuffled map is
# spatial garbage, yet its Gram matrix is the same to rounding error: any image whose features
# were a permutation of these would have *exactly the same style*. (Shuffling the *pixels* of
# the photo is a different experiment: the features of a shuffled image are not the shuffled
# features; try it in exercise 2.)

# %%
weights = vgg_mat.real_or_synthetic()  # the real file if found, else a miniature
net = vgg_mat.VGG(weights)

photo = nst.load_image(nst.sample_content_path(), max_size=75)[2:66]  # (64, 64, 3), 0-255
assert photo.shape == (64, 64, 3)
STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
acts = {
    name: tf.cast(a[0], tf.float64).numpy()
    for name, a in net(vgg_mat.preprocess(photo, weights), STYLE_LAYERS).items()
}

relu2_1 = acts["relu2_1"]  # (32, 32, C)
h, w, c = relu2_1.shape
perm = rng.permutation(h * w)
relu2_1_shuffled = relu2_1.reshape(h * w, c)[perm].reshape(h, w, c)
g_orig = nst.gram_matrix(relu2_1, normalization="hw").numpy()
g_shuf = nst.gram_matrix(relu2_1_shuffled, normalization="hw").numpy()
err = relative_error(g_orig, g_shuf)
print(f"relu2_1 {relu2_1.shape}: relative error between the two Grams {err:.1e}")
assert err < 1e-12

# %% tags=["gallery"]
busiest = int(np.argmax(relu2_1.reshape(-1, c).var(axis=0)))
fig, axes = plt.subplots(1, 5, figsize=(15, 3.4), gridspec_kw={"width_ratios": [1, 1, 1, 1.2, 1.2]})
axes[0].imshow(photo.astype(np.uint8))
axes[0].set_title("photo (64 x 64)")
axes[1].imshow(relu2_1[..., busiest], cmap="magma")
axes[1].set_title(f"relu2_1, channel {busiest}")
axes[2].imshow(relu2_1_shuffled[..., busiest], cmap="magma")
axes[2].set_title("same channel, positions shuffled")
for ax, g, title in (
    (axes[3], g_orig, "Gram / M, original"),
    (axes[4], g_shuf, "Gram / M, shuffled"),
):
    im = ax.imshow(g, cmap="viridis")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, shrink=0.75)
for ax in axes[:3]:
    ax.set_axis_off()
fig.tight_layout(rect=(0, 0, 1, 0.9))  # room for the label at the top
plots.stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# `nst.plots.plot_gram` draws the Gram matrices of several layers side by side (it stamps
# figures made with synthetic weights by itself). With the real VGG-19 you would see a few
# dominant channels per layer and block structure (channels that fire together on the photo's
# edges and textures); with random weights the pattern has no meaning beyond "channels that happen
# to be correlated on this image".

# %%
fig = plots.plot_gram(
    {
        f"{n}  (N = {acts[n].shape[-1]})": nst.gram_matrix(acts[n], normalization="hw")
        for n in STYLE_LAYERS[:4]
    },
    synthetic=weights,
)
display(fig)

# %% [markdown]
# ### How many directions does a Gram matrix use? Eigen-spectra per layer
#
# $G/M$ is symmetric positive semi-definite, so it has non-negative eigenvalues. Sorting them
# shows how many independent "directions" of feature co-activation the image uses at each layer.
# Its rank is at most $\min(N, M)$: at $64\times64$, relu5_1 has only $M = 4\cdot4 = 16$
# positions, so at most 16 eigenvalues are non-zero however many channels there are.
# Channels that are zero everywhere on this image (dead after the ReLU) lower the rank further.
# With real weights the spectra decay fast (a few directions dominate, more so in deep layers);
# the synthetic network's spectra are flatter because random filters are less redundant.

# %%
spectra = {}
for name in STYLE_LAYERS:
    g = nst.gram_matrix(acts[name], normalization="hw").numpy()
    eig = np.linalg.eigvalsh(g)[::-1]  # descending
    assert eig[-1] > -1e-9 * eig[0]  # positive semi-definite, up to rounding
    assert np.allclose(g, g.T, rtol=0, atol=1e-9 * np.abs(g).max())  # symmetric
    m_l, n_l = acts[name].shape[0] * acts[name].shape[1], acts[name].shape[2]
    rank = int(np.sum(eig > 1e-10 * eig[0]))
    assert rank <= min(n_l, m_l)
    print(f"{name}: N = {n_l:3d}, M = {m_l:4d}, numerical rank {rank}")
    spectra[name] = eig[eig > 1e-10 * eig[0]] / eig[0]  # the non-zero part

fig, ax = plt.subplots(figsize=(7, 3.6))
for name, s in spectra.items():
    ax.semilogy(np.arange(1, len(s) + 1), s, marker=".", label=name)
ax.set_xlabel("eigenvalue rank")
ax.set_ylabel("eigenvalue / largest")
ax.set_title("Eigen-spectra of G/M (non-zero part), 64 x 64 photo")
ax.legend(fontsize=8)
fig.tight_layout(rect=(0, 0, 1, 0.9))
plots.stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# ## 6. A blank image has a (nearly) rank-1 Gram matrix
#
# What style does a blank (constant) image have? Apply conv1_1 + ReLU to a constant grey image.
# With **VALID** padding every output position sees the same $3\times3$ patch, so every row of
# $F$ is the same vector $v$ and $G = M\,vv^\top$ has **rank 1**: the only "style" is one
# colour-like activation vector. With the network's own padding of 1 (**SAME**), border
# positions see zeros in part of their window: there are at most 9 distinct rows (interior, 4
# edges, 4 corners), so the rank is at most 9. These border artefacts are the only structure a
# blank image carries, which is what "use a blank style image" (L11) will produce.

# %%
conv1_1 = weights.layer("conv1_1")
kernel = tf.constant(conv1_1.kernel, tf.float64)  # (3, 3, 3, C) HWIO
bias = tf.constant(conv1_1.bias, tf.float64)
blank = vgg_mat.preprocess(np.full((64, 64, 3), 128.0, np.float32), weights)
blank = tf.cast(blank, tf.float64)


def relu_conv(x, padding):
    return tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, kernel, 1, padding), bias))


def gram_rank(f):
    """Numerical rank: singular values above 1e-10 of the largest (float64)."""
    s = np.linalg.svd(nst.gram_matrix(f).numpy()[0], compute_uv=False)
    return int(np.sum(s > 1e-10 * s[0])), s / s[0]


rank_valid, sv_valid = gram_rank(relu_conv(blank, "VALID"))
rank_same, sv_same = gram_rank(relu_conv(blank, "SAME"))
same = relu_conv(blank, "SAME").numpy()
# The network's own relu1_1 (file pads 1 on every side) is this SAME convolution, in float32:
net_relu1_1 = net(vgg_mat.preprocess(np.full((64, 64, 3), 128.0), weights), ["relu1_1"])
np.testing.assert_allclose(net_relu1_1["relu1_1"].numpy(), same, rtol=1e-4, atol=1e-4 * same.max())
n_channels = conv1_1.kernel.shape[-1]
print(f"conv1_1 has {n_channels} channels")
print(f"rank of the blank image's Gram: VALID {rank_valid}, SAME {rank_same}")
assert rank_valid == 1
assert 1 < rank_same <= min(9, n_channels)

# %%
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.semilogy(np.arange(1, len(sv_valid) + 1), np.maximum(sv_valid, 1e-18), "o-", label="VALID")
ax.semilogy(np.arange(1, len(sv_same) + 1), np.maximum(sv_same, 1e-18), "s-", label="SAME")
ax.axhline(1e-10, color="gray", lw=0.8, ls="--")
ax.set_xlabel("singular value rank")
ax.set_ylabel("σ / σ_max")
ax.set_title("Blank grey image, conv1_1 + ReLU: Gram spectrum")
ax.legend()
fig.tight_layout(rect=(0, 0, 1, 0.9))
plots.stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# With the real weights the VALID rank is still exactly 1 (it is a property of constant inputs,
# not of the weights) and the SAME rank is at most $\min(9, N)$: 9 distinct rows cannot span
# more. It can be lower, because after the ReLU the 9 vectors need not be linearly independent
# (the curriculum observed 7 with a full-width random conv1_1; the miniature here has only
# $N = 8$ channels, which caps the rank at 8).
#
# ## What to remember
#
# - $G = F^\top F$: channel-by-channel sums of products over all positions. Divide by $M$ (or
#   $NM$) to compare images of different sizes; the raw Gram grows with the image.
# - $G/M$ is an *uncentred* second moment. The covariance $G/M - \mu\mu^\top$ can have the
#   opposite sign (here +10.5 against -2.25): "Gram = uncentred covariance", not correlation.
# - The Gram matrix is blind to position: shuffling positions leaves it unchanged exactly. That
#   is what makes it a texture statistic, and why style transfer rearranges content freely.
# - A constant image gives a rank-1 Gram (VALID) plus at most 8 border directions (SAME).
#
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/05_the_gram_matrix.ipynb`.

# %% [markdown]
# **Exercise 1.** Compute by hand the Gram matrix of the generated features with channels
# $[[1,0],[0,1]]$ and $[[0,1],[1,0]]$ (you will need it in L6), and return it.


# %%
def exercise_1():
    """The raw (2, 2) Gram matrix of the map with channels [[1,0],[0,1]] and [[0,1],[1,0]]."""
    ### BEGIN SOLUTION
    # F has rows (1, 0), (0, 1), (0, 1), (1, 0): each channel has two ones, never together.
    return np.array([[2.0, 0.0], [0.0, 2.0]])
    ### END SOLUTION


# %%
generated = np.stack([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], axis=-1).astype(np.float64)
check("exercise 1", answer("exercise_1", exercise_1), nst.gram_matrix(generated).numpy())

# %% [markdown]
# **Exercise 2.** Shuffle the *pixels* of the photo (not the features), run relu2_1, and compare
# the Gram matrices. Are they equal? Why does relu1_1 come closer than relu2_1?
#
# *Hint:* a $3\times3$ filter sees a pixel *and its neighbours*. After shuffling, which
# neighbourhoods still exist? How large is relu1_1's receptive field, and relu2_1's (L2)?

# %% [markdown] tags=["solution"]
# **Solution.** They are not equal: a shuffled image has new $3\times3$ neighbourhoods (random
# pixels side by side), so the features are new vectors, not a permutation of the old ones.
# relu1_1 sees $3\times3$ pixels, relu2_1 sees $10\times10$ (L2): the deeper layer mixes more
# shuffled neighbours, so its statistics move further. With the real weights the shuffled
# photo's first-layer Gram stays closer still (colour statistics survive any shuffle, and
# conv1_1 is mostly colour and edge detectors).

# %% tags=["solution"]
pixel_perm = rng.permutation(64 * 64)
photo_shuffled = photo.reshape(-1, 3)[pixel_perm].reshape(64, 64, 3)
acts_shuffled = net(vgg_mat.preprocess(photo_shuffled, weights), ["relu1_1", "relu2_1"])
for name in ("relu1_1", "relu2_1"):
    a = nst.gram_matrix(acts[name], normalization="hw").numpy()
    b = nst.gram_matrix(tf.cast(acts_shuffled[name][0], tf.float64), normalization="hw").numpy()
    print(f"{name}: relative Frobenius distance {np.linalg.norm(a - b) / np.linalg.norm(a):.3f}")

# %% [markdown]
# **Exercise 3.** Find a $2\times2\times2$ feature map with the same $G/M$ as the worked
# example but a different covariance, and return it.
#
# *Hint:* $G/M$ is a sum over positions of $f_k f_k^\top$; the covariance also needs the mean
# $\mu$. What happens to both if you flip the sign of one row $f_k$?


# %%
def exercise_3():
    """A (2, 2, 2) array with G/M == [[11.5, 10.5], [10.5, 21.75]] but another covariance."""
    ### BEGIN SOLUTION
    # Flip the sign of one position's feature vector: f f^T is unchanged, the mean is not.
    other = features.copy()
    other[0, 0] = -other[0, 0]
    return other
    ### END SOLUTION


# %%
mine = answer("exercise_3", exercise_3)
require(
    "exercise 3: a (2, 2, 2) array",
    mine is not None and np.shape(mine) == (2, 2, 2),
    f"return a feature map of shape (2, 2, 2), not {type(mine).__name__} {np.shape(mine)}",
)
check("exercise 3: G/M", nst.gram_matrix(mine, normalization="hw").numpy(), G_hw)
require(
    "exercise 3: a different covariance",
    not np.allclose(statistics.covariance(np.asarray(mine, np.float64)).numpy(), cov_lib),
    "this map has the same covariance too: change the mean without changing G/M",
)

# %% [markdown]
# **Exercise 4.** Repeat section 6 with a constant image of another colour. Which singular
# vector changes?
#
# *Hint:* with VALID padding $G = M\,vv^\top$. What is $v$ made of, and what does the colour
# change in it?

# %% [markdown] tags=["solution"]
# **Solution.** The rank stays 1 (VALID), but $v = \mathrm{relu}(W * c + b)$ depends on the
# colour $c$: the one singular vector (the direction of $v$) turns, and its singular value
# $M\lVert v\rVert^2$ changes. The border directions of SAME change too, since they are the
# same kind of vectors computed on partial windows.

# %% tags=["solution"]
for grey in (128.0, 30.0):
    image = vgg_mat.preprocess(np.full((64, 64, 3), grey, np.float32), weights)
    g = nst.gram_matrix(relu_conv(tf.cast(image, tf.float64), "VALID")).numpy()[0]
    u, s_values, _ = np.linalg.svd(g)
    print(
        f"grey {grey:5.1f}: rank {int(np.sum(s_values > 1e-10 * s_values[0]))}, "
        f"first singular vector {np.round(u[:4, 0], 3)} ..."
    )
