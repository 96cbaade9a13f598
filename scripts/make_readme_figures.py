"""Generate the README's gallery into docs/figures/ (readme_*.png), with the project's own code.

    .venv/bin/python scripts/make_readme_figures.py            # about a minute on 2 CPU cores
    .venv/bin/python scripts/make_readme_figures.py --weights /path/to/imagenet-vgg-verydeep-19.mat

Without --weights every network output is made with a synthetic miniature of VGG-19 (random
He-normal weights, `vgg_mat.write_synthetic`, widths / 8) and every such figure carries the red
"SYNTHETIC WEIGHTS - NOT VGG-19" stamp and says so in its title: it shows that the machinery
runs, not what style transfer looks like. The figures that need no network (sample images,
receptive fields) are exact. With --weights (the real file) the same script draws the real
results, unstamped, into readme_real_*.png.

Figures are small: images are shown at thumbnail size and each PNG is reduced to 256 colours.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nst.images import load_image, resize_image  # noqa: E402
from nst.plots import plot_images, plot_losses  # noqa: E402
from nst.samples import sample_content_path, sample_style_paths  # noqa: E402

OUT = REPO / "docs" / "figures"
THUMB = 192  # longer side of every image shown
SIZE = 192  # longer side of the optimised images
ITERATIONS = 150


def save_small(fig: Figure, path: Path, dpi: int = 72) -> None:
    """Save `fig` as a 256-colour PNG (a few tens of KB), atomically.

    The top 9% of the figure is kept free for the synthetic-weights stamp (`nst.plots`).
    """
    fig.get_layout_engine().set(rect=(0, 0, 1, 0.91))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    with Image.open(buffer) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    temp = path.with_name(f".{path.name}.tmp")
    small.save(temp, format="PNG", optimize=True)
    os.replace(temp, path)
    print(f"{path.relative_to(REPO)}: {path.stat().st_size / 1024:.0f} KB")


def samples_figure() -> None:
    """The sample content photo and the four procedural styles (no network)."""
    images = {"content: grace_hopper.jpg": load_image(sample_content_path(), max_size=THUMB)}
    for name, path in sample_style_paths().items():
        images[f"style: {name}"] = load_image(path, max_size=THUMB)
    fig = plot_images(images, cols=5)
    fig.set_size_inches(14, 3.6)
    save_small(fig, OUT / "readme_samples.png")


def receptive_field_figure() -> None:
    """Receptive field and output size of VGG-19's ReLU layers for a 512 px input (no weights)."""
    from vgg_mat.geometry import layer_table, vgg19_layers

    rows = [r for r in layer_table(vgg19_layers(classifier=False), 512, 512) if r.kind == "relu"]
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(rows))
    ax.bar(x, [r.receptive_field[0] for r in rows], color="#4477aa")
    for i, r in enumerate(rows):
        ax.text(i, r.receptive_field[0], f"{r.height}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [r.name for r in rows], rotation=60, fontsize=8)
    ax.set_ylabel("receptive field (pixels)")
    ax.set_title("VGG-19: receptive field of each ReLU layer (bar labels: output height for a "
                 "512x512 input)", fontsize=10)  # fmt: skip
    save_small(fig, OUT / "readme_receptive_fields.png")


def network_figures(weights_path: Path | None) -> None:
    """Stylisation, loss curves, texture and reconstructions on the given (or synthetic) network."""
    import vgg_mat
    from nst import stylize

    if weights_path is None:
        folder = Path(tempfile.mkdtemp(prefix="readme-figures-"))
        weights_path = vgg_mat.write_synthetic(folder / "synthetic.mat", width_divisor=8, seed=0)
    weights = vgg_mat.load(weights_path)
    net = vgg_mat.VGG(weights)
    prefix = "readme_synthetic" if weights.synthetic else "readme_real"

    content = resize_image(load_image(sample_content_path()), SIZE)
    style = load_image(sample_style_paths()["swirls"])
    start = time.perf_counter()
    steps = list(stylize(content, style, weights=net, iterations=ITERATIONS))
    print(f"stylize: {ITERATIONS} L-BFGS iterations in {time.perf_counter() - start:.0f} s")
    fig = plot_images(
        {"content": content, "style: swirls": resize_image(style, THUMB),
         f"result ({ITERATIONS} L-BFGS its)": steps[-1].image},
        synthetic=weights,
    )  # fmt: skip
    save_small(fig, OUT / f"{prefix}_stylize.png")
    fig = plot_losses(steps, synthetic=weights)
    fig.set_size_inches(10, 3.6)
    save_small(fig, OUT / f"{prefix}_losses.png")

    images = {}
    texture = list(stylize(style, style, weights=net, iterations=ITERATIONS, content_weight=0.0,
                           content_layers=[], init="noise", size=SIZE))  # fmt: skip
    images["texture of swirls"] = texture[-1].image
    for layer in ("relu2_1", "relu4_2"):
        run = list(stylize(content, None, weights=net, iterations=ITERATIONS, style_weight=0.0,
                           style_layers=[], content_layers=[layer], init="noise"))  # fmt: skip
        images[f"content from {layer}"] = run[-1].image
    fig = plot_images(images, synthetic=weights)
    save_small(fig, OUT / f"{prefix}_texture_reconstruct.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, help="the real weights file (default: synthetic)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    samples_figure()
    receptive_field_figure()
    network_figures(args.weights)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
