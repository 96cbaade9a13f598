"""The lessons' website: `scripts/build_site.py` (make site) and `scripts/check_site.py`.

The checker is shown failing on small hand-made sites (a broken image, a broken internal link,
a JavaScript error, a lesson missing from the index) and passing on a good one, in Debian's
Chromium (skipped, with the reason, where /usr/bin/chromium is absent; ``.ci/run`` installs it).
The builder is shown on one-cell probe notebooks: a failing cell stops it with the lesson's name
and the cell, exit 2, and no site written; a good probe builds a site (outline, banner, gallery,
docs), and a second build takes the executed notebook from the cache. ``make site-check`` runs
the checker on the real site. No lesson (no TensorFlow) runs here.
"""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_site = _load("check_site")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="no /usr/bin/chromium (Debian's chromium package; .ci/run installs it)",
)


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>"


def _good_site(folder: Path) -> Path:
    """index.html -> lessons/01_probe.html (an image, a link back to an anchor of the index)."""
    (folder / "lessons").mkdir(parents=True)
    (folder / "figure.png").write_bytes(_png())
    (folder / "index.html").write_text(
        _page(
            '<h1 id="top">Outline</h1><a href="lessons/01_probe.html">Lesson 1</a>'
            '<img src="figure.png" alt="key figure">'
        )
    )
    (folder / "lessons" / "01_probe.html").write_text(
        _page('<img src="../figure.png" alt="f"><a href="../index.html#top">back</a>')
    )
    return folder


@pytest.fixture(scope="module")
def playwright_available():
    pytest.importorskip(
        "playwright", reason="playwright is not installed (pip install -e '.[site]')"
    )


@needs_chromium
def test_checker_passes_a_good_site(tmp_path, playwright_available):
    site = _good_site(tmp_path / "site")
    shots = tmp_path / "shots"
    assert check_site.check_site(site, lessons=["01_probe"], screenshots=shots) == []
    assert (shots / "index.png").stat().st_size > 0


#: A broken page each (page, content, words its problem must contain), checked in one site.
BREAKAGES = {
    "broken image": (
        "broken_image.html",
        _page('<img src="missing.png">'),
        "image does not load: missing.png",
    ),
    "undecodable image": (
        "undecodable.html",
        _page('<img src="bad.png">'),
        "image does not load: bad.png",
    ),
    "broken link": (
        "broken_link.html",
        _page('<a href="lessons/02_gone.html">2</a>'),
        "link leads nowhere: lessons/02_gone.html",
    ),
    "missing anchor": (
        "missing_anchor.html",
        _page('<a href="index.html#nowhere">x</a>'),
        "link to a missing anchor: index.html#nowhere",
    ),
    "javascript error": (
        "javascript_error.html",
        _page("<script>noSuchFunction()</script>"),
        "noSuchFunction",
    ),
    "request outside the site": (
        "outside_request.html",
        _page('<script src="https://example.com/outside.js"></script>'),
        "requests a resource outside the site: https://example.com/outside.js",
    ),
    "console error alone": (
        "console_error.html",
        _page("<script>console.error('a deliberate console error')</script>"),
        "console error: a deliberate console error",
    ),
    "lesson missing from the index": (
        "lessons/03_unlisted.html",
        _page("<p>fine</p>"),
        "index.html: lesson 03_unlisted is missing from the index",
    ),
}


@needs_chromium
def test_checker_fails_each_broken_page(tmp_path, playwright_available):
    site = _good_site(tmp_path / "site")
    (site / "bad.png").write_bytes(b"not a png")
    (site / "index.html").write_text(  # lesson 3 only in the navigation, not in the outline
        _page(
            '<nav><a href="lessons/03_unlisted.html">3</a></nav><article><h1 id="top">O</h1>'
            '<a href="lessons/01_probe.html">1</a><img src="figure.png"></article>'
        )
    )
    for name, content, _ in BREAKAGES.values():
        (site / name).write_text(content)
    problems = check_site.check_site(site, lessons=["01_probe", "03_unlisted"])
    for breakage, (_name, _, expected) in BREAKAGES.items():
        assert any(expected in problem for problem in problems), (breakage, problems)
    good = ("index.html", "lessons/01_probe.html", "lessons/03_unlisted.html")
    assert [p for p in problems if p.startswith(good) and "missing from the index" not in p] == []


@needs_chromium
def test_checker_browser_is_offline_without_the_route(tmp_path, playwright_available):
    """The browser itself cannot reach outside, with no route installed (the checker's route
    sees only the pages' own requests): anything not on 127.0.0.1 meets the dead proxy."""
    from playwright.sync_api import sync_playwright

    site = _good_site(tmp_path / "site")
    with check_site.serve(site) as base, sync_playwright() as playwright:
        context = check_site.open_browser(playwright, str(tmp_path / "profile"))
        try:
            with pytest.raises(Exception, match="ERR_PROXY_CONNECTION_FAILED"):
                context.new_page().goto("http://example.com/", timeout=30_000)
            assert context.new_page().goto(base + "index.html").status == 200  # 127.0.0.1 is
        finally:
            context.close()


def test_checker_refuses_a_missing_site(tmp_path, capsys):
    assert check_site.main([str(tmp_path / "nothing")]) == 2
    assert "has no index.html" in capsys.readouterr().err


# --- the builder, on probe notebooks ---------------------------------------------------------


def _probe(folder: Path, *cells: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    markdown = nbformat.v4.new_markdown_cell("# Lesson 1: Probe\n\n**The question.** Does it run?")
    notebook = nbformat.v4.new_notebook(
        cells=[markdown, *(nbformat.v4.new_code_cell(source) for source in cells)]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, folder / "01_probe.ipynb")
    return folder


@pytest.fixture(scope="module")
def build_site():
    pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e '.[dev]')")
    return _load("build_site")


def test_failing_notebook_stops_the_build(tmp_path, capsys, build_site):
    notebooks = _probe(tmp_path / "nb", "x = 1", "y = x / 0  # fails", "z = 2")
    out = tmp_path / "out" / "site"
    out.mkdir(parents=True)
    (out / "index.html").write_text("the previous site")
    args = ["--notebooks", str(notebooks), "--out", str(out), "--cache", str(tmp_path / "cache")]
    assert build_site.main(args) == 2
    err = capsys.readouterr().err
    assert "lesson 01_probe failed at cell 3 (code cell 2)" in err
    assert "y = x / 0  # fails" in err and "ZeroDivisionError" in err
    assert [p.name for p in out.iterdir()] == ["index.html"]  # the previous site, untouched
    assert (out / "index.html").read_text() == "the previous site"
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]  # no staging folder left
    assert not list((tmp_path / "cache").glob("*.ipynb"))  # a failed lesson is not cached


def test_probe_site_builds_checks_and_caches(tmp_path, capsys, build_site):
    pytest.importorskip("mkdocs_jupyter", reason="mkdocs-jupyter is not installed ('.[site]')")
    notebooks = _probe(tmp_path / "nb", "import math\nprint(math.sqrt(16))")
    out = tmp_path / "site"
    args = ["--notebooks", str(notebooks), "--out", str(out), "--cache", str(tmp_path / "cache")]
    assert build_site.main(args) == 0
    first = capsys.readouterr().out
    assert re.search(r"ok\s+01_probe\.ipynb\s+[\d.]+ s", first), first
    page = (out / "lessons" / "01_probe.html").read_text()
    assert "Figures on this page: no network weights involved" in page
    assert "4.0" in page and "Run it yourself" in page
    index = (out / "index.html").read_text()
    assert "lessons/01_probe.html" in index and "Does it run?" in index
    assert (out / "gallery.html").is_file() and (out / "architecture.html").is_file()
    digest = build_site.source_digest()  # a second build takes it from the cache
    probe = notebooks / "01_probe.ipynb"
    assert build_site.executed(probe, tmp_path / "cache", digest, timeout=60)[1] is True
    _probe(notebooks, "print('changed')")  # a changed lesson runs again and replaces its copy
    assert build_site.executed(probe, tmp_path / "cache", digest, timeout=60)[1] is False
    assert len(list((tmp_path / "cache").glob("01_probe-*.ipynb"))) == 1


def test_lesson_summary_and_provenance_read_a_notebook():
    site_pages = _load_pages()
    notebook = nbformat.read(ROOT / "lessons" / "solutions" / "05_the_gram_matrix.ipynb", 4)
    title, question = site_pages.lesson_summary(notebook)
    assert title.startswith("Lesson 5:") and question.startswith("**The question.**")
    label = "Using SYNTHETIC RANDOM WEIGHTS, NOT VGG-19 (x): no file"
    stream = nbformat.v4.new_output("stream", name="stdout", text=label)
    notebook.cells[1].outputs = [stream]
    assert site_pages.provenance(notebook)[0] == site_pages.SYNTHETIC


def test_gallery_page_from_the_readme_points_at_existing_figures():
    site_pages = _load_pages()
    page = site_pages.gallery_markdown((ROOT / "README.md").read_text(encoding="utf-8"))
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page)
    assert images and page.startswith("# Gallery")
    missing = [image for image in images if not (ROOT / "docs" / image).is_file()]
    assert missing == []


def _load_pages():
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        return _load("site_pages")
    finally:
        sys.path.remove(str(ROOT / "scripts"))
