"""The code checks DESIGN.md asks for, run with the suite so CI enforces them: ruff and mypy."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_is_clean() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_our_packages() -> None:
    result = run("mypy")  # packages and options in setup.cfg
    assert result.returncode == 0, result.stdout + result.stderr
