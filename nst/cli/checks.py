"""Checks before any heavy work: input images, the output's name and folder, the device.

A missing output folder is made (`make_folder`) only when the run is about to write. Each
failure is a `UsageError` (or an `nst.images.ImageError`) with one line that says what to
fix; the command exits with status 2 before TensorFlow is imported (the device check imports
it, after the files are checked). Also the names of the files a run writes next to OUT.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from nst.cli.errors import UsageError
from nst.manifest import IMAGE_FORMATS, manifest_path


def read_image(path: Path, what: str):
    """Load an input image now (cheap, no TensorFlow): a one-line error if it is unusable."""
    from nst.images import load_image

    if not path.exists():
        raise UsageError(f"{what} {path}: no such file; check the path")
    if path.is_dir():
        raise UsageError(f"{what} {path}: is a folder, not an image file")
    return load_image(path)  # ImageError (a ValueError) names the file and the problem


def style_path(text: str) -> Path:
    """A style argument: a file, or the name of a sample style."""
    from nst.samples import sample_style_path, sample_style_paths

    path = Path(text).expanduser()
    if path.exists() or os.sep in text or "." in text:
        return path
    samples = sample_style_paths()
    if text in samples:
        return sample_style_path(text)
    raise UsageError(
        f"style {text}: no such file, nor a sample style ({', '.join(samples)}); check the path"
    )


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def check_writable(folder: Path) -> Path:
    """The nearest existing folder at or above `folder` (where the missing ones will be made);
    UsageError when it is a file or cannot be written to."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(
            f"output folder {folder}: {existing} is a file, not a folder; choose another -o"
        )
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise UsageError(
            f"output folder {existing} is not writable ({error.strerror}); choose another -o"
        ) from None
    return existing


def check_output(out: Path, inputs: Sequence[Path], *, snapshots: bool) -> Path:
    """OUT must have a supported extension, a folder that exists or can be made (`make_folder`
    makes it, once the run is about to write), and overwrite no input; OUT, its manifest and
    its plot must not be folders."""
    out = out.expanduser()
    if out.suffix.lower() not in IMAGE_FORMATS:
        raise UsageError(
            f"output {out}: unsupported extension {out.suffix or '(none)'!r}; "
            f"use one of {', '.join(IMAGE_FORMATS)}"
        )
    for what, path in (("output", out), ("manifest", manifest_path(out)),
                       ("loss plot", plot_path(out))):  # fmt: skip
        if path.is_dir():
            raise UsageError(f"{what} {path}: is a folder; choose another -o")
    folder = out.parent
    check_writable(folder)
    ours = [out, manifest_path(out), plot_path(out)]
    snapshot_name = re.compile(rf"{re.escape(out.stem)}\.\d{{4,}}\.png")
    for source in inputs:
        for target in ours:
            if _same_file(source, target):
                raise UsageError(
                    f"output {target} would overwrite the input {source}; choose another -o"
                )
        if snapshots and snapshot_name.fullmatch(source.name) and _same_file(source.parent, folder):
            raise UsageError(f"--save-every would overwrite the input {source}; choose another -o")
    return out


def make_folder(out: Path) -> None:
    """Make OUT's folder and any missing parents (the README's ``-o out/result.png``)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"output folder {out.parent}: cannot create it ({error.strerror}); choose another -o"
        ) from None


def plot_path(out: Path) -> Path:
    """Where ``--plot`` writes the loss curves.

    >>> plot_path(Path("out/photo.png")).as_posix()
    'out/photo.losses.png'
    """
    return out.with_name(f"{out.stem}.losses.png")


def snapshot_path(out: Path, iteration: int, iterations: int) -> Path:
    """Where ``--save-every`` writes the image of `iteration` (of `iterations`).

    >>> snapshot_path(Path("out/photo.png"), 50, 300).as_posix()
    'out/photo.0050.png'
    """
    width = max(4, len(str(iterations)))
    return out.with_name(f"{out.stem}.{iteration:0{width}d}.png")


def select_device(device: str) -> None:
    """Hide the GPU (cpu), insist on one (gpu), or leave TensorFlow's choice (auto)."""
    if device == "cpu" and "tensorflow" not in sys.modules:
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    if device == "auto":
        return
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if device == "cpu" and gpus:
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:
            raise UsageError(
                "--device cpu: TensorFlow has already started on the GPU in this process; "
                "set CUDA_VISIBLE_DEVICES=-1 instead"
            ) from None
    if device == "gpu" and not gpus:
        raise UsageError("--device gpu: TensorFlow sees no GPU here; use --device cpu or auto")
