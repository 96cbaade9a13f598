"""The lesson notebooks: each one executes headless, and each one follows the lesson policy.

Executing a lesson is a test because every lesson asserts its worked numbers and checks its
naive code against the library. A failing cell fails the test with that cell's traceback.
Every lesson comes in two versions built from one source: the student's notebook (fill-ins
empty) must stop at its first fill-in with ``NotImplementedError``; the solution notebook runs
to the end, and on the way every grader must refuse an empty answer with a hint.
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
SOLVED = sorted((ROOT / "lessons" / "solutions").glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted((ROOT / "lessons" / "src").glob("[0-9][0-9]_*.py"))
CELL_TIMEOUT_S = 300


def _load_tools():
    spec = importlib.util.spec_from_file_location(
        "notebook_tools", ROOT / "scripts" / "notebook_tools.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tools = _load_tools()


def test_there_are_lessons_each_in_two_versions():
    assert LESSONS, f"no lesson notebooks found in {ROOT / 'lessons'}"
    assert [p.stem for p in LESSONS] == [p.stem for p in SOURCES] == [p.stem for p in SOLVED]


def _markdown(notebook) -> str:
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


def _code_without_magics(cell) -> str:
    return "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))


@pytest.mark.parametrize(
    "path", LESSONS + SOLVED, ids=[str(p.relative_to(ROOT / "lessons")) for p in LESSONS + SOLVED]
)
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


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem[:2] for p in SOURCES])
@pytest.mark.parametrize("version", tools.VERSIONS)
def test_lesson_notebook_matches_its_source(source, version):
    path = tools.target_for(source, version)
    assert path.exists(), f"{path} is missing: run .venv/bin/python scripts/build_notebooks.py"
    expected = tools.notebook_text(tools.build_notebook(source, version))
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.name} ({version}) differs from {source.name}: "
        "run .venv/bin/python scripts/build_notebooks.py"
    )


def _sections(source):
    """(cells before the Exercises heading, cells after it)."""
    cells = tools.lesson_cells(source)
    heading = next(
        i
        for i, c in enumerate(cells)
        if c["type"] == "markdown" and re.search(r"^#+ .*Exercises", c["source"], re.MULTILINE)
    )
    return cells[:heading], cells[heading + 1 :]


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem[:2] for p in SOURCES])
def test_lesson_has_at_least_two_graded_fill_ins_before_its_exercises(source):
    body, _ = _sections(source)
    fill_ins = [c for c in body if tools.is_fill_in(c)]
    assert len(fill_ins) >= 2, (
        f"{source.name}: {len(fill_ins)} fill-in(s) in the lesson itself; every lesson has the "
        "learner write at least two of its building blocks"
    )


def test_the_course_has_at_least_22_fill_ins():
    total = sum(sum(tools.is_fill_in(c) for c in _sections(s)[0]) for s in SOURCES)
    assert total >= 22, f"{total} graded fill-ins in the lessons; the course promises 22 or more"


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem[:2] for p in SOURCES])
def test_every_exercise_has_a_check_or_a_hint_and_a_worked_solution(source):
    _, after = _sections(source)
    starts = [
        i
        for i, c in enumerate(after)
        if c["type"] == "markdown" and c["source"].startswith("**Exercise")
    ]
    assert starts, f"{source.name}: no '**Exercise N.**' cells after the Exercises heading"
    for start, end in zip(starts, starts[1:] + [len(after)], strict=True):
        cells = after[start:end]
        title = cells[0]["source"].splitlines()[0][:40]
        checked = any(tools.is_fill_in(c) for c in cells)
        hinted = "*Hint" in cells[0]["source"]
        solved = checked or any(tools.SOLUTION_TAG in c["tags"] for c in cells)
        assert checked or hinted, f"{source.name}: {title!r} has neither a checked cell nor a hint"
        assert solved, f"{source.name}: {title!r} has no worked solution (a cell tagged solution)"


def _probe_source(tmp_path, body, grader, indent="    "):
    source = tmp_path / "99_probe.py"
    source.write_text(
        "# %% [markdown]\n# # Probe\n\n# %%\nfrom nst.grading import answer, check\n\n"
        f"# %%\ndef double(x):\n    pass\n{indent}### BEGIN SOLUTION\n{body}\n"
        f"{indent}### END SOLUTION\n\n"
        f"# %%\n{grader}\n",
        encoding="utf-8",
    )
    return source


def test_student_version_hides_the_solution_and_solution_version_drops_the_markers(tmp_path):
    source = _probe_source(tmp_path, "    return 2 * x", 'check("double", double(2), 4)')
    student = tools.build_notebook(source, "student").cells[2].source
    solved = tools.build_notebook(source, "solution").cells[2].source
    assert (
        student == "def double(x):\n    pass\n    # YOUR CODE HERE\n    raise NotImplementedError"
    )
    assert solved == "def double(x):\n    pass\n    return 2 * x"


@pytest.mark.parametrize(
    ("body", "grader", "indent", "message"),
    [
        ("    return 2 * x", "print(double(2))", "    ", "must grade it"),
        ("y = 2", 'check("d", double(2), 4)', "", "inside a function body"),
        ("    return 2 * (x", 'check("d", double(2), 4)', "    ", "not valid Python"),
    ],
)
def test_fill_in_rules_are_checked_when_building(tmp_path, body, grader, indent, message):
    with pytest.raises(ValueError, match=message):
        tools.build_notebook(_probe_source(tmp_path, body, grader, indent))


def test_a_fill_in_cell_that_computes_is_refused(tmp_path):
    source = _probe_source(tmp_path, "    return 2 * x", 'check("d", double(2), 4)')
    text = source.read_text(encoding="utf-8").replace("def double", "y = double(1)\ndef double")
    source.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="only defines functions"):
        tools.build_notebook(source)


@pytest.mark.notebooks
def test_a_grader_that_lets_an_empty_answer_through_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(tools, "SOLUTIONS", tmp_path)
    lenient = _probe_source(
        tmp_path, "    return 2 * x", "print('graded without looking')  # never calls check("
    )
    assert tools.execute_graded(lenient, timeout=60) == [
        "99_probe cell 2: its grader let an empty answer (None) through"
    ]
    strict = _probe_source(tmp_path, "    return 2 * x", 'check("double", double(2), 4)')
    assert tools.execute_graded(strict, timeout=60) == []


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
@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_solution_runs_and_every_grader_refuses_an_empty_answer(source):
    problems = tools.execute_graded(source, timeout=CELL_TIMEOUT_S)
    assert not problems, "\n".join(problems)


@pytest.mark.notebooks
@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_untouched_student_notebook_stops_at_its_first_fill_in(source):
    path = tools.target_for(source, "student")
    notebook = nbformat.read(path, as_version=4)
    first = next(
        i
        for i, c in enumerate(notebook.cells)
        if c.cell_type == "code" and tools.FILL_IN[0] in c.source
    )
    grader = next(
        i for i in range(first + 1, len(notebook.cells)) if notebook.cells[i].cell_type == "code"
    )
    stop = tools.run_until_error(path, timeout=CELL_TIMEOUT_S)
    assert stop is not None, f"{path.name}: ran to the end with every fill-in empty"
    position, ename, evalue = stop
    assert (position, ename) == (grader, "NotImplementedError"), (
        f"{path.name}: stopped at cell {position} with {ename}: {evalue}; expected the grader "
        f"of the first fill-in (cell {grader}) with NotImplementedError"
    )


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
