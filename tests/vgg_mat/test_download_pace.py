"""Downloads from a server that trickles: deadline, minimum speed, live progress (issue 16, 10).

A local http.server on 127.0.0.1 sends `size` bytes in pieces of `step` bytes every `interval`
seconds, and gives up by itself after a few seconds, so no test can hang.
"""

from __future__ import annotations

import hashlib
import http.server
import re
import threading
import time

import pytest

from vgg_mat.download import DownloadError, download
from vgg_mat.transfer import Pace

GIVE_UP_AFTER = 8.0  # seconds: the server stops trickling (closes) after this


class Trickle:
    def __init__(self, size: int, step: int, interval: float):
        self.body = bytes(i % 251 for i in range(size))
        self.md5 = hashlib.md5(self.body).hexdigest()
        self.stop = threading.Event()
        trickle = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                started = time.monotonic()
                try:
                    for offset in range(0, size, step):
                        if offset and trickle.stop.wait(interval):
                            return
                        if time.monotonic() - started > GIVE_UP_AFTER:
                            return
                        self.wfile.write(trickle.body[offset : offset + step])
                        self.wfile.flush()
                except OSError:  # the client gave up
                    pass
                self.close_connection = True

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/w.mat"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def trickle():
    servers = []

    def make(size=100_000, step=1, interval=0.05):
        servers.append(Trickle(size, step, interval))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv("VGG_MAT_URL", raising=False)
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path / "home"))


def test_a_trickle_below_the_minimum_speed_stops(trickle, tmp_path):
    server = trickle()  # 20 bytes/s
    dest = tmp_path / "w.mat"
    began = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download(
            url=server.url, dest=dest, md5=server.md5, size=None, progress=False, timeout=5,
            min_speed=1024, speed_window=0.5,
        )  # fmt: skip
    assert time.monotonic() - began < 3
    message = str(info.value)
    assert "\n" not in message
    for phrase in ("below the minimum of 1 KiB/s", "kept in", "--min-speed", "resume"):
        assert phrase in message, (phrase, message)
    assert (tmp_path / "w.mat.part").exists() and not dest.exists()  # resumable, nothing final


def test_the_deadline_stops_a_download_that_keeps_moving(trickle, tmp_path):
    server = trickle(step=200)  # 4 KB/s: above a 1 KiB/s minimum, never done in time
    began = time.monotonic()
    with pytest.raises(DownloadError, match=r"within the deadline of 0.6 s .*--deadline"):
        download(
            url=server.url, dest=tmp_path / "w.mat", md5=server.md5, size=None, progress=False,
            timeout=5, deadline=0.6, min_speed=1024, speed_window=0.2,
        )  # fmt: skip
    assert time.monotonic() - began < 3


def test_a_slow_but_steady_download_within_the_limits_completes(trickle, tmp_path):
    server = trickle(size=3000, step=300, interval=0.05)
    path = download(
        url=server.url, dest=tmp_path / "w.mat", md5=server.md5, size=3000, progress=False,
        deadline=5, min_speed=1024, speed_window=0.2,
    )  # fmt: skip
    assert path.read_bytes() == server.body


def test_the_progress_bar_moves_as_bytes_arrive(trickle, tmp_path, capsys):
    """Was: one update per MiB read (here: one at the end). Now at least one per second."""
    server = trickle(size=1000, step=100, interval=0.25)
    download(url=server.url, dest=tmp_path / "w.mat", md5=server.md5, size=1000, min_speed=0)
    err = capsys.readouterr().err
    shown = {int(n) for n in re.findall(r"\| (\d+)/0\.98k", err)}  # "| 300/0.98k [00:00<..."
    assert len(shown - {0, 1000}) >= 4, err


def test_bad_limits_are_refused_before_any_request(tmp_path):
    for kwargs, name in (({"deadline": -1}, "deadline"), ({"speed_window": 0}, "speed_window")):
        with pytest.raises(ValueError, match=name):
            download(url="http://127.0.0.1:9/none", dest=tmp_path / "w.mat", **kwargs)


def test_pace_with_a_fake_clock(tmp_path):
    now = [0.0]
    pace = Pace(deadline=None, min_speed=100, window=10, clock=lambda: now[0])
    pace.start_streaming(0)
    now[0] = 5.0
    pace.check(10, None, tmp_path / "p")  # window not over yet
    now[0] = 10.0
    pace.check(1000, None, tmp_path / "p")  # 100 B/s: fine, a new window starts
    now[0] = 20.0
    with pytest.raises(DownloadError, match="over the last 10 s"):
        pace.check(1500, None, tmp_path / "p")  # 50 B/s


def test_cli_flags(trickle, tmp_path, capsys, monkeypatch):
    from vgg_mat import cli
    from vgg_mat.cli import main

    server = trickle(step=200)
    monkeypatch.setattr(cli, "OFFICIAL_MD5", server.md5)  # the command checks the official file
    monkeypatch.setattr(cli, "OFFICIAL_SIZE", len(server.body))
    args = ["download", "--dest", str(tmp_path), "--url", server.url, "--no-progress"]
    began = time.monotonic()
    assert main([*args, "--deadline", "1", "--min-speed", "0"]) == 2
    assert time.monotonic() - began < 4
    out, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and "deadline of 1 s" in err
    assert main([*args, "--deadline", "0"]) == 2
    assert "--deadline" in capsys.readouterr().err
    assert main([*args, "--min-speed", "-1"]) == 2
    assert "--min-speed" in capsys.readouterr().err
