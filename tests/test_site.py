"""The lessons' website: `scripts/build_site.py` (make site) and `scripts/check_site.py`.

The checker is shown failing on small hand-made sites (a broken image or link, a JavaScript or
console error, a request outside the site, a lesson missing from the index), its browser offline
even without the route, and passing on a good site, in Debian's Chromium (skipped, with the
reason, where /usr/bin/chromium is absent; ``.ci/run`` installs it). The builder is shown on
one-cell probe notebooks: a failing cell or an unreadable notebook stops it with the lesson's
name, exit 2, no site written; a good probe builds a site, a failed final rename keeps the
previous one; the cache misses after a change in the library, Python or a variable it reads.
``make site-check`` runs the checker on the real site. No lesson (no TensorFlow) runs here.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import re
import sys
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


@pytest.fixture(autouse=True)
def absl_writes_to_the_real_stderr(monkeypatch):
    """mkdocs-jupyter's nbconvert app (traitlets) calls logging.config.dictConfig, which closes
    every logging handler of the process. absl's (TensorFlow's, when an earlier test loaded it)
    then closes the stream it was made with unless that is the current sys.stderr: under pytest,
    a capture file, and the whole run dies. (Outside pytest it is sys.stderr itself.)"""
    absl = sys.modules.get("absl.logging")
    if absl is not None:
        monkeypatch.setattr(absl.get_absl_handler().python_handler, "stream", sys.__stderr__)


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
    assert "1 executed lesson in neural style transfer" in index  # counted, not typed
    digest = build_site.source_digest()  # a second build takes it from the cache
    probe = notebooks / "01_probe.ipynb"
    assert build_site.executed(probe, tmp_path / "cache", digest, timeout=60)[1] is True
    _probe(notebooks, "print('changed')")  # a changed lesson runs again and replaces its copy
    assert build_site.executed(probe, tmp_path / "cache", digest, timeout=60)[1] is False
    assert len(list((tmp_path / "cache").glob("01_probe-*.ipynb"))) == 1

    # The new site cannot be moved in: the previous one stays, and the error names the step.
    previous = index
    real_replace = os.replace

    def no_new_site(source, target):
        if Path(target) == out and Path(source).name == "site":
            raise OSError("simulated rename failure")
        real_replace(source, target)

    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_site.os, "replace", no_new_site)
        assert build_site.main(args) == 1
    err = capsys.readouterr().err
    assert "moving the new site to" in err and "simulated rename failure" in err
    assert (out / "index.html").read_text() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "nb", "site"]  # no staging


def test_failed_swap_moves_the_previous_site_back(tmp_path, monkeypatch, build_site):
    out, staging = tmp_path / "site", tmp_path / "staging"
    (out / "lessons").mkdir(parents=True)
    (out / "index.html").write_text("the previous site")
    (staging / "site").mkdir(parents=True)
    (staging / "site" / "index.html").write_text("the new site")
    real_replace, calls = os.replace, []

    def second_fails(source, target):
        calls.append((Path(source), Path(target)))
        if len(calls) == 2:
            raise OSError("simulated rename failure")
        real_replace(source, target)

    monkeypatch.setattr(build_site.os, "replace", second_fails)
    with pytest.raises(OSError, match="simulated"):
        build_site.replace_folder(staging / "site", out, staging / "old")
    assert calls[1] == (staging / "site", out) and len(calls) == 3  # the third moved it back
    assert (out / "index.html").read_text() == "the previous site"
    assert (out / "lessons").is_dir() and not (staging / "old").exists()


def test_unreadable_notebook_stops_the_build_with_its_name(tmp_path, capsys, build_site):
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    (notebooks / "01_probe.ipynb").write_text('{"cells": [')  # cut short: not JSON
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site")
    args = ["--notebooks", str(notebooks), "--out", str(out), "--cache", str(tmp_path / "cache")]
    assert build_site.main(args) == 2
    err = capsys.readouterr().err
    assert "lesson 01_probe cannot be read" in err and "01_probe.ipynb" in err
    assert "Traceback" not in err
    assert (out / "index.html").read_text() == "the previous site"


# --- the cache's key -------------------------------------------------------------------------


@pytest.fixture
def site_cache(build_site, monkeypatch, tmp_path):
    """`site_cache` hashing one small folder ``nst/`` of a temporary copy of the project."""
    module = _load_scripts("site_cache")
    root = tmp_path / "root"
    (root / "nst").mkdir(parents=True)
    (root / "nst" / "memory.py").write_text(
        'MEMORY_VARIABLE = "NST_MEMORY_AVAILABLE"\nbudget = os.environ.get(MEMORY_VARIABLE)\n'
    )
    monkeypatch.setattr(module, "ROOT", root)
    monkeypatch.setattr(module, "HASHED", ("nst",))
    monkeypatch.delenv("NST_MEMORY_AVAILABLE", raising=False)
    return module


def test_a_change_under_nst_misses_the_cache(tmp_path, monkeypatch, build_site, site_cache):
    probe, runs = _probe(tmp_path / "nb", "x = 1") / "01_probe.ipynb", []
    monkeypatch.setattr(
        build_site, "execute", lambda path, timeout: runs.append(path) or nbformat.read(path, 4)
    )
    cache, before = tmp_path / "cache", site_cache.source_digest()
    assert site_cache.source_digest() == before
    assert build_site.executed(probe, cache, before, timeout=60)[1] is False
    assert build_site.executed(probe, cache, before, timeout=60)[1] is True
    (site_cache.ROOT / "nst" / "memory.py").write_text("# changed\n", encoding="utf-8")
    after = site_cache.source_digest()
    assert after != before
    assert build_site.executed(probe, cache, after, timeout=60)[1] is False
    assert len(runs) == 2


def test_cache_key_holds_python_and_the_variables_the_library_reads(monkeypatch, site_cache):
    before = site_cache.source_digest()
    monkeypatch.setenv("NST_MEMORY_AVAILABLE", "2G")  # read by the hashed nst/memory.py
    assert site_cache.source_digest() != before
    monkeypatch.delenv("NST_MEMORY_AVAILABLE")
    monkeypatch.setenv("NST_NOT_READ_ANYWHERE", "1")
    assert site_cache.source_digest() == before
    monkeypatch.setattr(site_cache.sys, "version", site_cache.sys.version + " (another build)")
    assert site_cache.source_digest() != before


def test_the_variables_read_are_found_in_the_library(build_site):
    site_cache = _load_scripts("site_cache")
    sources = [
        path.read_text(encoding="utf-8")
        for folder in ("nst", "vgg_mat")
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]
    found = set(site_cache.read_variables(sources))
    assert {"TF_ENABLE_ONEDNN_OPTS", "VGG_MAT_SKIP_CHECKSUM", "VGG19_MAT", "VGG_MAT_HOME"} <= found
    assert "NST_MEMORY_AVAILABLE" in found


def test_versions_come_from_whichever_distribution_provides_a_module(monkeypatch, build_site):
    site_cache = _load_scripts("site_cache")
    versions = {"tensorflow-cpu": "2.21.0"}
    monkeypatch.setattr(site_cache.importlib.metadata, "version", versions.__getitem__)
    providers = {"tensorflow": ["tensorflow-cpu"]}
    assert site_cache.installed_versions("tensorflow", providers) == ["tensorflow-cpu 2.21.0"]
    assert site_cache.installed_versions("numpy", providers) == ["numpy absent"]


def test_doctests_of_the_site_scripts(build_site):
    """scripts/ is outside pytest's doctest folders: its examples run here."""
    import doctest

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        modules = [importlib.import_module(name) for name in ("site_pages", "site_cache")]
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    for module in modules:
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, (module.__name__, result)


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
    return _load_scripts("site_pages")


def _load_scripts(name: str):
    """A module of scripts/ that imports its neighbours (notebook_tools, ...) by name."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        return _load(name)
    finally:
        sys.path.remove(str(ROOT / "scripts"))
