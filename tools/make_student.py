"""Build the student edition of the notebooks: every block between ``# BEGIN SOLUTION``
and ``# END SOLUTION`` becomes a stub that raises NotImplementedError.

    python tools/make_student.py --out student      # writes student/NN_topic.ipynb
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
STUB = 'raise NotImplementedError("Exercise: write your solution here, then run the check below.")'


def strip_solutions(source: str) -> str:
    """Replace each solution block with a stub at the block's indentation."""
    out, inside = [], False
    for line in source.splitlines():
        begin = BEGIN.match(line)
        if begin and not inside:
            inside = True
            out.append(f"{begin.group(1)}# YOUR CODE HERE")
            out.append(f"{begin.group(1)}{STUB}")
        elif END.match(line) and inside:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError("a '# BEGIN SOLUTION' has no matching '# END SOLUTION'.")
    return "\n".join(out)


def student_notebook(nb):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and "# BEGIN SOLUTION" in cell.source:
            cell.source = strip_solutions(cell.source)
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default=Path(__file__).resolve().parent.parent / "notebooks", type=Path)
    parser.add_argument("--out", default=Path("student"), type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in sorted(args.notebooks.glob("[0-9][0-9]_*.ipynb")):
        nb = student_notebook(nbformat.read(path, as_version=4))
        tmp = args.out / (path.name + ".part")
        nbformat.write(nb, tmp)
        tmp.replace(args.out / path.name)
        print(f"wrote {args.out / path.name}")


if __name__ == "__main__":
    main()
