"""nst.progress.RunHistory: which step's image a stopped run keeps."""

from __future__ import annotations

import math

import numpy as np

from nst.optimize import Step
from nst.progress import RunHistory


def _step(iteration: int, total: float, size: int) -> Step:
    return Step(iteration, np.zeros((size, size, 3), np.float32), {"total": total}, 0.0)


def test_best_is_the_lowest_finite_total_earliest_on_ties():
    history = RunHistory()
    for iteration, total in enumerate([5.0, 3.0, 3.0, math.nan, 4.0]):
        history.add(_step(iteration, total, 8))
    assert history.best.iteration == 1 and history.last.iteration == 4


def test_a_larger_coarse_to_fine_stage_replaces_a_smaller_stages_best():
    # Stage 1 at 8 px ends with a lower total than anything stage 2 (16 px) reaches yet:
    # an interrupted run must still keep a 16 px image, the size the user asked for.
    history = RunHistory()
    for iteration, total in enumerate([9.0, 1.0]):
        history.add(_step(iteration, total, 8))
    history.add(_step(0, 50.0, 16))
    history.add(_step(1, 40.0, 16))
    history.add(_step(2, 45.0, 16))
    assert history.best.image.shape[:2] == (16, 16) and history.best.iteration == 1
