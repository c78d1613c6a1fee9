"""Run every benchmark and print one table: case, ours, baseline, ratio, goal.

    python -m benchmarks                 # all cases + notebook times (smoke profile)
    python -m benchmarks --no-notebooks  # cases only
Each ``benchmarks/bench_*.py`` module provides ``cases() -> list[dict]``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def print_table(rows: list[dict]) -> None:
    print(f"{'case':<62} {'ours':>9} {'baseline':>9} {'ratio':>7} {'goal':>6}  baseline / note")
    for r in rows:
        ratio = r["baseline_s"] / r["ours_s"] if r["ours_s"] > 0 else float("inf")
        flag = "ok" if ratio >= r["goal_ratio"] else "MISS"
        print(f"{r['case'][:62]:<62} {r['ours_s']:>8.4f}s {r['baseline_s']:>8.4f}s {ratio:>6.1f}x {r['goal_ratio']:>5.1f}x"
              f"  {flag}  {r['baseline']}{'; ' + r['note'] if r.get('note') else ''}")


def notebook_times(names=None) -> list[tuple[str, float, bool]]:
    """Wall time of executing each notebook with nbclient in the smoke profile."""
    import tempfile

    env = {**os.environ, "COURSE_PROFILE": "smoke", "COURSE_CACHE_DIR": tempfile.mkdtemp(prefix="bench-cache-"),
           "MPLBACKEND": "Agg"}
    results = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if names and path.stem not in names:
            continue
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                               "--stdout", "--ExecutePreprocessor.timeout=600", str(path)],
                              cwd=path.parent, env=env, capture_output=True)
        results.append((path.stem, time.perf_counter() - start, proc.returncode == 0))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description="course benchmarks")
    parser.add_argument("--no-notebooks", action="store_true", help="skip the notebook timings")
    parser.add_argument("--only", nargs="*", help="benchmark modules to run, e.g. bench_data")
    args = parser.parse_args(argv)
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    rows = []
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        if args.only and path.stem not in args.only:
            continue
        module = importlib.import_module(f"benchmarks.{path.stem}")
        rows += module.cases()
    print_table(rows)
    if not args.no_notebooks:
        print("\nnotebook execution time, smoke profile (budget 60 s each):")
        for name, seconds, ok in notebook_times():
            print(f"  {name:<40} {seconds:6.1f} s  {'ok' if ok and seconds <= 60 else 'FAILED' if not ok else 'SLOW'}")


if __name__ == "__main__":
    main()
