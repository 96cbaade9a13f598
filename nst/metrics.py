r"""`evaluate`: how far a stylised image is from its content and its style, with no download.

Five numbers, each at fixed reference layers, independent of the convention, weights and layers
a run used (so runs with different settings can be compared on one scale). Lower is closer for
all but SSIM, where 1 is identical:

================================  ======================================================
``style_distance``                Gatys' E on per-position Grams, equal weights over
                                  relu1_1..relu5_1: :math:`\frac15 \sum_l \frac{1}{4 N_l^2}
                                  \sum_{ij} (\hat G_{l,ij} - \hat A_{l,ij})^2`,
                                  :math:`\hat G = F^\top F / M` (`nst.losses.style_loss`)
``mean_cov_distance``             the same layers, first and second moments:
                                  :math:`\frac15 \sum_l \|\mu_l - \mu^s_l\|^2 / N_l
                                  + \|\Sigma_l - \Sigma^s_l\|_F^2 / N_l^2`
``content_distance``              relu4_2: :math:`\sum (F - P)^2 / \sum P^2`, the mean squared
                                  feature difference over the content's mean square
                                  (0 identical, 1 as far as an all-zero feature map)
``ssim``                          `tf.image.ssim` of the luminances Y = 0.299 R + 0.587 G +
                                  0.114 B of the image and the content (1 identical)
``color_histogram_distance``      total variation between joint RGB histograms (8 bins a
                                  channel, 512 cells, each summing to 1) of the image and
                                  the style: :math:`\frac12 \sum_b |h_b - h^s_b|` in [0, 1]
================================  ======================================================

With several style images the style statistics are blended as a run blends them: :math:`\hat A
= \sum_k b_k \hat A_k`, :math:`\mu^s = \sum_k b_k \mu_k`, :math:`\Sigma^s = \sum_k b_k
\Sigma_k`, :math:`h^s = \sum_k b_k h_k` (b_k the normalised blend weights). The content is
resized to the image's (H, W) and each style image to the image's longer side (as `nst.stylize`
does with ``style_scale=1``).

**These are not quality judgements.** They measure distances in one network's feature space;
with synthetic (random) weights they measure distances in a random network's, and every result
says so (``synthetic``, ``notice``). Even with the real VGG-19 a lower style distance is not a
better picture: the sweep's trade-off plot shows the pair, and a person judges.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import tensorflow as tf

from nst.images import resize_image
from nst.inputs import as_image, check_layers_fit, style_list
from nst.losses import StyleTarget, style_loss, style_target
from nst.provenance import SYNTHETIC_NOTICE
from nst.statistics import covariance
from vgg_mat.architecture import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS
from vgg_mat.network import build_network
from vgg_mat.preprocessing import preprocess

__all__ = [
    "HISTOGRAM_BINS",
    "METRICS",
    "METRICS_NOTICE",
    "Evaluator",
    "color_histogram",
    "evaluate",
    "histogram_distance",
    "luminance_ssim",
]

#: The reference layers: Gatys' style layers and content layer, whatever a run used.
STYLE_LAYERS = DEFAULT_STYLE_LAYERS
CONTENT_LAYER = DEFAULT_CONTENT_LAYERS[0]

#: Bins per channel of the joint RGB histogram (8 x 8 x 8 = 512 cells).
HISTOGRAM_BINS = 8

#: Each metric's meaning, as the JSON output states it.
METRICS = {
    "style_distance": "Gatys' E on per-position Grams at relu1_1..relu5_1, equal weights; "
    "lower = closer to the style",
    "mean_cov_distance": "feature mean and covariance distance at relu1_1..relu5_1; "
    "lower = closer to the style",
    "content_distance": "sum (F - P)^2 / sum P^2 at relu4_2; lower = closer to the content",
    "ssim": "SSIM of the luminance against the content (tf.image.ssim); 1 = identical",
    "color_histogram_distance": "total variation between joint RGB histograms (8 bins a "
    "channel) and the style's; 0 = same colours, 1 = disjoint",
}

#: Said with every result made with synthetic weights.
METRICS_NOTICE = (
    f"{SYNTHETIC_NOTICE}: these are distances in a random network's feature space, "
    "not quality judgements"
)


def luminance(image) -> tf.Tensor:
    """Y = 0.299 R + 0.587 G + 0.114 B of an (H, W, 3) image, as (H, W, 1) float32."""
    image = tf.convert_to_tensor(image, tf.float32)
    return tf.tensordot(image, tf.constant([0.299, 0.587, 0.114]), axes=1)[..., tf.newaxis]


def luminance_ssim(image, reference) -> float:
    """SSIM of the luminances of two (H, W, 3) images in [0, 255] (`tf.image.ssim`).

    The window is 11 px (Wang et al.), or the shorter side when an image is smaller.

    >>> x = np.random.RandomState(0).uniform(0, 255, (16, 16, 3))
    >>> round(luminance_ssim(x, x), 6)
    1.0
    """
    a, b = luminance(image), luminance(reference)
    window = int(min(11, *a.shape[:2]))
    return float(tf.image.ssim(a, b, max_val=255.0, filter_size=window))


def color_histogram(image, bins: int = HISTOGRAM_BINS) -> np.ndarray:
    """The joint RGB histogram of an (H, W, 3) image in [0, 255]: (bins, bins, bins), sum 1.

    >>> float(color_histogram(np.zeros((2, 2, 3)), bins=2)[0, 0, 0])
    1.0
    """
    pixels = np.clip(np.asarray(image, np.float64).reshape(-1, 3), 0.0, 255.0)
    index = np.minimum((pixels * bins / 256.0).astype(np.int64), bins - 1)  # (M, 3) bin numbers
    flat = np.ravel_multi_index(index.T, (bins, bins, bins))
    counts = np.bincount(flat, minlength=bins**3).astype(np.float64)
    return (counts / counts.sum()).reshape(bins, bins, bins)


def histogram_distance(h: np.ndarray, h_style: np.ndarray) -> float:
    """Total variation distance 1/2 sum_b |h_b - h^s_b| of two histograms summing to 1."""
    return 0.5 * float(np.abs(np.asarray(h) - np.asarray(h_style)).sum())


class Evaluator:
    """The five metrics of images against one content and one (blended) style, set up once.

    Parameters
    ----------
    weights : vgg_mat.VGGWeights, vgg_mat.VGG or path
        The network the feature distances use (only layers up to relu5_1 are read).
    content : path or (H, W, 3) array
        RGB in [0, 255].
    style : path or (H, W, 3) array, or a list of them
    blend : sequence of float, optional
        One weight per style image (normalised to sum 1; default equal).
    pooling : {"max", "avg"}

    Notes
    -----
    The style statistics are computed once per image size (the style is resized to the
    image's longer side) and the feature function is compiled once per size, so evaluating the
    cells of a sweep costs one forward pass each.
    """

    def __init__(self, weights: Any, content: Any, style: Any, *, blend=None, pooling="max"):
        self.content = as_image(content, "content")
        self.styles = [as_image(s, f"style[{i}]") for i, s in enumerate(style_list(style))]
        if not self.styles:
            raise ValueError("style: give at least one style image")
        blend = blend if blend is not None else (1.0,) * len(self.styles)
        if len(blend) != len(self.styles) or sum(blend) <= 0 or min(blend) < 0:
            raise ValueError(f"blend: give one weight >= 0 per style image, got {blend!r}")
        self.blend = [float(b) / sum(blend) for b in blend]
        self.net = build_network(weights, pooling=pooling, up_to=STYLE_LAYERS[-1])
        self.layers = list(dict.fromkeys([*STYLE_LAYERS, CONTENT_LAYER]))
        self.synthetic = bool(getattr(self.net.weights, "synthetic", False))
        self._style_stats: dict[int, tuple] = {}
        self._style_histogram = sum(
            b * color_histogram(s) for b, s in zip(self.blend, self.styles, strict=True)
        )

        def features(x):  # (1, H, W, 3) 0-255 -> {layer: (1, H_l, W_l, C_l)}
            return self.net(preprocess(x, self.net.weights), self.layers)

        self._features = tf.function(features, autograph=False, reduce_retracing=True)

    def _check(self, shape: tuple[int, int], what: str, *, image: bool = True) -> None:
        """ValueError unless every reference layer has >= 2 x 2 positions (a style: 1 x 1)."""
        layers = SimpleNamespace(
            content_layers=[CONTENT_LAYER],
            style_layers=list(STYLE_LAYERS),
            optimizer="adam",
            maxcor=0,
        )  # memory: one forward pass or so
        check_layers_fit(self.net, layers, shape, what, optimised=image, hint="use a larger image")

    def _style(self, longer: int) -> tuple[dict, dict, dict]:
        """Blended (A-hat, mu, Sigma) per style layer for images whose longer side is `longer`."""
        if longer not in self._style_stats:
            grams, means, covs = {}, {}, {}
            for k, (b, s) in enumerate(zip(self.blend, self.styles, strict=True)):
                s = resize_image(s, longer, copy=False)
                self._check(s.shape[:2], f"style image {k}", image=False)
                f = self._features(s[np.newaxis])
                for name in STYLE_LAYERS:
                    grams[name] = grams.get(name, 0) + b * style_target(f[name]).gram[0]
                    mean = tf.reduce_mean(f[name], axis=(0, 1, 2))
                    means[name] = means.get(name, 0) + b * mean
                    covs[name] = covs.get(name, 0) + b * covariance(f[name])
            self._style_stats[longer] = (grams, means, covs)
        return self._style_stats[longer]

    def __call__(self, image: Any) -> dict[str, Any]:
        """The metrics of `image` (path or (H, W, 3) array in [0, 255]); see `evaluate`."""
        image = as_image(image, "image")
        h, w = image.shape[:2]
        self._check((h, w), "the image")
        content = resize_image(self.content, (h, w), copy=False)
        grams, means, covs = self._style(max(h, w))
        f = self._features(image[np.newaxis])
        p = self._features(content[np.newaxis])[CONTENT_LAYER]
        per_style, per_moments = {}, {}
        for name in STYLE_LAYERS:
            per_style[name] = float(style_loss(f[name], StyleTarget(grams[name])))  # E_l
            n = float(f[name].shape[-1])
            mean = tf.reduce_mean(f[name], axis=(0, 1, 2))
            moments = tf.reduce_sum(tf.square(mean - means[name])) / n + tf.reduce_sum(
                tf.square(covariance(f[name]) - covs[name])
            ) / (n * n)
            per_moments[name] = float(moments)
        squared = float(tf.reduce_sum(tf.square(f[CONTENT_LAYER] - p)))
        scale = float(tf.reduce_sum(tf.square(p)))
        metrics = {
            "style_distance": float(np.mean(list(per_style.values()))),
            "mean_cov_distance": float(np.mean(list(per_moments.values()))),
            "content_distance": squared / scale if scale > 0 else float("nan"),
            "ssim": luminance_ssim(image, content),
            "color_histogram_distance": histogram_distance(
                color_histogram(image), self._style_histogram
            ),
        }
        return {
            "metrics": metrics,
            "per_layer": {"style_distance": per_style, "mean_cov_distance": per_moments},
            "synthetic": self.synthetic,
            "notice": METRICS_NOTICE if self.synthetic else None,
            "weights": getattr(self.net.weights, "label", None),
        }


def evaluate(
    image: Any,
    *,
    content: Any,
    style: Any | Sequence[Any],
    weights: Any,
    blend: Sequence[float] | None = None,
    pooling: str = "max",
) -> dict[str, Any]:
    """Download-free metrics of a stylised image against its content and style.

    Parameters
    ----------
    image : path or (H, W, 3) array
        The stylised image, RGB in [0, 255].
    content : path or (H, W, 3) array
        Resized to the image's (H, W).
    style : path or (H, W, 3) array, or a list of them
        Each resized to the image's longer side; several are blended (`blend`).
    weights : vgg_mat.VGGWeights, vgg_mat.VGG or path
    blend : sequence of float, optional
    pooling : {"max", "avg"}

    Returns
    -------
    dict
        ``metrics`` (``style_distance``, ``mean_cov_distance``, ``content_distance``,
        ``ssim``, ``color_histogram_distance``: floats, formulas in the module doc),
        ``per_layer`` (the style distances of each reference layer), ``synthetic``,
        ``notice`` (`METRICS_NOTICE` for synthetic weights, else None) and ``weights`` (the
        weights' label).

    Examples
    --------
    >>> nst.evaluate("out.png", content="photo.jpg", style="painting.jpg", weights=w)
    ... # doctest: +SKIP
    """
    return Evaluator(weights, content, style, blend=blend, pooling=pooling)(image)
