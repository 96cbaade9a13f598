"""The sample images: a content photo from matplotlib and the project's own style images.

- Content: ``grace_hopper.jpg`` (public domain, a US Navy photograph of Rear Admiral Grace
  Hopper, 512 x 600 px), which matplotlib bundles with its sample data. It is located at run
  time, not copied into this repository.
- Styles: the images in ``data/style/`` of the repository checkout, generated procedurally by
  ``data/make_samples.py`` (see ``data/README.md``). They are not part of an installed wheel, so
  these functions need a source checkout (``pip install -e .`` works).
"""

from __future__ import annotations

from pathlib import Path

STYLE_DIR = Path(__file__).resolve().parent.parent / "data" / "style"
DEFAULT_STYLE = "swirls"
STYLE_SUFFIXES = (".jpg", ".jpeg", ".png")


class SampleDataError(FileNotFoundError):
    """A sample image (or the folder that holds them) cannot be found."""


def sample_content_path() -> Path:
    """Path of the sample content photo, matplotlib's bundled ``grace_hopper.jpg``.

    Returns
    -------
    Path
        An existing JPEG file, 512 x 600 px (W x H), RGB.

    Raises
    ------
    SampleDataError
        If this matplotlib installation does not ship its sample data.
    """
    import matplotlib.cbook

    try:
        path = Path(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    except (OSError, ValueError) as error:
        raise SampleDataError(
            f"matplotlib's sample photo grace_hopper.jpg is not available ({error}); "
            "reinstall matplotlib with its sample data, or pass a content image explicitly"
        ) from error
    if not path.is_file():
        raise SampleDataError(
            f"matplotlib's sample photo {path} is missing; reinstall matplotlib "
            "(pip install --force-reinstall matplotlib) or pass a content image explicitly"
        )
    return path


def sample_style_paths() -> dict[str, Path]:
    """All sample style images, ``{name: path}`` sorted by name (name = file stem).

    Returns
    -------
    dict[str, Path]
        For example ``{"op_art": .../data/style/op_art.jpg, "swirls": ...}``.

    Raises
    ------
    SampleDataError
        If ``data/style/`` is missing or empty (for example when ``nst`` was installed from a
        wheel rather than used from a clone of the repository).
    """
    if not STYLE_DIR.is_dir():
        raise SampleDataError(
            f"sample style folder {STYLE_DIR} not found: the sample styles live in the "
            "repository's data/style/, so use a clone of the repository (pip install -e .) "
            "or pass a style image explicitly"
        )
    paths = {
        p.stem: p
        for p in sorted(STYLE_DIR.iterdir())
        if p.is_file() and p.suffix.lower() in STYLE_SUFFIXES
    }
    if not paths:
        raise SampleDataError(
            f"sample style folder {STYLE_DIR} has no images; regenerate them with "
            "python data/make_samples.py, or pass a style image explicitly"
        )
    return paths


def sample_style_path(name: str | None = None) -> Path:
    """Path of one sample style image; ``None`` gives the default, ``"swirls"``.

    Parameters
    ----------
    name : str or None
        A key of ``sample_style_paths()``: ``"swirls"``, ``"stained_glass"``, ``"op_art"`` or
        ``"pointillist"``.

    Raises
    ------
    ValueError
        If ``name`` is not a sample style; the message lists the valid names.
    SampleDataError
        If the sample style folder is missing (see ``sample_style_paths``).
    """
    paths = sample_style_paths()
    key = DEFAULT_STYLE if name is None else name
    if key not in paths:
        raise ValueError(f"unknown sample style {key!r}; choose one of: {', '.join(sorted(paths))}")
    return paths[key]
