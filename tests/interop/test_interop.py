"""The interop suite: our OB3 credentials in the real peers, and theirs in ours.

One module, so that without node or the pinned npm packages the whole suite skips with one
line (EDCISSUER_REQUIRE_INTEROP=1, set by CI where node exists, makes that a failure: see
conftest.py). The tests live in ours_in_peers.py (ours -> theirs, tampered, status) and
peers_in_ours.py (theirs -> ours, tampered); the matrix itself is declared in cases.py.
"""
from __future__ import annotations

import pytest

from .peers import REQUIRE_ENV, required, unavailable_reason

_REASON = unavailable_reason()
if _REASON is not None and not required():
    pytest.skip(f"interop suite skipped: {_REASON} (set {REQUIRE_ENV}=1 to make this a failure)",
                allow_module_level=True)

from .ours_in_peers import (  # noqa: E402  (after the skip: nothing runs without the peers)
    run,
    test_openbadgeslib_verifies_our_rs256_jwt_with_the_issuer_key_pinned,
    test_ours_extended_form_is_refused_by_peer,
    test_ours_status_in_peer,
    test_ours_tampered_refused_by_peer,
    test_ours_verify_in_peer,
)
from .peers_in_ours import (  # noqa: E402
    signed,
    test_peer_signed_status_list_forged_refused_by_ours,
    test_peer_signed_status_list_revoked_in_ours,
    test_peer_signed_tampered_refused_by_ours,
    test_peer_signed_verifies_in_ours,
)

__all__ = ["run", "signed", "test_openbadgeslib_verifies_our_rs256_jwt_with_the_issuer_key_pinned",
           "test_ours_extended_form_is_refused_by_peer", "test_ours_status_in_peer", "test_ours_tampered_refused_by_peer", "test_ours_verify_in_peer",
           "test_peer_signed_status_list_forged_refused_by_ours", "test_peer_signed_status_list_revoked_in_ours", "test_peer_signed_tampered_refused_by_ours", "test_peer_signed_verifies_in_ours"]
