# %% [markdown]
# # Lesson 12: From optimisation to a network
#
# **The question.** `nst.stylize` optimises the *pixels* of one image for hundreds of steps, and
# starts again from scratch for the next photo. Can a network learn, once, to do the same in a
# single forward pass, trained with exactly the same loss? What does such a network need that VGG
# does not: instance normalisation, and upsampling that leaves no checkerboard?
#
# **Prerequisites.** L5 (Gram matrices), L8 (checkerboards and TV), L9 (the loop and Adam).
#
# **Expected run time.** About a minute on 2 CPU cores with the synthetic miniature (tiny networks,
# 64 px crops, a few dozen steps). With the real VGG-19 weights (`vgg_mat.find_weights()`),
# section 6 trains a larger network on the sample images for a few minutes.

# %%
# %load_ext autoreload
# %autoreload 2
import inspect
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import nst
import vgg_mat
from nst.adam import adam_update
from nst.config import resolve_config
from nst.feedforward import layers as ff_layers
from nst.feedforward.johnson import TransformNet
from nst.feedforward.loss import PerceptualLoss
from nst.feedforward.modelfile import load_model, save_model
from nst.feedforward.texture import TextureNet
from nst.feedforward.train import TrainSettings, photo_source, train
from nst.grading import answer, check, require
from nst.images import resize_image
from nst.plots import stamp_synthetic

np.set_printoptions(precision=4, suppress=True)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. The idea: amortise the optimisation
#
# Gatys' method solves, for **each** photo $c$,
#
# $$x^\star(c) = \arg\min_x \; L(x;\, c, s), \qquad
#   L = \alpha \sum_l c_l L_c + \beta \sum_l w_l E_l + \gamma\, TV ,$$
#
# hundreds of forward *and backward* passes through VGG-19 per image. Johnson, Alahi and Fei-Fei
# (2016) and Ulyanov et al. (2016) train instead a generator $g_\theta$ once, over many photos:
#
# $$\theta^\star = \arg\min_\theta \; \mathbb{E}_{c}\; L\big(g_\theta(c);\, c, s\big),$$
#
# after which a new photo costs **one** forward pass of $g_\theta$. The loss is the same $L$:
# `nst.feedforward.loss.PerceptualLoss` uses the same `StylizeConfig` fields and the same
# `nst.losses` functions as `nst.Objective`; only the content targets change with every batch.
# Its docstring says why it is not `Objective` itself:

# %%
print(inspect.getdoc(nst.feedforward.loss)[:1500])

# %% [markdown]
# ## 2. Instance normalisation, by hand
#
# Johnson's network normalises after every convolution. Ulyanov, Vedaldi and Lempitsky found
# that normalising each **image** and channel on its own ("instance normalisation"), instead of
# over the batch, is what makes fast stylisation work: for image $b$ and channel $c$, with
# $M = HW$ positions,
#
# $$\mu_{bc} = \frac1M \sum_{ij} x_{bijc}, \qquad
#   \sigma^2_{bc} = \frac1M \sum_{ij} (x_{bijc} - \mu_{bc})^2, \qquad
#   y_{bijc} = \gamma_c \frac{x_{bijc} - \mu_{bc}}{\sqrt{\sigma^2_{bc} + \epsilon}} + \beta_c .$$
#
# A worked example: one $2\times2$ channel $[[1, 3], [5, 7]]$ has $\mu = 4$, $\sigma^2 = (9 + 1 +
# 1 + 9)/4 = 5$, so (with $\gamma = 1, \beta = 0$ and a negligible $\epsilon$) it becomes
# $(x - 4)/\sqrt5 = [-1.342, -0.447, 0.447, 1.342]$.
#
# **Your turn (1/3).** Write instance normalisation in numpy.


# %%
def instance_norm_numpy(x, gamma, beta, eps=1e-5):
    """Instance normalisation of a (B, H, W, C) array, with (C,) arrays gamma and beta.

    Each image b and channel c is normalised by its own mean and (population) variance over
    the H x W positions, then scaled by gamma[c] and shifted by beta[c].
    """
    ### BEGIN SOLUTION
    mean = x.mean(axis=(1, 2), keepdims=True)  # (B, 1, 1, C)
    var = ((x - mean) ** 2).mean(axis=(1, 2), keepdims=True)  # divided by M, not M - 1
    return gamma * (x - mean) / np.sqrt(var + eps) + beta
    ### END SOLUTION


# %%
worked = np.array([1.0, 3.0, 5.0, 7.0]).reshape(1, 2, 2, 1)
one, zero = np.ones(1), np.zeros(1)
check(
    "instance_norm_numpy on the worked example",
    answer("instance_norm_numpy", instance_norm_numpy, worked, one, zero, eps=0.0),
    (worked - 4.0) / np.sqrt(5.0),
    factors={"sqrt((M-1)/M) (the sample variance)": np.sqrt(3 / 4)},
)
x_batch = rng.normal(3.0, 2.0, (2, 5, 4, 3))
gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0])
check(
    "instance_norm_numpy against nst.feedforward.layers.instance_norm",
    answer("instance_norm_numpy", instance_norm_numpy, x_batch, gamma, beta),
    ff_layers.instance_norm(x_batch, gamma, beta).numpy(),
    rtol=1e-8,
    factors={"sqrt((M-1)/M) (the sample variance)": np.sqrt(19 / 20)},
)

# %% [markdown]
# What it buys: the output does not depend on the photo's **contrast and brightness** (any
# $a x + b$ with $a > 0$ gives the same result, up to $\epsilon$), and an image is normalised the
# same way alone or in a batch. Batch normalisation mixes the images of a batch: a bright photo
# changes how its neighbour in the batch is normalised.

# %%
photo_like = rng.uniform(0, 255, (1, 8, 8, 3))
brighter = 1.7 * photo_like + 40.0
out_a = instance_norm_numpy(photo_like, np.ones(3), np.zeros(3))
out_b = instance_norm_numpy(brighter, np.ones(3), np.zeros(3))
np.testing.assert_allclose(out_a, out_b, rtol=0, atol=1e-6)
pair = np.concatenate([photo_like, brighter])  # a batch of two


def batch_norm_numpy(x):
    mean = x.mean(axis=(0, 1, 2), keepdims=True)  # over the batch too
    return (x - mean) / np.sqrt(x.var(axis=(0, 1, 2), keepdims=True) + 1e-5)


alone = batch_norm_numpy(photo_like)[0]
in_batch = batch_norm_numpy(pair)[0]
print(
    "instance norm, alone vs in a batch: max difference",
    np.abs(instance_norm_numpy(pair, np.ones(3), np.zeros(3))[0] - out_a).max(),
)
print("batch norm, alone vs in a batch:    max difference", np.abs(alone - in_batch).max())
assert np.abs(alone - in_batch).max() > 0.1

# %%
print(inspect.getsource(ff_layers.instance_norm))

# %% [markdown]
# ## 3. Upsampling without checkerboards
#
# The generator shrinks the photo twice (stride-2 convolutions) and must grow it back. A
# **transposed convolution** with kernel $k$ and stride $s$ adds a copy of the kernel, scaled
# by each input pixel, at every $s$-th output position. When $k$ is not a multiple of $s$, some
# output pixels receive more kernel taps than their neighbours: a periodic pattern, the
# checkerboard (Odena, Dumoulin and Olah, 2016), printed into every image the network makes.
#
# **Your turn (2/3).** Count the taps. For an $n \times n$ input, a $k \times k$ kernel and
# stride $s$ (no padding), the output is $L \times L$ with $L = (n - 1)s + k$; input pixel
# $(i, j)$ reaches outputs $(is + a, js + b)$ for $0 \le a, b < k$. Return the $(L, L)$ array of
# how many input pixels reach each output pixel.


# %%
def tap_counts(n, kernel, stride):
    """(L, L) integer array: how many (input pixel, kernel tap) pairs land on each output pixel
    of a stride-`stride` transposed convolution of an n x n input with a kernel x kernel kernel."""
    ### BEGIN SOLUTION
    size = (n - 1) * stride + kernel
    counts = np.zeros((size, size), dtype=int)
    for i in range(n):
        for j in range(n):
            counts[i * stride : i * stride + kernel, j * stride : j * stride + kernel] += 1
    return counts
    ### END SOLUTION


# %%
def transposed_ones(n, kernel, stride):
    """The same count from TensorFlow: a transposed convolution of ones with a kernel of ones."""
    size = (n - 1) * stride + kernel
    y = tf.nn.conv2d_transpose(
        tf.ones((1, n, n, 1)),
        tf.ones((kernel, kernel, 1, 1)),
        output_shape=(1, size, size, 1),
        strides=stride,
        padding="VALID",
    )
    return y.numpy()[0, :, :, 0]


check(
    "tap_counts(4, 3, 2)",
    answer("tap_counts", tap_counts, 4, 3, 2),
    transposed_ones(4, 3, 2),
    rtol=0,
)
check(
    "tap_counts(5, 4, 2)",
    answer("tap_counts", tap_counts, 5, 4, 2),
    transposed_ones(5, 4, 2),
    rtol=0,
)
counts_3x3 = tap_counts(6, 3, 2)
print(counts_3x3[2:9, 2:9])
assert set(np.unique(counts_3x3[2:-2, 2:-2])) == {1, 2, 4}  # the checkerboard
assert np.unique(tap_counts(6, 4, 2)[2:-2, 2:-2]).tolist() == [4]  # k divisible by s: even

# %% [markdown]
# Away from the border, kernel 3 and stride 2 give 1, 2 or 4 taps in a periodic pattern, while
# kernel 4 gives 4 everywhere. **Upsampling then convolving** (`nst.feedforward.layers.UpConv`:
# nearest-neighbour upsampling by 2, then a stride-1 $3\times3$ convolution) gives every output
# pixel exactly $3 \times 3 = 9$ taps. Below, both layers get the same random (untrained) $3\times3$
# kernel and a constant input: the transposed convolution already prints the pattern; the
# upsample-convolution's interior is flat.

# %%
kernel = tf.constant(rng.normal(0, 1, (3, 3, 1, 1)), tf.float32)
flat = tf.ones((1, 8, 8, 1))
size = 2 * 8
deconv = tf.nn.conv2d_transpose(flat, kernel, (1, size, size, 1), strides=2, padding="SAME")
upconv = tf.nn.conv2d(ff_layers.upsample(flat, 2), kernel, strides=1, padding="SAME")
interior = (slice(None), slice(2, -2), slice(2, -2))
print(
    f"interior std: transposed conv {float(tf.math.reduce_std(deconv[interior])):.3f}, "
    f"upsample + conv {float(tf.math.reduce_std(upconv[interior])):.2e}"
)
assert float(tf.math.reduce_std(deconv[interior])) > 0.1
assert float(tf.math.reduce_std(upconv[interior])) < 1e-5

# %% tags=["gallery"]
fig, axes = plt.subplots(1, 4, figsize=(13, 3.3))
panels = [
    (tap_counts(6, 3, 2), "taps, transposed conv k=3 s=2"),
    (tap_counts(6, 4, 2), "taps, transposed conv k=4 s=2"),
    (deconv[0, :, :, 0].numpy(), "random 3x3 transposed conv\nof a constant image"),
    (upconv[0, :, :, 0].numpy(), "upsample x2, then the same 3x3\nconv of a constant image"),
]
for ax, (image, title) in zip(axes, panels, strict=True):
    ax.imshow(image, cmap="magma")
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
fig.suptitle("Why the generator upsamples, then convolves")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 4. The two generators
#
# `TransformNet` is Johnson's network: a $9\times9$ convolution, two stride-2 convolutions down,
# five residual blocks, two upsample-convolutions up and a $9\times9$ convolution to RGB, each
# followed by instance norm and ReLU (reflection padding at every border). `TextureNet` is
# Ulyanov's texture generator: noise at 5 resolutions, each processed and joined into the next
# finer one. Their layer tables are the module docstrings:

# %%
print(inspect.getdoc(nst.feedforward.johnson)[:1600])


# %%
def conv_params(k, c_in, c_out, norm=True):
    """Weights of a k x k convolution (kernel + bias), plus its instance norm's gamma and beta."""
    return k * k * c_in * c_out + c_out + (2 * c_out if norm else 0)


w = 32
by_hand = (
    conv_params(9, 3, w)
    + conv_params(3, w, 2 * w)
    + conv_params(3, 2 * w, 4 * w)
    + 5 * 2 * conv_params(3, 4 * w, 4 * w)
    + conv_params(3, 4 * w, 2 * w)
    + conv_params(3, 2 * w, w)
    + conv_params(9, w, 3, norm=False)
)
johnson = TransformNet(width=w, blocks=5)
counted = sum(int(np.prod(v.shape)) for v in johnson.trainable_variables)
print(f"Johnson's network: {counted:,} parameters (VGG-19's convolutions: about 20 million)")
assert counted == by_hand == 1_679_235
photo_odd = rng.uniform(0, 255, (37, 45, 3)).astype(np.float32)
assert johnson.stylize(photo_odd).shape == (37, 45, 3)  # any size: reflection pad, crop back

# %% [markdown]
# ## 5. One training step, by hand
#
# A step of training is a step of Adam, but on the network's weights $\theta$ instead of the
# pixels: run the generator on a batch of photos $x$, take the loss of its images against the
# same photos (content) and the style, and move every weight against its gradient,
#
# $$y = g_\theta(x), \qquad \ell = L(y; x, s), \qquad
#   \theta_i \leftarrow \mathrm{Adam}\big(\theta_i, \partial \ell / \partial \theta_i\big).$$
#
# **Your turn (3/3).** Write the step: a `tf.GradientTape` around the generator and the loss,
# the gradients of the total (entry 0 of the loss vector) with respect to
# `model.trainable_variables`, then `nst.adam.adam_update` for each variable with its moments
# `(m, v)` (no box: leave `lower` and `upper` out), and `assign` the results. Return the loss
# vector.

# %%
weights = vgg_mat.real_or_synthetic()  # the real file if found, else a miniature
net = vgg_mat.VGG(weights)
content = nst.load_image(nst.sample_content_path(), max_size=160)  # (H, W, 3), 0-255
style = resize_image(nst.load_image(nst.sample_style_path("swirls")), 64)
photos = [content, content[:, ::-1].copy()]  # the sample photo and its mirror image
config = resolve_config(None, style_weight=1e3, tv_weight=1e-4)
loss = PerceptualLoss(net, config, styles=[style[None]])
print(weights.label)
print("loss terms:", loss.keys[:4], "+ per layer")


# %%
def train_step(model, loss, photos, moments, t, learning_rate):
    """One Adam step on `model`'s weights; returns the loss vector of `photos` before the step.

    moments: one (m, v) pair of tf.Variables per trainable variable, in the same order.
    t: the step number (1 for the first step), a float.
    """
    ### BEGIN SOLUTION
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        values = loss(model(photos), photos)
        total = values[0]
    gradients = tape.gradient(total, variables)
    for variable, gradient, (m, v) in zip(variables, gradients, moments, strict=True):
        new, m_new, v_new = adam_update(variable, gradient, m, v, t, learning_rate=learning_rate)
        variable.assign(new)
        m.assign(m_new)
        v.assign(v_new)
    return values
    ### END SOLUTION


# %%
settings = TrainSettings(steps=1, batch=2, size=64, learning_rate=1e-3, seed=0)
batch = photo_source(photos, settings)()[0]  # (2, 64, 64, 3): two random crops
yours, library = TransformNet(width=4, blocks=1, seed=0), TransformNet(width=4, blocks=1, seed=0)
start = [v.numpy() for v in yours.trainable_variables]
moments = [
    (tf.Variable(tf.zeros_like(v)), tf.Variable(tf.zeros_like(v)))
    for v in yours.trainable_variables
]
values = answer("train_step", train_step, yours, loss, tf.constant(batch), moments, 1.0, 1e-3)
(step,) = train(library, loss, lambda: (batch, batch), settings)  # the library's step
check("train_step's loss vector", values, [step.losses[k] for k in loss.keys], rtol=1e-5)
# After the step, your network and the library's make the same loss on the batch (compared as
# losses, not weight by weight: a weight whose gradient is only rounding noise, like the bias of
# a convolution followed by instance norm, may step +lr in one run and -lr in the other).
before = float(values[0])
after = float(loss(yours(batch), batch)[0])
check("the loss after your step", after, float(loss(library(batch), batch)[0]), rtol=1e-3)
require(
    f"one step lowered the loss on its batch ({before:.5g} -> {after:.5g})",
    after < before,
    "did the weights move against the gradient (new = old - step), and were they assigned?",
)


# %% [markdown]
# The library's loop, `nst.feedforward.train.train`, is this step compiled in one
# `tf.function`, fed by `photo_source` (random square crops of the photos) and yielding one
# record per step, like `nst.stylize`:

# %%
print(inspect.getsource(train)[-1500:])

# %% [markdown]
# ## 6. Training, and the loss that falls
#
# With the synthetic miniature the network learns the *mechanics* (its loss falls) but the
# pictures mean nothing: the "style" is what random filters respond to. With the real weights
# this cell trains a wider network for a few minutes on crops of the sample photo.

# %%
if weights.synthetic:
    model = TransformNet(width=8, blocks=2, seed=0)
    settings = TrainSettings(steps=40, batch=2, size=64, learning_rate=2e-3, seed=0)
else:
    model = TransformNet(width=16, blocks=3, seed=0)
    settings = TrainSettings(steps=400, batch=4, size=128, learning_rate=1e-3, seed=0)
held_out = tf.constant(photo_source(photos, settings)()[0])  # one fixed batch of crops
before = float(loss(model(held_out), held_out)[0])
began = time.perf_counter()
history = [s.losses["total"] for s in train(model, loss, photo_source(photos, settings), settings)]
train_seconds = time.perf_counter() - began
after = float(loss(model(held_out), held_out)[0])
print(
    f"{settings.steps} steps in {train_seconds:.1f} s; loss on a fixed batch {before:.4g} -> "
    f"{after:.4g}"
)
assert after < before

# %%
result = model.stylize(content)
fig, axes = plt.subplots(1, 4, figsize=(14, 3.6), gridspec_kw={"width_ratios": [1, 1, 1, 1.4]})
titles = ("photo", "style", "one pass of the trained network")
for ax, image, title in zip(axes[:3], (content, style, result), titles, strict=True):
    ax.imshow(np.clip(image, 0, 255).astype(np.uint8))
    ax.set_title(title)
    ax.set_axis_off()
axes[3].semilogy(np.arange(1, len(history) + 1), history)
axes[3].set_xlabel("step")
axes[3].set_title("training loss (one batch per step)")
fig.tight_layout(rect=(0, 0, 1, 0.9))
stamp_synthetic(fig, when=weights)
plt.show()

# %% [markdown]
# ## 7. What a pass costs, against an optimisation
#
# Timing on a shared machine is noisy, so nothing here is asserted (the measured comparison is
# in `BENCHMARKS.md`, "Feed-forward networks"). The order of magnitude is the point: one pass
# of the generator against the default run of `nst.stylize` (500 L-BFGS iterations, each a
# forward and backward pass through VGG-19).

# %%
photo_128 = resize_image(content, (128, 128))
model.stylize(photo_128)  # the first call traces and compiles
began = time.perf_counter()
for _ in range(3):
    model.stylize(photo_128)
one_pass = (time.perf_counter() - began) / 3
elapsed = [s.elapsed for s in nst.stylize(photo_128, style, weights=net, iterations=4)]
per_iteration = float(np.median(np.diff(elapsed[1:])))
print(f"one pass of the generator at 128 px: {one_pass * 1000:.1f} ms")
print(
    f"nst.stylize at 128 px: {per_iteration * 1000:.1f} ms per iteration, about "
    f"{500 * per_iteration:.1f} s for the default 500 iterations "
    f"({500 * per_iteration / one_pass:,.0f} times one pass)"
)

# %% [markdown]
# ## 8. A model file, and the command line
#
# `save_model` writes the weights as an `.npz` (numpy arrays, never a pickle) with the
# architecture and the training settings as JSON inside, and the label of the VGG weights the
# loss used (required: a model trained on synthetic weights makes images labelled synthetic);
# `load_model` checks every weight's name and shape against the architecture before it builds
# the network, and gives bit-identical output.

# %%
with tempfile.TemporaryDirectory() as folder:
    path = save_model(Path(folder) / "model.npz", model, weights=weights)
    again, meta = load_model(path)
print(meta["architecture"])
assert np.array_equal(again.stylize(photo_128), model.stylize(photo_128))

# %% [markdown]
# The same from the shell (TensorFlow runs it on a GPU by itself when it sees one):
#
# ```sh
# nst train swirls --images photos/ -o swirls.npz --steps 2000 --size 256 --batch 4
# nst apply swirls.npz holiday/*.jpg -o stylised/      # any size; one pass each
# nst train swirls --texture -o swirls-texture.npz     # Ulyanov's generator: no photos
# nst apply swirls-texture.npz -o texture.png --size 512
# ```
#
# ## What to remember
#
# - A feed-forward stylizer *amortises* Gatys' optimisation: the same loss, minimised over the
#   weights of a generator across many photos instead of over the pixels of one.
# - Instance normalisation normalises each image and channel by its own mean and variance: no
#   dependence on contrast, on the batch, or on training versus application.
# - A transposed convolution whose kernel is not a multiple of its stride gives output pixels
#   unequal numbers of taps: a checkerboard. Upsampling then convolving gives every pixel the same.
# - After training, a photo costs one forward pass (milliseconds) instead of hundreds of forward
#   and backward passes through VGG-19.
#
# ## Exercises
#
# Each exercise has a checked answer cell or a hint; the worked solutions are in
# `solutions/12_from_optimisation_to_a_network.ipynb`.

# %% [markdown]
# **Exercise 1.** How large is the output of a transposed convolution without padding? Return
# $L$ for an input side $n$, kernel $k$ and stride $s$, and check it against section 3.


# %%
def transposed_output_size(n, kernel, stride):
    """The output side of a transposed convolution (no padding) of an n-pixel side."""
    ### BEGIN SOLUTION
    return (n - 1) * stride + kernel
    ### END SOLUTION


# %%
sizes = [(n, k, s) for n in (3, 4, 7) for k in (2, 3, 4) for s in (1, 2, 3)]
check(
    "transposed_output_size",
    [answer("transposed_output_size", transposed_output_size, *c) for c in sizes],
    [transposed_ones(*c).shape[0] for c in sizes],
    rtol=0,
)

# %% [markdown]
# **Exercise 2.** Replace instance normalisation by batch normalisation (statistics over the
# batch too) in your head: what happens when the trained network is applied to *one* photo
# instead of a batch of four? And why do Keras' batch-norm layers keep running averages?
#
# *Hint:* look at `batch_norm_numpy(photo_like)` against `batch_norm_numpy(pair)` in section 2.

# %% [markdown] tags=["solution"]
# **Solution.** With batch statistics, each photo's output depends on the other photos of the
# batch; alone, a photo is normalised by its own statistics, which differ from the batch's the
# network was trained with, so the output shifts. Batch-norm layers therefore remember running
# averages of the training batches' statistics and use *those* at application time: a second
# mode with its own mismatch. Instance norm needs no memory: training and application compute
# the same thing.

# %% [markdown]
# **Exercise 3.** Train Ulyanov's texture generator on the style image alone (no photo): the
# loss without its content term, noise as input, then make a $96 \times 160$ texture.
#
# *Hint:* `resolve_config(None, content_weight=0.0, content_layers=())` drops the content term;
# `nst.feedforward.train.noise_source(model, settings)` feeds fresh noise to the generator.

# %% tags=["solution"]
from nst.feedforward.train import noise_source  # noqa: E402

texture_loss = PerceptualLoss(
    net, resolve_config(None, content_weight=0.0, content_layers=()), styles=[style[None]]
)
texture_model = TextureNet(scales=3, width=4, seed=0)
texture_settings = TrainSettings(steps=20, batch=2, size=64, learning_rate=1e-2, seed=0)
texture_history = [
    s.losses["total"]
    for s in train(
        texture_model, texture_loss, noise_source(texture_model, texture_settings), texture_settings
    )
]
texture = texture_model.generate(96, 160, seed=1)
assert texture.shape == (96, 160, 3)
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
axes[0].imshow(texture.astype(np.uint8))
axes[0].set_title("a 96 x 160 texture from noise")
axes[0].set_axis_off()
axes[1].semilogy(texture_history)
axes[1].set_title("texture training loss")
fig.tight_layout(rect=(0, 0, 1, 0.88))
stamp_synthetic(fig, when=weights)
plt.show()
require(
    "the texture loss fell",
    np.mean(texture_history[-5:]) < np.mean(texture_history[:5]),
    "train for more steps, or lower the learning rate",
)
