"""Tests of `nst.plots`: figures build headlessly; synthetic ones say so on the figure."""

from __future__ import annotations

import io
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nst import plots


def _texts(fig: Figure) -> list[str]:
    """Every text drawn on the figure: figure-level texts, suptitle, axes titles and labels."""
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def _renders(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _losses(n: int = 6) -> list[dict]:
    return [
        {
            "total": 100.0 / (i + 1),
            "content": 10.0 / (i + 1),
            "style": 90.0 / (i + 1),
            "tv": 0.0,
            "content/relu4_2": 10.0 / (i + 1),
            "style/relu1_1": 50.0 / (i + 1),
            "style/relu2_1": 40.0 / (i + 1),
        }
        for i in range(n)
    ]


def _figures(synthetic) -> dict[str, Figure]:
    rng = np.random.RandomState(0)
    image = rng.uniform(0, 255, size=(16, 20, 3)).astype(np.float32)
    steps = [SimpleNamespace(iteration=i, losses=d) for i, d in enumerate(_losses())]
    return {
        "losses": plots.plot_losses(steps, synthetic=synthetic, title="run"),
        "losses_from_dicts": plots.plot_losses(_losses(), per_layer=False, synthetic=synthetic),
        "gram": plots.plot_gram({"relu1_1": rng.rand(1, 4, 4)}, synthetic=synthetic),
        "grams": plots.plot_gram([rng.rand(3, 3), rng.rand(5, 5)], synthetic=synthetic),
        "features": plots.plot_feature_maps(rng.rand(1, 8, 8, 6), synthetic=synthetic),
        "high_pass": plots.plot_high_pass({"a": image, "b": image[::-1]}, synthetic=synthetic),
        "images": plots.plot_images(
            [image, image.astype(np.uint8)], ["x", "y"], synthetic=synthetic
        ),
    }


def test_figures_build_headlessly_with_the_synthetic_label():
    weights = SimpleNamespace(synthetic=True)  # anything with .synthetic, like VGGWeights
    for name, fig in _figures(weights).items():
        assert isinstance(fig, Figure), name
        assert plots.SYNTHETIC_LABEL in _texts(fig), name
        assert _renders(fig)[:8] == b"\x89PNG\r\n\x1a\n", name


def test_real_weights_figures_carry_no_label():
    for name, fig in _figures(False).items():
        assert plots.SYNTHETIC_LABEL not in _texts(fig), name


def test_stamp_synthetic_is_visible_and_idempotent():
    fig = Figure()
    fig.subplots().plot([1, 2])
    plots.stamp_synthetic(plots.stamp_synthetic(fig))
    labels = [t for t in fig.texts if t.get_text() == plots.SYNTHETIC_LABEL]
    assert len(labels) == 1
    assert labels[0].get_visible() and labels[0].get_color() == "white"
    assert labels[0].get_bbox_patch().get_facecolor()[:3] == (1.0, 0.0, 0.0)  # red box
    _renders(fig)


def test_stamp_synthetic_when_the_weights_are_synthetic(tiny_weights):
    real_looking = SimpleNamespace(synthetic=False)
    assert plots.SYNTHETIC_LABEL not in _texts(plots.stamp_synthetic(Figure(), when=real_looking))
    assert plots.SYNTHETIC_LABEL not in _texts(plots.stamp_synthetic(Figure(), when=False))
    assert plots.SYNTHETIC_LABEL in _texts(plots.stamp_synthetic(Figure(), when=tiny_weights))
    assert plots.SYNTHETIC_LABEL in _texts(plots.stamp_synthetic(Figure()))  # the old call


@pytest.mark.parametrize("layout", ["constrained", "tight", None])
def test_synthetic_label_never_covers_titles(layout):
    # One row of panels with titles and a suptitle: the cramped case the lessons hit.
    fig = Figure(figsize=(9, 2.6), layout=layout)
    axes = fig.subplots(1, 3)
    for i, ax in enumerate(axes):
        ax.imshow(np.zeros((8, 8)))
        ax.set_title(f"panel {i}")
    fig.suptitle("figure title")
    plots.stamp_synthetic(fig)
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    label = next(t for t in fig.texts if t.get_text() == plots.SYNTHETIC_LABEL)
    box = label.get_window_extent(renderer)
    others = [ax.title.get_window_extent(renderer) for ax in axes]
    others.append(fig._suptitle.get_window_extent(renderer))
    assert not any(box.overlaps(other) for other in others)
    titles = [ax.title.get_window_extent(renderer) for ax in axes]
    assert not any(others[-1].overlaps(title) for title in titles)


def test_loss_curves_are_log_scale_and_skip_zero_terms():
    fig = plots.plot_losses(_losses())
    terms, layers = fig.axes[0], fig.axes[1]
    assert terms.get_yscale() == "log" and layers.get_yscale() == "log"
    assert sorted(line.get_label() for line in terms.lines) == ["content", "style", "total"]
    assert sorted(line.get_label() for line in layers.lines) == [
        "content/relu4_2",
        "style/relu1_1",
        "style/relu2_1",
    ]
    total = next(line for line in terms.lines if line.get_label() == "total")
    np.testing.assert_allclose(total.get_ydata(), [100.0 / (i + 1) for i in range(6)], rtol=0)
    with pytest.raises(ValueError, match="steps is empty"):
        plots.plot_losses([])


def test_high_pass_matches_the_tutorial_definition_and_l1_tv():
    # TF tutorial: x_var = image[:, :, 1:, :] - image[:, :, :-1, :], y_var likewise on rows.
    image = np.zeros((3, 3, 1))
    image[1, 1, 0] = 2.0  # the curriculum's centre impulse: L1 TV = 8
    x_deltas, y_deltas = plots.high_pass_xy(image[np.newaxis])
    assert x_deltas.shape == (3, 2, 1) and y_deltas.shape == (2, 3, 1)
    np.testing.assert_array_equal(x_deltas[1, :, 0], [2.0, -2.0])
    np.testing.assert_array_equal(y_deltas[:, 1, 0], [2.0, -2.0])
    assert np.abs(x_deltas).sum() + np.abs(y_deltas).sum() == 8.0


def test_bad_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match="Gram matrix must be"):
        plots.plot_gram(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="features must be"):
        plots.plot_feature_maps(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="images is empty"):
        plots.plot_images([])


def test_loss_curves_of_a_run_on_synthetic_weights(tiny_weights, content32, style32):
    from nst import stylize

    steps = list(stylize(content32, style32, weights=tiny_weights, iterations=3, optimizer="adam"))
    fig = plots.plot_losses(steps, synthetic=tiny_weights)
    assert plots.SYNTHETIC_LABEL in _texts(fig)
    labels = {line.get_label() for ax in fig.axes for line in ax.lines}
    assert {"total", "content", "style", "style/relu1_1", "content/relu4_2"} <= labels
    images = plots.plot_images([content32, style32, steps[-1].image], synthetic=tiny_weights)
    assert plots.SYNTHETIC_LABEL in _texts(images)


@pytest.mark.parametrize("synthetic", [False, True])
def test_library_figure_titles_do_not_cover_panel_titles(synthetic):
    images = [np.full((8, 8, 3), 100.0 * i) for i in range(3)]
    fig = plots.plot_images(images, titles=["a", "b", "c"], synthetic=synthetic, title="grid")
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    suptitle = fig._suptitle.get_window_extent(renderer)
    for ax in fig.axes:
        assert not suptitle.overlaps(ax.title.get_window_extent(renderer))


def test_annotated_grid_writes_each_formatted_value_in_its_cell():
    a = np.array([[12.0, 12.0, 17.0], [10.0, 17.0, 19.0], [9.0, 6.0, 14.5]])
    ax = Figure().subplots()
    returned = plots.plot_annotated_grid(ax, a, title="output y", cmap="Oranges", fmt="{:.1f}")
    assert returned is ax
    assert ax.get_title() == "output y"
    # One text per cell, row-major, at x = column, y = row, reading the formatted value.
    assert [t.get_text() for t in ax.texts] == [f"{v:.1f}" for v in a.ravel()]
    assert [t.get_position() for t in ax.texts] == [(c, r) for r in range(3) for c in range(3)]
    # White on the dark cells (value > 0.6 * max = 11.4), black on the light ones.
    colours = [matplotlib.colors.to_hex(t.get_color()) for t in ax.texts]
    assert colours == ["#ffffff" if v > 0.6 * 19.0 else "#000000" for v in a.ravel()]
    (image,) = ax.images
    assert image.get_clim() == (0.0, 19.0)
    assert list(ax.get_xticks()) == [0, 1, 2] and list(ax.get_yticks()) == [0, 1, 2]


def test_annotated_grid_default_format_and_a_2d_check():
    ax = Figure().subplots()
    plots.plot_annotated_grid(ax, [[0.25, -1], [3, 0.5]])
    assert [t.get_text() for t in ax.texts] == ["0.25", "-1", "3", "0.5"]
    assert ax.get_title() == ""
    with pytest.raises(ValueError, match=r"array must be 2-D .* got shape \(2, 2, 1\)"):
        plots.plot_annotated_grid(ax, np.zeros((2, 2, 1)))
