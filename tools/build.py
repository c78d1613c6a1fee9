"""Build executed copies of the notebooks: HTML pages or reveal.js slide decks.

    python tools/build.py html    [NN_topic ...]   # build/html/NN_topic.html (executed)
    python tools/build.py slides  [NN_topic ...]   # build/slides/NN_topic.slides.html
Executed copies go to build/ (git-ignored); the committed notebooks stay output-free.
Slides use a local copy of reveal.js (fetched once from the npm registry into
build/slides/reveal.js) so a deck can be presented without a network.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVEAL_VERSION = "4.0.2"  # the version nbconvert's slide template is written for


def local_reveal(out: Path) -> str | None:
    """Unpack reveal.js next to the decks; None (use the CDN) if npm cannot fetch it."""
    target = out / "reveal.js"
    if (target / "dist" / "reveal.js").exists():
        return "reveal.js"
    npm = shutil.which("npm")
    if npm is None:
        return None
    proc = subprocess.run([npm, "pack", f"reveal.js@{REVEAL_VERSION}", "--silent"], cwd=out,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return None
    archive = out / proc.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as tar:
        tar.extractall(out / "_reveal", filter="data")
    shutil.move(str(out / "_reveal" / "package"), target)
    shutil.rmtree(out / "_reveal")
    archive.unlink()
    return "reveal.js"


def main(argv):
    if not argv or argv[0] not in ("html", "slides"):
        sys.exit("usage: python tools/build.py html|slides [NN_topic ...]")
    kind, names = argv[0], argv[1:]
    paths = [ROOT / "notebooks" / f"{n}.ipynb" for n in names] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [p for p in paths if not p.exists()]
    if missing:
        sys.exit(f"no such notebook: {', '.join(p.stem for p in missing)}")
    out = ROOT / "build" / kind
    out.mkdir(parents=True, exist_ok=True)
    extra = []
    if kind == "slides":
        prefix = local_reveal(out)
        if prefix:
            extra = [f"--SlidesExporter.reveal_url_prefix={prefix}"]
        else:
            print("note: could not fetch reveal.js with npm; the decks load it from a CDN when opened.")
    for path in paths:
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", kind, "--execute",
               "--ExecutePreprocessor.timeout=1200", "--output-dir", str(out), *extra, str(path)]
        subprocess.run(cmd, check=True, cwd=ROOT / "notebooks")


if __name__ == "__main__":
    main(sys.argv[1:])
