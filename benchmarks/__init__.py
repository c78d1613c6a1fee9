"""Side-by-side speed measurements (not part of the test run): ``python -m benchmarks``."""
