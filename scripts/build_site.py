"""Build the lessons' website into build/site/: executed solution notebooks, outline, gallery, docs.

Usage::

    .venv/bin/python scripts/build_site.py              # all lessons -> build/site/ (make site)
    .venv/bin/python scripts/build_site.py 01 05        # only lessons 01 and 05 (a quick look)
    .venv/bin/python -m http.server -d build/site       # then read it at http://127.0.0.1:8000

Steps:

1. Execute each solution notebook (``lessons/solutions/NN_name.ipynb``) headless with its
   figures, as ``make lessons`` does, unless ``build/site-cache/`` holds it executed already:
   the cache key is a hash of the notebook and of what its run depends on (`site_cache`: the
   library and data it reads, which weights file is found, Python's and the packages'
   versions, the environment variables read). A one-lesson change re-runs one.
2. Assemble the pages in a temporary folder next to the output (`site_pages`): the course
   outline (``index.md``, from each lesson's first cell and its first figure tagged
   ``gallery``), each lesson with a line under its title saying which weights its figures came
   from and how to run it, the README's gallery, every ``docs/*.md`` with ``docs/figures/``
   (and the repository's top-level pages they link to, such as ``BENCHMARKS.md``), and MathJax
   (served locally: the site works offline).
3. ``mkdocs build`` with ``mkdocs.yml`` (which holds the theme and plugins; this script supplies
   the pages folder, the navigation and the site's description, which counts the lessons),
   strict: a broken link in markdown stops the build.
4. Replace the output folder by the new site in one rename: a failed build leaves the previous
   site (or none) in place, never a half-built one (`replace_folder` moves the previous site
   back if the new one cannot be moved in).

Exit status: 0 built; 2 when a lesson cannot be read or fails to execute (its name, the
failing cell's number and source, and the error are printed) or nothing matches the arguments;
1 when assembling the pages, mkdocs or the final rename fails (the step is named).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbformat
from notebook_tools import ROOT, SOLUTIONS, kernel_env, notebook_client, write_atomically
from run_lessons import gallery_images, gallery_png
from site_cache import source_digest
from site_pages import (
    LessonPage,
    banner,
    gallery_markdown,
    index_markdown,
    lesson_summary,
    link_lessons,
    page_heading,
    provenance,
    repository_links,
    site_description,
    with_banner,
)

#: MathJax's ``config/local/site.js`` (named in mkdocs.yml's MathJax URLs). The math is drawn
#: with the web font jupyter-server-mathjax ships (STIX-Web: MathJax's TeX fonts are left out of
#: it), so nothing may ask for a TeX font: the blank measuring font and the fonts of the hidden
#: MathML copy for screen readers (NativeMML's six ``@font-face`` rules) come from ``local()``,
#: instead of ``url('about:blank')`` (refused by Chromium) and files that are not there.
MATHJAX_LOCAL_CONFIG = """(function () {
  var noTexFonts = {};
  for (var i = 1; i <= 6; i++) {
    noTexFonts["@font-face /*" + i + "*/"] = {src: "local('MathJax_Blank')"};
  }
  MathJax.Hub.Config({
    "HTML-CSS": {
      availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
      styles: {"@font-face": {"font-family": "MathJax_Blank", src: "local('MathJax_Blank')"}}
    },
    NativeMML: {styles: noTexFonts}
  });
})();
MathJax.Ajax.loadComplete("[MathJax]/config/local/site.js");
"""


class LessonFailed(Exception):
    """A lesson's cell failed: ``lesson`` (notebook stem), ``position`` (cell number from 1),
    ``code_cell`` (code cell number from 1), the cell's ``source`` and the error's ``message``."""

    def __init__(self, lesson: str, position: int, code_cell: int, source: str, message: str):
        super().__init__(f"{lesson}: cell {position}: {message}")
        self.lesson, self.position, self.code_cell = lesson, position, code_cell
        self.source, self.message = source, message

    def report(self) -> str:
        """Several lines: which lesson and cell failed, the cell's first lines, the error."""
        lines = self.source.splitlines()
        shown = [f"    {line}" for line in lines[:12]]
        if len(lines) > 12:
            shown.append(f"    ... ({len(lines) - 12} more lines)")
        return "\n".join(
            [
                f"build_site: lesson {self.lesson} failed at cell {self.position} "
                f"(code cell {self.code_cell}):",
                *shown,
                self.message,
                "build_site: no site written (the previous one, if any, is unchanged)",
            ]
        )


class LessonUnreadable(Exception):
    """A lesson's notebook could not be read: missing, unreadable, or not a notebook."""

    def __init__(self, path: Path, error: Exception):
        super().__init__(f"{path}: {error}")
        self.path, self.error = path, error

    def report(self) -> str:
        """Two lines: which lesson could not be read and why; no site written."""
        what = f"{type(self.error).__name__}: {str(self.error).strip().splitlines()[0]}"
        return (
            f"build_site: lesson {self.path.stem} cannot be read ({self.path}): {what}\n"
            "build_site: no site written (the previous one, if any, is unchanged)"
        )


def read_lesson(path: Path) -> tuple[bytes, nbformat.NotebookNode]:
    """A lesson notebook's bytes and its parsed form; `LessonUnreadable` when it cannot be read."""
    try:
        raw = path.read_bytes()
        return raw, nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as error:  # OSError, UnicodeDecodeError, NotJSONError, a malformed notebook
        raise LessonUnreadable(path, error) from None


def _failed_cell(notebook: nbformat.NotebookNode) -> int:
    """Index of the cell that failed: the first with an error output, else the last that ran."""
    code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    for i in code:
        if any(output.get("output_type") == "error" for output in notebook.cells[i].outputs):
            return i
    ran = [i for i in code if notebook.cells[i].get("execution_count")]
    return ran[-1] if ran else code[0]


def execute(path: Path, *, timeout: int) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel (cwd = its folder), figures kept; `LessonFailed` on error.

    A cell that raises, runs past `timeout` seconds or kills the kernel fails the lesson;
    `LessonUnreadable` when the notebook cannot be read.
    """
    _, notebook = read_lesson(path)
    client = notebook_client(notebook, path.parent, timeout)
    try:
        client.execute(env=kernel_env(keep_figures=True))
    except Exception as error:  # CellExecutionError, CellTimeoutError, DeadKernelError
        failed = _failed_cell(notebook)
        code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
        name = getattr(error, "ename", type(error).__name__)
        value = getattr(error, "evalue", None) or str(error).strip().splitlines()[-1]
        raise LessonFailed(
            path.stem,
            failed + 1,
            code.index(failed) + 1,
            notebook.cells[failed].source,
            f"{name}: {value}",
        ) from None
    return notebook


def executed(
    path: Path, cache: Path, digest: str, *, timeout: int
) -> tuple[nbformat.NotebookNode, bool]:
    """The executed copy of a notebook, from `cache` when its key matches: ``(notebook, hit)``.

    The key hashes the notebook's bytes with `digest` (`source_digest`); a new copy replaces the
    lesson's older ones in the cache. `LessonUnreadable` when the notebook cannot be read.
    """
    raw, _ = read_lesson(path)
    key = hashlib.sha256(raw + digest.encode()).hexdigest()[:20]
    stored = cache / f"{path.stem}-{key}.ipynb"
    if stored.exists():
        return nbformat.read(stored, as_version=4), True
    notebook = execute(path, timeout=timeout)
    write_atomically(stored, nbformat.writes(notebook) + "\n")
    for old in cache.glob(f"{path.stem}-*.ipynb"):
        if old != stored:
            old.unlink()
    return notebook, False


def mathjax_folder() -> Path:
    """MathJax 2's files, as the ``jupyter-server-mathjax`` package ships them."""
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def assemble(
    lessons: dict[str, nbformat.NotebookNode], docs: Path, readme: Path, src: Path
) -> list:
    """Write the site's pages into `src`; return mkdocs' navigation for them."""
    pages = []
    figures = src / "lesson-figures"
    figures.mkdir(parents=True)
    for stem, notebook in lessons.items():
        title, question = lesson_summary(notebook)
        kind, label = provenance(notebook)
        images = gallery_images(notebook)
        figure = None
        if images:
            figure = f"lesson-figures/{stem}.png"
            (src / figure).write_bytes(gallery_png(images[0]))
        pages.append(LessonPage(stem, title, question, kind, figure))
        page = link_lessons(with_banner(notebook, banner(stem, kind, label)), set(lessons))
        write_atomically(src / "lessons" / f"{stem}.ipynb", nbformat.writes(page) + "\n")
    extra = [("Gallery", "gallery.md")]
    (src / "gallery.md").write_text(
        gallery_markdown(readme.read_text(encoding="utf-8")), encoding="utf-8"
    )
    if (docs / "figures").is_dir():
        shutil.copytree(docs / "figures", src / "figures")
    linked: set[str] = set()  # the repository's top-level pages that docs/ pages link to
    for page in sorted(docs.glob("*.md")):
        text, outside = repository_links(page.read_text(encoding="utf-8"))
        linked.update(outside)
        (src / page.name).write_text(text, encoding="utf-8")
        extra.append((page_heading(text, page.stem), page.name))
    for name in sorted(linked - {page.name for page in docs.glob("*.md")}):
        if (docs.parent / name).is_file():  # else mkdocs (strict) reports the broken link
            text = (docs.parent / name).read_text(encoding="utf-8")
            (src / name).write_text(text, encoding="utf-8")
            extra.append((page_heading(text, Path(name).stem), name))
    shutil.copytree(mathjax_folder(), src / "assets" / "mathjax")
    local = src / "assets" / "mathjax" / "config" / "local"
    local.mkdir(parents=True, exist_ok=True)
    (local / "site.js").write_text(MATHJAX_LOCAL_CONFIG, encoding="utf-8")
    (src / "index.md").write_text(index_markdown(pages, extra), encoding="utf-8")
    nav = [{"Course outline": "index.md"}]
    nav.append({"Lessons": [f"lessons/{stem}.ipynb" for stem in lessons]})
    nav += [{title: path} for title, path in extra]
    return nav


def mkdocs_build(src: Path, site: Path, nav: list, config: Path, description: str) -> None:
    """``mkdocs build --strict`` of the pages in `src` into `site`, with `config`'s settings,
    the navigation `nav` and the site's `description` (`site_description`)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    handler = logging.StreamHandler(sys.stderr)  # mkdocs' warnings (strict: they stop it)
    handler.setFormatter(logging.Formatter("mkdocs %(levelname)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(handler)
    settings = load_config(
        str(config),
        docs_dir=str(src),
        site_dir=str(site),
        nav=nav,
        site_description=description,
        strict=True,
    )
    settings.plugins.on_startup(command="build", dirty=False)
    try:
        build(settings)
    finally:
        settings.plugins.on_shutdown()
        logging.getLogger("mkdocs").removeHandler(handler)


def replace_folder(new: Path, out: Path, trash: Path) -> None:
    """Put `new` at `out` by renames (same file system); the old `out` goes to `trash`.

    When the second rename fails, the old `out` is moved back before the error is raised, so
    that cleaning up `trash` never deletes the previous site.
    """
    if not out.exists():
        os.replace(new, out)
        return
    os.replace(out, trash)
    try:
        os.replace(new, out)
    except BaseException:
        os.replace(trash, out)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="lesson name prefixes, e.g. 01 (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "site-cache")
    parser.add_argument(
        "--notebooks", type=Path, default=SOLUTIONS, help="executed lessons' folder"
    )
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--config", type=Path, default=ROOT / "mkdocs.yml")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell (300)")
    args = parser.parse_args(argv)
    notebooks = sorted(args.notebooks.glob("[0-9][0-9]_*.ipynb"))
    if args.prefixes:
        notebooks = [n for n in notebooks if any(n.name.startswith(p) for p in args.prefixes)]
    if not notebooks:
        print(f"build_site: no lesson notebooks match in {args.notebooks}", file=sys.stderr)
        return 2
    digest = source_digest()
    lessons = {}
    for path in notebooks:
        start = time.perf_counter()
        try:
            lessons[path.stem], hit = executed(path, args.cache, digest, timeout=args.timeout)
        except (LessonFailed, LessonUnreadable) as failure:
            print(failure.report(), file=sys.stderr)
            return 2
        how = "cached  " if hit else f"{time.perf_counter() - start:6.1f} s"
        print(f"ok     {path.name}  {how}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{args.out.name}-", dir=args.out.parent))
    step = "assembling the pages"
    try:
        nav = assemble(lessons, args.docs, args.readme, staging / "src")
        titles = [lesson_summary(notebook)[0] for notebook in lessons.values()]
        step = "mkdocs build"
        mkdocs_build(staging / "src", staging / "site", nav, args.config, site_description(titles))
        step = f"moving the new site to {args.out}"
        replace_folder(staging / "site", args.out, staging / "old")
    except Exception as error:
        print(f"build_site: {step} failed: {error}; no site written", file=sys.stderr)
        if (staging / "old").exists():  # the previous site could not be moved back: keep it
            print(f"build_site: the previous site is in {staging / 'old'}", file=sys.stderr)
            staging = None
        return 1
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    print(
        f"site -> {args.out} ({len(lessons)} lessons); read it: python -m http.server -d {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
