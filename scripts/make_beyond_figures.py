"""Generate the figures of docs/beyond-gatys.md into docs/figures/ (beyond_*.png).

    .venv/bin/python scripts/make_beyond_figures.py            # a few minutes on 2 CPU cores
    .venv/bin/python scripts/make_beyond_figures.py --weights /path/to/imagenet-vgg-verydeep-19.mat

One figure per feature of issue 6: colour preservation, style scale, coarse-to-fine, style
masks, the style layer weight exponent. Without --weights every network output is made with a
synthetic miniature of VGG-19 (random He-normal weights, `vgg_mat.write_synthetic`, widths / 8):
each such figure carries the red "SYNTHETIC WEIGHTS - NOT VGG-19" stamp, says so in its title and
is named beyond_synthetic_*.png. It shows what each option does to the pipeline (colours kept,
strokes resized, regions split), not what style transfer with VGG-19 looks like. With --weights
the same script draws beyond_real_*.png, unstamped.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from make_readme_figures import save_small  # noqa: E402

import nst  # noqa: E402
from nst.color import match_color_histogram  # noqa: E402
from nst.images import load_image, resize_image  # noqa: E402
from nst.plots import plot_images, plot_losses  # noqa: E402
from nst.samples import sample_content_path, sample_style_path  # noqa: E402

OUT = REPO / "docs" / "figures"
SIZE = 160  # longer side of the optimised images
ITERATIONS = 80


def _final(steps) -> np.ndarray:
    """The image of a run's last Step."""
    (last,) = collections.deque(steps, maxlen=1)
    return last.image


def _figure(images: dict, net, caption: str, cols: int | None = None):
    """`plot_images` with the caption below (the top is the synthetic stamp's)."""
    fig = plot_images(images, cols=cols, synthetic=net.weights)
    fig.supxlabel(caption)
    return fig


def colors_figure(net, content, style, prefix, tag) -> None:
    settings = {"size": SIZE, "iterations": ITERATIONS}
    images = {
        "content": content,
        "style": style,
        "plain": _final(nst.stylize(content, style, weights=net, **settings)),
        "luminance only": _final(
            nst.stylize_with_options(
                content, style, weights=net, preserve_colors="luminance", **settings
            )
        ),
        "style, histogram-matched": match_color_histogram(style, content),
        "histogram": _final(
            nst.stylize_with_options(
                content, style, weights=net, preserve_colors="histogram", **settings
            )
        ),
    }
    fig = _figure(images, net, f"preserve_colors{tag}", cols=3)
    save_small(fig, OUT / f"{prefix}_colors.png")


def style_scale_figure(net, content, style, prefix, tag) -> None:
    images = {"style": style}
    for scale in (0.5, 1.0, 2.0):
        images[f"style_scale={scale}"] = _final(
            nst.stylize(content, style, weights=net, size=SIZE, iterations=ITERATIONS,
                        style_scale=scale)
        )  # fmt: skip
    fig = _figure(
        images, net, f"style_scale: style images resized to scale x the output's side{tag}"
    )
    save_small(fig, OUT / f"{prefix}_style_scale.png")


def coarse_to_fine_figure(net, content, style, prefix, tag) -> None:
    size = 2 * SIZE
    scales = (size // 4, size // 2, size)
    start = time.perf_counter()
    staged = list(
        nst.stylize_with_options(content, style, weights=net, size=size, scales=scales,
                                 scale_iterations=(ITERATIONS, ITERATIONS // 2, ITERATIONS // 4))
    )  # fmt: skip
    staged_time = time.perf_counter() - start
    start = time.perf_counter()
    single = list(nst.stylize(content, style, weights=net, size=size, iterations=ITERATIONS))
    single_time = time.perf_counter() - start
    images = {}
    for k in range(len(scales)):
        last = [s for s in staged if s.stage == k][-1]
        images[f"stage {k}: {last.size[1]}x{last.size[0]}"] = last.image
    images[f"single scale, {ITERATIONS} it."] = single[-1].image
    caption = f"scales={list(scales)} ({staged_time:.0f} s) vs one size ({single_time:.0f} s)"
    fig = _figure(images, net, caption + tag)
    save_small(fig, OUT / f"{prefix}_coarse_to_fine.png")
    last_stage = [s for s in staged if s.stage == len(scales) - 1]
    fig = plot_losses(last_stage, synthetic=net.weights)
    fig.supxlabel(f"losses of the last stage (from the upsampled stage 1){tag}")
    save_small(fig, OUT / f"{prefix}_coarse_to_fine_losses.png")


def masks_figure(net, content, style_a, style_b, prefix, tag) -> None:
    h, w = resize_image(content, SIZE).shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    left = (xx < w * (0.5 + 0.15 * np.sin(yy / h * 2 * np.pi))).astype(np.float32)  # wavy split
    result = _final(
        nst.stylize_with_options(content, [style_a, style_b], weights=net, size=SIZE,
                                 iterations=ITERATIONS, style_masks=[left, 1.0 - left])
    )  # fmt: skip
    images = {
        "style A (white)": style_a,
        "style B (black)": style_b,
        "mask of A": np.repeat(255.0 * left[..., None], 3, axis=-1),
        "style_masks=[A, 1 - A]": result,
    }
    fig = _figure(images, net, f"style_masks: A on the white region, B on the black{tag}")
    save_small(fig, OUT / f"{prefix}_masks.png")


def layer_exp_figure(net, content, style, prefix, tag) -> None:
    images = {}
    for exp in (0.25, 1.0, 4.0):
        images[f"style_layer_weight_exp={exp}"] = _final(
            nst.stylize(content, style, weights=net, size=SIZE, iterations=ITERATIONS,
                        style_layer_weight_exp=exp)
        )  # fmt: skip
    fig = _figure(images, net, f"style layer i weighted by exp ** i (relu1_1 ... relu5_1){tag}")
    save_small(fig, OUT / f"{prefix}_layer_exp.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, help="the real weights file (default: synthetic)")
    args = parser.parse_args()
    import vgg_mat
    from vgg_mat.network import VGG

    with tempfile.TemporaryDirectory() as folder:
        path = args.weights
        if path is None:
            path = vgg_mat.write_synthetic(Path(folder) / "synthetic.mat", width_divisor=8, seed=0)
        net = VGG(vgg_mat.load(path))
    synthetic = net.weights.synthetic
    prefix = "beyond_synthetic" if synthetic else "beyond_real"
    tag = " (synthetic weights)" if synthetic else ""
    content = resize_image(load_image(sample_content_path()), 2 * SIZE)
    style_a = resize_image(load_image(sample_style_path("swirls")), 2 * SIZE)
    style_b = resize_image(load_image(sample_style_path("stained_glass")), 2 * SIZE)
    OUT.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    colors_figure(net, content, style_a, prefix, tag)
    style_scale_figure(net, content, style_a, prefix, tag)
    coarse_to_fine_figure(net, content, style_a, prefix, tag)
    masks_figure(net, content, style_a, style_b, prefix, tag)
    layer_exp_figure(net, content, style_a, prefix, tag)
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
