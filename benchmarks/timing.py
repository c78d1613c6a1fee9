"""Timing helpers: medians of repeats, ours and the baseline measured in one process."""
from __future__ import annotations

import statistics
import time


def median_seconds(fn, repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def case(name: str, ours_s: float, baseline_s: float, baseline: str, goal_ratio: float, note: str = "") -> dict:
    return {"case": name, "ours_s": ours_s, "baseline_s": baseline_s, "baseline": baseline,
            "goal_ratio": goal_ratio, "note": note}
