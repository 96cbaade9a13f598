"""The library keeps its shape: layers, no cycles, no private names across modules, short files.

The rules and the module table live in docs/architecture.md and are checked by
scripts/layering.py; this test runs that check in `make test`, and shows that the check itself
can fail (each rule on a small made-up violation).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_layering():
    spec = importlib.util.spec_from_file_location("layering", ROOT / "scripts" / "layering.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("layering", module)
    spec.loader.exec_module(module)
    return module


layering = _load_layering()


def test_the_code_keeps_the_layers_of_docs_architecture():
    found = layering.problems()
    assert not found, "\n".join(found)


def test_every_module_is_at_most_400_lines():
    long = {p: n for p in layering.source_files() if (n := layering.count_lines(p)) > 400}
    assert not long, long


def test_cycle_finder_counts_imports_inside_functions(tmp_path, monkeypatch):
    package = tmp_path / "nst"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from nst.b import f\n")
    (package / "b.py").write_text("def f():\n    from nst.a import g  # hidden in a function\n")
    monkeypatch.setattr(layering, "ROOT", tmp_path)
    graph = {}
    known = {"nst", "nst.a", "nst.b"}
    for name in ("a", "b"):
        found, _ = layering.imports(f"nst/{name}.py", known)
        graph[f"nst.{name}"] = found
    assert layering._cycles(graph) == [["nst.a", "nst.b"]]


def test_private_names_are_found_in_from_imports_and_attributes(tmp_path, monkeypatch):
    package = tmp_path / "nst"
    package.mkdir()
    (package / "a.py").write_text(
        "from nst.b import _hidden\nimport nst.b as bee\nx = bee._other\ny = bee.public\n"
    )
    (package / "b.py").write_text("_hidden = _other = public = 1\n")
    monkeypatch.setattr(layering, "ROOT", tmp_path)
    _, private = layering.imports("nst/a.py", {"nst", "nst.a", "nst.b"})
    assert private == ["from nst.b import _hidden", "bee._other (nst.b)"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda rows: rows[1:], "missing from"),
        (lambda rows: [*rows, rows[0]], "listed twice"),
        (lambda rows: [r.replace("| core |", "| kernel |", 1) for r in rows], "unknown layer"),
        (
            lambda rows: [
                r.replace("| foundation |", "| tools |") if "vgg_mat/architecture.py" in r else r
                for r in rows
            ],
            "a lower layer never imports a higher one",
        ),
        (lambda rows: [r.rsplit("|", 2)[0] + "| 1 |" for r in rows], "(python scripts/layering"),
    ],
    ids=["missing", "twice", "unknown-layer", "upward-import", "line-count"],
)
def test_the_table_check_fails_on_a_broken_table(tmp_path, edit, expected):
    text = layering.DOC.read_text(encoding="utf-8")
    head, rest = text.split("<!-- modules: begin -->", 1)
    table, tail = rest.split("<!-- modules: end -->", 1)
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    others = [line for line in table.splitlines() if not line.startswith("| `")]
    broken = "\n".join([*others, *edit(rows)])
    doc = tmp_path / "architecture.md"
    doc.write_text(f"{head}<!-- modules: begin -->{broken}\n<!-- modules: end -->{tail}")
    assert any(expected in line for line in layering.problems(doc))


def test_the_foundation_imports_no_tensorflow():
    """docs/architecture.md says the foundation has no TensorFlow: importing it all proves it."""
    modules = [
        layering.module_name(r.path) for r in layering.read_table() if r.layer == "foundation"
    ]
    assert len(modules) >= 5
    code = (
        f"import sys\nfor m in {modules!r}:\n    __import__(m)\nprint('tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "False", f"a foundation module imports TensorFlow: {modules}"
