r"""Feature statistics behind the style loss: covariance, MMD, and the hand-derived gradient.

The Gram matrix ``G = F^T F`` (in `nst.losses`) is one statistic of a feature map. This module
holds the others that the lessons compare it with, and that users can try as style losses:

- `covariance`: the centred version of ``G / M`` (Gram != covariance: signs can differ).
- `mmd2`: squared maximum mean discrepancy between two sets of feature vectors, with the
  kernel that makes it Gatys' style loss (Li et al. 2017).
- `mean_std_loss`: Li et al.'s "BN statistics" loss: match per-channel means and stds.
- `style_gradient_closed_form`: Gatys' analytic gradient of ``E_l``, to check autodiff against.
- `radial_power_spectrum`: where in spatial frequency an image's energy lies (artifacts, TV).

Symbols (as in `nst.losses` and the lessons): a feature map of shape (1, H, W, C) is read as the
(M, N) matrix ``F`` with ``M = H * W`` positions (rows ``f_i``) and ``N = C`` channels.

References: Gatys, Ecker, Bethge (CVPR 2016); Li, Wang, Liu, Hou, *Demystifying Neural Style
Transfer* (IJCAI 2017). Lessons: ``lessons/05_*`` (covariance), ``lessons/06_*`` (MMD, gradient),
``lessons/08_*`` (spectra).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

KERNELS = ("poly2", "linear", "gauss")


def _feature_matrix(features, name: str) -> tf.Tensor:
    """Read a (1, H, W, C) or (H, W, C) feature map as the (M, N) matrix F."""
    x = tf.convert_to_tensor(features)
    if not x.dtype.is_floating:
        x = tf.cast(x, tf.float64)
    if x.shape.rank == 4:
        if x.shape[0] != 1:
            raise ValueError(
                f"{name}: expected a single image (batch size 1), got shape {tuple(x.shape)}; "
                "pass one feature map at a time"
            )
        x = x[0]
    if x.shape.rank != 3:
        raise ValueError(
            f"{name}: expected a feature map of shape (1, H, W, C) or (H, W, C), "
            f"got shape {tuple(x.shape)}"
        )
    h, w, c = x.shape
    if h * w == 0 or c == 0:
        raise ValueError(f"{name}: feature map has no positions or channels: {tuple(x.shape)}")
    return tf.reshape(x, (h * w, c))  # (M, N)


def _pair(features, style_features) -> tuple[tf.Tensor, tf.Tensor]:
    f = _feature_matrix(features, "features")  # (M, N)
    s = _feature_matrix(style_features, "style_features")  # (M', N)
    if f.shape[1] != s.shape[1]:
        raise ValueError(
            f"features have {f.shape[1]} channels but style_features have {s.shape[1]}; "
            "compare feature maps of the same layer"
        )
    return f, tf.cast(s, f.dtype)


def covariance(features) -> tf.Tensor:
    r"""Population covariance of the channels over positions: the centred Gram matrix.

    Parameters
    ----------
    features : (1, H, W, C) or (H, W, C) array-like of float
        One feature map (an integer array is read as float64).

    Returns
    -------
    cov : (C, C) tf.Tensor
        Symmetric positive semi-definite; same dtype as ``features``.

    Notes
    -----
    With F the (M, N) feature matrix and :math:`\mu = \frac{1}{M} F^\top 1` the channel means,

    .. math:: \Sigma = \frac{1}{M} F^\top F - \mu \mu^\top
              = \frac{1}{M} (F - 1\mu^\top)^\top (F - 1\mu^\top)

    the population covariance (``np.cov(F.T, bias=True)``, divisor M, not ``M - 1``). The
    Gram matrix ``G / M`` is its *uncentred* cousin: the two can disagree in sign
    (lesson 05's seed example: ``G/M`` off-diagonal +10.5, covariance -2.25).

    Examples
    --------
    >>> f = [[[1, 5], [2, 7]], [[4, 2], [5, 3]]]  # (H, W, C) = (2, 2, 2)
    >>> covariance(f).numpy()
    array([[ 2.5   , -2.25  ],
           [-2.25  ,  3.6875]])
    """
    f = _feature_matrix(features, "features")  # (M, N)
    m = tf.cast(tf.shape(f)[0], f.dtype)
    mu = tf.reduce_mean(f, axis=0, keepdims=True)  # (1, N)
    centred = f - mu  # (M, N)
    return tf.matmul(centred, centred, transpose_a=True) / m  # (N, N)


def _kernel_matrix(x: tf.Tensor, y: tf.Tensor, kernel: str, sigma: float) -> tf.Tensor:
    """k(x_i, y_j) for every pair of rows: (M, N), (M', N) -> (M, M')."""
    dots = tf.matmul(x, y, transpose_b=True)  # (M, M'), x_i . y_j
    if kernel == "poly2":
        return dots**2  # k(x, y) = (x^T y)^2
    if kernel == "linear":
        return dots  # k(x, y) = x^T y
    # gauss: k(x, y) = exp(-|x - y|^2 / (2 sigma^2)), |x - y|^2 = |x|^2 + |y|^2 - 2 x.y
    xx = tf.reduce_sum(x * x, axis=1)[:, None]  # (M, 1)
    yy = tf.reduce_sum(y * y, axis=1)[None, :]  # (1, M')
    sq = tf.maximum(xx + yy - 2.0 * dots, 0.0)  # (M, M'), clipped against rounding
    return tf.exp(-sq / (2.0 * sigma**2))


def mmd2(features, style_features, *, kernel: str = "poly2", sigma: float = 1.0) -> tf.Tensor:
    r"""Squared maximum mean discrepancy between the positions of two feature maps.

    Each position's channel vector is one sample; MMD compares the two clouds of samples,
    ignoring where in the image each sample came from.

    Parameters
    ----------
    features : (1, H, W, C) or (H, W, C) array-like of float
        Generated image's feature map: M = H * W samples :math:`f_i \in R^N`.
    style_features : (1, H', W', C) or (H', W', C) array-like of float
        Style image's feature map at the same layer: M' samples :math:`s_j`.
    kernel : {"poly2", "linear", "gauss"}
        ``"poly2"``: :math:`k(x, y) = (x^\top y)^2` (Gram matching);
        ``"linear"``: :math:`k(x, y) = x^\top y` (matches the channel means only);
        ``"gauss"``: :math:`k(x, y) = \exp(-\|x - y\|^2 / (2\sigma^2))`.
    sigma : float
        Bandwidth of the Gaussian kernel (ignored by the others); must be > 0.

    Returns
    -------
    mmd2 : () tf.Tensor
        Scalar, same dtype as ``features``; differentiable with respect to both inputs.

    Notes
    -----
    The biased (V-statistic) estimator, all pairs including i = j:

    .. math:: \mathrm{MMD}^2 = \frac{1}{M^2}\sum_{i,i'} k(f_i, f_{i'})
              + \frac{1}{M'^2}\sum_{j,j'} k(s_j, s_{j'})
              - \frac{2}{M M'}\sum_{i,j} k(f_i, s_j)

    With ``kernel="poly2"`` and M' = M the three sums are
    :math:`\|F^\top F\|^2 + \|S^\top S\|^2 - 2\langle F^\top F, S^\top S\rangle
    = \sum (G - A)^2`, so :math:`\mathrm{MMD}^2 / (4 N^2) = E_l`, Gatys' per-layer style loss
    (Li et al. 2017). With ``"linear"``, :math:`\mathrm{MMD}^2 = \|\mu_F - \mu_S\|^2`.

    Examples
    --------
    Lesson 06's seed example: E = 12689 / 256, and MMD^2 = 12689 / M^2 with M = 4.

    >>> f = [[[1, 0], [0, 1]], [[0, 1], [1, 0]]]
    >>> s = [[[1, 5], [2, 7]], [[4, 2], [5, 3]]]
    >>> float(mmd2(f, s))
    793.0625
    >>> float(mmd2(f, s, kernel="linear"))
    20.3125
    """
    if kernel not in KERNELS:
        raise ValueError(f"kernel={kernel!r} is not known; choose one of {', '.join(KERNELS)}")
    if not sigma > 0:
        raise ValueError(f"sigma={sigma!r} must be a positive number (the Gaussian bandwidth)")
    f, s = _pair(features, style_features)  # (M, N), (M', N)
    return (
        tf.reduce_mean(_kernel_matrix(f, f, kernel, sigma))  # (1/M^2) sum k(f_i, f_i')
        + tf.reduce_mean(_kernel_matrix(s, s, kernel, sigma))  # (1/M'^2) sum k(s_j, s_j')
        - 2.0 * tf.reduce_mean(_kernel_matrix(f, s, kernel, sigma))  # (2/MM') sum k(f_i, s_j)
    )


def mean_std_loss(features, style_features) -> tf.Tensor:
    r"""Li et al.'s "BN statistics" style loss: match each channel's mean and standard deviation.

    Parameters
    ----------
    features, style_features : (1, H, W, C) or (H, W, C) array-like of float
        Feature maps of the same layer (spatial sizes may differ).

    Returns
    -------
    loss : () tf.Tensor
        Scalar, same dtype as ``features``.

    Notes
    -----
    With per-channel means :math:`\mu` and population standard deviations :math:`\sigma`
    (divisor M) over positions,

    .. math:: L = \frac{1}{N}\sum_{n=1}^{N}
              \left[(\mu^F_n - \mu^S_n)^2 + (\sigma^F_n - \sigma^S_n)^2\right]

    These are the statistics a batch-normalisation layer computes, hence the name.

    Examples
    --------
    >>> f = [[[1, 0], [0, 1]], [[0, 1], [1, 0]]]
    >>> s = [[[1, 5], [2, 7]], [[4, 2], [5, 3]]]
    >>> round(float(mean_std_loss(f, s)), 4)
    11.7493
    """
    f, s = _pair(features, style_features)  # (M, N), (M', N)
    mu_f, var_f = tf.nn.moments(f, axes=[0])  # (N,), (N,): divisor M
    mu_s, var_s = tf.nn.moments(s, axes=[0])
    return tf.reduce_mean((mu_f - mu_s) ** 2 + (tf.sqrt(var_f) - tf.sqrt(var_s)) ** 2)


def style_gradient_closed_form(features, style_gram, *, pre_activations=None) -> np.ndarray:
    r"""Gatys' analytic gradient of the per-layer style loss E_l with respect to the features.

    Parameters
    ----------
    features : (1, H, W, C) or (H, W, C) array-like of float
        The generated image's (post-ReLU) feature map F.
    style_gram : (C, C) array-like of float
        The raw style Gram matrix A = S^T S (no normalisation).
    pre_activations : (1, H, W, C) or (H, W, C) array-like of float, optional
        The layer's input to the ReLU, Z, with ``features = relu(Z)``. When given, the
        gradient is taken with respect to Z: it is masked by the ReLU derivative [Z > 0].

    Returns
    -------
    grad : ndarray of float64, the shape of ``features``
        :math:`\partial E_l / \partial F` (or :math:`\partial E_l / \partial Z`).

    Notes
    -----
    With :math:`E_l = \frac{1}{4N^2M^2}\sum_{a,b}(G - A)_{ab}^2` and :math:`G = F^\top F`,

    .. math:: \frac{\partial E_l}{\partial F} = \frac{1}{N^2 M^2}\, F (G - A)

    in our (M, N) layout; Gatys writes F as N x M and the same result as
    :math:`(F^\top(G - A))^\top_{ji}`. Through the ReLU,
    :math:`\partial E_l/\partial Z = \partial E_l/\partial F \cdot [Z > 0]`.
    Computed in float64 with numpy, so it is an independent check on TF's autodiff.

    Examples
    --------
    >>> f = [[[1, 0], [0, 1]], [[0, 1], [1, 0]]]
    >>> a = [[46, 42], [42, 87]]
    >>> style_gradient_closed_form(f, a)[0, 0]
    array([-0.6875 , -0.65625])
    """
    x = np.asarray(features, dtype=np.float64)
    f = _feature_matrix(x, "features").numpy()  # (M, N)
    m, n = f.shape
    a = np.asarray(style_gram, dtype=np.float64)
    if a.shape != (n, n):
        raise ValueError(
            f"style_gram has shape {a.shape} but the features have {n} channels; "
            f"pass the raw (N, N) = ({n}, {n}) Gram matrix of the style features"
        )
    g = f.T @ f  # (N, N), G = F^T F
    grad = (f @ (g - a)) / (n**2 * m**2)  # (M, N), dE/dF = F (G - A) / (N^2 M^2)
    grad = grad.reshape(x.shape)
    if pre_activations is not None:
        z = np.asarray(pre_activations, dtype=np.float64)
        if z.shape != x.shape:
            raise ValueError(
                f"pre_activations have shape {z.shape} but features have shape {x.shape}; "
                "pass the same layer's input to its ReLU"
            )
        grad = grad * (z > 0)  # ReLU derivative [Z > 0]
    return grad


def radial_power_spectrum(image, *, subtract_mean: bool = True) -> tuple[np.ndarray, np.ndarray]:
    r"""Power spectrum of an image averaged over rings of equal spatial frequency.

    Shows *where in frequency* an image's energy lies: optimisation artifacts and fine
    textures put energy at high frequencies, total variation removes it (lessons L7, L8).

    Parameters
    ----------
    image : (H, W) or (H, W, C) or (1, H, W, C) array-like of float
        One image or feature map; channels are transformed separately and their powers added.
    subtract_mean : bool
        Remove each channel's mean first, so the zero-frequency term does not dominate.

    Returns
    -------
    frequency : (K,) ndarray of float64
        Ring centres in cycles per pixel, ``(k + 0.5) / L`` for k = 0 .. K - 1, with
        L = min(H, W) and K = L // 2 + 1 (the last ring reaches the Nyquist frequency 0.5).
    power : (K,) ndarray of float64
        Mean of :math:`|\hat x(f)|^2 / (HW)` over the frequencies f in each ring (0 for a
        ring that holds no frequency).

    Notes
    -----
    With the 2-D DFT :math:`\hat x(f_y, f_x) = \sum_{i,j} x_{ij} e^{-2\pi i (f_y i + f_x j)}`
    at :math:`f_y \in \{0, 1/H, \dots\}`, :math:`f_x \in \{0, 1/W, \dots\}` (aliased into
    [-0.5, 0.5)), frequency (f_y, f_x) belongs to ring
    :math:`k = \lfloor L \sqrt{f_y^2 + f_x^2} \rfloor`. Parseval:
    :math:`\sum_f |\hat x(f)|^2 / (HW) = \sum_{ij} x_{ij}^2`. Rings beyond K - 1 (the corners
    of the spectrum, above the Nyquist frequency along a diagonal) are left out.
    """
    x = np.asarray(image.numpy() if hasattr(image, "numpy") else image, dtype=np.float64)
    if x.ndim == 4:
        if x.shape[0] != 1:
            raise ValueError(
                f"image: expected a single image (batch size 1), got shape {x.shape}; "
                "pass one image at a time"
            )
        x = x[0]
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or min(x.shape[:2]) < 2:
        raise ValueError(
            f"image: expected (H, W), (H, W, C) or (1, H, W, C) with H, W >= 2, "
            f"got shape {np.shape(image)}"
        )
    h, w, _ = x.shape
    if subtract_mean:
        x = x - x.mean(axis=(0, 1), keepdims=True)
    power = np.sum(np.abs(np.fft.fft2(x, axes=(0, 1))) ** 2, axis=2) / (h * w)  # (H, W)
    fy = np.fft.fftfreq(h)[:, None]  # (H, 1) cycles per pixel
    fx = np.fft.fftfreq(w)[None, :]  # (1, W)
    size = min(h, w)
    ring = np.floor(size * np.sqrt(fy**2 + fx**2)).astype(int)  # (H, W) ring index k
    rings = size // 2 + 1
    inside = ring < rings
    totals = np.bincount(ring[inside], weights=power[inside], minlength=rings)
    counts = np.bincount(ring[inside], minlength=rings)
    mean_power = np.divide(totals, counts, out=np.zeros(rings), where=counts > 0)
    return (np.arange(rings) + 0.5) / size, mean_power
