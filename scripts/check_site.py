"""Open every page of the built site in headless Chromium and fail on anything broken.

Usage::

    .venv/bin/python scripts/check_site.py                 # build/site/ (make site-check)
    .venv/bin/python scripts/check_site.py SITE --lessons 01 05 --screenshots DIR

The site is served on 127.0.0.1 (`serve`: a thread running `http.server`) and every ``.html``
page under it (MathJax's and the theme's own files aside) is opened in Debian's Chromium
(``/usr/bin/chromium``) driven by Playwright, in a new empty profile; Playwright's own
browsers are never used or downloaded. A problem is:

- a page that does not load (HTTP status, or no ``load`` event within the timeout);
- a JavaScript error: an uncaught exception, or a console message of type ``error`` (which
  includes a resource that failed to load);
- a request for anything outside the site (blocked: the site must work offline; the browser
  itself is offline too, `open_browser`);
- an image whose ``naturalWidth`` is 0 (it did not load or decode);
- an internal link (``<a href>``) to a file that does not exist, or to an ``#anchor`` that the
  target page does not have;
- a lesson (by notebook stem) without its page, or without a link to it in the index's text
  (the navigation sidebar, on every page, does not count).

Screenshots of the index and of lesson 5 (its top, and its first figure) are saved for a
person to look at (``build/site-check/`` by default). Exit status: 0 all pages good, 1 with
problems (each printed as ``PAGE: problem``), 2 when the site or the browser is missing.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Offline at the browser's level, not only for the pages' own requests (which `check_site`'s
    # Playwright route sees and reports): every host name but 127.0.0.1 resolves to nothing, and
    # whatever is not loopback goes through a proxy where nothing listens (port 9, discard).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=127.0.0.1:9",
]
#: Folders of the site whose .html files are not pages (the theme's and MathJax's assets).
NOT_PAGES = ("assets", "search")
PAGE_TIMEOUT_MS = 60_000

# Wait for every image (lazy ones made eager), then list those that did not load.
BROKEN_IMAGES_JS = """async () => {
  const images = Array.from(document.images);
  images.forEach(i => { i.loading = 'eager'; });
  await Promise.all(images.map(i => i.complete ? null :
    new Promise(done => { i.addEventListener('load', done); i.addEventListener('error', done);
                          setTimeout(done, 20000); })));
  return images.filter(i => i.naturalWidth === 0).map(i => i.getAttribute('src') || '(no src)');
}"""
LINKS_JS = "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
# The links of the page's own text (the theme's <article>), not of its navigation sidebar.
CONTENT_LINKS_JS = """() => Array.from((document.querySelector('article') || document.body)
  .querySelectorAll('a[href]')).map(a => a.href)"""
IDS_JS = """() => Array.from(document.querySelectorAll('[id], a[name]'))
  .map(e => e.id || e.getAttribute('name'))"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port) from a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def site_pages(folder: Path) -> list[str]:
    """The pages of a built site, as paths relative to it (``index.html`` first)."""
    pages = [
        p.relative_to(folder).as_posix()
        for p in sorted(folder.rglob("*.html"))
        if p.relative_to(folder).parts[0] not in NOT_PAGES
    ]
    return sorted(pages, key=lambda page: (page != "index.html", page))


def _target_file(folder: Path, base: str, url: str) -> Path | None:
    """The file an internal URL points at (a folder means its index.html); None if external."""
    if not url.startswith(base):
        return None
    path = folder / unquote(urlsplit(url).path).lstrip("/")
    return path / "index.html" if path.is_dir() else path


def _lesson_problems(folder: Path, index_links: set[str], lessons: list[str]) -> list[str]:
    problems = []
    for stem in lessons:
        page = f"lessons/{stem}.html"
        if not (folder / page).is_file():
            problems.append(f"{page}: lesson {stem} has no page")
        if page not in index_links:
            problems.append(f"index.html: lesson {stem} is missing from the index")
    return problems


def _screenshots(context, base: str, folder: Path, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "index.html", wait_until="networkidle", timeout=PAGE_TIMEOUT_MS)
    page.screenshot(path=str(into / "index.png"), full_page=True)
    for lesson in sorted(folder.glob("lessons/05_*.html"))[:1]:
        page.goto(
            base + f"lessons/{lesson.name}", wait_until="networkidle", timeout=PAGE_TIMEOUT_MS
        )
        page.screenshot(path=str(into / f"{lesson.stem}-top.png"))
        figure = page.locator(".jp-OutputArea img").first
        if figure.count():
            figure.scroll_into_view_if_needed()
            page.wait_for_timeout(1000)  # the header's title swap on scrolling
            page.screenshot(path=str(into / f"{lesson.stem}-figure.png"))
    page.close()


def open_browser(playwright, profile: str, browser: Path = CHROMIUM):
    """Headless `browser` (Chromium) in the empty profile folder `profile`, cut off from the
    network (`CHROMIUM_ARGS`) and without service workers (whose requests no route sees)."""
    return playwright.chromium.launch_persistent_context(
        profile,
        executable_path=str(browser),
        headless=True,
        args=CHROMIUM_ARGS,
        service_workers="block",
    )


def check_site(
    folder: Path,
    *,
    lessons: list[str] = (),
    screenshots: Path | None = None,
    browser: Path = CHROMIUM,
) -> list[str]:
    """Check every page of the site in `folder`; return the problems (empty when all is well).

    Parameters
    ----------
    folder : Path
        A built site (``index.html`` at its root).
    lessons : list of str
        Notebook stems (``05_the_gram_matrix``) that must each have a page
        ``lessons/STEM.html`` linked from the index.
    screenshots : Path, optional
        Where to save the index's and lesson 5's screenshots.
    browser : Path
        The Chromium executable (Debian's ``chromium`` package).
    """
    from playwright.sync_api import sync_playwright

    folder = Path(folder)
    problems: list[str] = []
    links: dict[str, set[str]] = {}  # page -> internal URLs it links to
    ids: dict[str, set[str]] = {}  # page file (absolute) -> its element ids
    outline: set[str] = set()  # what the index's text links to (not its navigation)
    with (
        serve(folder) as base,
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory(prefix="site-check-profile-") as profile,
    ):
        context = open_browser(playwright, profile, browser)
        outside: list[str] = []

        def local_only(route):
            if route.request.url.startswith(base) or route.request.url.startswith("data:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", local_only)
        try:
            for name in site_pages(folder):
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda error, e=errors: e.append(f"JavaScript error: {error}"))
                page.on(
                    "console",
                    lambda m, e=errors: (
                        e.append(f"console error: {m.text}") if m.type == "error" else None
                    ),
                )
                page.on(
                    "response",
                    lambda r, e=errors: (
                        e.append(f"HTTP {r.status} for {r.url[len(base) :]}")
                        if r.status >= 400
                        else None
                    ),
                )
                outside.clear()
                try:
                    response = page.goto(base + name, wait_until="load", timeout=PAGE_TIMEOUT_MS)
                    if response is None or response.status >= 400:
                        status = response.status if response else "no response"
                        problems.append(f"{name}: did not load (HTTP {status})")
                        continue
                    page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
                except Exception as error:  # playwright's TimeoutError, a crashed page
                    problems.append(f"{name}: did not load ({str(error).splitlines()[0]})")
                    continue
                broken = page.evaluate(BROKEN_IMAGES_JS)
                problems += [f"{name}: image does not load: {src[:120]}" for src in broken]
                problems += [f"{name}: {error}" for error in errors]
                problems += [f"{name}: requests a resource outside the site: {u}" for u in outside]
                links[name] = {u for u in page.evaluate(LINKS_JS) if u.startswith(base)}
                if name == "index.html":
                    outline = {
                        urldefrag(u)[0][len(base) :] for u in page.evaluate(CONTENT_LINKS_JS)
                    }
                ids[str((folder / name).resolve())] = set(page.evaluate(IDS_JS))
                page.close()
            if screenshots is not None:
                _screenshots(context, base, folder, screenshots)
        finally:
            context.close()
    for name, urls in links.items():
        for url in sorted(urls):
            address, anchor = urldefrag(url)
            target = _target_file(folder, base, address)
            if target is None or not target.is_file():
                problems.append(f"{name}: link leads nowhere: {url[len(base) :]}")
            elif anchor and unquote(anchor) not in ids.get(
                str(target.resolve()), {unquote(anchor)}
            ):
                problems.append(f"{name}: link to a missing anchor: {url[len(base) :]}")
    return problems + _lesson_problems(folder, outline, list(lessons))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "build" / "site")
    parser.add_argument(
        "--lessons",
        nargs="*",
        default=None,
        help="lesson prefixes the index must list (default: every lessons/solutions notebook)",
    )
    parser.add_argument("--screenshots", type=Path, default=ROOT / "build" / "site-check")
    parser.add_argument("--browser", type=Path, default=CHROMIUM)
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(
            f"check_site: {args.site} has no index.html: build the site first (make site)",
            file=sys.stderr,
        )
        return 2
    if not args.browser.is_file():
        print(
            f"check_site: no Chromium at {args.browser}: install Debian's package "
            "(apt-get install chromium) or pass --browser PATH",
            file=sys.stderr,
        )
        return 2
    stems = [p.stem for p in sorted((ROOT / "lessons" / "solutions").glob("[0-9][0-9]_*.ipynb"))]
    if args.lessons is not None:
        stems = [s for s in stems if any(s.startswith(p) for p in args.lessons)]
    problems = check_site(
        args.site, lessons=stems, screenshots=args.screenshots, browser=args.browser
    )
    pages = len(site_pages(args.site))
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_site: {len(problems)} problem(s) in {pages} pages", file=sys.stderr)
        return 1
    print(f"check_site: {pages} pages good; screenshots in {args.screenshots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
