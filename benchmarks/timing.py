"""Interleaved step timing of every pipeline at one size, and the figures derived from it.

`time_size` builds every variant on the same weights and images, takes each one's first-call
cost (building the pipeline and its targets, tracing, the first step), warms each up, and then
runs ``rounds`` rounds of one step per variant in a fixed order (a, b, ours-adam, ours-lbfgs,
[torch], matmul probe), so load from other processes hits all of them alike. Ratios are taken
per round (variant / peer a in the same round) and summarised by their median and range.
"""

from __future__ import annotations

import gc
import time

import numpy as np

from benchmarks import flops, ours, peers

#: The layers the tutorial's loss reads (file names).
TUTORIAL_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1", "relu5_2")
TUTORIAL_STYLE = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


def time_size(
    weights,
    net,
    content: np.ndarray,
    style: np.ndarray,
    *,
    rounds: int,
    warmup: int = 1,
    matmul_n: int = 2048,
    log=print,
) -> dict:
    """Time every variant at the size of `content`, interleaved.

    Parameters
    ----------
    weights : vgg_mat.VGGWeights
        For the peers (and the FLOP count).
    net : vgg_mat.VGG
        For ours (built once, shared by both optimisers, as a user reusing a network would).
    content, style : (H, W, 3) float32 arrays in [0, 255]
    rounds : int
        Measured steps per variant.
    warmup : int
        Steps per variant after the first call and before measuring.
    matmul_n : int
        Size of the matmul probe run once per round.
    log : callable
        Progress lines.

    Returns
    -------
    dict
        ``variants`` {name: {first_s, steps: [s...], ...}}, ``matmul`` (GFLOP/s per round),
        ``flops`` (`flops.step_flops`), ``loss_check`` (peer a vs ours at the first image),
        ``skipped`` {name: reason}.
    """
    h, w = content.shape[:2]
    result: dict = {"size": [h, w], "variants": {}, "skipped": {}}
    result["flops"] = flops.step_flops(weights, h, w, TUTORIAL_LAYERS, TUTORIAL_STYLE)
    pipelines: dict = {}

    def first(name, build):
        start = time.perf_counter()
        pipeline = build()
        if isinstance(pipeline, ours.OursRun):
            first_s = time.perf_counter() - start  # build = first next(): targets + step
        else:
            pipeline.first_loss = pipeline.step()
            first_s = time.perf_counter() - start
        pipelines[name] = pipeline
        result["variants"][name] = {"first_s": first_s, "steps": [], "evaluations": [],
                                    "eval_s": []}  # fmt: skip
        log(f"  {h}x{w} {name}: first call {first_s:.2f} s")

    first("a: TF tutorial (Keras, tf.function)", lambda: peers.KerasTutorial(
        weights, content, style, compiled=True))  # fmt: skip
    first("b: online course (Keras, eager)", lambda: peers.KerasTutorial(
        weights, content, style, compiled=False))  # fmt: skip
    first("ours: nst.stylize, Adam", lambda: ours.OursRun(net, content, style, optimizer="adam"))
    first("ours: nst.stylize, L-BFGS", lambda: ours.OursRun(
        net, content, style, optimizer="lbfgs"))  # fmt: skip
    reason = peers.torch_unavailable()
    if reason is None:
        first("c: PyTorch (hand-built VGG-19)", lambda: peers.TorchVGG(weights, content, style))
    else:
        result["skipped"]["c: PyTorch (hand-built VGG-19)"] = reason

    a = pipelines["a: TF tutorial (Keras, tf.function)"]
    ours_adam = pipelines["ours: nst.stylize, Adam"]
    peer_loss, our_loss = a.first_loss, ours_adam.last.losses["total"]
    result["loss_check"] = {
        "peer_a": peer_loss,
        "ours": our_loss,
        "relative_difference": abs(peer_loss - our_loss) / max(abs(peer_loss), 1e-30),
    }

    def one_step(name, pipeline):
        record = result["variants"][name]
        if isinstance(pipeline, ours.OursRun):
            measured = pipeline.step()
            seconds = measured["seconds"]
            record["evaluations"].append(measured.get("evaluations", 1))
            record["eval_s"].append(measured.get("eval_seconds", float("nan")))
        else:
            start = time.perf_counter()
            pipeline.step()
            seconds = time.perf_counter() - start
        return seconds

    for _ in range(warmup):
        for name, pipeline in pipelines.items():
            one_step(name, pipeline)
    for record in result["variants"].values():
        record["evaluations"].clear()
        record["eval_s"].clear()
    probe = flops.matmul_probe(matmul_n, calls=1 if matmul_n < 1024 else 5)
    result["matmul"] = []
    for r in range(rounds):
        for name, pipeline in pipelines.items():
            result["variants"][name]["steps"].append(one_step(name, pipeline))
        result["matmul"].append(probe())
        log(f"  {h}x{w} round {r + 1}/{rounds}: " + ", ".join(
            f"{name.split(':')[0]} {v['steps'][-1] * 1e3:.0f} ms"
            for name, v in result["variants"].items()))  # fmt: skip
    for pipeline in pipelines.values():
        if isinstance(pipeline, ours.OursRun):
            pipeline.close()
    pipelines.clear()
    gc.collect()
    return result
