"""Every benchmark the README lists starts: its imports resolve and it prints its usage.

Benchmarks are not run in the suite (they print numbers and take minutes), so nothing else would
notice a benchmark that no longer starts after a module it imports was changed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
LISTED = sorted({line.split()[1] for line in README.splitlines() if line.startswith(".venv/bin/python bench/")})


def test_the_readme_lists_benchmarks_that_exist():
    assert len(LISTED) >= 5, LISTED
    assert [script for script in LISTED if not (ROOT / script).is_file()] == []


@pytest.mark.parametrize("script", LISTED)
def test_benchmark_prints_its_usage(script):
    done = subprocess.run([sys.executable, script, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage" in (done.stdout + done.stderr).lower()
