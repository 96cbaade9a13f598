"""Regenerate the lesson notebooks from their sources ``lessons/src/NN_*.py``.

Each source gives two notebooks: the student's ``lessons/NN_name.ipynb`` (fill-ins empty) and
``lessons/solutions/NN_name.ipynb`` (complete); see ``scripts/notebook_tools.py``.

Usage::

    .venv/bin/python scripts/build_notebooks.py           # rebuild every lesson
    .venv/bin/python scripts/build_notebooks.py 01 02     # only lessons whose name starts so
    .venv/bin/python scripts/build_notebooks.py --check   # exit 1 if a notebook is stale

The notebooks come out without outputs or execution counts (the project's policy); the test
suite executes them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notebook_tools import (
    SOURCES,
    VERSIONS,
    build_notebook,
    notebook_text,
    target_for,
    write_atomically,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="lesson name prefixes, e.g. 01 (default: all)")
    parser.add_argument("--check", action="store_true", help="report stale notebooks, write none")
    args = parser.parse_args(argv)
    sources = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if args.prefixes:
        sources = [s for s in sources if any(s.name.startswith(p) for p in args.prefixes)]
    if not sources:
        print(f"build_notebooks: no lesson sources match in {SOURCES}", file=sys.stderr)
        return 2
    stale = []
    for source in sources:
        try:
            texts = {v: notebook_text(build_notebook(source, v)) for v in VERSIONS}
        except ValueError as error:
            print(f"build_notebooks: {error}", file=sys.stderr)
            return 2
        for version, text in texts.items():
            target = target_for(source, version)
            current = target.read_text(encoding="utf-8") if target.exists() else None
            if current == text:
                continue
            stale.append(target)
            if not args.check:
                write_atomically(target, text)
                print(f"wrote {target.relative_to(SOURCES.parents[1])}")
    if args.check and stale:
        names = ", ".join(str(t.relative_to(SOURCES.parent)) for t in stale)
        print(f"build_notebooks: stale notebooks (rebuild them): {names}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
