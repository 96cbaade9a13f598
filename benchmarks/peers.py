r"""The pipelines users would pick instead of ours, on **our** weights and images.

- `KerasTutorial(compiled=True)`: peer (a), the TensorFlow tutorial "Neural style transfer"
  (tensorflow/docs ``site/en/tutorials/generative/style_transfer.ipynb``) line for line:
  ``tf.keras.applications.VGG19(include_top=False, weights=None)`` with our weights assigned, a
  sub-model of its layers (content ``block5_conv2``, style ``block1_conv1`` ..
  ``block5_conv1``), Gram = einsum / num_locations, mean-squared losses, style weight 1e-2 and
  content weight 1e4 (each divided by its layer count), ``30 * tf.image.total_variation``,
  ``Adam(0.02, beta_1=0.99, epsilon=0.1)``, the step in ``tf.function``, clip to [0, 1].
- `KerasTutorial(compiled=False)`: peer (b), the online-course version of the seed notes: the
  same model and losses with the gradient step run **eagerly**.
- `TorchVGG`: peer (c), a hand-built VGG-19 ``features`` stack in PyTorch with the same
  weights, losses and Adam, only when ``import torch`` works (`torch_unavailable` says why not).

Same function for all: Keras' ``preprocess_input`` turns the [0, 1] RGB image into
``BGR * 255 - mean_BGR``; we give block1_conv1 **our kernel with its input channels reversed**
(``W_keras[:, :, c, :] = W_ours[:, :, 2 - c, :]``), so the Keras network on BGR input computes
exactly our network on ``RGB * 255 - mean_RGB`` (the file's mean pixel must equal Keras' Caffe
mean, which it does for the real and the synthetic files; checked). The other convolutions take
our HWIO kernels unchanged; Keras' 'same' 3x3 convolutions and 2x2 'valid' pools equal the
file's pads at the even sizes used here. The loss of the first image is compared with ours in
the report (`relative loss difference`), as a check that all pipelines compute one function.
"""

from __future__ import annotations

import numpy as np

#: The tutorial's layers (Keras names) and the file names they resolve to.
CONTENT_LAYERS = ("block5_conv2",)
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
KERAS_CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68])


#: Output channels of Keras' VGG-19 block1_conv1 .. block5_conv4.
KERAS_VGG19_WIDTHS = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512]


def _narrow_keras_vgg19(widths: list[int]):
    """Keras' VGG-19 (include_top=False) layer for layer, with other conv widths.

    The same layer names, 3x3 'same' ReLU convolutions and 2x2/2 max pools as
    ``tf.keras.applications.VGG19``; used only for the quick mode's narrow networks, since the
    application's widths are fixed.
    """
    import tensorflow as tf

    blocks = [2, 2, 4, 4, 4]
    x = inputs = tf.keras.Input(shape=(None, None, 3))
    k = 0
    for b, count in enumerate(blocks, start=1):
        for c in range(1, count + 1):
            x = tf.keras.layers.Conv2D(
                widths[k], 3, padding="same", activation="relu", name=f"block{b}_conv{c}"
            )(x)
            k += 1
        x = tf.keras.layers.MaxPooling2D(2, 2, name=f"block{b}_pool")(x)
    return tf.keras.Model(inputs, x, name="vgg19_narrow")


def keras_vgg19(weights):
    """``tf.keras.applications.VGG19(include_top=False, weights=None)`` with our weights.

    Parameters
    ----------
    weights : vgg_mat.VGGWeights
        A VGG-19 file (16 conv layers before fc6); kernels HWIO, RGB input order.

    Returns
    -------
    tf.keras.Model
        The Keras network, frozen (``trainable = False``), expecting BGR Caffe input. For a
        narrow synthetic file (quick mode) the same architecture with the file's widths.

    Raises
    ------
    ValueError
        If the file's mean pixel is not Keras' Caffe mean (then no kernel flip makes the two
        preprocessings equal) or the file does not have 16 conv layers before fc6.
    """
    import tensorflow as tf

    mean_bgr = np.asarray(weights.mean_rgb, dtype=np.float64)[::-1]
    if not np.allclose(mean_bgr, KERAS_CAFFE_MEAN_BGR, atol=1e-3):
        raise ValueError(
            f"{weights.source}: mean pixel {weights.mean_rgb} differs from Keras' Caffe mean "
            f"{KERAS_CAFFE_MEAN_BGR[::-1]} (RGB); the Keras peer cannot compute our function"
        )
    convs = [layer for layer in weights.layers if layer.kind == "conv" and layer.name[:4] == "conv"]
    full_width = [int(layer.kernel.shape[3]) for layer in convs] == KERAS_VGG19_WIDTHS
    if full_width:
        vgg = tf.keras.applications.VGG19(include_top=False, weights=None)
    else:  # a narrow test network: the same Keras architecture with the file's widths
        vgg = _narrow_keras_vgg19([int(layer.kernel.shape[3]) for layer in convs])
    keras_convs = [layer for layer in vgg.layers if "_conv" in layer.name]
    if len(convs) != len(keras_convs):
        raise ValueError(
            f"{weights.source}: {len(convs)} conv layers before fc6, Keras' VGG-19 has "
            f"{len(keras_convs)}"
        )
    for ours, theirs in zip(convs, keras_convs, strict=True):
        kernel = np.asarray(ours.kernel, dtype=np.float32)
        if ours is convs[0]:
            kernel = kernel[:, :, ::-1, :]  # RGB-input kernel -> BGR-input kernel
        theirs.set_weights([np.ascontiguousarray(kernel), np.asarray(ours.bias, np.float32)])
    vgg.trainable = False
    return vgg


class KerasTutorial:
    """The TF tutorial's pipeline (a) or its eager online-course version (b).

    Parameters
    ----------
    weights : vgg_mat.VGGWeights
    content, style : (H, W, 3) float32 arrays, RGB in [0, 255]
    compiled : bool
        True: the train step in ``tf.function`` (the tutorial); False: eager (the course).

    Attributes
    ----------
    image : tf.Variable (1, H, W, 3)
        The image being optimised, in [0, 1].

    Notes
    -----
    The tutorial's loss, with :math:`G = F^T F / M` per style layer and ``mean`` over entries,

    .. math:: L = \\frac{10^{-2}}{5} \\sum_l \\mathrm{mean}(G_l - A_l)^2
              + \\frac{10^4}{1} \\mathrm{mean}(F - P)^2 + 30\\, TV_{l1}(x), \\; x \\in [0, 1].
    """

    def __init__(self, weights, content: np.ndarray, style: np.ndarray, *, compiled: bool = True):
        import tensorflow as tf

        vgg = keras_vgg19(weights)
        names = [*STYLE_LAYERS, *CONTENT_LAYERS]
        outputs = [vgg.get_layer(name).output for name in names]
        model = tf.keras.Model([vgg.input], outputs)
        model.trainable = False
        num_style = len(STYLE_LAYERS)

        def gram_matrix(input_tensor):
            result = tf.linalg.einsum("bijc,bijd->bcd", input_tensor, input_tensor)
            input_shape = tf.shape(input_tensor)
            num_locations = tf.cast(input_shape[1] * input_shape[2], tf.float32)
            return result / num_locations

        def extractor(inputs):
            inputs = inputs * 255.0
            preprocessed = tf.keras.applications.vgg19.preprocess_input(inputs)
            outs = model(preprocessed)
            style_outputs = [gram_matrix(o) for o in outs[:num_style]]
            return {"content": outs[num_style:], "style": style_outputs}

        self._extractor = extractor
        style_targets = extractor(tf.constant(style[np.newaxis] / 255.0, tf.float32))["style"]
        content_targets = extractor(tf.constant(content[np.newaxis] / 255.0, tf.float32))["content"]
        style_weight, content_weight, total_variation_weight = 1e-2, 1e4, 30.0

        def style_content_loss(outputs):
            style_loss = tf.add_n(
                [
                    tf.reduce_mean((o - t) ** 2)
                    for o, t in zip(outputs["style"], style_targets, strict=True)
                ]
            )
            style_loss *= style_weight / num_style
            content_loss = tf.add_n(
                [
                    tf.reduce_mean((o - t) ** 2)
                    for o, t in zip(outputs["content"], content_targets, strict=True)
                ]
            )
            content_loss *= content_weight / len(CONTENT_LAYERS)
            return style_loss + content_loss

        def total_loss(image):
            loss = style_content_loss(extractor(image))
            return loss + total_variation_weight * tf.image.total_variation(image)

        self.image = tf.Variable(tf.constant(content[np.newaxis] / 255.0, tf.float32))
        self._opt = tf.keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99, epsilon=1e-1)

        def train_step(image):
            with tf.GradientTape() as tape:
                loss = total_loss(image)
            grad = tape.gradient(loss, image)
            self._opt.apply_gradients([(grad, image)])
            image.assign(tf.clip_by_value(image, clip_value_min=0.0, clip_value_max=1.0))
            return loss

        self._total_loss = tf.function(total_loss) if compiled else total_loss
        self._train_step = tf.function(train_step) if compiled else train_step

    def loss(self) -> float:
        """The tutorial's total loss of the current image (no step)."""
        return float(np.squeeze(self._total_loss(self.image).numpy()))

    def step(self) -> float:
        """One train step; returns the loss of the image *before* the step (read to host)."""
        return float(np.squeeze(self._train_step(self.image).numpy()))


def torch_unavailable() -> str | None:
    """None when ``import torch`` works, else the reason (shown in the table)."""
    try:
        import torch  # noqa: F401
    except Exception as error:  # ImportError, or a broken install raising something else
        return f"torch not importable ({type(error).__name__}: {error})"
    return None


class TorchVGG:
    """Peer (c): a hand-built VGG-19 ``features`` stack in PyTorch, same weights and loss.

    The same loss as `KerasTutorial` (on the RGB input ``x * 255 - mean_RGB``, so no kernel
    flip is needed), Adam(0.02, betas=(0.99, 0.999), eps=0.1) and a clamp to [0, 1] after each
    step; ``torch.set_num_threads`` is left at its default. Built only when torch imports.

    Notes
    -----
    PyTorch's Adam adds eps to the bias-corrected :math:`\\sqrt{\\hat v_t}` while Keras adds it to
    the uncorrected one, so the trajectories differ slightly; the step's work is the same.
    """

    def __init__(self, weights, content: np.ndarray, style: np.ndarray):
        import torch

        layers, names = [], []
        for layer in weights.layers:
            if layer.name == "relu5_2":
                layers.append(torch.nn.ReLU())
                names.append(layer.name)
                break
            if layer.kind == "conv":
                kh, kw, cin, cout = layer.kernel.shape
                conv = torch.nn.Conv2d(int(cin), int(cout), (int(kh), int(kw)), padding=1)
                kernel = np.ascontiguousarray(np.transpose(layer.kernel, (3, 2, 0, 1)))
                conv.weight.data = torch.from_numpy(kernel.astype(np.float32))
                conv.bias.data = torch.from_numpy(np.asarray(layer.bias, np.float32).ravel())
                conv.weight.requires_grad_(False)
                conv.bias.requires_grad_(False)
                layers.append(conv)
            elif layer.kind == "relu":
                layers.append(torch.nn.ReLU())
            elif layer.kind == "pool":
                layers.append(torch.nn.MaxPool2d(2, 2))
            names.append(layer.name)
        self._layers, self._names = layers, names
        self._style = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
        self._mean = torch.tensor(np.asarray(weights.mean_rgb, np.float32)).view(1, 3, 1, 1)

        def chw(image):
            return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))[None] / 255.0)

        with torch.no_grad():
            self._style_targets = self._features(chw(style).float())[0]
            self._content_target = self._features(chw(content).float())[1]
        self.image = chw(content).float().clone().requires_grad_(True)
        self._opt = torch.optim.Adam([self.image], lr=0.02, betas=(0.99, 0.999), eps=0.1)

    def _features(self, image):
        x = image * 255.0 - self._mean
        grams, content = [], None
        for layer, name in zip(self._layers, self._names, strict=True):
            x = layer(x)
            if name in self._style:
                _, c, h, w = x.shape
                f = x.reshape(c, h * w)
                grams.append(f @ f.T / (h * w))
            if name == "relu5_2":
                content = x
        return grams, content

    def _loss(self, image):
        grams, content = self._features(image)
        style = sum(((g - a) ** 2).mean() for g, a in zip(grams, self._style_targets, strict=True))
        dx = (image[:, :, :, 1:] - image[:, :, :, :-1]).abs().sum()
        dy = (image[:, :, 1:, :] - image[:, :, :-1, :]).abs().sum()
        content_term = ((content - self._content_target) ** 2).mean()
        return 1e-2 / 5 * style + 1e4 * content_term + 30.0 * (dx + dy)

    def loss(self) -> float:
        """The loss of the current image (no step)."""
        import torch

        with torch.no_grad():
            return float(self._loss(self.image))

    def step(self) -> float:
        """One Adam step and clamp; returns the loss before the step."""
        import torch

        self._opt.zero_grad()
        loss = self._loss(self.image)
        loss.backward()
        self._opt.step()
        with torch.no_grad():
            self.image.clamp_(0.0, 1.0)
        return float(loss)
