r"""Named settings that reproduce each major implementation, and weight conversion between them.

A `Preset` records what one published implementation does: layers and their weights, the loss
weights, which formula each loss uses (a name from `nst.losses`), the optimiser, the
initialisation, the image size and the pixel scale. `PRESETS` holds them by name and
`get_preset` looks one up.

Because every implementation normalises its losses differently, weights never carry over by
themselves. `convention_factor` (style, c) and `content_factor` (content, d) give the exact
ratio between a convention's term and Gatys' units (curriculum section 4.1), and
`convert_weights` rescales a preset's weights into another convention (section 4.2):

.. math:: \lambda_l^{dst} = \lambda_l^{src} \frac{c_{src}(N_l, M_l)}{c_{dst}(N_l, M_l)}, \qquad
          \alpha^{dst} = \alpha^{src} \frac{d_{src}(N, M)}{d_{dst}(N, M)}.

It converts *formulas*, not networks: implementations that feed [0, 1] or std-normalised pixels
into torchvision's VGG (PyTorch tutorial, d2l, CS231n's SqueezeNet, the deeplearning.ai course's
unnormalised [0, 1] input) have activations on another scale than our Caffe-scale MatConvNet
network (E scales as s^4, L_c as s^2), so their alpha / beta do not transfer 1:1 (curriculum 4.3).
Lesson L10.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from nst.choices import INIT_MODES, OPTIMIZERS, TAPS
from nst.conventions import CONTENT_CONVENTIONS, STYLE_CONVENTIONS, TV_KINDS

# VGG-19's feature layers in MatConvNet's names (pre-ReLU conv*_*, post-ReLU relu*_*, pool*).
_BLOCK_DEPTHS = (2, 2, 4, 4, 4)
VGG19_FEATURE_LAYERS = tuple(
    name
    for block, depth in enumerate(_BLOCK_DEPTHS, start=1)
    for name in (
        *(f"{kind}{block}_{i}" for i in range(1, depth + 1) for kind in ("conv", "relu")),
        f"pool{block}",
    )
)


#: How a TV kind scales when pixels are multiplied by s: TV(s x) = s**p TV(x).
_TV_SCALE_POWER = {
    "l1": 1.0,
    "l2": 2.0,
    "mean-l2": 2.0,
    "mean-l1-half": 1.0,
    "crop-l2-half": 2.0,
    "keras": 2.5,
    "isotropic": 1.0,  # beta = 1, the only beta presets use
}

_GATYS_STYLE = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
_FIFTHS = (0.2, 0.2, 0.2, 0.2, 0.2)


@dataclass(frozen=True)
class Preset:
    r"""One implementation's settings, in our layer names and on our image scale.

    Attributes
    ----------
    name, title, source : str
        Key in `PRESETS`, a human title, and where the numbers come from (paper, URL, file).
    content_layers, content_layer_weights : tuple
        Content layers (MatConvNet names; pre-ReLU taps are ``conv*_*``, post-ReLU ``relu*_*``)
        and each one's weight inside the content term.
    style_layers, style_layer_weights : tuple
        Style layers and each one's weight w_l inside the style term.
    content_weight, style_weight, tv_weight : float
        alpha, beta, gamma of ``alpha * content + beta * sum_l w_l style_l + gamma * tv``,
        in the implementation's own conventions (below).
    content_convention, style_convention, tv_kind : str
        Names from `nst.losses.CONTENT_CONVENTIONS`, `STYLE_CONVENTIONS`, `TV_KINDS`. Presets
        without a TV term have ``tv_weight = 0`` and the placeholder kind ``"l1"``.
    tap : {"post-relu", "pre-relu"}
        Where the original read its activations (already reflected in the layer names).
    pooling : {"max", "avg"}
    optimizer : {"lbfgs", "adam", "sgd"}
    learning_rate : float or None
        None for L-BFGS.
    adam_betas : tuple of float, adam_epsilon : float
        Adam's (beta1, beta2) and epsilon (Keras adds epsilon to the un-bias-corrected sqrt(v)).
    lr_schedule : str
        Learning-rate schedule in words ("constant" when there is none).
    iterations : int
        Optimiser steps (L-BFGS: iterations).
    init : {"content", "noise", "content+noise"}
    init_noise : float
        Noise scale on our 0-255 scale (std of a normal, or half-width of a uniform: see notes).
    image_size : int or None
        Longer side in pixels the original used (None: the content image's own size).
    pixel_range : tuple of float
        Range of the pixels the original fed to its network (before mean/std normalisation).
    tv_pixel_scale : float
        s such that the original computed TV on s * (our 0-255 pixels): 1/255 for [0, 1]
        images; for std-normalised images 1 / (255 * 0.226) (0.226 = mean ImageNet std,
        an approximation since the std differs per channel).
    caffe_scale : bool
        True when the original's activations are on our scale (Caffe/MatConvNet VGG, 0-255
        pixels minus the mean): only then do its weights mean the same thing here.
    clip : tuple of float or None
        Box the original kept pixels in, on our 0-255 scale.
    notes : str
        Everything else worth knowing, including any assumption we made.
    """

    name: str
    title: str
    source: str
    content_layers: tuple[str, ...]
    content_layer_weights: tuple[float, ...]
    style_layers: tuple[str, ...]
    style_layer_weights: tuple[float, ...]
    content_weight: float
    style_weight: float
    tv_weight: float
    content_convention: str
    style_convention: str
    tv_kind: str
    tap: str
    pooling: str
    optimizer: str
    learning_rate: float | None
    iterations: int
    init: str
    image_size: int | None
    pixel_range: tuple[float, float]
    tv_pixel_scale: float
    caffe_scale: bool
    adam_betas: tuple[float, float] = (0.9, 0.999)
    adam_epsilon: float = 1e-8
    lr_schedule: str = "constant"
    init_noise: float = 0.0
    clip: tuple[float, float] | None = (0.0, 255.0)
    notes: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        """Check every name against the lists it must come from."""
        problems = []
        for layer in (*self.content_layers, *self.style_layers):
            if layer not in VGG19_FEATURE_LAYERS:
                problems.append(f"layer {layer!r} is not a VGG-19 feature layer")
        if len(self.content_layers) != len(self.content_layer_weights):
            problems.append("content_layers and content_layer_weights differ in length")
        if len(self.style_layers) != len(self.style_layer_weights):
            problems.append("style_layers and style_layer_weights differ in length")
        for value, valid, what in (
            (self.content_convention, CONTENT_CONVENTIONS, "content convention"),
            (self.style_convention, STYLE_CONVENTIONS, "style convention"),
            (self.tv_kind, TV_KINDS, "TV kind"),
            (self.optimizer, OPTIMIZERS, "optimizer"),
            (self.init, INIT_MODES, "init"),
            (self.tap, TAPS, "tap"),
            (self.pooling, ("max", "avg"), "pooling"),
        ):
            if value not in valid:
                problems.append(f"{what} {value!r} is not one of {', '.join(valid)}")
        if problems:
            raise ValueError(f"preset {self.name!r}: " + "; ".join(problems))

    @property
    def style_coefficients(self) -> dict[str, float]:
        """beta * w_l per style layer: the coefficient on each layer's term in its convention."""
        return {
            layer: self.style_weight * w
            for layer, w in zip(self.style_layers, self.style_layer_weights, strict=True)
        }

    @property
    def content_coefficients(self) -> dict[str, float]:
        """alpha * (layer weight) per content layer, in its convention."""
        return {
            layer: self.content_weight * w
            for layer, w in zip(self.content_layers, self.content_layer_weights, strict=True)
        }


@dataclass(frozen=True)
class LossWeights:
    """Per-layer coefficients on each loss term, and the conventions they are meant for.

    ``total = sum_l content[l] * content_term_l + sum_l style[l] * style_term_l + tv * tv_term``
    with each term computed by `nst.losses` under `content_convention`, `style_convention`,
    `tv_kind`, and TV computed on pixels scaled by `tv_pixel_scale` (1 = our 0-255 scale).
    """

    content: dict[str, float]
    style: dict[str, float]
    tv: float
    content_convention: str
    style_convention: str
    tv_kind: str
    tv_pixel_scale: float = 1.0


def convention_factor(name: str, N: int, M: int, M_img: int | None = None) -> float:
    r"""c(N, M): a style convention's per-layer term divided by Gatys' E_l.

    Parameters
    ----------
    name : str
        One of `nst.losses.STYLE_CONVENTIONS`.
    N, M : int
        Channels and positions (H * W) of the layer.
    M_img : int, optional
        Pixels of the input image; needed by ``"keras-example"`` only.

    Returns
    -------
    c : float

    Notes
    -----
    .. math:: c = \frac{\text{term}_X}{E_l}, \qquad E_l = \frac{1}{4 N^2 M^2} \sum (G - A)^2

    1 for gatys and coursera; 4 for tf-tutorial, gatys-notebook, cs231n and johnson; 4 / N^2
    for pytorch-tutorial, anish, jcjohnson and d2l; N^2 M^2 / (9 M_img^2) for keras-example;
    4e12 / N^2 for fastai-2018 (curriculum 4.1).
    """
    if name not in STYLE_CONVENTIONS:
        raise ValueError(f"unknown style convention {name!r}; use one of: {STYLE_CONVENTIONS}")
    if name in ("gatys", "coursera"):
        return 1.0
    if name in ("tf-tutorial", "gatys-notebook", "cs231n", "johnson"):
        return 4.0
    if name in ("pytorch-tutorial", "anish", "jcjohnson", "d2l"):
        return 4.0 / N**2
    if name == "keras-example":
        if M_img is None:
            raise ValueError("style convention 'keras-example' needs M_img (input pixels)")
        return N**2 * M**2 / (9.0 * M_img**2)
    return 4e12 / N**2  # fastai-2018


def content_factor(name: str, N: int, M: int) -> float:
    r"""d(N, M): a content convention's term divided by Gatys' L_c = 1/2 sum (F - P)^2.

    Parameters
    ----------
    name : str
        One of `nst.losses.CONTENT_CONVENTIONS`.
    N, M : int
        Channels and positions (H * W) of the content layer.

    Returns
    -------
    d : float
        1 (gatys), 2 (sum), 2 / (N M) (mse), 1 / (2 N M) (coursera).
    """
    if name not in CONTENT_CONVENTIONS:
        raise ValueError(f"unknown content convention {name!r}; use one of: {CONTENT_CONVENTIONS}")
    return {"gatys": 1.0, "sum": 2.0, "mse": 2.0 / (N * M), "coursera": 1.0 / (2.0 * N * M)}[name]


def get_preset(name: str) -> Preset:
    """The preset called `name`; unknown names raise ValueError listing the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; use one of: {', '.join(PRESETS)}") from None


def _as_weights(spec: Preset | LossWeights | str) -> LossWeights:
    if isinstance(spec, str):
        spec = get_preset(spec)
    if isinstance(spec, LossWeights):
        return spec
    return LossWeights(
        content=spec.content_coefficients,
        style=spec.style_coefficients,
        tv=spec.tv_weight,
        content_convention=spec.content_convention,
        style_convention=spec.style_convention,
        tv_kind=spec.tv_kind,
        tv_pixel_scale=spec.tv_pixel_scale,
    )


def _shape_of(shapes: Mapping[str, tuple[int, int, int]], layer: str) -> tuple[int, int]:
    """(N, M) of a layer from its (H, W, C) shape."""
    if layer not in shapes:
        raise ValueError(
            f"no shape given for layer {layer!r}; pass shapes[{layer!r}] = (H, W, C) of its "
            "activations for the image size in use"
        )
    h, w, c = shapes[layer]
    return c, h * w


def convert_weights(
    src: Preset | LossWeights | str,
    dst: Preset | LossWeights | str,
    shapes: Mapping[str, tuple[int, int, int]],
    *,
    image_size: tuple[int, int] | None = None,
) -> LossWeights:
    r"""Weights that make `dst`'s conventions compute exactly `src`'s weighted total loss.

    Parameters
    ----------
    src : Preset, LossWeights or preset name
        The weights to convert, with the conventions they belong to.
    dst : Preset, LossWeights or preset name
        Only its conventions (content, style, TV kind and TV pixel scale) are used.
    shapes : mapping of layer name to (H, W, C)
        Activation shapes of every layer `src` weights, for the image size in use.
    image_size : (H, W), optional
        The input image size; needed when either side uses ``"keras-example"``.

    Returns
    -------
    LossWeights
        `src`'s layers with coefficients in `dst`'s conventions.

    Notes
    -----
    Per layer (curriculum 4.2), with c from `convention_factor` and d from `content_factor`:

    .. math:: \lambda_l^{dst} = \lambda_l^{src} \, c_{src} / c_{dst}, \qquad
              \alpha_l^{dst} = \alpha_l^{src} \, d_{src} / d_{dst}, \qquad
              \gamma^{dst} = \gamma^{src} (s_{src} / s_{dst})^p

    where s is the TV pixel scale and TV(s x) = s^p TV(x) for the (shared) TV kind (p = 1 for
    l1, mean-l1-half and isotropic with its default beta = 1; 2 for the squared kinds; 2.5 for
    keras). TV kinds
    that differ (L1 against L2, cropped against full) are not related by a constant, so a
    non-zero TV weight is converted only between equal kinds; anything else raises ValueError.
    """
    a = _as_weights(src)
    b = _as_weights(dst)
    m_img = None if image_size is None else image_size[0] * image_size[1]
    content = {}
    for layer, alpha in a.content.items():
        n, m = _shape_of(shapes, layer)
        ratio = content_factor(a.content_convention, n, m) / content_factor(
            b.content_convention, n, m
        )
        content[layer] = alpha * ratio
    style = {}
    for layer, lam in a.style.items():
        n, m = _shape_of(shapes, layer)
        ratio = convention_factor(a.style_convention, n, m, m_img) / convention_factor(
            b.style_convention, n, m, m_img
        )
        style[layer] = lam * ratio
    if a.tv == 0:
        tv = 0.0
    elif a.tv_kind != b.tv_kind:
        raise ValueError(
            f"cannot convert a TV weight from kind {a.tv_kind!r} to {b.tv_kind!r}: they are not "
            "related by a constant; convert to a destination with the same TV kind "
            f"(e.g. dataclasses.replace(dst, tv_kind={a.tv_kind!r}))"
        )
    else:
        tv = a.tv * (a.tv_pixel_scale / b.tv_pixel_scale) ** _TV_SCALE_POWER[a.tv_kind]
    return LossWeights(
        content=content,
        style=style,
        tv=tv,
        content_convention=b.content_convention,
        style_convention=b.style_convention,
        tv_kind=b.tv_kind if a.tv != 0 else a.tv_kind,
        tv_pixel_scale=b.tv_pixel_scale,
    )


def to_gatys_units(
    src: Preset | LossWeights | str,
    shapes: Mapping[str, tuple[int, int, int]],
    *,
    image_size: tuple[int, int] | None = None,
) -> LossWeights:
    """`src`'s weights as coefficients on Gatys' L_c and E_l, and TV of the same kind on 0-255.

    The effective alpha and lambda_l of curriculum section 4.3. See `convert_weights`.
    """
    a = _as_weights(src)
    gatys = replace(a, content_convention="gatys", style_convention="gatys", tv_pixel_scale=1.0)
    return convert_weights(a, gatys, shapes, image_size=image_size)


_NORMALISED_TV_SCALE = 1.0 / (255.0 * 0.226)  # x_norm ~ (x / 255 - mean) / std, std ~ 0.226

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="gatys",
            title="Gatys, Ecker & Bethge (2015, CVPR 2016), the paper",
            source="arXiv:1508.06576; CVPR 2016 'Image Style Transfer Using Convolutional "
            "Neural Networks'",
            content_layers=("relu4_2",),
            content_layer_weights=(1.0,),
            style_layers=_GATYS_STYLE,
            style_layer_weights=_FIFTHS,
            content_weight=1e-3,
            style_weight=1.0,
            tv_weight=0.0,
            content_convention="gatys",
            style_convention="gatys",
            tv_kind="l1",
            tap="post-relu",
            pooling="avg",
            optimizer="lbfgs",
            learning_rate=None,
            iterations=1000,
            init="noise",
            init_noise=1.0,
            image_size=512,
            pixel_range=(0.0, 255.0),
            tv_pixel_scale=1.0,
            caffe_scale=True,
            notes="alpha/beta = 1e-3 (the paper shows 1e-3 to 1e-4) on the *normalised* VGG-19 "
            "(filters rescaled so mean activations are 1), so on the raw MatConvNet network the "
            "balance differs (L11). 'conv4_2' in the paper is a Caffe blob overwritten by its "
            "ReLU, i.e. relu4_2. Average pooling as the paper recommends. The paper gives no "
            "iteration count or noise scale: 1000 L-BFGS iterations and white noise of std 1 "
            "(0-255 scale) are our choices. No TV term.",
        ),
        Preset(
            name="tf-tutorial",
            title="TensorFlow tutorial 'Neural style transfer'",
            source="https://www.tensorflow.org/tutorials/generative/style_transfer "
            "(tensorflow/docs site/en/tutorials/generative/style_transfer.ipynb)",
            content_layers=("relu5_2",),
            content_layer_weights=(1.0,),
            style_layers=_GATYS_STYLE,
            style_layer_weights=_FIFTHS,
            content_weight=1e4,
            style_weight=1e-2,
            tv_weight=30.0,
            content_convention="mse",
            style_convention="tf-tutorial",
            tv_kind="l1",
            tap="post-relu",
            pooling="max",
            optimizer="adam",
            learning_rate=0.02,
            adam_betas=(0.99, 0.999),
            adam_epsilon=0.1,
            iterations=1000,
            init="content",
            image_size=512,
            pixel_range=(0.0, 1.0),
            tv_pixel_scale=1.0 / 255.0,
            caffe_scale=True,
            notes="Keras block5_conv2 / block1..5_conv1 include the ReLU, hence relu5_2 / "
            "relu*_1. style_weight / 5 layers and content_weight / 1 layer, as the tutorial "
            "divides by the layer counts. 10 epochs x 100 steps; the image lives in [0, 1] and "
            "is clipped there after each step, then multiplied by 255 and Caffe-preprocessed, "
            "so activations are Caffe-scale; TV = tf.image.total_variation on the [0, 1] image.",
        ),
        Preset(
            name="coursera",
            title="deeplearning.ai 'Art Generation with Neural Style Transfer' (TF2 version)",
            source="Coursera Deep Learning Specialization, course 4 week 4 assignment "
            "(Art_Generation_with_Neural_Style_Transfer.ipynb)",
            content_layers=("relu5_4",),
            content_layer_weights=(1.0,),
            style_layers=_GATYS_STYLE,
            style_layer_weights=_FIFTHS,
            content_weight=10.0,
            style_weight=40.0,
            tv_weight=0.0,
            content_convention="coursera",
            style_convention="coursera",
            tv_kind="l1",
            tap="post-relu",
            pooling="max",
            optimizer="adam",
            learning_rate=0.01,
            adam_epsilon=1e-7,
            iterations=2500,
            init="content+noise",
            init_noise=0.25 * 255.0,
            image_size=400,
            pixel_range=(0.0, 1.0),
            tv_pixel_scale=1.0 / 255.0,
            caffe_scale=False,
            notes="J_content = 1/(4 nH nW nC) sum (a_C - a_G)^2 at block5_conv4 (= relu5_4); "
            "J_style_layer = 1/(4 nC^2 (nH nW)^2) sum (G_S - G_G)^2 with raw Grams, layers "
            "block1..5_conv1 with 0.2 each; J = 10 J_content + 40 J_style. Adam lr 0.01 "
            "(Keras defaults otherwise), about 2500 epochs, 400x400 images, init = content + "
            "uniform noise in (-0.25, 0.25) on [0, 1] (= +-63.75 here), clipped to [0, 1]. The "
            "[0, 1] image goes into VGG-19 without Caffe preprocessing, so its activations are "
            "far smaller than ours and alpha/beta do not transfer 1:1. No TV term.",
        ),
        Preset(
            name="cs231n",
            title="Stanford CS231n assignment 3, StyleTransfer (TensorFlow)",
            source="cs231n.github.io assignment 3, StyleTransfer-TensorFlow.ipynb, first "
            "example (composition_vii.jpg on tubingen.jpg)",
            content_layers=("relu3_1",),
            content_layer_weights=(1.0,),
            style_layers=("relu2_1", "relu3_1", "relu3_2", "relu4_1"),
            style_layer_weights=(20000.0, 500.0, 12.0, 1.0),
            content_weight=5e-2,
            style_weight=1.0,
            tv_weight=5e-2,
            content_convention="sum",
            style_convention="cs231n",
            tv_kind="l2",
            tap="post-relu",
            pooling="max",
            optimizer="adam",
            learning_rate=3.0,
            lr_schedule="3.0, then 0.1 from iteration 180",
            iterations=200,
            init="content",
            image_size=192,
            pixel_range=(0.0, 1.0),
            tv_pixel_scale=_NORMALISED_TV_SCALE,
            caffe_scale=False,
            clip=None,
            notes="The original uses SqueezeNet 1.1 (content features[3], style features[1, 4, "
            "6, 7]); the VGG-19 layers here are OUR mapping by spatial resolution "
            "(1/2 -> relu2_1, 1/4 -> relu3_1/relu3_2, 1/8 -> relu4_1), not the assignment's. "
            "Gram / (H W C), style = sum of squared Gram differences, content = w_c sum (F-P)^2, "
            "TV = w_t (sum dx^2 + sum dy^2) on the ImageNet-normalised image. Pixels clipped to "
            "[-1.5, 1.5] in normalised units until iteration 190. Style image resized to 512.",
        ),
        Preset(
            name="matconvnet-blog",
            title="The MatConvNet-blog version in the seed notes",
            source="the project's seed notes (a blog post using imagenet-vgg-verydeep-19.mat)",
            content_layers=("relu4_1",),
            content_layer_weights=(1.0,),
            style_layers=_GATYS_STYLE,
            style_layer_weights=_FIFTHS,
            content_weight=7.0,
            style_weight=400.0,
            tv_weight=0.0,
            content_convention="gatys",
            style_convention="gatys",
            tv_kind="l1",
            tap="post-relu",
            pooling="max",
            optimizer="adam",
            learning_rate=10.0,
            iterations=1000,
            init="noise",
            init_noise=1.0,
            image_size=None,
            pixel_range=(0.0, 255.0),
            tv_pixel_scale=1.0,
            caffe_scale=True,
            notes="Content relu4_1, style relu1_1..relu5_1, weights content 7 / style 400, Adam "
            "lr 10, 1000 iterations, random init, as the seed notes state. ASSUMPTION: the "
            "notes do not pin the normalisation; we read them as raw Grams with Gatys' "
            "1/(4 N^2 M^2) style term and Gatys' 1/2 sum content term, equal layer weights 1/5, "
            "and white-noise init of std 1 (0-255 scale).",
        ),
        Preset(
            name="anish",
            title="anishathalye/neural-style defaults",
            source="https://github.com/anishathalye/neural-style (neural_style.py, stylize.py)",
            content_layers=("relu4_2", "relu5_2"),
            content_layer_weights=(1.0, 0.0),
            style_layers=_GATYS_STYLE,
            style_layer_weights=_FIFTHS,
            content_weight=5.0,
            style_weight=500.0,
            tv_weight=100.0,
            content_convention="mse",
            style_convention="anish",
            tv_kind="mean-l2",
            tap="post-relu",
            pooling="max",
            optimizer="adam",
            learning_rate=10.0,
            adam_epsilon=1e-8,
            iterations=1000,
            init="noise",
            init_noise=0.256,
            image_size=None,
            pixel_range=(0.0, 255.0),
            tv_pixel_scale=1.0,
            caffe_scale=True,
            clip=None,
            notes="CONTENT_WEIGHT 5e0 with content_weight_blend 1 (relu4_2 * 1 + relu5_2 * 0), "
            "STYLE_WEIGHT 5e2 with layer weights normalised to sum 1 (exp 1: 0.2 each), "
            "TV_WEIGHT 1e2 (mean dy^2 + mean dx^2), Adam lr 1e1, betas (0.9, 0.999), eps 1e-8, "
            "1000 iterations, max pooling, same MatConvNet file as ours. Default init is "
            "normal noise of std 0.256 on the mean-subtracted 0-255 scale (nearly the mean "
            "colour). Output clipped only when saved.",
        ),
        Preset(
            name="jcjohnson",
            title="jcjohnson/neural-style defaults",
            source="https://github.com/jcjohnson/neural-style (neural_style.lua)",
            content_layers=("relu4_2",),
            content_layer_weights=(1.0,),
            style_layers=_GATYS_STYLE,
            style_layer_weights=(1.0, 1.0, 1.0, 1.0, 1.0),
            content_weight=5.0,
            style_weight=100.0,
            tv_weight=1e-3,
            content_convention="mse",
            style_convention="jcjohnson",
            tv_kind="crop-l2-half",
            tap="post-relu",
            pooling="max",
            optimizer="lbfgs",
            learning_rate=None,
            iterations=1000,
            init="noise",
            init_noise=0.001,
            image_size=512,
            pixel_range=(0.0, 255.0),
            tv_pixel_scale=1.0,
            caffe_scale=True,
            clip=None,
            notes="-content_weight 5, -style_weight 100 on every style layer (no average), "
            "-tv_weight 1e-3 (its TVLoss backward is the gradient of 1/2 sum over the crop of "
            "dx^2 + dy^2), L-BFGS 1000 iterations (Adam option lr 1e1), -init random = "
            "randn * 0.001, image_size 512, Caffe VGG-19 with BGR 0-255 minus mean.",
        ),
        Preset(
            name="pytorch-tutorial",
            title="PyTorch tutorial 'Neural Transfer Using PyTorch'",
            source="https://pytorch.org/tutorials/advanced/neural_style_tutorial.html "
            "(pytorch/tutorials advanced_source/neural_style_tutorial.py)",
            content_layers=("conv2_2",),
            content_layer_weights=(1.0,),
            style_layers=("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1"),
            style_layer_weights=(1.0, 1.0, 1.0, 1.0, 1.0),
            content_weight=1.0,
            style_weight=1e6,
            tv_weight=0.0,
            content_convention="mse",
            style_convention="pytorch-tutorial",
            tv_kind="l1",
            tap="pre-relu",
            pooling="max",
            optimizer="lbfgs",
            learning_rate=None,
            iterations=300,
            init="content",
            image_size=512,
            pixel_range=(0.0, 1.0),
            tv_pixel_scale=_NORMALISED_TV_SCALE,
            caffe_scale=False,
            notes="content conv_4 = conv2_2, style conv_1..conv_5 = conv1_1, conv1_2, conv2_1, "
            "conv2_2, conv3_1, all pre-ReLU (the tutorial replaces in-place ReLUs to keep them "
            "so). Gram / (a b c d), MSE; style_weight 1e6 on the sum of the five layer losses, "
            "content_weight 1; torch.optim.LBFGS, 300 steps, input = content clone, clamped to "
            "[0, 1]; 512 px on GPU (128 on CPU). torchvision VGG-19 on ImageNet-normalised "
            "[0, 1] input: not Caffe-scale. No TV term.",
        ),
        Preset(
            name="keras-example",
            title="Keras example 'Neural style transfer'",
            source="https://keras.io/examples/generative/neural_style_transfer/ "
            "(keras-team/keras-io examples/generative/neural_style_transfer.py)",
            content_layers=("relu5_2",),
            content_layer_weights=(1.0,),
            style_layers=_GATYS_STYLE,
            style_layer_weights=_FIFTHS,
            content_weight=2.5e-8,
            style_weight=1e-6,
            tv_weight=1e-6,
            content_convention="sum",
            style_convention="keras-example",
            tv_kind="keras",
            tap="post-relu",
            pooling="max",
            optimizer="sgd",
            learning_rate=100.0,
            lr_schedule="ExponentialDecay(100.0, decay_steps=100, decay_rate=0.96)",
            iterations=4000,
            init="content",
            image_size=400,
            pixel_range=(0.0, 255.0),
            tv_pixel_scale=1.0,
            caffe_scale=True,
            clip=None,
            notes="block5_conv2 / block1..5_conv1 (ReLU included). style = sum (S - C)^2 / "
            "(4 * 3^2 * (nrows * ncols)^2) with raw Grams and channels = 3 hard-coded, times "
            "style_weight / 5; content = sum (F - P)^2 times 2.5e-8; TV = sum over the "
            "(H-1)x(W-1) crop of (dy^2 + dx^2)^1.25 times 1e-6. SGD with exponential decay "
            "from lr 100, 4000 iterations, 400 rows (width in proportion), init = content, "
            "Caffe preprocessing (activations on our scale).",
        ),
        Preset(
            name="d2l",
            title="Dive into Deep Learning, 'Neural Style Transfer'",
            source="https://d2l.ai/chapter_computer-vision/neural-style.html "
            "(d2l-ai/d2l-en chapter_computer-vision/neural-style.md)",
            content_layers=("conv4_4",),
            content_layer_weights=(1.0,),
            style_layers=("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"),
            style_layer_weights=(1.0, 1.0, 1.0, 1.0, 1.0),
            content_weight=1.0,
            style_weight=1e4,
            tv_weight=10.0,
            content_convention="mse",
            style_convention="d2l",
            tv_kind="mean-l1-half",
            tap="pre-relu",
            pooling="max",
            optimizer="adam",
            learning_rate=0.3,
            lr_schedule="StepLR: x0.8 every 50 epochs",
            iterations=500,
            init="content",
            image_size=450,
            pixel_range=(0.0, 1.0),
            tv_pixel_scale=_NORMALISED_TV_SCALE,
            caffe_scale=False,
            clip=None,
            notes="content layer 25 = conv4_4, style layers 0, 5, 10, 19, 28 = conv*_1 of "
            "torchvision's vgg19.features, read pre-ReLU (the MXNet original; in the PyTorch "
            "version torchvision's in-place ReLU may overwrite the stored outputs). Gram / "
            "(c h w), MSE; weights content 1, style 1e4 per layer, TV 10 on "
            "1/2 (mean |dy| + mean |dx|) of the normalised image; Adam lr 0.3 decayed x0.8 "
            "every 50 epochs, 500 epochs, 300x450 image, init = content.",
        ),
    )
}
