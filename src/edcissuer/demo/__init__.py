"""The end-to-end demo (`edcissuer demo`): sample records issued, verified, recognised and exported.

Not part of the library API: it needs the source checkout (`keys/`, `samples/`) and only the CLI
imports it (tests/test_architecture.py keeps it so). `load_demo_keys` is here for the tests' fixtures.
"""
from __future__ import annotations

from .keys import DemoKeys, load_demo_keys
from .run import DemoReport, DemoRow, run_demo

__all__ = ["DemoKeys", "DemoReport", "DemoRow", "load_demo_keys", "run_demo"]
