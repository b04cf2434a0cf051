"""Data Integrity cryptosuites (low-level layer; see suites/base.py)."""
from .base import Cryptosuite, get_suite, supported_suites

__all__ = ["Cryptosuite", "get_suite", "supported_suites"]
