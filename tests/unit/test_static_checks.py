"""The platform and the domains type-check under mypy --strict, and the tree passes ruff: CI proves both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_mesh_and_domains_are_type_clean_under_strict_mypy() -> None:
    result = _run("mypy", "mesh", "domains")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_tree_passes_ruff() -> None:
    result = _run("ruff", "check", "mesh", "domains", "bench", "tests")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
