"""Notebooks are clean, paired with their jupytext .py, and follow the course's layout."""
import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.compare import compare_notebooks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_ipynb_matches_its_py_pair(path):
    py = path.with_suffix(".py")
    assert py.exists(), f"{path.name} has no jupytext pair: run jupytext --set-formats ipynb,py:percent"
    # raises with a per-cell diff when the two differ (jupytext --diff would exit 0)
    compare_notebooks(jupytext.read(py), jupytext.read(path), fmt="py:percent")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; clear them (jupytext --to ipynb from the .py)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_badge_setup_cell_and_slides(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "colab-badge.svg" in first.source
    link = re.search(r"\(https://colab\.research\.google\.com/github/([^)]+)\)", first.source).group(1)
    assert link.endswith(f"/blob/main/notebooks/{path.name}"), f"badge points at {link}"
    setup = [c for c in nb.cells if "setup" in c.metadata.get("tags", [])]
    assert setup and "google.colab" in setup[0].source and "cu.device()" in setup[0].source
    slides = [c for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "slide"]
    assert len(slides) >= 3, f"{path.name}: mark section cells as slides"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_hard_coded_epoch_counts(path):
    text = path.with_suffix(".py").read_text()
    hits = re.findall(r"^[^#\n]*\b(?:epochs|n_epochs|EPOCHS|num_epochs)\s*=\s*\d+", text, re.M)
    assert not hits, f"{path.name}: read epoch counts from the profile, not {hits}"
