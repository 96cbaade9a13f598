"""Time to quality: how long our default optimiser needs to match the TF tutorial's result.

The yardstick is the TensorFlow tutorial's recipe run by peer (a), `peers.KerasTutorial`: Adam
(lr 0.02 on the [0, 1] image, beta1 0.99, epsilon 0.1) for 1000 steps from the content image,
with the tutorial's layers and loss ("tf-tutorial" preset), at 256 px. Its final loss L* (the
loss of the image after the last step) is a property of the inputs alone (weights, images,
size, steps), so `recipe_reference` computes it once and caches it in the benchmark cache folder
under a key made of those inputs, with the wall time that run took and its date.

`time_to_quality` then runs ours as users call it, `nst.stylize` with the same preset and our
default optimiser (L-BFGS-B), and reports the wall time from the call until the first Step whose
total loss is <= L*. The recipe's wall time in the **same** run is estimated as peer (a)'s
first-call cost + (steps - 1) x its median step time measured there (interleaved with ours).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def _key(weights_path: Path, content: np.ndarray, style: np.ndarray, steps: int) -> str:
    digest = hashlib.sha256()
    digest.update(Path(weights_path).name.encode())
    digest.update(str(Path(weights_path).stat().st_size).encode())
    digest.update(np.ascontiguousarray(content, np.float32).tobytes())
    digest.update(np.ascontiguousarray(style, np.float32).tobytes())
    digest.update(f"steps={steps};recipe=tf-tutorial-adam".encode())
    return digest.hexdigest()[:16]


def recipe_reference(
    weights_path: Path, content: np.ndarray, style: np.ndarray, *, steps: int, cache: Path
) -> dict:
    """The TF tutorial recipe's final loss on these inputs (cached), run with peer (a).

    Parameters
    ----------
    weights_path : Path
        The weights file.
    content, style : (H, W, 3) float32 arrays in [0, 255]
    steps : int
        Adam steps of the recipe (the tutorial's 10 epochs x 100 = 1000).
    cache : Path
        Folder of the JSON cache file ``recipe-<key>.json``.

    Returns
    -------
    dict
        ``final_loss``, ``initial_loss`` (of the content image), ``best_loss`` and
        ``best_step`` (the lowest loss along the way), ``losses_every_10``, ``steps``,
        ``wall_s`` (of the run that computed it), ``date`` (UTC), ``cached`` (True when read
        from the cache), ``key``.
    """
    import vgg_mat
    from benchmarks import peers

    key = _key(weights_path, content, style, steps)
    path = Path(cache) / f"recipe-{key}.json"
    if path.is_file():
        record = json.loads(path.read_text())
        record["cached"] = True
        return record
    start = time.perf_counter()
    pipeline = peers.KerasTutorial(vgg_mat.load(weights_path), content, style, compiled=True)
    losses = [pipeline.step() for _ in range(steps)]  # loss of image k, k = 0 .. steps - 1
    final = pipeline.loss()
    best = int(np.argmin(losses))
    record = {
        "final_loss": final,
        "initial_loss": losses[0],
        "best_loss": min(losses[best], final),
        "best_step": best if losses[best] < final else steps,
        "losses_every_10": losses[::10],
        "steps": steps,
        "size": list(content.shape[:2]),
        "wall_s": time.perf_counter() - start,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "key": key,
    }
    handle, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
    with os.fdopen(handle, "w") as file:
        json.dump(record, file, indent=1)
    os.replace(tmp, path)
    record["cached"] = False
    return record


def time_to_quality(
    weights, content: np.ndarray, style: np.ndarray, *, target: float, max_seconds: float,
    optimizer: str = "lbfgs", max_iterations: int = 5000,
) -> dict:  # fmt: skip
    """Wall time of ours (`nst.stylize`, preset "tf-tutorial") until its loss <= `target`.

    Parameters
    ----------
    weights : vgg_mat.VGGWeights, VGG or path
    content, style : (H, W, 3) float32 arrays in [0, 255]
    target : float
        The loss to reach (the recipe's final loss).
    max_seconds : float
        Give up after this much wall time (then ``reached`` is False).
    optimizer : str
        Our default, "lbfgs".
    max_iterations : int
        The run's ``iterations``.

    Returns
    -------
    dict
        ``reached``, ``seconds`` (from the ``nst.stylize`` call to the Step that reached the
        target, or to giving up), ``iterations``, ``best_loss``.
    """
    import nst

    start = time.perf_counter()
    run = nst.stylize(
        content, style, weights=weights, preset="tf-tutorial", optimizer=optimizer,
        iterations=max_iterations,
    )  # fmt: skip
    best, iterations, reached = float("inf"), 0, False
    try:
        for step in run:
            best = min(best, step.losses["total"])
            iterations = step.iteration
            if best <= target:
                reached = True
                break
            if time.perf_counter() - start > max_seconds:
                break
    finally:
        seconds = time.perf_counter() - start
        run.close()
    return {"reached": reached, "seconds": seconds, "iterations": iterations, "best_loss": best}
