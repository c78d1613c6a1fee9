"""The code passes ruff with the project's rules (pyproject.toml [tool.ruff])."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is not installed: pip install -e '.[dev]'"
    proc = subprocess.run([ruff, "check", "--output-format", "concise", "course_utils", "tests", "benchmarks",
                           "tools", "notebooks", "conftest.py"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
