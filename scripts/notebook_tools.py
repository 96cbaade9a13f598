"""Build lesson notebooks from their percent-format sources, and execute them headless.

A lesson's source of truth is ``lessons/src/NN_name.py``: plain text in the "percent" cell
format that jupytext, VS Code and Spyder understand::

    # %% [markdown]
    # # Title
    # Prose, with $\\LaTeX$.

    # %%
    x = np.arange(16).reshape(4, 4)
    # %matplotlib inline            <- a commented IPython magic becomes a real one

    # %% tags=["gallery"]
    fig = ...                       <- cell tags: a figure worth putting in docs/figures/

`build_notebook` turns it into an nbformat-4 notebook with no outputs, no execution counts and
stable cell ids, so rebuilding an unchanged source gives byte-identical ``.ipynb`` files.
`execute_notebook` runs one with nbclient in the current interpreter's kernel.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
SOURCES = LESSONS / "src"

_MARKER = re.compile(r"^# %%(?P<markdown> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")
_MAGIC = re.compile(r"^# (%{1,2}[A-Za-z].*)$")


def parse_percent(text: str, source: str = "<source>") -> list[dict]:
    """Split a percent-format script into cells: ``{"type", "source", "tags"}``.

    Text before the first ``# %%`` marker must be blank. Markdown lines lose their leading
    ``# `` (or a lone ``#``); code lines that are commented magics (``# %timeit ...``) become
    magics. Blank lines around each cell are dropped.
    """
    cells: list[dict] = []
    current: dict | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARKER.match(line)
        if match:
            current = {
                "type": "markdown" if match["markdown"] else "code",
                "tags": json.loads(match["tags"]) if match["tags"] else [],
                "lines": [],
            }
            cells.append(current)
            continue
        if current is None:
            if line.strip():
                raise ValueError(f"{source}:{number}: text before the first '# %%' cell marker")
            continue
        if current["type"] == "markdown":
            if line.strip() and not (line.startswith("# ") or line == "#"):
                raise ValueError(f"{source}:{number}: a markdown line must start with '# '")
            line = line[2:] if line.startswith("# ") else ""
        else:
            magic = _MAGIC.match(line)
            if magic:
                line = magic[1]
        current["lines"].append(line)
    out = []
    for cell in cells:
        body = "\n".join(cell["lines"]).strip("\n")
        if body.strip():
            out.append({"type": cell["type"], "source": body, "tags": cell["tags"]})
    return out


def build_notebook(source: Path) -> nbformat.NotebookNode:
    """The clean notebook (no outputs, no execution counts) for one lesson source file."""
    source = Path(source)
    cells = []
    for index, cell in enumerate(parse_percent(source.read_text(encoding="utf-8"), str(source))):
        metadata = {"tags": cell["tags"]} if cell["tags"] else {}
        if cell["type"] == "markdown":
            node = nbformat.v4.new_markdown_cell(cell["source"], metadata=metadata)
        else:
            node = nbformat.v4.new_code_cell(cell["source"], metadata=metadata)
        node["id"] = f"{source.stem[:2]}-{index:03d}"
        cells.append(node)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return notebook


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """The exact text written for a notebook (nbformat's JSON, newline at the end)."""
    return nbformat.writes(notebook) + "\n"


def target_for(source: Path) -> Path:
    """``lessons/src/01_x.py`` -> ``lessons/01_x.ipynb``."""
    return LESSONS / (Path(source).stem + ".ipynb")


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and `os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def kernel_env(*, keep_figures: bool = False) -> dict[str, str]:
    """Environment for a lesson kernel: headless matplotlib, this interpreter first on PATH.

    ``keep_figures=False`` sets ``MPLBACKEND=Agg`` (figures are drawn, then dropped: what the
    tests want). True leaves the backend to ipykernel's headless ``inline`` one, which stores
    every figure in the executed notebook (what a reader wants).
    """
    env = dict(os.environ)
    if keep_figures:
        env.pop("MPLBACKEND", None)
    else:
        env["MPLBACKEND"] = "Agg"
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def execute_notebook(
    path: Path, *, timeout: int = 300, keep_figures: bool = False
) -> nbformat.NotebookNode:
    """Run every cell of a notebook in a fresh ``python3`` kernel, cwd = its folder.

    The kernel is this interpreter's ipykernel (jupyter_client replaces a kernelspec's bare
    ``python`` by `sys.executable`; PATH is set too). A failing cell raises
    `nbclient.exceptions.CellExecutionError` with the cell's source and traceback.
    `keep_figures` as in `kernel_env`.
    """
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=kernel_env(keep_figures=keep_figures))
    return notebook
