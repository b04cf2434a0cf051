"""The service publishes an IETF Token Status List for the SD-JWT VC copies of its credentials,
signed from the same ledger entries as the Bitstring lists: revoking a credential revokes them all."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from edcissuer.config import load_config
from edcissuer.crypto.did import did_web_verification_method
from edcissuer.models.records import load_record
from edcissuer.sdjwt import issue_sd_jwt_vc
from edcissuer.sdjwt.token_status import StatusList, verify_status_list
from edcissuer.service.core import Service
from edcissuer.service.settings import Client, from_config

ROOT = Path(__file__).resolve().parents[1]
CLIENT = Client("registrar", "0" * 64, frozenset({"issue", "revoke"}))


@pytest.fixture
def service(tmp_path: Path):  # type: ignore[no-untyped-def]
    from edcissuer.demo.deployment import write_demo_deployment

    deployment = write_demo_deployment(tmp_path / "d", public_url="http://127.0.0.1:9", root=ROOT, samples=False)
    svc = Service(from_config(load_config(deployment.config)))
    yield svc
    svc.close()


def _sd_jwt_copy(service: Service, demo_keys):  # type: ignore[no-untyped-def]
    record = load_record(ROOT / "samples" / "records" / "model1-single.yaml")
    entry = service.issue(record.model_dump(mode="json", exclude_none=True), fmt="ob3", client=CLIENT).recorded.entry
    key, did = service.settings.key, service.settings.issuer_did
    assert key is not None and did is not None and entry.status_list is not None
    return entry, issue_sd_jwt_vc(record, signer=key, issuer=did, holder=demo_keys.learners["ana"], now=service.now(),
                                  kid=did_web_verification_method(did, key),
                                  status={"idx": entry.status_index, "uri": service.token_status_url(entry.status_list)})


def test_an_sd_jwt_copy_is_valid_then_revoked_with_its_credential(service: Service, demo_keys) -> None:
    entry, copy = _sd_jwt_copy(service, demo_keys)
    [before] = service.verify(copy.serialize())
    assert before.verified, before.to_text()
    service.change_status(entry.credential_id, "revoke", reason="issued in error", client=CLIENT)
    [after] = service.verify(copy.serialize())
    status = next(c for c in after.checks if c.name == "status")
    assert not status.passed and "revoked" in status.reason.lower(), status.reason


def test_the_published_list_has_two_bits_per_entry_and_says_suspended(service: Service, demo_keys) -> None:
    entry, _ = _sd_jwt_copy(service, demo_keys)
    assert entry.status_list is not None and entry.status_index is not None
    service.change_status(entry.credential_id, "suspend", reason="under review", client=CLIENT)
    token = service.token_status_list(entry.status_list)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "statuslist+jwt"
    assert service.settings.key is not None
    statuses: StatusList = verify_status_list(token, key=service.settings.key,
                                              uri=service.token_status_url(entry.status_list), now=service.now())
    assert statuses.bits == 2 and statuses.get(entry.status_index) == 2
    assert service.own_document(service.token_status_url(entry.status_list)) == token.encode()
