"""The library's layers, read from docs/architecture.md and checked against the code.

docs/architecture.md has one table, between ``<!-- modules: begin -->`` and
``<!-- modules: end -->``, with a row per module of `vgg_mat/` and `nst/`: its path, its layer
(``foundation``, ``core``, ``extras``, ``tools``; the two packages' ``__init__`` files are
``package``), what it owns and its
line count. This script (and `tests/test_layering.py`, which imports it) checks that

- every module is in the table once, with its current line count, and the totals of the core
  and of the foundation (sentences "The core is N lines", "The foundation is N lines") are right;
- no module is over `MAX_LINES` lines;
- a module imports only modules of its own layer or a lower one
  (foundation < core < extras < tools),
  counting imports inside functions; a package ``__init__`` may re-export any of its modules;
- no import cycle among the modules (again counting imports inside functions);
- no module imports a private name (``_x``) from another module of ours, or reads one as an
  attribute of a module it imported.

Usage::

    python scripts/layering.py           # print the problems (exit 1) or "ok"
    python scripts/layering.py --write   # rewrite the line counts and the core total in the doc
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("vgg_mat", "nst")
LAYERS = ("foundation", "core", "extras", "tools")  # low to high; "package" stands apart
MAX_LINES = 400
_BEGIN, _END = "<!-- modules: begin -->", "<!-- modules: end -->"
_TOTAL = {
    layer: re.compile(rf"(The {layer} is )([\d,]+)( lines)") for layer in ("core", "foundation")
}


@dataclass(frozen=True)
class Row:
    path: str  # e.g. "nst/losses.py"
    layer: str
    owns: str
    lines: int


def module_name(path: str) -> str:
    """``nst/cli/run.py`` -> ``nst.cli.run``; ``nst/__init__.py`` -> ``nst``."""
    parts = Path(path).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> list[str]:
    """Every ``.py`` file of the packages, relative to the project root, sorted."""
    return sorted(
        str(p.relative_to(ROOT)) for package in PACKAGES for p in (ROOT / package).rglob("*.py")
    )


def count_lines(path: str) -> int:
    return len((ROOT / path).read_text(encoding="utf-8").splitlines())


def read_table(doc: Path = DOC) -> list[Row]:
    """The module table of docs/architecture.md."""
    text = doc.read_text(encoding="utf-8")
    if _BEGIN not in text or _END not in text:
        raise ValueError(f"{doc}: no module table between {_BEGIN} and {_END}")
    rows = []
    for line in text.split(_BEGIN, 1)[1].split(_END, 1)[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue  # the header, its rule, blank lines
        lines = int(cells[3].replace(",", ""))
        rows.append(Row(cells[0].strip("`"), cells[1], cells[2], lines))
    return rows


def imports(path: str, known: set[str]) -> tuple[set[str], list[str]]:
    """The modules of ours that `path` imports anywhere in the file, and private-name uses.

    ``from a.b import c`` counts as importing ``a.b.c`` when that is one of our modules, else
    ``a.b``. Returns (imported module names, descriptions of private names taken from them).
    """
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    found: set[str] = set()
    private: list[str] = []
    aliases: dict[str, str] = {}  # local name -> our module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    found.add(alias.name)
                    if alias.asname:
                        aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in known:
                    found.add(sub)
                    aliases[alias.asname or alias.name] = sub
                else:
                    found.add(node.module)
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        private.append(f"from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            if node.attr.startswith("__"):
                continue
            base = ast.unparse(node.value)
            target = aliases.get(base, base if base in known else None)
            if target is not None and target != module_name(path):
                private.append(f"{base}.{node.attr} ({target})")
    return found, private


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), plus self-loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                result.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def problems(doc: Path = DOC) -> list[str]:
    """Everything that breaks the rules in the module docstring, one line each."""
    out: list[str] = []
    files = source_files()
    rows = read_table(doc)
    by_path = {row.path: row for row in rows}
    for path in sorted({r.path for r in rows} ^ set(files)):
        where = "missing from" if path in files else "listed in the table but not in the code:"
        out.append(f"{path}: {where} {doc.name}'s module table")
    seen: set[str] = set()
    for row in rows:
        if row.path in seen:
            out.append(f"{row.path}: listed twice in {doc.name}")
        seen.add(row.path)
        if row.layer not in (*LAYERS, "package"):
            out.append(f"{row.path}: unknown layer {row.layer!r}; use one of {LAYERS}")
    known = {module_name(p): p for p in files}
    layer_of = {module_name(r.path): r.layer for r in rows}
    graph: dict[str, set[str]] = {}
    for path in files:
        name = module_name(path)
        lines = count_lines(path)
        if lines > MAX_LINES:
            out.append(f"{path}: {lines} lines, over the limit of {MAX_LINES}")
        if path in by_path and by_path[path].lines != lines:
            out.append(
                f"{path}: {doc.name} says {by_path[path].lines} lines, the file has {lines} "
                "(python scripts/layering.py --write updates the counts)"
            )
        found, private = imports(path, set(known))
        found.discard(name)
        graph[name] = found
        out += [f"{path}: imports a private name: {p}" for p in private]
        mine = layer_of.get(name)
        if mine not in LAYERS:
            continue  # packages re-export; unknown layers are reported above
        for other in sorted(found):
            theirs = layer_of.get(other)
            if theirs in LAYERS and LAYERS.index(theirs) > LAYERS.index(mine):
                out.append(f"{path} ({mine}) imports {other} ({theirs}): a lower layer never "
                           "imports a higher one")  # fmt: skip
    # Cycles among modules; a package __init__ that re-exports its modules is left out, since
    # importing a submodule imports its package first by Python's rules, not by our choice.
    modules = {n: g - set(PACKAGES) for n, g in graph.items() if n not in PACKAGES}
    for component in _cycles(modules):
        out.append("import cycle: " + " -> ".join(component))
    text = doc.read_text(encoding="utf-8")
    for layer, pattern in _TOTAL.items():
        lines = sum(count_lines(r.path) for r in rows if r.layer == layer and r.path in files)
        total = pattern.search(text)
        if total is None:
            out.append(f"{doc.name}: no sentence 'The {layer} is N lines'")
        elif int(total[2].replace(",", "")) != lines:
            out.append(f"{doc.name}: says the {layer} is {total[2]} lines, it is {lines:,}")
    return out


def write_counts(doc: Path = DOC) -> None:
    """Rewrite the line-count column and the core total of the doc from the files."""
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(_BEGIN, 1)
    table, tail = rest.split(_END, 1)
    lines = []
    totals = dict.fromkeys(_TOTAL, 0)
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        path = cells[0].strip("`") if cells and cells[0].startswith("`") else None
        if len(cells) == 4 and path and (ROOT / path).exists():
            n = count_lines(path)
            if cells[1] in totals:
                totals[cells[1]] += n
            line = f"| {cells[0]} | {cells[1]} | {cells[2]} | {n:,} |"
        lines.append(line)
    text = head + _BEGIN + "\n".join(lines) + _END + tail
    for layer, pattern in _TOTAL.items():
        text = pattern.sub(lambda m, n=totals[layer]: f"{m[1]}{n:,}{m[3]}", text)
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update the doc's line counts")
    args = parser.parse_args(argv)
    if args.write:
        write_counts()
    found = problems()
    print("\n".join(found) if found else "ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
