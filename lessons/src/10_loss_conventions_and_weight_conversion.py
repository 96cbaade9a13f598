# %% [markdown]
# # Lesson 10: Loss conventions across tutorials, and converting weights
#
# **The question.** Every popular style-transfer implementation normalises its losses its own
# way, so a "style weight of 1e6" means nothing on its own. How exactly do the conventions differ,
# and how do you convert one tutorial's weights so that another implementation computes *the same
# total loss*?
#
# **Prerequisites.** L4 (content loss $L_c$), L6 (style loss $E_l$ and its conventions).
#
# **Expected run time.** About 15 s on 2 CPU cores. Sections 1-3 and 5 are exact algebra; section 4
# runs a few forward passes of a network on $64\times64$ images (the real VGG-19 when
# `vgg_mat.find_weights()` finds it, otherwise a synthetic miniature with random weights: the
# algebra is identical either way).

# %%
# %load_ext autoreload
# %autoreload 2
import dataclasses
import inspect

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import nst
import vgg_mat
from nst import conventions, losses, presets
from nst.gradcheck import relative_error
from nst.grading import answer, check
from vgg_mat import geometry

np.set_printoptions(precision=6, suppress=True)

# %% [markdown]
# ## 1. Gatys' units, and the two factors
#
# For a layer with $N$ channels and $M = HW$ positions, raw Grams $G = F^\top F$ and $A$, Gatys'
# units are
#
# $$E_l = \frac{1}{4N^2M^2}\sum (G - A)^2, \qquad L_c = \tfrac12 \sum (F - P)^2 .$$
#
# Any implementation X computes a per-layer style term and a content term that are these times a
# constant that depends only on the layer's shape:
#
# $$c_X(N, M) = \frac{\text{X's style term}}{E_l}, \qquad d_X(N, M) = \frac{\text{X's content
# term}}{L_c}.$$
#
# The library keeps every convention in **one table**, `nst.conventions.CONVENTIONS`: a row per
# convention with its formula, its factor ($d$ for content, $c$ for style, as a function of $N$,
# $M$ and, for Keras, $M_{img}$ the input's pixels) and its sources. The tables below are printed
# from it (not typed), so they cannot drift from what the code computes. Note the content side:
# an MSE content loss has $d = 2/(NM)$, and deeplearning.ai's $\frac{1}{4NM}\sum(F-P)^2$ has
# $d = 1/(2NM)$, both depending on the layer's size.

# %%
for term in ("content", "style"):
    print("\n".join(conventions.table_lines(term)), end="\n\n")

# %% [markdown]
# `nst.presets.convention_factor` and `content_factor` return $c$ and $d$:

# %%
print(inspect.getsource(presets.convention_factor))
print(inspect.getsource(presets.content_factor))

# %% [markdown]
# ## 2. One example, every convention
#
# L6's seed example had $N = 2$, where $4/N^2 = 1$ hides the difference. Here is a $2\times3$
# map with $N = 4$ channels, $M = 6$ positions, small integers you can still check by hand:
#
# $$X_{hwc} = (12h + 4w + c) \bmod 5,\quad S_{hwc} = 7(12h + 4w + c) \bmod 4,\quad
#   P_{hwc} = 3(12h + 4w + c) \bmod 7 .$$
#
# The generated features $X$, style features $S$ and content features $P$ give
# $\sum (G - A)^2 = 5102$, so $E = 5102/(4\cdot16\cdot36) = 2.2144097\ldots$, and
# $L_c = \frac12\sum(X - P)^2 = 76$.
#
# Below, each tutorial's style term is written out **as its own code computes it**, and compared
# with the library's `nst.style_loss(..., convention=...)` and with the predicted $c\,E$.

# %%
h, w, c = np.meshgrid(np.arange(2), np.arange(3), np.arange(4), indexing="ij")
index = 12 * h + 4 * w + c
X = (index % 5).astype(np.float64)  # generated, (H, W, C) = (2, 3, 4)
S = ((7 * index) % 4).astype(np.float64)  # style
P = ((3 * index) % 7).astype(np.float64)  # content
F_, S_ = X.reshape(6, 4), S.reshape(6, 4)  # (M, N)
M, N = F_.shape
G, A = F_.T @ F_, S_.T @ S_
M_IMG = M  # pretend the layer is the input itself (Keras' formula uses the input's pixels)

sum_sq = np.sum((G - A) ** 2)
E = sum_sq / (4 * N**2 * M**2)
L_c = 0.5 * np.sum((X - P) ** 2)
print(f"sum (G - A)^2 = {sum_sq:.0f}, E = {E:.10f}, L_c = {L_c:.0f}")
assert sum_sq == 5102 and L_c == 76  # integers: exact
assert relative_error(E, 2.2144097222) < 1e-10


def mean(x):
    return np.mean(x)


# Each tutorial's per-layer style term, in the form its code uses (G, A raw Grams).
style_terms = {
    "gatys": np.sum((G - A) ** 2) / (4 * N**2 * M**2),
    "coursera": np.sum((G - A) ** 2) / (4 * N**2 * M**2),  # J_style_layer, (2 n_C n_H n_W)^2
    "tf-tutorial": mean((G / M - A / M) ** 2),  # einsum / num_locations, reduce_mean
    "gatys-notebook": mean((G / M - A / M) ** 2),  # GramMatrix / (h w), nn.MSELoss
    "cs231n": np.sum((G / (N * M) - A / (N * M)) ** 2),  # gram / (H W C), sum
    "johnson": np.sum((G / (N * M) - A / (N * M)) ** 2),  # squared Frobenius norm
    "pytorch-tutorial": mean((G / (N * M) - A / (N * M)) ** 2),  # / (a b c d), MSELoss
    "anish": 2 * (0.5 * np.sum((G / (N * M) - A / (N * M)) ** 2)) / N**2,  # 2 l2_loss / size
    "jcjohnson": mean((G / (N * M) - A / (N * M)) ** 2),  # MSECriterion
    "d2l": mean((G / (N * M) - A / (N * M)) ** 2),  # (gram(Y) - gram_Y).square().mean()
    "keras-example": np.sum((G - A) ** 2) / (4.0 * 3**2 * M_IMG**2),  # channels = 3 hard-coded
    "fastai-2018": mean((1e6 * G / (N * M) - 1e6 * A / (N * M)) ** 2),  # gram * 1e6, MSE
}
assert set(style_terms) == set(losses.STYLE_CONVENTIONS)  # every library convention covered

target = losses.style_target(S)
rows = []
for name, term in style_terms.items():
    lib = float(nst.style_loss(X, target, convention=name, image_positions=M_IMG))
    factor = presets.convention_factor(name, N, M, M_img=M_IMG)
    rows.append((name, term, lib, term / E, factor))
    print(f"{name:17s} own formula {term:16.10g}  library {lib:16.10g}  term/E {term / E:12.6g}")
    assert relative_error(lib, term) < 1e-12  # the library reproduces the tutorial's formula
    assert relative_error(term / E, factor) < 1e-12  # ... and the predicted factor c(N, M)

# %% [markdown]
# The ratios are exactly the predicted ones: **4** (TF tutorial, CS231n), **1/4** $= 4/N^2$
# (PyTorch, anish, jcjohnson, d2l), **16/9** $= N^2/9$ (Keras, with $M_{img} = M$) and
# $2.5\times10^{11} = 4\cdot10^{12}/N^2$ (fast.ai). The author's own notebook multiplies its
# factor 4 by its layer weights $10^3/N^2$: $4\cdot10^3/16 = 250$ per unit of $E$.

# %% [markdown]
# **Your turn (1/3): the style factor $c$ by hand.** Take three of the formulas above and divide
# each by $E = \frac{1}{4N^2M^2}\sum (G-A)^2$ on paper: what constant is left? Write it as a
# function of $N$ and $M$ (numpy arrays: the grader asks for many layer shapes at once).


# %%
def style_factor_by_hand(convention, n, m):
    """c(N, M) = (the convention's per-layer style term) / E, E = sum (G - A)^2 / (4 N^2 M^2).

    convention: "tf-tutorial"      mean over the N^2 entries of (G/M - A/M)^2
                "cs231n"           sum (G/(N M) - A/(N M))^2
                "pytorch-tutorial" mean over the N^2 entries of (G/(N M) - A/(N M))^2
    n, m: float arrays of one shape (channels N and positions M = H*W of each layer).
    Returns: a float array of that shape, c for each (N, M).
    """
    ### BEGIN SOLUTION
    n, m = np.asarray(n, np.float64), np.asarray(m, np.float64)
    # sum (G - A)^2 = 4 N^2 M^2 E.  Dividing G by M divides it by M^2, by N M by N^2 M^2,
    # and "mean over N^2 entries" divides by N^2 once more.
    if convention == "tf-tutorial":
        return np.full_like(n * m, 4.0)  # 4 N^2 M^2 / M^2, then / N^2 for the mean: 4
    if convention == "cs231n":
        return 4 * n**2 * m**2 / (n * m) ** 2
    if convention == "pytorch-tutorial":
        return 4 * n**2 * m**2 / (n * m) ** 2 / n**2
    raise ValueError(convention)
    ### END SOLUTION


# %%
vgg_n = np.array([64.0, 128, 256, 512, 512])  # VGG-19's widths, relu1_1 ... relu5_1
vgg_m = np.array([384 * 512, 192 * 256, 96 * 128, 48 * 64, 24 * 32], np.float64)
for name in ("tf-tutorial", "cs231n", "pytorch-tutorial"):
    # against the ratio measured on the worked example (the tutorial's own formula) ...
    check(
        f"style_factor_by_hand({name!r}) on the N = 4, M = 6 example",
        answer(
            "style_factor_by_hand", style_factor_by_hand, name, np.array([4.0]), np.array([6.0])
        ),
        [style_terms[name] / E],
        rtol=1e-12,
        factors={"N": N, "N^2": N**2, "M": M, "N*M": N * M},
    )
    # ... and against the library's table, on VGG-19's layer shapes at 384 x 512
    check(
        f"style_factor_by_hand({name!r}) on VGG-19's layers",
        answer("style_factor_by_hand", style_factor_by_hand, name, vgg_n, vgg_m),
        [
            conventions.find("style", name).factor(n, m, None)
            for n, m in zip(vgg_n, vgg_m, strict=True)
        ],
        rtol=1e-12,
    )

# %%
ratio = {name: r for name, _, _, r, _ in rows}
assert ratio["tf-tutorial"] == ratio["cs231n"] == 4.0
assert relative_error(ratio["pytorch-tutorial"], 0.25) < 1e-12
assert relative_error(ratio["keras-example"], 16 / 9) < 1e-12
assert relative_error(ratio["fastai-2018"], 2.5e11) < 1e-12
gatys_notebook_term = style_terms["gatys-notebook"] * 1e3 / N**2  # with its layer weight
assert relative_error(gatys_notebook_term, 553.6024306) < 1e-9
assert relative_error(gatys_notebook_term / E, 250.0) < 1e-12

# %% [markdown]
# ### The content side
#
# Each content convention, written as its code computes it, against Gatys'
# $L_c = \frac12\sum(F - P)^2 = 76$:

# %%
content_terms = {
    "gatys": 0.5 * np.sum((X - P) ** 2),  # = tf.nn.l2_loss
    "sum": np.sum((X - P) ** 2),
    "mse": np.mean((X - P) ** 2),
    "coursera": np.sum((X - P) ** 2) / (4 * N * M),
}
assert set(content_terms) == set(conventions.CONTENT_CONVENTIONS)  # every one covered
for name, term in content_terms.items():
    lib = float(nst.content_loss(X, P, convention=name))
    assert relative_error(lib, term) < 1e-12
    print(f"content {name:9s} {term:10.6f}  = {term / L_c:.6f} L_c")
assert content_terms["mse"] * 3 == 19  # MSE = 152 / 24 = 19 / 3, checked in integers

# %% [markdown]
# **Your turn (2/3): the content factor $d$.** Divide each content formula by
# $L_c = \frac12\sum(F - P)^2$. Careful: the MSE divides by the number of entries $NM$ and
# has no $\frac12$; deeplearning.ai divides by $4NM$.


# %%
def content_factor_by_hand(convention, n, m):
    """d(N, M) = (the convention's content term) / L_c, L_c = 1/2 sum (F - P)^2.

    convention: "gatys" 1/2 sum (F - P)^2;  "sum" sum (F - P)^2;
                "mse" sum (F - P)^2 / (N M);  "coursera" sum (F - P)^2 / (4 N M).
    n, m: float arrays of one shape (channels N, positions M = H*W of the content layer).
    Returns: a float array of that shape, d for each (N, M).
    """
    ### BEGIN SOLUTION
    n, m = np.asarray(n, np.float64), np.asarray(m, np.float64)
    # every term is sum (F - P)^2 = 2 L_c divided by something: d = 2 / that something
    divisor = {"gatys": 2.0, "sum": 1.0, "mse": n * m, "coursera": 4 * n * m}[convention]
    return 2.0 / divisor * np.ones_like(n * m)
    ### END SOLUTION


# %%
layer_n, layer_m = np.array([4.0, 512, 512, 128]), np.array([6.0, 48 * 64, 24 * 32, 192 * 256])
for name in conventions.CONTENT_CONVENTIONS:
    check(
        f"content_factor_by_hand({name!r}) on the N = 4, M = 6 example",
        answer("content_factor_by_hand", content_factor_by_hand, name, np.array([4.0]), [6.0]),
        [content_terms[name] / L_c],  # measured: the formula's value over L_c
        rtol=1e-12,
        factors={"N*M": N * M, "2 N M": 2 * N * M, "4 N M": 4 * N * M},
    )
    check(
        f"content_factor_by_hand({name!r}) on four layer shapes",
        answer("content_factor_by_hand", content_factor_by_hand, name, layer_n, layer_m),
        [presets.content_factor(name, n, m) for n, m in zip(layer_n, layer_m, strict=True)],
        rtol=1e-12,
    )

# %% [markdown]
# ### The summary table, built from the library's data
#
# Which convention each implementation uses is a fact of `nst.presets` (its preset), and what
# each convention's factor is a fact of `nst.conventions`: the table below is *computed* from
# both, never typed. Each factor is then checked against the ratio measured on the
# $N = 4$, $M = 6$ example with the tutorial's own formula (`content_terms`, `style_terms`
# above), so the table cannot drift from the formulas. Note deeplearning.ai: its content cost
# is $\frac{1}{4NM}\sum(F-P)^2$, so $d = 1/(2NM)$ (not 1); the MSE content losses (Johnson,
# the TF and PyTorch tutorials, ...) have $d = 2/(NM)$.

# %%
summary = []
for name, preset in presets.PRESETS.items():
    d_row = conventions.find("content", preset.content_convention)
    c_row = conventions.find("style", preset.style_convention)
    summary.append((name, d_row.name, d_row.factor_text, c_row.name, c_row.factor_text))
    # independent: each factor equals the measured ratio of the tutorial's formula on the example
    measured_d = content_terms[d_row.name] / L_c
    measured_c = style_terms[c_row.name] / E
    assert relative_error(d_row.factor(N, M, M_IMG), measured_d) < 1e-12, name
    assert relative_error(c_row.factor(N, M, M_IMG), measured_c) < 1e-12, name
print("| preset | content convention | d = term / L_c | style convention | c = term / E |")
print("|---|---|---|---|---|")
for row in summary:
    print("| " + " | ".join(row) + " |")
d_of = {row[0]: row[2] for row in summary}
assert d_of["coursera"] == "1 / (2 N M)" and d_of["jcjohnson"] == "2 / (N M)"
assert d_of["gatys"] == "1"

# %%
fig, ax = plt.subplots(figsize=(9, 3.4))
names = [r[0] for r in rows]
ax.bar(names, [r[3] for r in rows], color=["C3" if n == "gatys" else "C0" for n in names])
ax.scatter(names, [r[4] for r in rows], marker="_", s=400, color="k", zorder=3, label="predicted c")
ax.set_yscale("log")
ax.set_ylabel("term / E  (measured)")
ax.set_title("The N = 4, M = 6 example: each convention is a constant c(N, M) times E")
for i, r in enumerate(rows):
    ax.text(i, r[3] * 1.6, f"{r[3]:.4g}", ha="center", fontsize=7)
ax.tick_params(axis="x", rotation=60, labelsize=8)
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. The rescaling rule
#
# A tutorial's total loss is $\sum_l \alpha_l\,\text{content}_l + \sum_l \lambda_l\,\text{style}_l$
# with $\lambda_l = \beta \cdot w_l$ (its style weight times its layer weight). Since every term is
# a known constant times Gatys' term, the same total in *another* convention Y needs
#
# $$\lambda_l^{Y} = \lambda_l^{X}\,\frac{c_X(N_l, M_l)}{c_Y(N_l, M_l)}, \qquad
#   \alpha^{Y} = \alpha^{X}\,\frac{d_X(N, M)}{d_Y(N, M)} .$$
#
# With $Y$ = Gatys ($c = d = 1$) these are the *effective coefficients* on $E_l$ and $L_c$:
# that is how to compare tutorials. `nst.presets.convert_weights` implements the rule:

# %%
print(inspect.getsource(presets.convert_weights))

# %% [markdown]
# ## 4. Proof by computation: two formulas, one total loss
#
# Take one image, one style image and one network. Compute the TF tutorial's total loss (content
# and style terms) with its own conventions and default weights; then convert its weights into
# anish's conventions (and into Gatys' units) and compute the total with *those* formulas. The
# three numbers must agree, for any network and any images; and `nst.stylize` with the TF
# tutorial's preset must report the same total for the same image. Features are cast to float64
# so the check can be tight.

# %%
weights = vgg_mat.real_or_synthetic()  # the real file if found, else a miniature
net = vgg_mat.VGG(weights)

content_image = nst.load_image(nst.sample_content_path(), max_size=75)[2:66]  # (64, 64, 3)
style_image = nst.load_image(nst.sample_style_path(), max_size=86)[:, :64]  # (64, 64, 3)
noise = np.random.default_rng(0).normal(0, 20, content_image.shape)
generated = np.clip(content_image + noise, 0, 255).astype(np.float32)  # some image to score
image_positions = content_image.shape[0] * content_image.shape[1]  # M_img, for Keras only
# Content and style only: TV kinds do not convert by a constant (end of this section, and L8).
src = dataclasses.replace(presets.get_preset("tf-tutorial"), tv_weight=0.0)
layers = sorted({*src.content_layers, *src.style_layers})


def features_of(image):
    out = net(vgg_mat.preprocess(image.astype(np.float32), weights), layers)
    return {name: tf.cast(f, tf.float64) for name, f in out.items()}


feats, content_feats, style_feats = (
    features_of(i) for i in (generated, content_image, style_image)
)
style_targets = {name: losses.style_target(style_feats[name]) for name in src.style_layers}


def weighted_total(lw):
    """sum_l alpha_l content_l + sum_l lambda_l style_l, each term in lw's conventions."""
    content = sum(
        a * nst.content_loss(feats[l], content_feats[l], convention=lw.content_convention)
        for l, a in lw.content.items()
    )
    style = sum(
        lam
        * nst.style_loss(
            feats[l],
            style_targets[l],
            convention=lw.style_convention,
            image_positions=image_positions,
        )
        for l, lam in lw.style.items()
    )
    return float(content + style)


shapes = {name: tuple(f.shape[1:]) for name, f in feats.items()}  # (H, W, C) per layer
tf_weights = presets.convert_weights(src, src, shapes)  # identity: the tutorial's own weights
as_anish = presets.convert_weights(src, "anish", shapes)
as_gatys = presets.to_gatys_units(src, shapes)
totals = {
    "TF tutorial formulas, its weights": weighted_total(tf_weights),
    "anish's formulas, converted weights": weighted_total(as_anish),
    "Gatys' formulas, converted weights": weighted_total(as_gatys),
}
for k, v in totals.items():
    print(f"{k:38s} {v:.10g}")
values = list(totals.values())
assert relative_error(values[0], values[1]) < 1e-10
assert relative_error(values[0], values[2]) < 1e-10

# The optimisation loop computes the same total: iteration 0 of nst.stylize with the TF
# tutorial's preset, started from our generated image (float32 inside, hence 1e-4).
step_0 = next(
    iter(
        nst.stylize(
            content_image, style_image, weights=net, preset=src, iterations=0, init=generated
        )
    )
)
print(f"{'nst.stylize, iteration 0':38s} {step_0.losses['total']:.10g}")
assert relative_error(step_0.losses["total"], values[0]) < 1e-4

assert as_anish.content == src.content_coefficients  # d = 2 / (N M) on both sides

# %% [markdown]
# **Your turn (3/3): the rescaling rule.** Convert per-layer style coefficients $\lambda_l$ from
# one style convention to another so that the total loss stays the same. You may read each
# convention's $c$ from the library's table, `conventions.find("style", name).factor(n, m,
# None)`: the point is which way round the ratio goes.


# %%
def convert_style_weights(lambdas, n, m, source, target):
    """Style coefficients in convention `target` that give the same loss as `lambdas` in `source`.

    lambdas, n, m: float arrays of shape (L,): lambda_l, channels N_l and positions M_l per layer.
    source, target: style convention names (nst.conventions.STYLE_CONVENTIONS).
    Returns: a float array (L,) with lambda_l^target * c_target = lambda_l^source * c_source.
    """
    ### BEGIN SOLUTION
    c_source = np.array(
        [conventions.find("style", source).factor(a, b, None) for a, b in zip(n, m, strict=True)]
    )
    c_target = np.array(
        [conventions.find("style", target).factor(a, b, None) for a, b in zip(n, m, strict=True)]
    )
    return np.asarray(lambdas, np.float64) * c_source / c_target
    ### END SOLUTION


# %%
# One layer of the worked example (N = 4): c = 4 (TF tutorial) and 4 / N^2 = 1/4 (anish), so
# lambda = 1 becomes 16.
check(
    "convert_style_weights on the N = 4 example",
    answer("convert_style_weights", convert_style_weights, [1.0], [4.0], [6.0], "tf-tutorial",
           "anish"),
    [16.0],
    rtol=1e-12,
    factors={"c_X / c_Y": 16.0, "(c_X / c_Y)^2": 256.0},
)  # fmt: skip
layer_list = list(src.style_coefficients)
n_of = np.array([shapes[layer][2] for layer in layer_list], np.float64)
m_of = np.array([shapes[layer][0] * shapes[layer][1] for layer in layer_list], np.float64)
lambdas = np.array([src.style_coefficients[layer] for layer in layer_list])
check(
    "convert_style_weights, TF tutorial -> anish, against nst.presets.convert_weights",
    answer("convert_style_weights", convert_style_weights, lambdas, n_of, m_of, "tf-tutorial",
           "anish"),
    [as_anish.style[layer] for layer in layer_list],
    rtol=1e-12,
)  # fmt: skip
check(
    "convert_style_weights, TF tutorial -> Gatys, against nst.presets.to_gatys_units",
    convert_style_weights(lambdas, n_of, m_of, "tf-tutorial", "gatys"),
    [as_gatys.style[layer] for layer in layer_list],
    rtol=1e-12,
)

# %% [markdown]
# With the synthetic miniature (widths divided by 8, so $N_l$ runs 8 ... 64 instead of
# 64 ... 512) the loss values mean nothing about VGG-19; with the real weights the three totals are
# different numbers, but they still agree with each other, because the rule is pure algebra.
#
# The converted weights look nothing like anish's own defaults, even though both produce
# "reasonable" images in their own code: copying a number from one tutorial into another is off
# by $N_l^2$ per layer (up to $512^2 = 262144$). A TV weight is converted only between TV kinds
# that are related by a constant; L1 and L2 are not:

# %%
try:
    presets.convert_weights("tf-tutorial", "anish", shapes)
    raise AssertionError("converting an L1 TV weight into an L2 TV weight must fail")
except ValueError as refusal:
    print("ValueError:", refusal)

# %% [markdown]
# ## 5. Effective coefficients of each preset at 384 x 512
#
# The curriculum (section 4.3) lists, for a $384\times512$ input and VGG-19's real layer sizes,
# the coefficient each implementation's defaults put on Gatys' $L_c$ (α) and on each $E_l$
# ($\lambda_l$). We recompute it with `nst.presets.to_gatys_units` on the layer shapes from
# `vgg_mat.geometry` (no weights needed: only shapes matter).

# %%
full = {
    r.name: (r.height, r.width, r.channels)
    for r in geometry.layer_table(geometry.vgg19_layers(), 384, 512)
}
effective = {
    name: presets.to_gatys_units(name, full, image_size=(384, 512)) for name in presets.PRESETS
}
print(f"{'preset':17s} {'alpha on L_c':>14s}   lambda_l on E_l (its style layers)")
for name, lw in effective.items():
    alpha = ", ".join(f"{v:.4g} ({k})" for k, v in lw.content.items() if v)
    lams = ", ".join(f"{v:.3g}" for v in lw.style.values())
    flag = "" if presets.get_preset(name).caffe_scale else "   * other activation scale"
    print(f"{name:17s} {alpha:>22s}   {lams}{flag}")

# %%
N_L = {layer: full[layer][2] for layer in ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")}
# Exact: anish's and jcjohnson's defaults are the same loss, lambda_l = 400 / N_l^2.
assert effective["anish"].style == effective["jcjohnson"].style
for layer, n_l in N_L.items():
    assert relative_error(effective["anish"].style[layer], 400 / n_l**2) < 1e-12
assert relative_error(effective["anish"].content["relu4_2"], 5 * 2 / (512 * 48 * 64)) < 1e-12
assert effective["anish"].content["relu4_2"] == effective["jcjohnson"].content["relu4_2"]
# Exact: the TF tutorial is uniform, 1e-2 / 5 * 4 = 0.008, alpha = 1e4 * 2 / (512 * 24 * 32).
assert all(relative_error(v, 0.008) < 1e-12 for v in effective["tf-tutorial"].style.values())
assert relative_error(effective["tf-tutorial"].content["relu5_2"], 5.086e-2) < 1e-3  # 4 digits
# The table's rounded values (4 significant digits in the curriculum):
table_43 = {
    "keras-example": [9.10e-5, 2.28e-5, 5.69e-6, 1.42e-6, 8.89e-8],
    "d2l": [9.77, 2.44, 0.61, 0.153, 0.153],
    "pytorch-tutorial": [977, 977, 244, 244, 61],
}
for name, expected in table_43.items():
    got = list(effective[name].style.values())
    assert max(relative_error(g, e) for g, e in zip(got, expected, strict=True)) < 6e-3, (name, got)
assert relative_error(effective["keras-example"].content["relu5_2"], 5.0e-8) < 1e-12

# %% [markdown]
# Rows marked `*` (PyTorch tutorial, d2l, CS231n, deeplearning.ai) fed $[0, 1]$ or
# std-normalised pixels to *their* network, whose activations are roughly 1/58 of our Caffe-scale
# ones at the input. $E$ scales as $s^4$ and $L_c$ as $s^2$, so their α/β cannot be compared with
# the Caffe-scale rows even after conversion: the conversion is exact for *formulas*, not for
# networks.
#
# ### Per-layer emphasis
#
# Dividing each preset's $\lambda_l$ by its $\lambda_{conv1\_1}$ shows how much each layer counts
# *relative to the first*. The paper weighs the five layers equally; every convention with
# $c = 4/N^2$ silently tilts the balance towards shallow layers by $1/N_l^2$; Keras' frozen
# "3 channels, input size" normaliser adds a further $1/16$ per pooling stage.

# %% tags=["gallery"]
five = ["gatys", "tf-tutorial", "matconvnet-blog", "anish", "jcjohnson", "d2l", "keras-example"]
emphasis = {}
for name in five:
    lam = list(effective[name].style.values())
    emphasis[name] = np.array(lam) / lam[0]
assert all(np.allclose(emphasis[n], 1, rtol=1e-12) for n in ("gatys", "tf-tutorial"))
for name in ("anish", "jcjohnson", "d2l"):
    assert np.allclose(emphasis[name], [1, 1 / 4, 1 / 16, 1 / 64, 1 / 64], rtol=1e-12)
assert np.allclose(emphasis["keras-example"], [1, 1 / 4, 1 / 16, 1 / 64, 1 / 1024], rtol=1e-12)

fig, ax = plt.subplots(figsize=(10, 3.8))
width = 0.8 / len(five)
for i, name in enumerate(five):
    ax.bar(np.arange(5) + (i - len(five) / 2 + 0.5) * width, emphasis[name], width, label=name)
ax.set_xticks(
    range(5), ["block 1 (N=64)", "block 2 (128)", "block 3 (256)", "block 4 (512)", "block 5 (512)"]
)
ax.set_yscale("log")
ax.set_ylabel(r"$\lambda_l / \lambda_{block\,1}$")
ax.set_title("Effective per-layer style emphasis of each preset's defaults (384 x 512 input)")
ax.set_ylim(5e-4, 20)
ax.legend(fontsize=8, ncol=7, loc="upper center")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## What to remember
#
# - Every implementation's style term is $c(N, M)\,E_l$ and content term $d(N, M)\,L_c$, with
#   $c \in \{1, 4, 4/N^2, N^2M^2/(9M_{img}^2), 4\cdot10^{12}/N^2\}$ and
#   $d \in \{1, 2, 2/(NM), 1/(2NM)\}$ (checked below against the library's table): same
#   minimiser per term, different scale.
# - To reproduce implementation X with Y's formulas, multiply each weight by $c_X/c_Y$ (style) or
#   $d_X/d_Y$ (content): the total loss is then identical, which section 4 checked to $10^{-10}$.
# - "Gram / (NM), mean squared" conventions weigh layer $l$ by an extra $1/N_l^2$: shallow layers
#   count 64x more than conv4_1 and conv5_1. MSE content terms make α depend on image size.
# - Conversions are exact for formulas, not for networks: a weight tuned on $[0,1]$ pixels or a
#   normalised VGG does not carry to the raw Caffe-scale VGG-19 by any constant.

# %%
# The d values listed above are exactly the library's content conventions (no drift):
D_REMEMBERED = {"1", "2", "2 / (N M)", "1 / (2 N M)"}
d_library = {conventions.find("content", n).factor_text for n in conventions.CONTENT_CONVENTIONS}
assert d_library == D_REMEMBERED

# %% [markdown]
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/10_loss_conventions_and_weight_conversion.ipynb`.

# %% [markdown]
# **Exercise 1.** Convert the Keras example's weights to Gatys' units for a $256\times256$ input
# instead of $384\times512$. Which coefficients change, and by what factor?
#
# *Hint:* Keras' style factor is $c = N^2M^2/(9M_{img}^2)$ and its content term is a plain sum
# ($d = 2$). What happens to $M/M_{img}$ when the image shrinks? Use `geometry.layer_table` for
# the shapes and `presets.to_gatys_units(..., image_size=(256, 256))`.

# %% [markdown] tags=["solution"]
# **Solution.** $M_l/M_{img}$ is the same at every input size (each pooling halves both sides),
# so $c$ and hence every $\lambda_l$ are unchanged; $d = 2$ does not depend on the shape either,
# so $\alpha$ is unchanged too. Keras' weights are the one set here that does not depend on the
# image size (the TV term, in pixels, is another matter).

# %% tags=["solution"]
small = {
    r.name: (r.height, r.width, r.channels)
    for r in geometry.layer_table(geometry.vgg19_layers(), 256, 256)
}
keras_small = presets.to_gatys_units("keras-example", small, image_size=(256, 256))
keras_large = effective["keras-example"]
for layer, lam in keras_small.style.items():
    print(f"{layer}: lambda 384x512 {keras_large.style[layer]:.4g}  256x256 {lam:.4g}")
    assert relative_error(lam, keras_large.style[layer]) < 1e-12
assert all(
    relative_error(keras_small.content[k], keras_large.content[k]) < 1e-12
    for k in keras_small.content
)

# %% [markdown]
# **Exercise 2.** The PyTorch tutorial's content weight is 1 with an MSE content term at conv2_2
# ($N = 128$ channels, half the input's height and width). What $\alpha$ on $L_c$ is that at
# $512\times512$? What should the content weight be at $256\times256$ to keep the same $\alpha$?


# %%
def exercise_2():
    """(alpha on Gatys' L_c at 512 x 512, the content weight giving that alpha at 256 x 256)."""
    ### BEGIN SOLUTION
    n = 128
    alpha_512 = 1.0 * 2 / (n * 256 * 256)  # d = 2 / (N M), M = 256 * 256 at conv2_2
    weight_256 = alpha_512 / (2 / (n * 128 * 128))  # M is 4x smaller, so d is 4x larger
    return np.array([alpha_512, weight_256])
    ### END SOLUTION


# %%
alpha_512 = presets.content_factor("mse", 128, 256 * 256)
check(
    "exercise 2: (alpha at 512 x 512, content weight at 256 x 256)",
    answer("exercise_2", exercise_2),
    [alpha_512, alpha_512 / presets.content_factor("mse", 128, 128 * 128)],
    factors={"2": 2.0, "N": 128.0},
)

# %% [markdown]
# **Exercise 3.** Write a preset of your own with
# `dataclasses.replace(presets.get_preset("anish"), ...)` whose per-layer emphasis is uniform
# again, and check it with `to_gatys_units`.
#
# *Hint:* anish's $c = 4/N_l^2$ multiplies $\lambda_l$ by $4/N_l^2$ on the way to Gatys' units.
# Which layer weights $w_l$ cancel that? (Keep them summing to 1.)

# %% [markdown] tags=["solution"]
# **Solution.** $w_l \propto N_l^2$: $(64^2, 128^2, 256^2, 512^2, 512^2)$ normalised. The
# effective $\lambda_l = \beta w_l \cdot 4/N_l^2$ is then the same for all five layers.

# %% tags=["solution"]
anish = presets.get_preset("anish")
squares = np.array([full[layer][2] ** 2 for layer in anish.style_layers], np.float64)
uniform = dataclasses.replace(anish, style_layer_weights=tuple(squares / squares.sum()))
lam_uniform = np.array(list(presets.to_gatys_units(uniform, full).style.values()))
print("effective lambda_l:", lam_uniform)
np.testing.assert_allclose(lam_uniform / lam_uniform[0], 1.0, rtol=1e-12)

# %% [markdown]
# **Exercise 4.** Why does `convert_weights` refuse to convert the TF tutorial's TV weight into
# anish's convention? Compute both TV kinds on a noise image and on a smooth ramp to see that no
# single constant relates them.
#
# *Hint:* `nst.losses.tv_loss(image, kind=...)` with `"l1"` (TF tutorial) and `"mean-l2"`
# (anish). If a constant $k$ existed, $\mathrm{TV}_{l2}/\mathrm{TV}_{l1}$ would be $k$ on every
# image. Also compare how each scales when the image is multiplied by 2 (`conventions.find("tv",
# kind).scale_power`).

# %% [markdown] tags=["solution"]
# **Solution.** L1 sums $|d|$, mean-L2 averages $d^2$: their ratio is about the typical size of
# a neighbour difference, which is large on noise and tiny on a smooth ramp, so no constant
# converts one into the other (and they scale as $s^1$ against $s^2$).

# %% tags=["solution"]
ramp = np.broadcast_to(np.linspace(0, 255, 64)[None, :, None], (64, 64, 3)).astype(np.float32)
noisy = np.random.default_rng(1).uniform(0, 255, (64, 64, 3)).astype(np.float32)
tv_ratio = {
    label: float(losses.tv_loss(img[None], kind="mean-l2") / losses.tv_loss(img[None], kind="l1"))
    for label, img in (("ramp", ramp), ("noise", noisy))
}
print("TV mean-l2 / TV l1:", tv_ratio)
assert tv_ratio["noise"] > 10 * tv_ratio["ramp"]
assert conventions.find("tv", "l1").scale_power != conventions.find("tv", "mean-l2").scale_power
