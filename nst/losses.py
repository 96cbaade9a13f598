r"""The three losses of neural style transfer, in Gatys' form, times each tutorial's factor.

- `gram_matrix`    G = F^T F (raw, or divided by M = H*W, or by M*C).
- `style_target`   the `StyleTarget` of a style image, its Gram per position A / M_s (what
                   `style_loss` compares to); `blend_style_targets` mixes several.
- `content_loss`   d * L_c with Gatys' L_c = 1/2 sum (F - P)^2.
- `style_loss`     c * E with Gatys' E = sum (G - A)^2 / (4 N^2 M^2).
- `tv_loss`        total variation: L1 (= ``tf.image.total_variation``), L2 and the variants.

Every function is pure, works on float32 and float64 tensors, takes a batch ``(B, H, W, C)`` (or a
single ``(H, W, C)`` map) and returns a scalar **summed over the batch** (each image's loss is
computed on its own, then the per-image losses are added). Symbols follow Gatys: N = C channels,
M = H * W positions, F the (M, N) feature matrix, P the content target, A the style target Gram.

The factors d and c of every tutorial's convention, their formulas and sources are one table,
`nst.conventions.CONVENTIONS` (curriculum section 4). Gatys, Ecker, Bethge, "Image Style Transfer
Using Convolutional Neural Networks" (CVPR 2016). Lessons L4, L5, L6, L8, L10.
"""

from __future__ import annotations

from typing import NamedTuple

import tensorflow as tf

from nst.conventions import (  # noqa: F401 (re-exported)
    CONTENT_CONVENTIONS,
    GRAM_NORMALIZATIONS,
    STYLE_CONVENTIONS,
    TV_KINDS,
    find,
)


def _as_batch(x: tf.Tensor, name: str) -> tf.Tensor:
    """Return ``x`` as a float ``(B, H, W, C)`` tensor; a rank-3 ``(H, W, C)`` input gets B = 1."""
    x = tf.convert_to_tensor(x)
    x = x if x.dtype.is_floating else tf.cast(x, tf.float32)
    if x.shape.rank == 3:
        return x[tf.newaxis]
    if x.shape.rank != 4:
        raise ValueError(
            f"{name} must be (B, H, W, C) or (H, W, C), got shape {tuple(x.shape)}; "
            "add or remove a batch axis"
        )
    return x


def _channels_positions(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """(N, M) = (C, H * W) of a (B, H, W, C) tensor, in its dtype."""
    shape = tf.shape(x)
    return tf.cast(shape[3], x.dtype), tf.cast(shape[1] * shape[2], x.dtype)


def gram_matrix(features: tf.Tensor, *, normalization: str = "none") -> tf.Tensor:
    r"""Channel-by-channel inner products of a feature map, summed over positions.

    Position is summed away, which is why the Gram matrix describes texture and not layout.

    Parameters
    ----------
    features : (B, H, W, C) or (H, W, C) tf.Tensor of float32 or float64
        Activations of one layer.
    normalization : {"none", "hw", "hwc"}
        Raw F^T F (Gatys), divided by M = H * W, or by M * C (the tutorials' Grams).

    Returns
    -------
    gram : (B, C, C) tf.Tensor, or (C, C) for a rank-3 input
        Symmetric positive semi-definite, same dtype as `features`.

    Notes
    -----
    With F the (M, N) matrix of one image's features (N = C channels, M = H * W positions),

    .. math:: G = F^\top F, \qquad G_{ij} = \sum_{k=1}^{M} F_{ki} F_{kj}

    divided by M (``"hw"``) or by M N (``"hwc"``). Gatys keeps G raw and puts 1 / (4 N^2 M^2)
    into the style loss instead; dividing by M makes the Gram independent of the image size.
    Gatys, Ecker, Bethge (2016); lesson L5.

    Examples
    --------
    The curriculum's two 2x2 channels [[1, 2], [4, 5]] and [[5, 7], [2, 3]]:

    >>> x = tf.constant([[[1.0, 5.0], [2.0, 7.0]], [[4.0, 2.0], [5.0, 3.0]]])
    >>> gram_matrix(x).numpy().tolist()
    [[46.0, 42.0], [42.0, 87.0]]
    """
    if normalization not in GRAM_NORMALIZATIONS:
        raise ValueError(
            f"unknown Gram normalization {normalization!r}; "
            f"use one of: {', '.join(GRAM_NORMALIZATIONS)}"
        )
    single = tf.convert_to_tensor(features).shape.rank == 3
    x = _as_batch(features, "features")
    shape = tf.shape(x)
    f = tf.reshape(x, (shape[0], shape[1] * shape[2], shape[3]))  # (B, M, N)
    gram = tf.matmul(f, f, transpose_a=True)  # (B, N, N) = F^T F
    n, m = _channels_positions(x)
    if normalization != "none":
        gram = gram / (m if normalization == "hw" else m * n)
    return gram[0] if single else gram


class StyleTarget(NamedTuple):
    r"""What `style_loss` compares to: the style image's Gram **per position**, \hat A = A_s / M_s.

    Make one with `style_target` (from the style image's features) or `from_gram` (from a raw
    Gram and its positions); `blend_style_targets` mixes several. `style_loss` refuses a plain
    tensor, so a raw Gram is never compared with the wrong factor. A NamedTuple passes through
    `tf.function` and `tf.nest` unchanged.

    Attributes
    ----------
    gram : (C, C) or (B, C, C) tf.Tensor
        :math:`\hat A = S^\top S / M_s`, with S the (M_s, N) style features.
    """

    gram: tf.Tensor

    @classmethod
    def from_gram(cls, gram, positions) -> StyleTarget:
        r"""The target of a raw Gram A_s = S^T S summed over `positions` = M_s = H_s * W_s.

        >>> s = tf.constant([[[1.0, 5.0], [2.0, 7.0]], [[4.0, 2.0], [5.0, 3.0]]])
        >>> StyleTarget.from_gram(gram_matrix(s), positions=4).gram.numpy().tolist()
        [[11.5, 10.5], [10.5, 21.75]]
        """
        a = tf.convert_to_tensor(gram)
        a = a if a.dtype.is_floating else tf.cast(a, tf.float32)
        return cls(a / tf.cast(positions, a.dtype))


def style_target(features: tf.Tensor) -> StyleTarget:
    r"""The style target of a style image's features: its Gram per position, \hat A = A_s / M_s.

    Dividing by the style layer's own M_s makes it a per-position average, which `style_loss`
    rescales to the generated image's M: a style image of any size can be used.

    Parameters
    ----------
    features : (B, H_s, W_s, C) or (H_s, W_s, C) tf.Tensor of float32 or float64
        Activations of one layer for the style image(s).

    Returns
    -------
    StyleTarget
        Its ``gram`` is (B, C, C), or (C, C) for a rank-3 input; equal to
        ``gram_matrix(features, normalization="hw")``.

    Notes
    -----
    :math:`\hat A = S^\top S / M_s` with S the (M_s, N) style feature matrix. Gatys' raw target
    for a generated image with M positions is :math:`A = M \hat A` (= A_s when sizes agree).
    """
    return StyleTarget(gram_matrix(features, normalization="hw"))


def blend_style_targets(targets, weights) -> StyleTarget:
    r"""Several styles as one target: :math:`\sum_k w_k \hat A_k`, with the weights as given.

    Parameters
    ----------
    targets : sequence of StyleTarget
        One per style image, all of the same layer (same C).
    weights : sequence of float
        w_k, one per target (not normalised here: pass weights that add up to 1 for a blend).

    Returns
    -------
    StyleTarget
        Its gram is the weighted sum, in the first target's dtype.
    """
    targets, weights = list(targets), list(weights)
    if not targets or len(targets) != len(weights):
        raise ValueError(
            f"got {len(targets)} style targets and {len(weights)} weights; pass one weight per "
            "target (and at least one target)"
        )
    if not all(isinstance(t, StyleTarget) for t in targets):
        raise TypeError("blend_style_targets takes StyleTarget values: make each with style_target")
    dtype = tf.convert_to_tensor(targets[0].gram).dtype
    weights = [tf.cast(tf.convert_to_tensor(w, dtype_hint=dtype), dtype) for w in weights]
    terms = [w * tf.cast(t.gram, dtype) for t, w in zip(targets, weights, strict=True)]
    return StyleTarget(tf.add_n(terms))  # sum_k w_k A_k / M_k


def content_loss(features: tf.Tensor, target: tf.Tensor, *, convention: str = "gatys") -> tf.Tensor:
    r"""Squared distance between generated features F and content features P at one layer.

    Parameters
    ----------
    features : (B, H, W, C) or (H, W, C) tf.Tensor of float32 or float64
        F, the generated image's activations.
    target : tensor of the same shape (or (H, W, C) broadcast over the batch)
        P, the content image's activations at the same layer.
    convention : str
        One of `CONTENT_CONVENTIONS`; its formula, factor d and sources are rows of
        `nst.conventions.CONVENTIONS` (``python -m nst presets`` or lesson L4 print them).

    Returns
    -------
    loss : () tf.Tensor
        The per-image loss summed over the batch, same dtype as `features`.

    Notes
    -----
    Gatys' content loss, with N = C channels and M = H * W positions of one image, times the
    convention's factor d(N, M) (1 for ``"gatys"``, which is also ``tf.nn.l2_loss``):

    .. math:: L = d(N, M) \cdot L_c, \qquad L_c = \tfrac12 \sum_{k,i} (F_{ki} - P_{ki})^2 .

    Gatys, Ecker, Bethge (2016), eq. 1; lesson L4.

    Examples
    --------
    >>> p = tf.constant([[[1.0, 5.0], [2.0, 7.0]], [[4.0, 2.0], [5.0, 3.0]]])
    >>> float(content_loss(tf.zeros_like(p), p))
    66.5
    >>> float(content_loss(tf.zeros_like(p), p, convention="mse"))  # d = 2 / (N M) = 1 / 4
    16.625
    """
    row = find("content", convention)
    x = _as_batch(features, "features")
    p = tf.cast(tf.convert_to_tensor(target), x.dtype)
    p = p[tf.newaxis] if p.shape.rank == 3 else p
    if p.shape.rank != 4 or (
        p.shape.is_fully_defined()
        and x.shape.is_fully_defined()
        and (p.shape[1:] != x.shape[1:] or p.shape[0] not in (1, x.shape[0]))
    ):
        raise ValueError(
            f"content target shape {tuple(p.shape)} does not match features shape "
            f"{tuple(x.shape)}; compute the target at the same layer from an image of the "
            "same size"
        )
    l_c = 0.5 * tf.reduce_sum(tf.square(x - p), axis=(1, 2, 3))  # (B,) 1/2 sum (F - P)^2
    return tf.reduce_sum(row.factor(*_channels_positions(x), None) * l_c)  # d L_c


def style_loss(
    features: tf.Tensor,
    target: StyleTarget,
    *,
    convention: str = "gatys",
    image_positions: int | None = None,
) -> tf.Tensor:
    r"""Distance between the generated image's Gram matrix and the style target at one layer.

    Parameters
    ----------
    features : (B, H, W, C) or (H, W, C) tf.Tensor of float32 or float64
        F, the generated image's activations (N = C channels, M = H * W positions).
    target : StyleTarget
        From `style_target` (``style_target(S)``), `StyleTarget.from_gram` or
        `blend_style_targets`; its gram is (C, C), or (B, C, C) for one target per image. The
        style image may have any size. A plain tensor raises TypeError.
    convention : str
        One of `STYLE_CONVENTIONS`; its formula, factor c and sources are rows of
        `nst.conventions.CONVENTIONS`.
    image_positions : int, optional
        M_img = number of pixels of the generated **image** (not the layer). Required by the
        conventions whose factor uses it (``"keras-example"``).

    Returns
    -------
    loss : () tf.Tensor
        The per-image loss summed over the batch, same dtype as `features`.

    Notes
    -----
    Gatys' per-layer term with raw Grams G = F^T F and A, times the convention's factor
    c(N, M, M_img) (1 for ``"gatys"``):

    .. math:: L = c \cdot E, \qquad
              E = \frac{1}{4 N^2 M^2} \sum_{i,j} (G_{ij} - A_{ij})^2
              = \frac{1}{4 N^2} \sum_{i,j} (\hat G_{ij} - \hat A_{ij})^2,
              \qquad \hat G = G / M.

    E is computed from the per-position Grams (numerically safer than raw Grams, and
    algebraically identical). **Different sizes.** The target is rescaled to the generated
    image, :math:`A = M \hat A = A_s M / M_s`: a style image that tiles the generated image
    exactly gives zero loss; when the sizes agree, :math:`A = A_s`. Gatys et al. (2016), eqs. 3-4.

    Examples
    --------
    Curriculum L6: E = 12689 / 256, with the style image of `gram_matrix`'s example.

    >>> f = tf.constant([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])
    >>> s = tf.constant([[[1.0, 5.0], [2.0, 7.0]], [[4.0, 2.0], [5.0, 3.0]]])
    >>> float(style_loss(f, style_target(s)))
    49.56640625
    >>> float(style_loss(f, StyleTarget.from_gram(gram_matrix(s), positions=4)))
    49.56640625
    """
    if not isinstance(target, StyleTarget):
        raise TypeError(
            f"style_loss compares with a StyleTarget, got a {type(target).__name__}: pass "
            "style_target(S) for the style image's features S, or StyleTarget.from_gram("
            "gram_matrix(S), positions=H_s * W_s) for a raw Gram (compared as it is, a raw Gram "
            "would make the loss M^2 times too large)"
        )
    row = find("style", convention)
    if row.needs_image_positions and image_positions is None:
        raise ValueError(
            f"style convention {convention!r} needs image_positions = height * width of the "
            "generated image (its normaliser uses the input size at every layer)"
        )
    x = _as_batch(features, "features")
    a_hat = tf.cast(tf.convert_to_tensor(target.gram), x.dtype)
    channels = x.shape[-1]
    if a_hat.shape.rank not in (2, 3) or (
        channels is not None and any(d not in (None, channels) for d in a_hat.shape[-2:])
    ):
        raise ValueError(
            f"style target shape {tuple(a_hat.shape)} does not fit features with "
            f"{x.shape[-1]} channels; compute it with style_target() at the same layer"
        )
    g_hat = gram_matrix(x, normalization="hw")  # (B, N, N) = G / M
    n, m = _channels_positions(x)
    e = tf.reduce_sum(tf.square(g_hat - a_hat), axis=(1, 2)) / (4.0 * n**2)  # (B,) Gatys' E
    m_img = None if image_positions is None else tf.cast(image_positions, x.dtype)
    return tf.reduce_sum(row.factor(n, m, m_img) * e)  # c E


def _safe_power(s: tf.Tensor, exponent: float) -> tf.Tensor:
    """s ** exponent for s >= 0, with value 0 and gradient 0 at s = 0 (no inf * 0 = NaN)."""
    positive = s > 0
    one, zero = tf.ones((), s.dtype), tf.zeros((), s.dtype)  # scalars: no folded image-sized
    safe = tf.where(positive, s, one)  # constants in the compiled step
    return tf.where(positive, tf.pow(safe, exponent), zero)


def tv_loss(image: tf.Tensor, *, kind: str = "l1", beta: float | None = None) -> tf.Tensor:
    r"""Total variation: a penalty on differences between neighbouring pixels (a high-pass energy).

    Parameters
    ----------
    image : (B, H, W, C) or (H, W, C) tf.Tensor of float32 or float64
        The image, in any pixel scale s: TV(s x) = s^p TV(x) with each kind's p in the table.
    kind : str
        One of `TV_KINDS` (see Notes).
    beta : float, optional
        Exponent of ``"isotropic"`` (default 1, isotropic TV). Only valid with that kind.

    Returns
    -------
    loss : () tf.Tensor
        The per-image value summed over the batch, same dtype as `image`.

    Notes
    -----
    Per channel, :math:`\Delta^x_{i,j} = x_{i,j+1} - x_{i,j}` and
    :math:`\Delta^y_{i,j} = x_{i+1,j} - x_{i,j}`; sums run over every valid difference and
    channel; "crop" sums run over the (H-1) x (W-1) positions where both differences exist (the
    last row and column are never seen). Means divide by each difference array's own size.

    Each kind's formula and sources are rows of `nst.conventions.CONVENTIONS`, e.g.
    :math:`\mathrm{l1} = \sum |\Delta^x| + \sum |\Delta^y|` (= ``tf.image.total_variation``) and
    :math:`\mathrm{isotropic} = \sum_{crop} ((\Delta^x)^2 + (\Delta^y)^2)^{\beta/2}`
    (Mahendran & Vedaldi 2015); ``keras`` is ``isotropic`` with beta = 2.5. L1 and L2 kinds are
    not convertible by a constant. For beta < 2 the gradient at a zero difference is taken as 0
    (a subgradient) instead of infinity. Curriculum section 4.4; lesson L8.

    Examples
    --------
    A single 2 at the centre of a 3x3 image:

    >>> x = tf.constant([[0.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])[..., None]
    >>> float(tv_loss(x, kind="l1")), float(tv_loss(x, kind="l2"))
    (8.0, 16.0)
    """
    if find("tv", kind).name != "isotropic" and beta is not None:  # find: unknown kinds raise
        raise ValueError(f"beta is only used by TV kind 'isotropic', not {kind!r}; drop it")
    x = _as_batch(image, "image")
    dy = x[:, 1:, :, :] - x[:, :-1, :, :]  # (B, H-1, W, C)
    dx = x[:, :, 1:, :] - x[:, :, :-1, :]  # (B, H, W-1, C)
    axes = (1, 2, 3)
    if kind == "l1":
        per_image = tf.reduce_sum(tf.abs(dx), axes) + tf.reduce_sum(tf.abs(dy), axes)
    elif kind == "l2":
        per_image = tf.reduce_sum(tf.square(dx), axes) + tf.reduce_sum(tf.square(dy), axes)
    elif kind == "mean-l2":
        per_image = tf.reduce_mean(tf.square(dy), axes) + tf.reduce_mean(tf.square(dx), axes)
    elif kind == "mean-l1-half":
        per_image = 0.5 * (tf.reduce_mean(tf.abs(dy), axes) + tf.reduce_mean(tf.abs(dx), axes))
    else:
        s = tf.square(dy[:, :, :-1, :]) + tf.square(dx[:, :-1, :, :])  # (B, H-1, W-1, C) crop
        if kind == "crop-l2-half":
            per_image = 0.5 * tf.reduce_sum(s, axes)
        elif kind == "keras":
            per_image = tf.reduce_sum(_safe_power(s, 1.25), axes)
        else:  # isotropic
            exponent = 0.5 * (1.0 if beta is None else float(beta))
            if exponent <= 0:
                raise ValueError(f"isotropic TV needs beta > 0, got {beta}")
            per_image = tf.reduce_sum(_safe_power(s, exponent), axes)
    return tf.reduce_sum(per_image)
