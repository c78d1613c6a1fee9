"""Test-wide settings, applied before any notebook kernel starts (kernels inherit the
environment): the smoke profile, strict exercise checks, and a private cache so a test
run never loads a model that an earlier run trained."""
import os
import tempfile

os.environ["COURSE_PROFILE"] = "smoke"
os.environ["COURSE_STRICT_CHECKS"] = "1"
os.environ.setdefault("COURSE_CACHE_DIR", tempfile.mkdtemp(prefix="course-cache-"))
os.environ.setdefault("MPLBACKEND", "Agg")
