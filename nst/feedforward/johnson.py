r"""Johnson's image transformation network: a photo in, its stylised version out, in one pass.

Johnson, Alahi, Fei-Fei, "Perceptual Losses for Real-Time Style Transfer and
Super-Resolution" (ECCV 2016), with instance normalisation instead of batch normalisation
(Ulyanov, Vedaldi, Lempitsky 2016) and upsampling-then-convolution instead of transposed
convolutions (Odena et al. 2016). With w = `width` (32 in the paper):

```
x (B, H, W, 3) in [0, 255]  ->  x / 127.5 - 1
  down0  9x9 conv, stride 1, w    + IN + ReLU     (B, H,   W,   w)
  down1  3x3 conv, stride 2, 2w   + IN + ReLU     (B, H/2, W/2, 2w)
  down2  3x3 conv, stride 2, 4w   + IN + ReLU     (B, H/4, W/4, 4w)
  res0 .. res{blocks-1}: residual blocks, 4w      (B, H/4, W/4, 4w)
  up0    upsample x2, 3x3 conv, 2w + IN + ReLU    (B, H/2, W/2, 2w)
  up1    upsample x2, 3x3 conv, w  + IN + ReLU    (B, H,   W,   w)
  out    9x9 conv, 3                              (B, H,   W,   3)
y = 127.5 (1 + tanh(out))  in (0, 255)
```

The network is fully convolutional, so it takes any size whose sides are multiples of 4
and at least 16 px (`nst.feedforward.shapes`); `TransformNet.stylize` pads any other photo by
reflection to the next multiple of 4 and crops the result back, so the output always has the
photo's size. Lesson 12.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from nst.feedforward.layers import Conv, ConvBlock, Residual, UpConv
from nst.feedforward.shapes import JOHNSON_MULTIPLE as MULTIPLE
from nst.feedforward.shapes import check_size

__all__ = ["TransformNet"]


class TransformNet(tf.Module):
    """Johnson et al.'s transformation network (see the module docstring for the layers).

    Parameters
    ----------
    width : int
        w, the channels of the first layer (32 in the paper; 1.7 M parameters at 32).
    blocks : int
        Residual blocks (5 in the paper).
    seed : int
        Seeds the He-normal initial kernels (numpy ``RandomState``): same seed, same network.

    Examples
    --------
    >>> net = TransformNet(width=4, blocks=1)
    >>> net(tf.zeros((2, 16, 24, 3))).shape
    TensorShape([2, 16, 24, 3])
    """

    kind = "johnson"

    def __init__(self, *, width: int = 32, blocks: int = 5, seed: int = 0):
        super().__init__()
        if width < 1 or blocks < 0:
            raise ValueError(f"width must be >= 1 and blocks >= 0, got {width} and {blocks}")
        self.width, self.blocks, self.seed = int(width), int(blocks), int(seed)
        rng = np.random.RandomState(seed)
        w = self.width
        self.down = [
            ConvBlock(rng, 3, w, 9, name="down0"),
            ConvBlock(rng, w, 2 * w, 3, stride=2, name="down1"),
            ConvBlock(rng, 2 * w, 4 * w, 3, stride=2, name="down2"),
        ]
        self.residuals = [Residual(rng, 4 * w, name=f"res{i}") for i in range(blocks)]
        self.up = [UpConv(rng, 4 * w, 2 * w, name="up0"), UpConv(rng, 2 * w, w, name="up1")]
        self.out = Conv(rng, w, 3, 9, name="out")

    @property
    def architecture(self) -> dict:
        """What rebuilds this network (`nst.feedforward.modelfile.build_model`)."""
        return {"kind": self.kind, "width": self.width, "blocks": self.blocks}

    def check_size(self, height: int, width: int, what: str = "the image") -> None:
        """ValueError unless the network can take an input of this size (`shapes.check_size`)."""
        check_size(self.architecture, height, width, what)

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        """(B, H, W, 3) in [0, 255] -> (B, H, W, 3) in (0, 255); H, W multiples of 4."""
        h = x / 127.5 - 1.0  # [-1, 1]
        for layer in (*self.down, *self.residuals, *self.up):
            h = layer(h)
        return 127.5 * (1.0 + tf.tanh(self.out(h)))  # (B, H, W, 3)

    def stylize(self, image: np.ndarray) -> np.ndarray:
        """One photo of any size (H, W, 3) in [0, 255] -> its stylised version, (H, W, 3) float32.

        The photo is padded by reflection to the next multiple of `MULTIPLE` on each side, run
        through the network and cropped back: the output has exactly the photo's size.
        """
        image = np.asarray(image, np.float32)
        height, width = image.shape[:2]
        self.check_size(height, width)
        pad_h, pad_w = (-height) % MULTIPLE, (-width) % MULTIPLE
        x = tf.constant(image[np.newaxis])
        if pad_h or pad_w:
            x = tf.pad(x, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="REFLECT")
        y = self._compiled(x)
        return y.numpy()[0, :height, :width]

    # one graph for every size: a graph traced for one shape may round differently from one
    # traced for any shape, and a reloaded model must give the very same numbers
    @tf.function(autograph=False, input_signature=[tf.TensorSpec((1, None, None, 3), tf.float32)])
    def _compiled(self, x: tf.Tensor) -> tf.Tensor:
        return self(x)
