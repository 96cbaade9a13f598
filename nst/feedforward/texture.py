r"""Ulyanov's multi-scale texture generator: noise in, a texture out, no photo needed.

Ulyanov, Lebedev, Vedaldi, Lempitsky, "Texture Networks: Feed-forward Synthesis of Textures
and Stylized Images" (ICML 2016), figure 2, with instance normalisation instead of batch
normalisation (so one sample behaves the same in training and application) and the output
squashed into the pixel box. With K = `scales` and w = `width`:

```
z_k ~ U[0, 1), (B, H / 2^k, W / 2^k, 3)         k = 0 (full size) .. K-1 (coarsest)
y = block_{K-1}(z_{K-1})                          w channels
for k = K-2 .. 0:
    y = IN(upsample x2 (y))                       (B, H / 2^k, W / 2^k, (K-1-k) w)
    y = join_k(concat(y, IN(block_k(z_k))))       (K-k) w channels
out = 1x1 conv to 3 channels;  image = 127.5 (1 + tanh(out))  in (0, 255)
```

where each block is three convolutions (3x3, 3x3, 1x1), each followed by instance norm and a
leaky ReLU (slope 0.01). Trained with the style term alone (`nst.feedforward.loss`), the
generator learns to turn any noise into a new sample of the texture, in one pass, at any size
that is a multiple of ``2^(K-1)`` (`TextureNet.generate` takes any size and crops). Lesson 12.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from nst.feedforward.layers import Conv, ConvBlock, InstanceNorm, upsample
from nst.feedforward.shapes import check_size, min_side, multiple

__all__ = ["NOISE_CHANNELS", "TextureNet"]

#: Channels of every noise input.
NOISE_CHANNELS = 3
#: Slope of the leaky ReLUs for negative inputs.
LEAK = 0.01


class _Block(tf.Module):
    """3x3, 3x3, 1x1 convolutions, each with instance norm and a leaky ReLU."""

    def __init__(self, rng, channels_in: int, channels: int, *, name: str):
        super().__init__()
        self.layers = [
            ConvBlock(rng, channels_in, channels, 3, leak=LEAK, name=f"{name}/0"),
            ConvBlock(rng, channels, channels, 3, leak=LEAK, name=f"{name}/1"),
            ConvBlock(rng, channels, channels, 1, leak=LEAK, name=f"{name}/2"),
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class TextureNet(tf.Module):
    """Ulyanov et al.'s multi-scale generator (see the module docstring).

    Parameters
    ----------
    scales : int
        K, the number of noise resolutions (5 in the paper's figure: full size to 1/16).
    width : int
        w, the channels each scale adds (8 in the paper).
    seed : int
        Seeds the He-normal initial kernels.

    Examples
    --------
    >>> net = TextureNet(scales=3, width=4)
    >>> [tuple(z.shape) for z in net.noise(np.random.RandomState(0), 2, 16, 16)]
    [(2, 16, 16, 3), (2, 8, 8, 3), (2, 4, 4, 3)]
    >>> net(net.noise(np.random.RandomState(0), 2, 16, 16)).shape
    TensorShape([2, 16, 16, 3])
    """

    kind = "texture"

    def __init__(self, *, scales: int = 5, width: int = 8, seed: int = 0):
        super().__init__()
        if scales < 1 or width < 1:
            raise ValueError(f"scales and width must be >= 1, got {scales} and {width}")
        self.scales, self.width, self.seed = int(scales), int(width), int(seed)
        rng = np.random.RandomState(seed)
        w, k_max = self.width, self.scales - 1
        self.blocks = [_Block(rng, NOISE_CHANNELS, w, name=f"noise{k}") for k in range(scales)]
        self.block_norms = [InstanceNorm(w, name=f"noise{k}/norm") for k in range(k_max)]
        self.up_norms = [
            InstanceNorm((k_max - k) * w, name=f"join{k}/up_norm") for k in range(k_max)
        ]
        self.joins = [
            _Block(rng, (k_max + 1 - k) * w, (k_max + 1 - k) * w, name=f"join{k}")
            for k in range(k_max)
        ]
        self.out = Conv(rng, scales * w, 3, 1, name="out")
        # one graph for every size (see `TransformNet._compiled`)
        spec = [tf.TensorSpec((1, None, None, NOISE_CHANNELS), tf.float32)] * self.scales
        self._compiled = tf.function(self.__call__, autograph=False, input_signature=[spec])

    @property
    def architecture(self) -> dict:
        """What rebuilds this network (`nst.feedforward.modelfile.build_model`)."""
        return {"kind": self.kind, "scales": self.scales, "width": self.width}

    @property
    def multiple(self) -> int:
        """Sides the generator takes directly are multiples of this, 2^(K-1)."""
        return multiple(self.architecture)

    @property
    def min_side(self) -> int:
        """The smallest side (`nst.feedforward.shapes.min_side`)."""
        return min_side(self.architecture)

    def check_size(self, height: int, width: int, what: str = "the texture") -> None:
        """ValueError unless the generator can make an image of this size."""
        check_size(self.architecture, height, width, what, hint="ask for a larger size")

    def noise(self, rng: np.random.RandomState, batch: int, height: int, width: int) -> list:
        """The K noise inputs z_k ~ U[0, 1), finest first: (batch, H / 2^k, W / 2^k, 3) float32.

        `height` and `width` must be multiples of `multiple`.
        """
        if height % self.multiple or width % self.multiple:
            raise ValueError(
                f"noise of {height}x{width}: sides must be multiples of {self.multiple}"
            )
        return [
            rng.random_sample((batch, height >> k, width >> k, NOISE_CHANNELS)).astype(np.float32)
            for k in range(self.scales)
        ]

    def __call__(self, noise) -> tf.Tensor:
        """K noise tensors (finest first) -> (B, H, W, 3) in (0, 255)."""
        k_max = self.scales - 1
        y = self.blocks[k_max](noise[k_max])  # (B, H / 2^(K-1), W / 2^(K-1), w)
        for k in range(k_max - 1, -1, -1):
            up = self.up_norms[k](upsample(y, 2))
            fine = self.block_norms[k](self.blocks[k](noise[k]))
            y = self.joins[k](tf.concat([up, fine], axis=-1))  # (B, H / 2^k, W / 2^k, (K-k) w)
        return 127.5 * (1.0 + tf.tanh(self.out(y)))

    def generate(self, height: int, width: int, *, seed: int = 0) -> np.ndarray:
        """A new (height, width, 3) float32 texture in [0, 255] from the noise of `seed`.

        Any size of at least `min_side`: the noise is drawn at the next multiple of
        `multiple` and the result is cropped.
        """
        self.check_size(height, width)
        m = self.multiple
        padded = (-(-height // m) * m, -(-width // m) * m)
        noise = [tf.constant(z) for z in self.noise(np.random.RandomState(seed), 1, *padded)]
        return self._compiled(noise).numpy()[0, :height, :width]
