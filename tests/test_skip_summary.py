"""Without the reference folder, the skips it causes are one line of `pytest -ra`, not one per test."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import REFERENCE_ENV, ROOT

# one module of each way a test needs the reference data: the marker, need_reference(), its own skip
MODULES = ("tests/test_status_list.py", "tests/test_export_europass.py", "tests/test_x509.py", "tests/test_vectors.py")


def test_the_absent_reference_folder_is_one_skip_line(tmp_path):
    env = {**os.environ, REFERENCE_ENV: str(tmp_path / "absent"), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider", *MODULES],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("SKIPPED")]
    absent = [line for line in lines if "reference data absent" in line]
    assert len(absent) == 1, lines
    count = int(re.match(r"SKIPPED \[(\d+)\]", absent[0]).group(1))
    assert count >= len(MODULES) and f"reference data absent ({tmp_path / 'absent'})" in absent[0]
