r"""Named settings that reproduce each major implementation, and weight conversion between them.

A `Preset` records what one published implementation does: layers and their weights, the loss
weights, which formula each loss uses (a name from `nst.conventions`), the optimiser, the
initialisation, the image size and the pixel scale. The values live in ``nst/presets.json`` (one
block per preset, with its public source); `PRESETS` holds them by name and `get_preset` looks
one up.

Because every implementation normalises its losses differently, weights never carry over by
themselves. `convention_factor` (style, c) and `content_factor` (content, d) give the exact
ratio between a convention's term and Gatys' units, read from the table
`nst.conventions.CONVENTIONS` (curriculum section 4.1), and `convert_weights` rescales a
preset's weights into another convention (section 4.2):

.. math:: \lambda_l^{dst} = \lambda_l^{src} \frac{c_{src}(N_l, M_l)}{c_{dst}(N_l, M_l)}, \qquad
          \alpha^{dst} = \alpha^{src} \frac{d_{src}(N, M)}{d_{dst}(N, M)}.

It converts *formulas*, not networks: implementations that feed [0, 1] or std-normalised pixels
into torchvision's VGG (PyTorch tutorial, d2l, CS231n's SqueezeNet, the deeplearning.ai course's
unnormalised [0, 1] input) have activations on another scale than our Caffe-scale MatConvNet
network (E scales as s^4, L_c as s^2), so their alpha / beta do not transfer 1:1 (curriculum 4.3).
Lesson L10.
"""

from __future__ import annotations

import ast
import json
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources

from nst.choices import INIT_MODES, OPTIMIZERS, TAPS
from nst.conventions import CONTENT_CONVENTIONS, STYLE_CONVENTIONS, TV_KINDS, find
from vgg_mat import architecture
from vgg_mat.architecture import POOLING_METHODS, VGG19_LAYER_NAMES

#: VGG-19's feature layers in MatConvNet's names, conv1_1 ... pool5 (the layers a preset may use).
VGG19_FEATURE_LAYERS = VGG19_LAYER_NAMES[: VGG19_LAYER_NAMES.index("pool5") + 1]


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
            (self.pooling, POOLING_METHODS, "pooling"),
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


def convention_factor(name: str, N, M, M_img=None):
    r"""c(N, M): a style convention's per-layer term divided by Gatys' E_l.

    Parameters
    ----------
    name : str
        One of `nst.conventions.STYLE_CONVENTIONS`.
    N, M : int (or float, or tf.Tensor)
        Channels and positions (H * W) of the layer.
    M_img : int, optional
        Pixels of the input image; needed by the conventions whose factor uses it
        (``"keras-example"``).

    Returns
    -------
    c : float (a tf.Tensor for tensor inputs)

    Notes
    -----
    .. math:: c = \frac{\text{term}_X}{E_l}, \qquad E_l = \frac{1}{4 N^2 M^2} \sum (G - A)^2

    Each convention's c is a row of `nst.conventions.CONVENTIONS` (curriculum 4.1).

    Examples
    --------
    >>> convention_factor("tf-tutorial", 64, 4096), convention_factor("anish", 64, 4096)
    (4.0, 0.0009765625)
    """
    row = find("style", name)
    if row.needs_image_positions and M_img is None:
        raise ValueError(f"style convention {name!r} needs M_img (input pixels)")
    return row.factor(N, M, M_img)


def content_factor(name: str, N, M):
    r"""d(N, M): a content convention's term divided by Gatys' L_c = 1/2 sum (F - P)^2.

    Parameters
    ----------
    name : str
        One of `nst.conventions.CONTENT_CONVENTIONS`.
    N, M : int (or float, or tf.Tensor)
        Channels and positions (H * W) of the content layer.

    Returns
    -------
    d : float (a tf.Tensor for tensor inputs)
        The row's factor in `nst.conventions.CONVENTIONS`.

    Examples
    --------
    >>> content_factor("mse", 2, 4), content_factor("coursera", 2, 4)
    (0.25, 0.0625)
    """
    return find("content", name).factor(N, M, None)


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

    where s is the TV pixel scale and TV(s x) = s^p TV(x) for the (shared) TV kind (p is the
    kind's ``scale_power`` in `nst.conventions.CONVENTIONS`). TV kinds that differ (L1 against
    L2, cropped against full) are not related by a constant, so a non-zero TV weight is
    converted only between equal kinds; anything else raises ValueError.
    """
    a, b = _as_weights(src), _as_weights(dst)
    m_img = None if image_size is None else image_size[0] * image_size[1]
    content, style = {}, {}
    for layer, alpha in a.content.items():
        n, m = _shape_of(shapes, layer)
        d = [content_factor(w.content_convention, n, m) for w in (a, b)]
        content[layer] = alpha * (d[0] / d[1])  # alpha d_src / d_dst
    for layer, lam in a.style.items():
        n, m = _shape_of(shapes, layer)
        c = [convention_factor(w.style_convention, n, m, m_img) for w in (a, b)]
        style[layer] = lam * (c[0] / c[1])  # lambda c_src / c_dst
    if a.tv == 0:
        tv = 0.0
    elif a.tv_kind != b.tv_kind:
        raise ValueError(
            f"cannot convert a TV weight from kind {a.tv_kind!r} to {b.tv_kind!r}: they are not "
            "related by a constant; convert to a destination with the same TV kind "
            f"(e.g. dataclasses.replace(dst, tv_kind={a.tv_kind!r}))"
        )
    else:
        power = find("tv", a.tv_kind).scale_power  # TV(s x) = s^p TV(x)
        tv = a.tv * (a.tv_pixel_scale / b.tv_pixel_scale) ** power
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


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: operator.truediv}  # fmt: skip


def _number(text: str) -> float:
    """Evaluate arithmetic on numbers, e.g. ``"1/(255*0.226)"``, as Python would (no names)."""

    def value(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        raise ValueError(f"presets.json: {text!r} is not arithmetic on numbers")

    return float(value(ast.parse(text, mode="eval").body))


def _field_value(name: str, value):
    """One JSON value as the `Preset` field `name` holds it (tuples, floats, joined notes)."""
    if name == "notes":
        return " ".join(value)
    if isinstance(value, str) and name.endswith("_layers"):
        return getattr(architecture, value)  # e.g. "DEFAULT_STYLE_LAYERS"
    if isinstance(value, str) and name in ("tv_pixel_scale", "init_noise"):
        return _number(value)
    return tuple(value) if isinstance(value, list) else value


def load_presets(text: str | None = None) -> dict[str, Preset]:
    """The presets of ``nst/presets.json`` (or of the JSON `text`), by name, in file order."""
    if text is None:
        text = resources.files("nst").joinpath("presets.json").read_text(encoding="utf-8")
    presets = {}
    for entry in json.loads(text)["presets"]:  # an unknown field is a TypeError of Preset
        preset = Preset(**{k: _field_value(k, v) for k, v in entry.items()})
        presets[preset.name] = preset
    return presets


PRESETS: dict[str, Preset] = load_presets()
