r"""Training a feed-forward generator: Adam on the network's weights, one compiled step each.

`train` is a generator, like `nst.stylize`: it yields one `TrainStep` (the step number, the
loss vector of that step's batch as a dict, the elapsed time) per step and does no I/O. The
caller decides what to print or save: `nst.feedforward.session.fit` adds the progress bar,
checkpoints, the manifest and Ctrl-C handling; a notebook can simply loop.

One step, for a batch from `source` (photos x_b, or noise for a texture network):

.. math:: y_b = g_\theta(\text{input}_b), \quad
          L(\theta) = \text{PerceptualLoss}(y, x), \quad
          \theta \leftarrow \mathrm{Adam}(\theta, \partial L / \partial \theta)

with `nst.adam.adam_update` (the project's Adam, the same as the image optimiser's, without
the box) applied to every variable, all inside one ``tf.function``. The update is applied only
when the loss vector and every gradient are finite: a step that meets a NaN or an infinity
leaves the weights as they were and `train` raises, so the network (and every checkpoint
written from it) never holds a non-finite weight. Where the optimisation of
`nst.stylize` changes the pixels of one image, this changes the weights of a network that makes
images: after training, a new photo costs one forward pass.

Reproducibility: the initial weights, the photos and crops (or the noise) all come from
``numpy.random.RandomState(seed)``, so a seed repeats a run exactly on CPU (tested); on a GPU,
call ``tf.config.experimental.enable_op_determinism()`` first. Lesson 12.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from nst.adam import adam_update
from nst.feedforward.data import PhotoCrops

__all__ = ["TrainSettings", "TrainStep", "noise_source", "photo_source", "train"]


@dataclass(frozen=True)
class TrainSettings:
    """The settings of a training run besides the loss (which is a `StylizeConfig`).

    Attributes
    ----------
    steps : int
        Adam steps (one batch each). Johnson et al. trained 40,000 steps of batch 4 on COCO;
        a few thousand on a few hundred photos already give a usable network.
    batch : int
        Images per step.
    size : int
        Side of the square training crops (and of the texture network's samples), pixels.
    learning_rate, beta1, beta2, epsilon : float
        Adam's constants, on the network's weights (Johnson et al.: 1e-3).
    seed : int
        Seeds the initial weights, the batches and the noise.
    checkpoint_every : int
        `nst.feedforward.session.fit` writes the model every this many steps (0: only at the end).
    """

    steps: int = 2000
    batch: int = 4
    size: int = 256
    learning_rate: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-7
    seed: int = 0
    checkpoint_every: int = 200

    def __post_init__(self):
        for name in ("steps", "batch", "size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.checkpoint_every < 0:
            raise ValueError(f"checkpoint_every must be >= 0, got {self.checkpoint_every}")


@dataclass(frozen=True)
class TrainStep:
    """One step of training.

    Attributes
    ----------
    iteration : int
        1, 2, ..., steps (named as `nst.Step`'s, so `nst.progress` shows it).
    losses : dict of str to float
        The loss vector of this step's batch, before the update (`PerceptualLoss.keys`).
    elapsed : float
        Seconds since the first step began (tracing and compiling included).
    """

    iteration: int
    losses: dict[str, float]
    elapsed: float


#: A source gives each step's network input and the photos the loss compares with (or None).
Source = Callable[[], tuple]


def photo_source(photos, settings: TrainSettings) -> Source:
    """Batches of random crops (`PhotoCrops`): the input and the content are the same photos."""
    crops = PhotoCrops(photos, size=settings.size, batch=settings.batch, seed=settings.seed)

    def source():
        x = crops.next_batch()  # (B, size, size, 3)
        return x, x

    return source


def noise_source(model, settings: TrainSettings) -> Source:
    """Fresh noise for a texture network at every step; no content photos."""
    rng = np.random.RandomState(settings.seed)

    def source():
        return model.noise(rng, settings.batch, settings.size, settings.size), None

    return source


def train(model, loss, source: Source, settings: TrainSettings) -> Iterator[TrainStep]:
    """Train `model` on `loss`: a generator of `TrainStep`, one per Adam step.

    Parameters
    ----------
    model : TransformNet or TextureNet
        A ``tf.Module`` whose ``trainable_variables`` are updated in place.
    loss : PerceptualLoss
        ``loss(images, contents) -> loss vector``; entry 0 is the total that is minimised.
    source : callable
        ``source() -> (model input, contents or None)`` for each step (`photo_source`,
        `noise_source`).
    settings : TrainSettings
        ``steps``, the Adam constants.

    Yields
    ------
    TrainStep
        Iterations 1 to ``settings.steps``.

    Raises
    ------
    FloatingPointError
        When the loss or a gradient becomes NaN or infinite (lower the learning rate); the
        weights keep the values of the last finite step.
    """
    variables = list(model.trainable_variables)
    moments = [(tf.Variable(tf.zeros_like(v)), tf.Variable(tf.zeros_like(v))) for v in variables]
    adam = {
        "learning_rate": settings.learning_rate,
        "beta1": settings.beta1,
        "beta2": settings.beta2,
        "epsilon": settings.epsilon,
    }

    @tf.function(autograph=False)
    def step(inputs, contents, t):
        with tf.GradientTape() as tape:
            values = loss(model(inputs), contents)  # (K,) loss vector
            total = values[0]
        gradients = tape.gradient(total, variables)
        finite = tf.reduce_all(
            [tf.reduce_all(tf.math.is_finite(x)) for x in (values, *gradients)]
        )  # a scalar bool: every loss entry and every gradient finite

        def update():
            for variable, gradient, (m, v) in zip(variables, gradients, moments, strict=True):
                new, m_new, v_new = adam_update(variable, gradient, m, v, t, **adam)
                variable.assign(new)
                m.assign(m_new)
                v.assign(v_new)
            return tf.constant(True)

        applied = tf.cond(finite, update, lambda: tf.constant(False))  # no update on NaN/inf
        return values, applied

    began = time.perf_counter()
    for k in range(1, settings.steps + 1):
        inputs, contents = source()
        values, applied = step(inputs, contents, tf.constant(float(k), tf.float32))
        values = values.numpy()
        if not bool(applied):
            what = "loss" if not np.all(np.isfinite(values)) else "gradient"
            raise FloatingPointError(
                f"the training {what} became non-finite at step {k} (the weights keep step "
                f"{k - 1}'s values); lower the learning rate or the loss weights"
            )
        losses = {key: float(value) for key, value in zip(loss.keys, values, strict=True)}
        yield TrainStep(k, losses, time.perf_counter() - began)
