"""IETF Token Status List: the draft's test vectors, a signed statuslist+jwt, a credential's status."""
from __future__ import annotations

import base64
import json
import threading
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from edcissuer.checks import CheckId
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import SigningError, VerificationError
from edcissuer.fetch import Fetcher
from edcissuer.models.records import load_record
from edcissuer.sdjwt import issue_sd_jwt_vc, issuer_metadata, jwks_resolver
from edcissuer.sdjwt.core import sign_compact
from edcissuer.sdjwt.token_status import (
    INVALID,
    SUSPENDED,
    VALID,
    StatusList,
    check_referenced_status,
    sign_status_list,
    verify_status_list,
)
from edcissuer.verify import VerifyOptions, verify_all

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
URI = "https://issuer.univ.example/status/tsl/1"
#: draft-ietf-oauth-status-list §4.1 ("Status List in JSON Format") examples
ONE_BIT = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
TWO_BIT = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return KeyPair.generate("P-256")


def test_the_one_bit_vector_of_the_draft():
    status = StatusList.of(ONE_BIT, 1)
    assert bytes(status.data) == bytes([0xB9, 0xA3])                 # LSB-first
    assert status.encode() == "eNrbuRgAAhcBXQ"
    decoded = StatusList.decode("eNrbuRgAAhcBXQ", 1)
    assert [decoded.get(i) for i in range(16)] == ONE_BIT


def test_the_two_bit_vector_of_the_draft():
    status = StatusList.of(TWO_BIT, 2)
    assert bytes(status.data) == bytes([0xC9, 0x44, 0xF9])
    assert status.encode() == "eNo76fITAAPfAgc"
    decoded = StatusList.decode("eNo76fITAAPfAgc", 2)
    assert [decoded.get(i) for i in range(12)] == TWO_BIT


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_every_width_round_trips(bits: int):
    values = [(i * 7) % (1 << bits) for i in range(50)]
    status = StatusList.decode(StatusList.of(values, bits).encode(), bits)
    assert [status.get(i) for i in range(50)] == values


def test_bad_widths_values_and_indexes_are_refused():
    with pytest.raises(SigningError):
        StatusList.new(8, bits=3)
    with pytest.raises(SigningError):
        StatusList.new(8, bits=1).set(0, 2)
    with pytest.raises(VerificationError, match="outside the list"):
        StatusList.new(8, bits=1).get(8)
    with pytest.raises(VerificationError, match="bits"):
        StatusList.decode("eNrbuRgAAhcBXQ", 3)
    with pytest.raises(VerificationError, match="ZLIB"):
        StatusList.decode(base64.urlsafe_b64encode(b"\x1f\x8b not zlib").rstrip(b"=").decode(), 1)


def test_a_zip_bomb_is_refused():
    bomb = base64.urlsafe_b64encode(zlib.compress(bytes(40 * 1024 * 1024), 9)).rstrip(b"=").decode()
    with pytest.raises(VerificationError, match="larger than allowed"):
        StatusList.decode(bomb, 1)


def test_a_signed_list_verifies_and_gives_each_status(key: KeyPair):
    status = StatusList.new(1000, bits=2)
    status.set(3, INVALID)
    status.set(4, SUSPENDED)
    token = sign_status_list(status, signer=key, uri=URI, now=NOW, kid="key-1")
    head, body, _ = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(head + "==")) == {"alg": "ES256", "typ": "statuslist+jwt",
                                                                 "kid": "key-1"}
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    assert claims["sub"] == URI and claims["ttl"] == 3600 and claims["status_list"]["bits"] == 2
    assert claims["exp"] - claims["iat"] == 86400
    read = verify_status_list(token, key=key, uri=URI, now=NOW)
    assert (read.get(2), read.get(3), read.get(4)) == (VALID, INVALID, SUSPENDED)


def test_a_tampered_or_misplaced_list_token_is_refused(key: KeyPair):
    token = sign_status_list(StatusList.new(16, 1), signer=key, uri=URI, now=NOW)
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["status_list"]["lst"] = StatusList.of([1] * 16, 1).encode()
    forged = ".".join([head, base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode(), sig])
    with pytest.raises(VerificationError, match="does not verify"):
        verify_status_list(forged, key=key, uri=URI, now=NOW)
    with pytest.raises(VerificationError, match="does not verify"):
        verify_status_list(token, key=KeyPair.generate("P-256"), uri=URI, now=NOW)
    with pytest.raises(VerificationError, match="sub"):
        verify_status_list(token, key=key, uri=URI + "-other", now=NOW)
    with pytest.raises(VerificationError, match="expired"):
        verify_status_list(token, key=key, uri=URI, now=NOW + timedelta(days=2))
    jwt_typed = sign_compact({"alg": "ES256", "typ": "JWT"}, payload, key)
    with pytest.raises(VerificationError, match="typ"):
        verify_status_list(jwt_typed, key=key, uri=URI, now=NOW)


def test_a_credentials_status_is_read_from_its_list(key: KeyPair):
    record = load_record(ROOT / "samples" / "records" / "model1-single.yaml")
    status = StatusList.new(64, bits=2)
    status.set(9, INVALID)
    served = {URI: sign_status_list(status, signer=key, uri=URI, now=NOW).encode("ascii")}

    def check(idx: int) -> tuple[bool, str]:
        vc = issue_sd_jwt_vc(record, signer=key, issuer="https://issuer.univ.example", holder=None, now=NOW,
                             status={"idx": idx, "uri": URI})
        result = check_referenced_status(vc.payload, fetch=served.__getitem__, key_for=lambda header: key, now=NOW)
        assert result is not None and result.name == CheckId.STATUS
        return result.passed, result.reason

    assert check(8) == (True, f"valid in the Token Status List {URI} (index 8)")
    passed, reason = check(9)
    assert not passed and "revoked" in reason
    passed, reason = check(64)
    assert not passed and "outside the list" in reason
    assert check_referenced_status({"vct": "x"}, fetch=None, key_for=lambda h: key, now=NOW) is None


# --- through the verifier, over real HTTP on loopback ------------------------------------------------

SERVED: dict[str, bytes] = {}


class _Lists(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = SERVED.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/statuslist+jwt")
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Lists)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_verifier_fetches_the_list_and_reports_revocation(key: KeyPair, origin: str):
    issuer = "https://issuer.univ.example"
    uri = f"{origin}/status/tsl/1"
    status = StatusList.new(32, bits=2)
    status.set(5, INVALID)
    status.set(6, SUSPENDED)
    SERVED["/status/tsl/1"] = sign_status_list(status, signer=key, uri=uri, now=NOW).encode()
    record = load_record(ROOT / "samples" / "records" / "model1-single.yaml")

    def verify(idx: int) -> tuple[bool, str]:
        vc = issue_sd_jwt_vc(record, signer=key, issuer=issuer, holder=None, now=NOW, kid="k1",
                             status={"idx": idx, "uri": uri})
        options = VerifyOptions(now=NOW, fetcher=Fetcher([origin], allow_loopback_http=True, timeout=5),
                                resolver=jwks_resolver(issuer_metadata(issuer, {"k1": key})))   # fresh cache
        [result] = verify_all(vc.serialize(), options)
        check = next(c for c in result.checks if c.name == CheckId.STATUS)
        return result.verified, check.reason

    assert verify(4) == (True, f"valid in the Token Status List {uri} (index 4)")
    assert verify(5)[0] is False and "revoked" in verify(5)[1]
    assert verify(6)[0] is False and "suspended" in verify(6)[1]
    SERVED["/status/tsl/1"] = sign_status_list(status, signer=KeyPair.generate("P-256"), uri=uri,
                                               now=NOW).encode()
    assert verify(4)[0] is False and "does not verify" in verify(4)[1]   # a list not signed by the issuer
