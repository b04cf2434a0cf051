"""Shared fixtures: project paths, the official reference folder, the demo keys.

Without the reference folder every test that needs it is skipped for that one cause, and the
summary (`pytest -ra`) says so in ONE line, however many tests and files it covers. Set
EDCISSUER_REFERENCE to use another folder (or a missing one, to see the suite without it).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_ENV = "EDCISSUER_REFERENCE"
REF = Path(os.environ.get(REFERENCE_ENV) or ROOT.parent / "shared" / "reference")
SAMPLES = sorted((ROOT / "samples" / "records").glob("*.yaml"))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)

_REF_SHOWN = "../shared/reference" if REF == ROOT.parent / "shared" / "reference" else str(REF)
#: the one skip reason for the one cause; every reference-needing test skips with exactly this text
REFERENCE_ABSENT = f"reference data absent ({_REF_SHOWN})"


def reference_present() -> bool:
    return REF.is_dir()


def _skip_reference_absent() -> None:
    pytest.skip(REFERENCE_ABSENT)  # one place, so the summary folds every such skip into one line


def need_reference(*parts: str) -> Path:
    """The path inside the reference folder, or skip the test (one reason when the folder is absent)."""
    if not reference_present():
        _skip_reference_absent()
    path = REF.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{_REF_SHOWN}/{'/'.join(parts)} not present in the reference data")
    return path


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A `reference`-marked test is skipped before its fixtures run when the folder is absent."""
    if item.get_closest_marker("reference") and not reference_present():
        _skip_reference_absent()


#: skip causes that are the environment, not the test: (does a reason name it?, does it apply now?, the one
#: reason shown, or None to keep the test's own words, which are the same for every test of that cause)
_FOLDED: tuple[tuple[Callable[[str], bool], Callable[[], bool], str | None], ...] = (
    (lambda reason: str(REF) in reason or "shared/reference" in reason or "reference data" in reason,
     lambda: not reference_present(), REFERENCE_ABSENT),
    (lambda reason: reason.startswith("Skipped: PostgreSQL "), lambda: True, None),
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Fold the skips of one environment cause (the absent reference folder, no PostgreSQL), however
    each test module words them, into one reason at one location: `pytest -ra` prints one line each."""
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and isinstance(report.longrepr, tuple)):
        return
    reason = str(report.longrepr[2])
    for names_it, applies, folded in _FOLDED:
        if applies() and names_it(reason):
            report.longrepr = (__file__, _FOLD_LINE, f"Skipped: {folded}" if folded else reason)
            return


_FOLD_LINE = pytest_runtest_makereport.__code__.co_firstlineno


@pytest.fixture(scope="session")
def demo_keys():
    from edcissuer.demo import load_demo_keys

    return load_demo_keys(ROOT)


@pytest.fixture(scope="session")
def records():
    from edcissuer.models.records import load_record

    return {p.stem: load_record(p) for p in SAMPLES}


@pytest.fixture(scope="session")
def service_demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One real `edcissuer serve` (DEMO-ONLY deployment with sample credentials) for the session.

    Yields (server, deployment): server.url, server.request/json; deployment.token, .folder, .samples.
    """
    from service_server import demo_folder, free_port, running

    port = free_port()
    deployment = demo_folder(tmp_path_factory.mktemp("service-demo"), port)
    with running(deployment.config, port) as server:
        yield server, deployment
