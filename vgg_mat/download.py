"""Fetch and locate the real weights file: `download`, `find_weights`.

`download` streams ``imagenet-vgg-verydeep-19.mat`` (`OFFICIAL_SIZE` bytes) with the standard
library's HTTP client into ``<dest>.part``, shows a progress bar, resumes a partial file with an
HTTP ``Range`` request, checks the size and MD5, and only then renames the file into place: a
partial or corrupt download never sits under the final name. An optional deadline and a minimum
average speed stop a download that would never end (`vgg_mat.transfer`, which moves the bytes).

`find_weights` looks for a file in the order every command uses: an explicit path, then the
``VGG19_MAT`` environment variable, then the cache (``$VGG_MAT_HOME`` or ``~/.cache/vgg_mat/``).

The official URL, size and MD5 and the MD5 routine are `vgg_mat.integrity`'s; the
``vgg-mat download`` subcommand is in `vgg_mat.cli`.

Errors are `DownloadError` (a `RuntimeError`) and `WeightsNotFoundError` (a `FileNotFoundError`),
each a single line saying what went wrong and what to do.
"""

from __future__ import annotations

import http.client
import os
import shutil
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path

from vgg_mat.cache import cache_dir
from vgg_mat.integrity import (
    CHUNK_BYTES,
    FILE_NAME,
    OFFICIAL_MD5,
    OFFICIAL_SIZE,
    OFFICIAL_URL,
    file_md5,
)
from vgg_mat.transfer import (
    DEFAULT_MIN_SPEED,
    DEFAULT_SPEED_WINDOW,
    DownloadError,
    Pace,
    stream_to_file,
)

#: The MD5 routine and the read size under their old names here (`vgg_mat.integrity`'s).
md5sum = file_md5
CHUNK = CHUNK_BYTES

__all__ = [
    "OFFICIAL_URL",
    "OFFICIAL_MD5",
    "OFFICIAL_SIZE",
    "DownloadError",
    "WeightsNotFoundError",
    "cache_dir",
    "default_path",
    "download",
    "find_weights",
    "how_to_get_weights",
    "md5sum",
]


class WeightsNotFoundError(FileNotFoundError):
    """No weights file at the explicit path, ``$VGG19_MAT`` or the cache; says how to get one."""


def default_path() -> Path:
    """Where `download` puts the file by default: ``cache_dir() / FILE_NAME``."""
    return cache_dir() / FILE_NAME


def how_to_get_weights() -> str:
    """The advice every 'no weights' message ends with."""
    return (
        f"get the real file with `vgg-mat download` (saves {default_path()}), or download "
        f"{OFFICIAL_URL} ({OFFICIAL_SIZE:,} bytes, MD5 {OFFICIAL_MD5}) yourself and set "
        "VGG19_MAT=/path/to/it or pass --weights PATH; for an offline stand-in with random "
        "weights use `vgg-mat synthetic OUT.mat` or --weights synthetic"
    )


def find_weights(path: str | os.PathLike | None = None) -> Path:
    """Locate a weights file: explicit `path`, then ``$VGG19_MAT``, then the cache.

    Parameters
    ----------
    path : path-like, optional
        A file the caller named. When given it must exist: there is no silent fallback.

    Returns
    -------
    Path
        An existing file (not checked for content; `vgg_mat.load` does that).

    Raises
    ------
    WeightsNotFoundError
        (a `FileNotFoundError`) when the named path or ``$VGG19_MAT`` does not exist, or when
        neither is given and the cache holds no file. The message says how to get one.
    """
    if path is not None:
        candidate = Path(path).expanduser()
        if not candidate.is_file():
            raise WeightsNotFoundError(
                f"{candidate}: no such weights file (named explicitly); {how_to_get_weights()}"
            )
        return candidate
    env = os.environ.get("VGG19_MAT")
    if env:
        candidate = Path(env).expanduser()
        if not candidate.is_file():
            raise WeightsNotFoundError(
                f"{candidate}: no such weights file (from the VGG19_MAT environment variable); "
                f"fix or unset VGG19_MAT; {how_to_get_weights()}"
            )
        return candidate
    cached = default_path()
    if cached.is_file():
        return cached
    raise WeightsNotFoundError(
        f"no VGG-19 weights file found (no path given, VGG19_MAT not set, nothing at {cached}); "
        f"{how_to_get_weights()}"
    )


def _open(url: str, start: int, timeout: float):
    """GET `url` (asking for bytes from `start` on when > 0); https falls back to http."""
    headers = {"User-Agent": "vgg-mat (python urllib)"}
    if start > 0:
        headers["Range"] = f"bytes={start}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=timeout), url
    except urllib.error.URLError as error:
        reason = getattr(error, "reason", None)
        if url.startswith("https://") and isinstance(reason, ssl.SSLCertVerificationError):
            # vlfeat.org's certificate expired in Dec 2022; the file is trusted by size + MD5.
            fallback = "http://" + url[len("https://") :]
            print(
                f"vgg-mat: certificate check failed for {url} ({reason}); "
                f"trying {fallback} (the file is verified by size and MD5)",
                file=sys.stderr,
            )
            return _open(fallback, start, timeout)
        raise


def _http_error_message(error: urllib.error.HTTPError, url: str) -> str:
    advice = (
        "check the URL (--url / VGG_MAT_URL)"
        if url != OFFICIAL_URL
        else f"the official URL may have moved; look for a mirror and pass it with --url "
        f"(accepted only if its MD5 is {OFFICIAL_MD5})"
    )
    return f"download failed: HTTP {error.code} {error.reason} for {url}; {advice}"


def _check_not_html(response, first: bytes, url: str) -> None:
    content_type = response.headers.get("Content-Type", "") or ""
    if "text/html" in content_type.lower() or first.lstrip()[:1] == b"<":
        raise DownloadError(
            f"download failed: {url} returned an HTML page, not the .mat file "
            f"(Content-Type {content_type or 'unknown'}); the URL is wrong or the site shows an "
            "error page: check the URL in a browser or use another mirror with --url"
        )


def download(
    *,
    url: str | None = None,
    dest: str | os.PathLike | None = None,
    md5: str | None = OFFICIAL_MD5,
    size: int | None = OFFICIAL_SIZE,
    progress: bool = True,
    timeout: float = 60.0,
    deadline: float | None = None,
    min_speed: float | None = DEFAULT_MIN_SPEED,
    speed_window: float = DEFAULT_SPEED_WINDOW,
) -> Path:
    """Download the weights file, resumably, and verify it before it gets its final name.

    Parameters
    ----------
    url : str, optional
        Where to get it. Default: ``$VGG_MAT_URL`` if set (a mirror), else `OFFICIAL_URL`.
        An ``https://`` URL whose certificate fails verification is retried over ``http://``.
    dest : path-like, optional
        The final file (or an existing directory to put ``imagenet-vgg-verydeep-19.mat`` in).
        Default: ``$VGG_MAT_HOME/imagenet-vgg-verydeep-19.mat`` or
        ``~/.cache/vgg_mat/imagenet-vgg-verydeep-19.mat``.
    md5 : str or None, default `OFFICIAL_MD5`
        Expected hex MD5; None skips the check (not recommended).
    size : int or None, default `OFFICIAL_SIZE`
        Expected size in bytes; None skips the check.
    progress : bool, default True
        Show a progress bar (tqdm, on stderr) with bytes and speed.
    timeout : float, default 60
        Seconds to wait for the server to connect or send data.
    deadline : float or None, default None
        Seconds the whole download may take; None: no limit (``vgg-mat download --deadline``).
    min_speed : float or None, default `DEFAULT_MIN_SPEED` (10 KiB/s)
        Bytes per second, averaged over each `speed_window` seconds; a slower download stops
        (the ``.part`` file is kept: run again to resume). None or 0: no minimum
        (``vgg-mat download --min-speed KIB``).
    speed_window : float, default `DEFAULT_SPEED_WINDOW` (30 s)
        Seconds over which the speed is averaged.

    Returns
    -------
    Path
        The verified file. If it is already there and verifies, nothing is downloaded.

    Raises
    ------
    DownloadError
        No network, an HTTP error (404, ...), the deadline passed or a speed below the
        minimum (`vgg_mat.transfer.Pace`), an HTML page instead of the file, a connection
        lost half way (the ``.part`` file is kept: run again to resume), a size or MD5 mismatch
        (the ``.part`` file is deleted), a full disk, or a file already at `dest` that does not
        verify (never overwritten).

    Notes
    -----
    Bytes go to ``<dest>.part``. If it already holds ``n`` bytes the request carries
    ``Range: bytes=n-``; a ``206 Partial Content`` answer is appended, a ``200`` answer (a server
    that ignores Range) restarts from byte 0. The file is accepted when ``len == size`` and
    ``md5(file) == md5``, and only then ``os.replace``-d onto `dest`.
    """
    pace = Pace(deadline, min_speed, speed_window)  # the clock starts now; bad limits: ValueError
    url = url or os.environ.get("VGG_MAT_URL") or OFFICIAL_URL
    dest = Path(dest).expanduser() if dest is not None else default_path()
    if dest.is_dir():
        dest = dest / FILE_NAME
    md5 = md5.lower() if md5 else None

    if dest.exists():
        problem = _verify(dest, md5, size)
        if problem is None:
            return dest
        raise DownloadError(
            f"{dest} already exists but {problem}; it is left untouched: delete it or "
            "choose another --dest, then download again"
        )
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(f"cannot create the folder {dest.parent}: {error}") from None
    part = dest.with_name(dest.name + ".part")

    _fetch(url, part, size, progress, timeout, pace)

    problem = _verify(part, md5, size)
    if problem is not None:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"download from {url} is corrupt: {problem}; the partial file was deleted and "
            f"nothing was saved as {dest}: try again, or another mirror with --url"
        )
    os.replace(part, dest)
    return dest


def _verify(path: Path, md5: str | None, size: int | None) -> str | None:
    """None if `path` has the expected size and MD5, else what is wrong."""
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        return f"its size is {actual_size:,} bytes, expected {size:,}"
    if md5 is not None:
        actual = file_md5(path)
        if actual != md5:
            return f"its MD5 is {actual}, expected {md5}"
    return None


def _fetch(
    url: str, part: Path, size: int | None, progress: bool, timeout: float, pace: Pace
) -> None:
    """Stream `url` into `part`, resuming what is there; raises DownloadError."""
    start = part.stat().st_size if part.exists() else 0
    if size is not None and start > size:
        part.unlink()  # longer than the real file: cannot be a prefix of it
        start = 0
    if size is not None and start == size:
        return  # complete already (a previous run died before verifying)
    try:
        response, url = _open(url, start, pace.socket_timeout(timeout))
    except urllib.error.HTTPError as error:
        if error.code == 416 and start > 0:
            # Range not satisfiable: the partial file is not a prefix of this one. Start over.
            part.unlink()
            return _fetch(url, part, size, progress, timeout, pace)
        raise DownloadError(_http_error_message(error, url)) from None
    except urllib.error.URLError as error:
        raise DownloadError(
            f"download failed: cannot reach {url} ({error.reason}); check the network "
            f"connection, or download the file elsewhere and set VGG19_MAT to its path"
        ) from None
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(
            f"download failed: cannot reach {url} ({error}); check the network connection"
        ) from None

    with response:
        status = getattr(response, "status", 200)
        if status == 206:
            content_range = response.headers.get("Content-Range", "")
            if not content_range.startswith(f"bytes {start}-"):
                raise DownloadError(
                    f"download failed: {url} answered the resume request with the wrong range "
                    f"({content_range!r}); delete {part} and run again"
                )
            mode = "ab"
        else:
            start, mode = 0, "wb"  # the server ignored Range (200): start over
            _check_not_html(response, b"", url)
        length = response.headers.get("Content-Length")
        total = start + int(length) if length and length.isdigit() else size
        if size is not None and total is not None and total != size:
            raise DownloadError(
                f"download failed: {url} offers {total:,} bytes but the weights file has "
                f"{size:,}; this is not the expected file: check the URL"
            )
        needed = (total or 0) - start
        free = shutil.disk_usage(part.parent).free
        if needed > free:
            raise DownloadError(
                f"not enough disk space in {part.parent}: need {needed:,} bytes, "
                f"{free:,} free; free some space or choose another --dest"
            )
        pace.start_streaming(start)
        try:
            first = response.read1(CHUNK_BYTES)
        except (OSError, http.client.HTTPException) as error:
            raise DownloadError(
                f"download failed: the connection to {url} broke ({error}); run again"
            ) from None
        if start == 0:
            _check_not_html(response, first, url)
        received = stream_to_file(response, first, part, mode, start, total, progress, pace)

    if total is not None and received < total:
        raise DownloadError(
            f"download interrupted: the connection closed after {received:,} of {total:,} bytes; "
            f"run the same command again to resume (kept {part})"
        )
