# %% [markdown]
# # Lesson 6: Style loss, its gradient by hand, and the MMD view
#
# **The question.** What exactly is the style loss $E_l$, what is its gradient with respect to the
# features (worked out by hand, the way Gatys et al. state it), and why does matching Gram matrices
# amount to matching the *distribution* of feature vectors?
#
# **Prerequisites.** L4 (the feature matrix $F$, content loss) and L5 (the Gram matrix).
#
# **Expected run time.** About 10 s on 2 CPU cores. No network is needed: everything here is exact
# algebra on tiny tensors, so nothing depends on the VGG weights.

# %%
# %load_ext autoreload
# %autoreload 2
import inspect

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import nst
from nst import losses, statistics
from nst.gradcheck import numerical_gradient, relative_error

np.set_printoptions(precision=6, suppress=True)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. The idea
#
# A layer's activations for one image form the $(M, N)$ matrix $F$: $M = H W$ positions (rows) and
# $N = C$ channels (columns). Its raw Gram matrix is $G = F^\top F$ ($N \times N$). For the style
# image the same construction gives $A$. Gatys' per-layer style loss is
#
# $$E_l = \frac{1}{4 N^2 M^2} \sum_{i,j} (G_{ij} - A_{ij})^2, \qquad
#   L_\text{style} = \sum_l w_l E_l .$$
#
# `nst.style_loss` computes it from the style image's Gram *per position*, $\hat A = A_s / M_s$,
# wrapped in a `StyleTarget` (`nst.losses.style_target`), so that a style image of any size can be
# used; when the two images have the same size this is exactly the formula above. A plain Gram
# tensor is refused (compared as it is, a raw Gram would make the loss $M^2$ times too large).
# Here is the library's real code:

# %%
print(inspect.getsource(losses.style_target))
print(inspect.getsource(losses.style_loss))

# %% [markdown]
# ## 2. A toy example you can check by hand
#
# The style features are L5's seed example: two $2\times2$ channels $[[1,2],[4,5]]$ and
# $[[5,7],[2,3]]$, so $A = [[46, 42], [42, 87]]$. The generated features are the channels
# $[[1,0],[0,1]]$ and $[[0,1],[1,0]]$, whose Gram is $G = [[2,0],[0,2]]$. With $N = 2$, $M = 4$:
#
# $$G - A = \begin{pmatrix}-44 & -42\\ -42 & -85\end{pmatrix},\quad
#   \sum (G-A)^2 = 1936 + 2\cdot1764 + 7225 = 12689,\quad
#   E = \frac{12689}{4 \cdot 4 \cdot 16} = \frac{12689}{256} = 49.56640625 .$$

# %%
S = np.array([[[1, 5], [2, 7]], [[4, 2], [5, 3]]], dtype=np.float64)  # style, (H, W, C)
X = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], dtype=np.float64)  # generated, (H, W, C)


def style_loss_naive(f_hwc, s_hwc):
    """Gatys' E_l with explicit loops: raw Grams, then the normalised sum of squares."""
    f = f_hwc.reshape(-1, f_hwc.shape[-1])  # (M, N)
    s = s_hwc.reshape(-1, s_hwc.shape[-1])
    m, n = f.shape
    total = 0.0
    for i in range(n):
        for j in range(n):
            g_ij = sum(f[k, i] * f[k, j] for k in range(m))
            a_ij = sum(s[k, i] * s[k, j] for k in range(m))
            total += (g_ij - a_ij) ** 2
    return total, total / (4 * n**2 * m**2)


sum_sq, e_naive = style_loss_naive(X, S)
e_lib = float(nst.style_loss(X, losses.style_target(S)))
print(f"sum (G - A)^2 = {sum_sq:.0f}   E (naive) = {e_naive}   E (library) = {e_lib}")
assert sum_sq == 12689  # integers: exact
assert e_naive == 49.56640625  # 12689 / 256 is exact in binary floating point
assert relative_error(e_lib, e_naive) < 1e-12  # float64 library vs loops
# the raw Gram A itself, said to be a Gram over M_s = 4 positions, gives the same E
from_gram = losses.StyleTarget.from_gram(losses.gram_matrix(S), positions=4)
assert float(nst.style_loss(X, from_gram)) == e_lib
try:  # ... and the natural call with a plain Gram tensor is refused, saying what to pass
    nst.style_loss(X, losses.gram_matrix(S))
except TypeError as error:
    print("TypeError:", error)

# %% [markdown]
# ### The same example under every tutorial's convention
#
# Tutorials normalise the Gram and reduce the squared difference differently, so the *same* images
# give different numbers. Each convention is $c(N, M) \cdot E$ (L10 derives $c$ for each). Below,
# three tutorials' formulas are written out in the notebook exactly as their code does it, and
# checked against `nst.style_loss(..., convention=...)`.

# %%
f_mn, s_mn = X.reshape(4, 2), S.reshape(4, 2)
M, N = f_mn.shape
G, A = f_mn.T @ f_mn, s_mn.T @ s_mn
naive = {
    # TF tutorial: einsum Gram / num_locations, then mean over the N^2 entries
    "tf-tutorial": np.mean((G / M - A / M) ** 2),
    # PyTorch tutorial: Gram / (a*b*c*d) = / (N M), then MSELoss (mean over N^2)
    "pytorch-tutorial": np.mean((G / (N * M) - A / (N * M)) ** 2),
    # CS231n: Gram / (H W C), then a plain sum of squares
    "cs231n": np.sum((G / (N * M) - A / (N * M)) ** 2),
    # Keras example: raw Grams, sum / (4 * channels^2 * size^2) with channels = 3 hard-coded
    "keras-example": np.sum((G - A) ** 2) / (4.0 * 3**2 * M**2),
}
for name, value in naive.items():
    lib = float(nst.style_loss(X, losses.style_target(S), convention=name, image_positions=M))
    print(f"{name:18s} naive {value:14.7f}  library {lib:14.7f}  ratio to E {value / e_naive:.6f}")
    assert relative_error(lib, value) < 1e-12
assert naive["tf-tutorial"] == 198.265625 == 4 * e_naive  # c = 4
assert naive["pytorch-tutorial"] == e_naive  # c = 4 / N^2 = 1, only because N = 2
assert naive["cs231n"] == 198.265625
assert relative_error(naive["keras-example"], 22.0295139) < 1e-8  # c = N^2 / 9 when M_img = M

# %%
conventions = [c for c in losses.STYLE_CONVENTIONS]
values = [
    float(nst.style_loss(X, losses.style_target(S), convention=c, image_positions=M))
    for c in conventions
]
fig, ax = plt.subplots(figsize=(8, 3.2))
ax.bar(conventions, values, color=["C3" if c == "gatys" else "C0" for c in conventions])
ax.set_yscale("log")
ax.set_ylabel("per-layer style term")
ax.set_title("The same features, every convention (seed example, N = 2, M = 4)")
ax.axhline(e_naive, color="C3", lw=0.8, ls="--")
for i, v in enumerate(values):
    ax.text(i, v * 1.3, f"{v:.4g}", ha="center", fontsize=7)
ax.tick_params(axis="x", rotation=60, labelsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. The gradient, by hand
#
# Write $D = G - A$. Since $G_{ab} = \sum_k F_{ka} F_{kb}$, a change in one feature $F_{ki}$ moves
# row $i$ and column $i$ of $G$: $\partial G_{ab} / \partial F_{ki} = \delta_{ai} F_{kb} +
# \delta_{bi} F_{ka}$. Therefore
#
# $$\frac{\partial E_l}{\partial F_{ki}} = \frac{2}{4N^2M^2}\sum_{a,b} D_{ab}
#   \frac{\partial G_{ab}}{\partial F_{ki}} = \frac{4}{4N^2M^2}\sum_b D_{ib}F_{kb}
#   = \frac{1}{N^2M^2}\,\big(F (G - A)\big)_{ki}$$
#
# (Gatys stores $F$ as $N \times M$ and writes the same thing as $(F^\top(G-A))_{ji}$.) $F$ is the
# output of a ReLU, $F = \max(Z, 0)$, so the gradient with respect to the pre-activation $Z$ is the
# same matrix masked by $[Z > 0]$: that is the mask in Gatys' formula.
#
# Take the pre-activations $Z$ below (channels as rows, $N \times M$): $\operatorname{relu}(Z)$ is
# exactly our generated features. By hand,
# $F(G - A)/(N^2M^2)$ is $[[-0.6875, -0.65625, -0.65625, -0.6875], [-0.65625, -1.328125,
# -1.328125, -0.65625]]$ (as $N\times M$), and after the mask
# $[[-0.6875, 0, 0, -0.6875], [0, -1.328125, -1.328125, 0]]$.

# %%
Z_nm = np.array([[1, -1, -2, 1], [-3, 1, 1, -1]], dtype=np.float64)  # (N, M) as Gatys writes it
Z = Z_nm.T.reshape(2, 2, 2).copy()  # (H, W, C), C-contiguous
assert np.array_equal(np.maximum(Z, 0), X)


def style_grad_naive(f_hwc, a, z_hwc):
    """dE/dZ with loops: (1 / (N^2 M^2)) sum_b (G - A)_ib F_kb, times [Z_ki > 0]."""
    f = f_hwc.reshape(-1, f_hwc.shape[-1])  # (M, N)
    z = z_hwc.reshape(f.shape)
    m, n = f.shape
    g = f.T @ f
    grad = np.zeros_like(f)
    for k in range(m):
        for i in range(n):
            grad[k, i] = sum((g[i, b] - a[i, b]) * f[k, b] for b in range(n)) / (n**2 * m**2)
            grad[k, i] *= z[k, i] > 0
    return grad.reshape(f_hwc.shape)


grad_naive = style_grad_naive(X, A, Z)
grad_closed = statistics.style_gradient_closed_form(X, A, pre_activations=Z)
print("unmasked dE/dF (N x M):\n", statistics.style_gradient_closed_form(X, A).reshape(4, 2).T)
print("masked dE/dZ (N x M):\n", grad_closed.reshape(4, 2).T)
expected = np.array([[-0.6875, 0, 0, -0.6875], [0, -1.328125, -1.328125, 0]])
assert np.array_equal(grad_naive.reshape(4, 2).T, expected)  # dyadic fractions: exact
assert np.array_equal(grad_closed, grad_naive)
assert np.array_equal(
    statistics.style_gradient_closed_form(X, A).reshape(4, 2).T,
    [[-0.6875, -0.65625, -0.65625, -0.6875], [-0.65625, -1.328125, -1.328125, -0.65625]],
)

# %% [markdown]
# The library function that computes this closed form (numpy, float64, independent of TF):

# %%
print(inspect.getsource(statistics.style_gradient_closed_form))

# %% [markdown]
# ### Three independent checks: closed form, autodiff and finite differences
#
# `tf.GradientTape` differentiates the library's `style_loss` through the ReLU; `numerical_gradient`
# perturbs each $Z_{ki}$ by $\pm h$ ($h = 10^{-6}$, float64). $Z$ is kept away from 0, where the
# ReLU has a kink and a finite difference would straddle it.

# %%
target = losses.style_target(S)


def e_of_z(z):
    return nst.style_loss(tf.nn.relu(tf.constant(z)), target)


z_var = tf.Variable(Z)
with tf.GradientTape() as tape:
    e = nst.style_loss(tf.nn.relu(z_var), target)
grad_auto = tape.gradient(e, z_var).numpy()
grad_fd = numerical_gradient(e_of_z, Z, eps=1e-6)
err_auto = relative_error(grad_auto, grad_closed)
err_fd = relative_error(grad_fd, grad_closed)
print(f"relative error autodiff vs closed form: {err_auto:.2e}; finite differences: {err_fd:.2e}")
assert err_auto < 1e-12
assert err_fd < 1e-6

# A gradient with a mistake (forgetting the 4 that the two chain-rule factors of 2 bring)
# must FAIL the same check: this is what makes the check worth running.
wrong = grad_closed / 4
assert relative_error(wrong, grad_auto) > 0.5

# %% [markdown]
# On a bigger random example (an $8\times8$ map with 16 channels, style from a different image
# size) the closed form and autodiff still agree to rounding error. Each dot below is one
# $\partial E/\partial Z_{ki}$; they all sit on the line $y = x$. The zeros are the positions the
# ReLU switched off.

# %% tags=["gallery"]
Zb = rng.normal(size=(8, 8, 16))
Zb[np.abs(Zb) < 0.05] = 0.1  # away from the kink
# Same statistics as relu(Z), so that G - A has both signs:
Sb = np.maximum(rng.normal(size=(8, 8, 16)), 0.0)
Ab = Sb.reshape(-1, 16).T @ Sb.reshape(-1, 16)
zb = tf.Variable(Zb)
with tf.GradientTape() as tape:
    eb = nst.style_loss(tf.nn.relu(zb), losses.style_target(Sb))
auto_b = tape.gradient(eb, zb).numpy()
closed_b = statistics.style_gradient_closed_form(np.maximum(Zb, 0), Ab, pre_activations=Zb)
err_b = relative_error(auto_b, closed_b)
print(f"8x8x16 example: relative error {err_b:.2e}")
assert err_b < 1e-10

fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), gridspec_kw={"width_ratios": [1.3, 1, 1]})
axes[0].scatter(1e4 * closed_b.ravel(), 1e4 * auto_b.ravel(), s=4)
lim = 1e4 * np.abs(closed_b).max() * 1.1
axes[0].plot([-lim, lim], [-lim, lim], "k--", lw=0.8)
axes[0].set_xlabel("closed form F(G - A)/(N²M²)·[Z>0]   (×1e-4)")
axes[0].set_ylabel("tf.GradientTape   (×1e-4)")
axes[0].set_title(f"8x8x16 example: relative error {err_b:.1e}", fontsize=10)
for c in range(2):
    im = axes[1 + c].imshow(grad_closed[..., c], cmap="RdBu_r", vmin=-1.4, vmax=1.4)
    for (h, w), v in np.ndenumerate(grad_closed[..., c]):
        axes[1 + c].text(w, h, f"{v + 0.0:.4g}", ha="center", va="center", fontsize=9)
    axes[1 + c].set_title(f"seed example: dE/dZ, channel {c}", fontsize=10)
    axes[1 + c].set_xticks([])
    axes[1 + c].set_yticks([])
fig.colorbar(im, ax=axes[1:], shrink=0.8)
plt.show()

# %% [markdown]
# ## 4. The MMD view: Gram matching is distribution matching
#
# Read each row $f_k$ of $F$ (one position's channel vector) as a *sample* from a distribution, and
# the rows $s_k$ of the style features as samples from another. The squared maximum mean
# discrepancy with kernel $k$ compares the two samples:
#
# $$\mathrm{MMD}^2 = \frac{1}{M^2}\Big[\sum_{i,j} k(f_i, f_j) + \sum_{i,j} k(s_i, s_j)
#   - 2\sum_{i,j} k(f_i, s_j)\Big].$$
#
# Li et al. (2017) noticed that with $k(x, y) = (x^\top y)^2$ the bracket is exactly
# $\|G\|^2 + \|A\|^2 - 2\langle G, A\rangle = \sum (G - A)^2$, so $E_l = \mathrm{MMD}^2 / (4N^2)$:
# the style loss asks the two *clouds of feature vectors* to look alike, wherever in the image each
# vector sits. Other kernels give other style losses: a linear kernel matches only the means, a
# Gaussian kernel matches every moment.


# %%
def mmd2_naive(f, s, k):
    """The three kernel sums with explicit loops over pairs of rows."""
    ff = sum(k(a, b) for a in f for b in f)
    ss = sum(k(a, b) for a in s for b in s)
    fs = sum(k(a, b) for a in f for b in s)
    return ff + ss - 2 * fs


def poly2(x, y):
    return float(x @ y) ** 2


bracket = mmd2_naive(f_mn, s_mn, poly2)
print("kernel sums with k = (x.y)^2:", bracket, "  MMD^2 =", bracket / M**2)
assert bracket == 12689 == sum_sq  # exactly the sum of squared Gram differences
assert bracket / M**2 == 793.0625
assert bracket / M**2 / (4 * N**2) == e_naive == 49.56640625
assert float(statistics.mmd2(X, S, kernel="poly2")) == 793.0625

# %% [markdown]
# The library's `nst.statistics.mmd2` computes the three sums with kernel matrices instead of
# loops (and works for any kernel, differentiably):

# %%
print(inspect.getsource(statistics.mmd2))

# %%
gauss = lambda x, y: np.exp(-np.sum((x - y) ** 2) / 2.0)  # noqa: E731  (sigma = 1)
linear = lambda x, y: float(x @ y)  # noqa: E731
table = {
    "poly2  (Gram, = 4 N^2 E)": (bracket / M**2, float(statistics.mmd2(X, S))),
    "linear (means only)": (
        mmd2_naive(f_mn, s_mn, linear) / M**2,
        float(statistics.mmd2(X, S, kernel="linear")),
    ),
    "gauss, sigma = 1": (
        mmd2_naive(f_mn, s_mn, gauss) / M**2,
        float(statistics.mmd2(X, S, kernel="gauss", sigma=1.0)),
    ),
}
bn_naive = np.mean((f_mn.mean(0) - s_mn.mean(0)) ** 2 + (f_mn.std(0) - s_mn.std(0)) ** 2)
table["BN statistics (mean, std)"] = (bn_naive, float(statistics.mean_std_loss(X, S)))
for name, (nv, lib) in table.items():
    print(f"{name:28s} naive {nv:12.6f}   library {lib:12.6f}")
    assert relative_error(nv, lib) < 1e-12
assert table["linear (means only)"][0] == 20.3125  # |(0.5,0.5) - (3,4.25)|^2 = 6.25 + 14.0625
assert relative_error(table["BN statistics (mean, std)"][0], 11.749287366) < 1e-9
assert relative_error(table["gauss, sigma = 1"][0], 0.989727321737) < 1e-9

# %% [markdown]
# With $N = 2$ channels every feature vector is a point in the plane, so we can *see* what the
# losses compare: the generated features sit at $(1,0)$ and $(0,1)$, the style features far away.
# Shuffling the positions of either cloud changes nothing above (see L5): MMD never looks at
# where a sample came from.

# %%
fig, ax = plt.subplots(figsize=(4.2, 4))
ax.scatter(*s_mn.T, s=60, label="style features $s_k$")
ax.scatter(*f_mn.T, s=60, marker="s", label="generated features $f_k$")
ax.scatter(*s_mn.mean(0), marker="x", s=80, color="C0", label="style mean")
ax.scatter(*f_mn.mean(0), marker="x", s=80, color="C1", label="generated mean")
ax.set_xlabel("channel 0")
ax.set_ylabel("channel 1")
ax.set_title("Two clouds of feature vectors")
ax.legend(fontsize=8, loc="lower right")
ax.set_aspect("equal")
plt.show()

# %% [markdown]
# ## What to remember
#
# - $E_l = \sum (G - A)^2 / (4N^2M^2)$ with raw Grams; every tutorial's style term is
#   $c(N, M)\,E_l$ for a known constant (here 4, $4/N^2$, $N^2/9$ ...): same minimiser, different
#   scale (L10).
# - $\partial E_l / \partial F = F(G - A)/(N^2M^2)$, masked by $[Z > 0]$ through the ReLU. It
#   agrees with autodiff to rounding error and with finite differences to $\sim10^{-9}$.
# - A gradient check that does not fail on a wrong gradient proves nothing: try one.
# - $E_l = \mathrm{MMD}^2/(4N^2)$ with kernel $(x^\top y)^2$: Gram matching compares the
#   distributions of feature vectors and ignores positions. Other kernels give other style losses.
#
# ## Exercises
#
# 1. Derive $\partial E_l / \partial F$ for the TF tutorial's convention (Gram $/M$, mean over
#    $N^2$) and check that it is $4\times$ Gatys' gradient with `tf.GradientTape`.
# 2. Show by hand that the linear-kernel MMD$^2$ is $\|\mu_F - \mu_S\|^2$. Which generated feature
#    maps have zero linear MMD to the seed style but a non-zero $E_l$?
# 3. Replace the Gaussian bandwidth $\sigma = 1$ by 10 and by 0.1. What happens to MMD$^2$ on the
#    seed example, and why (look at the kernel matrices)?
# 4. Make $Z$ have an entry exactly 0 and rerun the finite-difference check. Which entry breaks,
#    and by how much?
