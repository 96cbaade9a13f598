# %% [markdown]
# # Lesson 6: Style loss, its gradient by hand, and the MMD view
#
# **The question.** What exactly is the style loss $E_l$, what is its gradient with respect to the
# features (worked out by hand, the way Gatys et al. state it), and why does matching Gram matrices
# amount to matching the *distribution* of feature vectors?
#
# **Prerequisites.** L4 (the feature matrix $F$, content loss) and L5 (the Gram matrix).
#
# You will write the style loss, its gradient by hand and the cross term of the MMD yourself,
# each graded against the worked numbers and the library (and the gradient against autodiff and
# finite differences), then prove why Gram matching is distribution matching, and show what it
# cannot see: two clouds of feature vectors with the same Gram matrix and different shapes.
#
# **Expected run time.** About 15 s on 2 CPU cores. No network is needed: everything here is exact
# algebra on small tensors, so nothing depends on the VGG weights.

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
from nst.grading import answer, check, require

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

# %% [markdown]
# **Your turn (1/3).** Write $E_l$: the two raw Gram matrices (loops or a matrix product, as in
# L5), then the normalised sum of squared differences. Both maps have the same size here.


# %%
def style_loss_naive(f_hwc, s_hwc):
    """Gatys' per-layer style loss E_l of two feature maps of the same size.

    Parameters: f_hwc (generated) and s_hwc (style), float arrays of shape (H, W, N).
    Returns: a float, E = 1 / (4 N^2 M^2) * sum over i, j of (G[i, j] - A[i, j])^2, with the raw
    Grams G = F^T F and A = S^T S of the (M, N) = (H * W, N) feature matrices.
    """
    ### BEGIN SOLUTION
    f = f_hwc.reshape(-1, f_hwc.shape[-1])  # (M, N)
    s = s_hwc.reshape(-1, s_hwc.shape[-1])
    m, n = f.shape
    total = 0.0
    for i in range(n):
        for j in range(n):
            g_ij = sum(f[k, i] * f[k, j] for k in range(m))
            a_ij = sum(s[k, i] * s[k, j] for k in range(m))
            total += (g_ij - a_ij) ** 2
    return total / (4 * n**2 * m**2)
    ### END SOLUTION


# %%
Xr, Sr = rng.random((2, 3, 3)), rng.random((2, 3, 3))  # M = 6 positions, N = 3 channels
check(
    "style_loss_naive on random (2, 3, 3) maps",
    answer("style_loss_naive", style_loss_naive, Xr, Sr),
    float(nst.style_loss(Xr, losses.style_target(Sr))),
    rtol=1e-9,
    factors={"4 N^2 M^2": 4 * 9 * 36, "N^2 M^2": 9 * 36, "M^2": 36, "N^2": 9, "N*M": 18},
)
e_naive = style_loss_naive(X, S)
check("style_loss_naive on the seed example, by hand", e_naive, 12689 / 256, rtol=1e-12)
sum_sq = float(
    np.sum((X.reshape(4, 2).T @ X.reshape(4, 2) - S.reshape(4, 2).T @ S.reshape(4, 2)) ** 2)
)
e_lib = float(nst.style_loss(X, losses.style_target(S)))
print(f"sum (G - A)^2 = {sum_sq:.0f}   E (naive) = {e_naive}   E (library) = {e_lib}")
assert sum_sq == 12689  # integers: exact
assert relative_error(e_naive, 49.56640625) < 1e-12  # 12689 / 256, exact in binary
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
# (Gatys stores $F$ as $N \times M$ and writes the same thing as $(F^\top(G-A))_{ji}$.)
#
# **Your turn (2/3).** Write this gradient. The grader compares it with `tf.GradientTape` on the
# library's `style_loss`, with central finite differences of your `style_loss_naive`, and with
# the seed example's numbers below.


# %%
def style_gradient(f_hwc, a):
    """The gradient of Gatys' E_l with respect to the generated features, by hand.

    Parameters: f_hwc, the generated features, a float array of shape (H, W, N); a, the raw
    (N, N) Gram matrix A = S^T S of style features with the same number M = H * W of positions.
    Returns: an (H, W, N) array, dE/dF = F (G - A) / (N^2 M^2) with F the (M, N) matrix of
    f_hwc and G = F^T F, reshaped back to (H, W, N).
    """
    ### BEGIN SOLUTION
    h, w, n = f_hwc.shape
    m = h * w
    f = f_hwc.reshape(m, n)
    return (f @ (f.T @ f - a) / (n**2 * m**2)).reshape(h, w, n)
    ### END SOLUTION


# %%
Ar = Sr.reshape(-1, 3).T @ Sr.reshape(-1, 3)  # the style's raw Gram, (3, 3)
xr_var = tf.Variable(Xr)
with tf.GradientTape() as tape:
    er = nst.style_loss(xr_var, losses.style_target(Sr))
check(
    "style_gradient against tf.GradientTape (random (2, 3, 3) maps)",
    answer("style_gradient", style_gradient, Xr, Ar),
    tape.gradient(er, xr_var).numpy(),
    rtol=1e-9,
    factors={"N^2 M^2": 9 * 36, "M^2": 36, "N^2": 9, "M": 6, "N": 3},
)
check(
    "style_gradient against finite differences of style_loss_naive",
    style_gradient(Xr, Ar),
    numerical_gradient(lambda f: style_loss_naive(f, Sr), Xr, eps=1e-6),
    rtol=1e-6,
)
check(
    "style_gradient on the seed example (as N x M), by hand",
    style_gradient(X, A).reshape(4, 2).T,
    [[-0.6875, -0.65625, -0.65625, -0.6875], [-0.65625, -1.328125, -1.328125, -0.65625]],
    rtol=1e-12,
)

# %% [markdown]
# $F$ is the output of a ReLU, $F = \max(Z, 0)$, so the gradient with respect to the
# pre-activation $Z$ is the same matrix masked by $[Z > 0]$: that is the mask in Gatys' formula.
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


grad_naive = style_gradient(X, A) * (Z > 0)  # yours, through the ReLU: the mask [Z > 0]
grad_closed = statistics.style_gradient_closed_form(X, A, pre_activations=Z)
print("unmasked dE/dF (N x M):\n", statistics.style_gradient_closed_form(X, A).reshape(4, 2).T)
print("masked dE/dZ (N x M):\n", grad_closed.reshape(4, 2).T)
expected = np.array([[-0.6875, 0, 0, -0.6875], [0, -1.328125, -1.328125, 0]])
np.testing.assert_allclose(grad_naive.reshape(4, 2).T, expected, rtol=1e-12, atol=0)
assert np.array_equal(grad_closed.reshape(4, 2).T, expected)  # dyadic fractions: exact
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
#
# **The proof.** The kernel is an inner product of *features of features*. For $x, y \in
# \mathbb{R}^N$,
#
# $$(x^\top y)^2 = \Big(\sum_a x_a y_a\Big)\Big(\sum_b x_b y_b\Big)
#   = \sum_{a,b} (x_a x_b)(y_a y_b) = \langle x x^\top, y y^\top \rangle_F ,$$
#
# so $k(x, y) = \langle \varphi(x), \varphi(y) \rangle_F$ with the feature map
# $\varphi(x) = x x^\top$ (an $N \times N$ matrix: all products of two channels). The inner
# product is linear in each argument, and $\sum_i f_i f_i^\top = F^\top F = G$ (a sum of outer
# products of the rows of $F$), so for every pair of samples
#
# $$\sum_{i,j} (f_i^\top s_j)^2 = \Big\langle \sum_i \varphi(f_i), \sum_j \varphi(s_j)
#   \Big\rangle_F = \langle G, A \rangle_F = \sum_{a,b} G_{ab} A_{ab} .$$
#
# The same step gives $\sum_{i,i'} (f_i^\top f_{i'})^2 = \|G\|_F^2$ and
# $\sum_{j,j'} (s_j^\top s_{j'})^2 = \|A\|_F^2$, and the bracket is
# $\|G\|_F^2 - 2\langle G, A\rangle_F + \|A\|_F^2 = \|G - A\|_F^2$. $\blacksquare$
#
# In MMD's language, $G/M = \frac1M\sum_i \varphi(f_i)$ is the *mean embedding* of the cloud
# under $\varphi$: the average of $x x^\top$, the matrix of second moments $E[x x^\top]$.
#
# Seed example: the cross term is $\langle G, A\rangle_F = 2 \cdot 46 + 2 \cdot 87 = 266$
# (the generated rows $(1,0)$ and $(0,1)$, each twice, pick out the style's channels:
# $1 + 4 + 16 + 25 = 46$ and $25 + 49 + 4 + 9 = 87$).
#
# **Your turn (3/3).** Write the cross term as the sum over pairs, with loops: no Gram matrix.


# %%
def cross_kernel_sum(f, s):
    """The sum over all pairs (i, j) of (f_i . s_j)^2, with explicit loops.

    Parameters: f, an (M, N) float array (rows f_i: the generated image's feature vectors);
    s, an (M', N) float array (rows s_j: the style's); M' may differ from M.
    Returns: a float, sum over i < M and j < M' of (sum over c of f[i, c] * s[j, c])^2.
    """
    ### BEGIN SOLUTION
    total = 0.0
    for f_i in f:
        for s_j in s:
            total += float(np.dot(f_i, s_j)) ** 2
    return total
    ### END SOLUTION


# %%
f_rows, s_rows = rng.normal(size=(5, 3)), rng.normal(size=(7, 3))  # M = 5, M' = 7, N = 3
G_rows, A_rows = f_rows.T @ f_rows, s_rows.T @ s_rows
check(
    "cross_kernel_sum equals <G, A>_F (random, M = 5, M' = 7, N = 3)",
    answer("cross_kernel_sum", cross_kernel_sum, f_rows, s_rows),
    np.sum(G_rows * A_rows),  # the Frobenius inner product of the two Gram matrices
    rtol=1e-10,
    factors={"M M'": 35, "M^2": 25, "M'^2": 49, "N": 3},
)
check("cross_kernel_sum on the seed example, by hand", cross_kernel_sum(f_mn, s_mn), 266.0)
check(
    "the same sum of G with itself: ||G||_F^2", cross_kernel_sum(f_rows, f_rows), np.sum(G_rows**2)
)
# the feature map: phi(x) = x x^T, and the phi of the rows add up to the Gram matrix
phi = np.einsum("ka,kb->kab", f_rows, f_rows)  # (M, N, N): one x x^T per row
np.testing.assert_allclose(phi.sum(axis=0), G_rows, rtol=1e-12)
np.testing.assert_allclose(
    np.einsum("ab,ab->", phi[0], np.outer(s_rows[0], s_rows[0])),
    float(f_rows[0] @ s_rows[0]) ** 2,
    rtol=1e-12,
)


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
three_terms = cross_kernel_sum(f_mn, f_mn) + cross_kernel_sum(s_mn, s_mn)
assert three_terms - 2 * cross_kernel_sum(f_mn, s_mn) == 12689  # your sums, the same bracket
assert bracket / M**2 == 793.0625
assert bracket / M**2 / (4 * N**2) == 49.56640625
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
# ### What a Gram matrix cannot see: everything beyond second moments
#
# The proof says more than "Gram matching is MMD": it says *which* MMD. Under
# $\varphi(x) = x x^\top$ a cloud is summarised by its second moments $E[x x^\top]$ and
# nothing else, so two clouds with the same $G/M$ are *the same style* to $E_l$, however
# different they are. What the Gram matrix misses:
#
# - **higher moments**: skewness, kurtosis (heavy or light tails), multi-modality, the shape of
#   each channel's histogram: how often a feature is strongly on, not only its mean square;
# - **mean and covariance separately**: $G/M = \Sigma + \mu\mu^\top$ (L5) fixes only their sum;
# - **position**, as L5 showed: any permutation of the rows.
#
# An exact example. Draw $M = 400$ vectors in $\mathbb{R}^2$ from a correlated Gaussian, and
# another 400 at the four corners $(\pm1, \pm1)$, then map the second cloud linearly so that
# its Gram matrix is *exactly* the first one's: with $B = S^\top S$,
# $S' = S B^{-1/2} G^{1/2}$ has $S'^\top S' = G^{1/2} B^{-1/2} B B^{-1/2} G^{1/2} = G$. The
# style loss between them is 0 (to rounding), yet one cloud is a bell and the other four
# points: the fourth moments differ by a factor of more than two, and the Gaussian-kernel MMD,
# which compares every moment, is far above its level between two samples of the same
# Gaussian. Gram-based style transfer would call these two textures identical. (Histogram
# losses, Risser et al. 2017, and Gaussian-kernel MMD, Li et al. 2017, are answers to this.)

# %%
moments_rng = np.random.default_rng(1)
M_cloud = 400


def sqrt_psd(g):
    """The symmetric square root of a symmetric positive definite matrix."""
    eigenvalues, vectors = np.linalg.eigh(g)
    return (vectors * np.sqrt(eigenvalues)) @ vectors.T


root_c = sqrt_psd(np.array([[1.0, 0.6], [0.6, 1.0]]))
bell = moments_rng.normal(size=(M_cloud, 2)) @ root_c  # a correlated Gaussian cloud
bell_again = moments_rng.normal(size=(M_cloud, 2)) @ root_c  # a second sample of the same law
corners = moments_rng.choice([-1.0, 1.0], size=(M_cloud, 2))  # four points
G_bell = bell.T @ bell
four = corners @ np.linalg.inv(sqrt_psd(corners.T @ corners)) @ sqrt_psd(G_bell)


def as_map(rows):
    """(M, N) samples as an (M, 1, N) feature map for nst.statistics."""
    return rows.reshape(-1, 1, rows.shape[-1])


gram_gap = relative_error(four.T @ four, G_bell)
e_clouds = float(nst.style_loss(as_map(four), losses.style_target(as_map(bell))))
fourth = {"bell": np.mean(bell**4, axis=0), "four points": np.mean(four**4, axis=0)}
mmd_gauss = float(statistics.mmd2(as_map(bell), as_map(four), kernel="gauss", sigma=0.5))
mmd_floor = float(statistics.mmd2(as_map(bell), as_map(bell_again), kernel="gauss", sigma=0.5))
print(f"Gram matrices: relative error {gram_gap:.1e};  style loss E_l = {e_clouds:.1e}")
print(f"E[x^4] per channel: bell {fourth['bell']}, four points {fourth['four points']}")
print(f"Gaussian-kernel MMD^2 (sigma 0.5): bell vs four points {mmd_gauss:.4f},")
print(f"  bell vs another sample of the same Gaussian {mmd_floor:.4f}")
assert gram_gap < 1e-12  # the same Gram matrix ...
assert e_clouds < 1e-12 * float(np.sum(G_bell**2)) / M_cloud**2  # ... so E_l is 0 (rounding)
assert np.all(fourth["bell"] > 2 * fourth["four points"])  # ... but not the same fourth moments
assert mmd_gauss > 10 * mmd_floor  # ... and a kernel that sees all moments tells them apart

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
axes[0].scatter(*bell.T, s=5, alpha=0.5, label="Gaussian cloud")
axes[0].scatter(*four.T, s=30, marker="x", color="C3", label="four points, same Gram")
axes[0].set_aspect("equal")
axes[0].set_title("Two clouds, one Gram matrix")
axes[0].legend(fontsize=8, loc="upper left")
for c in range(2):
    bins = np.linspace(-3.5, 3.5, 36)
    axes[1 + c].hist(bell[:, c], bins=bins, alpha=0.6, label="Gaussian")
    axes[1 + c].hist(four[:, c], bins=bins, alpha=0.6, color="C3", label="four points")
    axes[1 + c].set_title(f"channel {c}: same mean square, other histogram", fontsize=10)
    axes[1 + c].legend(fontsize=8)
fig.tight_layout()
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
# - Why: $(x^\top y)^2 = \langle x x^\top, y y^\top\rangle_F$, so
#   $\sum_{i,j}(f_i^\top s_j)^2 = \langle G, A\rangle_F$. The Gram matrix is the mean of
#   $x x^\top$: second moments only. Clouds with equal $G/M$ but different histograms, tails or
#   modes are the same style to $E_l$ (the bell and the four points: $E_l = 0$).
#
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/06_style_loss_gradient_and_mmd.ipynb`.

# %% [markdown]
# **Exercise 1.** Derive $\partial E / \partial F$ for the TF tutorial's convention (Gram $/M$,
# mean over the $N^2$ entries) and write it. The cell after it checks it against
# `tf.GradientTape` on the library's `style_loss(..., convention="tf-tutorial")`.


# %%
def tf_tutorial_gradient(f_hwc, a):
    """The gradient of the TF tutorial's style term mean((G/M - A/M)^2) with respect to F.

    Parameters and returns as style_gradient (raw Gram a of a style with M positions).
    """
    ### BEGIN SOLUTION
    # mean((G - A)^2 / M^2) = sum (G - A)^2 / (N^2 M^2) = 4 E: the gradient is 4x Gatys'.
    return 4 * style_gradient(f_hwc, a)
    ### END SOLUTION


# %%
xr_var = tf.Variable(Xr)
with tf.GradientTape() as tape:
    e_tf = nst.style_loss(
        xr_var, losses.style_target(Sr), convention="tf-tutorial", image_positions=6
    )
check(
    "exercise 1: the TF tutorial's gradient against tf.GradientTape",
    answer("tf_tutorial_gradient", tf_tutorial_gradient, Xr, Ar),
    tape.gradient(e_tf, xr_var).numpy(),
    rtol=1e-9,
    factors={"4": 4.0, "N^2": 9, "M": 6, "M^2": 36},
)

# %% [markdown]
# **Exercise 2.** Show by hand that the linear-kernel MMD$^2$ is $\|\mu_F - \mu_S\|^2$. Then
# return a generated $(2, 2, 2)$ feature map with zero linear MMD to the seed style but a
# non-zero $E_l$.
#
# *Hint:* $\sum_{i,j} f_i^\top s_j = (\sum_i f_i)^\top (\sum_j s_j) = M^2 \mu_F^\top\mu_S$.
# Which maps have the style's channel means, $(3, 4.25)$, but not its second moments?


# %%
def exercise_2():
    """A (2, 2, 2) feature map with the seed style's channel means but another Gram matrix."""
    ### BEGIN SOLUTION
    # Linear MMD^2 = |mu_F|^2 + |mu_S|^2 - 2 mu_F . mu_S = |mu_F - mu_S|^2. A constant map at
    # the style's mean has the same mean, but no spread: its Gram is M mu mu^T, not A.
    return np.tile(s_mn.mean(axis=0), (2, 2, 1))
    ### END SOLUTION


# %%
mine = answer("exercise_2", exercise_2)
require(
    "exercise 2: a (2, 2, 2) array",
    mine is not None and np.shape(mine) == (2, 2, 2),
    f"return a feature map of shape (2, 2, 2), not {type(mine).__name__} {np.shape(mine)}",
)
mine = np.asarray(mine, np.float64)
check("exercise 2: the channel means", mine.reshape(4, 2).mean(axis=0), [3.0, 4.25])
require(
    "exercise 2: zero linear MMD",
    abs(float(statistics.mmd2(mine, S, kernel="linear"))) < 1e-9,
    "the linear-kernel MMD^2 is not 0: the channel means differ",
)
require(
    "exercise 2: a non-zero style loss",
    float(nst.style_loss(mine, losses.style_target(S))) > 1e-6,
    "E_l is 0: this map has the style's Gram matrix too (a permutation of its rows?)",
)

# %% [markdown]
# **Exercise 3.** Replace the Gaussian bandwidth $\sigma = 1$ by 10 and by 0.1. What happens to
# MMD$^2$ on the seed example, and why (look at the kernel matrices)?
#
# *Hint:* the seed's feature vectors are several units apart. What is
# $\exp(-d^2 / (2\sigma^2))$ for $d \approx 5$ when $\sigma = 0.1$, and when $\sigma = 10$?

# %% [markdown] tags=["solution"]
# **Solution.** With $\sigma = 0.1$ every kernel value between distinct vectors is
# $\approx 0$ (the seed's vectors are at least 1 apart: $e^{-50}$): the kernel matrices only
# count coincidences. The generated map repeats each of its two vectors twice, so its sum is
# 8; the four style vectors are distinct, sum 4; the cross sum is 0: MMD$^2 = (8 + 4)/16 =
# 0.75$. The loss saturates and its gradient vanishes: it no longer sees distances. With
# $\sigma = 10$ the kernel is nearly $1 - \|x - y\|^2/200$ for every pair: MMD$^2$ becomes
# small, close to $\|\mu_F - \mu_S\|^2 / \sigma^2$ (the means only, as the linear kernel). A
# useful bandwidth is of the order of the distances between samples.

# %% tags=["solution"]
for sigma in (0.1, 1.0, 10.0):
    value = float(statistics.mmd2(X, S, kernel="gauss", sigma=sigma))
    print(f"sigma = {sigma:5}: MMD^2 = {value:.6f}")
print("|mu_F - mu_S|^2 / sigma^2 at sigma = 10:", np.sum((f_mn.mean(0) - s_mn.mean(0)) ** 2) / 100)

# %% [markdown]
# **Exercise 4.** Make $Z$ have an entry exactly 0 and rerun the finite-difference check. Which
# entry breaks, and by how much?
#
# *Hint:* at $Z_{ki} = 0$ the ReLU has a kink. Central differences average the slopes on both
# sides; autodiff (TensorFlow) takes the slope of the side it defines ($\mathrm{relu}'(0) = 0$).

# %% [markdown] tags=["solution"]
# **Solution.** Only the entry at 0 differs: autodiff gives 0 there (TensorFlow's
# $\mathrm{relu}'(0) = 0$), the central difference gives about half of the unmasked gradient
# $(F(G - A))_{ki}/(N^2M^2)$ (the average of the slopes 0 and 1), so the relative error at that
# entry is 1 and every other entry still agrees to $\sim 10^{-9}$.

# %% tags=["solution"]
Z_kink = Z.copy()
Z_kink[0, 1, 0] = 0.0  # was -1: now exactly at the kink
zk = tf.Variable(Z_kink)
with tf.GradientTape() as tape:
    ek = nst.style_loss(tf.nn.relu(zk), target)
auto_k = tape.gradient(ek, zk).numpy()
fd_k = numerical_gradient(e_of_z, Z_kink, eps=1e-6)
unmasked = style_gradient(np.maximum(Z_kink, 0), A)
print("autodiff at the kink:", auto_k[0, 1, 0], " finite differences:", fd_k[0, 1, 0])
print("half the unmasked gradient there:", unmasked[0, 1, 0] / 2)
others = np.ones(Z.shape, bool)
others[0, 1, 0] = False
print(f"the other entries: relative error {relative_error(auto_k[others], fd_k[others]):.1e}")
