r"""`sweep`: one content and style, a grid of settings, every cell run and measured.

Gatys et al.'s figure 3 (rows of style-layer sets, columns of :math:`\alpha / \beta`) is a
sweep; so is every "which weight should I use?". `sweep` runs the cells of a grid (`nst.grid`)
with `nst.stylize`, sharing the network, the targets and the compiled step among the cells of
one image size (`nst.shared`), and measures each image (`nst.metrics`). It yields one
`nst.shared.RunResult` per cell as the cell ends, and does no I/O: ``nst sweep`` writes each
cell's image and manifest, the contact sheet and the trade-off plot.

Cells listed in `skip` are not run (a rerun after Ctrl-C skips the finished ones). With a Dask
`client` (`nst.distributed`), the cells run on its workers, in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from typing import Any

from nst.config import StylizeConfig
from nst.grid import Cell, plan_sweep
from nst.inputs import as_image, style_list
from nst.shared import Job, RunResult, run_item

__all__ = ["sweep"]


def sweep(
    content: Any,
    style: Any,
    *,
    weights: Any,
    grid: Mapping[str, Sequence[Any]],
    config: StylizeConfig | None = None,
    evaluate: bool = True,
    skip: Container[int] = (),
    on_step: Callable[[Any], None] | None = None,
    client: Any = None,
    yes: bool = False,
) -> Iterator[tuple[Cell, RunResult]]:
    """Run every cell of a grid of settings; yield (cell, result) as each cell ends.

    Parameters
    ----------
    content : path or (H, W, 3) array
    style : path or (H, W, 3) array, or a list of them
    weights : vgg_mat.VGGWeights, vgg_mat.VGG or path
        A `VGG` is used in-process only; a Dask `client` needs weights or a path.
    grid : mapping of str to sequence
        ``{StylizeConfig field: values}``: numbers (``"style_weight": (1e2, 1e4)``) or layer
        sets (``"style_layers": (("relu1_1",), ("relu1_1", "relu2_1"))``).
    config : StylizeConfig, optional
        Every other setting (a cell's values override it).
    evaluate : bool
        Measure each image (`nst.metrics`): ``result.metrics``.
    skip : container of int
        Cell indices not to run.
    on_step : callable, optional
        Called with every `nst.Step` (in-process), or with a number of steps done (``client``).
    client : distributed.Client, optional
        Run the cells on a Dask cluster (`nst.distributed.run_on_cluster`).
    yes : bool
        Allow more than `nst.grid.MAX_CELLS` cells.

    Returns
    -------
    iterator of (Cell, nst.shared.RunResult)
        In grid order in-process; in order of completion on a cluster.

    Examples
    --------
    >>> for cell, result in nst.sweep("photo.jpg", "painting.jpg", weights=w,
    ...                               grid={"style_weight": (1e2, 1e4, 1e6)}):
    ...     print(cell.label, result.metrics["metrics"]["style_distance"])  # doctest: +SKIP
    """
    cells, configs = plan_sweep(grid, config, yes=yes)
    content_image = as_image(content, "content")
    styles = [as_image(s, f"style[{i}]") for i, s in enumerate(style_list(style))]
    job = Job(weights, configs, styles, content=content_image, evaluate=evaluate)
    todo = [cell for cell in cells if cell.index not in skip]
    if client is not None:
        from nst.distributed import run_on_cluster

        items = [(cell.index, None) for cell in todo]
        for k, result in run_on_cluster(client, job, items, on_progress=on_step):
            if isinstance(result, BaseException):
                raise result
            yield todo[k], result
        return
    if not todo:
        return
    runs, evaluator = job.start()
    for cell in todo:
        yield cell, run_item(runs, job, cell.index, evaluator=evaluator, on_step=on_step)
