r"""Colour preservation: keep the content photo's colours in a stylised image.

Gatys, Bethge, Hertzmann and Shechtman (2017), "Controlling Perceptual Factors in Neural Style
Transfer", section 5, give two ways; both are here.

- **Luminance-only transfer.** Stylise only the luminance Y (content and style are turned into
  grey images ``(Y, Y, Y)``; the style's Y is first shifted and scaled to the content's Y mean and
  standard deviation, `match_luminance`), then put the content's chroma back:
  `luminance_transfer` (output Y + content I, Q). The colour space is **YIQ** (NTSC, as in the
  paper): ``Y = 0.299 R + 0.587 G + 0.114 B`` and two chroma channels I, Q whose rows sum to 0
  (a grey pixel has I = Q = 0).
- **Colour histogram matching.** Before stylising, map the style image's colours by an affine
  transform ``x' = A (x - mu_S) + mu_C`` so that their mean and covariance become the
  content's (`match_color_histogram`, `color_transfer_matrix`).

Images are float RGB ``(H, W, 3)`` in [0, 255], as everywhere in `nst`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "RGB_TO_YIQ",
    "YIQ_TO_RGB",
    "color_transfer_matrix",
    "luminance",
    "luminance_transfer",
    "match_color_histogram",
    "match_luminance",
    "rgb_to_yiq",
    "yiq_to_rgb",
]

#: RGB -> YIQ (FCC NTSC). Rows: Y (sums to 1), I and Q (each sums to 0, so grey has no chroma).
RGB_TO_YIQ = np.array(
    [
        [0.299, 0.587, 0.114],
        [0.595716, -0.274453, -0.321263],
        [0.211456, -0.522591, 0.311135],
    ]
)
#: YIQ -> RGB, the exact inverse (its first column is (1, 1, 1): R, G, B = Y + chroma terms).
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)

SQRT_METHODS = ("eigen", "cholesky")


def _rgb(image, argument: str) -> np.ndarray:
    """`image` as a float64 (..., 3) array; ValueError naming `argument` otherwise."""
    array = np.asarray(image, dtype=np.float64)
    if array.ndim < 1 or array.shape[-1] != 3:
        raise ValueError(f"{argument} must be an RGB array of shape (H, W, 3), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{argument} has NaN or infinite values")
    return array


def rgb_to_yiq(image: np.ndarray) -> np.ndarray:
    r"""Convert RGB to YIQ (NTSC), on the same scale (0-255 RGB gives Y in [0, 255]).

    Parameters
    ----------
    image : (..., 3) array_like
        RGB values.

    Returns
    -------
    yiq : (..., 3) ndarray of float64
        Y (luminance), I and Q (chroma).

    Notes
    -----
    .. math:: (Y, I, Q)^\top = T (R, G, B)^\top, \quad T = \texttt{RGB\_TO\_YIQ}.
    """
    return _rgb(image, "image") @ RGB_TO_YIQ.T


def yiq_to_rgb(yiq: np.ndarray) -> np.ndarray:
    r"""Convert YIQ back to RGB: :math:`(R, G, B)^\top = T^{-1} (Y, I, Q)^\top`.

    Parameters
    ----------
    yiq : (..., 3) array_like

    Returns
    -------
    rgb : (..., 3) ndarray of float64
        Not clipped (a Y that does not fit the chroma leaves [0, 255]; see
        `luminance_transfer`).
    """
    return _rgb(yiq, "yiq") @ YIQ_TO_RGB.T


def luminance(image: np.ndarray) -> np.ndarray:
    r"""The grey image ``(Y, Y, Y)`` of an RGB image: its luminance, no chroma.

    Parameters
    ----------
    image : (H, W, 3) array_like, RGB in [0, 255]

    Returns
    -------
    grey : (H, W, 3) ndarray of float32
        Every channel equals :math:`Y = 0.299 R + 0.587 G + 0.114 B`, in [0, 255]. The
        network needs three channels; a grey pixel's own Y is Y again (the Y row sums to 1).
    """
    y = rgb_to_yiq(image)[..., 0]
    return np.repeat(np.clip(y, 0.0, 255.0)[..., np.newaxis], 3, axis=-1).astype(np.float32)


def match_luminance(style: np.ndarray, content: np.ndarray) -> np.ndarray:
    r"""The style's grey image with its luminance shifted and scaled to the content's.

    Parameters
    ----------
    style, content : (H, W, 3) array_like, RGB in [0, 255] (any two sizes)

    Returns
    -------
    grey : (H_s, W_s, 3) ndarray of float32
        ``(Y', Y', Y')`` with Y' below, clipped to [0, 255].

    Notes
    -----
    Gatys et al. 2017, section 5.1: the style's luminance is matched to the content's before
    the luminance-only transfer,

    .. math:: Y'_S = \frac{\sigma_C}{\sigma_S} (Y_S - \mu_S) + \mu_C,

    with means and standard deviations over all pixels. A flat style (σ_S = 0) becomes the
    constant μ_C.
    """
    y_s = rgb_to_yiq(_rgb(style, "style"))[..., 0]
    y_c = rgb_to_yiq(_rgb(content, "content"))[..., 0]
    sigma_s, sigma_c = y_s.std(), y_c.std()
    scale = sigma_c / sigma_s if sigma_s > 0 else 0.0
    y = scale * (y_s - y_s.mean()) + y_c.mean()  # Y'_S
    return np.repeat(np.clip(y, 0.0, 255.0)[..., np.newaxis], 3, axis=-1).astype(np.float32)


def luminance_transfer(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    r"""The stylised image's luminance with the content's chroma (YIQ).

    Parameters
    ----------
    stylized : (H, W, 3) array_like, RGB in [0, 255]
        The result of stylising the luminance (its own chroma is discarded).
    content : (H, W, 3) array_like, RGB in [0, 255]
        The content image at the same size.

    Returns
    -------
    image : (H, W, 3) ndarray of float32, in [0, 255]
        I and Q equal the content's (to float rounding; saved as 8-bit, within 0.6 on the
        0-255 scale, i.e. within 1/255); Y is the stylised Y wherever that fits.

    Notes
    -----
    With :math:`T^{-1}` = `YIQ_TO_RGB`, whose first column is (1, 1, 1), the output pixel is

    .. math:: (R, G, B) = Y \mathbf 1 + d, \qquad
              d = T^{-1}_{:, 2:3} (I_C, Q_C)^\top,
              \qquad Y = \mathrm{clip}\big(Y_{stylised},\ \max_c(-d_c),\ \min_c(255 - d_c)\big).

    The interval is where every channel stays in [0, 255] at the content's chroma; it is never
    empty, since it holds the content pixel's own Y. Clamping Y there, instead of clipping RGB
    afterwards, is what keeps the chroma exact: clipping R, G or B would change I and Q.
    Saved as uint8, rounding moves each channel by at most 0.5, so I moves by at most
    0.5 (0.596 + 0.274 + 0.321) = 0.596 and Q by at most 0.523.
    """
    stylized = _rgb(stylized, "stylized")
    content = _rgb(content, "content")
    if stylized.shape != content.shape:
        raise ValueError(
            f"stylized {stylized.shape} and content {content.shape} must have the same shape; "
            "resize the content to the output's size"
        )
    y = rgb_to_yiq(stylized)[..., 0]  # (H, W) stylised luminance
    chroma = rgb_to_yiq(content)[..., 1:]  # (H, W, 2) the content's I, Q
    d = chroma @ YIQ_TO_RGB[:, 1:].T  # (H, W, 3) chroma's contribution to R, G, B
    low = np.max(-d, axis=-1)  # the smallest Y with every channel >= 0
    high = np.min(255.0 - d, axis=-1)  # the largest Y with every channel <= 255
    y = np.clip(y, low, np.maximum(low, high))
    rgb = y[..., np.newaxis] + d  # (H, W, 3) = Y 1 + d
    return np.clip(rgb, 0.0, 255.0).astype(np.float32)  # clip: float rounding only (~1e-13)


def color_transfer_matrix(
    style_covariance: np.ndarray, content_covariance: np.ndarray, *, sqrt: str = "eigen"
) -> np.ndarray:
    r"""The 3x3 matrix A with :math:`A \Sigma_S A^\top = \Sigma_C`.

    Parameters
    ----------
    style_covariance, content_covariance : (3, 3) array_like
        :math:`\Sigma_S`, :math:`\Sigma_C`, symmetric positive semi-definite.
    sqrt : {"eigen", "cholesky"}
        Which matrix square root (see Notes).

    Returns
    -------
    A : (3, 3) ndarray of float64

    Notes
    -----
    Any square roots with :math:`\Sigma = R R^\top` give :math:`A = R_C R_S^{-1}`; the two
    that Gatys et al. 2017 (section 5.2) name:

    - ``"eigen"`` (default): the symmetric square roots from the eigendecompositions
      :math:`\Sigma = U \Lambda U^\top`, :math:`\Sigma^{1/2} = U \Lambda^{1/2} U^\top`,
      :math:`A = \Sigma_C^{1/2} \Sigma_S^{-1/2}` (the colour transfer of Image Analogies,
      Hertzmann et al. 2001). It does not depend on the order of R, G, B.
    - ``"cholesky"``: :math:`A = L_C L_S^{-1}` with lower-triangular Cholesky factors
      (:math:`\Sigma = L L^\top`). It does depend on the channel order (R first).

    A singular :math:`\Sigma_S` (a grey or flat style image) cannot be inverted: it is
    regularised to :math:`\Sigma_S + \epsilon I`, ε = 1e-10 (trace/3 + 1) (and Σ_C alike for
    the Cholesky factor), so the match is then exact only in the directions the style varies.
    """
    if sqrt not in SQRT_METHODS:
        raise ValueError(f"unknown sqrt {sqrt!r}; use one of: {', '.join(SQRT_METHODS)}")
    covs = []
    for value, argument in (
        (style_covariance, "style_covariance"),
        (content_covariance, "content_covariance"),
    ):
        cov = np.asarray(value, dtype=np.float64)
        if cov.shape != (3, 3) or not np.all(np.isfinite(cov)):
            raise ValueError(f"{argument} must be a finite (3, 3) matrix, got shape {cov.shape}")
        covs.append((cov + cov.T) / 2.0)
    sigma_s, sigma_c = covs
    eye = np.eye(3)
    if sqrt == "eigen":
        lam_s, u_s = np.linalg.eigh(sigma_s + 1e-10 * (np.trace(sigma_s) / 3 + 1) * eye)
        lam_c, u_c = np.linalg.eigh(sigma_c)
        inv_root_s = u_s @ np.diag(1.0 / np.sqrt(lam_s)) @ u_s.T  # Sigma_S^{-1/2}
        root_c = u_c @ np.diag(np.sqrt(np.maximum(lam_c, 0.0))) @ u_c.T  # Sigma_C^{1/2}
        return root_c @ inv_root_s
    l_s = np.linalg.cholesky(sigma_s + 1e-10 * (np.trace(sigma_s) / 3 + 1) * eye)
    l_c = np.linalg.cholesky(sigma_c + 1e-12 * (np.trace(sigma_c) / 3 + 1) * eye)
    return l_c @ np.linalg.inv(l_s)  # L_C L_S^{-1}


def match_color_histogram(
    style: np.ndarray, content: np.ndarray, *, sqrt: str = "eigen", clip: bool = True
) -> np.ndarray:
    r"""Recolour the style image so its colour mean and covariance equal the content's.

    Parameters
    ----------
    style : (H_s, W_s, 3) array_like, RGB in [0, 255]
    content : (H_c, W_c, 3) array_like, RGB in [0, 255] (any size)
    sqrt : {"eigen", "cholesky"}
        The matrix square root, see `color_transfer_matrix` (default the symmetric eigen
        square root, :math:`A = \Sigma_C^{1/2} \Sigma_S^{-1/2}`).
    clip : bool
        Clip the result to [0, 255] (default; `nst.stylize` needs images in range).

    Returns
    -------
    matched : (H_s, W_s, 3) ndarray of float32
        The style image, recoloured.

    Notes
    -----
    With μ and Σ the mean (3,) and covariance (3, 3) of the pixels (``ddof=0``),

    .. math:: x' = A (x - \mu_S) + \mu_C, \qquad A \Sigma_S A^\top = \Sigma_C,

    so x' has mean μ_C and covariance Σ_C exactly. **Clipping** to [0, 255] changes both for
    the pixels it moves: the match is exact only when no pixel leaves the range (``clip=False``
    shows the unclipped values). Strongly saturated content colours with a style of a wider
    spread are the usual case where it does.

    References
    ----------
    Gatys, Bethge, Hertzmann, Shechtman (2017), section 5.2.
    """
    s = _rgb(style, "style")
    c = _rgb(content, "content")
    if s.ndim != 3 or c.ndim != 3:
        raise ValueError(f"style and content must be (H, W, 3) images, got {s.shape} and {c.shape}")
    x_s = s.reshape(-1, 3)  # (M_s, 3)
    x_c = c.reshape(-1, 3)  # (M_c, 3)
    mu_s, mu_c = x_s.mean(axis=0), x_c.mean(axis=0)
    sigma_s = np.cov(x_s, rowvar=False, bias=True)  # (3, 3), ddof = 0
    sigma_c = np.cov(x_c, rowvar=False, bias=True)
    a = color_transfer_matrix(sigma_s, sigma_c, sqrt=sqrt)
    matched = (x_s - mu_s) @ a.T + mu_c  # x' = A (x - mu_S) + mu_C, row-wise
    if clip:
        matched = np.clip(matched, 0.0, 255.0)
    return matched.reshape(s.shape).astype(np.float32)
