"""pyproject.toml and environment.yml list the same dependencies; no torchvision."""
import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"pytorch": "torch"}  # conda-forge name -> PyPI name


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower()


def test_pip_and_conda_dependencies_agree():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = {_name(r) for r in meta["dependencies"] + meta["optional-dependencies"]["dev"]}
    conda = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text[text.index("dependencies:"):].splitlines():
        m = re.match(r"^\s{2}- ([A-Za-z0-9_.\-]+)", line)
        if m and m.group(1) not in ("python", "pip"):
            name = m.group(1).lower()
            conda.add(CONDA_NAMES.get(name, name))
    assert pip == conda, f"only in pyproject: {pip - conda}; only in environment.yml: {conda - pip}"


def test_no_torchvision():
    for name in ("pyproject.toml", "environment.yml"):
        assert "torchvision" not in (ROOT / name).read_text()
    for path in (ROOT / "course_utils").rglob("*.py"):
        assert "torchvision" not in path.read_text(), path
