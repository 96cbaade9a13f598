# %% [markdown]
# # Lesson 9: Style transfer end to end
#
# **The question.** You have the content loss (L4), the style loss (L6) and total variation (L8).
# What does it take to turn them into a picture: which optimiser, which starting image, how to
# keep the pixels valid, how to save intermediate results, and how do the weights
# $\alpha, \beta$ trade content against style?
#
# By the end you will have run `nst.stylize` with three optimisers, recomputed every loss it
# reports from scratch, written Adam's update by hand and matched the library's, checked that
# the pixels never leave $[0, 255]$, saved checkpoints from the generator, and swept
# $\beta/\alpha$ over four decades.
#
# **Prerequisites.** L4 (content loss), L6 (style loss and its gradient), L8 (TV); L10 helps
# with the units of $\alpha$ and $\beta$.
#
# **Expected run time.** About 60 s on 2 CPU cores: some twenty short optimisations of a
# $64\times64$ image. Uses the real VGG-19 when `vgg_mat.find_weights()` finds it, and then
# works at `SIZE` = 320 px (one switch, below), where the pictures show the point (many minutes
# on a CPU, well under one on a GPU); otherwise a $64\times64$ synthetic miniature with random
# weights (every figure then says so). With random weights
# the pictures are mechanics, not art: the optimisers, the constraints and the orderings behave
# the same, but the textures are not what VGG-19 would produce.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline
import inspect
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from IPython.display import display
from PIL import Image

import nst
import nst.objective
import vgg_mat
from nst import optimizers, plots
from nst.config import DEFAULTS, resolve_config
from nst.grading import answer, check, require
from nst.images import resize_image
from nst.manifest import save_labelled_image

np.set_printoptions(precision=4, suppress=True)
tf.get_logger().setLevel("ERROR")  # each run compiles its own loss: TF's retracing notes are noise

# %% [markdown]
# ## 1. The objective, and one run
#
# For a generated image $x$ with activations $F_l(x)$, the content photo's activations $P_l$
# and the style image's Gram matrices $A_l$, `nst.stylize` minimises
#
# $$ L(x) = \alpha \sum_{l \in C} c_l\, L_c(F_l, P_l) + \beta \sum_{l \in S} w_l\, E_l(F_l, A_l)
#    + \gamma\, \mathrm{TV}(x), $$
#
# $$ L_c = \tfrac12 \sum (F_l - P_l)^2, \qquad
#    E_l = \frac{1}{4 N_l^2 M_l^2} \sum_{i,j} (G_l - A_l)^2, \qquad G_l = F_l^\top F_l, $$
#
# with Gatys' layers: content relu4_2 ($c = 1$), style relu1_1 ... relu5_1 ($w_l = 1/5$).
# `nst.stylize` is a **generator**: each `next()` runs one optimiser iteration and yields a
# `Step(iteration, image, losses, elapsed)`. The loop does no I/O at all; what to print, plot
# or save is the caller's business (section 6). Here is the code that computes the loss vector
# every step reports:

# %%
print(inspect.getsource(nst.objective.Objective.values))

# %% [markdown]
# The network: the real file if there is one, else a synthetic miniature (random weights,
# channels / 8) written into a temporary folder. The content is matplotlib's photo of Grace
# Hopper and the style one of the project's procedural paintings, both `SIZE` pixels square:
# 320 with the real weights, 64 with the miniature.

# %%
weights = vgg_mat.real_or_synthetic()  # the real file if found, else a miniature
net = vgg_mat.VGG(weights)
SIZE = 320 if not weights.synthetic else 64  # the one switch: pictures that teach, or fast
print(f"images of {SIZE} x {SIZE} pixels")

photo = nst.load_image(nst.sample_content_path(), max_size=SIZE * 75 // 64)  # (75k, 64k, 3)
content = photo[SIZE // 32 : SIZE // 32 + SIZE, :SIZE]  # (SIZE, SIZE, 3), 0-255
style = resize_image(nst.load_image(nst.sample_style_path("swirls")), (SIZE, SIZE))
assert content.shape == style.shape == (SIZE, SIZE, 3)
CONTENT_LAYER = "relu4_2"
STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]

# %% [markdown]
# ### Choosing $\beta$ so both terms matter
#
# $\alpha$ and $\beta$ only matter as a ratio (section 4 shows why, for Adam), and the right
# ratio depends on the network's activation scale (L11: content losses scale as $s^2$, Gram
# losses as $s^4$). So instead of copying a number, measure it: the content loss of a blank
# (mean-colour) image, and the style loss of the content photo, are what each term "costs" at
# its worst. Take $\beta/\alpha$ = the power of ten nearest their ratio. (Random weights have
# their own activation scale, so this differs from the library's default, which is meant for
# the real VGG-19.)

# %%
mean_rgb = np.asarray(weights.mean_rgb)


def features(image, layers):
    """Activations (float64 numpy) of an (H, W, 3) image in [0, 255] at `layers`."""
    out = net(vgg_mat.preprocess(image, weights), layers)
    return {name: tf.cast(a[0], tf.float64).numpy() for name, a in out.items()}


def gram(f):
    """Raw Gram G = F^T F of an (H, W, C) map, (C, C)."""
    m = f.reshape(-1, f.shape[-1])  # (M, N)
    return m.T @ m


P = features(content, [CONTENT_LAYER])[CONTENT_LAYER]
A = {name: gram(f) for name, f in features(style, STYLE_LAYERS).items()}


def content_term(f):
    """L_c = 1/2 sum (F - P)^2 at the content layer."""
    return 0.5 * np.sum((f - P) ** 2)


def style_term(f, name):
    """E_l = sum (G - A)^2 / (4 N^2 M^2)."""
    n, m = f.shape[-1], f.shape[0] * f.shape[1]
    return np.sum((gram(f) - A[name]) ** 2) / (4.0 * n**2 * m**2)


def show(fig, top):
    """Display a `nst.plots` figure, its axes below the top edge (room for the red label)."""
    fig.get_layout_engine().set(rect=(0, 0, 1, top))
    display(fig)


blank = np.broadcast_to(mean_rgb, content.shape).astype(np.float32)
cost_content = content_term(features(blank, [CONTENT_LAYER])[CONTENT_LAYER])
f_content = features(content, STYLE_LAYERS)
cost_style = sum(style_term(f_content[name], name) / len(STYLE_LAYERS) for name in STYLE_LAYERS)
ALPHA = 1.0
BETA = 10.0 ** np.round(np.log10(cost_content / cost_style))
print(f"L_c(blank) = {cost_content:.3g}, sum_l w_l E_l(content photo) = {cost_style:.3g}")
print(
    f"alpha = {ALPHA:g}, beta = {BETA:g}   (the library's default beta is "
    f"{DEFAULTS['style_weight']:g}, meant for the real VGG-19)"
)
assert cost_content > 0 and cost_style > 0

# %% [markdown]
# ### One run with Adam
#
# 60 Adam steps of 5 gray levels from the content photo. Every `Step` carries the weighted
# terms and their per-layer parts (`content/relu4_2`, `style/relu1_1`, ...).

# %%
SETTINGS = dict(
    weights=net,
    content_layers=[CONTENT_LAYER],
    style_layers=STYLE_LAYERS,
    content_weight=ALPHA,
    style_weight=BETA,
)
steps = list(
    nst.stylize(content, style, optimizer="adam", learning_rate=5.0, iterations=60, **SETTINGS)
)
first, last = steps[0], steps[-1]
print(f"{len(steps)} steps (iteration 0 is the start), {last.elapsed:.1f} s")
for key in last.losses:
    print(f"  {key:16s} {first.losses[key]:12.4g} -> {last.losses[key]:12.4g}")
assert [s.iteration for s in steps] == list(range(61))
assert last.losses["total"] < 0.5 * first.losses["total"]

# %% [markdown]
# ### Recompute every reported number from scratch
#
# The per-layer entries are already weighted: `content/relu4_2` $= \alpha c\, L_c$ and
# `style/l` $= \beta w_l E_l$; `content` and `style` are their sums and `total` their sum
# plus TV. We recompute them with the numpy formulas above, from nothing but the step's image.

#
# **Your turn (1/3): the total objective.** Put the terms together as the equation at the top
# says.


# %%
def total_objective(l_c, e, tv, alpha, beta, gamma, w):
    """L = alpha * L_c + beta * sum_l w_l E_l + gamma * TV  (one content layer, c = 1).

    l_c: float, the content loss L_c.  e, w: float arrays (L,), E_l and w_l per style layer.
    tv: float, the TV term.  alpha, beta, gamma: floats.  Returns: a float.
    """
    ### BEGIN SOLUTION
    return alpha * l_c + beta * float(np.sum(np.asarray(w) * np.asarray(e))) + gamma * tv
    ### END SOLUTION


# %%
w_style = np.full(len(STYLE_LAYERS), 1.0 / len(STYLE_LAYERS))  # w_l = 1/5
# Worked: 1 * 2 + 10 * (1 + 2 + 3 + 4 + 5) / 5 + 0.5 * 10 = 2 + 30 + 5 = 37
check(
    "total_objective on the worked example",
    answer(
        "total_objective", total_objective, 2.0, [1.0, 2, 3, 4, 5], 10.0, 1.0, 10.0, 0.5, w_style
    ),
    37.0,
    rtol=1e-12,
)
f_last = features(last.image, [CONTENT_LAYER, *STYLE_LAYERS])
e_last = np.array([style_term(f_last[name], name) for name in STYLE_LAYERS])
check(
    "total_objective of the last step, against the library's reported total",
    answer(
        "total_objective",
        total_objective,
        content_term(f_last[CONTENT_LAYER]), e_last, 0.0, ALPHA, BETA, 0.0, w_style,
    ),
    last.losses["total"],
    rtol=2e-3,  # float32 network against float64 numpy
    factors={"5 (w_l = 1/5)": 5.0, "beta": BETA},
)  # fmt: skip

# %%
naive = {f"content/{CONTENT_LAYER}": ALPHA * content_term(f_last[CONTENT_LAYER])}
for name, e_l in zip(STYLE_LAYERS, e_last, strict=True):
    naive[f"style/{name}"] = BETA * e_l / len(STYLE_LAYERS)
naive["content"] = naive[f"content/{CONTENT_LAYER}"]
naive["style"] = sum(naive[f"style/{name}"] for name in STYLE_LAYERS)
naive["total"] = total_objective(
    content_term(f_last[CONTENT_LAYER]), e_last, 0.0, ALPHA, BETA, 0.0, w_style
)  # gamma = 0: no TV here
for key, value in naive.items():
    print(f"  {key:16s} naive {value:12.6g}   library {last.losses[key]:12.6g}")
    np.testing.assert_allclose(last.losses[key], value, rtol=2e-3)  # float32 net vs float64
assert last.losses["tv"] == 0.0

# %% [markdown]
# Loss curves, per term and per layer (`nst.plots.plot_losses`): the style term falls by
# orders of magnitude while the content term, zero at the start (we began *at* the content
# photo), rises to meet it.

# %%
fig = plots.plot_losses(steps, synthetic=weights)  # Adam, lr 5
show(fig, top=0.93)

# %% [markdown]
# ## 2. Adam by hand
#
# The library's Adam is Keras' form (Kingma and Ba's "$\hat\epsilon$" variant), followed by a
# projection onto the box:

# %%
print(inspect.getsource(optimizers.adam_update))

# %% [markdown]
# **Which $\epsilon$?** `adam_update`'s own default is Keras' $10^{-7}$, but `nst.stylize` passes
# the $\epsilon$ of its settings (`DEFAULTS`, or a preset's `adam_epsilon`). The value printed
# here is read from the settings a run uses, and every Adam in this lesson (yours included)
# uses it:

# %%
EPS = resolve_config(optimizer="adam").epsilon  # what nst.stylize passes to adam_update
keras_default = inspect.signature(optimizers.adam_update).parameters["epsilon"].default
print(f"epsilon used by nst.stylize: {EPS:g}   (adam_update's own default: {keras_default:g})")
assert DEFAULTS["epsilon"] == EPS
# the settings of the runs below, with Adam, resolve to the same epsilon
run_settings = {k: v for k, v in SETTINGS.items() if k != "weights"}
assert resolve_config(optimizer="adam", learning_rate=5.0, **run_settings).epsilon == EPS

# %% [markdown]
# **Your turn (2/3): one Adam step.** Write the update from the equations above, in numpy, for
# any state $(m_{t-1}, v_{t-1})$ and step number $t$, *without* the box (the next fill-in adds
# it).


# %%
def adam_step(x, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=EPS):
    """One Adam step (Keras' form), no box. All arrays of one shape; t = 1 for the first step.

    m_t = beta1 m + (1 - beta1) g;  v_t = beta2 v + (1 - beta2) g^2;
    alpha_t = lr sqrt(1 - beta2^t) / (1 - beta1^t);  x_t = x - alpha_t m_t / (sqrt(v_t) + eps).
    Returns: the tuple (x_t, m_t, v_t).
    """
    ### BEGIN SOLUTION
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    alpha_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)  # bias corrections in the step
    return x - alpha_t * m / (np.sqrt(v) + eps), m, v  # eps on the raw sqrt(v)
    ### END SOLUTION


# %%
state_rng = np.random.default_rng(3)
x_s, g_s = state_rng.normal(0, 50, 6), state_rng.normal(0, 100, 6)  # pixel-sized numbers
m_s, v_s = state_rng.normal(0, 10, 6), state_rng.uniform(10, 100, 6)  # state after 2 steps
t_s, b1, b2 = 3, 0.9, 0.999
mine = answer("adam_step", adam_step, x_s, g_s, m_s, v_s, t_s, 5.0, b1, b2, EPS)
require(
    "adam_step returns (x_t, m_t, v_t)",
    isinstance(mine, tuple) and len(mine) == 3,
    f"return the tuple (x, m, v), not {type(mine).__name__}",
)
x_lib, m_lib, v_lib = (
    a.numpy()
    for a in optimizers.adam_update(
        *(tf.constant(a) for a in (x_s, g_s, m_s, v_s)),
        tf.constant(float(t_s), tf.float64),
        learning_rate=5.0, beta1=b1, beta2=b2, epsilon=EPS,
    )
)  # fmt: skip
check("adam_step: m_t", mine[1], m_lib, factors={"(1 - beta1)": 1 - b1})
check("adam_step: v_t", mine[2], v_lib, factors={"(1 - beta2)": 1 - b2})
check(
    "adam_step: the step x_t - x_(t-1), against nst.adam.adam_update",
    np.asarray(mine[0]) - x_s,
    x_lib - x_s,
    factors={
        "(1 - beta1^t), m's bias correction": 1 - b1**t_s,
        "1 / sqrt(1 - beta2^t), v's bias correction": 1 / np.sqrt(1 - b2**t_s),
        "(1 - beta1^t) / sqrt(1 - beta2^t), both bias corrections": (1 - b1**t_s)
        / np.sqrt(1 - b2**t_s),
    },
)

# %% [markdown]
# **Your turn (3/3): the box.** The network sees $x - \mu$; a valid image has
# $0 \le x \le 255$. Project a network-space image onto that box (section 3 has the numbers).


# %%
def project_to_box(x_net, mean_rgb):
    """Clip an (..., 3) network-space image to [-mean_rgb, 255 - mean_rgb], channel by channel."""
    ### BEGIN SOLUTION
    return np.clip(x_net, -np.asarray(mean_rgb), 255.0 - np.asarray(mean_rgb))
    ### END SOLUTION


# %%
corner = np.array([[-200.0, 0.0, 200.0], [-100.0, 140.0, -104.0]])  # two pixels, (2, 3)
check(
    "project_to_box on two pixels",
    answer("project_to_box", project_to_box, corner, mean_rgb),
    [[-123.68, 0.0, 151.061], [-100.0, 138.221, -103.939]],
    rtol=1e-12,
)
wild = state_rng.normal(0, 200, (4, 4, 3))  # many values outside the box
check(
    "project_to_box against the library's projection (adam_update with learning rate 0)",
    answer("project_to_box", project_to_box, wild, mean_rgb),
    optimizers.adam_update(
        tf.constant(wild), *(tf.zeros((4, 4, 3), tf.float64),) * 3, tf.constant(1.0, tf.float64),
        learning_rate=0.0, lower=tf.constant(-mean_rgb), upper=tf.constant(255.0 - mean_rgb),
    )[0],
)  # fmt: skip

# %% [markdown]
# Now the two together on a toy problem small enough to follow:
# $f(x) = \tfrac12 \sum_i a_i (x_i - b_i)^2$ in the box $[0, 1]$. Two of the targets $b_i$ lie
# outside the box, so the projection has work to do. Your `adam_step` followed by the clip
# must follow the library's path step by step.

# %%
a_toy = np.array([1.0, 10.0, 0.1, 100.0, 3.0])
b_toy = np.array([0.3, 0.8, 1.7, -0.5, 0.55])


def grad_toy(x):
    return a_toy * (x - b_toy)  # df/dx


def adam_naive(x, steps, lr, lo=0.0, hi=1.0):
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x.copy()]
    for t in range(1, steps + 1):
        x, m, v = adam_step(x, grad_toy(x), m, v, t, lr, eps=EPS)
        x = np.clip(x, lo, hi)  # the projection
        path.append(x.copy())
    return np.array(path)


x0 = np.full(5, 0.5)
path_naive = adam_naive(x0, 200, lr=0.05)
x, m, v = (tf.constant(x0), tf.zeros(5, tf.float64), tf.zeros(5, tf.float64))
path_lib = [x0]
for t in range(1, 201):
    g = tf.constant(grad_toy(x.numpy()))
    x, m, v = optimizers.adam_update(
        x, g, m, v, tf.constant(float(t), tf.float64), learning_rate=0.05, epsilon=EPS,
        lower=0.0, upper=1.0,
    )  # fmt: skip
    path_lib.append(x.numpy())
path_lib = np.array(path_lib)
print("after 200 steps:", path_lib[-1], " targets clipped to the box:", np.clip(b_toy, 0, 1))
np.testing.assert_allclose(path_lib, path_naive, rtol=1e-12, atol=1e-15)
np.testing.assert_allclose(path_lib[-1], np.clip(b_toy, 0, 1), atol=2e-3)

# %% [markdown]
# **A worked number: Adam's first step.** At $t = 1$, $m_1 = (1-\beta_1) g$ and
# $v_1 = (1-\beta_2) g^2$, so the step is
# $\eta \frac{\sqrt{1-\beta_2}}{1-\beta_1}\cdot\frac{(1-\beta_1) g}{\sqrt{1-\beta_2}|g| +
# \epsilon} \approx \eta\,\mathrm{sign}(g)$: **every pixel moves by exactly the learning
# rate**, whatever its gradient (as long as $|g| \gg \epsilon$). Check it on the run above
# (lr 5), and check that each pixel moved *against* the gradient of our naive loss, computed
# by `tf.GradientTape` through the numpy-free version of the same formulas:

# %%
x_start = tf.constant(steps[0].image[None])
with tf.GradientTape() as tape:
    tape.watch(x_start)
    acts = net(x_start - mean_rgb.astype(np.float32), [CONTENT_LAYER, *STYLE_LAYERS])
    loss = ALPHA * 0.5 * tf.reduce_sum((tf.cast(acts[CONTENT_LAYER][0], tf.float64) - P) ** 2)
    for name in STYLE_LAYERS:
        f = tf.reshape(tf.cast(acts[name][0], tf.float64), (-1, A[name].shape[0]))  # (M, N)
        n_l, m_l = f.shape[1], f.shape[0]
        e_l = tf.reduce_sum((tf.transpose(f) @ f - A[name]) ** 2) / (4.0 * n_l**2 * m_l**2)
        loss += BETA * e_l / len(STYLE_LAYERS)
grad = tape.gradient(loss, x_start)[0].numpy()
np.testing.assert_allclose(float(loss), steps[0].losses["total"], rtol=2e-3)

moved = steps[1].image.astype(np.float64) - steps[0].image
inside = (steps[1].image > 0) & (steps[1].image < 255)  # not stopped by the box
clear = inside & (np.abs(grad) > 1e-3 * np.abs(grad).max())  # |g| >> eps, sign well defined
print(
    f"{clear.sum()} of {grad.size} pixel values: |step| from {np.abs(moved[clear]).min():.4f}"
    f" to {np.abs(moved[clear]).max():.4f}"
)
np.testing.assert_allclose(np.abs(moved[clear]), 5.0, rtol=1e-3)
assert np.all(np.sign(moved[clear]) == -np.sign(grad[clear]))

# %% [markdown]
# ## 3. The box: pixels stay valid
#
# The network sees $x - \mu$ with the file's mean pixel $\mu$ = (123.68, 116.779, 103.939), so
# a valid image ($0 \le x \le 255$) lives in the box $[-\mu, 255 - \mu]$ of the network's input
# space: **R [-123.68, 131.32], G [-116.779, 138.221], B [-103.939, 151.061]**. Adam and SGD
# clip to it after every step (a projection), L-BFGS keeps it as bound constraints. The TF
# tutorial does the same on $[0, 1]$ images (`clip_0_1`).

# %%
low, high = project_to_box(np.full(3, -1e9), mean_rgb), project_to_box(np.full(3, 1e9), mean_rgb)
print("valid box in network space: low", low, " high", high)
np.testing.assert_allclose(low, [-123.68, -116.779, -103.939], atol=1e-9)
np.testing.assert_allclose(high, [131.32, 138.221, 151.061], atol=1e-9)

fast = list(
    nst.stylize(content, style, optimizer="adam", learning_rate=50.0, iterations=20, **SETTINGS)
)
for run in (steps, fast):
    for s in run:
        assert s.image.min() >= 0.0 and s.image.max() <= 255.0, s.iteration
        x_net = vgg_mat.preprocess(s.image, weights).numpy()[0]
        assert np.all(x_net >= low - 1e-4) and np.all(x_net <= high + 1e-4)
at_bounds = np.mean((fast[-1].image == 0) | (fast[-1].image == 255))
print(f"lr 50: {100 * at_bounds:.1f}% of pixel values sit on the box after 20 steps")

# %% [markdown]
# ## 4. Optimisers: L-BFGS, Adam, SGD
#
# Gatys used L-BFGS; the TF tutorial and most web demos use Adam; the Keras example uses plain
# gradient descent. `nst`'s L-BFGS is box-constrained like scipy's L-BFGS-B: by default a
# projected L-BFGS whose vector work runs in compiled TensorFlow (`nst.lbfgs`), with scipy's
# L-BFGS-B one setting away (`lbfgs_engine="minimize"`; `nst.lbfgs_scipy`). Same objective,
# same start, 40 iterations each (an L-BFGS iteration may evaluate the loss several times in
# its line search).
#
# Adam's step is in **pixels** (section 2: about `learning_rate` gray levels per step), so
# `learning_rate` 0.1 is timid and 5-50 is brisk. SGD's step is `learning_rate` $\times$
# gradient, in pixels per unit of gradient: its learning rate must be set from the gradient's
# scale. Here we make its first step move the steepest pixel by 10 gray levels.

# %%
ITERATIONS = 40
runs = {"L-BFGS": list(nst.stylize(content, style, optimizer="lbfgs", iterations=ITERATIONS,
                                     **SETTINGS))}  # fmt: skip
for lr in (0.1, 5.0, 20.0):
    runs[f"Adam lr {lr:g}"] = list(
        nst.stylize(content, style, optimizer="adam", learning_rate=lr, iterations=ITERATIONS,
                    **SETTINGS)
    )  # fmt: skip
sgd_lr = 10.0 / np.abs(grad).max()
runs["SGD"] = list(
    nst.stylize(content, style, optimizer="sgd", learning_rate=sgd_lr, iterations=ITERATIONS,
                **SETTINGS)
)  # fmt: skip
final = {name: run[-1].losses["total"] for name, run in runs.items()}
print(f"SGD learning rate: 10 / max|g| = {sgd_lr:.3g}")
for name, value in final.items():
    print(f"  {name:12s} final total {value:10.4g}   ({runs[name][-1].elapsed:.1f} s)")
start_total = steps[0].losses["total"]
assert final["Adam lr 0.1"] > final["Adam lr 5"]  # too small a step: barely moved
assert final["L-BFGS"] < 0.5 * start_total and all(v < start_total for v in final.values())

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for name, run in runs.items():
    ax.semilogy([s.iteration for s in run], [s.losses["total"] for s in run], label=name)
ax.set_xlabel("iteration")
ax.set_ylabel("total loss")
ax.set_title("Same objective, same start, different optimisers")
ax.legend(fontsize=8)
fig.tight_layout(rect=(0, 0, 1, 0.93))
plots.stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# ### Adam only sees ratios (until $\epsilon$ takes over)
#
# Multiply the whole loss by $k$: $g \to kg$, $m \to km$, $\sqrt v \to k\sqrt v$, and the step
# $m/(\sqrt v + \epsilon)$ is unchanged while $\epsilon \ll k\sqrt v$. So with Adam only
# $\alpha : \beta : \gamma$ matter, not their size. Shrink the loss until the gradients are
# comparable to $\epsilon$ and the invariance breaks: small-gradient pixels stop moving. (The
# TF tutorial's $\epsilon = 0.1$ breaks it on purpose; SGD never had it.)

# %%
eps = EPS  # the epsilon nst.stylize uses (section 2), not adam_update's default
typical = float(np.median(np.abs(grad)))
trajectories = {}
for k in (1.0, 1e3, eps / typical):
    run = nst.stylize(
        content,
        style,
        optimizer="adam",
        learning_rate=5.0,
        iterations=20,
        **{**SETTINGS, "content_weight": k * ALPHA, "style_weight": k * BETA},
    )
    trajectories[k] = np.array([s.image for s in run])  # fmt: skip
scaled_up = np.abs(trajectories[1e3] - trajectories[1.0]).max()
scaled_down = np.abs(trajectories[eps / typical] - trajectories[1.0]).max()
print(f"epsilon = {eps:g}, median |gradient| = {typical:.3g}")
print(f"loss x 1000: trajectories differ by at most {scaled_up:.2g} gray levels")
print(f"loss x {eps / typical:.2g} (median gradient ~ epsilon): by {scaled_down:.3g}")
assert scaled_up < 0.05
assert scaled_down > 100 * scaled_up

# %% [markdown]
# ## 5. Where to start: content, noise or style
#
# Gatys et al. (CVPR 2016, fig. 6) start from white noise; most implementations start from the
# content photo, which already has zero content loss. `init="noise"` here is the library's
# default noise, $\sigma = 1$ gray level around the mean colour: like anish's (0.256) and
# jcjohnson's (0.001) it is *almost a blank image* (curriculum, pitfall 8). `init="style"`
# starts from the style image, whose style loss is zero (same size, same Grams).

# %%
inits = {"content": runs["Adam lr 5"]}
for init in ("noise", "style"):
    inits[init] = list(
        nst.stylize(content, style, optimizer="adam", learning_rate=5.0, iterations=ITERATIONS,
                    init=init, **SETTINGS)
    )  # fmt: skip
for name, run in inits.items():
    s0, s1 = run[0].losses, run[-1].losses
    print(f"  init {name:8s} start content {s0['content']:10.4g} style {s0['style']:10.4g}"
          f"   end content {s1['content']:10.4g} style {s1['style']:10.4g}")  # fmt: skip
assert inits["content"][0].losses["content"] == 0.0
assert inits["style"][0].losses["style"] < 1e-6 * inits["content"][0].losses["style"]
assert inits["content"][-1].losses["content"] < inits["noise"][-1].losses["content"]

# %%
fig = plots.plot_images(
    [run[k].image for run in inits.values() for k in (0, -1)],
    [f"init {name}: {when}" for name in inits for when in ("start", f"after {ITERATIONS}")],
    cols=6,
    synthetic=weights,
)
show(fig, top=0.93)

# %% [markdown]
# ## 6. Checkpoints: saving is the caller's job
#
# Because `nst.stylize` yields and does no I/O, "save every $k$ steps", "stop when the loss
# stalls" and "show a progress bar" are a few lines of the *caller's* loop, and stopping early
# is just leaving the loop (`break` closes the generator). A checkpoint image is what a viewer
# would see: $x$ rounded to integers and clipped to $[0, 255]$, as uint8. Images made with
# random weights are saved with that fact written inside the file
# (`nst.manifest.save_labelled_image`, atomic).

# %%
EVERY, STOP_AT = 10, 40
saved = {}
with tempfile.TemporaryDirectory() as folder:
    run = nst.stylize(content, style, optimizer="adam", learning_rate=5.0, iterations=100,
                      **SETTINGS)  # fmt: skip
    for step in run:
        if step.iteration % EVERY == 0:
            path = Path(folder) / f"step_{step.iteration:04d}.png"
            save_labelled_image(path, step.image, {"weights": weights.label})
            with Image.open(path) as png:
                saved[step.iteration] = (step.image, np.asarray(png.convert("RGB")), png.text)
        if step.iteration == STOP_AT:
            break  # the remaining 60 iterations never run
    written = sorted(p.name for p in Path(folder).iterdir())
print(written)
assert list(saved) == [0, 10, 20, 30, 40] and len(written) == 5
for image, png, text in saved.values():
    assert np.array_equal(png, np.clip(np.rint(image), 0, 255).astype(np.uint8))
    assert text["weights"] == weights.label

# %%
fig = plots.plot_images(
    [png for _, png, _ in saved.values()],
    [f"step {k}" for k in saved],
    cols=5,
    synthetic=weights,
)
show(fig, top=0.9)

# %% [markdown]
# ## 7. The content/style trade-off: the $\beta/\alpha$ grid
#
# Gatys, Ecker and Bethge (arXiv 2015, figure 3) show one picture per ratio $\alpha/\beta$
# from $10^{-5}$ to $10^{-2}$. Here $\beta/\alpha$ runs over four decades around our balanced
# value. We report the **unweighted** terms $L_c$ and $\sum w_l E_l$ at the end, so runs are
# comparable: the more weight on style, the further the result drifts from the photo's features
# and the closer its Grams get to the painting's.

# %%
ratios = BETA * 10.0 ** np.arange(-2, 3)
grid = {}
for r in ratios:
    run = list(
        nst.stylize(content, style, optimizer="adam", learning_rate=5.0, iterations=ITERATIONS,
                    **{**SETTINGS, "style_weight": r})
    )  # fmt: skip
    grid[r] = (run[-1].image, run[-1].losses["content"] / ALPHA, run[-1].losses["style"] / r)
for r, (_, lc, ls) in grid.items():
    print(f"  beta/alpha = {r:8.2g}:  L_c = {lc:10.4g}   sum w_l E_l = {ls:10.4g}")
content_losses = [lc for _, lc, _ in grid.values()]
style_losses = [ls for _, _, ls in grid.values()]
assert all(np.diff(content_losses) > 0)  # more style weight: further from the photo
assert all(np.diff(style_losses) < 0)  # ... and closer to the painting's statistics

# %% tags=["gallery"]
fig = plots.plot_images(
    [content, *[image for image, _, _ in grid.values()], style],
    ["content", *[f"β/α = {r:.0e}" for r in grid], "style"],
    cols=7,
    synthetic=weights,
)
show(fig, top=0.9)

# %% [markdown]
# With the real VGG-19 the middle pictures show the painting's brush strokes arranged along
# the photo's edges; with random weights you see the mechanics only (colour statistics and
# high-frequency texture). The *orderings* asserted above hold either way.
#
# ## What to remember
#
# - Style transfer is an optimisation over pixels of
#   $\alpha \sum c_l L_c + \beta \sum w_l E_l + \gamma\,\mathrm{TV}$; every number a `Step`
#   reports can be recomputed from its image with the formulas of L4 and L6.
# - Adam moves each pixel by about `learning_rate` gray levels per step (exactly that on step
#   1) and only sees the *ratios* of the weights until $\epsilon$ matters; SGD needs the
#   learning rate matched to the gradient's scale; L-BFGS needs neither and usually wins
#   per iteration.
# - Valid pixels are a box, $[-\mu, 255-\mu]$ in the network's input space; projecting onto it
#   (clipping) after each step, or bounds in L-BFGS, keeps every iterate a real image.
# - Starting from the content photo gives a lower content loss for the same effort; "noise"
#   inits in the popular code are nearly blank images.
# - The generator design puts checkpoints, early stopping and progress in the caller's loop.
# - More $\beta/\alpha$: higher content loss, lower style loss, monotonically.
#
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/09_style_transfer_end_to_end.ipynb`.

# %% [markdown]
# **Exercise 1.** Run section 4 with `iterations=200`. Does Adam lr 20 ever catch up with
# L-BFGS? Compare them per unit of *work*, not per iteration: an L-BFGS iteration may evaluate
# the loss several times in its line search.
#
# *Hint:* the step function is compiled, so a Python counter inside the network counts traces,
# not calls. `Step.elapsed` (seconds since the run started) is an honest measure of work: plot
# the total loss against it for both runs.

# %% [markdown] tags=["solution"]
# **Solution.** Per iteration L-BFGS wins clearly; per second the gap shrinks (its line search
# costs extra evaluations) but on this objective it still reaches a lower loss for the same
# time. Adam lr 20 keeps bouncing at the scale of its step (about 20 gray levels per pixel), so
# it does not catch up without a decaying learning rate. Below: a short version
# of the comparison (10 iterations), per second.

# %% tags=["solution"]
short = {
    "L-BFGS": list(nst.stylize(content, style, optimizer="lbfgs", iterations=10, **SETTINGS)),
    "Adam lr 20": list(
        nst.stylize(content, style, optimizer="adam", learning_rate=20.0, iterations=10, **SETTINGS)
    ),
}
fig, ax = plt.subplots(figsize=(6, 3.4))
for name, run in short.items():
    ax.semilogy([s.elapsed for s in run[1:]], [s.losses["total"] for s in run[1:]], label=name)
    print(f"{name:10s} {run[-1].losses['total']:.4g} after {run[-1].elapsed:.1f} s")
ax.set_xlabel("seconds (work)")
ax.set_ylabel("total loss")
ax.legend()
fig.tight_layout(rect=(0, 0, 1, 0.9))
plots.stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# **Exercise 2.** Add total variation (`tv_weight`) to the run of section 1 and choose $\gamma$
# so that the TV term starts at a tenth of the style term. Return $\gamma$.


# %%
def exercise_2():
    """gamma with gamma * TV(start image) = 0.1 * (the weighted style term at the start)."""
    ### BEGIN SOLUTION
    tv_start = float(nst.losses.tv_loss(content[None].astype(np.float32), kind="l1"))
    return 0.1 * first.losses["style"] / tv_start  # the run starts at the content photo
    ### END SOLUTION


# %%
gamma = answer("exercise_2", exercise_2)
require(
    "exercise 2: gamma is a positive number",
    isinstance(gamma, (int, float, np.floating)) and gamma > 0,
    f"return one positive number, not {gamma!r}",
)
start_step = next(iter(nst.stylize(content, style, iterations=0, tv_weight=gamma, **SETTINGS)))
check(
    "exercise 2: TV term / style term at the start",
    start_step.losses["tv"] / start_step.losses["style"],
    0.1,
    rtol=1e-3,
    factors={"10": 10.0},
)

# %% [markdown] tags=["solution"]
# **Solution.** TV (the library's default kind, L1) of the content photo is a fixed number, so
# $\gamma = 0.1\,\beta\sum_l w_l E_l(\text{start}) / \mathrm{TV}(\text{start})$. Running
# with it, the high-pass images of L8 lose most of their pixel-level speckle: TV penalises
# exactly the neighbour differences that make them.

# %% [markdown]
# **Exercise 3.** Write the early-stopping rule "stop when the total loss fell by less than
# 0.1% over the last 10 steps" as a caller's loop around `nst.stylize`, and report where it
# stops.
#
# *Hint:* keep the totals in a list; at step $k \ge 10$ compare `totals[k]` with
# `totals[k - 10]`, and `break` (which closes the generator) when the relative fall is below
# $10^{-3}$.

# %% [markdown] tags=["solution"]
# **Solution.** A few lines in the caller's loop; nothing in the library changes.

# %% tags=["solution"]
totals = []
for step in nst.stylize(
    content, style, optimizer="adam", learning_rate=5.0, iterations=60, **SETTINGS
):
    totals.append(step.losses["total"])
    if step.iteration >= 10 and totals[-11] - totals[-1] < 1e-3 * totals[-11]:
        break
print(f"stopped at iteration {step.iteration}, total {totals[-1]:.4g}")
assert step.iteration <= 60

# %% [markdown]
# **Exercise 4.** Repeat section 7 with `init="noise"`. Which end of the grid changes most, and
# why?
#
# *Hint:* from the content photo, the content term starts at zero; from (almost blank) noise it
# starts at its largest. Which end of the grid has little weight on content to pull the image
# back towards the photo?

# %% [markdown] tags=["solution"]
# **Solution.** The style-heavy end (large $\beta/\alpha$) changes most: there the content term
# is too weak to rebuild the photo in 40 steps, so the result stays far from it (a much higher
# $L_c$ than from the content init), while at the content-heavy end the content term pulls the
# image back towards the photo either way. Below: the two ends of the grid.

# %% tags=["solution"]
for r in (ratios[0], ratios[-1]):
    noisy_run = list(
        nst.stylize(content, style, optimizer="adam", learning_rate=5.0, iterations=ITERATIONS,
                    init="noise", **{**SETTINGS, "style_weight": r})
    )  # fmt: skip
    lc_noise = noisy_run[-1].losses["content"] / ALPHA
    print(
        f"beta/alpha = {r:8.2g}: L_c from content {grid[r][1]:10.4g}, from noise {lc_noise:10.4g}"
    )
