"""`batch`: one style, many photos (or the frames of a video), the start-up paid once per size.

Each photo is one `nst.stylize` run with the same settings. The runs share what they can
(`nst.shared.SharedRuns`): the network and the weights always; the style targets and the
compiled step for every photo of the same size (the frames of a video: all of them), where a
new photo only assigns its content targets P_l. A photo that cannot be read, or whose loss
becomes non-finite, is reported in its result and the batch goes on.

``init_previous`` starts each photo from the previous photo's result (resized if needed): the
frames of a video then change little from one to the next, which keeps the flicker down
(Ruder et al. 2016 go further with optical flow; this is their simplest baseline). It runs the
photos in order, in this process.

`batch` yields one (index, `nst.shared.RunResult` or exception) per photo as it ends and does
no I/O besides reading the photos: ``nst batch`` writes the images and manifests.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from typing import Any

from nst.config import StylizeConfig, resolve_config
from nst.images import load_image
from nst.inputs import as_image, style_list
from nst.shared import Job, RunResult, run_item
from vgg_mat.architecture import VGG19_LAYER_NAMES

__all__ = ["batch"]


def batch(
    photos: Sequence[Any],
    style: Any,
    *,
    weights: Any,
    config: StylizeConfig | None = None,
    init_previous: bool = False,
    skip: Container[int] = (),
    previous: Mapping[int, Any] | None = None,
    on_step: Callable[[Any], None] | None = None,
    client: Any = None,
) -> Iterator[tuple[int, RunResult | Exception]]:
    """Stylise every photo with one style; yield (index, result or error) per photo.

    Parameters
    ----------
    photos : sequence of paths or (H, W, 3) arrays
        Read one at a time, when its turn comes (a path that fails to load is that photo's
        error, an `nst.images.ImageError`).
    style : path or (H, W, 3) array, or a list of them
    weights : vgg_mat.VGGWeights, vgg_mat.VGG or path
    config : StylizeConfig, optional
        The settings of every run (checked once, here).
    init_previous : bool
        Start each photo from the previous one's result (the first from ``config.init``).
    skip : container of int
        Photos not to run (their outputs exist).
    previous : mapping of int to image, optional
        With `init_previous`: the results of skipped photos (path or array), by index, so the
        photo after a skipped one starts from it.
    on_step : callable, optional
        Called with every `nst.Step` in-process, or with a number of steps (``client``).
    client : distributed.Client, optional
        Run the photos on a Dask cluster (not with `init_previous`: the frames depend on each
        other). The photos must then be paths the workers can read.

    Returns
    -------
    iterator of (int, nst.shared.RunResult or Exception)
        In order in-process; in order of completion on a cluster.

    Raises
    ------
    ValueError
        At once: a bad setting, or `init_previous` with a `client`.
    """
    config = resolve_config(config, layer_names=VGG19_LAYER_NAMES)
    if init_previous and client is not None:
        raise ValueError(
            "init_previous runs the frames in order, each from the one before: it cannot be "
            "spread over a cluster; drop one of them"
        )
    styles = [as_image(s, f"style[{i}]") for i, s in enumerate(style_list(style))]
    job = Job(weights, [config], styles)
    todo = [k for k in range(len(photos)) if k not in skip]
    if client is not None:
        from nst.distributed import run_on_cluster

        items = [(0, str(photos[k])) for k in todo]
        for n, result in run_on_cluster(client, job, items, on_progress=on_step):
            yield todo[n], _with_index(result, todo[n])
        return
    if not todo:
        return
    runs, _ = job.start()
    previous = dict(previous or {})
    last = None
    for k in range(len(photos)):
        if k in skip:
            last = previous.get(k)
            continue
        try:
            content = photos[k]
            content = (
                load_image(content) if not hasattr(content, "shape") else as_image(content, "photo")
            )
            init = as_image(last, "previous result") if init_previous and last is not None else None
            result = run_item(runs, job, 0, content=content, init=init, on_step=on_step)
        except (OSError, ValueError) as error:
            last = None
            yield k, error
            continue
        result.index = k
        last = result.image if result.image is not None else None
        yield k, result


def _with_index(result: RunResult | BaseException, index: int) -> RunResult | BaseException:
    if isinstance(result, RunResult):
        result.index = index
    return result
