r"""The building blocks of the feed-forward generators, from raw `tf.nn` ops and variables.

- `Conv`          reflection padding, then ``tf.nn.conv2d`` (stride 1 or 2) and a bias;
- `instance_norm` per-image, per-channel normalisation (Ulyanov, Vedaldi, Lempitsky 2016),
                  and `InstanceNorm`, its learned scale and offset;
- `ConvBlock`     conv -> instance norm -> ReLU (or leaky ReLU);
- `Residual`      x + IN(conv(ReLU(IN(conv(x))))) (He et al. 2016, as Johnson et al. use it);
- `upsample`      nearest-neighbour upsampling by an integer factor, and `UpConv`, upsampling
                  then a stride-1 convolution instead of a transposed convolution (Odena,
                  Dumoulin, Olah, "Deconvolution and Checkerboard Artifacts", Distill 2016).

Every variable is created from a numpy ``RandomState`` (He-normal kernels, zero biases), so a
seed reproduces a network exactly, and every variable has a unique path name
(``"down1/conv/kernel"``) by which `nst.feedforward.modelfile` saves and checks it.
Activations are NHWC, kernels HWIO, as in `vgg_mat`. Lesson 12.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

__all__ = [
    "Conv",
    "ConvBlock",
    "InstanceNorm",
    "Residual",
    "UpConv",
    "instance_norm",
    "named_variables",
    "upsample",
]

#: Added to the variance in `instance_norm` (Ulyanov et al. and PyTorch's InstanceNorm2d).
EPSILON = 1e-5


def he_normal(rng: np.random.RandomState, shape: tuple[int, ...]) -> np.ndarray:
    """He-normal kernel of HWIO `shape`: N(0, 2 / fan_in) with fan_in = kh * kw * C_in."""
    fan_in = int(np.prod(shape[:-1]))
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def named_variables(module: tf.Module) -> dict[str, tf.Variable]:
    """``{path name: variable}`` of every variable of `module`, in creation order.

    Raises ValueError if two variables share a name (a model file could not tell them apart).
    """
    out: dict[str, tf.Variable] = {}
    for variable in module.variables:
        name = variable.name.split(":")[0]
        if name in out:
            raise ValueError(f"two variables are called {name!r}; give each layer its own name")
        out[name] = variable
    return dict(sorted(out.items()))


class Conv(tf.Module):
    r"""A k x k convolution with reflection padding: ``(B, H, W, C_in) -> (B, H/s, W/s, C_out)``.

    .. math:: y = \mathrm{conv}(\mathrm{pad}_{reflect}(x, \lfloor k/2 \rfloor), K, s) + b

    Reflection padding (mirror the border, without repeating it) instead of zeros keeps the
    borders free of the dark frame zero padding teaches the network (Johnson et al.'s
    supplement). With odd k and stride s, an input side H that is a multiple of s gives H / s.

    Parameters
    ----------
    rng : numpy RandomState
        Draws the He-normal kernel (k, k, C_in, C_out); the bias (C_out,) starts at zero.
    channels_in, channels_out, size : int
    stride : int
        1 or 2.
    name : str
        The variables are ``name/kernel`` and ``name/bias``.
    """

    def __init__(
        self, rng, channels_in: int, channels_out: int, size: int, *, stride: int = 1, name: str
    ):
        super().__init__()
        self.stride, self.pad = stride, size // 2
        shape = (size, size, channels_in, channels_out)
        self.kernel = tf.Variable(he_normal(rng, shape), name=f"{name}/kernel")
        self.bias = tf.Variable(np.zeros(channels_out, np.float32), name=f"{name}/bias")

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        p = self.pad
        if p:
            x = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")  # (B, H+2p, W+2p, C)
        y = tf.nn.conv2d(x, self.kernel, strides=self.stride, padding="VALID")
        return tf.nn.bias_add(y, self.bias)


def instance_norm(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) -> tf.Tensor:
    r"""Instance normalisation: each image's each channel to mean 0 and variance 1, then affine.

    Parameters
    ----------
    x : (B, H, W, C) tf.Tensor
    scale, offset : (C,) tf.Tensor
        gamma and beta.

    Returns
    -------
    (B, H, W, C) tf.Tensor

    Notes
    -----
    For image b and channel c, over its M = H W positions,

    .. math:: \mu_{bc} = \frac1M \sum_{ij} x_{bijc}, \quad
              \sigma^2_{bc} = \frac1M \sum_{ij} (x_{bijc} - \mu_{bc})^2, \quad
              y_{bijc} = \gamma_c \frac{x_{bijc} - \mu_{bc}}{\sqrt{\sigma^2_{bc} + \epsilon}}
                         + \beta_c .

    Unlike batch normalisation, nothing is shared across the batch and nothing is remembered:
    a picture is normalised the same way in training and application, alone or in a batch.
    Removing each image's own contrast is what makes stylisation work better (Ulyanov et al.,
    "Instance Normalization: The Missing Ingredient for Fast Stylization", 2016).

    Examples
    --------
    >>> x = tf.reshape(tf.constant([1.0, 3.0, 5.0, 7.0]), (1, 2, 2, 1))
    >>> [round(float(v), 3) for v in instance_norm(x, tf.ones(1), tf.zeros(1)).numpy().ravel()]
    [-1.342, -0.447, 0.447, 1.342]
    """
    mean, variance = tf.nn.moments(x, axes=[1, 2], keepdims=True)  # (B, 1, 1, C) each
    return (x - mean) * tf.math.rsqrt(variance + EPSILON) * scale + offset


class InstanceNorm(tf.Module):
    """`instance_norm` with a learned scale gamma (ones) and offset beta (zeros), (C,) each."""

    def __init__(self, channels: int, *, name: str):
        super().__init__()
        self.scale = tf.Variable(np.ones(channels, np.float32), name=f"{name}/scale")
        self.offset = tf.Variable(np.zeros(channels, np.float32), name=f"{name}/offset")

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        return instance_norm(x, self.scale, self.offset)


class ConvBlock(tf.Module):
    """Conv -> instance norm -> ReLU (``leak=0``) or leaky ReLU (``leak > 0``, Ulyanov's)."""

    def __init__(
        self,
        rng,
        channels_in: int,
        channels_out: int,
        size: int,
        *,
        stride: int = 1,
        leak: float = 0.0,
        name: str,
    ):
        super().__init__()
        self.conv = Conv(rng, channels_in, channels_out, size, stride=stride, name=f"{name}/conv")
        self.norm = InstanceNorm(channels_out, name=f"{name}/norm")
        self.leak = leak

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        y = self.norm(self.conv(x))
        return tf.nn.leaky_relu(y, self.leak) if self.leak else tf.nn.relu(y)


class Residual(tf.Module):
    r"""A residual block of two 3 x 3 convolutions: :math:`y = x + IN(conv(ReLU(IN(conv(x)))))`.

    Shape-preserving, (B, H, W, C) -> (B, H, W, C). The identity path lets the block learn only
    a change to its input, which is why Johnson et al. stack five of them at the lowest
    resolution (Gross and Wilber's variant: no ReLU after the sum).
    """

    def __init__(self, rng, channels: int, *, name: str):
        super().__init__()
        self.first = ConvBlock(rng, channels, channels, 3, name=f"{name}/a")
        self.conv = Conv(rng, channels, channels, 3, name=f"{name}/b/conv")
        self.norm = InstanceNorm(channels, name=f"{name}/b/norm")

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        return x + self.norm(self.conv(self.first(x)))


def upsample(x: tf.Tensor, factor: int = 2) -> tf.Tensor:
    """Nearest-neighbour upsampling, (B, H, W, C) -> (B, factor H, factor W, C).

    Every pixel becomes a factor x factor block of copies (``tf.repeat`` on both axes).

    >>> x = tf.reshape(tf.constant([1.0, 2.0, 3.0, 4.0]), (1, 2, 2, 1))
    >>> upsample(x)[0, :, :, 0].numpy().astype(int).tolist()
    [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    """
    return tf.repeat(tf.repeat(x, factor, axis=1), factor, axis=2)


class UpConv(tf.Module):
    r"""Upsample by 2, then a stride-1 `ConvBlock`: (B, H, W, C_in) -> (B, 2H, 2W, C_out).

    A transposed convolution with kernel 3 and stride 2 lets some output pixels receive two
    kernel taps and others one (the kernel size is not divisible by the stride), which prints a
    checkerboard into every generated image. Upsampling first gives every output pixel the same
    number of taps (Odena, Dumoulin, Olah 2016; lesson 12 shows both).
    """

    def __init__(self, rng, channels_in: int, channels_out: int, size: int = 3, *, name: str):
        super().__init__()
        self.block = ConvBlock(rng, channels_in, channels_out, size, name=name)

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        return self.block(upsample(x, 2))
