r"""The three losses of neural style transfer, in Gatys' form and in every major tutorial's form.

- `gram_matrix`   G = F^T F (raw, or divided by M = H*W, or by M*C).
- `style_target`  the style image's Gram per position, A / M_s: what `style_loss` compares to.
- `content_loss`  Gatys' L_c = 1/2 sum (F - P)^2, and the tutorials' variants.
- `style_loss`    Gatys' E_l = sum (G - A)^2 / (4 N^2 M^2), and the tutorials' variants.
- `tv_loss`       total variation: L1 (= ``tf.image.total_variation``), L2 and the variants.

Every function is pure, works on float32 and float64 tensors, takes a batch ``(B, H, W, C)`` (or a
single ``(H, W, C)`` map) and returns a scalar **summed over the batch** (each image's loss is
computed on its own, then the per-image losses are added). Symbols follow Gatys: N = C channels,
M = H * W positions, F the (M, N) feature matrix, P the content target, A the style target Gram.

The convention names, the factor between each convention and Gatys' units and the weights that
go with them live in `nst.presets` (curriculum section 4). References: Gatys, Ecker, Bethge,
"A Neural Algorithm of Artistic Style" (2015) and "Image Style Transfer Using Convolutional
Neural Networks" (CVPR 2016). Lessons: L4 (content), L5 (Gram), L6 (style), L8 (TV), L10.
"""

from __future__ import annotations

import tensorflow as tf

from nst.conventions import (
    CONTENT_CONVENTIONS,
    GRAM_NORMALIZATIONS,
    STYLE_CONVENTIONS,
    TV_KINDS,
)


def _unknown(kind: str, value: object, valid: tuple[str, ...]) -> ValueError:
    return ValueError(f"unknown {kind} {value!r}; use one of: {', '.join(valid)}")


def _as_batch(x: tf.Tensor, name: str) -> tf.Tensor:
    """Return ``x`` as a float ``(B, H, W, C)`` tensor; a rank-3 ``(H, W, C)`` input gets B = 1."""
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        x = tf.cast(x, tf.float32)
    if x.shape.rank == 3:
        return x[tf.newaxis]
    if x.shape.rank != 4:
        raise ValueError(
            f"{name} must be (B, H, W, C) or (H, W, C), got shape {tuple(x.shape)}; "
            "add or remove a batch axis"
        )
    return x


def _positions(x: tf.Tensor) -> tf.Tensor:
    """M = H * W of a (B, H, W, C) tensor, in its dtype."""
    shape = tf.shape(x)
    return tf.cast(shape[1] * shape[2], x.dtype)


def _channels(x: tf.Tensor) -> tf.Tensor:
    """N = C of a (B, H, W, C) tensor, in its dtype."""
    return tf.cast(tf.shape(x)[3], x.dtype)


def gram_matrix(features: tf.Tensor, *, normalization: str = "none") -> tf.Tensor:
    r"""Channel-by-channel inner products of a feature map, summed over positions.

    Entry (i, j) is the dot product of channels i and j over all M = H * W positions. Position is
    summed away, which is why the Gram matrix describes texture ("style") and not layout.

    Parameters
    ----------
    features : (B, H, W, C) or (H, W, C) tf.Tensor of float32 or float64
        Activations of one layer.
    normalization : {"none", "hw", "hwc"}
        ``"none"``: raw F^T F (Gatys). ``"hw"``: divided by M = H * W (TF tutorial).
        ``"hwc"``: divided by M * C (PyTorch tutorial, CS231n, Johnson, anish, jcjohnson, d2l).

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

    References
    ----------
    Gatys, Ecker, Bethge (2016). Lesson L5.

    Examples
    --------
    The curriculum's two 2x2 channels [[1, 2], [4, 5]] and [[5, 7], [2, 3]]:

    >>> x = tf.constant([[[1.0, 5.0], [2.0, 7.0]], [[4.0, 2.0], [5.0, 3.0]]])
    >>> gram_matrix(x).numpy().tolist()
    [[46.0, 42.0], [42.0, 87.0]]
    """
    if normalization not in GRAM_NORMALIZATIONS:
        raise _unknown("Gram normalization", normalization, GRAM_NORMALIZATIONS)
    x = tf.convert_to_tensor(features)
    single = x.shape.rank == 3
    x = _as_batch(x, "features")
    shape = tf.shape(x)
    f = tf.reshape(x, (shape[0], shape[1] * shape[2], shape[3]))  # (B, M, N)
    gram = tf.matmul(f, f, transpose_a=True)  # (B, N, N) = F^T F
    if normalization == "hw":
        gram = gram / _positions(x)
    elif normalization == "hwc":
        gram = gram / (_positions(x) * _channels(x))
    return gram[0] if single else gram


def style_target(features: tf.Tensor) -> tf.Tensor:
    r"""The style target that `style_loss` expects: the style image's Gram per position, A / M_s.

    One target serves every convention of `style_loss`, and a style image of any size: dividing
    by the style layer's own M_s makes it a per-position average, which `style_loss` rescales to
    the generated image's M. Several styles are blended by a weighted sum of their targets with
    weights that add up to 1.

    Parameters
    ----------
    features : (B, H_s, W_s, C) or (H_s, W_s, C) tf.Tensor of float32 or float64
        Activations of one layer for the style image(s).

    Returns
    -------
    target : (B, C, C) tf.Tensor, or (C, C) for a rank-3 input
        Equal to ``gram_matrix(features, normalization="hw")``.

    Notes
    -----
    .. math:: \hat A = \frac{1}{M_s} S^\top S

    with S the (M_s, N) style feature matrix. Gatys' raw target for a generated image with M
    positions is then :math:`A = M \hat A`, which equals the raw Gram of the style image when the
    sizes agree.
    """
    return gram_matrix(features, normalization="hw")


def content_loss(features: tf.Tensor, target: tf.Tensor, *, convention: str = "gatys") -> tf.Tensor:
    r"""Squared distance between generated features F and content features P at one layer.

    Parameters
    ----------
    features : (B, H, W, C) or (H, W, C) tf.Tensor of float32 or float64
        F, the generated image's activations.
    target : tensor of the same shape (or (H, W, C) broadcast over the batch)
        P, the content image's activations at the same layer.
    convention : {"gatys", "sum", "mse", "coursera"}
        Which normalisation (see Notes); the names of the tutorials using each are in
        `nst.presets`.

    Returns
    -------
    loss : () tf.Tensor
        The per-image loss summed over the batch, same dtype as `features`.

    Notes
    -----
    With N = C channels and M = H * W positions of one image:

    .. math::

        L_{gatys} = \tfrac12 \sum_{k,i} (F_{ki} - P_{ki})^2 \quad (= \texttt{tf.nn.l2\_loss}),
        \qquad L_{sum} = 2 L_{gatys},

        L_{mse} = \frac{1}{NM} \sum (F - P)^2 = \frac{2}{NM} L_{gatys}, \qquad
        L_{coursera} = \frac{1}{4 NM} \sum (F - P)^2 = \frac{1}{2NM} L_{gatys}.

    ``"gatys"`` is the paper's content loss (also TF's ``l2_loss``); ``"sum"`` is used by
    CS231n and the Keras example, ``"mse"`` by the TF and PyTorch tutorials, anish, jcjohnson and
    d2l, ``"coursera"`` by the deeplearning.ai course. Only ``"gatys"`` and ``"sum"`` do not
    depend on the layer's size.

    References
    ----------
    Gatys, Ecker, Bethge (2016), eq. 1. Lesson L4.

    Examples
    --------
    >>> p = tf.constant([[[1.0, 5.0], [2.0, 7.0]], [[4.0, 2.0], [5.0, 3.0]]])
    >>> float(content_loss(tf.zeros_like(p), p))
    66.5
    """
    if convention not in CONTENT_CONVENTIONS:
        raise _unknown("content convention", convention, CONTENT_CONVENTIONS)
    x = _as_batch(features, "features")
    p = tf.cast(tf.convert_to_tensor(target), x.dtype)
    if p.shape.rank == 3:
        p = p[tf.newaxis]
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
    squares = tf.reduce_sum(tf.square(x - p), axis=(1, 2, 3))  # (B,) sum (F - P)^2
    if convention == "gatys":
        per_image = 0.5 * squares
    elif convention == "sum":
        per_image = squares
    else:
        nm = _positions(x) * _channels(x)  # N M
        per_image = squares / nm if convention == "mse" else squares / (4.0 * nm)
    return tf.reduce_sum(per_image)


def style_loss(
    features: tf.Tensor,
    target_gram: tf.Tensor,
    *,
    convention: str = "gatys",
    image_positions: int | None = None,
) -> tf.Tensor:
    r"""Distance between the generated image's Gram matrix and the style target at one layer.

    Parameters
    ----------
    features : (B, H, W, C) or (H, W, C) tf.Tensor of float32 or float64
        F, the generated image's activations (N = C channels, M = H * W positions).
    target_gram : (C, C) or (B, C, C) tf.Tensor
        :math:`\hat A = A_s / M_s`, the style image's Gram **per position**, as returned by
        `style_target` (a weighted sum of several such targets blends styles). The style image
        may have any size. Do not pass a raw Gram.
    convention : str
        One of `STYLE_CONVENTIONS`: ``"gatys"`` (default) or the name of the implementation
        whose per-layer term to reproduce (see Notes).
    image_positions : int, optional
        M_img = number of pixels of the generated **image** (not the layer). Required by
        ``"keras-example"`` only, whose normaliser uses the input size for every layer.

    Returns
    -------
    loss : () tf.Tensor
        The per-image loss summed over the batch, same dtype as `features`.

    Notes
    -----
    Gatys' per-layer term with raw Grams G = F^T F and A:

    .. math:: E = \frac{1}{4 N^2 M^2} \sum_{i,j} (G_{ij} - A_{ij})^2
              = \frac{1}{4 N^2} \sum_{i,j} (\hat G_{ij} - \hat A_{ij})^2,
              \qquad \hat G = G / M.

    **Different sizes.** The target is taken per position and rescaled to the generated image,
    :math:`A = M \hat A = A_s M / M_s`: a style image that tiles the generated image exactly has
    the same :math:`\hat A` and gives zero loss. When the sizes agree, :math:`A = A_s`.

    Every convention is computed from :math:`D = \hat G - \hat A` (numerically safer than raw
    Grams; algebraically identical to the tutorial's own formula):

    =================================  ======================================  ===================
    convention                         its own formula                         term / E
    =================================  ======================================  ===================
    gatys, coursera                    sum (G - A)^2 / (4 N^2 M^2)             1
    tf-tutorial, gatys-notebook        mean over N^2 of (G/M - A/M)^2          4
    cs231n, johnson                    sum (G/(NM) - A/(NM))^2                 4
    pytorch-tutorial, anish,           mean over N^2 of (G/(NM) - A/(NM))^2    4 / N^2
    jcjohnson, d2l
    keras-example                      sum (G - A)^2 / (4 * 3^2 * M_img^2)     N^2 M^2/(9 M_img^2)
    fastai-2018                        mean over N^2 of (1e6 (G - A)/(NM))^2   4e12 / N^2
    =================================  ======================================  ===================

    References
    ----------
    Gatys, Ecker, Bethge (2016), eqs. 3-4; curriculum section 4.1. Lessons L6, L10.
    """
    if convention not in STYLE_CONVENTIONS:
        raise _unknown("style convention", convention, STYLE_CONVENTIONS)
    if convention == "keras-example" and image_positions is None:
        raise ValueError(
            "style convention 'keras-example' needs image_positions = height * width of the "
            "generated image (its normaliser uses the input size at every layer)"
        )
    x = _as_batch(features, "features")
    a_hat = tf.cast(tf.convert_to_tensor(target_gram), x.dtype)
    if a_hat.shape.rank not in (2, 3) or (
        a_hat.shape[-1] is not None
        and x.shape[-1] is not None
        and (a_hat.shape[-1] != x.shape[-1] or a_hat.shape[-2] != x.shape[-1])
    ):
        raise ValueError(
            f"style target shape {tuple(a_hat.shape)} does not fit features with "
            f"{x.shape[-1]} channels; compute it with style_target() at the same layer"
        )
    g_hat = gram_matrix(x, normalization="hw")  # (B, N, N) = G / M
    squares = tf.reduce_sum(tf.square(g_hat - a_hat), axis=(1, 2))  # (B,) sum D^2
    n = _channels(x)
    m = _positions(x)
    if convention in ("gatys", "coursera"):
        scale = 1.0 / (4.0 * n**2)  # M^2 of the raw Grams cancels 1 / M^2
    elif convention in ("tf-tutorial", "gatys-notebook", "cs231n", "johnson"):
        scale = 1.0 / n**2  # (/M, mean over N^2) or (/(NM), sum): both sum D^2 / N^2
    elif convention in ("pytorch-tutorial", "anish", "jcjohnson", "d2l"):
        scale = 1.0 / n**4  # (D / N)^2 averaged over N^2 entries
    elif convention == "keras-example":
        m_img = tf.cast(image_positions, x.dtype)
        scale = m**2 / (36.0 * m_img**2)  # raw (G - A)^2 = M^2 D^2, over 4 * 9 * M_img^2
    else:  # fastai-2018
        scale = tf.constant(1e12, x.dtype) / n**4  # (1e6 D / N)^2 averaged over N^2
    return tf.reduce_sum(scale * squares)


def _differences(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Neighbour differences dy (B, H-1, W, C) and dx (B, H, W-1, C)."""
    dy = x[:, 1:, :, :] - x[:, :-1, :, :]  # (B, H-1, W, C)
    dx = x[:, :, 1:, :] - x[:, :, :-1, :]  # (B, H, W-1, C)
    return dy, dx


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
        The image (in whatever pixel scale the caller uses: TV scales as s for L1 kinds and as
        s^2 for L2 kinds when pixels are multiplied by s).
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

    .. math::

        \mathrm{l1} &= \textstyle\sum |\Delta^x| + \sum |\Delta^y|
            \quad (= \texttt{tf.image.total\_variation}, \text{ TF tutorial}) \\
        \mathrm{l2} &= \textstyle\sum (\Delta^x)^2 + \sum (\Delta^y)^2 \quad (\text{CS231n}) \\
        \mathrm{mean\text{-}l2} &= \mathrm{mean}\,(\Delta^y)^2 + \mathrm{mean}\,(\Delta^x)^2
            \quad (\text{anishathalye/neural-style}) \\
        \mathrm{mean\text{-}l1\text{-}half} &= \tfrac12 (\mathrm{mean}|\Delta^y|
            + \mathrm{mean}|\Delta^x|) \quad (\text{d2l}) \\
        \mathrm{crop\text{-}l2\text{-}half} &= \tfrac12 \textstyle\sum_{crop}
            ((\Delta^x)^2 + (\Delta^y)^2) \quad (\text{jcjohnson/neural-style}) \\
        \mathrm{keras} &= \textstyle\sum_{crop} ((\Delta^x)^2 + (\Delta^y)^2)^{1.25}
            \quad (\text{keras-io example}) \\
        \mathrm{isotropic} &= \textstyle\sum_{crop} ((\Delta^x)^2 + (\Delta^y)^2)^{\beta/2}
            \quad (\text{Mahendran and Vedaldi 2015; } \beta = 1 \text{ is isotropic TV})

    ``keras`` is ``isotropic`` with beta = 2.5 and ``crop-l2-half`` is half of it with beta = 2.
    L1 and L2 kinds are not convertible by a constant. For beta < 2 the gradient at a zero
    difference is taken as 0 (a subgradient) instead of infinity.

    References
    ----------
    Mahendran & Vedaldi (2015); curriculum section 4.4. Lesson L8.

    Examples
    --------
    A single 2 at the centre of a 3x3 image:

    >>> x = tf.constant([[0.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])[..., None]
    >>> float(tv_loss(x, kind="l1")), float(tv_loss(x, kind="l2"))
    (8.0, 16.0)
    """
    if kind not in TV_KINDS:
        raise _unknown("TV kind", kind, TV_KINDS)
    if beta is not None and kind != "isotropic":
        raise ValueError(f"beta is only used by TV kind 'isotropic', not {kind!r}; drop it")
    x = _as_batch(image, "image")
    dy, dx = _differences(x)
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
        # Crop both to (B, H-1, W-1, C): positions where both differences exist.
        s = tf.square(dy[:, :, :-1, :]) + tf.square(dx[:, :-1, :, :])  # dx^2 + dy^2
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
