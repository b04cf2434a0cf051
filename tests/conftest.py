"""Shared fixtures: project paths, the official reference folder, the demo keys."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / "shared" / "reference"
SAMPLES = sorted((ROOT / "samples" / "records").glob("*.yaml"))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def need_reference(*parts: str) -> Path:
    """The path inside ../shared/reference, or skip the test with the reason."""
    path = REF.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/reference/{'/'.join(parts)} not present: official reference data unavailable")
    return path


@pytest.fixture(scope="session")
def demo_keys():
    from edcissuer.demo import load_demo_keys

    return load_demo_keys(ROOT)


@pytest.fixture(scope="session")
def records():
    from edcissuer.models.records import load_record

    return {p.stem: load_record(p) for p in SAMPLES}
