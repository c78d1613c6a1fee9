"""Build executed copies of the notebooks: HTML pages or reveal.js slide decks.

    python tools/build.py html    [NN_topic ...]   # build/html/NN_topic.html (executed)
    python tools/build.py slides  [NN_topic ...]   # build/slides/NN_topic.slides.html
Executed copies go to build/ (git-ignored); the committed notebooks stay output-free.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv):
    if not argv or argv[0] not in ("html", "slides"):
        sys.exit("usage: python tools/build.py html|slides [NN_topic ...]")
    kind, names = argv[0], argv[1:]
    paths = [ROOT / "notebooks" / f"{n}.ipynb" for n in names] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    out = ROOT / "build" / kind
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", kind, "--execute",
               "--ExecutePreprocessor.timeout=1200", "--output-dir", str(out), str(path)]
        subprocess.run(cmd, check=True, cwd=ROOT / "notebooks")


if __name__ == "__main__":
    main(sys.argv[1:])
