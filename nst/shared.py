r"""Many runs, one network: targets and the compiled step shared by the runs of one image size.

A sweep runs the same content and style many times with different loss weights and layer
sets; a batch runs one style over many photos. Built the plain way, every run would trace the
network again, recompute the style targets and compile its own step: seconds of start-up per
run, for iterations that take milliseconds at small sizes. Here

- `SharedObjective` is one `nst.objective.Objective` over the **union** of the runs' layers
  with every weight 1 (so each entry of its loss vector is one unweighted term,
  :math:`L_{c,l}`, :math:`E_l` or TV), compiled once, with the weights as an **input**: a run's
  loss is

  .. math:: L = \sum_l (\alpha c_l) L_{c,l} + \sum_l (\beta w_l) E_l + \gamma\, TV,

  the scale vector :math:`s = (\alpha c_l, \beta w_l, \gamma)` one small tensor per run. A
  layer or term a run does not use gets :math:`s = 0` (computed, weighted by exactly zero:
  its gradient is exactly zero). The content targets P_l are variables, so a batch assigns the
  next photo's (`set_content`) without compiling anything again.
- `SharedRuns` hands `nst.stylize` (``objective=``) the view of a `SharedObjective` for each
  run (`SharedObjective.cell`), building one per image size (and pooling, style scale,
  conventions: what changes the graph or the targets), the union taken over every config the
  runs will use, so a cell computes the same numbers whichever order or worker runs it.

The loop itself is `nst.stylize`, unchanged: same seeds, same starting images, same optimiser.
A cell's images equal a separate run's up to float32 rounding of the sums (tested).
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import tensorflow as tf

from nst.config import StylizeConfig, resolve_config
from nst.inputs import deepest_layer
from nst.layer_weights import style_layer_weights
from nst.objective import TERMS, Objective
from nst.optimize import Step, StylizeError, stylize
from vgg_mat.architecture import VGG19_LAYER_NAMES
from vgg_mat.matfile import load
from vgg_mat.network import build_network
from vgg_mat.preprocessing import preprocess

__all__ = ["Job", "RunResult", "SharedObjective", "SharedRuns", "run_item", "structure_key"]

#: Fields of a config that change the graph or the targets (the rest is a scale or the loop's).
STRUCTURE_FIELDS = (
    "size", "pooling", "style_scale", "content_convention", "style_convention", "tv_kind",
    "pixel_range", "tv_pixel_scale", "style_blend",
)  # fmt: skip


def structure_key(config: StylizeConfig) -> tuple:
    """The settings of a resolved config that a shared objective must agree on."""
    return tuple(getattr(config, name) for name in STRUCTURE_FIELDS)


def _unit_config(configs: Sequence[StylizeConfig]) -> StylizeConfig:
    """The union of `configs`' layers with every weight 1 (a term off in all runs stays off)."""
    first = configs[0]
    content = [name for c in configs if c.content_weight > 0 for name in c.content_layers]
    style = [name for c in configs if c.style_weight > 0 for name in c.style_layers]
    return replace(
        first,
        content_weight=1.0 if content else 0.0,
        style_weight=1.0 if style else 0.0,
        tv_weight=1.0 if any(c.tv_weight > 0 for c in configs) else 0.0,
        content_layers=dict.fromkeys(content, 1.0),
        style_layers=dict.fromkeys(style, 1.0),
        style_layer_weight_exp=1.0,
    )


class SharedObjective:
    """One compiled loss for every run of one size: unweighted terms, weights as an input.

    Parameters
    ----------
    net : vgg_mat.VGG
    configs : sequence of StylizeConfig
        Resolved configs with equal `structure_key`: the union of their layers is computed.
    content : (1, H, W, 3) float32 array
        The first content image (`set_content` changes it).
    styles : sequence of (1, H_k, W_k, 3) float32 arrays

    Attributes
    ----------
    base : nst.objective.Objective
        Over the union, every weight 1; ``base.content_targets`` are `tf.Variable`.
    shape : tuple
        (1, H, W, 3).
    """

    def __init__(self, net, configs: Sequence[StylizeConfig], *, content, styles):
        self.net = net
        self.base = Objective(net, _unit_config(configs), content=content, styles=styles)
        self.shape = self.base.shape
        base = self.base
        # P_l as variables: the compiled step reads them, a new photo assigns them
        base.content_targets = {k: tf.Variable(v, trainable=False)
                                for k, v in base.content_targets.items()}  # fmt: skip
        self._content = np.array(content, np.float32)
        self.n_content = len(base.content_layers)
        layers = list(base.content_targets)

        def content_targets(x):  # (1, H, W, 3) 0-255 -> {layer: P_l}
            return net(preprocess(x, net.weights), layers)

        def weighted(z, scale):
            raw = Objective.values(base, z)  # (K,) every term unweighted (weights 1)
            scaled = raw * scale  # scale[0:3] = 0, scale[3] = gamma, then alpha c_l, beta w_l
            content = tf.reduce_sum(scaled[4 : 4 + self.n_content])
            style = tf.reduce_sum(scaled[4 + self.n_content :])
            tv = scaled[3]
            return tf.concat([tf.stack([content + style + tv, content, style, tv]), scaled[4:]], 0)

        def value_and_grad(z, scale):
            with tf.GradientTape() as tape:
                tape.watch(z)
                values = weighted(z, scale)
                total = values[0]
            gradient = tape.gradient(total, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)
            return values, gradient

        self.values = tf.function(weighted, autograph=False)
        self.value_and_grad = tf.function(value_and_grad, autograph=False)
        self._content_targets = tf.function(content_targets, autograph=False)

    def set_content(self, content) -> None:
        """Use the content image (1, H, W, 3) from now on (its P_l, one forward pass)."""
        content = np.asarray(content, np.float32)
        if content.shape != self.shape:
            raise ValueError(f"content of shape {content.shape}, expected {self.shape}")
        if np.array_equal(content, self._content) or not self.base.content_targets:
            return
        for name, value in self._content_targets(tf.constant(content)).items():
            self.base.content_targets[name].assign(value)
        self._content = content.copy()

    def scale(self, config: StylizeConfig) -> np.ndarray:
        """s of one run: (K,) float32, the weight of each unweighted entry of ``base.keys``."""
        c_l = dict(config.content_layers) if config.content_weight > 0 else {}
        w_l = style_layer_weights(config.style_layers, config.style_layer_weight_exp)
        w_l = w_l if config.style_weight > 0 else {}
        s = np.zeros(len(self.base.keys), np.float32)
        s[3] = config.tv_weight
        for k, key in enumerate(self.base.keys[4:], start=4):
            term, name = key.split("/", 1)
            if term == "content":
                s[k] = config.content_weight * c_l.get(name, 0.0)  # alpha c_l, as Objective
            else:
                s[k] = config.style_weight * w_l.get(name, 0.0)  # beta w_l
        return s

    def cell(self, config: StylizeConfig) -> CellObjective:
        """The objective of one run (what `nst.stylize` calls ``objective``)."""
        return CellObjective(self, config)


class CellObjective:
    """One run's view of a `SharedObjective`: its keys, its scale, the shared compiled step.

    ``keys``, ``value_and_grad(z)`` and ``values(z)`` as `nst.objective.Objective`'s: the entries
    of the run's own layers, in its order (a separate run's loss vector).
    """

    def __init__(self, shared: SharedObjective, config: StylizeConfig):
        self.shared, self.config = shared, config
        self.shape = shared.shape
        own = style_layer_weights(config.style_layers, config.style_layer_weight_exp)
        self.keys = (*TERMS, *(f"content/{n}" for n in config.content_layers),
                     *(f"style/{n}" for n in own))  # fmt: skip
        base = shared.base.keys
        self._scale = tf.constant(shared.scale(config))
        # an entry the union lacks (a layer of a term with weight 0) reads an appended zero
        index = [base.index(k) if k in base else -1 for k in self.keys]
        self._zero = any(i < 0 for i in index)
        self._index = tf.constant([i if i >= 0 else len(base) for i in index], tf.int32)

    def _select(self, values):
        if self._zero:
            values = tf.concat([values, tf.zeros((1,), values.dtype)], 0)
        return tf.gather(values, self._index)

    def value_and_grad(self, z):
        """(loss vector (len(keys),), d total / dz) at z (1, H, W, 3)."""
        values, gradient = self.shared.value_and_grad(z, self._scale)
        return self._select(values), gradient

    def values(self, z):
        """The loss vector (len(keys),) at z."""
        return self._select(self.shared.values(z, self._scale))


class SharedRuns:
    """`nst.stylize` for many runs on one set of weights, sharing what runs of a size can share.

    Parameters
    ----------
    weights : vgg_mat.VGGWeights, vgg_mat.VGG or path
    configs : sequence of StylizeConfig
        Every config the runs will use (resolved here): each shared objective covers the union
        of the layers of the configs of its `structure_key`.
    keep : int
        How many shared objectives (image sizes) to keep alive at once (least recent dropped).

    Examples
    --------
    >>> runs = SharedRuns(w, [StylizeConfig(style_weight=s) for s in (1e2, 1e4)])  # doctest: +SKIP
    >>> steps = runs.stylize("photo.jpg", "painting.jpg", runs.configs[1])  # doctest: +SKIP
    """

    def __init__(self, weights: Any, configs: Sequence[StylizeConfig], *, keep: int = 2):
        self.configs = [resolve_config(c) for c in configs]
        if not self.configs:
            raise ValueError("configs: give at least one config")
        if isinstance(weights, (str, os.PathLike)):  # read once, up to the deepest layer used
            depths = [deepest_layer(c) for c in self.configs]
            known = [d for d in depths if d is not None]
            deepest = max(known, key=VGG19_LAYER_NAMES.index) if len(known) == len(depths) else None
            weights = load(weights, up_to=deepest)
        self.weights = weights
        self._nets: dict[str, Any] = {}
        self._objectives: OrderedDict[tuple, SharedObjective] = OrderedDict()
        self._keep = keep

    def net(self, pooling: str):
        """The network with this pooling (built once)."""
        if pooling not in self._nets:
            self._nets[pooling] = build_network(self.weights, pooling=pooling)
        return self._nets[pooling]

    def objective(self, net, config, *, content, styles) -> CellObjective:
        """`nst.stylize`'s ``objective=``: this size's shared objective, viewed for `config`."""
        key = (structure_key(config), content.shape, tuple(s.shape for s in styles))
        shared = self._objectives.pop(key, None)
        if shared is None:
            group = [c for c in self.configs if structure_key(c) == structure_key(config)]
            shared = SharedObjective(net, group or [config], content=content, styles=styles)
            while len(self._objectives) >= self._keep:
                self._objectives.popitem(last=False)
        self._objectives[key] = shared  # most recent last
        shared.set_content(content)
        return shared.cell(config)

    def stylize(self, content: Any, style: Any, config: StylizeConfig, **overrides: Any
                ) -> Iterator[Step]:  # fmt: skip
        """`nst.stylize(content, style, config=config, ...)` with the shared objective.

        Runs with ``preserve_colors``, ``scales`` or ``style_masks`` go through
        `nst.stylize_with_options`, unshared.
        """
        config = resolve_config(config, **overrides)
        net = self.net(config.pooling)
        if config.preserve_colors or config.scales is not None or config.style_masks is not None:
            from nst.pipeline import stylize_with_options

            return stylize_with_options(content, style, weights=net, config=config)
        return stylize(content, style, weights=net, config=config, objective=self.objective)


@dataclass
class RunResult:
    """How one run of a sweep or batch ended (no Step objects: it travels back from workers).

    Attributes
    ----------
    index : int
        The run's number in its job (a sweep's cell, a batch's photo).
    status : {"completed", "failed"}
    image : (H, W, 3) float32 array or None
        The last image (completed), or the last good one (a non-finite loss); None if none.
    iteration : int
        The image's iteration (-1 without an image).
    losses : dict
        Its loss entries.
    records : list of (int, dict, float)
        (iteration, losses, elapsed seconds) of every step.
    message : str or None
        L-BFGS's termination message, or what went wrong.
    metrics : dict or None
        `nst.metrics.Evaluator` of the image, when the job evaluates.
    seconds : float
        Wall time of the run (its own start-up included).
    """

    index: int
    status: str
    image: np.ndarray | None
    iteration: int
    losses: dict
    records: list
    message: str | None = None
    metrics: dict | None = None
    seconds: float = 0.0


@dataclass
class Job:
    """What every run of a sweep or a batch shares; sent once to each Dask worker.

    Attributes
    ----------
    weights : path or vgg_mat.VGGWeights
    configs : list of StylizeConfig
        Resolved; a run names its config by index.
    styles : list of (H, W, 3) float32 arrays
    content : (H, W, 3) float32 array or None
        A sweep's one content image (a batch gives each run its photo).
    evaluate : bool
        Measure each image with `nst.metrics.Evaluator` (needs `content`).
    """

    weights: Any
    configs: list
    styles: list
    content: np.ndarray | None = None
    evaluate: bool = False

    def start(self) -> tuple[SharedRuns, Any]:
        """The job's `SharedRuns` and evaluator (None unless `evaluate`): build once, reuse."""
        from nst.metrics import Evaluator

        runs = SharedRuns(self.weights, self.configs)
        evaluator = None
        if self.evaluate:
            blend = self.configs[0].style_blend
            evaluator = Evaluator(runs.net("max"), self.content, self.styles, blend=blend)
        return runs, evaluator


def run_item(
    runs: SharedRuns,
    job: Job,
    index: int,
    *,
    content: Any = None,
    init: Any = None,
    evaluator: Any = None,
    on_step: Callable[[Step], None] | None = None,
) -> RunResult:
    """Run `job.configs[index]` on `content` (default `job.content`) to the end.

    `init` (an image) replaces the config's starting image (a batch's ``--init previous``).
    A non-finite loss ends the run as ``"failed"`` with the last good image; Ctrl-C propagates.
    """
    start = time.perf_counter()
    config = job.configs[index]
    if init is not None:
        config = replace(config, init=init)
    content = job.content if content is None else content
    steps = runs.stylize(content, job.styles, config)
    records, last, status, message = [], None, "completed", None
    try:
        while True:
            try:
                step = next(steps)
            except StopIteration as stop:
                message = stop.value
                break
            records.append((step.iteration, dict(step.losses), float(step.elapsed)))
            last = step
            if on_step is not None:
                on_step(step)
    except StylizeError as error:
        status, message, last = "failed", str(error), error.last_step
    finally:
        steps.close()
    image = None if last is None else last.image
    metrics = evaluator(image) if evaluator is not None and image is not None else None
    return RunResult(index, status, image, -1 if last is None else last.iteration,
                     {} if last is None else dict(last.losses), records, message, metrics,
                     time.perf_counter() - start)  # fmt: skip
