"""The lesson notebooks: each one executes headless, and each one follows the lesson policy.

Executing a lesson is a test because every lesson asserts its worked numbers and checks its
naive code against the library. A failing cell fails the test with that cell's traceback.
"""

from __future__ import annotations

import ast
import base64
import importlib.util
import io
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 300


def _load_tools():
    spec = importlib.util.spec_from_file_location(
        "notebook_tools", ROOT / "scripts" / "notebook_tools.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tools = _load_tools()


def test_there_are_lessons():
    assert LESSONS, f"no lesson notebooks found in {ROOT / 'lessons'}"


def _markdown(notebook) -> str:
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


def _code_without_magics(cell) -> str:
    return "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_lesson_is_committed_clean_and_has_the_required_parts(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index}: committed with outputs"
            assert cell.execution_count is None, f"{path.name} cell {index}: execution count set"
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), (
        f"{path.name}: the first cell must be a markdown title ('# ...')"
    )
    text = _markdown(notebook)
    for heading in ("What to remember", "Exercises"):
        assert re.search(rf"^#+ .*{heading}", text, re.MULTILINE), (
            f"{path.name}: no '{heading}' section heading"
        )
    asserts = 0
    for cell in notebook.cells:
        if cell.cell_type == "code":
            tree = ast.parse(_code_without_magics(cell))
            asserts += sum(isinstance(node, ast.Assert) for node in ast.walk(tree))
            asserts += len(re.findall(r"np\.testing\.assert_\w+\(", cell.source))
    assert asserts >= 3, f"{path.name}: only {asserts} asserts (a lesson needs at least 3)"


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_lesson_notebook_matches_its_source(path):
    source = ROOT / "lessons" / "src" / (path.stem + ".py")
    assert source.exists(), f"{path.name}: its source {source} is missing"
    expected = tools.notebook_text(tools.build_notebook(source))
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.name} differs from {source.name}: run .venv/bin/python scripts/build_notebooks.py"
    )


def test_percent_parser_handles_markdown_magics_and_tags():
    cells = tools.parse_percent(
        '# %% [markdown]\n# # Title\n#\n# Text $x$\n\n# %% tags=["gallery"]\n'
        "# %matplotlib inline\nx = 1  # a comment\n\n# %%\n\n"
    )
    assert cells == [
        {"type": "markdown", "source": "# Title\n\nText $x$", "tags": []},
        {"type": "code", "source": "%matplotlib inline\nx = 1  # a comment", "tags": ["gallery"]},
    ]
    with pytest.raises(ValueError, match="before the first"):
        tools.parse_percent("x = 1\n# %%\n")
    with pytest.raises(ValueError, match="must start with '# '"):
        tools.parse_percent("# %% [markdown]\nno hash\n")


@pytest.mark.notebooks
@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_lesson_executes(path):
    notebook = tools.execute_notebook(path, timeout=CELL_TIMEOUT_S)
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}"


def test_executor_uses_this_interpreter_headless_in_the_notebook_folder(tmp_path):
    from nbclient.exceptions import CellExecutionError

    source = tmp_path / "99_probe.py"
    source.write_text(
        "# %% [markdown]\n# # Probe\n\n# %%\n"
        "import os, sys\nimport matplotlib\n"
        f"assert os.getcwd() == {str(tmp_path)!r}, os.getcwd()\n"
        f"assert sys.executable == {__import__('sys').executable!r}, sys.executable\n"
        "assert matplotlib.get_backend().lower() == 'agg', matplotlib.get_backend()\n\n"
        "# %%\nassert 1 + 1 == 3, 'the probe failed on purpose'\n",
        encoding="utf-8",
    )
    notebook = tmp_path / "99_probe.ipynb"
    notebook.write_text(tools.notebook_text(tools.build_notebook(source)), encoding="utf-8")
    with pytest.raises(CellExecutionError, match="the probe failed on purpose") as failure:
        tools.execute_notebook(notebook, timeout=60)
    assert "assert 1 + 1 == 3" in str(failure.value)  # the failing cell's source is reported


def test_gallery_images_come_only_from_tagged_cells():
    spec = importlib.util.spec_from_file_location(
        "run_lessons", ROOT / "scripts" / "run_lessons.py"
    )
    run_lessons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_lessons)
    png = b"\x89PNG\r\n\x1a\n-fake"
    image = nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(png).decode()}
    )
    tagged = nbformat.v4.new_code_cell("fig", metadata={"tags": ["gallery"]}, outputs=[image])
    first, last = (nbformat.v4.new_code_cell("fig", outputs=[image]) for _ in range(2))
    notebook = nbformat.v4.new_notebook(cells=[first, tagged, last])
    assert run_lessons.gallery_images(notebook) == [png]


def test_gallery_copies_are_palette_pngs_close_to_the_figure():
    spec = importlib.util.spec_from_file_location(
        "run_lessons", ROOT / "scripts" / "run_lessons.py"
    )
    run_lessons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_lessons)
    from PIL import Image

    rng = np.random.default_rng(0)
    figure = (rng.random((60, 80, 3)) * 255).astype(np.uint8)
    figure[:, :40] = (200, 30, 30)  # a flat panel, as in a plot's background
    raw = io.BytesIO()
    Image.fromarray(figure).save(raw, format="PNG")
    with Image.open(io.BytesIO(run_lessons.gallery_png(raw.getvalue()))) as copy:
        assert copy.mode == "P" and copy.size == (80, 60)
        pixels = np.asarray(copy.convert("RGB"), dtype=np.int16)
    assert np.array_equal(pixels[:, :40], np.broadcast_to([200, 30, 30], (60, 40, 3)))
    assert np.abs(pixels - figure).mean() < 12  # 256 colours for random noise: close, not exact
