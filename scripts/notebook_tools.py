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

Learner fill-ins (nbgrader's markers) and solution-only cells::

    # %%
    def gram_matrix(features):
        '''What to compute, with shapes.'''
        ### BEGIN SOLUTION
        f = features.reshape(-1, features.shape[-1])
        return f.T @ f
        ### END SOLUTION

    # %%
    check("gram_matrix", answer("gram_matrix", gram_matrix, x), expected)   <- its grader

    # %% [markdown] tags=["solution"]
    # **Solution.** ...                 <- only in the solutions notebook

`build_notebook(source, version)` turns a source into an nbformat-4 notebook with no outputs, no
execution counts and stable cell ids, so rebuilding an unchanged source gives byte-identical
``.ipynb`` files: the ``"student"`` version (``lessons/NN_name.ipynb``) has each solution block
replaced by ``# YOUR CODE HERE`` and ``raise NotImplementedError`` and no solution-only cells;
the ``"solution"`` version (``lessons/solutions/NN_name.ipynb``) has the blocks without their
markers and every cell. `execute_notebook` runs one with nbclient in this interpreter's kernel;
`execute_graded` runs a solution notebook and shows on the way that every grader refuses an
empty answer; `run_until_error` runs a student notebook to its first error.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
SOURCES = LESSONS / "src"

SOLUTIONS = LESSONS / "solutions"
VERSIONS = ("student", "solution")
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
FILL_IN = ("# YOUR CODE HERE", "raise NotImplementedError")
SOLUTION_TAG = "solution"

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


def is_fill_in(cell: dict) -> bool:
    """True for a code cell holding a ``### BEGIN SOLUTION`` block (a learner's fill-in)."""
    return cell["type"] == "code" and any(
        line.strip() == BEGIN for line in cell["source"].splitlines()
    )


def fill_in_source(source: str, body: str | None) -> str:
    """A fill-in cell's code with each solution block replaced.

    ``body=None`` keeps the solution (markers dropped); otherwise each block becomes the lines of
    `body` (``"\\n".join(FILL_IN)`` for the student, ``"return None"`` for an empty answer), at
    the indentation of the ``### BEGIN SOLUTION`` line.
    """
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            inside = True
            if body is not None:
                indent = line[: len(line) - len(line.lstrip())]
                out.extend(indent + part for part in body.splitlines())
            continue
        if stripped == END:
            inside = False
            continue
        if not inside or body is None:
            out.append(line)
    return "\n".join(out)


def check_fill_ins(cells: list[dict], source: str) -> None:
    """The rules a fill-in follows, so that an empty answer reaches its grader.

    Markers balanced and inside a function body; the cell defines things only (functions,
    imports, constants: nothing is called when it runs); the next code cell is its grader and
    calls ``check(``.
    """
    for index, cell in enumerate(cells):
        if not is_fill_in(cell):
            if cell["type"] == "code" and (BEGIN in cell["source"] or END in cell["source"]):
                raise ValueError(f"{source}: cell {index}: a solution marker on a line of its own")
            continue
        depth = 0
        for line in cell["source"].splitlines():
            stripped = line.strip()
            if stripped in (BEGIN, END):
                depth += 1 if stripped == BEGIN else -1
                if depth not in (0, 1) or not line.startswith(" "):
                    raise ValueError(
                        f"{source}: cell {index}: solution markers must pair up, each block "
                        "inside a function body"
                    )
        if depth:
            raise ValueError(f"{source}: cell {index}: '{BEGIN}' without '{END}'")
        for version in (None, "\n".join(FILL_IN), "return None"):
            try:
                tree = ast.parse(fill_in_source(cell["source"], version))
            except SyntaxError as error:
                raise ValueError(
                    f"{source}: cell {index}: not valid Python once the solution block is "
                    f"replaced ({error.msg}, line {error.lineno})"
                ) from None
            for node in tree.body:
                if not isinstance(
                    node,
                    (
                        ast.FunctionDef,
                        ast.ClassDef,
                        ast.Import,
                        ast.ImportFrom,
                        ast.Assign,
                        ast.Expr,
                    ),
                ) or (isinstance(node, (ast.Assign, ast.Expr)) and _calls(node)):
                    raise ValueError(
                        f"{source}: cell {index}: a fill-in cell only defines functions, "
                        f"imports and constants (line {node.lineno} does more): move the rest "
                        "to another cell"
                    )
        grader = next((c for c in cells[index + 1 :] if c["type"] == "code"), None)
        if grader is None or "check(" not in grader["source"] or is_fill_in(grader):
            raise ValueError(
                f"{source}: cell {index}: the code cell after a fill-in must grade it "
                "(call nst.grading.check)"
            )


def _calls(node: ast.AST) -> bool:
    return any(isinstance(child, ast.Call) for child in ast.walk(node))


def lesson_cells(source: Path) -> list[dict]:
    """The cells of one lesson source, with its fill-ins checked (see `check_fill_ins`)."""
    source = Path(source)
    cells = parse_percent(source.read_text(encoding="utf-8"), str(source))
    check_fill_ins(cells, str(source))
    return cells


def render_cells(cells: list[dict], version: str) -> list[dict]:
    """The cells of one version, each with its index in the source (for stable ids)."""
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}, got {version!r}")
    out = []
    for index, cell in enumerate(cells):
        tags = [t for t in cell["tags"] if t != SOLUTION_TAG]
        if SOLUTION_TAG in cell["tags"] and version == "student":
            continue
        text = cell["source"]
        if is_fill_in(cell):
            text = fill_in_source(text, "\n".join(FILL_IN) if version == "student" else None)
        out.append({**cell, "source": text, "tags": tags, "index": index})
    return out


def build_notebook(source: Path, version: str = "solution") -> nbformat.NotebookNode:
    """The clean notebook (no outputs, no execution counts) of one version of a lesson."""
    source = Path(source)
    cells = []
    for cell in render_cells(lesson_cells(source), version):
        metadata = {"tags": cell["tags"]} if cell["tags"] else {}
        if cell["type"] == "markdown":
            node = nbformat.v4.new_markdown_cell(cell["source"], metadata=metadata)
        else:
            node = nbformat.v4.new_code_cell(cell["source"], metadata=metadata)
        node["id"] = f"{source.stem[:2]}-{cell['index']:03d}"
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


def target_for(source: Path, version: str = "student") -> Path:
    """``lessons/src/01_x.py`` -> ``lessons/01_x.ipynb`` or ``lessons/solutions/01_x.ipynb``."""
    folder = LESSONS if version == "student" else SOLUTIONS
    return folder / (Path(source).stem + ".ipynb")


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
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = notebook_client(notebook, path.parent, timeout)
    client.execute(env=kernel_env(keep_figures=keep_figures))
    return notebook


def notebook_client(notebook: nbformat.NotebookNode, folder: Path, timeout: int):
    """An nbclient client for `notebook`: this interpreter's ``python3`` kernel, cwd `folder`,
    `timeout` seconds per cell."""
    from nbclient import NotebookClient

    return NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )


def execute_graded(source: Path, *, timeout: int = 300) -> list[str]:
    """Run a lesson's solution notebook to the end, trying an empty answer at every fill-in.

    Before each fill-in cell runs, its empty version (each solution block replaced by
    ``return None``) runs, then its grader, which must fail with `nst.grading.GradingError`;
    then the real cell and the grader run as usual. The kernel's folder is
    ``lessons/solutions/`` (where the notebook lives).

    Returns
    -------
    problems : list of str
        One line per grader that let the empty answer through (or failed it by accident,
        with another error than ``GradingError``); empty when every grader did its job.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell of the solution fails (the cell's source and traceback in the message).
    """
    from nbclient.exceptions import CellExecutionError

    source = Path(source)
    notebook = build_notebook(source, "solution")
    originals = lesson_cells(source)
    cells = render_cells(originals, "solution")
    problems = []
    client = notebook_client(notebook, SOLUTIONS, timeout)
    with client.setup_kernel(env=kernel_env()):
        for position, (cell, node) in enumerate(zip(cells, notebook.cells, strict=True)):
            if node.cell_type != "code":
                continue
            original = originals[cell["index"]]  # with its solution markers
            if is_fill_in(original):
                empty = nbformat.v4.new_code_cell(fill_in_source(original["source"], "return None"))
                grader = next(c for c in notebook.cells[position + 1 :] if c.cell_type == "code")
                client.execute_cell(empty, position)
                probe = nbformat.v4.new_code_cell(grader.source)
                where = f"{source.stem} cell {cell['index']}"
                try:
                    client.execute_cell(probe, position + 1)
                    problems.append(f"{where}: its grader let an empty answer (None) through")
                except CellExecutionError as error:
                    if error.ename != "GradingError":
                        problems.append(
                            f"{where}: its grader failed an empty answer with {error.ename}, "
                            "not with a GradingError hint"
                        )
            client.execute_cell(node, position)
    return problems


def run_until_error(path: Path, *, timeout: int = 300) -> tuple[int, str, str] | None:
    """Run a notebook until its first failing cell: ``(cell position, ename, evalue)``, or None.

    For an untouched student notebook the answer should be the grader after the first
    fill-in, failing with ``NotImplementedError``.
    """
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = notebook_client(notebook, path.parent, timeout)
    with client.setup_kernel(env=kernel_env()):
        for position, node in enumerate(notebook.cells):
            if node.cell_type != "code":
                continue
            try:
                client.execute_cell(node, position)
            except CellExecutionError as error:
                return position, error.ename, error.evalue
    return None
