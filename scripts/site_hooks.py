"""mkdocs hook (``hooks:`` in mkdocs.yml): a lesson page's table of contents links to its headings.

mkdocs-jupyter makes a notebook page's table of contents with Python-Markdown's slugs, and the
page's headings get nbconvert's ids; they differ when a heading holds code (``## 7. TensorFlow's
`"SAME"` rule`` is ``#7-tensorflows-rule`` in one, ``#7-tensorflows-same-rule`` in the other),
so those entries of the sidebar led nowhere. The headings come in the same order in both: each
entry takes the id of its heading, matched by position and level.
"""

from __future__ import annotations

import re

HEADING_ID = re.compile(r'<h([1-6])\s+id="([^"]+)"')


def _flatten(items):
    for item in items:
        yield item
        yield from _flatten(item.children)


def on_page_content(html, page, config, files):
    """Give each table-of-contents entry of a notebook page the id of its heading."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    entries = list(_flatten(page.toc))
    if not entries:
        return html
    deepest = max(entry.level for entry in entries)
    headings = [(int(level), id_) for level, id_ in HEADING_ID.findall(html)]
    headings = [(level, id_) for level, id_ in headings if level <= deepest]
    if [entry.level for entry in entries] == [level for level, _ in headings]:
        for entry, (_, id_) in zip(entries, headings, strict=True):
            entry.id = id_
    return html
