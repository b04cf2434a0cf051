"""The interop suite: fail it when EDCISSUER_REQUIRE_INTEROP=1 and the peers are absent;
record the matrix.

With EDCISSUER_INTEROP_MATRIX=<file> the run writes the peer x case table and the peer
versions into that markdown file, between the matrix markers (tests/interop/matrix.py).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .peers import REQUIRE_ENV, required, unavailable_reason

_REASON = unavailable_reason()


@pytest.fixture(scope="session", autouse=True)
def _peers_present() -> None:
    """Required (EDCISSUER_REQUIRE_INTEROP=1) and absent: every interop test fails, saying why.

    (Not required and absent, test_interop.py skips at module level, with one line.)
    """
    if _REASON is not None and required():
        pytest.fail(f"{REQUIRE_ENV}=1 but the interop peers cannot run: {_REASON}", pytrace=False)


MATRIX_ENV = "EDCISSUER_INTEROP_MATRIX"
#: test function -> the table its cells belong to
TABLES = {
    "test_ours_verify_in_peer": "ours → theirs: our credentials verified by each peer",
    "test_ours_tampered_refused_by_peer": "ours tampered: a changed achievement name, refused by each peer",
    "test_ours_status_in_peer": "ours with credentialStatus (BitstringStatusListEntry + the published list)",
    "test_ours_extended_form_is_refused_by_peer": "ours in the extended form (our extension context): refused",
    "test_peer_signed_verifies_in_ours": "theirs → ours: credentials signed by each peer, verified by edcissuer",
    "test_peer_signed_status_list_revoked_in_ours":
        "theirs with the peer's status list (StatusList2021, Bitstring): its bit set, REVOKED by edcissuer",
    "test_peer_signed_status_list_forged_refused_by_ours":
        "theirs with the peer's status list: the revoked list with the clear bitstring pasted in, refused by edcissuer",
    "test_peer_signed_tampered_refused_by_ours": "theirs tampered: a changed creditsAvailable, refused by edcissuer",
}
_CELLS: dict[str, dict[tuple[str, str], str]] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    table = TABLES.get(getattr(item, "originalname", ""))
    params: dict[str, Any] = getattr(getattr(item, "callspec", None), "params", {})
    if table is None or not params:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        row = str(params.get("case") or params.get("signing") or "single-eddsa-rdfc-2022-extended")
        column = str(params.get("peer", "edcissuer"))
        if hasattr(report, "wasxfail"):
            cell = "xfail" if report.skipped else "XPASS"
        else:
            cell = {"passed": "pass", "failed": "FAIL", "skipped": "skip"}[report.outcome]
        _CELLS.setdefault(table, {})[(row, column)] = cell


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(MATRIX_ENV)
    if target and _CELLS:
        from .matrix import write_matrix

        write_matrix(Path(target), TABLES, _CELLS)
