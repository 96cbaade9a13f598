"""Streaming a response body to a file, with a deadline, a minimum speed and a live progress bar.

`vgg_mat.download` opens the connection and checks the file; this module moves the bytes:

- `Pace` holds the limits of one download: an overall deadline (none by default) and a minimum
  average speed (`DEFAULT_MIN_SPEED` over `DEFAULT_SPEED_WINDOW` seconds), so that a server
  that trickles a byte every half second (each byte restarting the per-read timeout) is given
  up with a clear message instead of running for ever;
- `stream_to_file` appends the body to the ``.part`` file as the bytes arrive (``read1``: no
  waiting for a full MiB), checks the pace after every read, and redraws the progress bar at
  least once a second, also while nothing arrives.

Errors are `DownloadError` (a `RuntimeError`): one line, what went wrong and what to do.
"""

from __future__ import annotations

import http.client
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from vgg_mat.integrity import CHUNK_BYTES

__all__ = [
    "DEFAULT_MIN_SPEED",
    "DEFAULT_SPEED_WINDOW",
    "DownloadError",
    "Pace",
    "stream_to_file",
]

#: Default minimum average speed, bytes per second (10 KiB/s: the 535 MB file in 15 hours).
DEFAULT_MIN_SPEED = 10 * 1024

#: Default length, in seconds, of the window over which the speed is averaged.
DEFAULT_SPEED_WINDOW = 30.0

#: The progress bar is redrawn at least this often, in seconds.
REFRESH_SECONDS = 1.0


class DownloadError(RuntimeError):
    """A download that failed: one line with what went wrong and what to do."""


class Pace:
    """The time limits of one download: an overall deadline and a minimum average speed.

    Parameters
    ----------
    deadline : float or None
        Seconds the whole download may take (connecting, resuming, streaming); None: no limit.
    min_speed : float or None
        Bytes per second, averaged over each `window` seconds of streaming; below it the
        download stops (the ``.part`` file is kept to resume). None or 0: no minimum.
    window : float
        Seconds over which the speed is averaged (> 0).
    clock : callable
        Seconds, monotonic (`time.monotonic`; tests may pass another).

    Examples
    --------
    >>> pace = Pace(deadline=None, min_speed=1000, window=10, clock=lambda: 0.0)
    >>> pace.socket_timeout(60.0)
    60.0
    """

    def __init__(
        self,
        deadline: float | None = None,
        min_speed: float | None = DEFAULT_MIN_SPEED,
        window: float = DEFAULT_SPEED_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ):
        for name, value in (("deadline", deadline), ("min_speed", min_speed)):
            if value is not None and not value >= 0:
                raise ValueError(f"download({name}={value!r}): must be >= 0 or None")
        if not window > 0:
            raise ValueError(f"download(speed_window={window!r}): must be > 0 seconds")
        self.deadline = deadline or None
        self.min_speed = min_speed or None
        self.window = float(window)
        self.clock = clock
        self.started = clock()
        self._window_start = self.started
        self._window_bytes = 0

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None without one)."""
        return None if self.deadline is None else self.deadline - (self.clock() - self.started)

    def socket_timeout(self, timeout: float) -> float:
        """The per-read timeout to use: `timeout`, or less when the deadline is nearer."""
        left = self.remaining()
        return timeout if left is None else max(0.01, min(timeout, left))

    def start_streaming(self, received: int) -> None:
        """Begin a speed window at `received` bytes (when the body starts to arrive)."""
        self._window_start = self.clock()
        self._window_bytes = received

    def check(self, received: int, total: int | None, part: Path) -> None:
        """Raise `DownloadError` if the deadline has passed or the last window was too slow."""
        now = self.clock()
        of_total = f"{received:,}" + ("" if total is None else f" of {total:,}")
        if self.deadline is not None and now - self.started > self.deadline:
            raise DownloadError(
                f"download stopped: not finished within the deadline of {self.deadline:g} s "
                f"({of_total} bytes, kept in {part}); run the same command again to resume, or "
                "allow more time with --deadline"
            )
        elapsed = now - self._window_start
        if self.min_speed is None or elapsed < self.window:
            return
        speed = (received - self._window_bytes) / elapsed
        if speed < self.min_speed:
            raise DownloadError(
                f"download stopped: {speed / 1024:.2f} KiB/s over the last {elapsed:.0f} s, below "
                f"the minimum of {self.min_speed / 1024:g} KiB/s ({of_total} bytes, kept in "
                f"{part}); run the same command later to resume, use a mirror with --url, or "
                "lower --min-speed (0 turns the check off)"
            )
        self._window_start, self._window_bytes = now, received


def _refresh_every(bar, seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        bar.refresh()


def stream_to_file(
    response, first: bytes, part: Path, mode: str, start: int, total, progress: bool, pace: Pace
) -> int:
    """Append the response body to `part` (after `first`); return the bytes now in the file.

    Reads with ``read1`` (whatever has arrived, up to `CHUNK_BYTES`), checks `pace` after each
    read, and keeps a tqdm bar on stderr redrawn at least every `REFRESH_SECONDS`.
    """
    from tqdm.auto import tqdm

    received = start
    bar = tqdm(
        total=total,
        initial=start,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=part.name.removesuffix(".part"),
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
        miniters=1,
        mininterval=0.2,
    )
    stop = threading.Event()
    if progress:
        threading.Thread(
            target=_refresh_every, args=(bar, REFRESH_SECONDS, stop), daemon=True
        ).start()
    try:
        with open(part, mode) as out:
            block = first
            while block:
                try:
                    out.write(block)
                except OSError as error:  # ENOSPC (disk full), EIO, ...
                    raise DownloadError(
                        f"download failed while writing {part}: {error}; free some disk space "
                        "or choose another --dest, then run again to resume"
                    ) from None
                received += len(block)
                bar.update(len(block))
                pace.check(received, total, part)
                try:
                    block = response.read1(CHUNK_BYTES)
                except (OSError, http.client.HTTPException) as error:
                    raise DownloadError(
                        f"download interrupted after {received:,} bytes ({error or 'timeout'}); "
                        f"run the same command again to resume (kept {part})"
                    ) from None
    except OSError as error:  # opening the .part file
        raise DownloadError(f"cannot write {part}: {error}; choose another --dest") from None
    finally:
        stop.set()
        bar.close()
    return received
