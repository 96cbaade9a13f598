"""Sweeps and batches on a Dask cluster: a local one of two workers on 127.0.0.1 (threads of
this process, so no second TensorFlow start-up) gives the same images as the in-process run."""

from __future__ import annotations

import json
import signal

import numpy as np
import pytest

from nst.batches import batch
from nst.cli import main
from nst.config import StylizeConfig
from nst.sweeps import sweep

distributed = pytest.importorskip(
    "distributed", reason="Dask's distributed is not installed: pip install -e '.[dev]'"
)


@pytest.fixture(autouse=True)
def time_limit():
    """Fail a test that takes over 180 s instead of hanging the suite (a stuck cluster)."""

    def expire(signum, frame):
        raise TimeoutError("a distributed test ran for over 180 s: the cluster is stuck")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(180)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def client():
    from nst.distributed import connect

    # memory_limit 0: no memory monitor (its "process" would be this whole test process)
    client = connect(workers=2, processes=False, memory_limit=0)
    yield client
    client.close()
    client.cluster.close()


def test_a_sweep_on_two_workers_equals_the_local_one(client, tiny_weights, content32, style32):
    grid = {"style_layers": (("relu1_1",), ("relu1_1", "relu2_1"))}
    config = StylizeConfig(iterations=2, optimizer="adam", init="content+noise", seed=3)
    local = {c.index: r for c, r in sweep(content32, style32, weights=tiny_weights, grid=grid,
                                          config=config)}  # fmt: skip
    steps = []
    remote = {c.index: r for c, r in sweep(content32, style32, weights=tiny_weights, grid=grid,
                                           config=config, client=client,
                                           on_step=steps.append)}  # fmt: skip
    assert sorted(remote) == [0, 1]
    assert sum(steps) == 2 * 2  # every iteration reported back
    for k, result in local.items():
        np.testing.assert_array_equal(remote[k].image, result.image)
        assert remote[k].metrics["metrics"] == result.metrics["metrics"]
    workers = client.run(lambda: 1)
    assert len(workers) == 2


def test_a_batch_on_two_workers_equals_the_local_one(client, tmp_path, tiny_weights,
                                                     write_smooth_image, style32):  # fmt: skip
    photos = [write_smooth_image(tmp_path / f"p{k}.png", (32, 36), k) for k in range(2)]
    (tmp_path / "bad.png").write_bytes(b"not an image")
    photos.append(tmp_path / "bad.png")
    config = StylizeConfig(iterations=2, optimizer="adam")
    local = dict(batch(photos, style32, weights=tiny_weights, config=config))
    remote = dict(batch(photos, style32, weights=tiny_weights, config=config, client=client))
    assert sorted(remote) == [0, 1, 2]
    assert isinstance(remote[2], ValueError) and isinstance(local[2], ValueError)
    for k in range(2):
        np.testing.assert_array_equal(remote[k].image, local[k].image)
    with pytest.raises(ValueError, match="cannot be spread"):
        next(batch(photos, style32, weights=tiny_weights, init_previous=True, client=client))


def test_cli_sweep_with_scheduler(client, tmp_path, write_smooth_image, synthetic_2016_path):
    (tmp_path / "in").mkdir()
    content = write_smooth_image(tmp_path / "in" / "c.png", (32, 32), 0)
    style = write_smooth_image(tmp_path / "in" / "s.png", (32, 32), 1)
    argv = ["sweep", str(content), str(style), "--iterations", "2", "--optimizer", "adam",
            "--style-weight", "1e2,1e4", "--weights", str(synthetic_2016_path), "--quiet",
            "--scheduler", client.scheduler.address, "-o", str(tmp_path / "out")]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert [c["status"] for c in summary["cells"]] == ["completed", "completed"]


def test_a_cluster_without_workers_is_given_up_after_the_timeout(monkeypatch):
    import nst.distributed as cluster

    class Empty:
        def scheduler_info(self):
            return {"workers": {}}

    class Busy:
        def scheduler_info(self):
            return {"workers": {"tcp://127.0.0.1:1": {}}}

    assert cluster.check_workers(Busy(), 123.0) is None  # workers back: the clock resets
    first = cluster.check_workers(Empty(), None)  # first seen alone: remembered
    assert cluster.check_workers(Empty(), first) == first  # still within the timeout
    monkeypatch.setattr(cluster, "NO_WORKER_TIMEOUT_S", 0.0)
    with pytest.raises(RuntimeError, match="no worker"):
        cluster.check_workers(Empty(), first - 1.0)
