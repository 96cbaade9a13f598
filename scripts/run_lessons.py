"""Execute the solution notebooks into executed copies (for reading), and save gallery figures.

Usage::

    .venv/bin/python scripts/run_lessons.py                          # all, into build/lessons/
    .venv/bin/python scripts/run_lessons.py 01 02 --out build/lessons
    .venv/bin/python scripts/run_lessons.py --figures docs/figures   # also save gallery PNGs

Each solution notebook (``lessons/solutions/``: the lessons with every fill-in done) runs in a
fresh kernel from this interpreter, with cwd ``lessons/solutions/`` and
matplotlib's headless ``inline`` backend, so the figures are kept in the executed copy,
``OUT/NN_name.ipynb`` (open it in Jupyter, or on GitHub). With ``--figures DIR``, every PNG
shown by a cell tagged ``gallery`` is written to ``DIR/NN_name-K.png`` (as a 256-colour
PNG, see `gallery_png`). The committed
notebooks in ``lessons/`` are never modified. Exit status: 1 if any lesson failed (the others
still run), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import base64
import io
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbformat
from notebook_tools import ROOT, SOLUTIONS, execute_notebook, write_atomically


def gallery_images(notebook: nbformat.NotebookNode) -> list[bytes]:
    """PNG bytes of every image shown by a cell tagged ``gallery``, in order."""
    images = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or "gallery" not in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                images.append(base64.b64decode(data["image/png"]))
    return images


def gallery_png(png: bytes) -> bytes:
    """A lighter copy of a figure for docs/: 256 colours (median cut, no dithering), optimised.

    Figures of noisy synthetic-weights images compress badly as true-colour PNG (up to 1.5 MB
    each); a palette keeps them about 3x smaller and indistinguishable at gallery size. The
    executed notebooks keep the full figures.
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="lesson name prefixes, e.g. 01 (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lessons")
    parser.add_argument("--figures", type=Path, default=None, help="save gallery PNGs here")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell (300)")
    args = parser.parse_args(argv)
    notebooks = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    if args.prefixes:
        notebooks = [n for n in notebooks if any(n.name.startswith(p) for p in args.prefixes)]
    if not notebooks:
        print(f"run_lessons: no solution notebooks match in {SOLUTIONS}", file=sys.stderr)
        return 2
    failed = []
    for path in notebooks:
        start = time.perf_counter()
        try:
            notebook = execute_notebook(path, timeout=args.timeout, keep_figures=True)
        except Exception as error:  # report and go on with the other lessons
            failed.append(path.name)
            text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines()
            print(f"FAILED {path.name}:")
            print("\n".join(text[-20:]) if text else type(error).__name__)
            continue
        elapsed = time.perf_counter() - start
        write_atomically(args.out / path.name, nbformat.writes(notebook) + "\n")
        print(f"ok     {path.name}  {elapsed:6.1f} s  -> {args.out / path.name}")
        if args.figures is not None:
            for k, png in enumerate(gallery_images(notebook), start=1):
                target = args.figures / f"{path.stem}-{k}.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.tmp")
                tmp.write_bytes(gallery_png(png))
                tmp.replace(target)
                print(f"       figure -> {target}")
    if failed:
        print(f"run_lessons: {len(failed)} lesson(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
