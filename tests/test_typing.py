"""The library type-checks under mypy --strict (configuration in pyproject.toml)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT


def test_library_passes_mypy_strict():
    pytest.importorskip("mypy")
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
