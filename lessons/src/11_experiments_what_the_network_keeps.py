# %% [markdown]
# # Lesson 11: Experiments: what does the network keep?
#
# **The question.** Style transfer has many knobs that papers and tutorials set differently:
# Gatys' normalised network, max or average pooling, taps before or after the ReLU, the content
# layer, how much each style layer counts, whether colours come from the photo or the painting.
# Which of them change the *mathematics*, which only change the *look*, and can you predict the
# outcome before running it?
#
# Each section states a hypothesis, proves the exact part with an assert, and runs a short
# experiment for the rest.
#
# 1. Gatys' activation normalisation, `vgg_mat.normalize_activations`: exact, and why the
#    paper's $\alpha/\beta$ only transfers to a normalised network.
# 2. Blank images (L5's rank result predicts the outcome).
# 3. Max versus average pooling.
# 4. Pre- versus post-ReLU taps.
# 5. Content layer relu2_2 versus relu4_2 (Gatys' CVPR figure 5).
# 6. The style-layer exponent (anish's `--style-layer-weight-exp`).
# 7. Colour preservation (Gatys et al. 2017): luminance-only transfer and histogram matching.
# 8. A teaser: optimising the image's Fourier coefficients instead of its pixels (Distill).
#
# **Prerequisites.** L5 (Gram matrix, blank-image rank), L6 (style loss), L9 (running
# `nst.stylize`).
#
# **Expected run time.** About 60 s on 2 CPU cores (eleven short optimisations of a
# $64\times64$ image). Uses the real VGG-19 when `vgg_mat.find_weights()` finds it,
# otherwise a synthetic miniature with random weights; every figure then says so. The exact
# identities hold for both; the *visual* conclusions (smoother images with average pooling,
# finer detail with a shallow content layer) need the real weights, so with them the lesson
# works at `SIZE` = 320 px (one switch, below; many minutes on a CPU, well under one on a GPU).

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline
import inspect
from dataclasses import replace
from fractions import Fraction

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from IPython.display import display

import nst
import vgg_mat
from nst import optimizers, plots
from nst.color import RGB_TO_YIQ, rgb_to_yiq, yiq_to_rgb
from nst.grading import answer, check
from nst.images import resize_image
from nst.statistics import radial_power_spectrum
from vgg_mat.normalization import mean_activations

np.set_printoptions(precision=4, suppress=True)
tf.get_logger().setLevel("ERROR")  # each run compiles its own loss: TF's retracing notes are noise

# %% [markdown]
# The network, the content photo and a style image (`SIZE` pixels square: 64 with the
# synthetic miniature, 320 with the real VGG-19, where the pictures can show the point), and the
# run settings of L9: content relu4_2, style relu1_1 ... relu5_1 with $w_l = 1/5$, Adam with
# learning rate 5, 40 steps, $\beta/\alpha$ the power of ten that balances the two terms at
# their worst.

# %%
weights = vgg_mat.real_or_synthetic()  # the real file if found, else a miniature
net = vgg_mat.VGG(weights)
SIZE = 320 if not weights.synthetic else 64  # the one switch: pictures that teach, or fast
print(f"images of {SIZE} x {SIZE} pixels")

photo = nst.load_image(nst.sample_content_path(), max_size=SIZE * 75 // 64)  # (75k, 64k, 3)
content = photo[SIZE // 32 : SIZE // 32 + SIZE, :SIZE]  # (SIZE, SIZE, 3), 0-255
styles = {
    name: resize_image(nst.load_image(path), (SIZE, SIZE))
    for name, path in nst.sample_style_paths().items()
}
style = styles["swirls"]
STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
mean_rgb = np.asarray(weights.mean_rgb)


def acts(image, layers, network=net):
    """Activations (float64 numpy, batch axis dropped) of an (H, W, 3) image in [0, 255]."""
    out = network(vgg_mat.preprocess(image, weights), layers)
    return {name: tf.cast(a[0], tf.float64).numpy() for name, a in out.items()}


def gram(f):
    m = f.reshape(-1, f.shape[-1])  # (M, N)
    return m.T @ m  # G = F^T F


def style_E(f, a):
    """Gatys' E_l = sum (G - A)^2 / (4 N^2 M^2) for raw Grams."""
    n, m = f.shape[-1], f.shape[0] * f.shape[1]
    return np.sum((gram(f) - a) ** 2) / (4.0 * n**2 * m**2)


blank = np.broadcast_to(mean_rgb, content.shape).astype(np.float32)
cost_content = 0.5 * np.sum(
    (acts(blank, ["relu4_2"])["relu4_2"] - acts(content, ["relu4_2"])["relu4_2"]) ** 2
)
f_c, f_s = acts(content, STYLE_LAYERS), acts(style, STYLE_LAYERS)
cost_style = np.mean([style_E(f_c[name], gram(f_s[name])) for name in STYLE_LAYERS])
BETA = 10.0 ** np.round(np.log10(cost_content / cost_style))
SETTINGS = dict(
    weights=net,
    content_layers=["relu4_2"],
    style_layers=STYLE_LAYERS,
    content_weight=1.0,
    style_weight=BETA,
    optimizer="adam",
    learning_rate=5.0,
    iterations=40,
)
print(f"beta / alpha = {BETA:g}")


def run(content_image, style_image, **changes):
    """The Step list of one short `nst.stylize` run with SETTINGS (+ changes)."""
    return list(nst.stylize(content_image, style_image, **{**SETTINGS, **changes}))


def show(fig, top=0.9):
    """Display a `nst.plots` figure, its axes below the top edge (room for the red label)."""
    fig.get_layout_engine().set(rect=(0, 0, 1, top))
    display(fig)


baseline = run(content, style)
assert baseline[-1].losses["total"] < baseline[0].losses["total"]

# %% [markdown]
# ## 1. Gatys' activation normalisation
#
# Gatys et al. (CVPR 2016, section 2): "We normalized the network by scaling the weights such
# that the mean activation of each convolutional filter over images and positions is equal to
# one." Why would that be allowed? A positive per-channel scale $s$ commutes with everything
# between two convolutions: $\mathrm{relu}(s z) = s\,\mathrm{relu}(z)$, $\max_i(s a_i) = s
# \max_i a_i$, averages are linear, zero padding stays zero. So divide conv $l$'s filter $o$
# (kernel and bias) by its mean activation $\mu_l[o]$, multiply the next conv's input weights
# from channel $o$ by $\mu_l[o]$, and the network computes the same thing, every activation of
# layer $l$ divided by its mean:
#
# $$ W'_l[u,v,c,o] = W_l[u,v,c,o]\,\frac{\mu_{l^-}[c]}{\mu_l[o]}, \qquad b'_l[o] =
#    \frac{b_l[o]}{\mu_l[o]}, \qquad a'_l = a_l / \mu_l .$$
#
# Channels that never fire on the calibration set ($\mu = 0$, "dead") are left alone. By
# default the library normalises conv1_1 ... conv5_4 and lets fc6 absorb the last scale, so
# the classifier's output does not change.

# %%
print(inspect.getsource(vgg_mat.normalize_activations))

# %% [markdown]
# Calibration set: the content photo and the four sample paintings (Gatys et al. averaged over
# natural images; the identity below holds for any set). First the naive version for the first
# layer: the mean of relu1_1 over all images and positions, and conv1_1's new kernel, by hand.

# %%
calibration = np.stack([content, *styles.values()])  # (5, SIZE, SIZE, 3)
relu1_1_maps = [acts(image, ["relu1_1"])["relu1_1"] for image in calibration]  # 5 x (H, W, C)

# %% [markdown]
# **Your turn (1/3): the mean activation per channel.** Gatys' $\mu_l[o]$ is the mean of
# channel $o$ over *all* images and *all* positions.


# %%
def mean_activation_per_channel(maps):
    """mu[o] = mean over images i and positions (h, w) of maps[i][h, w, o].

    maps: a list of K float arrays, each (H, W, C) (one image's activations at one layer).
    Returns: a (C,) float array.
    """
    ### BEGIN SOLUTION
    total = sum(np.sum(a, axis=(0, 1)) for a in maps)  # (C,) sum over images and positions
    count = sum(a.shape[0] * a.shape[1] for a in maps)  # K * H * W values per channel
    return total / count
    ### END SOLUTION


# %%
means = mean_activations(weights, calibration)  # the library: {conv layer: (C,) means}
tiny = [np.arange(8.0).reshape(2, 2, 2), np.ones((2, 2, 2))]  # K = 2, H = W = 2, C = 2
check(
    "mean_activation_per_channel on a 2-image example",
    answer("mean_activation_per_channel", mean_activation_per_channel, tiny),
    [(0 + 2 + 4 + 6 + 4) / 8, (1 + 3 + 5 + 7 + 4) / 8],  # ones add 4 to each channel's sum
    rtol=1e-12,
    factors={"H*W": 4, "K (images)": 2, "K*H*W": 8},
)
mu_1 = answer("mean_activation_per_channel", mean_activation_per_channel, relu1_1_maps)
check(
    "mean_activation_per_channel of relu1_1, against vgg_mat.normalization.mean_activations",
    mu_1,
    means["conv1_1"],
    rtol=1e-5,  # float32 network, a batch of 5 against one image at a time
    factors={"H*W": SIZE * SIZE, "K (images)": len(calibration), "K*H*W": 5 * SIZE * SIZE},
)

# %%
s_1 = np.where(mu_1 > 0, 1.0 / np.where(mu_1 > 0, mu_1, 1.0), 1.0)
kernel_by_hand = weights.layer("conv1_1").kernel * s_1  # W / mu, per output channel

normalized = vgg_mat.normalize_activations(weights, calibration)
print(normalized.label)
np.testing.assert_allclose(means["conv1_1"], mu_1, rtol=1e-5)  # batch of 5 vs one by one
np.testing.assert_allclose(normalized.layer("conv1_1").kernel, kernel_by_hand, rtol=1e-5)
assert "normalised" in normalized.label

# %% [markdown]
# **Exact (up to float32): every live channel now has mean activation 1 on the calibration
# set**, and dead channels stay at 0. One caveat worth knowing: a channel that *almost* never
# fires has a tiny mean $\mu$ next to pre-activations $z$ of ordinary size, so float32's
# rounding of $z$, relative to $\mu$, is amplified by $|z|/\mu$; such channels (mean below
# $10^{-3}$ of their layer's largest) are checked to 5% instead of 0.1%.

# %%
after = mean_activations(normalized, calibration)
dead = faint = 0
worst = 0.0
for name, mu in after.items():
    alive = means[name] > 0
    strong = means[name] > 1e-3 * means[name].max()
    dead += int((~alive).sum())
    faint += int((alive & ~strong).sum())
    np.testing.assert_allclose(mu[strong], 1.0, rtol=1e-3)
    np.testing.assert_allclose(mu[alive & ~strong], 1.0, rtol=5e-2)
    assert np.all(mu[~alive] == 0.0)
    worst = max(worst, float(np.abs(mu[alive] - 1.0).max()))
print(f"{len(after)} conv layers, {sum(m.size for m in after.values())} channels, {dead} dead,")
print(f"{faint} faint; largest |mean - 1| of a live channel: {worst:.1e}")
print("before, per layer: mean of mu from", f"{min(m.mean() for m in means.values()):.3g} to",
      f"{max(m.mean() for m in means.values()):.3g}")  # fmt: skip

# %% [markdown]
# **Exact: the network is unchanged up to the scale.** On an image that was not in the
# calibration set (the photo, mirrored), every normalised layer's activations are the original
# ones divided by $\mu_l$, pooling included, and the classifier's probabilities (fc6-fc8 run on
# a $224\times224$ input) are the same.

# %%
probe = content[:, ::-1]  # not a calibration image
taps = ["relu1_1", "pool1", "relu3_1", "relu4_2", "relu5_1", "pool5"]
old, new = acts(probe, taps), acts(probe, taps, network=vgg_mat.VGG(normalized))
conv_of = {"relu1_1": "conv1_1", "pool1": "conv1_2", "relu3_1": "conv3_1",
           "relu4_2": "conv4_2", "relu5_1": "conv5_1", "pool5": "conv5_4"}  # fmt: skip
for tap, conv in conv_of.items():
    s = np.where(means[conv] > 0, 1.0 / np.where(means[conv] > 0, means[conv], 1.0), 1.0)
    np.testing.assert_allclose(
        new[tap], old[tap] * s, rtol=1e-3, atol=1e-3 * np.abs(new[tap]).max()
    )
big = resize_image(content, (224, 224))
p_old = acts(big, ["prob"])["prob"].ravel()
p_new = acts(big, ["prob"], network=vgg_mat.VGG(normalized))["prob"].ravel()
np.testing.assert_allclose(p_new, p_old, rtol=1e-3, atol=1e-7)
print("top class before and after:", p_old.argmax(), p_new.argmax())

# %% tags=["gallery"]
fig, ax = plt.subplots(figsize=(8, 3.6))
names = list(means)
ax.boxplot([means[n][means[n] > 0] for n in names], tick_labels=[n[4:] for n in names])
ax.axhline(1.0, color="red", lw=1.5, label="after normalisation: every live channel = 1")
ax.set_yscale("log")
ax.set_xlabel("conv layer")
ax.set_ylabel("mean activation per channel")
ax.set_title("Mean post-ReLU activation per channel, before normalisation")
ax.legend(loc="lower left", fontsize=8)
fig.tight_layout(rect=(0, 0, 1, 0.92))
plots.stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# ### Why $\alpha/\beta$ does not transfer between networks
#
# If a layer's activations are all multiplied by $s$, its content loss
# $\tfrac12\sum(sF - sP)^2$ grows by $s^2$ and its Gram loss by $s^4$ (a Gram is quadratic in
# $F$, and the loss squares it again). Make that happen inside the network by hand: conv1_1's
# kernel and bias times $s$ and conv1_2's kernel divided by $s$. relu1_1 scales by $s$ and
# relu2_1 not at all.

# %%
s = 0.1
layers = list(weights.layers)
for i, layer in enumerate(layers):
    if layer.name == "conv1_1":
        layers[i] = replace(layer, kernel=layer.kernel * s, bias=layer.bias * s)
    if layer.name == "conv1_2":
        layers[i] = replace(layer, kernel=layer.kernel / s)
scaled_net = vgg_mat.VGG(replace(weights, layers=tuple(layers), source="conv1_1 scaled by hand"))
two = ["relu1_1", "relu2_1"]
f0, p0, a0 = acts(probe, two), acts(content, two), acts(style, two)
f1, p1, a1 = (acts(x, two, network=scaled_net) for x in (probe, content, style))
lc_ratio = np.sum((f1["relu1_1"] - p1["relu1_1"]) ** 2) / np.sum(
    (f0["relu1_1"] - p0["relu1_1"]) ** 2
)
e_ratio = style_E(f1["relu1_1"], gram(a1["relu1_1"])) / style_E(f0["relu1_1"], gram(a0["relu1_1"]))
print(f"s = {s}: content loss x {lc_ratio:.6g} (s^2 = {s**2:g})")
print(f"        style loss x {e_ratio:.6g} (s^4 = {s**4:g})")
np.testing.assert_allclose(lc_ratio, s**2, rtol=1e-4)
np.testing.assert_allclose(e_ratio, s**4, rtol=1e-4)
np.testing.assert_allclose(
    f1["relu2_1"], f0["relu2_1"], rtol=1e-4, atol=1e-4 * np.abs(f0["relu2_1"]).max()
)

# %% [markdown]
# Normalisation applies a *different* $s$ to every channel of every layer, so each layer's
# $E_l$ moves by its own factor (below: the style loss of the photo against the painting, per
# layer, normalised over original). Weights tuned on one network (Gatys' $\alpha/\beta =
# 10^{-3}$ on the normalised VGG-19) mean something else on the other: convert them (L10) or
# normalise the same way.

# %%
f_n, s_n = (
    acts(content, STYLE_LAYERS, vgg_mat.VGG(normalized)),
    acts(style, STYLE_LAYERS, vgg_mat.VGG(normalized)),
)
factors = []
for name in STYLE_LAYERS:
    factors.append(style_E(f_n[name], gram(s_n[name])) / style_E(f_c[name], gram(f_s[name])))
    print(f"  {name}: E_l(normalised) / E_l(original) = {factors[-1]:.3g}")
assert max(factors) > 2 * min(factors)  # no single conversion factor for the whole style term

# %% [markdown]
# ## 2. Blank images
#
# L5 showed that a constant image has a (nearly) rank-1 Gram matrix: with the network's pad-1
# convolutions a $3\times3$ window sees one of only **9** different neighbourhoods (interior,
# 4 edges, 4 corners), so relu1_1 has at most 9 distinct feature vectors and the Gram has rank
# $\le 9$. Deeper layers see further, so the border zone grows, but the interior stays one
# vector.
#
# **Hypothesis.** A blank *style* image asks for a Gram dominated by one vector, which pulls
# towards a flat image, while the content term pulls back towards the photo. In a short run
# (40 steps) the result is a compromise: **the photo's layout with less contrast, not a flat
# image**. A blank *content* image constrains little: a texture grows from the flat grey (its
# contrast from zero to that of a texture). The cell measures what the
# pictures show (contrast as the interior standard deviation, layout as the correlation of the
# result's luminance with the photo's) and asserts it; the figure's titles carry the numbers.

# %%
grey = np.full((SIZE, SIZE, 3), 128.0, np.float32)
blank_acts = acts(grey, ["relu1_1", "relu2_1", "relu3_1"])
for name, f in blank_acts.items():
    rows = f.reshape(-1, f.shape[-1])
    distinct = len(np.unique(np.round(rows / (np.abs(rows).max() + 1e-30), 4), axis=0))
    rank = np.linalg.matrix_rank(gram(f), tol=1e-10 * np.linalg.norm(gram(f), 2))
    print(f"  {name} {f.shape}: {distinct:3d} distinct feature vectors, Gram rank {rank}")
    if name == "relu1_1":
        assert distinct == 9 and rank <= 9

blank_style = run(content, grey)
blank_content = run(grey, style)


def interior_std(image):
    return float(image[4:-4, 4:-4].std(axis=(0, 1)).mean())  # ignore the border zone


def layout_correlation(image, reference):
    """Pearson correlation of two images' luminance (Y) over the interior pixels."""
    y1, y2 = (rgb_to_yiq(x)[4:-4, 4:-4, 0].ravel() for x in (image, reference))
    return float(np.corrcoef(y1, y2)[0, 1])


std_photo = interior_std(content)
std_flat, std_texture = interior_std(blank_style[-1].image), interior_std(blank_content[-1].image)
kept_layout = layout_correlation(blank_style[-1].image, content)
print(
    f"blank style:   photo std {std_photo:.1f} -> result {std_flat:.1f}"
    f" ({std_flat / std_photo:.0%} of the contrast), correlation with the photo {kept_layout:.2f}"
)
print(f"blank content: grey std {interior_std(grey):.1f} -> result {std_texture:.1f}")
assert std_flat < std_photo  # less contrast ...
assert kept_layout > 0.5  # ... but the photo's layout is still there: a compromise
if weights.synthetic:  # what this (offline) picture shows: far from flat after 40 steps
    assert std_flat > 0.5 * std_photo
assert std_texture > 10 * (interior_std(grey) + 0.1)  # a texture grew from nothing

# %%
fig = plots.plot_images(
    [content, grey, blank_style[-1].image, grey, style, blank_content[-1].image],
    ["content", "blank style", f"result: {std_flat / std_photo:.0%} contrast, r={kept_layout:.2f}",
     "blank content", "style", f"result: std {std_texture:.0f}"],
    cols=6,
    synthetic=weights,
)  # fmt: skip
show(fig)

# %% [markdown]
# ## 3. Max versus average pooling
#
# Gatys et al. replace max pooling by average pooling "for slightly more appealing results".
# The exact part: on a $2\times2$ window, max keeps one value and passes the whole gradient to
# it; the average keeps the mean and passes $1/4$ of the gradient to each of the four. Below
# that on a $4\times4$ example, then inside the network: everything before pool1 is
# identical, pool1 is the max or mean of relu1_2's windows.
#
# **Your turn (2/3): a $2\times2$ pooling, both kinds.**


# %%
def pool2x2(x, mode):
    """2 x 2 pooling with stride 2 of an (H, W, C) array (H, W even), per channel.

    mode: "max" keeps the largest of each window's 4 values, "avg" their mean.
    Returns: an (H / 2, W / 2, C) float array; out[i, j, c] pools x[2i:2i+2, 2j:2j+2, c].
    """
    ### BEGIN SOLUTION
    h, w, c = x.shape
    windows = np.reshape(x, (h // 2, 2, w // 2, 2, c))  # (i, di, j, dj, C)
    if mode == "max":
        return windows.max(axis=(1, 3))
    return windows.mean(axis=(1, 3))
    ### END SOLUTION


# %%
x44 = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 6, 7, 1], [2, 2, 3, 9]], np.float64)
x_t = tf.constant(x44[None, :, :, None])
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x_t)
    y_max = tf.nn.max_pool2d(x_t, 2, 2, "VALID")
    y_avg = tf.nn.avg_pool2d(x_t, 2, 2, "VALID")
    sum_max, sum_avg = tf.reduce_sum(y_max), tf.reduce_sum(y_avg)
g_max = tape.gradient(sum_max, x_t)[0, :, :, 0].numpy()
g_avg = tape.gradient(sum_avg, x_t)[0, :, :, 0].numpy()
print("max:", y_max[0, :, :, 0].numpy().tolist(), " avg:", y_avg[0, :, :, 0].numpy().tolist())
print("gradient of sum(max pool):\n", g_max)
assert y_max[0, :, :, 0].numpy().tolist() == [[4, 5], [6, 9]]
assert y_avg[0, :, :, 0].numpy().tolist() == [[2.5, 2.0], [2.5, 5.0]]
assert g_max.tolist() == [[0, 0, 0, 0], [1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 1]]
assert np.all(g_avg == 0.25)
for mode, expected in (("max", [[4, 5], [6, 9]]), ("avg", [[2.5, 2.0], [2.5, 5.0]])):
    check(
        f"pool2x2(..., {mode!r}) on the 4 x 4 example",
        answer("pool2x2", pool2x2, x44[:, :, None], mode),  # (4, 4, 1) -> (2, 2, 1)
        np.array(expected)[:, :, None],
        rtol=1e-12,
        factors={"4 (a sum, not a mean)": 4.0},
    )

avg_net = vgg_mat.VGG(weights, pooling="avg")
m_acts = acts(content, ["relu1_2", "pool1", "relu2_1"])
a_acts = acts(content, ["relu1_2", "pool1", "relu2_1"], network=avg_net)
r = m_acts["relu1_2"]  # (SIZE, SIZE, C)
np.testing.assert_array_equal(a_acts["relu1_2"], r)  # before pool1: the same network
check("pool2x2(relu1_2, 'max') against the network's pool1", pool2x2(r, "max"), m_acts["pool1"])
np.testing.assert_allclose(a_acts["pool1"], pool2x2(r, "avg"), rtol=1e-5, atol=1e-5 * r.max())
assert not np.allclose(a_acts["relu2_1"], m_acts["relu2_1"])
# a positive scale commutes with both poolings (section 1); a negative one does not with max
window = x44[:2, :2]
assert (0.5 * window).max() == 0.5 * window.max() and (-1 * window).max() != -1 * window.max()

# %% [markdown]
# Now stylise with each (the max-pooling run is the baseline). Each pooling is a different
# network, so compare pictures, not loss values. The mean absolute neighbour difference
# (L8's TV per pixel) measures "smoothness".

# %%
avg_run = run(content, style, pooling="avg")


def tv_per_pixel(image):
    return float(np.abs(np.diff(image, axis=0)).mean() + np.abs(np.diff(image, axis=1)).mean())


for name, result in (("max", baseline), ("avg", avg_run)):
    print(f"  {name} pooling: TV per pixel {tv_per_pixel(result[-1].image):.1f}")
assert avg_run[-1].losses["total"] < avg_run[0].losses["total"]

# %%
fig = plots.plot_images(
    [content, baseline[-1].image, avg_run[-1].image, style],
    ["content", "max pooling", "average pooling", "style"],
    synthetic=weights,
)
show(fig)

# %% [markdown]
# ## 4. Pre- versus post-ReLU taps
#
# Gatys' "conv4_2" is a Caffe blob that its ReLU overwrites in place, so the paper's features
# are **post-ReLU** (our `relu4_2`); so are anish's, jcjohnson's, the TF tutorial's and
# Keras'. The PyTorch tutorial and d2l tap the convolution **before** the ReLU. The presets
# record which:

# %%
for name, preset in nst.PRESETS.items():
    print(f"  {name:17s} {preset.tap:9s} content {', '.join(preset.content_layers)}")
assert (
    nst.get_preset("pytorch-tutorial").tap == "pre-relu" and nst.get_preset("d2l").tap == "pre-relu"
)
assert nst.get_preset("gatys").tap == "post-relu"

# %% [markdown]
# Three exact consequences:
#
# - ReLU is 1-Lipschitz, $|\mathrm{relu}(a) - \mathrm{relu}(b)| \le |a - b|$, so the content
#   loss at a post-ReLU tap is **never larger** than at the same layer's pre-ReLU tap.
# - Post-ReLU features are $\ge 0$, so every Gram entry is $\ge 0$; pre-ReLU Grams have
#   negative entries (anti-correlated channels).
# - The gradient of a post-ReLU loss with respect to the pre-activation $Z$ is the
#   post-ReLU gradient masked by $[Z > 0]$: Gatys' mask.

# %%
pairs = [(f"conv{b}_{i}", f"relu{b}_{i}") for b, i in ((1, 1), (2, 2), (3, 1), (4, 2), (5, 1))]
names = [n for pair in pairs for n in pair]
ac, as_ = acts(content, names), acts(style, names)
for pre, post in pairs:
    l_pre = 0.5 * np.sum((ac[pre] - as_[pre]) ** 2)
    l_post = 0.5 * np.sum((ac[post] - as_[post]) ** 2)
    g_pre, g_post = gram(ac[pre]), gram(ac[post])
    print(f"  {pre}/{post}: L_c {l_pre:10.4g} >= {l_post:10.4g};  negative Gram entries "
          f"{int((g_pre < 0).sum()):4d} pre, {int((g_post < 0).sum())} post")  # fmt: skip
    assert l_post <= l_pre * (1 + 1e-9)
    assert g_post.min() >= 0.0

z = tf.constant(ac["conv4_2"])  # the pre-activation Z, (H, W, C)
p = tf.constant(as_["relu4_2"])  # a target P
with tf.GradientTape() as tape:
    tape.watch(z)
    loss = 0.5 * tf.reduce_sum((tf.nn.relu(z) - p) ** 2)
grad_autodiff = tape.gradient(loss, z).numpy()
grad_by_hand = (np.maximum(ac["conv4_2"], 0) - as_["relu4_2"]) * (
    ac["conv4_2"] > 0
)  # (F - P) [Z > 0]
np.testing.assert_allclose(grad_autodiff, grad_by_hand, rtol=1e-12, atol=0)

# %% [markdown]
# ## 5. Content layer: relu2_2 versus relu4_2
#
# Gatys et al. (CVPR 2016, figure 5) reconstruct the content from "conv2_2" (= relu2_2) and
# from "conv4_2" (= relu4_2). **Hypothesis:** the shallower layer keeps more of the photo's
# pixels (L4: reconstructions lose detail with depth), so its result stays closer to the photo,
# while relu4_2 keeps only the layout and lets the style repaint the rest. We measure the RMS
# pixel distance to the photo (the losses of different layers are not comparable).

# %%
shallow = run(content, style, content_layers=["relu2_2"])
rms = {
    layer: float(np.sqrt(np.mean((result[-1].image - content) ** 2)))
    for layer, result in (("relu2_2", shallow), ("relu4_2", baseline))
}
print({k: round(v, 1) for k, v in rms.items()})
assert rms["relu2_2"] < rms["relu4_2"]

# %%
fig = plots.plot_images(
    [content, shallow[-1].image, baseline[-1].image, style],
    [
        "content",
        f"content relu2_2 (RMS {rms['relu2_2']:.0f})",
        f"content relu4_2 (RMS {rms['relu4_2']:.0f})",
        "style",
    ],
    synthetic=weights,
)
show(fig)

# %% [markdown]
# ## 6. The style-layer exponent
#
# anishathalye/neural-style weights style layer $k = 0, \dots, 4$ by $e^k$ and normalises the
# weights to sum 1 (`--style-layer-weight-exp`, default 1). Exact fractions: $e = 1$ gives
# $1/5$ each (the `anish` preset); $e = 2$ gives $(1, 2, 4, 8, 16)/31$; $e = 1/2$ the reverse.
# **Hypothesis:** $e > 1$ shifts the effort to deep layers (large structures), $e < 1$ to
# shallow ones (fine texture, colour).


# %%
def layer_weights(exponent):
    """anish's w_k = e^k / sum_j e^j, as exact fractions."""
    raw = [Fraction(exponent) ** k for k in range(5)]
    return [r / sum(raw) for r in raw]


assert layer_weights(1) == [Fraction(1, 5)] * 5
assert layer_weights(2) == [Fraction(n, 31) for n in (1, 2, 4, 8, 16)]
assert layer_weights(Fraction(1, 2)) == [Fraction(n, 31) for n in (16, 8, 4, 2, 1)]
assert np.allclose(
    [float(w) for w in layer_weights(1)], nst.get_preset("anish").style_layer_weights
)

reduction = {}
for e in (Fraction(1, 2), 1, 2):
    w = {name: float(v) for name, v in zip(STYLE_LAYERS, layer_weights(e), strict=True)}
    result = baseline if e == 1 else run(content, style, style_layers=w)
    # E_l at the end over E_l at the start: the weights cancel in the ratio
    reduction[e] = [
        result[-1].losses[f"style/{n}"] / result[0].losses[f"style/{n}"] for n in STYLE_LAYERS
    ]
    print(f"  e = {str(e):3s} w = {np.round(list(w.values()), 3)}")
    print(f"          E_end / E_start = {np.round(reduction[e], 4)}")
assert reduction[2][-1] < reduction[Fraction(1, 2)][-1]  # relu5_1: matched better with e = 2
assert reduction[2][0] > reduction[Fraction(1, 2)][0]  # relu1_1: matched better with e = 1/2

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
for e, values in reduction.items():
    ax.semilogy(STYLE_LAYERS, values, marker="o", label=f"exponent {e}")
ax.set_ylabel("$E_l$ at the end / at the start")
ax.set_title("Which style layers get matched, by layer-weight exponent")
ax.legend()
fig.tight_layout(rect=(0, 0, 1, 0.92))
plots.stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# ## 7. Colour preservation
#
# Style transfer copies the painting's colours along with its strokes. Gatys et al. (2017,
# section 5) give two ways to keep the photo's colours, both in `nst.color`:
#
# 1. **Luminance-only transfer.** Work in YIQ: $Y = 0.299R + 0.587G + 0.114B$ is the
#    luminance, I and Q the chroma (each row of the matrix sums to 0, so grey has no chroma).
#    Stylise the grey images (the style's $Y$ first matched to the content's mean and standard
#    deviation), then put the content's I and Q back: `nst.luminance_transfer`.
# 2. **Colour histogram matching.** Before stylising, recolour the style image by
#    $x' = A(x - \mu_S) + \mu_C$ with $A\Sigma_S A^\top = \Sigma_C$, so its colour mean and
#    covariance become the photo's: `nst.match_color_histogram`.
#
# First the colour space by hand: the YIQ matrix from its published numbers.

# %%
yiq_by_hand = np.array(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]]
)
np.testing.assert_allclose(RGB_TO_YIQ, yiq_by_hand, rtol=0, atol=0)
np.testing.assert_allclose(
    rgb_to_yiq(content), content.astype(np.float64) @ yiq_by_hand.T, rtol=1e-12, atol=1e-9
)
np.testing.assert_allclose(yiq_by_hand[1:].sum(axis=1), 0.0, atol=1e-12)  # grey has no chroma

# %% [markdown]
# **Your turn (3/3): colour preservation by luminance.** Given a stylised image and the photo,
# build the image with the stylised luminance and the photo's chroma: convert both to YIQ, take
# $Y$ from the first and $I, Q$ from the second, and convert back with the inverse matrix. (No
# clamping: the library's version also keeps the result inside $[0, 255]$, see below.)


# %%
def keep_photo_chroma(stylized, photo, rgb_to_yiq_matrix=yiq_by_hand):
    """RGB image with the luminance Y of `stylized` and the chroma (I, Q) of `photo`.

    stylized, photo: (H, W, 3) float arrays, RGB in [0, 255].
    rgb_to_yiq_matrix: (3, 3) T with (Y, I, Q) = T (R, G, B) for each pixel.
    Returns: an (H, W, 3) float array, RGB (may leave [0, 255] slightly: no clamping).
    """
    ### BEGIN SOLUTION
    t = np.asarray(rgb_to_yiq_matrix, np.float64)
    y = np.asarray(stylized, np.float64) @ t[0]  # (H, W) the stylised luminance
    iq = np.asarray(photo, np.float64) @ t[1:].T  # (H, W, 2) the photo's chroma
    yiq = np.concatenate([y[..., None], iq], axis=-1)  # (H, W, 3)
    return yiq @ np.linalg.inv(t).T  # back to RGB, pixel by pixel
    ### END SOLUTION


# %%
rng = np.random.default_rng(0)
a_img, b_img = rng.uniform(0, 255, (2, 4, 5, 3))  # two random (4, 5, 3) images
expected = yiq_to_rgb(np.concatenate([rgb_to_yiq(a_img)[..., :1], rgb_to_yiq(b_img)[..., 1:]], -1))
check(
    "keep_photo_chroma on two random 4 x 5 images",
    answer("keep_photo_chroma", keep_photo_chroma, a_img, b_img),
    expected,
    rtol=1e-9,
    factors={"255": 255.0},
)
mine = answer("keep_photo_chroma", keep_photo_chroma, a_img, b_img)
np.testing.assert_allclose(rgb_to_yiq(mine)[..., 1:], rgb_to_yiq(b_img)[..., 1:], atol=1e-9)
np.testing.assert_allclose(rgb_to_yiq(mine)[..., 0], rgb_to_yiq(a_img)[..., 0], atol=1e-9)
print(inspect.getsource(nst.luminance_transfer))

# %%
grey_content = nst.color.luminance(content)
grey_style = nst.color.match_luminance(style, content)
luma_run = run(grey_content, grey_style)
kept = nst.luminance_transfer(luma_run[-1].image, content)
yiq_kept, yiq_content, yiq_styled = (
    rgb_to_yiq(kept),
    rgb_to_yiq(content),
    rgb_to_yiq(luma_run[-1].image),
)
chroma_error = np.abs(yiq_kept[..., 1:] - yiq_content[..., 1:]).max()
print(f"chroma error vs the photo: {chroma_error:.2e} (float32 rounding)")
assert chroma_error < 1e-4  # the photo's I and Q (before 8-bit rounding)
# Y by hand: the stylised Y, clamped to where R, G, B stay in [0, 255] at the photo's chroma
d = yiq_content[..., 1:] @ np.linalg.inv(yiq_by_hand)[:, 1:].T  # chroma's share of R, G, B
low, high = (-d).max(axis=-1), (255.0 - d).min(axis=-1)
y_expected = np.clip(yiq_styled[..., 0], low, np.maximum(low, high))
in_gamut = (yiq_styled[..., 0] >= low) & (yiq_styled[..., 0] <= high)
print(f"stylised Y fits the gamut at {in_gamut.mean():.0%} of the pixels (elsewhere: clamped)")
np.testing.assert_allclose(yiq_kept[..., 0], y_expected, atol=1e-3)
# where the stylised Y fits, the library's result is exactly yours
by_hand = keep_photo_chroma(luma_run[-1].image, content)
np.testing.assert_allclose(kept[in_gamut], by_hand[in_gamut], atol=1e-3)

# %%
matched = nst.match_color_histogram(style, content, clip=False)
pixels = lambda im: im.reshape(-1, 3).astype(np.float64)  # noqa: E731
np.testing.assert_allclose(pixels(matched).mean(0), pixels(content).mean(0), rtol=1e-6)
np.testing.assert_allclose(
    np.cov(pixels(matched).T, bias=True), np.cov(pixels(content).T, bias=True), rtol=1e-5, atol=1e-3
)
matched = nst.match_color_histogram(style, content)  # clipped to [0, 255] for stylize
hist_run = run(content, matched)
print("mean colour: style", pixels(style).mean(0).round(1))
print("             recoloured style", pixels(matched).mean(0).round(1))
print("             photo", pixels(content).mean(0).round(1))

# %% tags=["gallery"]
fig = plots.plot_images(
    [content, style, baseline[-1].image, kept, matched, hist_run[-1].image],
    ["content", "style", "plain transfer", "luminance only + photo's chroma",
     "style recoloured to the photo", "transfer with the recoloured style"],
    cols=6,
    synthetic=weights,
)  # fmt: skip
show(fig)

# %% [markdown]
# With the real VGG-19, the luminance-only result keeps the photo's colours exactly while its
# brightness carries the painting's strokes; histogram matching keeps more of the painting's
# colour *variety* but in the photo's palette. With random weights the same colour facts hold
# (they are exact), only the textures are meaningless.
# %% [markdown]
# ## 8. A teaser: the Fourier parameterisation
#
# The optimiser does not have to work on pixels. Olah, Mordvintsev et al. ("Differentiable
# Image Parameterizations", Distill 2018) write the image as the inverse FFT of coefficients
# $c(f)$ scaled by $1/|f|$: $x = \mu + \mathcal F^{-1}\big(c(f)/|f|\big)$. The map is
# linear and invertible, so it is the same image space; what changes is the *geometry* of
# gradient descent. A step of the same size in $c$ puts far less energy into high spatial
# frequencies, which is where pixel-space optimisation makes its noise (L8).
#
# Texture synthesis (style loss only, from an almost blank image), 40 Adam steps in each
# parameterisation. The Fourier learning rate is chosen so that its first step moves the
# pixels by the same RMS amount as the pixel run's first step (5 gray levels).

# %%
H = W = SIZE
fy, fx = np.fft.fftfreq(H)[:, None], np.fft.rfftfreq(W)[None, :]  # cycles per pixel
scale = tf.constant(
    1.0 / np.maximum(np.sqrt(fy**2 + fx**2), 1.0 / H), tf.float32
)  # (H, W // 2 + 1)
mean_t = tf.constant(mean_rgb, tf.float32)
targets = {
    k: nst.style_target(v) for k, v in net(vgg_mat.preprocess(style, weights), STYLE_LAYERS).items()
}


def image_from(c):
    """x = mean + irfft2(c / |f|), c = (real, imag) of shape (2, 3, H, W // 2 + 1)."""
    spectrum = tf.complex(c[0] * scale, c[1] * scale)
    return tf.transpose(tf.signal.irfft2d(spectrum, fft_length=[H, W]), (1, 2, 0))[None] + mean_t


def coefficients_of(x):
    """The inverse map: c = rfft2(x - mean) * |f|."""
    spectrum = tf.signal.rfft2d(tf.transpose(x[0] - mean_t, (2, 0, 1)))  # (3, H, W // 2 + 1)
    return tf.stack([tf.math.real(spectrum) / scale, tf.math.imag(spectrum) / scale])


def texture_loss(x):
    f = net(tf.clip_by_value(x, 0.0, 255.0) - mean_t, STYLE_LAYERS)
    return tf.add_n([0.2 * nst.style_loss(f[k], targets[k]) for k in STYLE_LAYERS])


start = (mean_rgb + np.random.default_rng(0).standard_normal((1, H, W, 3))).astype(np.float32)
np.testing.assert_allclose(image_from(coefficients_of(start)).numpy(), start, atol=1e-3)


def adam_run(fourier, learning_rate, steps):
    p = coefficients_of(start) if fourier else tf.constant(start)
    m, v = tf.zeros_like(p), tf.zeros_like(p)
    to_image = image_from if fourier else (lambda q: q)

    @tf.function
    def step(p, m, v, t):
        with tf.GradientTape() as tape:
            tape.watch(p)
            loss = texture_loss(to_image(p))
        box = {} if fourier else {"lower": 0.0, "upper": 255.0}
        p, m, v = optimizers.adam_update(
            p, tape.gradient(loss, p), m, v, t, learning_rate=learning_rate, **box
        )
        return p, m, v, loss

    losses = []
    for t in range(1, steps + 1):
        p, m, v, loss = step(p, m, v, tf.constant(float(t)))
        losses.append(float(loss))
    return np.clip(to_image(p).numpy()[0], 0, 255), losses


one_step, _ = adam_run(True, 1.0, 1)
lr_fourier = 5.0 / np.sqrt(np.mean((one_step - start[0]) ** 2))  # same first-step RMS as pixels
pixel_image, pixel_losses = adam_run(False, 5.0, 40)
fourier_image, fourier_losses = adam_run(True, lr_fourier, 40)


def high_frequency_share(image):
    """Fraction of the (mean-free) power above 1/4 cycle per pixel."""
    f, power = radial_power_spectrum(image)
    return float(power[f > 0.25].sum() / power.sum())


shares = {
    name: high_frequency_share(x)
    for name, x in (("style", style), ("pixels", pixel_image), ("Fourier", fourier_image))
}
print(f"Fourier learning rate {lr_fourier:.3g}")
print(f"style loss: start {pixel_losses[0]:.4g}, after 40 steps: pixels {pixel_losses[-1]:.4g},")
print(f"            Fourier {fourier_losses[-1]:.4g}")
print("high-frequency share of the power:", {k: round(v, 3) for k, v in shares.items()})
assert pixel_losses[-1] < 0.1 * pixel_losses[0] and fourier_losses[-1] < 0.1 * fourier_losses[0]
assert shares["Fourier"] < shares["pixels"]

# %%
fig = plots.plot_images(
    [style, pixel_image, fourier_image],
    [
        "style",
        f"pixels (high-freq. {shares['pixels']:.0%})",
        f"Fourier (high-freq. {shares['Fourier']:.0%})",
    ],
    synthetic=weights,
)
show(fig, top=0.88)

# %% [markdown]
# Same loss, same number of steps, similar final loss: the pixel run fills the image with
# fine noise, the Fourier run with smooth patches of the painting's colours. With the real
# VGG-19 the textures themselves become meaningful; Distill reports that such decorrelated
# parameterisations give cleaner feature visualisations for the same reason.
#
# ## What to remember
#
# - Gatys' normalisation is an exact reparameterisation: per-channel positive scales commute
#   with ReLU and both poolings, so the network's function is unchanged up to those scales
#   and the classifier is untouched. Losses scale as $s^2$ (content) and $s^4$ (Gram), so
#   loss weights only carry over between networks normalised the same way.
# - A constant image has at most 9 distinct relu1_1 feature vectors (Gram rank $\le 9$):
#   a blank style pulls towards a flat image (in 40 steps: less contrast, the photo's layout
#   kept), a blank content image leaves a near-pure texture.
# - Max pooling routes the whole gradient through one pixel per window, average pooling
#   spreads it evenly; both commute with positive scales.
# - Post-ReLU taps: content loss never larger than pre-ReLU, Gram entries $\ge 0$, and the
#   gradient carries the $[Z > 0]$ mask. Know which one a tutorial's weights assume.
# - A shallower content layer keeps the photo's pixels closer; a larger style-layer exponent
#   moves the effort to deeper layers.
# - Colours: either stylise the luminance and put the photo's chroma back (exact chroma), or
#   recolour the style first (exact mean and covariance, before clipping).
# - The parameterisation is a choice: the same image space written as scaled Fourier
#   coefficients makes gradient steps favour low frequencies.
#
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/11_experiments_what_the_network_keeps.ipynb`.

# %% [markdown]
# **Exercise 1.** Normalise with `pooling="avg"` and stylise with the normalised network and
# Gatys' $\alpha/\beta = 10^{-3}$ (with the real weights). How close does it look to the paper?
#
# *Hint:* `vgg_mat.normalize_activations(weights, calibration, pooling="avg")`, then
# `vgg_mat.VGG(normalized_avg, pooling="avg")` as `weights=` of `nst.stylize`, with
# `content_weight=1` and `style_weight=1e3`. Gatys' $\alpha/\beta$ is for his normalised
# network, in his units: check with the losses of the first step that both terms matter.

# %% [markdown] tags=["solution"]
# **Solution.** With the real weights at a few hundred pixels and a few hundred L-BFGS steps the
# result has the paper's look: strokes of the painting along the photo's edges, smoother than
# with max pooling. With the synthetic miniature only the mechanics can be checked: the ratio of
# the two terms at the start is in a sensible range for the normalised network, unlike for the
# raw one, where $\beta/\alpha = 10^3$ is far from the balance found at the top of the lesson.

# %% tags=["solution"]
normalized_avg = vgg_mat.normalize_activations(weights, calibration, pooling="avg")
paper = run(
    content,
    style,
    weights=vgg_mat.VGG(normalized_avg, pooling="avg"),
    content_weight=1.0,
    style_weight=1e3,
    iterations=10,
)
first_losses = paper[1].losses
print(f"step 1: content {first_losses['content']:.3g}, style {first_losses['style']:.3g}")
assert paper[-1].losses["total"] < paper[0].losses["total"]

# %% [markdown]
# **Exercise 2.** Replace the blank style by a style image made of two flat colours (left and
# right halves). Predict the number of distinct relu1_1 feature vectors (an upper bound on the
# Gram's rank) first, then check it.


# %%
def exercise_2():
    """The number of distinct 3 x 3 neighbourhoods (with zero padding) of a SIZE x SIZE image
    whose left half is one colour and right half another."""
    ### BEGIN SOLUTION
    # Rows: top edge, interior, bottom edge (3 kinds). Columns: left edge, left interior, the
    # last left column (sees the right colour), the first right column, right interior, right
    # edge (6 kinds). Every pair is a different window: 3 * 6 = 18.
    return 18
    ### END SOLUTION


# %%
halves = np.zeros((SIZE, SIZE, 3), np.float32)
halves[:, : SIZE // 2] = (200.0, 40.0, 40.0)
halves[:, SIZE // 2 :] = (30.0, 90.0, 220.0)
padded = np.pad(halves, ((1, 1), (1, 1), (0, 0)))
windows_3x3 = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(0, 1))
n_windows = len(np.unique(windows_3x3.reshape(SIZE * SIZE, -1), axis=0))
check("exercise 2: distinct 3 x 3 windows", answer("exercise_2", exercise_2), n_windows)
relu_halves = acts(halves, ["relu1_1"])["relu1_1"]  # (SIZE, SIZE, C)
f_halves = relu_halves.reshape(-1, relu_halves.shape[-1])  # (M, N)
n_vectors = len(np.unique(np.round(f_halves / (np.abs(f_halves).max() + 1e-30), 4), axis=0))
rank_halves = np.linalg.matrix_rank(f_halves.T @ f_halves)
print(f"{n_windows} distinct windows, {n_vectors} distinct relu1_1 vectors, Gram rank")
print(f"{rank_halves} (at most min(windows, {f_halves.shape[1]} channels))")
assert n_vectors <= n_windows

# %% [markdown]
# **Exercise 3.** Write a pre-ReLU run by passing `conv4_2` and `conv1_1 ... conv5_1` as layers.
# Which loss values change the most, and why can they go up where post-ReLU ones cannot?
#
# *Hint:* `run(content, style, content_layers=["conv4_2"], style_layers=[...])`, and compare the
# per-layer entries of the first `Step`'s losses with the baseline's. Section 4 proved the
# content inequality; for the Grams, think of what negative entries add to $\sum(G - A)^2$.

# %% [markdown] tags=["solution"]
# **Solution.** The pre-ReLU content loss is never smaller than the post-ReLU one (ReLU is
# 1-Lipschitz), so it starts higher. The pre-ReLU style terms change most at deep layers, where
# most pre-activations are negative: the ReLU discards them, the pre-ReLU Gram counts their
# co-occurrences too (the negative entries of section 4), so $\sum(G - A)^2$ has more to match.

# %% tags=["solution"]
pre_layers = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
pre = run(content, style, content_layers=["conv4_2"], style_layers=pre_layers, iterations=5)
for post_name, pre_name in zip(STYLE_LAYERS, pre_layers, strict=True):
    ratio_pre_post = pre[0].losses[f"style/{pre_name}"] / baseline[0].losses[f"style/{post_name}"]
    print(f"  {pre_name} / {post_name}: style term at the start x {ratio_pre_post:.3g}")

# %% [markdown]
# **Exercise 4.** Extend section 8 with Distill's colour decorrelation: optimise in a colour
# space whose axes are the principal components of natural-image colours (an SVD of the photo's
# colour covariance is a good start). Does the texture's colour converge faster?
#
# *Hint:* with $\Sigma = U S U^\top$ the photo's $3\times3$ colour covariance, write the image as
# $x = \mu + \mathcal F^{-1}(c/|f|)\,(U S^{1/2})^\top$: the optimiser's three channels are then
# uncorrelated, unit-variance colour axes. Compare the colour histograms after 40 steps.

# %% [markdown] tags=["solution"]
# **Solution.** Build $W = U S^{1/2}$ from the photo's colours (below), map the optimised
# channels through $W^\top$ inside `image_from`, and its inverse inside `coefficients_of`. With
# the real weights the colours of the texture settle in fewer steps, because one step along
# the first principal axis changes brightness, not a single channel. The whitening itself is
# exact: the whitened photo colours have identity covariance.

# %% tags=["solution"]
colours = content.reshape(-1, 3).astype(np.float64)
u, s_values, _ = np.linalg.svd(np.cov(colours.T, bias=True))
w_colour = u * np.sqrt(s_values)  # (3, 3): columns are the scaled principal axes
whitened = (colours - colours.mean(0)) @ np.linalg.inv(w_colour).T
np.testing.assert_allclose(np.cov(whitened.T, bias=True), np.eye(3), atol=1e-9)
print(
    "principal colour axes (columns):\n",
    u.round(3),
    "\nstd along them:",
    np.sqrt(s_values).round(1),
)
