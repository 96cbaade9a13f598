"""The website's pages in markdown: course outline, lesson banners, the README's gallery.

Pure functions on notebooks and text (no execution, no mkdocs): `scripts/build_site.py`
executes the lessons, calls these, and hands the pages to mkdocs.

- `lesson_summary`   a lesson's title and its question, from the notebook's first cell.
- `provenance`       which weights an executed lesson used, from what it printed.
- `with_banner`      the lesson with a line under its title: which weights, how to run it.
- `link_lessons`     links from one lesson's notebook to another's lead to its page.
- `index_markdown`   the course outline: each lesson's title, question and key figure.
- `gallery_markdown` the README's "Gallery" section, with its image paths made site-relative.
- `site_description` the site's one-line description, counting the lessons it holds.
- `page_heading`     a markdown page's ``# `` heading.
- `repository_links` a docs/ page's links to the repository's top-level pages, made site-relative.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from types import SimpleNamespace

import nbformat

from nst.stamp import SYNTHETIC_LABEL
from vgg_mat.weights import VGGWeights

#: What `provenance` answers: which network the figures of an executed lesson came from.
REAL, SYNTHETIC, NO_NETWORK = "real", "synthetic", "none"


def _label_prefix(synthetic: bool) -> str:
    """The fixed start of `VGGWeights.label` (read from the property, not retyped)."""
    fake = SimpleNamespace(synthetic=synthetic, source="\0", layout="", checksum="")
    return VGGWeights.label.fget(fake).split("\0")[0]


@dataclass(frozen=True)
class LessonPage:
    """One lesson as the outline shows it.

    ``stem`` is the notebook's name without ``.ipynb`` (``05_the_gram_matrix``); ``figure`` the
    key figure's path relative to the site's root, or None when no cell is tagged ``gallery``.
    """

    stem: str
    title: str
    question: str
    provenance: str
    figure: str | None


def lesson_summary(notebook: nbformat.NotebookNode) -> tuple[str, str]:
    """``(title, question)`` from the first markdown cell: its ``# `` heading, then the
    paragraph that starts ``**The question.**`` (lines joined; empty when there is none).

    >>> cell = nbformat.v4.new_markdown_cell("# Lesson 1: Conv\\n\\n**The question.** Why\\nso?")
    >>> lesson_summary(nbformat.v4.new_notebook(cells=[cell]))
    ('Lesson 1: Conv', '**The question.** Why so?')
    """
    first = next(c for c in notebook.cells if c.cell_type == "markdown")
    lines = first.source.splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), "")
    match = re.search(r"^\*\*The question\.\*\*.*?(?=\n\s*\n|\Z)", first.source, re.M | re.S)
    question = " ".join(match.group(0).split()) if match else ""
    return title, question


def provenance(notebook: nbformat.NotebookNode) -> tuple[str, str]:
    """Which weights an executed lesson used: ``(kind, the label it printed)``.

    ``kind`` is `SYNTHETIC` when any cell printed a synthetic network's label (as
    `vgg_mat.real_or_synthetic` does), else `REAL` for a real file's label, else `NO_NETWORK`.
    """
    found = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            for line in text.splitlines():
                for kind in (SYNTHETIC, REAL):
                    prefix = _label_prefix(kind == SYNTHETIC)
                    if prefix in line and kind not in found:
                        found[kind] = line[line.index(prefix) :].strip()
    for kind in (SYNTHETIC, REAL):
        if kind in found:
            return kind, found[kind]
    return NO_NETWORK, ""


def banner(stem: str, kind: str, label: str) -> str:
    """The markdown lines put under a lesson's title: its figures' provenance, how to run it."""
    if kind == SYNTHETIC:
        weights = (
            "**Figures on this page: a synthetic network, not VGG-19.** This page was executed "
            "where the real weights file was not found, so the network in it has VGG-19's layers "
            f"and random weights; every figure made with it is stamped *{SYNTHETIC_LABEL}* and "
            "shows that the code runs, not what the real network sees. Unstamped figures did not "
            "come from that network."
        )
    elif kind == REAL:
        weights = f"**Figures on this page: the real VGG-19 weights** ({label})."
    else:
        weights = (
            "**Figures on this page: no network weights involved** (small arrays worked by "
            "hand), so they are what you will get."
        )
    run = (
        f"**Run it yourself:** `make lessons` executes every solution notebook into "
        f"`build/lessons/`; or open `lessons/{stem}.ipynb` (with the fill-ins for you to write) "
        f"or `lessons/solutions/{stem}.ipynb` (this page) in Jupyter, as `lessons/README.md` "
        "explains."
    )
    return f"> {weights}\n>\n> {run}"


def with_banner(notebook: nbformat.NotebookNode, text: str) -> nbformat.NotebookNode:
    """A copy of `notebook` with `text` right under the title line of its first markdown cell."""
    notebook = copy.deepcopy(notebook)
    first = next(c for c in notebook.cells if c.cell_type == "markdown")
    head, _, rest = first.source.partition("\n")
    first.source = f"{head}\n\n{text}\n{rest}" if head.startswith("# ") else f"{text}\n\n{head}"
    return notebook


def link_lessons(notebook: nbformat.NotebookNode, stems: set[str]) -> nbformat.NotebookNode:
    """A copy whose markdown links to another lesson's notebook lead to its page instead.

    >>> cell = nbformat.v4.new_markdown_cell("see [L4](../04_x.ipynb#top) and [L9](09_y.ipynb)")
    >>> link_lessons(nbformat.v4.new_notebook(cells=[cell]), {"04_x"}).cells[0].source
    'see [L4](04_x.html#top) and [L9](09_y.ipynb)'
    """
    notebook = copy.deepcopy(notebook)

    def page(match: re.Match) -> str:
        stem = match.group(1)
        return f"]({stem}.html" if stem in stems else match.group(0)

    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"\]\((?:\.\./)?(\d\d_\w+)\.ipynb", page, cell.source)
    return notebook


def _weights_sentence(lessons: list[LessonPage]) -> str:
    kinds = {lesson.provenance for lesson in lessons}
    if SYNTHETIC in kinds:
        return (
            "**These pages were executed without the real VGG-19 weights file**: where a lesson "
            "runs a network, it is a synthetic one (VGG-19's layers, random weights), and each "
            f"figure made with it is stamped *{SYNTHETIC_LABEL}*. Each lesson page says at its "
            "top which weights its figures came from."
        )
    if REAL in kinds:
        return "These pages were executed with the real VGG-19 weights."
    return "No lesson on this site runs a network."


def index_markdown(lessons: list[LessonPage], extra_pages: list[tuple[str, str]]) -> str:
    """The course outline: a heading per lesson (linked), its question, its key figure.

    `extra_pages` are ``(title, path)`` pairs listed at the end (the gallery, docs/ pages).
    """
    words = {
        REAL: "Executed with the real VGG-19 weights.",
        SYNTHETIC: "Executed with a synthetic network: the figures made with it are stamped.",
        NO_NETWORK: "No network weights involved.",
    }
    parts = [
        "# Neural style transfer from first principles",
        "",
        "The lessons, in order, each executed from start to end with its code, outputs and "
        "figures: the solution notebooks of `lessons/solutions/`, where every fill-in is done. "
        "To work through a lesson yourself, open its student notebook in `lessons/` "
        "(`lessons/README.md` says how).",
        "",
        _weights_sentence(lessons),
        "",
    ]
    for lesson in lessons:
        parts += [f"## [{lesson.title}](lessons/{lesson.stem}.ipynb)", ""]
        if lesson.question:
            parts += [lesson.question, ""]
        if lesson.figure:
            parts += [f"![Key figure of {lesson.title}]({lesson.figure})", ""]
        parts += [f"*{words[lesson.provenance]}*", ""]
    if extra_pages:
        parts += ["## More", ""]
        parts += [f"- [{title}]({path})" for title, path in extra_pages]
        parts.append("")
    return "\n".join(parts)


def gallery_markdown(readme: str, figures_prefix: str = "docs/") -> str:
    """The README's ``## Gallery`` section (to the next ``## `` heading) as a page.

    Links and images under `figures_prefix` (the README's ``docs/``) become relative to the
    site's root, where docs/ is copied.

    >>> gallery_markdown("# X\\n## Gallery\\nSee ![a](docs/figures/a.png)\\n## Next\\n")
    '# Gallery\\nSee ![a](figures/a.png)\\n'
    """
    match = re.search(r"^## Gallery\s*$.*?(?=^## |\Z)", readme, re.M | re.S)
    if match is None:
        raise ValueError("the README has no '## Gallery' section")
    section = match.group(0).replace("## Gallery", "# Gallery", 1)
    return section.replace(f"]({figures_prefix}", "](")


def site_description(titles: list[str]) -> str:
    """The site's description (its pages' ``<meta name="description">``): how many lessons it
    holds and the first and last one's subjects, from their titles (`lesson_summary`). The
    theme puts it in an HTML attribute unescaped: it holds no straight quotes or ``<>&``.

    >>> site_description(["Lesson 1: Convolution", 'Lesson 2: `VGG-19` from "raw" ops'])
    '2 executed lessons in neural style transfer, from “Convolution” to “VGG-19 from raw ops”.'
    """
    subjects = [re.sub(r"[`\"<>&]", "", re.sub(r"^Lesson \d+:\s*", "", title)) for title in titles]
    if len(subjects) == 1:
        return f"1 executed lesson in neural style transfer: “{subjects[0]}”."
    return (
        f"{len(subjects)} executed lessons in neural style transfer, "
        f"from “{subjects[0]}” to “{subjects[-1]}”."
    )


def page_heading(markdown: str, default: str) -> str:
    """The text of a markdown page's first ``# `` heading, or `default` when it has none.

    >>> page_heading("intro\\n# Gatys et al.\\n## Losses", "gatys")
    'Gatys et al.'
    """
    return next(
        (line[2:].strip() for line in markdown.splitlines() if line.startswith("# ")), default
    )


def repository_links(markdown: str) -> tuple[str, list[str]]:
    """A ``docs/`` page with its links to the repository's top-level markdown files
    (``../BENCHMARKS.md``) pointing at the same file at the site's root, and those files' names
    (the site builder copies them there).

    >>> repository_links("see [B](../BENCHMARKS.md#sweep) and [G](gatys.md)")
    ('see [B](BENCHMARKS.md#sweep) and [G](gatys.md)', ['BENCHMARKS.md'])
    """
    pattern = re.compile(r"\]\(\.\./([\w.-]+\.md)(?=[#)])")
    names = sorted(set(pattern.findall(markdown)))
    return pattern.sub(r"](\1", markdown), names
