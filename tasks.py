#!/usr/bin/env python3
"""One entry point for a fresh machine: `python3 tasks.py demo`, `python3 tasks.py test` or `python3 tasks.py serve`.

Why a script and not a Makefile: it needs nothing but Python 3.11+, creates its own
virtual environment (.venv), installs the project with pip from the package registry,
and then runs the job. Re-running it only installs what changed.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".edcissuer-install-stamp"


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_env() -> None:
    """Create .venv and install the project (with test extras) when pyproject changed."""
    if sys.version_info < (3, 11):
        sys.exit("edcissuer needs Python 3.11 or newer")
    if not _python().exists():
        print("creating virtual environment in .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("installing edcissuer and its dependencies into .venv", flush=True)
    subprocess.run([str(_python()), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(_python()), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "serve"}:
        print("usage: python3 tasks.py demo|test|serve [extra args]", file=sys.stderr)
        return 2
    ensure_env()
    job, rest = argv[0], argv[1:]
    if job == "demo":
        cmd = [str(BIN / "edcissuer"), "demo", *rest]
    elif job == "serve":  # the DEMO-ONLY deployment on SQLite (docs/service.md); extra args go to `serve`
        cmd = [str(BIN / "edcissuer"), "serve", "--demo", "out/service", *rest]
    else:
        cmd = [str(_python()), "-m", "pytest", *rest]
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
