"""vgg_mat.download against a local http.server on 127.0.0.1 (never the real network)."""

from __future__ import annotations

import hashlib
import http.server
import importlib
import ssl
import threading
import urllib.error
from pathlib import Path

import pytest

from vgg_mat.download import (
    DownloadError,
    WeightsNotFoundError,
    download,
    find_weights,
)

# the module, not the function `vgg_mat.download` that the package exports under the same name
dl = importlib.import_module("vgg_mat.download")

PAYLOAD = b"MATLAB 5.0 MAT-file, fake payload " + bytes(range(256)) * 600  # ~150 KB
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()
HTML = b"<!DOCTYPE html><html><body>404 Not Found</body></html>"


class Server:
    """A tiny HTTP server with switchable misbehaviour; records every request's headers."""

    def __init__(self):
        self.requests: list[dict] = []
        self.drop_first_at: int | None = None  # send only this many bytes on the first GET
        self.ignore_range = False
        self.payload = PAYLOAD
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                server.requests.append({"path": self.path, **dict(self.headers)})
                if self.path == "/missing.mat":
                    self.send_error(404, "Not Found")
                    return
                if self.path == "/page.mat":  # an HTML page served instead of the file
                    self._send(200, HTML, "text/html; charset=utf-8")
                    return
                if self.path == "/html-as-binary.mat":  # HTML with a misleading type
                    self._send(200, HTML, "application/octet-stream")
                    return
                data, status, extra = server.payload, 200, {}
                rng = self.headers.get("Range")
                if rng and not server.ignore_range:
                    start = int(rng.removeprefix("bytes=").split("-")[0])
                    extra["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                    data, status = data[start:], 206
                body = data
                if server.drop_first_at is not None and len(server.requests) == 1:
                    body = data[: server.drop_first_at]  # promise all, send part, hang up
                self._send(status, body, "application/octet-stream", len(data), extra)
                if body is not data:
                    self.close_connection = True

            def _send(self, status, body, ctype, length=None, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for var in ("VGG19_MAT", "VGG_MAT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path / "home"))


def get(server, dest, path="/file.mat", **kw):
    kw.setdefault("md5", PAYLOAD_MD5)
    kw.setdefault("size", len(PAYLOAD))
    return download(url=server.url + path, dest=dest, progress=False, timeout=10, **kw)


def test_full_download(server, tmp_path):
    dest = tmp_path / "w.mat"
    assert get(server, dest) == dest
    assert dest.read_bytes() == PAYLOAD
    assert not (tmp_path / "w.mat.part").exists()
    assert "Range" not in server.requests[0]
    # a second call finds the verified file and does not touch the network
    assert get(server, dest) == dest
    assert len(server.requests) == 1


def test_resumed_download_sends_range(server, tmp_path):
    dest = tmp_path / "w.mat"
    half = len(PAYLOAD) // 2
    server.drop_first_at = half
    with pytest.raises(DownloadError, match=r"interrupted.*run the same command again to resume"):
        get(server, dest)
    assert not dest.exists()
    assert (tmp_path / "w.mat.part").stat().st_size == half
    assert get(server, dest) == dest
    assert server.requests[1]["Range"] == f"bytes={half}-"
    assert dest.read_bytes() == PAYLOAD
    assert not (tmp_path / "w.mat.part").exists()


def test_server_ignoring_range_restarts_from_zero(server, tmp_path):
    dest = tmp_path / "w.mat"
    (tmp_path / "w.mat.part").write_bytes(b"garbage that is not a prefix")
    server.ignore_range = True
    assert get(server, dest) == dest
    assert server.requests[0]["Range"] == "bytes=28-"
    assert dest.read_bytes() == PAYLOAD


def test_checksum_mismatch_keeps_nothing(server, tmp_path):
    dest = tmp_path / "w.mat"
    with pytest.raises(DownloadError, match=r"corrupt: its MD5 is [0-9a-f]{32}, expected 0{32}"):
        get(server, dest, md5="0" * 32)
    assert not dest.exists()
    assert not (tmp_path / "w.mat.part").exists()


def test_size_mismatch_is_caught_before_writing(server, tmp_path):
    dest = tmp_path / "w.mat"
    with pytest.raises(DownloadError, match="not the expected file"):
        get(server, dest, size=len(PAYLOAD) + 1)
    assert not dest.exists()


def test_http_404(server, tmp_path):
    with pytest.raises(DownloadError, match=r"HTTP 404 Not Found for http://127.0.0.1:\d+/missing"):
        get(server, tmp_path / "w.mat", path="/missing.mat")
    assert not (tmp_path / "w.mat").exists()


@pytest.mark.parametrize("path", ["/page.mat", "/html-as-binary.mat"])
def test_html_page_instead_of_the_file(server, tmp_path, path):
    with pytest.raises(DownloadError, match="returned an HTML page, not the .mat file"):
        get(server, tmp_path / "w.mat", path=path, size=None)
    assert not (tmp_path / "w.mat").exists()


def test_no_network_is_a_clear_error(tmp_path):
    # a port nothing listens on: bind one, close it, then connect
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match=r"cannot reach http://127.0.0.1.*check the network"):
        download(url=f"http://127.0.0.1:{port}/w.mat", dest=tmp_path / "w.mat", progress=False)


def test_default_destination_is_vgg_mat_home(server, tmp_path):
    path = download(url=server.url + "/file.mat", md5=PAYLOAD_MD5, size=None, progress=False)
    assert path == tmp_path / "home" / "imagenet-vgg-verydeep-19.mat"
    assert path.read_bytes() == PAYLOAD


def test_vgg_mat_url_env_points_at_a_mirror(server, tmp_path, monkeypatch):
    monkeypatch.setenv("VGG_MAT_URL", server.url + "/file.mat")
    path = download(dest=tmp_path, md5=PAYLOAD_MD5, size=len(PAYLOAD), progress=False)
    assert path == tmp_path / "imagenet-vgg-verydeep-19.mat"
    assert server.requests[0]["path"] == "/file.mat"
    monkeypatch.setenv("VGG_MAT_URL", server.url + "/file.mat")
    with pytest.raises(DownloadError, match="MD5"):  # a mirror is only accepted by its MD5
        download(dest=tmp_path / "other.mat", md5="1" * 32, size=None, progress=False)


def test_existing_wrong_file_is_never_overwritten(server, tmp_path):
    dest = tmp_path / "w.mat"
    dest.write_bytes(b"something else")
    with pytest.raises(DownloadError, match="already exists but its size is 14 bytes"):
        get(server, dest)
    assert dest.read_bytes() == b"something else"
    assert server.requests == []


def test_https_certificate_failure_falls_back_to_http(server, tmp_path, monkeypatch, capsys):
    real_urlopen = dl.urllib.request.urlopen

    def urlopen(request, timeout):
        if request.full_url.startswith("https://"):
            raise urllib.error.URLError(ssl.SSLCertVerificationError(1, "certificate has expired"))
        return real_urlopen(request, timeout=timeout)

    monkeypatch.setattr(dl.urllib.request, "urlopen", urlopen)
    https_url = server.url.replace("http://", "https://") + "/file.mat"
    path = download(
        url=https_url, dest=tmp_path / "w.mat", md5=PAYLOAD_MD5, size=None, progress=False
    )
    assert path.read_bytes() == PAYLOAD
    assert "certificate check failed" in capsys.readouterr().err


def test_disk_full_is_a_clear_error(server, tmp_path, monkeypatch):
    class Usage:
        free = 10

    monkeypatch.setattr(dl.shutil, "disk_usage", lambda path: Usage)
    with pytest.raises(DownloadError, match="not enough disk space.*need 153,\\d+ bytes, 10 free"):
        get(server, tmp_path / "w.mat")


def test_write_error_is_a_clear_error(server, tmp_path, monkeypatch):
    import builtins

    real_open = builtins.open

    class Full:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, block):
            raise OSError(28, "No space left on device")

    def fake_open(path, mode="r", *args, **kw):
        f = real_open(path, mode, *args, **kw)
        return Full(f) if str(path).endswith(".part") and "b" in mode and "r" not in mode else f

    monkeypatch.setattr(builtins, "open", fake_open)
    with pytest.raises(DownloadError, match="No space left on device.*free some disk space"):
        get(server, tmp_path / "w.mat")


def test_progress_bar_goes_to_stderr(server, tmp_path, capsys):
    download(url=server.url + "/file.mat", dest=tmp_path / "w.mat", md5=PAYLOAD_MD5, size=None)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "imagenet" not in captured.err and "w.mat" in captured.err
    assert "B/s" in captured.err or "it/s" in captured.err or "kB" in captured.err


# ---------------------------------------------------------------------------------------------
# find_weights


def test_find_weights_order(tmp_path, monkeypatch):
    explicit, env, cached = (tmp_path / n for n in ("explicit.mat", "env.mat", "home"))
    cached.mkdir()
    cache_file = cached / "imagenet-vgg-verydeep-19.mat"
    for f in (explicit, env, cache_file):
        f.write_bytes(b"x")
    monkeypatch.setenv("VGG_MAT_HOME", str(cached))
    assert find_weights() == cache_file
    monkeypatch.setenv("VGG19_MAT", str(env))
    assert find_weights() == env
    assert find_weights(explicit) == explicit
    assert find_weights(str(explicit)) == explicit


def test_find_weights_explicit_missing_path_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("VGG19_MAT", str(tmp_path))  # would exist as a dir, but no fallback
    missing = tmp_path / "nope.mat"
    with pytest.raises(WeightsNotFoundError, match=f"{missing}: no such weights file"):
        find_weights(missing)


def test_find_weights_bad_env_var_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("VGG19_MAT", str(tmp_path / "gone.mat"))
    with pytest.raises(WeightsNotFoundError, match="gone.mat.*VGG19_MAT environment variable"):
        find_weights()


def test_find_weights_nothing_found_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        find_weights()
    message = str(info.value)
    assert "\n" not in message
    for needed in (
        "vgg-mat download",
        dl.OFFICIAL_URL,
        "534,904,783 bytes",
        dl.OFFICIAL_MD5,
        "vgg-mat synthetic",
        "--weights synthetic",
        "VGG19_MAT",
        str(Path(tmp_path / "home" / "imagenet-vgg-verydeep-19.mat")),
    ):
        assert needed in message, needed


# ---------------------------------------------------------------------------------------------
# the command line


def test_cli_download_saves_and_reports(server, tmp_path, capsys, monkeypatch):
    from vgg_mat import cli
    from vgg_mat.cli import main

    # the command checks against the module's official size and MD5: point them at the payload
    monkeypatch.setattr(cli, "OFFICIAL_MD5", PAYLOAD_MD5)
    monkeypatch.setattr(cli, "OFFICIAL_SIZE", len(PAYLOAD))
    args = ["download", "--dest", str(tmp_path), "--url", server.url + "/file.mat"]
    assert main(args + ["--no-progress"]) == 0
    out, err = capsys.readouterr()
    dest = tmp_path / "imagenet-vgg-verydeep-19.mat"
    assert out.strip() == f"{dest} ({len(PAYLOAD):,} bytes, size and MD5 verified)"
    assert dest.read_bytes() == PAYLOAD


def test_cli_download_wrong_file_is_one_line_exit_2(server, tmp_path, capsys):
    from vgg_mat.cli import main

    dest = tmp_path / "w.mat"
    status = main(["download", "--dest", str(dest), "--url", server.url + "/file.mat"])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("vgg-mat download: error: ") and len(err.strip().splitlines()) == 1
    assert f"offers {len(PAYLOAD):,} bytes but the weights file has 534,904,783" in err
    assert not dest.exists()


@pytest.mark.parametrize(
    "path, message", [("/missing.mat", "HTTP 404"), ("/page.mat", "returned an HTML page")]
)
def test_cli_download_errors_are_one_line_exit_2(server, tmp_path, capsys, path, message):
    from vgg_mat.cli import main

    status = main(["download", "--dest", str(tmp_path), "--url", server.url + path])
    out, err = capsys.readouterr()
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert message in err
